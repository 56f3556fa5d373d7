"""Objectives and lexicographic stages (solver/model/objective.py, solver/model/solve.py).

Instance: the chat fleet with 20 sessions = 5 single-GPU replicas (tests/fixtures/problems.py).
Per GPU slot: RTX 4090 workstation $6,698 / 1,250 W for 2; 4×L40S $58,000 / 2,200 W for 4;
8×L40S $107,000 / 4,200 W for 8; the H100/A100 servers cost more for the same power or more.
  cheapest:     3 workstations                  $20,094 (+ rack + PDU pair = $28,794), 3,750 W
  least power:  one 4×L40S + one workstation    $64,698 (+ rack + PDU pair = $73,398), 3,450 W
"""

from __future__ import annotations

import pytest

from solver.model.objective import energy_cents_per_watt
from solver.verify.checker import verify_plan
from tests.fixtures.problems import (
    PCIE_4_L40S_SERVER,
    PCIE_4_L40S_W,
    PDU_PAIR,
    RACK,
    WS_2_4090_SERVER,
    WS_2_4090_W,
    bom_total,
    bought,
    chat_fleet,
    plan_of,
    solve_mini,
)

WS = "ws-2gpu/rtx-4090"
L40S_4 = "pcie-4gpu/l40s"
CHEAP = ({WS: 3}, 3 * WS_2_4090_SERVER + RACK + PDU_PAIR, 3 * WS_2_4090_W)  # 28,794 $, 3,750 W
FRUGAL = ({L40S_4: 1, WS: 1}, PCIE_4_L40S_SERVER + WS_2_4090_SERVER + RACK + PDU_PAIR, PCIE_4_L40S_W + WS_2_4090_W)  # 73,398 $, 3,450 W


def test_cost_objective(catalog):
    problem = chat_fleet(20)
    data, solution = solve_mini(problem)
    assert [s.name for s in solution.stages] == ["cost", "power", "nodes"]
    assert all(s.status == "OPTIMAL" and s.value == s.bound for s in solution.stages)
    assert (bought(solution), solution.capex_usd, solution.power_w) == CHEAP == ({WS: 3}, 28_794, 3_750)
    plan = plan_of(data, solution)
    assert plan.summary.objective_value == 28_794 == bom_total(plan)
    assert verify_plan(plan, problem, catalog) == []


def test_power_objective_picks_lower_power_hardware(catalog):
    problem = chat_fleet(20, objective="power")
    data, solution = solve_mini(problem)
    assert [s.name for s in solution.stages] == ["power", "cost", "nodes"]
    # 3,450 W is also reached with a 4×H100 PCIe server instead of the L40S one (both 2.2 kW);
    # the cost stage then takes the L40S server ($58,000 against $120,000).
    assert (bought(solution), solution.capex_usd, solution.power_w) == FRUGAL == ({L40S_4: 1, WS: 1}, 73_398, 3_450)
    assert solution.power_w < CHEAP[2] and solution.capex_usd > CHEAP[1]
    assert verify_plan(plan_of(data, solution), problem, catalog) == []


def test_energy_cents_per_watt():
    data = type("Data", (), {"problem": chat_fleet(1, objective="tco", tco={"years": 4, "electricity_usd_per_kwh": 0.10, "pue": 1.3, "utilization": 0.7})})
    # 4 y × 8,760 h × PUE 1.3 × 70 % × $0.10/kWh = $3.189 per watt of nameplate power.
    assert energy_cents_per_watt(data) == 319


@pytest.mark.parametrize(
    ("tco", "cents_per_watt", "expected"),
    [
        # Ordinary electricity: the 300 W the L40S plan saves are worth $957, not $44,604.
        ({"years": 4, "electricity_usd_per_kwh": 0.10, "pue": 1.3, "utilization": 0.7}, 319, CHEAP),
        # 10 years at $6/kWh: 10 × 8,760 × 1.3 × 0.7 × 6 / 1000 = $478.30 per watt, so 300 W saved
        # ($143,489) outweigh the $44,604 of extra capex.
        ({"years": 10, "electricity_usd_per_kwh": 6.0, "pue": 1.3, "utilization": 0.7}, 47_830, FRUGAL),
    ],
)
def test_tco_objective_weighs_capex_against_energy(tco, cents_per_watt, expected):
    _, solution = solve_mini(chat_fleet(20, objective="tco", tco=tco))
    assert [s.name for s in solution.stages] == ["tco", "cost", "nodes"]
    assert (bought(solution), solution.capex_usd, solution.power_w) == expected
    assert solution.tco_cents == 100 * expected[1] + cents_per_watt * expected[2]
    other = FRUGAL if expected is CHEAP else CHEAP
    assert solution.tco_cents < 100 * other[1] + cents_per_watt * other[2]
