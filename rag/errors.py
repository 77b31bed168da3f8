"""Every exception the library raises on purpose, in one place (callers map these to exit codes / HTTP)."""


class RagError(Exception):
    """Base class: a clear, user-facing message; no traceback needed."""


class BadQuestion(RagError):
    """The question is empty, too long, or otherwise unusable."""


class BadFilter(RagError):
    """A filter value (date, id) cannot be used."""


class IndexEmpty(RagError):
    """Nothing has been ingested yet."""


class IndexMismatch(RagError):
    """The index was built with other embedding/chunking settings than the ones in force."""


class StoreUnavailable(RagError):
    """The Chroma server cannot be reached."""


class SourceNotFound(RagError):
    """No indexed source has this id."""


class SourcePathMissing(RagError):
    """A path given to ingest does not exist."""


class LLMUnavailable(RagError):
    """The optional LLM backend failed or timed out."""


class DiskFull(RagError):
    """The disk holding the index has no room left for what ingest must write."""


class IndexReadOnly(RagError):
    """The index is on a read-only filesystem: it can be queried, not written."""


class AnswerNotFound(RagError):
    """Feedback names an answer id this index has no record of (never made here, or too old)."""


class BadFeedback(RagError):
    """Feedback that cannot be stored (an unknown verdict, a comment over the limit)."""
