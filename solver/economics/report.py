"""plan.json `economics`: yearly cost, GPU-hour cost and cost per million tokens, per workload and
for the whole plan.

Yearly cost of the plan = owned hardware (solver.economics.costs: amortised capex, energy,
support — the order's contract when it has one — space) + rented instances (their monthly price × 12). Each server carries its own
price's amortisation and support and its own power's energy; what no single server carries
(fabric, storage, racks, PDUs, their power, space) is spread over the owned servers in
proportion to their own costs. Servers' costs go to workloads by the GPUs their replicas occupy
(solver.economics.allocation). A workload's cost is split between output and input tokens by
its replicas' prefill share (solver.economics.tokens); training workloads are costed per job
(GPU-hours × the GPU-hour cost of the GPUs they hold).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from solver.economics.allocation import allocate, gpus_per_workload, occupancy
from solver.economics.assumptions import economics_assumptions
from solver.economics.costs import HOURS_PER_YEAR, MONTHS_PER_YEAR, SupportContract, amortised_usd_per_year, energy_usd_per_year, owned_costs, support_usd_per_year
from solver.economics.tokens import input_per_output, output_tokens_per_s, prefill_share, served_per_replica, tokens_per_day
from solver.plan.schema import Plan, ReplicaPlan, WorkloadPlan
from solver.specs.problem import Problem, Workload

DAYS_PER_YEAR = HOURS_PER_YEAR / 24
MILLION = 1_000_000

NOTES = (
    "tokens per day = served sessions × planned decode speed per session × 86,400 s × utilization (batch: served tokens/s × 86,400 × utilization)",
    "input tokens ≈ output tokens × (context − output) / output, the workload's prompt-to-output ratio: an approximation",
    "a workload's cost is split between input and output tokens by the share of its replicas' time spent prefilling new prompts",
    "servers' costs go to the workloads whose replicas occupy their GPUs, idle GPUs included; fabric, storage, racks and space are spread over the owned servers",
    "total $/M tokens count inference workloads only; training workloads are costed per job",
)


def support_contract(plan: Plan, problem: Problem) -> SupportContract | None:
    """The support contract on the plan's purchase order (its support lines), if it has one."""
    usd = sum(line.extended_price_usd for line in plan.bom if line.parent is None and line.category == "support")
    return SupportContract(usd, problem.procurement.support_years) if usd and problem.procurement.support_years else None


def _node_costs(plan: Plan, problem: Problem, node_prices: Mapping[str, float], rented_usd_per_month: Mapping[str, float], owned_total: float, contract: SupportContract | None) -> tuple[dict[str, float], float]:
    """Each server's yearly cost, shared costs included, and the shared costs nobody carries,
    given the owned hardware's yearly total. A support contract on the order is a shared cost,
    spread like the fabric and racks."""
    tco, economics = problem.objective.tco, problem.economics
    direct: dict[str, float] = {}
    rented: dict[str, float] = {}
    for node in plan.nodes:
        if node.rented:
            rented[node.id] = rented_usd_per_month.get(node.id, 0.0) * MONTHS_PER_YEAR
            continue
        price = 0.0 if node.owned else float(node_prices.get(node.id, 0.0))
        direct[node.id] = (
            amortised_usd_per_year(price, tco.years, economics.residual_value_fraction)
            + (0.0 if contract else support_usd_per_year(price, economics.support_fraction_per_year))
            + energy_usd_per_year(node.power_w, tco.utilization, tco.pue, tco.electricity_usd_per_kwh)
        )
    shared = owned_total - sum(direct.values())
    carried = sum(direct.values())
    costs = {node: cost + (shared * cost / carried if carried > 0 else 0.0) for node, cost in direct.items()}
    costs.update(rented)
    return costs, (shared if carried <= 0 else 0.0)


def _per_million(usd_per_day: float, tokens: float) -> float | None:
    return None if tokens <= 0 else round(usd_per_day / tokens * MILLION, 4)


def _workload_record(workload: Workload, entry: WorkloadPlan, replicas: list[ReplicaPlan], usd_per_year: float, gpus: float, utilization: float) -> dict[str, Any]:
    gpu_hour = usd_per_year / (gpus * HOURS_PER_YEAR) if gpus > 0 else None
    record: dict[str, Any] = {
        "workload": workload.name,
        "kind": workload.kind,
        "unit": entry.unit,
        "served": entry.served_sessions,
        "usd_per_year": round(usd_per_year, 2),
        "gpus": round(gpus, 4),
        "gpu_hour_usd": None if gpu_hour is None else round(gpu_hour, 4),
    }
    if workload.is_training:
        hours = [r.training_hours * sum(len(p.gpus) for p in r.placement) for r in replicas if r.training_hours is not None]
        gpu_hours = sum(hours) / len(hours) if hours else None
        usd_per_job = None if gpu_hours is None or gpu_hour is None else gpu_hours * gpu_hour
        record.update({
            "gpu_hours_per_job": None if gpu_hours is None else round(gpu_hours, 2),
            "usd_per_job": None if usd_per_job is None else round(usd_per_job, 2),
            "usd_per_million_training_tokens": None if usd_per_job is None or not workload.tokens else round(usd_per_job / workload.tokens * MILLION, 4),
        })
        return record
    loads = served_per_replica(replicas, entry.served_sessions)
    rate = output_tokens_per_s(workload.kind, replicas, loads)
    output_per_day = tokens_per_day(rate, utilization)
    input_per_day = output_per_day * input_per_output(workload.context_tokens, workload.output_tokens)
    # Replicas of one workload may differ (GPU types, formats): weight each one's prefill share by
    # the tokens it produces, since the cost follows the replica's time.
    shares = [prefill_share(load, r.decode_tokens_per_s or 0.0, r.ttft_s, workload.output_tokens) for r, load in zip(replicas, loads)]
    weights = [load * (r.decode_tokens_per_s or 0.0) if workload.kind == "interactive" else load for r, load in zip(replicas, loads)]
    share = sum(s * w for s, w in zip(shares, weights)) / sum(weights) if sum(weights) > 0 else 0.0
    usd_per_day = usd_per_year / DAYS_PER_YEAR
    has_prefill = any(r.ttft_s is not None for r in replicas)
    record.update({
        "tokens_per_day": round(output_per_day),
        "input_tokens_per_day": round(input_per_day),
        "prefill_share": round(share, 6),
        "usd_per_million_output_tokens": _per_million(usd_per_day * (1 - share), output_per_day),
        "usd_per_million_input_tokens": _per_million(usd_per_day * share, input_per_day) if has_prefill else None,
        "usd_per_million_tokens": _per_million(usd_per_day, output_per_day + input_per_day),
    })
    return record


def plan_economics(plan: Plan, problem: Problem, node_prices: Mapping[str, float], rented_usd_per_month: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The `economics` section of plan.json. `node_prices`: purchase price of each bought server
    (as the model priced it); `rented_usd_per_month`: what each rented instance is billed a month."""
    rented_usd_per_month = rented_usd_per_month or {}
    tco, economics = problem.objective.tco, problem.economics
    contract = support_contract(plan, problem)
    owned = owned_costs(plan.summary.capex_usd, plan.summary.power_w, plan.summary.racks, tco, economics, contract)
    rent_per_year = sum(rented_usd_per_month.get(node.id, 0.0) for node in plan.nodes if node.rented) * MONTHS_PER_YEAR
    node_costs, shared_unallocated = _node_costs(plan, problem, node_prices, rented_usd_per_month, owned.total, contract)
    occupied = occupancy(plan)
    per_workload_usd, idle_servers = allocate(node_costs, occupied)
    held = gpus_per_workload(plan, occupied)
    workloads = {w.name: w for w in problem.workloads}
    replicas: dict[str, list[ReplicaPlan]] = defaultdict(list)
    for replica in plan.replicas:
        replicas[replica.workload].append(replica)
    records = [
        _workload_record(workloads[entry.name], entry, replicas[entry.name], per_workload_usd.get(entry.name, 0.0), held.get(entry.name, 0.0), economics.utilization)
        for entry in plan.workloads
        if entry.name in workloads
    ]
    inference = [r for r in records if "tokens_per_day" in r]
    inference_usd = sum(r["usd_per_year"] for r in inference)
    output_usd = sum(r["usd_per_year"] * (1 - r["prefill_share"]) for r in inference)
    output_tokens = sum(r["tokens_per_day"] for r in inference)
    input_tokens = sum(r["input_tokens_per_day"] for r in inference)
    # Input tokens are priced only where the plan knows a prefill time (interactive replicas).
    priced_input_tokens = sum(r["input_tokens_per_day"] for r in inference if r["usd_per_million_input_tokens"] is not None)
    total_usd = owned.total + rent_per_year
    gpus = sum(node.gpu_count for node in plan.nodes)
    total = {
        "usd_per_year": round(total_usd, 2),
        "usd_per_month": round(total_usd / MONTHS_PER_YEAR, 2),
        "capex_usd": plan.summary.capex_usd,
        "amortised_capex_usd_per_year": round(owned.amortised, 2),
        "energy_usd_per_year": round(owned.energy, 2),
        "support_usd_per_year": round(owned.support, 2),
        "support_contract_years": contract.years if contract else None,
        "space_usd_per_year": round(owned.space, 2),
        "rent_usd_per_year": round(rent_per_year, 2),
        "running_usd_per_month": round(owned.running / MONTHS_PER_YEAR, 2),
        "unallocated_usd_per_year": round(idle_servers + shared_unallocated, 2),
        "gpus": gpus,
        "gpu_hour_usd": None if not gpus else round(total_usd / (gpus * HOURS_PER_YEAR), 4),
        "tokens_per_day": round(output_tokens),
        "input_tokens_per_day": round(input_tokens),
        "inference_usd_per_year": round(inference_usd, 2),
        "training_usd_per_year": round(sum(r["usd_per_year"] for r in records if "tokens_per_day" not in r), 2),
        "usd_per_million_output_tokens": _per_million(output_usd / DAYS_PER_YEAR, output_tokens),
        "usd_per_million_input_tokens": _per_million((inference_usd - output_usd) / DAYS_PER_YEAR, priced_input_tokens) if priced_input_tokens else None,
        "usd_per_million_tokens": _per_million(inference_usd / DAYS_PER_YEAR, output_tokens + input_tokens),
    }
    return {"assumptions": economics_assumptions(problem), "per_workload": records, "total": total, "notes": list(NOTES)}
