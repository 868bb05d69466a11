"""The photo files under UPLOAD_DIR, kept consistent with their rows.

A file is written (to a temporary name, then renamed: a reader never sees half a file) before its row is
flushed, and remembered in the session. If the transaction commits, the file stays; if it rolls back — or
the session ends without a commit — the file is removed (`after_commit` / `after_transaction_end` of the
root transaction; a rolled-back savepoint removes the files written inside it, `after_soft_rollback`). A
deleted photo's files are removed only once the deletion has committed. So a row never points at a missing
file; the one leftover possible is a file without a row when the process dies between writing and
committing, which nothing serves (files are reached through their rows only).
"""
import logging
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

logger = logging.getLogger(__name__)

_WRITTEN = "photos.written"  # [(path, savepoint or None)] written in the open transaction
_DOOMED = "photos.doomed"  # paths to remove once the transaction commits


def folder(community_id: int) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / str(int(community_id))


def path_of(community_id: int, key: str, extension: str, thumb: bool = False) -> Path:
    return folder(community_id) / f"{key}{'_thumb' if thumb else ''}.{extension}"


def write(session: Session, path: Path, data: bytes) -> None:
    """Write the file atomically and remove it again unless the session's transaction commits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        _unlink(Path(temporary))
        raise
    session = _real(session)
    session.info.setdefault(_WRITTEN, []).append((path, session.get_nested_transaction()))


def remove_after_commit(session: Session, *paths: Path) -> None:
    _real(session).info.setdefault(_DOOMED, []).extend(paths)


def _real(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        logger.exception("could not remove %s", path)


@event.listens_for(Session, "after_commit")
def _committed(session):
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_DOOMED, []):
        _unlink(path)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session, previous_transaction):
    written = session.info.get(_WRITTEN)
    if not written or not previous_transaction.nested:
        return
    gone = {id(previous_transaction)}
    keep = []
    for path, savepoint in written:
        if savepoint is not None and _within(savepoint, gone):
            _unlink(path)
        else:
            keep.append((path, savepoint))
    session.info[_WRITTEN] = keep


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is not None:
        return
    # The root transaction ended: whatever it wrote and did not commit goes (after_commit cleared the rest).
    for path, _savepoint in session.info.pop(_WRITTEN, []):
        _unlink(path)
    session.info.pop(_DOOMED, None)


def _within(savepoint, gone: set[int]) -> bool:
    while savepoint is not None:
        if id(savepoint) in gone:
            return True
        savepoint = savepoint.parent
    return False
