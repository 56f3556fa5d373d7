"""Exit codes and messages for every way a command can end (cli.ProcureGroup)."""

from __future__ import annotations

import os
import signal

import click
import pytest
from click.testing import CliRunner

import cli
from solver.errors import InputError
from solver.verify.checker import PlanRejected


@pytest.fixture
def group():
    @click.group(cls=cli.ProcureGroup)
    def main() -> None:
        pass

    @main.group(cls=cli.ProcureGroup)
    def nested() -> None:
        pass

    @nested.command()
    def bad() -> None:
        raise InputError("bad input \x1b[2J")

    @main.command()
    def crash() -> None:
        raise ValueError("boom")

    @main.command()
    def interrupt() -> None:
        raise KeyboardInterrupt

    @main.command()
    def rejected() -> None:
        raise PlanRejected("the independent checker rejected the plan (a bug in procure):\nrule broken")

    return main


def test_unexpected_exception_is_an_internal_error_without_traceback(group, monkeypatch):
    monkeypatch.delenv("PROCURE_DEBUG", raising=False)
    result = CliRunner().invoke(group, ["crash"])
    assert result.exit_code == 3
    assert result.stderr.startswith("internal error: ValueError: boom\n  this is a bug in procure")
    assert "PROCURE_DEBUG=1" in result.stderr and "Traceback" not in result.stderr


def test_procure_debug_prints_the_traceback(group, monkeypatch):
    monkeypatch.setenv("PROCURE_DEBUG", "1")
    result = CliRunner().invoke(group, ["crash"])
    assert result.exit_code == 3 and "Traceback" in result.stderr and 'raise ValueError("boom")' in result.stderr


def test_interrupt_exits_130(group):
    result = CliRunner().invoke(group, ["interrupt"])
    assert result.exit_code == 130 and result.stderr == "interrupted\n"


def test_plan_rejected_is_a_bug_in_procure(group):
    result = CliRunner().invoke(group, ["rejected"])
    assert result.exit_code == 3 and result.stderr.startswith("error: the independent checker rejected the plan")


def test_nested_group_errors_keep_their_code_and_are_escaped(group):
    result = CliRunner().invoke(group, ["nested", "bad"])
    assert result.exit_code == 2 and result.stderr == "error: bad input \\x1b[2J\n"


def test_usage_errors_keep_clicks_code(group):
    assert CliRunner().invoke(group, ["no-such-command"]).exit_code == 2


def test_help_lists_the_exit_codes():
    text = CliRunner().invoke(cli.main, ["--help"]).stdout
    for line in ("0    plan written", "1    infeasible", "2    bad input", "3    internal error", "130  interrupted"):
        assert line in text


@pytest.mark.parametrize("where", [[], ["nested"]])
def test_an_error_caused_by_an_interrupt_is_reported_as_the_interrupt(group, where):
    parent = group.commands["nested"] if where else group

    @parent.command()
    def import_cut_short() -> None:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            signal.sigtimedwait([], 0.5)
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None  # as CPython does mid-import

    result = CliRunner().invoke(group, [*where, "import-cut-short"])
    assert result.exit_code == 130 and result.stderr == "interrupted\n"
