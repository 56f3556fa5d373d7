"""The rule-of-thumb purchase procure is compared with: one dedicated instance per concurrent
session (or job), each on its own server of the cheapest single GPU type that holds the model at
batch 1, with no packing and no sharing."""

from __future__ import annotations

import math
from dataclasses import dataclass

from solver.model.data import ModelData


@dataclass(frozen=True)
class BaselineLine:
    workload: str
    gpu: str
    node_type: str
    gpus_per_instance: int
    instances: int
    cost_usd: int


@dataclass(frozen=True)
class Baseline:
    lines: list[BaselineLine]

    @property
    def capex_usd(self) -> int:
        return sum(line.cost_usd for line in self.lines)

    @property
    def gpus(self) -> int:
        return sum(line.gpus_per_instance * line.instances for line in self.lines)


def rule_of_thumb(data: ModelData) -> Baseline | None:
    lines = []
    for entry in data.workloads:
        best: BaselineLine | None = None
        for option in entry.options:
            if option.mig_profile or option.nodes:
                continue
            config = data.config(option.config_key)
            if not config.purchasable:
                continue
            gpus = option.gpus
            servers_per_instance = math.ceil(gpus / config.gpu_count)
            cost = gpus * config.gpu_price_usd + servers_per_instance * config.base_price_usd
            instances = entry.required if entry.unit != "tokens/s" else math.ceil(entry.required / max(option.serves, 1))
            candidate = BaselineLine(entry.workload.name, config.gpu.id, config.node.id, gpus, instances, cost * instances)
            if best is None or (candidate.cost_usd, candidate.gpu) < (best.cost_usd, best.gpu):
                best = candidate
        if best is None:
            return None
        lines.append(best)
    return Baseline(lines)
