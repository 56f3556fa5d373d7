"""Writing files of the user catalog ($PROCURE_HOME, else ~/.config/procure).

Every write goes through the atomic writer, and the new text is read back before it replaces
the previous file: parsed and validated together with the bundled catalog and the user's
other catalog files, as the next ``procure`` run will load them. A write that would leave the
user catalog unloadable is refused and the previous file stays as it was.
"""

from __future__ import annotations

from pathlib import Path

from solver.catalog.loader import CATALOG_FILENAMES, load_catalog, user_catalog_dir
from solver.errors import InputError
from solver.report.atomic import write_text_atomic


def write_user_catalog_file(name: str, text: str) -> Path:
    """Replace (or create) ``name`` (one of CATALOG_FILENAMES) in the user catalog with ``text``."""
    if name not in CATALOG_FILENAMES:
        raise ValueError(f"{name!r} is not a catalog file name")
    directory = user_catalog_dir()
    target = directory / name

    def loads_back(candidate: Path) -> None:
        # The user's files in the loader's order, with the candidate standing in for the target.
        files = [candidate if file == name else directory / file for file in CATALOG_FILENAMES if file == name or (directory / file).is_file()]
        try:
            load_catalog(extra=files, include_user=False)
        except InputError as err:
            raise InputError(
                f"the updated {target} would not load, so it was left as it was:\n" + err.message.replace(str(candidate), str(target)),
                hint=err.hint,
            ) from None

    return write_text_atomic(target, text, check=loads_back)


__all__ = ["write_user_catalog_file"]
