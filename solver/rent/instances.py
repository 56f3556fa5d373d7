"""Cloud instances as node configurations, so the same options, packing and verifier apply.

An instance of N GPUs hosts replicas of at most N GPUs of its type, like a node; its NVLink
domain is the instance's (HGX-class 8-GPU instances: 8). It has no purchase price, power, rack
or PDU in the machine room: its "price" in the model is the monthly rent, and a rented replica
never spans instances (cloud networking between instances is not modelled, so a plan that needs
a multi-node replica cannot be rented).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from solver.catalog import Catalog
from solver.errors import InputError, UnknownNameError
from solver.options.configs import NodeConfig, gpu_names
from solver.rent.prices import RentalPrice, monthly_usd, rental_price
from solver.specs.cloud import CloudInstance
from solver.specs.hardware import GpuSpec, Lifecycle, NodeSpec
from solver.specs.problem import Problem

NODE_KIND_BY_FORM_FACTOR = {"sxm": "hgx-baseboard", "superchip": "hgx-baseboard", "oam": "oam-baseboard"}
"""Node kind a rented instance is described as (any other form factor: a PCIe server). Never
'rack-scale': that kind ships its own rack, which the capex objective credits."""


@dataclass(frozen=True, kw_only=True)
class RentedConfig(NodeConfig):
    """A cloud instance type as a node configuration: price = monthly rent, no power."""

    instance: CloudInstance
    price: RentalPrice
    monthly: int
    """Whole dollars a month, the integer the model minimises."""

    @property
    def rented(self) -> bool:
        return True

    @property
    def price_usd(self) -> int:
        return self.monthly

    @property
    def power_w(self) -> int:
        return 0


def instance_node(instance: CloudInstance, gpu: GpuSpec) -> NodeSpec:
    """The instance described as a node: its GPUs, NVLink domain and host memory; nothing to buy,
    power or rack."""
    return NodeSpec(
        id=instance.id,
        name=instance.name,
        source=instance.source,
        as_of=instance.as_of,
        notes=instance.notes,
        vendor=instance.provider,
        kind=NODE_KIND_BY_FORM_FACTOR.get(gpu.form_factor, "pcie-server"),
        gpus=(gpu.id,),
        gpu_count=instance.gpus,
        nvlink_domain=instance.scaleup_domain,
        base_price_usd=0,
        base_power_w=0,
        rack_units=1,
        host_ram=instance.host_ram,
        storage=instance.storage,
        fabric_nics=0,
        rack_mounted=False,
        price_source=instance.source,
        # Renting is a service, not a purchase: the part's sales status does not limit it.
        lifecycle=Lifecycle(availability="shipping", since=str(instance.as_of), source=instance.source),
    )


def _allowed(name: str, allowed: Collection[str] | None, excluded: Collection[str]) -> bool:
    return (allowed is None or name in allowed) and name not in excluded


def rentable_instances(catalog: Catalog, problem: Problem) -> list[CloudInstance]:
    """Instances the problem's provider and GPU limits allow, sorted by id."""
    if catalog.cloud is None:
        raise InputError("the catalog has no cloud price list (cloud.yaml)", hint="reinstall procure; the bundled catalogs are incomplete")
    rent, limits = problem.rent, problem.limits
    known = sorted({instance.provider for instance in catalog.cloud.instances})
    for field, names in (("providers", rent.providers or []), ("excluded_providers", rent.excluded_providers)):
        for name in names:
            if name not in known:
                raise UnknownNameError(f"cloud provider (rent.{field})", name, known)
    allowed_gpus = None if limits.allowed_gpus is None else gpu_names(catalog, limits.allowed_gpus)
    excluded_gpus = gpu_names(catalog, limits.excluded_gpus)
    vendors_allowed = None if limits.allowed_vendors is None else {v.lower() for v in limits.allowed_vendors}
    vendors_excluded = {v.lower() for v in limits.excluded_vendors}
    chosen = []
    for instance in catalog.cloud.instances:
        gpu = catalog.gpu(instance.gpu)
        if (
            _allowed(instance.provider, rent.providers, rent.excluded_providers)
            and _allowed(gpu.id, allowed_gpus, excluded_gpus)
            and _allowed(gpu.vendor, vendors_allowed, vendors_excluded)
        ):
            chosen.append(instance)
    return sorted(chosen, key=lambda i: i.id)


def rented_configs(catalog: Catalog, problem: Problem, share_of_day: float = 1.0) -> list[RentedConfig]:
    """Every rentable instance as a configuration priced at its monthly rent (billed
    `share_of_day` of each day), sorted by key."""
    configs = []
    for instance in rentable_instances(catalog, problem):
        gpu = catalog.gpu(instance.gpu)
        price = rental_price(instance, problem.rent.commitment)
        if price is None:
            continue
        monthly = monthly_usd(price.usd_per_hour, problem.rent.hours_per_month, share_of_day)
        configs.append(RentedConfig(instance_node(instance, gpu), gpu, 0, True, instance=instance, price=price, monthly=monthly))
    return sorted(configs, key=lambda c: c.key)
