"""Atomic writes."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from solver.errors import InputError
from solver.report import atomic
from solver.report.atomic import write_bytes_atomic, write_text_atomic


def leftovers(directory):
    return [path.name for path in directory.iterdir() if path.name.endswith(".tmp")]


def test_write_text_creates_parents(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    assert write_text_atomic(target, "héllo\n") == target
    assert target.read_text(encoding="utf-8") == "héllo\n"
    assert leftovers(target.parent) == []


def test_write_bytes_overwrites_and_keeps_mode(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_bytes_atomic(target, b"\x00new")
    assert target.read_bytes() == b"\x00new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_new_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644


def test_failed_replace_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(InputError, match="cannot write .*keep.txt: No space left on device"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_target_is_a_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        write_text_atomic(tmp_path, "x")


def test_check_sees_the_new_text_before_it_replaces_the_old(tmp_path):
    target = tmp_path / "catalog.yaml"
    target.write_text("old")
    seen = []
    write_text_atomic(target, "new", check=lambda path: seen.append((path != target, path.read_text(), target.read_text())))
    assert seen == [(True, "new", "old")]
    assert target.read_text() == "new"


def test_failed_check_keeps_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "catalog.yaml"
    target.write_text("old")

    def reject(path):
        raise InputError(f"{path.name} does not read back")

    with pytest.raises(InputError, match="does not read back"):
        write_text_atomic(target, "broken", check=reject)
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_temporaries_of_killed_writers_are_removed_and_live_ones_kept(tmp_path):
    child = subprocess.Popen(["true"])
    child.wait()
    dead = tmp_path / f".models.yaml.{child.pid}.0123abcd.tmp"
    live = tmp_path / f".models.yaml.{os.getppid()}.0123abcd.tmp"
    other = tmp_path / f".gpus.yaml.{child.pid}.0123abcd.tmp"
    for path in (dead, live, other):
        path.write_text("half")
    write_text_atomic(tmp_path / "models.yaml", "models: []\n")
    assert not dead.exists() and live.exists() and other.exists()
