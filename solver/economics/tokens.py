"""Tokens a workload's replicas produce, and how their time divides between prompts and output.

- Interactive: output tokens/s = Σ over replicas of (sessions it serves × the decode speed per
  session the plan counts on); batch replicas serve tokens/s directly (their demand unit).
  Tokens per day = that rate × 86,400 s × economics.utilization (the share of the day the
  capacity is busy).
- Input (prompt) tokens ≈ output tokens × (context − output) / output, the workload's own
  prompt-to-output ratio: an approximation, since real prompts vary request by request.
- Prefill share: under continuous batching each finished request is replaced by a new prompt,
  and its prefill stalls the whole batch (solver.estimator.speed.serving_step_seconds). A
  replica with n sessions decoding at v tok/s each finishes n·v/output requests a second, each
  costing a prefill of about the planned time to first token t: x = n·v·t/output seconds of
  prefill per second of decoding, a share x/(1 + x) of the replica's time. That share of the
  cost is charged to input tokens, the rest to output tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.plan.schema import ReplicaPlan

SECONDS_PER_DAY = 86_400


def served_per_replica(replicas: Sequence[ReplicaPlan], served: float) -> list[float]:
    """Units each replica serves when `served` units fill them in order (each up to its capacity)."""
    left = served
    loads = []
    for replica in replicas:
        load = min(float(replica.serves), max(left, 0.0))
        loads.append(load)
        left -= load
    return loads


def output_tokens_per_s(kind: str, replicas: Sequence[ReplicaPlan], loads: Sequence[float]) -> float:
    """Generated tokens per second at full load: sessions × planned decode speed (interactive),
    or the tokens/s batch replicas serve."""
    if kind == "batch":
        return sum(loads)
    return sum(load * (replica.decode_tokens_per_s or 0.0) for replica, load in zip(replicas, loads))


def input_per_output(context_tokens: int, output_tokens: int) -> float:
    """Prompt tokens per generated token: (context − output) / output."""
    return (context_tokens - output_tokens) / output_tokens


def prefill_share(sessions: float, decode_tokens_per_s: float, ttft_s: float | None, output_tokens: int) -> float:
    """Share of a replica's time spent prefilling new prompts (module docstring); 0 when the
    plan has no first-token time for it (batch work)."""
    if ttft_s is None or sessions <= 0 or decode_tokens_per_s <= 0:
        return 0.0
    stall = sessions * decode_tokens_per_s * ttft_s / output_tokens
    return stall / (1 + stall)


def tokens_per_day(tokens_per_s: float, utilization: float) -> float:
    return tokens_per_s * SECONDS_PER_DAY * utilization
