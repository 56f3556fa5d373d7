"""What-if scenarios: budgets, knobs and named overlays applied to one problem.

A scenario is the problem with an *overlay* applied — a mapping of dotted field paths to values,
``{"limits.budget_usd": 500000, "workloads.llama405-bf16.precision": "fp8"}`` — plus how it is
solved (objective; demand as a hard requirement or maximised). Workloads are addressed by name
inside a path. Every overlaid problem is validated again by pydantic (an unknown field gets a
did-you-mean) and its catalog names are checked, so bad input fails before any solve starts.

Sources of scenarios, combined as a cartesian product (innermost last):

- named scenarios of the problem file (``scenarios:``; ``--scenario NAME`` / ``--scenarios``),
  compared with the unchanged problem (``base``);
- ``--vary KNOB=V1,V2,…`` axes, in the order given (:data:`KNOBS`, or any dotted field path);
- ``--objective`` values;
- budgets (``--budget``, ``--budgets START:STOP:COUNT``), sorted ascending.

Demand: ``served`` (maximise Σ priority × served share first, then the objective) is the what-if
default; ``full`` (every workload fully served, as in ``procure solve``) is the default when
objectives are compared without budgets, and always used for the cost-versus-power frontier.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from solver.catalog import Catalog, YamlDocument
from solver.catalog.price_points import PRICE_POINTS
from solver.catalog.yaml_source import validation_input_error
from solver.errors import InputError, UnknownNameError, did_you_mean
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS
from solver.money import usd_option
from solver.problem_io import check_names
from solver.specs.problem import Problem

OBJECTIVES = ("cost", "power", "tco")
DEMAND_MODES = ("auto", "served", "full")
MAX_SCENARIOS = 1000
MAX_RANGE_COUNT = 200

# Fields of the problem the precomputed model data (solver.model.data.ModelData) does not
# depend on: scenarios differing only in these share one ModelData.
_DATA_FREE_PATHS = (("name",), ("description",), ("scenarios",), ("objective",), ("limits", "budget_usd"), ("limits", "power_kw"))


# ============================================================================================
# Amounts and budgets


def parse_budget_range(text: str) -> list[float]:
    """``START:STOP:COUNT`` → COUNT budgets evenly spaced from START to STOP inclusive (whole dollars)."""
    parts = [part.strip() for part in str(text).split(":")]
    if len(parts) != 3:
        raise InputError(f"--budgets: expected START:STOP:COUNT, e.g. 200k:2m:10 (got {text!r})")
    start = usd_option(parts[0], what="--budgets")
    stop = usd_option(parts[1], what="--budgets")
    try:
        count = int(parts[2])
    except ValueError:
        raise InputError(f"--budgets: COUNT must be a whole number (got {parts[2]!r} in {text!r})") from None
    if not 2 <= count <= MAX_RANGE_COUNT:
        raise InputError(f"--budgets: COUNT must be between 2 and {MAX_RANGE_COUNT} (got {count} in {text!r})")
    if stop <= start:
        raise InputError(f"--budgets: STOP must be above START (got {text!r})")
    step = (stop - start) / (count - 1)
    return [float(round(start + index * step)) for index in range(count)]


def collect_budgets(single: Iterable[str], ranges: Iterable[str]) -> list[float]:
    """All budgets from ``--budget`` and ``--budgets``, deduplicated, ascending."""
    budgets = [usd_option(value, what="--budget") for value in single]
    for text in ranges:
        budgets.extend(parse_budget_range(text))
    return sorted(set(budgets))


def short_usd(value: float) -> str:
    """Exact and short: 250000 → '250k', 1000000 → '1m', 1250000 → '1.25m', 25714 → '25.714k'."""
    if value == round(value):
        dollars = int(round(value))
        if dollars >= 1_000_000 and dollars % 10_000 == 0:
            return f"{dollars / 1e6:.2f}".rstrip("0").rstrip(".") + "m"
        if dollars >= 1_000:
            return f"{dollars / 1e3:.3f}".rstrip("0").rstrip(".") + "k"
        return str(dollars)
    return f"{value:.2f}"


# ============================================================================================
# Overlays


class _OverlayDocument(YamlDocument):
    """Stands in for a YAML file when check_names reports a problem in an overlaid problem."""

    def where(self, location: Sequence[str | int] = ()) -> str:  # noqa: ARG002 - same signature
        return self.name


def _workload_labels(message: str, names: Sequence[str]) -> str:
    """'workloads[4].precision' → 'workloads.llama405-bf16.precision' (workloads go by name)."""

    def replace(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return f"workloads.{names[index]}" if 0 <= index < len(names) else match.group(0)

    return re.sub(r"workloads\[(\d+)\]", replace, message)


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(merged.get(key), dict) and isinstance(value, Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _list_item(items: list[Any], key: str, path: str, source: str) -> int:
    """Index of the list entry ``key`` names: by its ``name`` field (workloads), else a position."""
    named = [item.get("name") for item in items if isinstance(item, dict)]
    if named and all(isinstance(name, str) for name in named):
        for index, item in enumerate(items):
            if item.get("name") == key:
                return index
        lowered = [str(name).lower() for name in named]
        if key.lower() in lowered:
            return lowered.index(key.lower())
        error = UnknownNameError("workload", key, named)
        raise InputError(f"{source}: {path}: {error.message}", hint=error.hint)
    if key.isdigit() and int(key) < len(items):
        return int(key)
    raise InputError(f"{source}: {path}: no entry {key!r} in a list of {len(items)}", hint="address list entries by position (0, 1, …)")


def _set_path(data: dict[str, Any], path: str, value: Any, source: str) -> None:
    parts = str(path).split(".")
    if not path or any(not part.strip() for part in parts):
        raise InputError(f"{source}: {path!r} is not a dotted field path", hint="write e.g. limits.budget_usd or workloads.NAME.precision")
    node: Any = data
    for depth, key in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = node[_list_item(node, key, path, source)]
        elif isinstance(node, dict):
            if not isinstance(node.get(key), (dict, list)):
                if node.get(key) is not None:
                    raise InputError(f"{source}: {path}: {'.'.join(parts[: depth + 1])} is a single value, not a group of fields")
                node[key] = {}  # absent or null: pydantic reports an unknown name with a suggestion
            node = node[key]
        else:  # pragma: no cover - guarded above
            raise InputError(f"{source}: {path}: cannot descend into {'.'.join(parts[:depth])}")
    last = parts[-1]
    if isinstance(node, list):
        index = _list_item(node, last, path, source)
        if not isinstance(value, Mapping) or not isinstance(node[index], dict):
            raise InputError(f"{source}: {path}: a list entry takes a mapping of fields (got {value!r})")
        node[index] = _deep_merge(node[index], value)
    elif isinstance(node.get(last), dict) and isinstance(value, Mapping):
        node[last] = _deep_merge(node[last], value)
    else:
        node[last] = copy.deepcopy(value)


def apply_overlay(problem: Problem, overlay: Mapping[str, Any], catalog: Catalog, *, source: str) -> Problem:
    """``problem`` with every ``path: value`` of ``overlay`` set, validated again and name-checked.

    ``source`` names the overlay in error messages (``scenario 'fp8'``, ``--vary precision=fp9``).
    """
    if not isinstance(overlay, Mapping):
        raise InputError(f"{source}: expected a mapping of dotted field paths to values, found {type(overlay).__name__}")
    data = problem.model_dump(mode="python")
    for path, value in overlay.items():
        _set_path(data, str(path), value, source)
    names = [w.name for w in problem.workloads]
    try:
        overlaid = Problem.model_validate(data)
    except ValidationError as error:
        failure = validation_input_error(error, Problem, data, where=lambda loc: (source, loc))
        raise InputError(_workload_labels(failure.message, names), hint=failure.hint) from None
    try:
        check_names(overlaid, catalog, _OverlayDocument(path=Path(source), data={}))
    except InputError as error:
        raise InputError(_workload_labels(error.message, names), hint=error.hint) from None
    return overlaid


def data_key(problem: Problem) -> str:
    """Digest of everything the precomputed model data depends on (not budget, power cap, objective)."""
    data = problem.model_dump(mode="json")
    for path in _DATA_FREE_PATHS:
        node = data
        for key in path[:-1]:
            node = node[key]
        node.pop(path[-1], None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


# ============================================================================================
# Knobs (--vary)


@dataclass(frozen=True)
class KnobContext:
    problem: Problem
    catalog: Catalog
    spec: str
    """The --vary text, for messages."""


@dataclass(frozen=True)
class Knob:
    name: str
    help: str
    parse: Callable[[str, KnobContext], Any]
    """One value's text → the value to set."""
    paths: Callable[[list[str]], list[str]]
    """Target workloads → the dotted paths the value is set at."""
    per_workload: bool = False
    targets: Callable[[Problem], list[str]] | None = None
    """Default workloads when no ``:NAME`` is given (per-workload knobs)."""


def _bool(text: str, ctx: KnobContext) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise InputError(f"--vary {ctx.spec}: {text!r} is not true or false")


def _float(low: float | None, high: float | None, *, low_open: bool = False) -> Callable[[str, KnobContext], float]:
    def parse(text: str, ctx: KnobContext) -> float:
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"--vary {ctx.spec}: cannot read {text!r} as a number") from None
        too_low = low is not None and (value <= low if low_open else value < low)
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            bounds = f"{'above' if low_open else 'at least'} {low:g}" if low is not None else ""
            if high is not None:
                bounds += (" and " if bounds else "") + f"at most {high:g}"
            raise InputError(f"--vary {ctx.spec}: {text!r} is out of range (must be {bounds})")
        return value

    return parse


def _optional(parse: Callable[[str, KnobContext], Any]) -> Callable[[str, KnobContext], Any]:
    def wrapped(text: str, ctx: KnobContext) -> Any:
        return None if text.strip().lower() in ("none", "null", "unlimited") else parse(text, ctx)

    return wrapped


def _positive_int(text: str, ctx: KnobContext) -> int:
    cleaned = text.strip().lower()
    multiplier = 1
    if cleaned.endswith("k"):
        multiplier, cleaned = 1024, cleaned[:-1]
    try:
        value = int(cleaned) * multiplier
    except ValueError:
        raise InputError(f"--vary {ctx.spec}: cannot read {text!r} as a whole number") from None
    if value < 1:
        raise InputError(f"--vary {ctx.spec}: {text!r} must be at least 1")
    return value


def _choice(kind: str, valid: Iterable[str]) -> Callable[[str, KnobContext], str]:
    options = sorted(valid)

    def parse(text: str, ctx: KnobContext) -> str:
        for option in options:
            if option.lower() == text.strip().lower():
                return option
        error = UnknownNameError(kind, text.strip(), options)
        raise InputError(f"--vary {ctx.spec}: {error.message}", hint=error.hint)

    return parse


def _gpu_set(text: str, ctx: KnobContext) -> list[str] | None:
    if text.strip().lower() == "all":
        return None
    ids = []
    for name in text.split("+"):
        if not name.strip():
            raise InputError(f"--vary {ctx.spec}: empty GPU name in {text!r}", hint="join GPUs of one scenario with '+', e.g. gpus=h100-sxm+h200-sxm,mi300x")
        try:
            ids.append(ctx.catalog.gpu(name.strip()).id)
        except UnknownNameError as error:
            raise InputError(f"--vary {ctx.spec}: {error.message}", hint=error.hint) from None
    return sorted(dict.fromkeys(ids))


def _all_workloads(problem: Problem) -> list[str]:
    return [w.name for w in problem.workloads]


def _user_workloads(problem: Problem) -> list[str]:
    return [w.name for w in problem.workloads if w.demand.users is not None]


def _workload_paths(field_path: str) -> Callable[[list[str]], list[str]]:
    return lambda targets: [f"workloads.{name}.{field_path}" for name in targets]


def _fixed(path: str) -> Callable[[list[str]], list[str]]:
    return lambda targets: [path]


KNOBS: dict[str, Knob] = {
    knob.name: knob
    for knob in (
        Knob("gpus", "allowed GPU set; '+' joins GPUs within one scenario, 'all' lifts the restriction", _gpu_set, _fixed("limits.allowed_gpus")),
        Knob("precision", "weight format per workload (precision:NAME=…; bare: every workload)", _choice("precision", WEIGHT_FORMATS), _workload_paths("precision"), True, _all_workloads),
        Knob("kv_precision", "KV-cache precision per workload", _choice("KV precision", KV_FORMAT_BYTES), _workload_paths("kv_precision"), True, _all_workloads),
        Knob("active_fraction", "share of users active at peak (bare: every users-based workload)", _float(0, 1, low_open=True), _workload_paths("demand.active_fraction"), True, _user_workloads),
        Knob("context", "context length in tokens (32k = 32768) per workload", _positive_int, _workload_paths("context_tokens"), True, _all_workloads),
        Knob("nvlink", "tensor-parallel groups must sit in one NVLink domain (true/false)", _bool, _fixed("limits.tp_requires_nvlink")),
        Knob("multinode", "replicas may span nodes over InfiniBand (true/false)", _bool, _fixed("limits.allow_multinode")),
        Knob("electricity", "electricity price, USD per kWh (TCO)", _float(0, None), _fixed("objective.tco.electricity_usd_per_kwh")),
        Knob("power", "facility power cap, kW ('none' lifts it)", _optional(_float(0, None, low_open=True)), _fixed("limits.power_kw")),
        Knob("racks", "racks available ('none' lifts the limit)", _optional(_positive_int), _fixed("limits.racks")),
        Knob("prices", "catalog price point: low or high end of each published range, or mid (the catalog price)", _choice("price point", PRICE_POINTS), _fixed("procurement.price_point")),
    )
}
_PATH_ROOTS = ("workloads", "limits", "objective", "assumptions", "procurement")


@dataclass(frozen=True)
class VaryAxis:
    label: str
    """Canonical knob text: 'gpus', 'precision:llama405-bf16', 'limits.max_nodes'."""
    values: tuple[tuple[str, dict[str, Any]], ...]
    """(value label, overlay) per value, in the order given."""


def _value_label(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse_vary(spec: str, problem: Problem, catalog: Catalog) -> VaryAxis:
    """One ``--vary KNOB[:WORKLOAD]=V1,V2,…`` into an axis of overlays, each checked on the problem."""
    import yaml

    text = str(spec).strip()
    if "=" not in text:
        raise InputError(f"--vary: expected KNOB=V1,V2,… (got {spec!r})", hint="e.g. --vary gpus=h100-sxm+h200-sxm,mi300x or --vary precision:NAME=bf16,fp8")
    head, _, tail = text.partition("=")
    knob_name, _, target = head.strip().partition(":")
    knob_name, target = knob_name.strip(), target.strip()
    raw_values = [value.strip() for value in tail.split(",") if value.strip()]
    if not raw_values:
        raise InputError(f"--vary {spec}: no values after '='", hint="list one or more values separated by commas")
    ctx = KnobContext(problem, catalog, text)
    knob = KNOBS.get(knob_name.lower())
    workloads = _all_workloads(problem)
    if knob is None:
        root = knob_name.split(".")[0]
        if "." not in knob_name or root not in _PATH_ROOTS or target:
            choices = list(KNOBS) + [f"{r}.…" for r in _PATH_ROOTS]
            suggestions = did_you_mean(knob_name, list(KNOBS) + list(_PATH_ROOTS))
            error = UnknownNameError("what-if knob", knob_name, choices, suggestions=suggestions, hint="use one of " + ", ".join(KNOBS) + ", or a dotted field path such as limits.max_nodes")
            raise InputError(f"--vary {spec}: {error.message}", hint=error.hint)
        values = []
        for raw in raw_values:
            try:
                value = yaml.safe_load(raw)
            except yaml.YAMLError:
                value = raw
            values.append((_value_label(value), {knob_name: value}))
        axis = VaryAxis(knob_name, tuple(values))
    else:
        if target and not knob.per_workload:
            raise InputError(f"--vary {spec}: knob {knob.name!r} applies to the whole problem, not to one workload", hint=f"write {knob.name}=…")
        if target:
            matches = [name for name in workloads if name.lower() == target.lower()]
            if not matches:
                error = UnknownNameError("workload", target, workloads)
                raise InputError(f"--vary {spec}: {error.message}", hint=error.hint)
            targets = matches
            label = f"{knob.name}:{matches[0]}"
        else:
            targets = knob.targets(problem) if knob.targets else []
            if knob.per_workload and not targets:
                raise InputError(f"--vary {spec}: no workload states demand as users × active_fraction", hint="name a workload (KNOB:NAME=…) or vary demand with a dotted path")
            label = knob.name
        values = []
        for raw in raw_values:
            value = knob.parse(raw, ctx)
            values.append((_value_label(value), {path: value for path in knob.paths(targets)}))
        axis = VaryAxis(label, tuple(values))
    seen: dict[str, dict[str, Any]] = {}
    for value_label, overlay in axis.values:
        seen.setdefault(value_label, overlay)
    for value_label, overlay in seen.items():
        apply_overlay(problem, overlay, catalog, source=f"--vary {axis.label}={value_label}")
    return VaryAxis(axis.label, tuple(seen.items()))


# ============================================================================================
# Scenarios


@dataclass
class Scenario:
    """One problem to solve, with how to solve it."""

    name: str
    problem: Problem
    objective: str
    hard_demand: bool
    axes: tuple[tuple[str, str], ...] = ()
    """(axis, value) for every axis but the budget: the series this scenario belongs to."""
    budget_usd: float | None = None
    """The swept budget (None when budgets are not swept)."""
    kind: str = "sweep"
    """'sweep' (budgets, knobs, objectives, named scenarios) or 'frontier'."""
    slug: str = ""
    data_key: str = ""
    power_cap_w: int | None = None
    """Frontier points: the ε of the power constraint."""

    @property
    def series(self) -> tuple[Any, ...]:
        return (self.kind, self.axes, self.objective, self.hard_demand)

    @property
    def demand(self) -> str:
        return "full" if self.hard_demand else "served"


def slugify(text: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9.+]+", "-", text.lower()).strip("-.")
    return slug[:limit].rstrip("-.") or "scenario"


def assign_slugs(scenarios: Sequence[Scenario]) -> None:
    width = max(2, len(str(len(scenarios))))
    for index, scenario in enumerate(scenarios, start=1):
        scenario.slug = f"{index:0{width}d}-{slugify(scenario.name)}"


def resolve_objectives(values: Iterable[str]) -> list[str]:
    chosen: list[str] = []
    for value in values:
        match = [o for o in OBJECTIVES if o == str(value).strip().lower()]
        if not match:
            raise UnknownNameError("objective", str(value), OBJECTIVES)
        if match[0] not in chosen:
            chosen.append(match[0])
    return chosen


def resolve_named(problem: Problem, names: Iterable[str], all_named: bool) -> list[str]:
    defined = list(problem.scenarios)
    if all_named:
        if not defined:
            raise InputError(f"--scenarios: problem '{problem.name}' defines no scenarios", hint="add e.g. scenarios: {fp8: {workloads.NAME.precision: fp8}} to the problem file")
        return defined
    chosen = []
    for name in names:
        matches = [d for d in defined if d == name] or [d for d in defined if d.lower() == str(name).lower()]
        if not matches:
            error = UnknownNameError("scenario", str(name), defined, hint=None if defined else "the problem file has no scenarios: section")
            raise error
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def demand_is_hard(demand: str, *, objectives: Sequence[str], budgets: Sequence[float]) -> bool:
    if demand not in DEMAND_MODES:
        raise UnknownNameError("demand mode", demand, DEMAND_MODES)
    if demand == "auto":
        return bool(objectives) and not budgets
    return demand == "full"


def plan_scenarios(
    problem: Problem,
    catalog: Catalog,
    *,
    budgets: Sequence[float] = (),
    objectives: Sequence[str] = (),
    varies: Sequence[str] = (),
    named: Sequence[str] = (),
    demand: str = "auto",
) -> list[Scenario]:
    """The cartesian product of named scenarios × knobs × objectives × budgets, validated.

    Budgets are innermost and ascending, so each series (scenarios differing only in budget) is
    contiguous. Raises InputError before anything is solved.
    """
    budgets = sorted(set(budgets))
    objectives = list(objectives)
    hard = demand_is_hard(demand, objectives=objectives, budgets=budgets)
    axes: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    if named:
        choices = [("base", {})]
        for name in named:
            overlay = problem.scenarios[name]
            if not isinstance(overlay, Mapping):
                raise InputError(f"scenario {name!r}: expected a mapping of dotted field paths to values")
            apply_overlay(problem, overlay, catalog, source=f"scenario {name!r}")
            choices.append((name, dict(overlay)))
        axes.append(("scenario", choices))
    for spec in varies:
        axis = parse_vary(spec, problem, catalog)
        if any(existing == axis.label for existing, _ in axes):
            raise InputError(f"--vary {spec}: knob {axis.label!r} is varied twice", hint="list all its values in one --vary")
        axes.append((axis.label, list(axis.values)))
    objective_count = len(objectives) or 1
    budget_values: list[float | None] = list(budgets) or [None]
    count = objective_count * len(budget_values)
    for _, choices in axes:
        count *= len(choices)
    if count > MAX_SCENARIOS:
        raise InputError(f"{count} scenarios requested; at most {MAX_SCENARIOS} at once", hint="vary fewer knobs or budgets per run")

    scenarios: list[Scenario] = []
    cache: dict[str, str] = {}
    for combination in itertools.product(*(choices for _, choices in axes)):
        overlay: dict[str, Any] = {}
        labels: list[tuple[str, str]] = []
        for (axis, _), (value_label, value_overlay) in zip(axes, combination):
            overlay.update(value_overlay)
            labels.append((axis, value_label))
        name_parts = [value if axis == "scenario" else f"{axis}={value}" for axis, value in labels]
        source = "scenario " + repr(" ".join(name_parts) or "base")
        varied = apply_overlay(problem, overlay, catalog, source=source) if overlay else problem
        # Without --objective each scenario minimises its own problem's objective (an overlay
        # may set objective.minimize).
        if not objectives and varied.objective.minimize in ("rent", "hybrid"):
            raise InputError(f"objective {varied.objective.minimize}: what-if runs compare purchases", hint="use `procure solve --objective rent|hybrid`, or give --objective cost|power|tco")
        for objective in objectives or [varied.objective.minimize]:
            for budget in budget_values:
                scenario_problem = varied
                if budget is not None:
                    scenario_problem = varied.model_copy(update={"limits": varied.limits.model_copy(update={"budget_usd": budget})})
                parts = list(name_parts)
                axis_labels = list(labels)
                if objectives:
                    parts.append(f"objective={objective}")
                    axis_labels.append(("objective", objective))
                if budget is not None:
                    parts.append(f"budget={short_usd(budget)}")
                key_source = scenario_problem.model_dump_json()
                if key_source not in cache:
                    cache[key_source] = data_key(scenario_problem)
                scenarios.append(
                    Scenario(
                        name=" ".join(parts) or "base",
                        problem=scenario_problem,
                        objective=objective,
                        hard_demand=hard,
                        axes=tuple(axis_labels),
                        budget_usd=budget,
                        data_key=cache[key_source],
                    )
                )
    return scenarios


__all__ = [
    "DEMAND_MODES",
    "KNOBS",
    "OBJECTIVES",
    "Scenario",
    "VaryAxis",
    "apply_overlay",
    "assign_slugs",
    "collect_budgets",
    "data_key",
    "demand_is_hard",
    "parse_budget_range",
    "parse_vary",
    "plan_scenarios",
    "resolve_named",
    "resolve_objectives",
    "short_usd",
    "slugify",
]
