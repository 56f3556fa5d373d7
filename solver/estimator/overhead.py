"""Runtime memory outside weights, KV cache and activations (constants in specs.assumptions)."""

from __future__ import annotations

from solver.specs.assumptions import Assumptions


def communication_peers(tp: int, pp: int, dp: int) -> int:
    """Peers a rank keeps NCCL buffers for. Ring and tree collectives connect each rank to its two
    neighbours per channel whatever the group size, so a TP or DP group costs at most two peers'
    buffers; pipeline stages talk to the previous and next stage."""
    return min(tp - 1, 2) + min(pp - 1, 2) + (min(dp - 1, 2) if dp > 1 else 0)


def runtime_overhead_bytes(payload_bytes: float, tp: int, pp: int, dp: int, assumptions: Assumptions) -> float:
    """Context + allocator slack on `payload_bytes` + communication buffers, for one GPU."""
    return (
        assumptions.cuda_context
        + assumptions.allocator_overhead_fraction * payload_bytes
        + communication_peers(tp, pp, dp) * assumptions.comm_buffer_per_peer
    )
