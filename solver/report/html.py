"""The HTML report: one self-contained page from an output folder (Jinja2 templates, inline CSS
and SVG, no scripts, nothing loaded from the network).

``render_report`` builds the page of a solve folder or a what-if folder; the sections come from
``solve_sections`` / ``whatif_sections`` / ``shared_sections`` (one function per section) and
the templates in ``templates/`` (one block per section, ``templates/sections/``).
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from solver import __version__
from solver.catalog import Catalog
from solver.report import bom_section, economics_section, rent_section, report_format, shared_sections, solve_sections, whatif_sections
from solver.report.charts import usd_label
from solver.report.report_folder import SolveFolder, WhatifFolder
from solver.report.report_format import kw, pct, usd

REPORT_FILE = "report.html"


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("solver.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,  # a misspelt variable is an error, not a blank in the page
        keep_trailing_newline=True,
    )
    env.filters.update(usd=report_format.usd, kw=report_format.kw, pct=report_format.pct, number=report_format.number)
    return env


def solve_headline(plan: dict[str, Any], tco_years: float | None) -> list[tuple[str, str]]:
    """The figures shown as tiles under the answer: what it costs, draws and holds."""
    summary = plan.get("summary", {})
    rent = plan.get("rent") or {}
    total = (plan.get("economics") or {}).get("total") or {}
    tiles = []
    if summary.get("capex_usd") or rent.get("mode") not in ("rented", "hybrid"):
        tiles.append(("capex", usd(summary.get("capex_usd"))))
    if rent.get("mode") in ("rented", "hybrid"):
        tiles.append(("rent a month", usd(rent.get("monthly_usd"))))
    tiles += [
        ("power (nameplate)", kw(summary.get("power_w"))),
        ("GPUs", f"{sum(summary.get('gpus', {}).values()):,}"),
        ("servers", f"{summary.get('nodes', 0):,}"),
        ("racks", f"{summary.get('racks', 0):,}"),
        (f"TCO, {tco_years:g} years" if tco_years else "TCO", usd(summary.get("tco_usd"))),
    ]
    if total.get("usd_per_million_output_tokens") is not None:
        tiles.append(("$ per M output tokens", economics_section.per_million(total["usd_per_million_output_tokens"])))
    if rent.get("mode") == "comparison" and rent.get("monthly_usd") is not None:
        months = rent.get("break_even_month")
        tiles.append(("buying breaks even", f"{months:g} months" if months is not None else "never"))
    return tiles


def solve_context(folder: SolveFolder, catalog: Catalog | None) -> dict[str, Any]:
    plan = folder.plan
    summary = plan.get("summary", {})
    problem = folder.problem.problem
    facts = shared_sections.catalog_facts([plan], catalog) if catalog is not None else None
    return {
        "kind": "solve",
        "title": f"{summary.get('problem', 'plan')}: " + ("what to rent" if summary.get("objective") == "rent" else "what to buy"),
        "answer": solve_sections.question_and_answer(folder),
        "headline": solve_headline(plan, problem.objective.tco.years if problem else None),
        "warnings": [str(warning) for warning in summary.get("warnings", [])],
        "workloads": solve_sections.workloads_served(plan),
        "speed_confidence": pct(summary.get("speed_confidence")),
        "racks": solve_sections.racks(plan, problem),
        "servers": solve_sections.server_configurations(folder),
        "bom": bom_section.bill_of_materials(folder.bom, str(summary.get("price_point", "mid"))),
        "economics": economics_section.unit_economics(plan),
        "rent": rent_section.buy_vs_rent(plan),
        "assumptions": shared_sections.assumptions(folder.problem, summary),
        "policy": shared_sections.buying_policy(summary),
        "problem_note": folder.problem.note,
        "provenance": shared_sections.provenance(folder.record, folder.problem, summary, facts, catalog),
    }


def whatif_context(folder: WhatifFolder, catalog: Catalog | None) -> dict[str, Any]:
    whatif = folder.whatif
    problem_name = str(whatif.get("problem", "what-if"))
    plans = list(folder.plans.values())
    summary = plans[0].get("summary", {}) if plans else {}
    facts = shared_sections.catalog_facts(plans, catalog) if catalog is not None else None
    rows = whatif.get("scenarios", [])
    solved = [row for row in rows if row.get("capex_usd") is not None]
    return {
        "kind": "whatif",
        "title": f"{problem_name}: what if",
        "answer": whatif_sections.question_and_answer(folder),
        "headline": [
            ("scenarios", f"{len(rows):,}"),
            ("with a plan", f"{len(solved):,}"),
            ("lowest capex", usd(min((row["capex_usd"] for row in solved), default=None))),
            ("lowest power", kw(min((row["power_w"] for row in solved if row.get("power_w") is not None), default=None))),
        ],
        "warnings": list(dict.fromkeys(str(warning) for plan in plans for warning in plan.get("summary", {}).get("warnings", []))),
        "scenarios": whatif_sections.scenario_table(whatif),
        "sweeps": [
            {"label": sweep.label, "chart": whatif_sections.sweep_chart(sweep, problem_name), "grid": whatif_sections.share_grid(sweep), "budgets": [usd_label(b) for b in sweep.budgets]}
            for sweep in whatif_sections.budget_sweeps(whatif)
        ],
        "cut_order": whatif_sections.cut_order(whatif),
        "frontier": whatif_sections.frontier(whatif),
        "assumptions": shared_sections.assumptions(folder.problem, summary),
        "policy": shared_sections.buying_policy(summary),
        "problem_note": folder.problem.note,
        "provenance": shared_sections.provenance(folder.record, folder.problem, summary, facts, catalog),
    }


def render_report(folder: SolveFolder | WhatifFolder, catalog: Catalog | None = None) -> str:
    """The page's HTML. ``catalog`` supplies the dates and sources of the entries the plans use
    (left out without one)."""
    if isinstance(folder, SolveFolder):
        template, context = "solve.html.j2", solve_context(folder, catalog)
    else:
        template, context = "whatif.html.j2", whatif_context(folder, catalog)
    return environment().get_template(template).render(version=__version__, folder=folder.path.name, **context)


__all__ = ["REPORT_FILE", "environment", "render_report", "solve_context", "solve_headline", "whatif_context"]
