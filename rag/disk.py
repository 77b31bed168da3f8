"""Room on the disk that holds the index.

Ingest stops while there is still some room left (`RAG_MIN_FREE_MB`) rather than at the last byte: Chroma
needs space to apply its write-ahead log when the index is next read, so an index filled to the brim
cannot even be queried until space is freed. Should a write still fail for lack of space, the error
says so in one line instead of a storage engine's traceback.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

from rag.errors import DiskFull, RagError

MB = 1024 * 1024
# A failed write with less than this left is put down to the disk (Chroma's error gives no reason).
NEARLY_FULL_BYTES = 32 * MB


def free_bytes(path: Path) -> int:
    return shutil.disk_usage(path).free


def advice(path: Path) -> str:
    return f"the disk holding the index has {free_bytes(path) / MB:.1f} MB free; free some space"


RETRY = "and run `rag ingest` again (sources committed so far are kept)"


def check_room(path: Path, min_free_bytes: int) -> None:
    """Raise DiskFull before a write when less than `min_free_bytes` is left."""
    if free_bytes(path) < min_free_bytes:
        raise DiskFull(f"stopped before the disk is full (RAG_MIN_FREE_MB is {min_free_bytes // MB}): {advice(path)}")


def _is_out_of_space(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()


def nearly_full(path: Path) -> bool:
    return free_bytes(path) < NEARLY_FULL_BYTES


@contextmanager
def out_of_space_is_clear(path: Path, doing: str = "a write"):
    """Turn a failure into DiskFull when the disk is (nearly) full: a storage engine reports it in its own
    words ("Error in compaction: Failed to apply logs"), which never mention the disk."""
    try:
        yield
    except DiskFull as exc:
        raise DiskFull(f"{doing}: {exc} {RETRY}") from None
    except RagError:
        raise
    except Exception as exc:
        if _is_out_of_space(exc) or nearly_full(path):
            raise DiskFull(f"{doing} failed ({type(exc).__name__}): {advice(path)} {RETRY}") from exc
        raise
