"""Loading a problem file: catalog names checked with file:line messages (solver/problem_io.py)."""

from __future__ import annotations

import pytest

from solver.errors import InputError
from solver.problem_io import load_problem
from tests.fixtures.problems import mini_catalog

PROBLEM = """\
name: t
workloads:
  - {name: chat, model: llama-3.1-8b, context_tokens: 4096, demand: {sessions: 4}}
limits:
  inventory:
    - {node: ws-2gpu, gpu: h100-sxm, count: 2}
"""


def test_inventory_of_a_gpu_the_node_does_not_take_names_file_and_line(tmp_path):
    path = tmp_path / "problem.yaml"
    path.write_text(PROBLEM)
    with pytest.raises(InputError) as caught:
        load_problem(path, mini_catalog())
    assert caught.value.message == f"{path}:6: limits.inventory[0].gpu: node type ws-2gpu does not take h100-sxm"
    assert caught.value.hint == "ws-2gpu takes: rtx-4090"
