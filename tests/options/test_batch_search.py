"""The interpolating batch search answers what a bisection answers, whatever its level steers."""

from __future__ import annotations

import math

import pytest

from solver.options.batch_search import largest_passing


def _bisection(low: int, high: int, passes) -> int:
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if passes(middle) else (low, middle - 1)
    return low


LEVELS = {
    "linear": lambda batch: float(batch),
    "convex": lambda batch: float(batch * batch),
    "concave": lambda batch: math.sqrt(batch),
    "flat": lambda batch: 1.0,  # never brackets the threshold: bisection steps only
    "falling": lambda batch: -float(batch),  # steers the wrong way
}


@pytest.mark.parametrize("name", sorted(LEVELS))
@pytest.mark.parametrize("high", [1, 2, 3, 7, 64, 1000])
def test_answer_is_the_bisection_answer(name: str, high: int) -> None:
    level = LEVELS[name]
    for answer in range(1, high + 1):
        passes = lambda batch, answer=answer: batch <= answer  # noqa: E731
        assert largest_passing(1, high, passes, level, level(answer) + 0.5) == _bisection(1, high, passes) == answer


def test_a_linear_level_settles_in_a_few_probes() -> None:
    # Memory and step time grow almost linearly with the batch: the guess and its neighbour
    # bracket the answer, where a bisection over [1, 4096] probes 12 batches.
    probed: list[int] = []

    def passes(batch: int) -> bool:
        probed.append(batch)
        return batch * 3.0 + 10.0 <= 2000.0

    assert largest_passing(1, 4096, passes, lambda batch: batch * 3.0 + 10.0, 2000.0) == 663
    assert len(probed) <= 3


def test_a_misleading_level_costs_at_most_twice_a_bisection() -> None:
    probed: list[int] = []

    def passes(batch: int) -> bool:
        probed.append(batch)
        return batch <= 1234

    # The level says the threshold is crossed right after `low`: every guess is wrong.
    assert largest_passing(1, 4096, passes, lambda batch: 0.0 if batch == 1 else 1e9, 1.0) == 1234
    assert len(probed) <= 2 * math.ceil(math.log2(4096)) + 3
