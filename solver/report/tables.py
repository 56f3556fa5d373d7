"""Terminal tables (rich) and JSON listings for catalog entries.

Units are in the column headers: memory in GiB (2^30 B) and GB (10^9 B), bandwidths in decimal
GB/s, throughput as dense TFLOPS, prices in USD.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from solver.catalog.user_models import ListedModel
from solver.specs.common import CatalogEntry
from solver.specs.hardware import FabricItem, GpuSpec, NodeSpec
from solver.specs.model import ModelSpec
from solver.report.terminal_text import user_text
from solver.units import GB, GiB

_DASH = "–"


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return _DASH
    return f"{value:,.{digits}f}"


def _usd(value: float | None) -> str:
    return _DASH if value is None else f"{value:,.0f}"


def _gib(num_bytes: int | None, digits: int = 1) -> str:
    return _DASH if num_bytes is None else f"{num_bytes / GiB:,.{digits}f}"


def _gb(num_bytes: int | None, digits: int = 1) -> str:
    return _DASH if num_bytes is None else f"{num_bytes / GB:,.{digits}f}"


def _billions(count: float | None) -> str:
    return _DASH if count is None else f"{count / 1e9:,.2f}"


def _new_table(title: str) -> Table:
    return Table(title=title, title_justify="left", header_style="bold")


def gpu_table(gpus: Iterable[GpuSpec], *, title: str = "GPUs") -> Table:
    table = _new_table(title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Vendor")
    table.add_column("Memory (GiB)", justify="right")
    table.add_column("Memory (GB)", justify="right")
    table.add_column("Mem BW (GB/s)", justify="right")
    table.add_column("BF16 dense (TFLOPS)", justify="right")
    table.add_column("FP8 dense (TFLOPS)", justify="right")
    table.add_column("TDP (W)", justify="right")
    table.add_column("Scale-up (GB/s bidir, max domain)")
    table.add_column("Price (USD)", justify="right")
    table.add_column("Year", justify="right")
    for gpu in gpus:
        scaleup = _DASH if not gpu.has_scaleup else f"{gpu.scaleup_link} {_num(gpu.scaleup_bandwidth_gb_s)} ×{gpu.max_scaleup_domain}"
        table.add_row(
            gpu.id,
            user_text(gpu.name),
            gpu.vendor,
            _gib(gpu.memory),
            _gb(gpu.memory),
            _num(gpu.memory_bandwidth_gb_s),
            _num(gpu.bf16_tflops, 1),
            _num(gpu.fp8_tflops, 1),
            _num(gpu.tdp_w),
            scaleup,
            _usd(gpu.price_usd),
            str(gpu.year),
        )
    return table


def node_table(nodes: Iterable[NodeSpec], *, title: str = "Nodes") -> Table:
    table = _new_table(title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Vendor")
    table.add_column("Kind")
    table.add_column("GPUs per node", justify="right")
    table.add_column("Takes GPUs")
    table.add_column("NVLink domain", justify="right")
    table.add_column("Base price (USD)", justify="right")
    table.add_column("Base power (W)", justify="right")
    table.add_column("RU", justify="right")
    table.add_column("Host RAM (GiB)", justify="right")
    table.add_column("Fabric NICs", justify="right")
    table.add_column("Cooling")
    for node in nodes:
        table.add_row(
            node.id,
            user_text(node.name),
            node.vendor,
            node.kind,
            str(node.gpu_count),
            ", ".join(node.gpus),
            str(node.nvlink_domain),
            _usd(node.base_price_usd),
            _num(node.base_power_w),
            str(node.rack_units),
            _gib(node.host_ram, 0),
            str(node.fabric_nics),
            node.cooling,
        )
    return table


def _attention_kind(model: ModelSpec) -> str:
    if model.mla is not None:
        return "MLA"
    if model.num_key_value_heads == model.num_attention_heads:
        return "MHA"
    if model.num_key_value_heads == 1:
        return "MQA"
    return "GQA"


def model_table(models: Iterable[ModelSpec], *, title: str = "Models") -> Table:
    table = _new_table(title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Family")
    table.add_column("Layers", justify="right")
    table.add_column("Hidden", justify="right")
    table.add_column("Heads (q/kv)", justify="right")
    table.add_column("Attention")
    table.add_column("MoE (experts/active/shared)")
    table.add_column("Context (tokens)", justify="right")
    table.add_column("Params (billion)", justify="right")
    table.add_column("Active (billion)", justify="right")
    for model in models:
        moe = _DASH
        if model.moe is not None:
            moe = f"{model.moe.num_experts}/{model.moe.experts_per_token}/{model.moe.num_shared_experts}"
        active = model.official_params_active if model.moe is not None else model.official_params_total
        table.add_row(
            model.id,
            user_text(model.name),
            user_text(model.family),
            str(model.num_layers),
            f"{model.hidden_size:,}",
            f"{model.num_attention_heads}/{model.num_key_value_heads}",
            _attention_kind(model),
            moe,
            f"{model.max_position_embeddings:,}",
            _billions(model.official_params_total),
            _billions(active),
        )
    return table


def listed_model_table(listed: Iterable[ListedModel], *, title: str = "Models") -> Table:
    """`procure models list`: each model and where it comes from."""
    table = _new_table(title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Origin")
    table.add_column("Name")
    table.add_column("Family")
    table.add_column("Params (billion)", justify="right")
    table.add_column("Context (tokens)", justify="right")
    for entry in listed:
        model = entry.model
        table.add_row(model.id, entry.origin, model.name, model.family, _billions(model.official_params_total), f"{model.max_position_embeddings:,}")
    return table


def listed_models_json(listed: Iterable[ListedModel]) -> str:
    """A JSON list of {id, origin, name, family, params_total}."""
    rows = [
        {"id": e.model.id, "origin": e.origin, "name": e.model.name, "family": e.model.family, "params_total": e.model.official_params_total}
        for e in listed
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def fabric_table(items: Iterable[FabricItem], *, title: str = "Fabric and facility items") -> Table:
    table = _new_table(title)
    table.add_column("ID", no_wrap=True)
    table.add_column("Name")
    table.add_column("Category")
    table.add_column("Vendor")
    table.add_column("Technology")
    table.add_column("Ports", justify="right")
    table.add_column("Port speed (Gb/s)", justify="right")
    table.add_column("Capacity (TB)", justify="right")
    table.add_column("RU", justify="right")
    table.add_column("Power (W)", justify="right")
    table.add_column("Price (USD)", justify="right")
    for item in items:
        table.add_row(
            item.id,
            user_text(item.name),
            item.category,
            item.vendor,
            user_text(item.technology or _DASH),
            _num(item.ports),
            _num(item.port_speed_gbps),
            _DASH if item.capacity is None else f"{item.capacity / 1e12:,.2f}",
            str(item.rack_units) if item.rack_units else _DASH,
            _num(item.power_w),
            _usd(item.price_usd),
        )
    return table


def entries_json(entries: Iterable[CatalogEntry]) -> str:
    """A JSON list of entries as their schema describes them (sizes in bytes)."""
    return json.dumps([entry.model_dump(mode="json") for entry in entries], indent=2, ensure_ascii=False)


def make_console(file: IO[str] | None = None) -> Console:
    """A console for ``file`` (stdout by default); not a terminal → wide, so tables are not squeezed."""
    stream: Any = file if file is not None else sys.stdout
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=stream, width=None if is_tty else 240, soft_wrap=False, highlight=False)


def print_table(table: Table, *, file: IO[str] | None = None) -> None:
    if not table.row_count:
        print(f"{table.title}: none match", file=file if file is not None else sys.stdout)
        return
    print_renderable(table, file=file)


def print_renderable(renderable: Any, *, file: IO[str] | None = None) -> None:
    """Print any rich renderable; piped or captured output is plain text without trailing padding."""
    console = make_console(file)
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    text = "\n".join(line.rstrip() for line in captured.get().splitlines())
    console.file.write(text + "\n")
