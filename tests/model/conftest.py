"""Fixtures for the CP-SAT model tests (helpers live in tests/fixtures/problems.py)."""

from __future__ import annotations

import pytest

from tests.fixtures.problems import mini_catalog


@pytest.fixture(scope="session")
def catalog():
    return mini_catalog()
