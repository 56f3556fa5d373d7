"""Token rates of replicas and the prefill share of their time."""

from __future__ import annotations

import pytest

from solver.economics.tokens import input_per_output, output_tokens_per_s, prefill_share, served_per_replica, tokens_per_day
from tests.economics.test_allocation import replica


def test_served_units_fill_replicas_in_order():
    replicas = [replica("w", "a", [0]), replica("w", "a", [1])]
    for r in replicas:
        r.serves = 4
    assert served_per_replica(replicas, 6) == [4.0, 2.0]
    assert served_per_replica(replicas, 9) == [4.0, 4.0]


def test_interactive_rate_is_sessions_times_planned_speed_batch_is_served_tokens():
    replicas = [replica("w", "a", [0]), replica("w", "a", [1])]
    replicas[1].decode_tokens_per_s = 20.0
    assert output_tokens_per_s("interactive", replicas, [3, 1]) == 3 * 10 + 1 * 20
    assert output_tokens_per_s("batch", replicas, [300, 100]) == 400


def test_tokens_per_day_scale_with_utilisation():
    assert tokens_per_day(10.0, 1.0) == 864_000
    assert tokens_per_day(10.0, 0.25) == 216_000


def test_prompt_to_output_ratio():
    assert input_per_output(8192, 512) == 15


def test_prefill_share_from_the_continuous_batching_stall():
    # 4 sessions at 20 tok/s finish 4·20/500 = 0.16 requests a second; each prefill takes 2 s:
    # 0.32 s of prefill per second of decoding, a share 0.32/1.32 of the time.
    assert prefill_share(4, 20.0, 2.0, 500) == pytest.approx(0.32 / 1.32)
    assert prefill_share(4, 20.0, None, 500) == 0.0
    assert prefill_share(0, 20.0, 2.0, 500) == 0.0
