"""Runtime memory outside weights, KV cache and activations (constants in specs.assumptions)."""

from __future__ import annotations

from solver.specs.assumptions import Assumptions


def communication_peers(tp: int, pp: int, dp: int) -> int:
    """Peers a rank keeps NCCL buffers for: its TP group, up to two pipeline neighbours, and two
    ring neighbours for data-parallel gradient reduction."""
    return (tp - 1) + min(pp - 1, 2) + (2 if dp > 1 else 0)


def runtime_overhead_bytes(payload_bytes: float, tp: int, pp: int, dp: int, assumptions: Assumptions) -> float:
    """Context + allocator slack on `payload_bytes` + communication buffers, for one GPU."""
    return (
        assumptions.cuda_context
        + assumptions.allocator_overhead_fraction * payload_bytes
        + communication_peers(tp, pp, dp) * assumptions.comm_buffer_per_peer
    )
