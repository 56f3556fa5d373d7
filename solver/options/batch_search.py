"""The largest batch that passes a test which passes up to some batch and fails beyond it.

Option generation asks this twice per replica shape: the largest batch whose memory fits the
GPU, and the largest whose per-session speed meets the floor. Each probe is an estimate, so the
search guesses where the test's measured level (bytes, or seconds per token) crosses its
threshold by interpolating between the bracket's ends — memory and step time grow almost
linearly with the batch — and probes the guess and its neighbour towards the answer, which
usually settles it. A guess that does not is followed by a bisection step, so the worst case
stays logarithmic. The guesses only choose which batches to probe: the answer is decided by the
test alone, so it is the answer any exact search, bisection included, gives for such a test.
"""

from __future__ import annotations

from collections.abc import Callable


def largest_passing(low: int, high: int, passes: Callable[[int], bool], level: Callable[[int], float], threshold: float) -> int:
    """The largest batch in [low, high] that `passes`, given that `low` passes and the test
    passes from `low` up to some batch and fails above it. `level(batch)` grows with the batch
    and crosses `threshold` about where the test starts failing (it only steers the probes)."""
    if passes(high):
        return high
    passing, failing = low, high
    interpolate = True
    while failing - passing > 1:
        guess = _interpolated(passing, failing, level, threshold) if interpolate else None
        middle = (passing + failing) // 2 if guess is None else guess
        if passes(middle):
            passing = middle
            neighbour = middle + 1
        else:
            failing = middle
            neighbour = middle - 1
        if guess is not None and passing < neighbour < failing:
            if passes(neighbour):
                passing = neighbour
            else:
                failing = neighbour
        interpolate = guess is None
    return passing


def _interpolated(passing: int, failing: int, level: Callable[[int], float], threshold: float) -> int | None:
    """The batch where the level, linear between the bracket's ends, reaches the threshold
    (strictly inside the bracket), or None when the ends' levels do not bracket it."""
    low_level, high_level = level(passing), level(failing)
    if not low_level <= threshold < high_level:
        return None
    guess = passing + int((threshold - low_level) / (high_level - low_level) * (failing - passing))
    return min(max(guess, passing + 1), failing - 1)
