"""Atomic file writes.

A file is written to a temporary file in the same directory, flushed and fsynced, then renamed
over the target with ``os.replace``: readers see the old file or the new one, never half of one.
An optional ``check`` reads the temporary file back before the rename, so a file that would
not load again (a catalog entry that does not validate) never replaces a good one.
"""

from __future__ import annotations

import glob
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from solver.errors import InputError

# What follows ".<name>." in a temporary file's name (see write_bytes_atomic).
_TEMPORARY = re.compile(r"^(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def write_text_atomic(path: Path, text: str, *, encoding: str = "utf-8", check: Callable[[Path], None] | None = None) -> Path:
    """Write ``text`` to ``path`` atomically (parent directories are created)."""
    return write_bytes_atomic(path, text.encode(encoding), check=check)


def write_bytes_atomic(path: Path, data: bytes, *, check: Callable[[Path], None] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (parent directories are created). Returns ``path``.

    ``check(temporary_path)`` runs on the written, synced file before it replaces ``path``; an
    exception from it leaves ``path`` as it was."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create directory {path.parent}: {err.strerror or err}") from None
    _remove_dead_temporaries(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666  # new files: 0o666 minus umask
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if path.exists():
                os.chmod(temporary, mode)
            if check is not None:
                check(temporary)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None
    fsync_directory(path.parent)
    return path


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead_temporaries(path: Path) -> None:
    """Delete temporary files of ``path`` left by writers that were killed (SIGKILL, power loss)."""
    for entry in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        match = _TEMPORARY.match(entry.name[len(path.name) + 2 :])
        if match and not pid_alive(int(match["pid"])):
            entry.unlink(missing_ok=True)


def fsync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = ["fsync_directory", "pid_alive", "write_bytes_atomic", "write_text_atomic"]
