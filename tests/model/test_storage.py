"""NVMe for checkpoints: servers' own drives plus drives bought (solver/model/constraints/storage.py)."""

from __future__ import annotations

import math

import pytest

from solver.catalog import load_catalog
from solver.estimator.formats import weight_format
from solver.estimator.params import count_parameters
from solver.estimator.weights import model_weight_bytes
from solver.model.constraints import storage
from solver.model.data import storage_needed_bytes
from solver.units import GB
from solver.verify.checker import verify_plan
from tests.fixtures.problems import DRIVE, MINI_DIR, PDU_PAIR, RACK, WS_2_4090_SERVER, bought, bom_quantity, interactive, make_problem, mini_catalog, plan_of, solve_mini

WS = "ws-2gpu/rtx-4090"
# Checkpoint sizes from the weight estimator (16.1 GB and 15.2 GB); the storage logic is under test.
LLAMA8_BF16 = model_weight_bytes(mini_catalog().model("llama-3.1-8b"), weight_format("bf16"))
QWEN7_BF16 = model_weight_bytes(mini_catalog().model("qwen2.5-7b"), weight_format("bf16"))


@pytest.fixture(scope="module")
def small_disk_catalog(tmp_path_factory):
    """The mini catalog with a 20 GB workstation disk, so two 16 GB checkpoints overflow it."""
    path = tmp_path_factory.mktemp("catalog") / "small_disk.yaml"
    path.write_text('nodes:\n  - id: ws-2gpu\n    storage: "20 GB"\n')
    return load_catalog([path], bundled_dir=MINI_DIR, include_user=False)


def two_models():
    return make_problem(interactive("a", "llama-3.1-8b", 4), interactive("b", "qwen2.5-7b", 4), allowed_gpus=["rtx-4090"])


def test_storage_need_counts_each_checkpoint_once(catalog):
    same = make_problem(interactive("a", "llama-3.1-8b", 4), interactive("b", "llama-3.1-8b", 9))
    assert storage_needed_bytes(same, catalog) == LLAMA8_BF16
    assert storage_needed_bytes(two_models(), catalog) == LLAMA8_BF16 + QWEN7_BF16
    finetune = {"name": "ft", "model": "llama-3.1-8b", "kind": "finetune", "method": "full", "context_tokens": 2048,
                "tokens": 1e8, "deadline_hours": 100, "demand": {"jobs": 2}}
    params = count_parameters(catalog.model("llama-3.1-8b")).total
    # Weights once, plus per job two kept checkpoints of BF16 weights and FP32 Adam states (2 + 12 B).
    assert storage_needed_bytes(make_problem(finetune), catalog) == pytest.approx(LLAMA8_BF16 + params * 14 * 2 * 2)


def test_drive_bought_when_checkpoints_exceed_included_nvme(small_disk_catalog):
    problem = two_models()
    data, solution = solve_mini(problem, catalog=small_disk_catalog)
    assert 20 < data.storage_needed_gb == math.ceil((LLAMA8_BF16 + QWEN7_BF16) / GB) < 7_680
    # One workstation (20 GB) plus one 7.68 TB drive is cheaper than a second workstation.
    assert bought(solution) == {WS: 1}
    assert solution.values["storage_drives"] == 1
    assert solution.capex_usd == WS_2_4090_SERVER + DRIVE + RACK + PDU_PAIR == 16_798
    plan = plan_of(data, solution)
    assert verify_plan(plan, problem, small_disk_catalog) == []
    assert bom_quantity(plan, "storage") == 1
    assert plan.storage == {"needed_gb": data.storage_needed_gb, "included_in_servers_gb": 20, "drives": 1, "drive_sku": "nvme-7.68tb", "drive_capacity_gb": 7680}


def test_no_drive_when_included_nvme_suffices(catalog):
    data, solution = solve_mini(two_models())
    assert solution.values["storage_drives"] == 0
    assert solution.capex_usd == WS_2_4090_SERVER + RACK + PDU_PAIR


def _no_storage(model, data, variables):
    variables.drives = model.new_constant(0)


def test_removing_storage_leaves_checkpoints_homeless(monkeypatch, small_disk_catalog):
    problem = two_models()
    monkeypatch.setattr(storage, "add", _no_storage)
    data, solution = solve_mini(problem, catalog=small_disk_catalog)
    assert solution.capex_usd == WS_2_4090_SERVER + RACK + PDU_PAIR
    issues = verify_plan(plan_of(data, solution), problem, small_disk_catalog)
    assert any(issue.startswith(f"storage: {data.storage_needed_gb} GB needed") for issue in issues), issues


def test_a_plan_serving_nothing_stores_and_buys_nothing():
    problem = make_problem(interactive("a", "llama-3.1-8b", 4), budget_usd=100)
    data, solution = solve_mini(problem, hard_demand=False)
    assert solution.feasible and solution.capex_usd == 0 and solution.values["storage_drives"] == 0
    assert plan_of(data, solution).storage["needed_gb"] == 0


def test_only_deployed_models_are_stored(small_disk_catalog):
    # Budget for one workstation and no drive: only one of the two 16 GB checkpoints can be
    # stored on its 20 GB disk, so only one model is deployed.
    problem = make_problem(interactive("a", "llama-3.1-8b", 4), interactive("b", "qwen2.5-7b", 4), allowed_gpus=["rtx-4090"], budget_usd=WS_2_4090_SERVER + RACK + PDU_PAIR)
    data, solution = solve_mini(problem, catalog=small_disk_catalog, hard_demand=False)
    plan = plan_of(data, solution)
    served = {w.name: w.served_sessions for w in plan.workloads}
    assert sorted(served.values()) == [0, 4]
    assert solution.values["storage_drives"] == 0
    assert plan.storage["needed_gb"] == math.ceil((LLAMA8_BF16 if served["a"] else QWEN7_BF16) / GB) <= 20
    assert verify_plan(plan, problem, small_disk_catalog) == []
