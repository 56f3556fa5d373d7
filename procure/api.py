"""procure's Python API: what the command line does, as functions returning typed results.

Each function is the library call behind one command (``procure solve`` → ``solve``), with the
command's defaults. Errors are ``ProcureError`` subclasses: ``InputError`` for a bad file,
name or value, ``InfeasibleError`` when no purchase satisfies the problem. Output folders
(``out=``) are written as the command writes them: one unit, with a manifest.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from pathlib import Path

from solver.catalog import Catalog
from solver.catalog import load_catalog as _load_merged_catalog
from solver.errors import InputError
from solver.estimator.deployment import Deployment
from solver.model.solve import SolveSettings
from solver.pipeline import SolveResult, solve_problem
from solver.prices import apply_quotes, read_quotes
from solver.problem_io import load_problem as _load_problem
from solver.estimator.training_budget import TrainingBudget
from solver.queries import DEFAULT_HEADROOM, EstimateReport, FitReport, budget_for, training_split
from solver.queries import estimate as _estimate
from solver.queries import fits as _fits
from solver.report.manifest import RunInfo
from solver.report.output_dir import OutputDir
from solver.report.outputs import write_plan_files
from solver.report.report_writer import write_report, write_report_in_run
from solver.specs.problem import Problem
from solver.whatif.results import write_outputs
from solver.whatif.run import WhatIfRun, run_whatif
from solver.whatif.scenarios import collect_budgets, plan_scenarios, resolve_named, resolve_objectives
from solver.processes import default_jobs

PathLike = str | os.PathLike[str]


def load_catalog(*extra: PathLike, include_user: bool = True, prices: PathLike | None = None) -> Catalog:
    """The bundled catalogs, then the user's (``include_user``), then each ``extra`` YAML file;
    ``prices``: a vendor quote CSV (sku,unit_price_usd) overriding catalog prices."""
    catalog = _load_merged_catalog(tuple(Path(path) for path in extra), include_user=include_user)
    if prices is not None:
        catalog = apply_quotes(catalog, read_quotes(Path(prices)), Path(prices))
    return catalog


def load_problem(path: PathLike, catalog: Catalog | None = None) -> Problem:
    """A problem file, validated, with every catalog name it uses checked."""
    return _load_problem(Path(path), catalog or load_catalog())


def _deployment(precision: str, kv_precision: str, context_tokens: int, batch: int, mode: str, tp: int, pp: int, dp: int, ep: int, zero_stage: int, lora_rank: int, gradient_checkpointing: bool) -> Deployment:
    return Deployment(
        precision=precision.strip().lower(),
        kv_precision=kv_precision.strip().lower(),
        context_tokens=context_tokens,
        batch=batch,
        mode=mode.strip().lower(),  # type: ignore[arg-type]  # checked by the estimator
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        zero_stage=zero_stage,
        gradient_checkpointing=gradient_checkpointing,
        lora_rank=lora_rank,
    )


def estimate(
    model: str,
    *,
    gpu: str | None = None,
    precision: str = "bf16",
    kv_precision: str = "bf16",
    context_tokens: int = 4096,
    batch: int = 1,
    mode: str = "inference",
    tp: int = 1,
    pp: int = 1,
    dp: int = 1,
    ep: int = 1,
    zero_stage: int = 0,
    lora_rank: int = 16,
    gradient_checkpointing: bool = True,
    headroom: float = DEFAULT_HEADROOM,
    engine: str | None = None,
    catalog: Catalog | None = None,
) -> EstimateReport:
    """Memory of ``model`` deployed one way; with ``gpu``, whether it fits and its speed."""
    deployment = _deployment(precision, kv_precision, context_tokens, batch, mode, tp, pp, dp, ep, zero_stage, lora_rank, gradient_checkpointing)
    return _estimate(catalog or load_catalog(), model, deployment, gpu, headroom=headroom, engine=engine.lower() if engine else None)


def fits(
    model: str,
    *,
    gpu: str,
    count: int = 1,
    headroom: float = DEFAULT_HEADROOM,
    precision: str = "bf16",
    kv_precision: str = "bf16",
    context_tokens: int = 4096,
    batch: int = 1,
    mode: str = "inference",
    zero_stage: int = 0,
    lora_rank: int = 16,
    gradient_checkpointing: bool = True,
    engine: str | None = None,
    catalog: Catalog | None = None,
) -> FitReport:
    """Does ``model`` fit on ``count`` GPUs, and with which split? (``.fits``, ``.split``)"""
    deployment = _deployment(precision, kv_precision, context_tokens, batch, mode, 1, 1, 1, 1, zero_stage, lora_rank, gradient_checkpointing)
    return _fits(catalog or load_catalog(), model, deployment, gpu, count, headroom, engine=engine.lower() if engine else None)


def training_budget(
    model: str,
    *,
    tokens: str | float,
    gpu: str,
    gpus: int,
    mode: str = "full",
    precision: str = "bf16",
    context_tokens: int = 4096,
    tp: int = 1,
    pp: int = 1,
    zero_stage: int = 0,
    usd_per_gpu_hour: float | None = None,
    commitment: str = "on-demand",
    mfu: float | None = None,
    catalog: Catalog | None = None,
) -> TrainingBudget:
    """FLOPs, calibrated MFU, GPU-hours, wall clock and cost of training ``model`` on ``tokens``
    (``"14.8T"`` or a number) with ``gpus`` × ``gpu``, as ``procure estimate --tokens``;
    ``mode="full", precision="fp8"`` is FP8 mixed precision."""
    options, arithmetic = training_split({"mode": mode, "precision": precision, "tp": tp, "pp": pp}, gpus)
    deployment = _deployment(options["precision"], "bf16", context_tokens, 1, mode, tp, pp, options["dp"], 1, zero_stage, 16, True)
    return budget_for(catalog or load_catalog(), model, deployment, gpu, str(tokens), gpus, arithmetic=arithmetic, usd_per_gpu_hour=usd_per_gpu_hour, commitment=commitment.lower(), mfu=mfu)


def _problem_and_file(problem: Problem | PathLike, catalog: Catalog) -> tuple[Problem, Path | None]:
    if isinstance(problem, Problem):
        return problem, None
    return _load_problem(Path(problem), catalog), Path(problem)


def _run_info(call: str, problem_file: Path | None) -> RunInfo:
    """The manifest's record of an API call (its 'command')."""
    return RunInfo(command=f"python: procure.{call}({shlex.quote(str(problem_file)) if problem_file else 'problem'}, …)", problem=problem_file)


def solve(
    problem: Problem | PathLike,
    catalog: Catalog | None = None,
    *,
    objective: str | None = None,
    commitment: str | None = None,
    budget_usd: float | None = None,
    time_limit_s: float = 60.0,
    workers: int = 1,
    jobs: int | None = None,
    out: PathLike | None = None,
    force: bool = False,
    report: bool = False,
) -> SolveResult:
    """The optimal purchase for ``problem`` (a Problem or a problem file): ``.plan`` is the
    plan.json content (``.plan.summary.capex_usd``, ``.plan.bom``, ``.plan.economics`` with
    $ per million tokens, ``.plan.rent`` with the break-even month). ``objective`` "rent" or
    "hybrid" rents instead, at ``commitment`` prices (on-demand, 1y, 3y, spot). With ``out``,
    writes bom.csv, bom.xlsx and plan.json there (and report.html with ``report``), as
    ``procure solve --out``. ``jobs``: processes for estimating the options and the renting
    comparison (default: one per CPU; the plan is the same for any number)."""
    if report and out is None:
        raise InputError("report=True writes report.html into the output folder: give out= too")
    catalog = catalog or load_catalog()
    given, problem_file = _problem_and_file(problem, catalog)
    if budget_usd is not None:
        given = given.model_copy(update={"limits": given.limits.model_copy(update={"budget_usd": float(budget_usd)})})
    if commitment is not None:
        given = given.model_copy(update={"rent": given.rent.model_copy(update={"commitment": commitment.lower()})})
    settings = SolveSettings(objective=(objective or given.objective.minimize).lower(), time_limit_s=time_limit_s, workers=workers, precompute_jobs=jobs or default_jobs())
    if out is None:
        return solve_problem(given, catalog, settings)
    with OutputDir(Path(out), force=force, run=_run_info("solve", problem_file), inputs=[problem_file] if problem_file else []) as output:
        result = solve_problem(given, catalog, settings)
        write_plan_files(result.plan, output.path)
        if report:
            write_report_in_run(output.path, output.run, catalog)
        output.publish()
    return result


def whatif(
    problem: Problem | PathLike,
    catalog: Catalog | None = None,
    *,
    budgets: Iterable[float | str] = (),
    objectives: Iterable[str] = (),
    frontier: int | None = None,
    vary: Iterable[str] = (),
    scenarios: Iterable[str] = (),
    demand: str = "auto",
    jobs: int | None = None,
    time_limit_s: float = 60.0,
    out: PathLike | None = None,
    force: bool = False,
    report: bool = False,
) -> WhatIfRun:
    """What each budget buys, plans per objective, ``vary`` knobs (``"gpus=h100-sxm,mi300x"``),
    named ``scenarios`` and a ``frontier`` of N cost–power points: ``.scenarios`` and
    ``.results`` side by side (each result's ``.plan``), ``.frontier``. With ``out``, writes
    the folder ``procure whatif --out`` writes (and report.html with ``report``)."""
    if report and out is None:
        raise InputError("report=True writes report.html into the output folder: give out= too")
    catalog = catalog or load_catalog()
    given, problem_file = _problem_and_file(problem, catalog)
    budget_values = collect_budgets([str(budget) for budget in budgets], [])
    objective_values = resolve_objectives(objectives)
    named = resolve_named(given, scenarios, False)
    varies = list(vary)
    if not (budget_values or objective_values or varies or named or frontier):
        raise InputError("nothing to compare", hint="give budgets=, objectives=, vary=, scenarios= or frontier=")
    planned = plan_scenarios(given, catalog, budgets=budget_values, objectives=objective_values, varies=varies, named=named, demand=demand) if (budget_values or objective_values or varies or named) else []

    def run() -> WhatIfRun:
        return run_whatif(given, catalog, planned, frontier_points=frontier, jobs=jobs or default_jobs(), time_limit_s=time_limit_s)

    if out is None:
        return run()
    with OutputDir(Path(out), force=force, run=_run_info("whatif", problem_file), inputs=[problem_file] if problem_file else []) as output:
        result = run()
        write_outputs(result, output.path)
        if report:
            write_report_in_run(output.path, output.run, catalog)
        output.publish()
    return result


def report(folder: PathLike, *, out: PathLike | None = None, catalog: Catalog | None = None) -> Path:
    """report.html for a solve or what-if output folder (``procure report``); returns its path."""
    return write_report(Path(folder), catalog or load_catalog(), Path(out) if out is not None else None).path


__all__ = ["estimate", "fits", "load_catalog", "load_problem", "report", "solve", "training_budget", "whatif"]
