"""Read the rack assignment out of solver values: for each configuration, the rack of each server."""

from __future__ import annotations

from solver.model.data import ModelData


def rack_assignment(data: ModelData, values: dict[str, int]) -> dict[str, list[int]]:
    racks: dict[str, list[int]] = {}
    for config in data.configs:
        order: list[int] = []
        for rack in range(data.facility.rack_bins):
            order.extend([rack] * values.get(f"nodes_in_rack[{rack}|{config.key}]", 0))
        racks[config.key] = order
    return racks
