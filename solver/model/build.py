"""Assemble the CP-SAT model from precomputed data: variables, then each constraint family.

Notation (all data integers: dollars, watts, GB, GPUs):
  k ∈ K      node configurations (node type × GPU type); G_k GPUs, D_k NVLink domain, c_k price,
             p_k power, u_k rack units, s_k included storage, n_k fabric NICs, o_k owned
  w ∈ W      workloads with requirement R_w (sessions, jobs or tokens/s) and priority π_w
  j ∈ O_w,k  deployment options of w on k: width g_j GPUs (power of two dividing G_k), or
             N_j whole nodes, or a MIG profile with m_j slices per GPU; serves a_j demand units
  r ∈ 1..B   rack bins; f ∈ F fabric technologies (NIC, P_f-port switch, cable)

Variables:
  x_k ∈ ℤ≥0 servers bought (N_k = x_k + o_k in the plan); y_j ∈ ℤ≥0 replicas of option j;
  z_k,q MIG-partitioned GPUs; σ_w ≤ R_w demand served; φ_k fabric servers; per technology:
  ports_f, leaves_f, spines_f, uplinks_f, use_f, tier2_f; d storage drives; per rack: used_r,
  ν_r,k servers, φ_r,k fabric servers, ς_r switches, π_r PDUs.

Constraints (module):
  packing   Σ_j y_j·g_j + Σ_j y_j·N_j·G_k + Σ_q z_k,q ≤ G_k·N_k          ∀k   (exact: see packing)
            Σ_{j: profile q} y_j ≤ m_q·z_k,q;  Σ_k N_k ≤ max_nodes
  demand    σ_w ≤ Σ_j a_j·y_j;  σ_w ≥ R_w (hard)                       ∀w
  fabric    φ_k ≥ Σ_{j multi-node} y_j·N_j;  φ_k ≤ N_k;  Σ_f ports_f = Σ_k n_k·φ_k;  Σ_f use_f ≤ 1
            one tier: ports_f ≤ P_f;  two tiers: leaves_f·P_f/2 ≥ ports_f, 2·spines_f ≥ leaves_f
  storage   d·cap + Σ_k s_k·N_k ≥ checkpoints
  racks     Σ_r ν_r,k = N_k;  Σ_k u_k·ν_r,k + u_sw·ς_r ≤ U·used_r;  load_r ≤ rack power;
            PDU_cap·π_r ≥ load_r;  used_r ≥ used_{r+1};  Σ_r used_r ≤ racks
  limits    capex ≤ budget;  power ≤ cap
Objective (lexicographic, each stage fixing the previous optimum):
  capex = Σ_k c_k·x_k + Σ_f (NIC+cable)·ports_f + cable·uplinks_f + switch·(leaves_f+spines_f)
          + drive·d + rack·Σ_r used_r + PDU·Σ_r π_r
  power = Σ_k p_k·N_k + fabric and drive power;  tco = 100·capex + e·power (cents, e from years,
  $/kWh, PUE and utilisation);  what-if first maximises Σ_w ⌊10⁴·π_w/R_w⌉·σ_w.
  cost: capex → power → pref;  power: power → capex → pref;  tco: tco → capex → pref, where
  pref = (Σ N_k + 1)·Σ_j ρ_j·y_j + Σ N_k breaks the remaining ties by the workloads' format
  preference (ρ_j: rank of option j's precision in its workload's list, 0 when it gives one),
  then by fewer servers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model import objective
from solver.model.constraints import demand, fabric, limits, packing, racks, redundancy, services, storage
from solver.model.data import ModelData
from solver.model.variables import Variables, create_variables

DEMAND_SCALE = 10_000
"""Resolution of the weighted served-demand objective (what-if): 1/10,000 of a workload."""


@dataclass
class BuiltModel:
    model: cp_model.CpModel
    variables: Variables
    capex: cp_model.LinearExprT
    power: cp_model.LinearExprT
    tco: cp_model.LinearExprT
    nodes: cp_model.LinearExprT
    preference: cp_model.LinearExprT
    """The last tie-break: less preferred formats, then servers."""
    served_score: cp_model.LinearExprT


def served_score(data: ModelData, variables: Variables) -> cp_model.LinearExprT:
    """Σ priority × served share, in integers: weight round(priority·SCALE/required) per unit served."""
    terms = []
    for entry in data.workloads:
        weight = max(1, round(entry.workload.priority * DEMAND_SCALE / entry.required))
        terms.append(weight * variables.served[entry.workload.name])
    return sum(terms)


def build_model(data: ModelData, *, hard_demand: bool = True, budget_usd: float | None = None, aggregate_racks: bool = False) -> BuiltModel:
    """The full model; with `aggregate_racks`, the rack relaxation (a lower bound, see racks)."""
    model = cp_model.CpModel()
    model.name = f"procure:{data.problem.name}"
    variables = create_variables(model, data)
    packing.add(model, data, variables)
    demand.add(model, data, variables, hard=hard_demand)
    fabric.add(model, data, variables)
    storage.add(model, data, variables)
    (racks.add_aggregate if aggregate_racks else racks.add)(model, data, variables)
    services.add(model, data, variables)
    redundancy.add(model, data, variables)
    limits.add(model, data, variables, budget_usd=budget_usd)
    return BuiltModel(
        model=model,
        variables=variables,
        capex=_named(model, "capex_usd", objective.capex_usd(data, variables)),
        power=_named(model, "power_w", objective.power_w(data, variables)),
        tco=_named(model, "tco_cents", objective.tco_cents(data, variables)),
        nodes=_named(model, "nodes_total", objective.node_count(data, variables)),
        preference=_named(model, "preference_then_nodes", objective.preference_then_nodes(data, variables)),
        served_score=_named(model, "served_score", served_score(data, variables)),
    )


def _named(model: cp_model.CpModel, name: str, expression: cp_model.LinearExprT) -> cp_model.IntVar:
    """A named variable equal to an expression, so its value is read like any other."""
    variable = model.new_int_var(-(2**50), 2**50, name)
    model.add(variable == expression)
    return variable
