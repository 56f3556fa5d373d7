"""Sections every report has: the assumptions behind the numbers (with their sources), the
buying policy the plans were held to, and the provenance of the outputs (procure version, run,
input file hash, catalog dates).

Catalog dates come from the catalog in use when the report is rendered, looked up by the ids
the plans name (GPUs, server types, network, facility and service SKUs, cloud instances,
models); the report says so, since a catalog edited after the run may give other dates than
the run saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ByteSize

from solver import __version__
from solver.catalog import Catalog
from solver.report.report_folder import ProblemFile, RunRecord
from solver.report.report_format import gib, pct, usd
from solver.report.report_tables import Table
from solver.specs.assumptions import Assumptions
from solver.specs.problem import Problem

# ============================================================================================
# Assumptions


@dataclass(frozen=True)
class Assumption:
    name: str
    value: str
    basis: str
    """The field's documentation: what it means and where the default comes from."""
    from_problem: bool
    """Set by the problem file (not procure's default)."""


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, ByteSize):
        return gib(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "–"
    return str(value)


def _fields(model: BaseModel, prefix: str, *, skip: Iterable[str] = ()) -> list[Assumption]:
    """Every set-or-defaulted scalar field of ``model`` with its documentation."""
    found = []
    defaults = type(model)()
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if name in skip or isinstance(value, BaseModel) or value is None or (isinstance(value, list) and not value):
            continue
        shown = usd(value) if name.endswith("_usd") else _shown(value)
        found.append(Assumption(f"{prefix}{name}", shown, info.description or "", value != getattr(defaults, name)))
    return found


def assumptions(problem: ProblemFile, summary: dict[str, Any]) -> list[Assumption]:
    """Limits, objective and estimator assumptions of the problem (when its file is at hand),
    and the speed model the plan's speeds come from."""
    found = [
        Assumption("speed_confidence", pct(summary.get("speed_confidence")), _speed_confidence_basis(), False),
        Assumption("speed model", str(summary.get("speed_model") or "–"), "catalogs/speed_model.yaml, fitted by `procure calibrate --write` to published measurements (catalogs/measurements.yaml).", False),
    ]
    if problem.problem is None:
        return found
    given: Problem = problem.problem
    found += _fields(given.limits, "limits.", skip=("inventory",))
    found.append(Assumption("objective.minimize", given.objective.minimize, "What the solver minimises once demand is met: cost (capex), power, TCO, rent (cloud instances instead of servers) or hybrid (owned base load, rented rest).", given.objective.minimize != "cost"))
    found += _fields(given.objective.tco, "objective.tco.")
    found += _fields(given.procurement, "procurement.")
    found += _fields(given.rent, "rent.")
    found += _fields(given.assumptions, "assumptions.", skip=("speed_confidence",))
    return found


# ============================================================================================
# Buying policy


@dataclass(frozen=True)
class BuyingPolicy:
    opt_ins: list[str]
    """Rules the problem lifted (summary.policy_opt_ins)."""
    excluded: list[str]
    """GPU types the policy kept out, each with why (summary.excluded_by_policy)."""


def buying_policy(summary: dict[str, Any]) -> BuyingPolicy | None:
    policy = BuyingPolicy([str(line) for line in summary.get("policy_opt_ins", [])], [str(line) for line in summary.get("excluded_by_policy", [])])
    return policy if policy.opt_ins or policy.excluded else None


def _speed_confidence_basis() -> str:
    return Assumptions.model_fields["speed_confidence"].description or ""


# ============================================================================================
# Provenance


@dataclass(frozen=True)
class CatalogFact:
    kind: str
    id: str
    name: str
    as_of: str
    source: str


@dataclass(frozen=True)
class Provenance:
    facts: list[tuple[str, str]]
    """(what, value) lines: versions, command, time, problem file and hash, speed model."""
    catalog: Table | None
    catalog_note: str


_KINDS = {"gpus": "gpu", "nodes": "node", "fabric": "fabric", "cloud": "cloud instance", "models": "model"}
"""Catalog part → what the provenance table calls its entries, in the table's order."""


def catalog_facts(plans: Iterable[dict[str, Any]], catalog: Catalog) -> list[CatalogFact]:
    """The catalog entries the plans use, each once, with the date and source of its facts.
    A rented node's type is a cloud.yaml id; every BOM SKU the fabric catalog knows is one of
    its items (network, facility, services)."""
    wanted: dict[tuple[str, str], None] = {}
    for plan in plans:
        for node in plan.get("nodes", []):
            wanted[("gpus", node.get("gpu", ""))] = None
            wanted[("cloud" if node.get("rented") else "nodes", node.get("node_type", ""))] = None
        for replica in plan.get("replicas", []):
            wanted[("models", replica.get("model", ""))] = None
        for line in plan.get("bom", []):
            wanted[("fabric", line.get("sku", ""))] = None
    cloud = {instance.id: instance for instance in catalog.cloud.instances} if catalog.cloud is not None else {}
    facts = []
    for kind, entry_id in wanted:
        entry = cloud.get(entry_id) if kind == "cloud" else getattr(catalog, kind).get(entry_id)
        if entry is not None:
            facts.append(CatalogFact(_KINDS[kind], entry.id, entry.name, entry.as_of.isoformat(), entry.source))
    order = list(_KINDS.values())
    return sorted(facts, key=lambda fact: (order.index(fact.kind), fact.id))


def provenance(record: RunRecord | None, problem: ProblemFile, summary: dict[str, Any], facts: list[CatalogFact] | None, catalog: Catalog | None) -> Provenance:
    lines: list[tuple[str, str]] = []
    if record is not None:
        lines += [
            ("outputs written by", f"procure {record.procure_version}, {record.created}"),
            ("command", record.command),
            ("problem file", record.problem_path or "none recorded"),
            ("problem file SHA-256", record.problem_sha256 or "–"),
        ]
    else:
        lines.append(("outputs written by", "unknown: the folder has no readable .procure-manifest.json"))
    lines.append(("problem file now", problem.note))
    lines.append(("report rendered by", f"procure {__version__}"))
    if summary.get("speed_model"):
        lines.append(("speed model", str(summary["speed_model"])))
    if catalog is not None and catalog.engines is not None:
        lines.append(("engine support matrix", f"as of {catalog.engines.as_of.isoformat()}"))
    if not facts:
        note = "no catalog was given to look up the dates of the entries used" if catalog is None else "no catalog entry of the plan was found in the catalog"
        return Provenance(lines, None, note)
    dates = sorted(fact.as_of for fact in facts)
    lines.append(("catalog facts dated", dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"))
    table = Table(["Kind", "Id", "Name", "As of", "Source"], [[fact.kind, fact.id, fact.name, fact.as_of, fact.source] for fact in facts], [False, False, False, True, False])
    return Provenance(lines, table, "Catalog entries the plan uses, as read from the catalog in use when this report was rendered.")


__all__ = ["Assumption", "BuyingPolicy", "CatalogFact", "Provenance", "assumptions", "buying_policy", "catalog_facts", "provenance"]
