"""Cloud GPU instances one can rent instead of buying servers (catalogs/cloud.yaml).

Prices are USD per *instance*-hour (all of its GPUs), Linux, list price, excluding storage,
egress and taxes, as the providers publish them. Each entry states where its price comes from
(`source`), the date the price held (`price_date`, null when the snapshot is undated, with
`price_date_note` saying what bounds it) and a confidence tag in `confidence`
([V] vendor page, [3P] third party or aggregator, [D] derived, [U] unverified).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ByteSize, Field, model_validator

from solver.specs.common import CatalogEntry, StrictModel
from solver.specs.fields import Line, Lowercase, Paragraph
from solver.specs.hardware import MAX_GPUS_PER_NODE, MAX_MEMORY_BYTES, MAX_STORAGE_BYTES

Commitment = Literal["on-demand", "1y", "3y", "spot"]
"""How capacity is rented: on demand, a 1- or 3-year commitment (effective hourly rate, no
upfront payment), or interruptible spot capacity."""
COMMITMENTS: tuple[Commitment, ...] = ("on-demand", "1y", "3y", "spot")

MAX_USD_PER_HOUR = 100_000.0
"""Per instance-hour: ~700× the dearest 8-GPU instance listed (p6-b300 at $142/h)."""


class CloudInstance(CatalogEntry):
    provider: Annotated[str, Lowercase, Field(pattern=r"^[a-z0-9-]+$", max_length=50, description="Provider, lowercase: aws, gcp, azure, oci, lambda, nebius, runpod, ...")]
    instance_type: Line = Field(description="The provider's name for the instance (or pod shape).")
    gpu: Line = Field(description="GPU id from the GPU catalog (gpus.yaml): the estimator plans replicas on it.")
    gpus: int = Field(ge=1, le=MAX_GPUS_PER_NODE, description="GPUs in one instance (whole instances are rented).")
    scaleup_domain: int = Field(
        default=1, ge=1, le=MAX_GPUS_PER_NODE,
        description="GPUs per NVLink/Infinity-Fabric domain inside the instance: 8 for HGX/OAM-class 8-GPU instances, 1 for PCIe cards without bridges and 1-GPU instances.",
    )
    region: Line = Field(default="", description="Region the price was read for.")
    host_ram: ByteSize = Field(default=ByteSize(0), ge=0, le=MAX_MEMORY_BYTES, description="Instance memory; 0 when not published (then the host-RAM check is skipped).")
    storage: ByteSize = Field(default=ByteSize(0), ge=0, le=MAX_STORAGE_BYTES, description="Local NVMe included in the price; 0 when none or not published.")
    on_demand_usd_per_hour: float | None = Field(default=None, gt=0, le=MAX_USD_PER_HOUR, description="On-demand price per instance-hour, USD.")
    commit_1y_usd_per_hour: float | None = Field(default=None, gt=0, le=MAX_USD_PER_HOUR, description="Effective hourly price under a 1-year commitment (no upfront), USD.")
    commit_3y_usd_per_hour: float | None = Field(default=None, gt=0, le=MAX_USD_PER_HOUR, description="Effective hourly price under a 3-year commitment (no upfront), USD.")
    spot_usd_per_hour: float | None = Field(default=None, gt=0, le=MAX_USD_PER_HOUR, description="Spot/preemptible price per instance-hour, USD (interruptible).")
    price_date: dt.date | None = Field(default=None, description="Date the price held; null for an undated snapshot (see price_date_note).")
    price_date_note: Paragraph = Field(default="", description="What bounds the date of an undated price, or how the date was read.")
    confidence: Annotated[str, Field(pattern=r"^\[[A-Z0-9/ ]+\]$", max_length=20)] = Field(description="Confidence tag: [V], [R], [3P], [D], [U] or a combination such as [3P/D].")

    @model_validator(mode="after")
    def _priced(self) -> "CloudInstance":
        if all(price is None for price in (self.on_demand_usd_per_hour, self.commit_1y_usd_per_hour, self.commit_3y_usd_per_hour, self.spot_usd_per_hour)):
            raise ValueError("an instance needs at least one price (on_demand/commit_1y/commit_3y/spot_usd_per_hour)")
        if self.gpus % self.scaleup_domain:
            raise ValueError(f"scaleup_domain {self.scaleup_domain} must divide gpus {self.gpus}")
        return self

    def usd_per_hour(self, commitment: Commitment) -> float | None:
        """The published price for a commitment (None when the provider publishes none)."""
        return {
            "on-demand": self.on_demand_usd_per_hour,
            "1y": self.commit_1y_usd_per_hour,
            "3y": self.commit_3y_usd_per_hour,
            "spot": self.spot_usd_per_hour,
        }[commitment]


class CloudCatalogFile(StrictModel):
    """cloud.yaml: rentable GPU instances with dated, sourced prices."""

    sources: tuple[Paragraph, ...] = Field(default=(), description="Source strings the entries share (YAML anchors); informational.")
    instances: tuple[CloudInstance, ...] = Field(default=(), description="Rentable GPU instances.")

    @model_validator(mode="after")
    def _unique_ids(self) -> "CloudCatalogFile":
        ids = [instance.id for instance in self.instances]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"instance ids must be unique; repeated: {', '.join(repeated)}")
        return self
