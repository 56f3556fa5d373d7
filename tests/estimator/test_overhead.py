"""Runtime overhead per GPU (overhead.py) with the documented defaults of specs/assumptions.py:
0.5 GiB CUDA context, 5 % allocator slack on the payload, 128 MiB of NCCL buffers per peer."""

from __future__ import annotations

import pytest

from solver.estimator.overhead import communication_peers, runtime_overhead_bytes
from solver.specs.assumptions import Assumptions
from solver.units import GiB, MiB

DEFAULTS = Assumptions()


def test_defaults() -> None:
    assert int(DEFAULTS.cuda_context) == GiB // 2 == 536_870_912
    assert DEFAULTS.allocator_overhead_fraction == 0.05
    assert int(DEFAULTS.comm_buffer_per_peer) == 128 * MiB == 134_217_728


@pytest.mark.parametrize(
    ("tp", "pp", "dp", "peers"),
    [
        (1, 1, 1, 0),  # a lone GPU talks to nobody
        (2, 1, 1, 1),  # one TP peer
        (8, 1, 1, 2),  # ring/tree: two neighbours per channel, whatever the group size
        (1, 2, 1, 1),  # one pipeline neighbour
        (1, 8, 1, 2),  # at most two pipeline neighbours
        (1, 1, 4, 2),  # two ring neighbours for gradient reduction
        (4, 4, 2, 2 + 2 + 1),
    ],
)
def test_communication_peers(tp: int, pp: int, dp: int, peers: int) -> None:
    assert communication_peers(tp, pp, dp) == peers


def test_runtime_overhead_hand_worked() -> None:
    # Llama-3.1-8B, BF16, 4k context, batch 1, one GPU: payload = weights 16,060,522,496
    # + KV 536,870,912 + activations 503,829,504 = 17,101,222,912 B.
    payload = 16_060_522_496 + 536_870_912 + 503_829_504
    # 536,870,912 + 0.05 × 17,101,222,912 (= 855,061,145.6) + 0 peers = 1,391,932,057.6 B.
    assert runtime_overhead_bytes(payload, 1, 1, 1, DEFAULTS) == pytest.approx(1_391_932_057.6, abs=1e-3)
    # The same payload on a TP8 rank adds 2 ring neighbours × 134,217,728 = 268,435,456 B of NCCL buffers.
    assert runtime_overhead_bytes(payload, 8, 1, 1, DEFAULTS) == pytest.approx(1_391_932_057.6 + 268_435_456, abs=1e-3)


def test_overrides_are_honoured() -> None:
    custom = Assumptions(cuda_context=0, allocator_overhead_fraction=0.0, comm_buffer_per_peer=1)
    assert runtime_overhead_bytes(1e9, 4, 1, 1, custom) == 2
    slack = Assumptions(cuda_context=0, allocator_overhead_fraction=0.1, comm_buffer_per_peer=0)
    assert runtime_overhead_bytes(1e9, 1, 1, 1, slack) == pytest.approx(1e8)


def test_overhead_grows_with_payload() -> None:
    assert runtime_overhead_bytes(2e9, 2, 1, 1, DEFAULTS) - runtime_overhead_bytes(1e9, 2, 1, 1, DEFAULTS) == pytest.approx(0.05e9)
