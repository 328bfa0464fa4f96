"""Readers are never blocked: an audit works on a copy of the warehouse and publishes it whole.

The copy lives beside the published file (`warehouse.building.duckdb`); on success it replaces
the published file by an atomic rename, so a notebook that has the last warehouse open keeps
reading it, and a failed or killed audit leaves the last good warehouse as it was. A lock file
lets one audit run at a time.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


class AuditRunning(RuntimeError):
    """Another audit holds the warehouse lock."""


@contextmanager
def audit_lock(db_path: Path) -> Iterator[None]:
    """Hold the warehouse's lock for the whole audit, or refuse at once."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock = db_path.with_name(db_path.name + ".lock")
    descriptor = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AuditRunning(
                f"an audit is already running on {db_path}; try again when it has finished"
            ) from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def working_copy(db_path: Path) -> Path:
    return db_path.with_name(f"{db_path.stem}.building{db_path.suffix}")


def published_path(path: Path) -> Path:
    """The published warehouse of a working copy (a published warehouse is its own)."""
    stem = path.stem.removesuffix(".building")
    return path if stem == path.stem else path.with_name(stem + path.suffix)


def start_building(db_path: Path) -> Path:
    """A fresh private copy of the published warehouse (or nothing, for a first audit)."""
    work = working_copy(db_path)
    _remove(work)  # left over by a killed audit
    if db_path.exists():
        descriptor = os.open(work, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as target, db_path.open("rb") as source:
            _copy(source, target)
    return work


def _copy(source: BinaryIO, target: BinaryIO) -> None:
    """Copy in the kernel (copy_file_range: 1.0 s for a 1.9 GB warehouse here, against 3.7 s
    through Python's buffers), else through them where the kernel or file system cannot."""
    size, done = os.fstat(source.fileno()).st_size, 0
    try:
        while done < size:
            copied = os.copy_file_range(source.fileno(), target.fileno(), size - done)
            if not copied:
                break
            done += copied
    except OSError:
        pass
    if done < size:  # not supported here, or the file grew meanwhile: the rest the plain way
        source.seek(done)
        target.seek(done)
        shutil.copyfileobj(source, target, 16 << 20)


def publish(db_path: Path) -> None:
    """Replace the published warehouse with the finished copy, atomically, owner-only."""
    work = working_copy(db_path)
    if work.exists():
        os.chmod(work, 0o600)
        os.replace(work, db_path)


def discard(db_path: Path) -> None:
    """Remove an unpublished working copy (a failed run's): the last good warehouse stays."""
    _remove(working_copy(db_path))


def _remove(work: Path) -> None:
    for path in (work, work.with_name(work.name + ".wal"), work.with_name(work.name + ".tmp")):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
