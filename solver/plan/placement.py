"""Place replicas on concrete servers and GPU indices.

Whole-node replicas take fabric-connected servers first; replicas of redundant workloads then
take servers of their own (non-fabric first, from the racks the model chose), dealt round-robin so
no server holds more than the model's per-server count; the other in-node replicas follow, widest
first, each at the first offset that is a multiple of its width (buddy allocation, which the
packing constraint proves always succeeds); MIG GPUs are width-one items whose slices are then
handed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.errors import ProcureError
from solver.options.configs import NodeConfig
from solver.options.generate import DeploymentOption


@dataclass
class ServerSlots:
    id: str
    config: NodeConfig
    owned: bool
    fabric: bool
    rack: int | None
    free: list[bool] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.free = [True] * self.config.gpu_count

    def take_aligned(self, width: int) -> list[int] | None:
        for offset in range(0, self.config.gpu_count - width + 1, width):
            if all(self.free[offset : offset + width]):
                for index in range(offset, offset + width):
                    self.free[index] = False
                return list(range(offset, offset + width))
        return None


@dataclass(frozen=True)
class PlacedReplica:
    option: DeploymentOption
    placement: list[tuple[str, list[int], int | None]]
    """(server id, GPU indices, MIG slice index)."""


class PlacementError(ProcureError):
    """The solver's counts could not be placed: a bug, reported rather than hidden."""

    exit_code = 70


@dataclass(frozen=True)
class Dedicated:
    """Replicas of one option on servers of their own (a redundant workload)."""

    option: DeploymentOption
    replicas: int
    servers: int
    per_server: int
    per_rack: dict[int, int] | None = None
    """Dedicated servers per rack, when the failure domain is the rack."""


def _place_dedicated(servers: list[ServerSlots], group: Dedicated) -> list[PlacedReplica]:
    empty = [s for s in servers if all(s.free)]
    # Non-fabric servers first: fabric ones are bought for replicas that span servers.
    empty.sort(key=lambda s: s.fabric)
    if group.per_rack is not None:
        chosen = []
        for rack, count in sorted(group.per_rack.items()):
            here = [s for s in empty if s.rack == rack][:count]
            if len(here) < count:
                raise PlacementError(f"cannot give {group.option.workload} {count} servers of its own in rack {rack}")
            chosen.extend(here)
        chosen.extend([s for s in empty if s.rack is None][: group.servers - len(chosen)])
    else:
        chosen = empty[: group.servers]
    if len(chosen) < group.servers:
        raise PlacementError(f"cannot give {group.option.workload} {group.servers} servers of its own")
    placed = []
    for index in range(group.replicas):
        server = chosen[index % len(chosen)]
        gpus = server.take_aligned(group.option.gpus)
        if gpus is None or index // len(chosen) >= group.per_server:
            raise PlacementError(f"cannot place replica {index + 1} of {group.option.workload} on its own servers")
        placed.append(PlacedReplica(group.option, [(server.id, gpus, None)]))
    return placed


def place_config(
    servers: list[ServerSlots], items: list[tuple[DeploymentOption, int]], mig_gpus: dict[str, int], dedicated: list[Dedicated] = ()  # type: ignore[assignment]
) -> list[PlacedReplica]:
    """Place `count` replicas of each option (all of one configuration) on `servers`; options in
    `dedicated` get servers of their own."""
    placed: list[PlacedReplica] = []
    own = {id(group.option) for group in dedicated}
    fabric_servers = [s for s in servers if s.fabric]
    spanning = [(o, n) for o, n in items if o.nodes]
    for option, count in spanning:
        for _ in range(count):
            chosen = [s for s in fabric_servers if all(s.free)][: option.nodes]
            if len(chosen) < option.nodes:
                raise PlacementError(f"cannot place {option.workload} across {option.nodes} fabric servers")
            placement = []
            for server in chosen:
                placement.append((server.id, server.take_aligned(server.config.gpu_count) or [], None))
            placed.append(PlacedReplica(option, placement))
    for group in dedicated:
        placed.extend(_place_dedicated(servers, group))
    width_items: list[tuple[int, str, DeploymentOption | None, int]] = []
    for option, count in items:
        if not option.nodes and not option.mig_profile and id(option) not in own:
            width_items.append((option.gpus, option.workload, option, count))
    for profile, count in sorted(mig_gpus.items()):
        width_items.append((1, f"~mig:{profile}", None, count))
    width_items.sort(key=lambda item: (-item[0], item[1], item[2].label if item[2] else ""))
    mig_devices: dict[str, list[tuple[str, int]]] = {}
    for width, label, option, count in width_items:
        # GPUs are only ever taken, so a server without room for this width keeps having none:
        # each search starts at the first server that might (first fit, in linear time).
        first = 0
        for _ in range(count):
            gpus = None
            server = None
            while first < len(servers):
                server = servers[first]
                gpus = server.take_aligned(width)
                if gpus is not None:
                    break
                first += 1
            if gpus is None or server is None:
                where = servers[0].config.key if servers else "no servers"
                raise PlacementError(f"cannot place a {width}-GPU replica of {label} on {where}")
            if option is None:
                mig_devices.setdefault(label.removeprefix("~mig:"), []).append((server.id, gpus[0]))
            else:
                placed.append(PlacedReplica(option, [(server.id, gpus, None)]))
    for option, count in items:
        if not option.mig_profile:
            continue
        devices = mig_devices.get(option.mig_profile, [])
        used = sum(1 for p in placed if p.option.mig_profile == option.mig_profile and p.option.config_key == option.config_key)
        for index in range(used, used + count):
            device, slice_index = divmod(index, option.slices_per_gpu)
            if device >= len(devices):
                raise PlacementError(f"not enough MIG {option.mig_profile} slices for {option.workload}")
            server_id, gpu_index = devices[device]
            placed.append(PlacedReplica(option, [(server_id, [gpu_index], slice_index)]))
    return placed
