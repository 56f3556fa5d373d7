"""Load a problem file: schema validation with file:line errors, then every catalog name checked."""

from __future__ import annotations

from pathlib import Path

from solver.catalog import Catalog
from solver.catalog.yaml_source import YamlDocument, format_location, load_yaml, validate
from solver.errors import InputError, UnknownNameError
from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS
from solver.specs.problem import Problem


def _check(document: YamlDocument, location: tuple, check) -> None:
    try:
        check()
    except InputError as error:
        raise InputError(f"{document.where(location)}: {format_location(location)}: {error.message}", hint=error.hint) from None


def check_names(problem: Problem, catalog: Catalog, document: YamlDocument) -> None:
    """Every model, GPU, node type and format the problem names exists."""
    for index, workload in enumerate(problem.workloads):
        base = ("workloads", index)
        _check(document, base + ("model",), lambda w=workload: catalog.model(w.model))
        for field, kind, names, valid in (("precision", "precision", workload.precisions, WEIGHT_FORMATS), ("kv_precision", "KV precision", workload.kv_precisions, KV_FORMAT_BYTES)):
            listed = not isinstance(getattr(workload, field), str)
            for position, name in enumerate(names):
                if name not in valid:
                    where = base + ((field, position) if listed else (field,))
                    _check(document, where, lambda k=kind, n=name, v=valid: _raise_unknown(k, n, v))
        if workload.context_tokens > catalog.model(workload.model).max_position_embeddings:
            model = catalog.model(workload.model)
            raise InputError(
                f"{document.where(base + ('context_tokens',))}: {format_location(base + ('context_tokens',))}: "
                f"{workload.context_tokens:,} tokens exceed {model.id}'s maximum context of {model.max_position_embeddings:,}",
                hint=f"use context_tokens ≤ {model.max_position_embeddings}",
            )
    limits = problem.limits
    for field in ("allowed_gpus", "excluded_gpus"):
        for index, name in enumerate(getattr(limits, field) or []):
            _check(document, ("limits", field, index), lambda n=name: catalog.family("gpus", n) or catalog.gpu(n))
    for field in ("allowed_node_types", "excluded_node_types"):
        for index, name in enumerate(getattr(limits, field) or []):
            _check(document, ("limits", field, index), lambda n=name: catalog.node(n))
    vendors = sorted({g.vendor for g in catalog.gpus.values()})
    for field in ("allowed_vendors", "excluded_vendors"):
        for index, name in enumerate(getattr(limits, field) or []):
            if name.lower() not in vendors:
                _check(document, ("limits", field, index), lambda n=name: _raise_unknown("GPU vendor", n, vendors))
    for index, item in enumerate(limits.inventory):
        _check(document, ("limits", "inventory", index, "node"), lambda i=item: catalog.node(i.node))
        _check(document, ("limits", "inventory", index, "gpu"), lambda i=item: catalog.gpu(i.gpu))
        _check(document, ("limits", "inventory", index, "gpu"), lambda i=item: _check_node_takes_gpu(catalog, i.node, i.gpu))


def _check_node_takes_gpu(catalog: Catalog, node_name: str, gpu_name: str) -> None:
    node, gpu = catalog.node(node_name), catalog.gpu(gpu_name)
    if gpu.id not in node.gpus:
        raise InputError(f"node type {node.id} does not take {gpu.id}", hint=f"{node.id} takes: {', '.join(node.gpus)}")


def _raise_unknown(kind: str, name: str, valid) -> None:
    raise UnknownNameError(kind, name, list(valid))


def problem_from_document(document: YamlDocument, catalog: Catalog) -> Problem:
    problem = validate(Problem, document.data, document=document)
    check_names(problem, catalog, document)
    return problem


def load_problem(path: Path, catalog: Catalog) -> Problem:
    return problem_from_document(load_yaml(Path(path)), catalog)
