"""Newsroom question answering with verified, span-level citations.

    from rag import Pipeline, Settings
    answer = Pipeline(Settings()).ask("Who did Pakistan blame for the attacks?")
"""

from rag.offline import go_offline

go_offline()  # before any third-party import below can read the environment

from rag.models import Answer, Citation, Filters, Message, Passage, ScoredChunk, Source, SourceInfo  # noqa: E402
from rag.settings import Settings  # noqa: E402

__all__ = [
    "Answer",
    "Citation",
    "Filters",
    "Message",
    "Passage",
    "Pipeline",
    "ScoredChunk",
    "Settings",
    "Source",
    "SourceInfo",
    "ask",
]


def __getattr__(name: str):
    # Importing the Pipeline loads Chroma, ONNX and spaCy; keep `import rag` cheap for the CLI's --help.
    if name in ("Pipeline", "ask"):
        from rag import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
