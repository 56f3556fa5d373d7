"""Atomic file writes and output-directory preparation.

A file is written to a temporary file in the same directory, flushed and fsynced, then renamed
over the target with ``os.replace``: readers see the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from solver.errors import InputError


def write_text_atomic(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (parent directories are created)."""
    return write_bytes_atomic(path, text.encode(encoding))


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (parent directories are created). Returns ``path``."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create directory {path.parent}: {err.strerror or err}") from None
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
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None
    _fsync_directory(path.parent)
    return path


def _fsync_directory(directory: Path) -> None:
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


def prepare_output_dir(path: Path, *, force: bool) -> Path:
    """Create the output directory; an existing non-empty one is an error unless ``force``.

    With ``force`` the existing files stay; those procure writes are replaced.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"output path {path} exists and is not a directory", hint="choose another --out")
    if path.is_dir() and not force:
        try:
            non_empty = any(path.iterdir())
        except OSError as err:
            raise InputError(f"cannot read output directory {path}: {err.strerror or err}") from None
        if non_empty:
            raise InputError(
                f"output directory {path} is not empty",
                hint="pass --force to overwrite the files procure writes there, or choose another --out",
            )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create output directory {path}: {err.strerror or err}") from None
    return path


__all__ = ["prepare_output_dir", "write_bytes_atomic", "write_text_atomic"]
