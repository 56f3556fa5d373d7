"""procure command line.

Commands stay thin: parse options, call the library, print. Every ``ProcureError`` raised
anywhere below ``main`` is printed as ``error: …`` (plus ``To fix: …``) on stderr and the
process exits with the error's code (2 for bad input, 1 for infeasible, 3 for a bug procure
caught itself), without a traceback. Ctrl-C or SIGTERM exits 130 with ``interrupted``; any
other exception is a bug: ``internal error: …`` and exit 3 (the traceback with PROCURE_DEBUG=1).

Layout: infrastructure (error handling, session, parameter types) → ``main`` group →
one section per command or command group. A new command is a new section:
``@main.command()`` + ``@pass_session`` and ``session.catalog()`` for the merged catalog.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from solver import __version__
from solver.errors import REPORT_BUG, ProcureError, UnknownNameError
from solver.interrupt import RaisingHandler, ignore_interrupts, interrupts_raised

if TYPE_CHECKING:
    from solver.catalog import Catalog

# ============================================================================================
# Infrastructure


EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 3
ARGV_KEY = "procure.argv"
INTERRUPTS_KEY = "procure.interrupts"

EXIT_CODES_HELP = """\b
Exit codes:
  0    plan written / answer given
  1    infeasible: no purchase satisfies the problem (fits: does not fit)
  2    bad input: a file, name or value is wrong (the message says which)
  3    internal error: a bug in procure (PROCURE_DEBUG=1 prints the traceback)
  130  interrupted (Ctrl-C or SIGTERM): nothing written unless --keep-best-on-interrupt"""


class ProcureGroup(click.Group):
    """A click group that turns every way a command can end into one message and one exit code.

    ``ProcureError`` → its message and code; KeyboardInterrupt (Ctrl-C, or SIGTERM while a
    command runs) → ``interrupted``, 130; any other exception → ``internal error: …``, 3.
    """

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        argv = list(args)
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except KeyboardInterrupt:
            _report_interrupt()
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        if parent is None:
            ctx.meta[ARGV_KEY] = argv  # the command line as given, for output manifests
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        # The outermost group makes SIGTERM act like Ctrl-C for the whole command; nested
        # groups share its handler (ctx.meta is one dict for the whole command line).
        interrupts = interrupts_raised() if ctx.parent is None else contextlib.nullcontext(ctx.meta.get(INTERRUPTS_KEY, RaisingHandler()))
        try:
            with interrupts as handler:
                ctx.meta[INTERRUPTS_KEY] = handler
                return super().invoke(ctx)
        except KeyboardInterrupt:
            _report_interrupt()
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # click's own ways out (usage errors, --help, ctx.exit) keep their codes
        except Exception as err:
            if ctx.meta.get(INTERRUPTS_KEY, RaisingHandler()).received:  # e.g. Ctrl-C during an import surfaces as ImportError
                _report_interrupt()
                if os.environ.get("PROCURE_DEBUG") == "1":
                    click.echo("".join(traceback.format_exception(err)).rstrip("\n"), err=True)
                ctx.exit(EXIT_INTERRUPTED)
            if isinstance(err, ProcureError):
                _report(err)
                ctx.exit(err.exit_code)
            _report_internal(err)
            ctx.exit(EXIT_INTERNAL)

    def main(self, args: Sequence[str] | None = None, **kwargs: Any) -> Any:
        # Only the program itself reads sys.argv; CliRunner and other callers pass args.
        whole_process = args is None
        # Backstop for errors raised outside a command's invocation (e.g. while parsing options).
        try:
            return super().main(args, **kwargs)
        except ProcureError as err:
            _report(err)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:
            _report_interrupt()
            sys.exit(EXIT_INTERRUPTED)
        finally:
            if whole_process:
                # The exit code is decided and the outputs are in place (or not). Python's shutdown
                # resets its handlers to the default action, so a late Ctrl-C would kill the
                # process with the signal instead of that code; ignore it from here on.
                ignore_interrupts()


def _report(err: ProcureError) -> None:
    from solver.report.terminal_text import escape_lines

    click.echo(escape_lines(err.render()), err=True)


def _report_interrupt() -> None:
    click.echo("interrupted", err=True)


def _report_internal(err: Exception) -> None:
    from solver.report.terminal_text import escape_lines

    click.echo(escape_lines(f"internal error: {type(err).__name__}: {err}"), err=True)
    if os.environ.get("PROCURE_DEBUG") == "1":
        click.echo("".join(traceback.format_exception(err)).rstrip("\n"), err=True)
    else:
        click.echo(f"  {REPORT_BUG} (PROCURE_DEBUG=1 prints the traceback)", err=True)


@dataclass
class Session:
    """Global options, shared by every command through ``ctx.obj``."""

    catalog_files: tuple[Path, ...] = ()
    """Extra catalog files (``--catalog``), merged after the bundled and user catalogs."""
    include_user: bool = True
    _catalog: Catalog | None = field(default=None, repr=False)

    def catalog(self) -> Catalog:
        """The merged catalog (loaded once per invocation)."""
        if self._catalog is None:
            from solver.catalog import load_catalog

            self._catalog = load_catalog(extra=self.catalog_files, include_user=self.include_user)
        return self._catalog


pass_session = click.make_pass_decorator(Session, ensure=True)


class SizeType(click.ParamType):
    """A byte size with an explicit unit: 80GiB (2^30 B), 141GB (10^9 B), 1.5TB."""

    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if re.fullmatch(r"[0-9]*\.?[0-9]+", text):
            self.fail(f"{value!r} has no unit: write e.g. 80GiB (2^30 bytes) or 80GB (10^9 bytes)", param, ctx)
        from pydantic import ByteSize, TypeAdapter, ValidationError

        try:
            return int(TypeAdapter(ByteSize).validate_python(text))
        except ValidationError:
            self.fail(f"cannot read {value!r} as a size: write e.g. 80GiB (2^30 bytes) or 80GB (10^9 bytes)", param, ctx)


SIZE = SizeType()


def _match_choice(kind: str, value: str, valid: Iterable[str]) -> str:
    """``value`` (case-insensitive) if it is one of ``valid``, else UnknownNameError with suggestions."""
    options = sorted(set(valid))
    lowered = value.strip().lower()
    for option in options:
        if option.lower() == lowered:
            return option
    raise UnknownNameError(kind, value, options)


def _emit_entries(entries: Sequence[Any], table_fn: Any, as_json: bool) -> None:
    from solver.report.tables import entries_json, print_table

    if as_json:
        click.echo(entries_json(entries))
    else:
        print_table(table_fn(entries))


@contextlib.contextmanager
def _output_dir(out: Path | None, force: bool, inputs: Sequence[Path | None] = ()) -> Iterator[Any]:
    """The ``--out`` folder as one unit (solver.report.output_dir), or None without ``--out``.

    ``inputs`` (problem file first) are recorded in the manifest and never deleted by --force.
    A run that fails leaves the folder as it was; if that is an earlier run's outputs, a note
    says so, lest they be taken for this run's.
    """
    if out is None:
        yield None
        return
    from solver.report.manifest import recorded_command
    from solver.report.output_dir import OutputDir, RunInfo

    argv = click.get_current_context().meta.get(ARGV_KEY, [])
    given = [path for path in inputs if path is not None]
    run = RunInfo(command=shlex.join(["procure", *argv]), problem=given[0] if given else None)
    with OutputDir(out, force=force, run=run, inputs=given) as output:
        try:
            yield output
        except Exception:
            caused_by_interrupt = bool(click.get_current_context().meta.get(INTERRUPTS_KEY, RaisingHandler()).received)
            earlier = None if output.published or caused_by_interrupt else recorded_command(output.target)
            if earlier is not None:
                _echo_user(f"note: {out} is left as it was, holding the outputs of an earlier run: {earlier}", err=True)
            raise


def _echo_user(text: str, *, err: bool = False) -> None:
    """click.echo for a line holding user input (paths, names): control characters escaped."""
    from solver.report.terminal_text import escape_controls

    click.echo(escape_controls(text), err=err)


_FORCE_HELP = "Replace --out even when it holds files other than an earlier procure run's outputs (the whole folder is replaced)."

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# ============================================================================================
# procure


@click.group(cls=ProcureGroup, context_settings=CONTEXT_SETTINGS, epilog=EXIT_CODES_HELP)
@click.option(
    "--catalog",
    "catalog_files",
    multiple=True,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra catalog YAML file (keys gpus/nodes/fabric/models), merged over the bundled and "
    "user catalogs; an entry with an existing id overrides only the fields it gives. Repeatable.",
)
@click.option(
    "--no-user-catalog",
    is_flag=True,
    help="Ignore the user catalog ($PROCURE_HOME, else ~/.config/procure).",
)
@click.version_option(__version__, prog_name="procure")
@click.pass_context
def main(ctx: click.Context, catalog_files: tuple[Path, ...], no_user_catalog: bool) -> None:
    """Size GPU purchases for language-model workloads."""
    ctx.obj = Session(catalog_files=tuple(catalog_files), include_user=not no_user_catalog)


# ============================================================================================
# procure catalog …


@main.group(cls=ProcureGroup)
def catalog() -> None:
    """List catalog entries (bundled, user and --catalog files merged)."""


_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")


@catalog.command("gpus")
@click.option("--vendor", help="Only this vendor (e.g. nvidia, amd).")
@click.option("--min-memory", type=SIZE, help="Only GPUs with at least this much memory, e.g. 80GiB or 141GB.")
@_JSON_OPTION
@pass_session
def catalog_gpus(session: Session, vendor: str | None, min_memory: int | None, as_json: bool) -> None:
    """Accelerators: memory, bandwidth, dense throughput, scale-up, price."""
    from solver.report.tables import gpu_table

    gpus = list(session.catalog().gpus.values())
    if vendor:
        chosen = _match_choice("vendor", vendor, (gpu.vendor for gpu in gpus))
        gpus = [gpu for gpu in gpus if gpu.vendor == chosen]
    if min_memory is not None:
        gpus = [gpu for gpu in gpus if gpu.memory >= min_memory]
    _emit_entries(gpus, gpu_table, as_json)


@catalog.command("nodes")
@click.option("--vendor", help="Only this vendor.")
@click.option("--gpu", "gpu_name", metavar="GPU", help="Only nodes that take this GPU (id or alias).")
@_JSON_OPTION
@pass_session
def catalog_nodes(session: Session, vendor: str | None, gpu_name: str | None, as_json: bool) -> None:
    """Servers: GPUs they take, NVLink domain, base price and power."""
    from solver.report.tables import node_table

    cat = session.catalog()
    nodes = cat.nodes_for_gpu(gpu_name) if gpu_name else list(cat.nodes.values())
    if vendor:
        chosen = _match_choice("vendor", vendor, (node.vendor for node in cat.nodes.values()))
        nodes = [node for node in nodes if node.vendor == chosen]
    _emit_entries(nodes, node_table, as_json)


@catalog.command("models")
@click.option("--family", help="Only this model family (e.g. llama-3.1, qwen2.5, deepseek-v3).")
@_JSON_OPTION
@pass_session
def catalog_models(session: Session, family: str | None, as_json: bool) -> None:
    """Model architectures: layers, attention, MoE layout, parameters."""
    from solver.report.tables import model_table

    models = list(session.catalog().models.values())
    if family:
        chosen = _match_choice("model family", family, (model.family for model in models))
        models = [model for model in models if model.family == chosen]
    _emit_entries(models, model_table, as_json)


@catalog.command("fabric")
@click.option("--vendor", help="Only this vendor.")
@click.option(
    "--category",
    type=click.Choice(["nic", "switch", "cable", "storage", "rack", "pdu"], case_sensitive=False),
    help="Only this category.",
)
@_JSON_OPTION
@pass_session
def catalog_fabric(session: Session, vendor: str | None, category: str | None, as_json: bool) -> None:
    """NICs, switches, cables, storage, racks and PDUs."""
    from solver.report.tables import fabric_table

    items = list(session.catalog().fabric.values())
    if vendor:
        chosen = _match_choice("vendor", vendor, (item.vendor for item in items))
        items = [item for item in items if item.vendor == chosen]
    if category:
        items = [item for item in items if item.category == category.lower()]
    _emit_entries(items, fabric_table, as_json)


# ============================================================================================
# procure schema


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one <name>.schema.json per document type into this directory.",
)
@click.option("--force", is_flag=True, help=_FORCE_HELP)
def schema(out: Path | None, force: bool) -> None:
    """JSON Schema of every YAML input (catalog files and the problem file).

    Without --out, prints one JSON object mapping each document type to its schema.
    """
    from solver.catalog.files import document_schemas
    from solver.report.atomic import write_text_atomic

    schemas = document_schemas()
    if out is None:
        click.echo(json.dumps(schemas, indent=2, ensure_ascii=False))
        return
    with _output_dir(out, force) as output:
        written = [write_text_atomic(output.path / f"{name}.schema.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n") for name, document in schemas.items()]
        output.publish()
        for path in written:
            _echo_user(str(output.shown_path(path)))


# ============================================================================================
# procure models …


@main.group(cls=ProcureGroup)
def models() -> None:
    """Manage model architectures in the user catalog."""


@models.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--id", "model_id", metavar="NAME", help="Catalog id (default: the folder name, lowercased).")
@click.option("--replace", is_flag=True, help="Replace a bundled or user model that has this id.")
def models_import(path: Path, model_id: str | None, replace: bool) -> None:
    """Add a model to the user catalog from a Hugging Face config.json (or its folder)."""
    from solver.catalog.hf_import import model_from_config_file
    from solver.catalog.user_models import write_user_model

    spec = model_from_config_file(path, model_id)
    target = write_user_model(spec, replace=replace)
    size = f"{spec.official_params_total / 1e9:,.2f} B parameters"
    if spec.official_params_active is not None:
        size += f", {spec.official_params_active / 1e9:,.2f} B active"
    _echo_user(f"imported model '{spec.id}' ({spec.family}, {size}, computed from config.json) into {target}")


@models.command("list")
@_JSON_OPTION
@pass_session
def models_list(session: Session, as_json: bool) -> None:
    """Every model, marked bundled (ships with procure), user (imported) or catalog file (--catalog)."""
    from solver.catalog.user_models import list_models
    from solver.report.tables import listed_model_table, listed_models_json, print_table

    listed = list_models(session.catalog(), include_user=session.include_user)
    if as_json:
        click.echo(listed_models_json(listed))
    else:
        print_table(listed_model_table(listed))


@models.command("remove")
@click.argument("model_id", metavar="ID")
def models_remove(model_id: str) -> None:
    """Remove an imported model from the user catalog (bundled models cannot be removed)."""
    from solver.catalog.user_models import remove_user_model

    target, bundled_again = remove_user_model(model_id)
    click.echo(f"removed model '{model_id.strip().lower()}' from {target}")
    if bundled_again:
        click.echo(f"note: the bundled model '{model_id.strip().lower()}' is used again", err=True)


# ============================================================================================
# procure calibrate


@main.command()
@click.option("--rows", "show_rows", is_flag=True, help="Also list every measurement with its prediction.")
@click.option("--no-held-out", is_flag=True, help="Skip the leave-one-source-out refits (faster; no held-out error).")
@click.option("--write", "write_to", is_flag=False, flag_value="", default=None, metavar="[DIR]", help="Write the fitted speed_model.yaml (default: the bundled catalogs directory).")
@click.option("--measurements", type=click.Path(dir_okay=False, path_type=Path), help="Another measurement file (default: the bundled measurements.yaml).")
@click.option("--training", is_flag=True, help="Instead: the training MFU calibration, each published training run's GPU-hours predicted from the others (catalogs/training_runs.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_session
def calibrate(session: Session, show_rows: bool, no_held_out: bool, write_to: str | None, measurements: Path | None, training: bool, as_json: bool) -> None:
    """Fit the speed model to published measurements and report its error: predicted vs measured
    for every row, median and p90 error overall and per group, and a leave-one-source-out score.
    With --training, check the training MFU against published training runs instead."""
    if training:
        _calibrate_training(session, as_json)
        return
    import dataclasses
    import datetime as dt

    from solver.calibration.run import calibrate as run_calibration
    from solver.calibration.run import write_speed_model
    from solver.catalog.loader import bundled_catalog_dir
    from solver.report.calibration_view import calibration_json, calibration_view
    from solver.report.tables import print_renderable

    progress = None
    if not as_json and sys.stderr.isatty() and not no_held_out:
        def progress(done: int, total: int) -> None:
            click.echo(f"\rleave-one-source-out refits: {done}/{total}", nl=done == total, err=True)

    result = run_calibration(session.catalog(), held_out=not no_held_out, measurements=measurements, progress=progress)
    written = None
    if write_to is not None:
        written = write_speed_model(result, Path(write_to) if write_to else bundled_catalog_dir(), dt.date.today())
        result = dataclasses.replace(result, stale=False)
    if as_json:
        click.echo(calibration_json(result), nl=False)
    else:
        print_renderable(calibration_view(result, show_rows=show_rows))
    if written is not None:
        click.echo(f"wrote {written}", err=as_json)


def _calibrate_training(session: Session, as_json: bool) -> None:
    from solver.errors import InputError
    from solver.estimator.training_mfu import calibration_checks
    from solver.report.tables import print_renderable
    from solver.report.training_view import calibration_table

    catalog = session.catalog()
    if catalog.training_runs is None:
        raise InputError("the catalog has no training runs (training_runs.yaml)", hint="reinstall procure; the bundled catalogs are incomplete")
    checks = calibration_checks(catalog.training_runs.runs, catalog.gpus)
    if as_json:
        rows = [
            {"run": c.run.id, "gpu": c.run.gpu, "arithmetic": c.run.precision, "published_gpu_hours": c.run.gpu_hours, "run_mfu": round(c.mfu, 4),
             "mfu": round(c.in_sample.mfu, 4), "error": c.error(c.in_sample), "held_out_mfu": None if c.held_out is None else round(c.held_out.mfu, 4),
             "held_out_error": c.error(c.held_out), "held_out_basis": None if c.held_out is None else c.held_out.basis}
            for c in checks
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        print_renderable(calibration_table(checks))


# ============================================================================================
# procure report


@main.command()
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the page here instead of DIR/report.html.")
@pass_session
def report(session: Session, folder: Path, out: Path | None) -> None:
    """One self-contained HTML page from a solve or what-if output folder: the question and the
    answer, workloads, racks, servers, BOM, charts, assumptions and provenance. It needs no
    network, and prints to PDF from any browser. Default: DIR/report.html (listed in DIR's manifest)."""
    from solver.report.report_writer import write_report

    written = write_report(folder, session.catalog(), out)
    _echo_user(f"wrote {written.path if out is not None else Path(folder) / written.path.name}")
    if written.note:
        _echo_user(f"note: {written.note}", err=True)


_REPORT_OPTION = click.option("--report", "with_report", is_flag=True, help="Also write report.html into --out: one self-contained HTML page (as `procure report`).")


def _check_report_option(with_report: bool, out: Path | None) -> None:
    from solver.errors import InputError

    if with_report and out is None:
        raise InputError("--report writes report.html into the output folder: give --out too")


def _write_report_in_run(output: Any, catalog: Any) -> Path:
    from solver.report.report_writer import write_report_in_run

    return write_report_in_run(output.path, output.run, catalog)


# ============================================================================================
# (estimate, fits, solve and whatif are added below this line)


def _deployment_options(command: Any) -> Any:
    """Options shared by `estimate` and `fits`: how the model is deployed."""
    options = [
        click.option("--precision", default="bf16", show_default=True, help="Weight format: bf16, fp16, fp8, int8, int4, awq, gptq-int4, gptq-int8, nf4, q4_k_m, q8_0."),
        click.option("--kv-precision", default="bf16", show_default=True, help="KV-cache precision: bf16, fp16, fp8, int8."),
        click.option("--context", "context_tokens", type=int, default=4096, show_default=True, help="Tokens each sequence holds in the KV cache (prompt + generated); training: sequence length."),
        click.option("--batch", type=int, default=1, show_default=True, help="Sequences at once (inference) or micro-batch per GPU (training)."),
        click.option("--mode", default="inference", show_default=True, help="inference, full (fine-tune), lora or qlora."),
        click.option("--zero", "zero_stage", type=int, default=0, show_default=True, help="ZeRO stage 0-3 over data-parallel GPUs (training)."),
        click.option("--lora-rank", type=int, default=16, show_default=True),
        click.option("--no-checkpointing", is_flag=True, help="Keep all activations (no gradient checkpointing)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _deployment(precision: str, kv_precision: str, context_tokens: int, batch: int, mode: str, tp: int, pp: int, dp: int, zero_stage: int, lora_rank: int, no_checkpointing: bool, ep: int = 1) -> Any:
    from solver.estimator.deployment import MODES, Deployment
    from solver.estimator.formats import KV_FORMAT_BYTES, WEIGHT_FORMATS

    return Deployment(
        precision=_match_choice("precision", precision, WEIGHT_FORMATS),
        kv_precision=_match_choice("KV precision", kv_precision, KV_FORMAT_BYTES),
        context_tokens=context_tokens,
        batch=batch,
        mode=_match_choice("mode", mode, MODES),  # type: ignore[arg-type]
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        zero_stage=zero_stage,
        gradient_checkpointing=not no_checkpointing,
        lora_rank=lora_rank,
    )


# ============================================================================================
# procure estimate


@main.command()
@click.argument("model")
@_deployment_options
@click.option("--tp", type=int, default=1, show_default=True, help="Tensor-parallel degree.")
@click.option("--pp", type=int, default=1, show_default=True, help="Pipeline-parallel degree.")
@click.option("--dp", type=int, default=1, show_default=True, help="Data-parallel degree (training; shards ZeRO states).")
@click.option("--ep", type=int, default=1, show_default=True, help="Expert-parallel degree (MoE inference): experts spread whole over EP GPUs, attention TP-split and replicated EP/TP times.")
@click.option("--gpu", "gpu_name", help="GPU to estimate speed on (decode tokens/s, time to first token), or to budget training on.")
@click.option("--engine", type=click.Choice(["vllm", "sglang", "tensorrt-llm", "llama.cpp", "mlx"], case_sensitive=False), help="Inference engine (default: vLLM on GPUs, llama.cpp or MLX on Apple silicon, llama.cpp on CPUs).")
@click.option("--tokens", metavar="TOKENS", help="Training budget (--mode full|lora|qlora, with --gpu): tokens to train on, e.g. 14.8T, 1.5e12, 500B.")
@click.option("--gpus", type=int, help="GPUs the training job runs on (default TP×PP×DP); sets DP = GPUS / (TP × PP) for the memory estimate.")
@click.option("--usd-per-gpu-hour", type=float, help="Also cost the training budget at this price per GPU-hour (besides the cheapest cloud rental and owning).")
@click.option("--commitment", type=click.Choice(["on-demand", "1y", "3y", "spot"], case_sensitive=False), default="on-demand", show_default=True, help="Cloud price the training budget is rented at.")
@click.option("--mfu", type=float, help="Model FLOPs utilisation for the training budget instead of the one calibrated on published runs.")
@pass_session
def estimate(session: Session, model: str, gpu_name: str | None, engine: str | None, as_json: bool, tokens: str | None, gpus: int | None, usd_per_gpu_hour: float | None, commitment: str, mfu: float | None, **options: Any) -> None:
    """Memory (and with --gpu, speed) of MODEL deployed one way, per GPU and in total; with
    --tokens, a training budget: FLOPs, GPU-hours, wall clock and cost at a calibrated MFU.

    `--mode full --precision fp8` is FP8 mixed-precision training: FP8 matrix multiplications
    with BF16/FP32 master weights and optimizer states (memory as BF16 mixed precision).
    """
    from solver.queries import budget_for, training_split
    from solver.queries import estimate as run_estimate
    from solver.report.tables import print_renderable
    from solver.report.training_view import budget_view
    from solver.report.views import estimate_view

    options, arithmetic = training_split(options, gpus)
    catalog = session.catalog()
    report = run_estimate(catalog, model, _deployment(**options), gpu_name, engine=engine.lower() if engine else None)
    budget = None
    if tokens is not None:
        budget = budget_for(catalog, model, report.memory.deployment, gpu_name, tokens, gpus, arithmetic=arithmetic, usd_per_gpu_hour=usd_per_gpu_hour, commitment=commitment.lower(), mfu=mfu)
    if as_json:
        data = report.as_dict()
        if budget is not None:
            data["training_budget"] = budget.as_dict()
        click.echo(json.dumps(data, indent=2))
    else:
        print_renderable(estimate_view(report))
        if budget is not None:
            print_renderable(budget_view(budget))


# ============================================================================================
# procure fits


@main.command()
@click.argument("model")
@click.option("--gpu", "gpu_name", required=True, help="GPU type.")
@click.option("--count", type=int, default=1, show_default=True, help="Number of GPUs.")
@click.option("--headroom", type=float, default=0.10, show_default=True, help="Share of each GPU's memory kept free.")
@click.option("--engine", type=click.Choice(["vllm", "sglang", "tensorrt-llm", "llama.cpp", "mlx"], case_sensitive=False), help="Inference engine (default as for estimate).")
@_deployment_options
@pass_session
@click.pass_context
def fits(ctx: click.Context, session: Session, model: str, gpu_name: str, count: int, headroom: float, engine: str | None, as_json: bool, **options: Any) -> None:
    """Does MODEL fit on COUNT GPUs, and with which tensor/pipeline split?

    Exit code: 0 when it fits, 1 when it does not (the answer is printed either way), 2 for bad
    input — so scripts can write `procure fits … && deploy`.
    """
    from solver.queries import fits as run_fits
    from solver.report.tables import print_renderable
    from solver.report.views import fit_view

    report = run_fits(session.catalog(), model, _deployment(tp=1, pp=1, dp=1, **options), gpu_name, count, headroom, engine=engine.lower() if engine else None)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        print_renderable(fit_view(report))
    if not report.fits:
        ctx.exit(1)


# ============================================================================================
# procure solve


def _load_problem_and_catalog(session: Session, problem_path: Path, prices: Path | None) -> tuple[Any, Any]:
    from solver.prices import apply_quotes, read_quotes
    from solver.problem_io import load_problem

    catalog = session.catalog()
    if prices is not None:
        catalog = apply_quotes(catalog, read_quotes(prices), prices)
    return load_problem(problem_path, catalog), catalog


@main.command()
@click.argument("problem_path", metavar="PROBLEM", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write bom.csv and plan.json into this directory (replacing an earlier run's outputs there).")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@click.option("--keep-best-on-interrupt", is_flag=True, help="On Ctrl-C or SIGTERM, still write the best plan found so far, labelled INTERRUPTED (exit code 130 all the same).")
@click.option("--objective", type=click.Choice(["cost", "power", "tco", "rent", "hybrid"], case_sensitive=False), help="Override the problem's objective: rent = cloud instances instead of servers, hybrid = owned base load + rented remainder.")
@click.option("--commitment", type=click.Choice(["on-demand", "1y", "3y", "spot"], case_sensitive=False), help="Override rent.commitment: the cloud price renting is compared at or paid.")
@click.option("--budget", metavar="USD", help="Override limits.budget_usd: 250000, 250k, 1.5m, $2,500,000.")
@click.option("--prices", type=click.Path(dir_okay=False, path_type=Path), help="Vendor quote CSV (sku,unit_price_usd) overriding catalog prices.")
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Solver time limit, seconds.")
@click.option("--workers", type=int, default=1, show_default=True, help="CP-SAT workers (more than one interleaves them deterministically).")
@click.option("--jobs", type=int, default=None, help="Processes for estimating the deployment options and for solving the renting comparison beside the purchase (default: one per CPU this process may use; the plan is the same for any number).")
@click.option("--log", "log_search", is_flag=True, help="Log model building and the CP-SAT search to stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print plan.json to stdout instead of tables.")
@_REPORT_OPTION
@pass_session
def solve(session: Session, problem_path: Path, out: Path | None, force: bool, keep_best_on_interrupt: bool, objective: str | None, commitment: str | None, budget: str | None, prices: Path | None, time_limit: float, workers: int, jobs: int | None, log_search: bool, as_json: bool, with_report: bool) -> None:
    """Find the cheapest (or lowest-power, or lowest-TCO) purchase that runs PROBLEM's workloads,
    with its unit economics and what renting the same capacity would cost; or the cheapest rented
    (--objective rent) or part-rented (--objective hybrid) plan.

    Ctrl-C or SIGTERM stops the solve, writes nothing and exits 130 (with
    --keep-best-on-interrupt: writes the best plan so far, labelled INTERRUPTED, and exits 130).
    """
    from solver.errors import InputError
    from solver.model.settings import SolveSettings
    from solver.money import usd_option
    from solver.pipeline import solve_problem
    from solver.processes import default_jobs
    from solver.report.outputs import REPORT_MODULES, WRITING_MODULES, plan_json, write_plan_files
    from solver.report.tables import print_renderable
    from solver.report.views import plan_view

    if log_search:
        import logging

        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    budget_usd = usd_option(budget, what="--budget") if budget is not None else None
    _check_report_option(with_report, out)
    if not 0 < time_limit <= 86_400 or not 1 <= workers <= 1_024:  # `not` also refuses nan
        raise InputError(f"--time-limit must be above 0 and at most 86400 s (a day), --workers 1 to 1024 (got {time_limit:g} and {workers})")
    if jobs is not None and not 1 <= jobs <= 1_024:
        raise InputError(f"--jobs must be 1 to 1024 (got {jobs})")
    problem, catalog = _load_problem_and_catalog(session, problem_path, prices)
    if budget_usd is not None:
        problem = problem.model_copy(update={"limits": problem.limits.model_copy(update={"budget_usd": budget_usd})})
    if commitment is not None:
        problem = problem.model_copy(update={"rent": problem.rent.model_copy(update={"commitment": commitment.lower()})})
    settings = SolveSettings(
        objective=objective.lower() if objective else problem.objective.minimize, time_limit_s=time_limit, workers=workers, log_search=log_search,
        keep_interrupted=keep_best_on_interrupt, precompute_jobs=jobs or default_jobs(),
        preload=(WRITING_MODULES if out is not None else ()) + (REPORT_MODULES if with_report else ()),
    )
    with _output_dir(out, force, [problem_path, prices, *session.catalog_files]) as output:
        result = solve_problem(problem, catalog, settings)
        written = write_plan_files(result.plan, output.path) if output is not None else []
        if with_report:
            written.append(_write_report_in_run(output, catalog))
        if as_json:
            click.echo(plan_json(result.plan), nl=False)
        else:
            print_renderable(plan_view(result.plan))
        if output is not None:
            output.publish()
            _echo_user("wrote " + ", ".join(str(output.shown_path(path)) for path in written), err=as_json)
    if result.interrupted:
        solution = result.solution
        proof = f"{solution.objective} proven optimal, tie-breaks cut short" if solution.status == "OPTIMAL" else f"not proven optimal: gap {solution.gap:.2%}"
        click.echo(f"interrupted: {'wrote' if out is not None else 'showed'} the best plan found so far ({proof})", err=True)
        click.get_current_context().exit(EXIT_INTERRUPTED)


# ============================================================================================
# procure whatif


@main.command()
@click.argument("problem_path", metavar="PROBLEM", type=click.Path(path_type=Path))
@click.option("--budget", "budgets", multiple=True, metavar="USD", help="Maximise demand served under this budget, then minimise the objective (250000, 250k, 1.5m). Repeatable.")
@click.option("--budgets", "budget_ranges", multiple=True, metavar="START:STOP:COUNT", help="COUNT budgets evenly spaced from START to STOP inclusive, e.g. 200k:2m:10. Repeatable.")
@click.option("--objective", "objectives", multiple=True, metavar="cost|power|tco", help="Compare the plans minimising each (full demand unless budgets are given). Repeatable.")
@click.option("--frontier", "frontier_points", type=int, is_flag=False, flag_value=8, default=None, metavar="[N]", help="Cost-versus-power Pareto frontier of the problem as given (its own limits), full demand: N power caps (default 8) between the lowest-power and the cheapest plan.")
@click.option("--vary", "varies", multiple=True, metavar="KNOB=V1,V2", help="Scenario knob: gpus=h100-sxm+h200-sxm,mi300x · precision[:WORKLOAD]=bf16,fp8 · kv_precision[:W]=… · "
              "active_fraction[:W]=0.3,0.4 · context[:W]=8192,32768 · nvlink=true,false · multinode=true,false · electricity=0.08,0.15 · power=60,80 · racks=2,3 · "
              "or a dotted field path (limits.max_nodes=4,8). Repeatable: knobs combine.")
@click.option("--scenario", "named", multiple=True, metavar="NAME", help="A named scenario of the problem file (compared with 'base'). Repeatable.")
@click.option("--scenarios", "all_named", is_flag=True, help="All named scenarios of the problem file.")
@click.option("--demand", default="auto", show_default=True, metavar="auto|served|full", help="served: maximise Σ priority × served share, then the objective; full: serve everything; auto: full when objectives are compared without budgets, else served.")
@click.option("--prices", type=click.Path(dir_okay=False, path_type=Path), help="Vendor quote CSV (sku,unit_price_usd) overriding catalog prices.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write whatif.csv, whatif.json, charts and each scenario's bom.csv/plan.json here (replacing an earlier run's outputs there).")
@click.option("--force", is_flag=True, help=_FORCE_HELP)
@click.option("--jobs", type=int, default=None, help="Worker processes (default: one per CPU this process may use).")
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Solver time limit per scenario, seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print whatif.json to stdout instead of tables (no progress bar).")
@click.option("--backend", default="local", show_default=True, metavar="local|ray", help="local: worker processes; ray: Ray tasks (the procure[ray] extra), same results.")
@click.option("--address", default=None, metavar="ADDR", help="With --backend ray: an existing Ray cluster (default: start a local Ray instance).")
@click.option("--samples", type=int, default=None, metavar="N", help="Monte Carlo: N samples of catalog prices within their published ranges and of demand growth; prints the distribution of capex and served demand, writes montecarlo.csv.")
@click.option("--growth", type=float, default=0.0, show_default=True, help="With --samples: demand grows by a factor drawn uniformly in [1, 1 + GROWTH].")
@click.option("--seed", type=int, default=0, show_default=True, help="With --samples: the seed of the draws.")
@_REPORT_OPTION
@pass_session
def whatif(session: Session, problem_path: Path, budgets: tuple[str, ...], budget_ranges: tuple[str, ...], objectives: tuple[str, ...], frontier_points: int | None, varies: tuple[str, ...], named: tuple[str, ...], all_named: bool, demand: str, prices: Path | None, out: Path | None, force: bool, jobs: int | None, time_limit: float, as_json: bool, backend: str, address: str | None, samples: int | None, growth: float, seed: int, with_report: bool) -> None:
    """What each budget buys, and how plans change with the objective, knobs or named scenarios.

    Ctrl-C or SIGTERM stops every worker, writes nothing and exits 130.
    """
    from solver.errors import InfeasibleError, InputError
    from solver.report.tables import print_renderable
    from solver.verify.checker import PlanRejected
    from solver.report.outputs import REPORT_MODULES
    from solver.whatif.results import WRITING_MODULES as WHATIF_WRITING, whatif_json, whatif_view, write_outputs
    from solver.whatif.run import run_whatif
    from solver.whatif.scenarios import DEMAND_MODES, collect_budgets, plan_scenarios, resolve_named, resolve_objectives
    from solver.processes import default_jobs

    if jobs is not None and jobs < 1:
        raise InputError(f"--jobs must be at least 1 (got {jobs})")
    if not time_limit > 0:
        raise InputError(f"--time-limit must be positive (got {time_limit:g})")
    if frontier_points is not None and frontier_points < 2:
        raise InputError(f"--frontier needs at least 2 points (got {frontier_points})")
    backend = _match_choice("backend", backend, ("local", "ray"))
    if address is not None and backend != "ray":
        raise InputError("--address needs --backend ray")
    if samples is not None:
        _montecarlo(session, problem_path, prices, out, force, samples=samples, growth=growth, seed=seed, jobs=jobs, time_limit=time_limit, backend=backend, address=address)
        return
    _check_report_option(with_report, out)
    demand_mode = _match_choice("demand mode", demand, DEMAND_MODES)
    budget_values = collect_budgets(budgets, budget_ranges)
    objective_values = resolve_objectives(objectives)
    if not (budget_values or objective_values or varies or named or all_named or frontier_points):
        raise InputError("nothing to compare", hint="give --budget/--budgets, --objective, --vary, --scenario/--scenarios or --frontier")
    problem, catalog = _load_problem_and_catalog(session, problem_path, prices)
    named_values = resolve_named(problem, named, all_named)
    scenarios = []
    if budget_values or objective_values or varies or named_values:
        scenarios = plan_scenarios(problem, catalog, budgets=budget_values, objectives=objective_values, varies=varies, named=named_values, demand=demand_mode)
    with _output_dir(out, force, [problem_path, prices, *session.catalog_files]) as output:
        run = run_whatif(
            problem, catalog, scenarios,
            frontier_points=frontier_points,
            jobs=jobs or default_jobs(),
            time_limit_s=time_limit,
            progress=not as_json and sys.stderr.isatty(),
            backend=backend,
            address=address,
            preload=(WHATIF_WRITING if output is not None else ()) + (REPORT_MODULES if with_report else ()),
        )
        rejected = [(s, r) for s, r in zip(run.scenarios, run.results) if r.status == "REJECTED"]
        if rejected:
            raise PlanRejected(f"the independent checker rejected the plan of scenario '{rejected[0][0].name}' (a bug in procure): {rejected[0][1].note}")
        written = write_outputs(run, output.path) if output is not None else []
        if with_report:
            written.append(_write_report_in_run(output, catalog))
        if as_json:
            click.echo(whatif_json(run), nl=False)
        else:
            print_renderable(whatif_view(run))
        if output is not None:
            output.publish()
            top = [path.name for path in written if path.parent == output.path]
            _echo_user(f"wrote {len(written)} files to {output.shown}: {', '.join(top)}, and bom.csv + plan.json in one folder per scenario", err=as_json)
    if not any(r.plan is not None for r in run.results):
        raise InfeasibleError("no scenario has a plan", explanation=[f"{s.name}: {r.status}" + (f" — {r.note}" if r.note else "") for s, r in list(zip(run.scenarios, run.results))[:10]])


def _montecarlo(session: Session, problem_path: Path, prices: Path | None, out: Path | None, force: bool, *, samples: int, growth: float, seed: int, jobs: int | None, time_limit: float, backend: str, address: str | None) -> None:
    """`whatif --samples N`: the Monte Carlo run (solver.whatif.montecarlo)."""
    from solver.errors import InputError
    from solver.report.atomic import write_text_atomic
    from solver.whatif.montecarlo import montecarlo_csv, montecarlo_summary, run_montecarlo
    from solver.processes import default_jobs

    if not 1 <= samples <= 1_000_000:
        raise InputError(f"--samples must be between 1 and 1,000,000 (got {samples})")
    if not 0 <= growth <= 100:
        raise InputError(f"--growth must be between 0 and 100 (got {growth:g})")
    problem, catalog = _load_problem_and_catalog(session, problem_path, prices)
    with _output_dir(out, force, [problem_path, prices, *session.catalog_files]) as output:
        run = run_montecarlo(problem, catalog, samples, growth=growth, seed=seed, jobs=jobs or default_jobs(), time_limit_s=time_limit, backend=backend, address=address)
        for line in montecarlo_summary(run):
            click.echo(line)
        if output is not None:
            write_text_atomic(output.path / "montecarlo.csv", montecarlo_csv(run))
            output.publish()
            _echo_user(f"wrote {output.shown}/montecarlo.csv")


if __name__ == "__main__":  # pragma: no cover
    main(prog_name="procure")
