"""Which inference engine runs a deployment: the first of the problem's engines (or the matrix's
defaults for the device kind) that supports the weight and KV formats on the device's
architecture, and the split it needs. None when no engine can: such options are never generated."""

from __future__ import annotations

from collections.abc import Sequence

from solver.specs.engines import EngineMatrix
from solver.specs.hardware import GpuSpec


def candidate_engines(matrix: EngineMatrix, preferred: Sequence[str] | None, gpu: GpuSpec) -> tuple[str, ...]:
    """The engines to try on `gpu`, in order: the problem's, else the defaults for its kind."""
    if preferred:
        return tuple(preferred)
    return matrix.default_engines.get(gpu.kind, ())


def choose_engine(matrix: EngineMatrix, preferred: Sequence[str] | None, gpu: GpuSpec, weight_format: str, kv_format: str | None, *, tp: int = 1, ep: int = 1) -> str | None:
    """The first candidate engine that runs `weight_format` (and `kv_format`, unless None for
    training) on `gpu` with the requested tensor/expert split."""
    for engine_id in candidate_engines(matrix, preferred, gpu):
        engine = matrix.engine(engine_id)
        if not engine.runs(gpu.architecture, weight_format, kv_format):
            continue
        if tp > 1 and not engine.splits(gpu.architecture, "tp"):
            continue
        if ep > 1 and not engine.splits(gpu.architecture, "ep"):
            continue
        return engine_id
    return None


def unsupported_reason(matrix: EngineMatrix, preferred: Sequence[str] | None, gpu: GpuSpec, weight_format: str, kv_format: str | None) -> str:
    """Why no candidate engine runs this combination, and which engines would."""
    candidates = candidate_engines(matrix, preferred, gpu)
    tried = ", ".join(candidates) or "no engine"
    others = [e.id for e in matrix.engines if e.id not in candidates and e.runs(gpu.architecture, weight_format, kv_format)]
    formats = sorted({f for engine_id in candidates for row in matrix.engine(engine_id).support if gpu.architecture in row.architectures for f in row.counted_weight_formats()})
    kv = f" with a {kv_format} KV cache" if kv_format else ""
    text = f"{tried} cannot run {weight_format} weights{kv} on {gpu.id} ({gpu.architecture})"
    if formats:
        text += f"; there {'it runs' if len(candidates) == 1 else 'they run'}: {', '.join(formats)}"
    if others:
        text += f"; {', '.join(others)} would (name it under engines:)"
    return text
