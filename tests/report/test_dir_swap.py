"""Putting a finished folder in place: atomic exchange, and the two-rename fallback."""

from __future__ import annotations

import pytest

from solver.report import dir_swap
from solver.report.dir_swap import RENAME_EXCHANGE, install_dir, rename_with_flags


def folder(path, **files):
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text)
    return path


@pytest.fixture(params=["renameat2", "two renames"])
def method(request, monkeypatch):
    if request.param == "two renames":
        monkeypatch.setattr(dir_swap, "rename_with_flags", lambda source, target, flags: False)
    return request.param


def test_into_a_new_place(tmp_path, method):
    new = folder(tmp_path / "new", a="1")
    assert install_dir(new, tmp_path / "out", tmp_path / "aside") is None
    assert (tmp_path / "out" / "a").read_text() == "1" and not new.exists()


def test_replaces_a_whole_folder_and_hands_back_the_old_one(tmp_path, method):
    folder(tmp_path / "out", a="old", stale="x")
    new = folder(tmp_path / "new", a="new")
    old = install_dir(new, tmp_path / "out", tmp_path / "aside")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a"]
    assert (tmp_path / "out" / "a").read_text() == "new"
    assert old is not None and (old / "stale").exists()
    assert old == (new if method == "renameat2" else tmp_path / "aside")


def test_failed_second_rename_puts_the_old_folder_back(tmp_path, monkeypatch):
    monkeypatch.setattr(dir_swap, "rename_with_flags", lambda source, target, flags: False)
    folder(tmp_path / "out", a="old")
    real_rename = dir_swap.os.rename

    def rename(source, target):
        if str(source).endswith("new"):
            raise OSError(28, "No space left on device")
        real_rename(source, target)

    monkeypatch.setattr(dir_swap.os, "rename", rename)
    with pytest.raises(OSError):
        install_dir(folder(tmp_path / "new"), tmp_path / "out", tmp_path / "aside")
    assert (tmp_path / "out" / "a").read_text() == "old" and not (tmp_path / "aside").exists()


def test_exchange_is_available_on_this_machine(tmp_path):
    # The atomic path is the one CI and users on Linux take; the fallback is tested above.
    folder(tmp_path / "a", x="a")
    folder(tmp_path / "b", x="b")
    assert rename_with_flags(tmp_path / "a", tmp_path / "b", RENAME_EXCHANGE)
    assert (tmp_path / "a" / "x").read_text() == "b"
