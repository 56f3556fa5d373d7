"""Read the rack assignment out of solver values: for each configuration, the rack of each
server and whether it joins the fabric (fabric servers first within each rack)."""

from __future__ import annotations

from solver.model.data import ModelData


def rack_assignment(data: ModelData, values: dict[str, int]) -> dict[str, list[tuple[int, bool]]]:
    racks: dict[str, list[tuple[int, bool]]] = {}
    for config in data.configs:
        order: list[tuple[int, bool]] = []
        for rack in range(data.facility.rack_bins):
            count = values.get(f"nodes_in_rack[{rack}|{config.key}]", 0)
            joined = values.get(f"fabric_nodes_in_rack[{rack}|{config.key}]", 0)
            order.extend((rack, index < joined) for index in range(count))
        racks[config.key] = order
    return racks
