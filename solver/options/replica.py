"""Memory, speed and sessions of one workload variant's replicas, estimated once per replica
shape and shared by every node configuration that can host it.

A node configuration is a chassis around a GPU type, and several chassis carry the same GPU. A
replica's estimates depend on its split, batch and device (GPU or MIG slice, and its link), the
engine, and whether pipeline stages cross nodes — never on the chassis. Memory depends on the
deployment alone, and so does the work of a decode step (only its duration depends on the
device). Cache keys are tuples of small ints and strings: hashing a Deployment dataclass or a
pydantic spec on every lookup cost about as much as the arithmetic it saved.
"""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from solver.estimator.bands import Setting, planning_ratio_never_rises
from solver.estimator.deployment import Deployment
from solver.estimator.estimates import DecodeEstimate, Performance, TtftEstimate, estimate_decode, estimate_ttft
from solver.estimator.memory import MemoryParts, per_gpu_memory
from solver.estimator.speed import Device
from solver.estimator.work import StepWork, decode_work
from solver.options.batch_search import largest_passing
from solver.specs.assumptions import Assumptions
from solver.specs.model import ModelSpec


class Split(NamedTuple):
    """How a replica is split; with the batch, it fixes the Deployment of a workload variant."""

    tp: int
    pp: int
    ep: int = 1
    dp: int = 1
    zero_stage: int = 0


def device_key(device: Device) -> tuple[str, str | None, str]:
    """What distinguishes devices a replica's speed depends on (a whole GPU's memory, bandwidth
    and compute follow from its id; a MIG slice's from its profile)."""
    return (device.gpu.id, device.mig_profile, device.link)


class ReplicaEstimates:
    """Cached estimates for replicas of one (workload, precision, KV precision) variant."""

    def __init__(self, model: ModelSpec, base: Deployment, assumptions: Assumptions, performance: Performance):
        self.model = model
        self.base = base
        self.assumptions = assumptions
        self.performance = performance
        self._deployments: dict[tuple[Split, int], Deployment] = {}
        self._memory: dict[tuple[Split, int], MemoryParts] = {}
        self._work: dict[tuple[Split, int], StepWork] = {}
        self._decode: dict[tuple, DecodeEstimate] = {}
        self._ttft: dict[tuple, TtftEstimate] = {}
        self._batch_limit: dict[tuple[Split, float, int], int] = {}
        self._sessions: dict[tuple, int] = {}
        self._monotone: dict[tuple[str, str | None, str], bool] = {}

    def deployment(self, split: Split, batch: int) -> Deployment:
        key = (split, batch)
        found = self._deployments.get(key)
        if found is None:
            found = self._deployments[key] = replace(self.base, tp=split.tp, pp=split.pp, ep=split.ep, dp=split.dp, zero_stage=split.zero_stage, batch=batch)
        return found

    def memory(self, split: Split, batch: int) -> MemoryParts:
        """Memory of the most loaded GPU (``.total`` bytes)."""
        key = (split, batch)
        found = self._memory.get(key)
        if found is None:
            found = self._memory[key] = per_gpu_memory(self.model, self.deployment(split, batch), self.assumptions)
        return found

    def decode(self, split: Split, batch: int, device: Device, engine: str, inter_node: bool) -> DecodeEstimate:
        key = (split, batch, *device_key(device), engine, inter_node)
        found = self._decode.get(key)
        if found is None:
            work_key = (split, batch)
            work = self._work.get(work_key)
            if work is None:
                work = self._work[work_key] = decode_work(self.model, self.deployment(split, batch))
            found = self._decode[key] = estimate_decode(
                self.model, self.deployment(split, batch), device, engine, self.performance.speed_model, self.assumptions.speed_confidence,
                inter_node_stages=inter_node, work=work,
            )
        return found

    def ttft(self, split: Split, device: Device, engine: str, inter_node: bool, prompt_tokens: int) -> TtftEstimate:
        """Time to first token of one prompt on an idle replica (batch 1)."""
        key = (split, *device_key(device), engine, inter_node, prompt_tokens)
        found = self._ttft.get(key)
        if found is None:
            found = self._ttft[key] = estimate_ttft(
                self.model, self.deployment(split, 1), device, prompt_tokens, engine, self.performance.speed_model, self.assumptions.speed_confidence, inter_node_stages=inter_node
            )
        return found

    def batch_limit(self, split: Split, usable: float, cap: int) -> int:
        """Largest batch up to `cap` whose memory per GPU fits in `usable` bytes (0: none).

        Memory grows with the batch (KV cache, logits, prefill chunk and the allocator's share of
        them), so a search finds the limit, once per usable size: chassis with the same GPU, and
        the link variants of one GPU, share it."""
        key = (split, usable, cap)
        found = self._batch_limit.get(key)
        if found is None:
            def level(batch: int) -> float:
                return self.memory(split, batch).total

            found = 0 if level(1) > usable else largest_passing(1, cap, lambda batch: level(batch) <= usable, level, usable)
            self._batch_limit[key] = found
        return found

    def max_sessions(self, split: Split, device: Device, engine: str, inter_node: bool, usable: float, cap: int, floor: float | None) -> int:
        """Largest batch up to `cap` meeting memory and the per-session decode floor (0: none):
        what a bisection over [1, cap] on "memory fits and speed meets the floor" answers.

        Memory is read off `batch_limit`, and speed estimated only within it. Per-session speed
        falls as the batch grows (every term of a step grows with it) unless the calibration band
        rises with the batch; then the test is monotone and any exact search gives the
        bisection's answer, so a few interpolated probes do. Otherwise the bisection itself runs,
        probing what it always probed."""
        key = (split, *device_key(device), engine, inter_node, usable, cap, floor)
        found = self._sessions.get(key)
        if found is not None:
            return found
        limit = self.batch_limit(split, usable, cap)

        def speed(batch: int) -> float:
            return self.decode(split, batch, device, engine, inter_node).planning

        if floor is None:
            found = limit
        elif limit == 0 or speed(1) < floor:
            found = 0
        elif self._speed_falls_with_batch(device):
            found = largest_passing(1, limit, lambda batch: speed(batch) >= floor, lambda batch: 1 / speed(batch), 1 / floor)
        else:
            low, high = 1, cap
            while low < high:
                middle = (low + high + 1) // 2
                if middle <= limit and speed(middle) >= floor:
                    low = middle
                else:
                    high = middle - 1
            found = low
        self._sessions[key] = found
        return found

    def _speed_falls_with_batch(self, device: Device) -> bool:
        key = device_key(device)
        found = self._monotone.get(key)
        if found is None:
            setting = Setting(self.model, self.base.precision, device.gpu, 1, device.link)
            found = self._monotone[key] = planning_ratio_never_rises(self.performance.speed_model, setting, self.assumptions.speed_confidence)
        return found


class SharedEstimates:
    """ReplicaEstimates per (model, base deployment) for one problem: workloads that deploy the
    same model in the same formats and context (a chat and a batch job of one model, say) share
    every estimate, as the speed floors and demand they differ in are applied after estimating."""

    def __init__(self, assumptions: Assumptions, performance: Performance):
        self.assumptions = assumptions
        self.performance = performance
        self._by_variant: dict[tuple[str, Deployment], ReplicaEstimates] = {}

    def of(self, model: ModelSpec, base: Deployment) -> ReplicaEstimates:
        key = (model.id, base)
        found = self._by_variant.get(key)
        if found is None:
            found = self._by_variant[key] = ReplicaEstimates(model, base, self.assumptions, self.performance)
        return found
