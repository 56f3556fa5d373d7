"""Hardware catalog schemas: accelerators, the servers that hold them, and fabric/facility items.

Conventions (see catalogs/README.md): memory is what the device exposes to software; bandwidths
are decimal GB/s; throughput is *dense* (datasheets quoting 2:4 sparsity are halved); scale-up
link bandwidth is bidirectional per GPU as vendors quote it; prices are indicative USD.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ByteSize, Field, model_validator

from solver.specs.common import CatalogEntry, StrictModel
from solver.specs.fields import Line, Lowercase, Paragraph, usd

Vendor = Annotated[str, Lowercase, Field(pattern=r"^[a-z0-9-]+$", max_length=50, description="Vendor name (stored lowercase), e.g. 'nvidia', 'amd', 'supermicro'.")]

# Bounds: generous beyond today's hardware, and small enough that prices × counts in cents and
# powers × counts in watts stay inside the solver's 64-bit integers.
MAX_MEMORY_BYTES = 10**14
"""100 TB per device or host (today's largest: 512 GB unified memory, a few TB of host RAM)."""
MAX_STORAGE_BYTES = 10**16
"""10 PB per node or storage item."""
MAX_PRICE_USD = 1e9
"""Per unit: ~300× the dearest rack-scale system; with demand ≤ 1e6 units the capex in cents
stays below 2^63."""
MAX_POWER_W = 1_000_000
"""Per unit: a megawatt, ~8× a liquid-cooled NVL72 rack."""
MAX_RATE = 1e6
"""GB/s or TFLOPS per device: ~100× today's fastest."""
MAX_GPUS_PER_NODE = 1024
MAX_RACK_UNITS = 60

Architecture = Literal[
    "ampere", "ada", "hopper", "blackwell", "blackwell-consumer", "cdna2", "cdna3", "gaudi3", "ascend", "apple-silicon", "x86-cpu", "x86-cpu-amx"
]
"""Instruction-set generation an engine's kernels target: the engine support matrix (catalogs/engines.yaml) is keyed by it."""
MemoryType = Literal["hbm", "gddr", "lpddr", "ddr"]


Availability = Literal["shipping", "end-of-life", "used-market-only", "restricted"]


class Lifecycle(StrictModel):
    """Whether the part can be bought new, and since when."""

    availability: Annotated[Availability, Lowercase] = Field(
        description="shipping (orderable new), end-of-life (production ended; remaining stock), used-market-only, or restricted (export-controlled: no legitimate channel for most buyers).",
    )
    since: Paragraph = Field(description="When the status began, as the source dates it.")
    source: Paragraph = Field(min_length=3, description="Where the status comes from.")


def _check_price_range(low: float | None, mid: float, high: float | None) -> None:
    if low is not None and high is not None and not low <= mid <= high:
        raise ValueError(f"price_low_usd {low:g} ≤ price {mid:g} ≤ price_high_usd {high:g} must hold")


class ServerConfiguration(StrictModel):
    """How the chassis is configured in a quote (one line each on the purchase order)."""

    cpus: Paragraph | None = None
    memory: Paragraph | None = None
    boot_drive: Paragraph | None = None
    data_nvme: Paragraph | None = None
    frontend_nics: Paragraph | None = None
    management: Paragraph | None = None
    psu: Paragraph | None = None
    rails: Paragraph | None = None


class MigProfile(StrictModel):
    """One homogeneous hardware partition of a GPU (NVIDIA MIG)."""

    name: Line = Field(description="Profile name as nvidia-smi prints it, e.g. '1g.10gb'.")
    memory: ByteSize = Field(gt=0, le=MAX_MEMORY_BYTES, description="Memory of one instance, as exposed.")
    compute_slices: int = Field(ge=1, le=7, description="Compute slices (GPCs) given to one instance.")
    memory_slices: int = Field(ge=1, le=8, description="Memory slices given to one instance; sets its share of bandwidth.")
    instances_per_gpu: int = Field(ge=1, le=7, description="Instances when the whole GPU uses this profile.")
    total_compute_slices: int = Field(default=7, ge=1, le=7, description="Compute slices of the whole GPU (7 on A100/H100/H200/B200, 4 on RTX PRO 6000).")
    total_memory_slices: int = Field(default=8, ge=1, le=8, description="Memory slices of the whole GPU.")

    @model_validator(mode="after")
    def _slices_within_gpu(self) -> "MigProfile":
        if self.compute_slices > self.total_compute_slices or self.memory_slices > self.total_memory_slices:
            raise ValueError("an instance cannot have more slices than the GPU")
        return self


class GpuSpec(CatalogEntry):
    vendor: Vendor
    kind: Annotated[Literal["gpu", "unified-memory", "cpu"], Lowercase] = Field(default="gpu", description="Discrete GPU, unified-memory SoC, or a CPU socket pair used as an accelerator.")
    architecture: Annotated[Architecture, Lowercase] = Field(description="Architecture generation (ampere, hopper, cdna3, apple-silicon, x86-cpu, ...): decides which engine kernels run on it.")
    memory_type: Annotated[MemoryType, Lowercase] = Field(description="Memory technology: hbm, gddr, lpddr (unified memory), ddr (CPU); sets the achievable share of peak bandwidth.")
    memory: ByteSize = Field(gt=0, le=MAX_MEMORY_BYTES, description="Memory as the device exposes it, e.g. '80 GiB' or '141 GB' (at most 100 TB).")
    allocatable_memory: ByteSize | None = Field(
        default=None, gt=0, le=MAX_MEMORY_BYTES,
        description="Memory one process may use when the platform caps it below `memory` (macOS lets the GPU wire ~75% of unified memory by default).",
    )
    memory_bandwidth_gb_s: float = Field(gt=0, le=MAX_RATE, description="Peak memory bandwidth, GB/s (10^9 B/s; at most 1e6).")
    bf16_tflops: float = Field(gt=0, le=MAX_RATE, description="Dense BF16 tensor throughput with FP32 accumulate, TFLOPS (at most 1e6).")
    fp16_tflops: float | None = Field(default=None, gt=0, le=MAX_RATE, description="Dense FP16 throughput if it differs from BF16.")
    fp16_accumulate_tflops: float | None = Field(default=None, gt=0, le=MAX_RATE, description="Dense FP16 throughput with FP16 accumulation where it is faster than `bf16_tflops` (GeForce cards run FP32 accumulation at half rate); engines that accumulate in FP16 use it.")
    fp8_tflops: float | None = Field(default=None, gt=0, le=MAX_RATE, description="Dense FP8 throughput; null where FP8 is not native.")
    int8_tops: float | None = Field(default=None, gt=0, le=MAX_RATE, description="Dense INT8 throughput, TOPS.")
    tdp_w: int = Field(gt=0, le=MAX_POWER_W, description="Board power (TDP/TBP), W (at most 1 MW).")
    form_factor: Annotated[Literal["sxm", "oam", "pcie", "consumer", "superchip", "desktop", "server-cpu"], Lowercase]
    scaleup_link: Line = Field(description="Scale-up interconnect, e.g. 'nvlink4', 'nvlink-bridge', 'infinity-fabric', 'none'.")
    scaleup_bandwidth_gb_s: float = Field(ge=0, le=MAX_RATE, description="Scale-up bandwidth per GPU, bidirectional GB/s (0 when none).")
    max_scaleup_domain: int = Field(ge=1, le=MAX_GPUS_PER_NODE, description="Largest scale-up (NVLink) domain this GPU can join; 1 when none (at most 1,024).")
    pcie_gen: int | None = Field(default=None, ge=3, le=6)
    host_link_gb_s: float = Field(ge=0, le=MAX_RATE, description="Host link bandwidth per direction, GB/s (PCIe Gen4 x16 ≈ 32, Gen5 ≈ 64; 0 when devices have no link to each other).")
    mig_profiles: tuple[MigProfile, ...] = ()
    supported_formats: tuple[Annotated[str, Lowercase], ...] = Field(description="Weight formats this device runs (see solver.estimator.formats).")
    supported_kv_formats: tuple[Annotated[str, Lowercase], ...] = Field(description="KV-cache precisions this device runs.")
    price_usd: usd(gt=0, le=MAX_PRICE_USD) = Field(description="Indicative unit price, USD (at most 1e9).")
    price_source: Paragraph = Field(min_length=3)
    price_low_usd: usd(gt=0, le=MAX_PRICE_USD) | None = Field(default=None, description="Low end of the published price range, USD.")
    price_high_usd: usd(gt=0, le=MAX_PRICE_USD) | None = Field(default=None, description="High end of the published price range, USD.")
    price_as_of: Line = Field(default="unstated", description="When the price was published or read.")
    year: int = Field(ge=2015, le=2030)
    lifecycle: Lifecycle
    deployment_class: Annotated[Literal["data-centre", "workstation", "geforce"], Lowercase] = Field(
        description="Where the vendor's terms let it run: data-centre parts, workstation parts (desk-side or rack), or GeForce "
        "(NVIDIA's GeForce driver licence, clause 2.1.3: 'not licensed for datacenter deployment').",
    )

    @model_validator(mode="after")
    def _price_within_range(self) -> "GpuSpec":
        _check_price_range(self.price_low_usd, self.price_usd, self.price_high_usd)
        return self

    @property
    def usable_memory_bytes(self) -> int:
        """What a serving process can allocate: the platform cap when there is one."""
        return int(self.allocatable_memory if self.allocatable_memory is not None else self.memory)

    @property
    def has_scaleup(self) -> bool:
        return self.max_scaleup_domain > 1

    @property
    def has_device_link(self) -> bool:
        """Whether several of these devices can work on one model at all (a scale-up link or a
        host link); a Mac Studio or a CPU socket pair has neither."""
        return (self.has_scaleup and self.scaleup_bandwidth_gb_s > 0) or self.host_link_gb_s > 0

    def dense_tflops(self, compute_format: str) -> float | None:
        """Peak dense throughput in the arithmetic a format computes in (None: not native)."""
        if compute_format == "fp8":
            return self.fp8_tflops
        if compute_format == "int8":
            return self.int8_tops
        if compute_format == "fp16":
            return self.fp16_tflops or self.bf16_tflops
        return self.bf16_tflops


class NodeSpec(CatalogEntry):
    vendor: Vendor
    kind: Annotated[Literal["hgx-baseboard", "oam-baseboard", "pcie-server", "workstation", "rack-scale", "desktop", "cpu-server"], Lowercase]
    gpus: tuple[Line, ...] = Field(min_length=1, description="GPU ids this chassis takes.")
    gpu_count: int = Field(ge=1, le=MAX_GPUS_PER_NODE, description="GPU slots of one node (fully populated unless orderable_gpu_counts allows fewer; at most 1,024).")
    nvlink_domain: int = Field(ge=1, le=MAX_GPUS_PER_NODE, description="GPUs per scale-up domain inside the node (8 on HGX, 2 for bridged pairs, 72 for NVL72, 1 for none).")
    base_price_usd: usd(ge=0, le=MAX_PRICE_USD) = Field(description="Price without GPUs, USD (at most 1e9).")
    base_power_w: int = Field(ge=0, le=MAX_POWER_W, description="Power without GPUs (CPUs, memory, fans, NICs, conversion losses), W (at most 1 MW).")
    rack_units: int = Field(ge=1, le=MAX_RACK_UNITS, description="Height in rack units; a rack-scale system states the whole rack (at most 60).")
    host_ram: ByteSize = Field(ge=0, le=MAX_MEMORY_BYTES, description="Installed host memory (at most 100 TB).")
    storage: ByteSize = Field(ge=0, le=MAX_STORAGE_BYTES, description="Included NVMe capacity (at most 10 PB).")
    fabric_nics: int = Field(ge=0, le=MAX_GPUS_PER_NODE, description="Scale-out NICs (one port each) fitted when the node joins the fabric; 0 = cannot (at most 1,024).")
    fabric_nics_integrated: bool = Field(default=False, description="The accelerators bring their own scale-out Ethernet ports (Gaudi 3, Ascend 910B): the fabric needs switch ports and cables for them but no NICs, and an Ethernet fabric.")
    cooling: Annotated[Literal["air", "liquid"], Lowercase] = "air"
    rack_mounted: bool = Field(default=True, description="False for desk-side machines (towers, Mac Studio): they need no rack space, rack or PDU, but still count for facility power.")
    price_source: Paragraph = Field(min_length=3)
    price_low_usd: usd(ge=0, le=MAX_PRICE_USD) | None = Field(default=None, description="Low end of the published base-price range, USD.")
    price_high_usd: usd(ge=0, le=MAX_PRICE_USD) | None = Field(default=None, description="High end of the published base-price range, USD.")
    price_as_of: Line = Field(default="unstated", description="When the price was published or read.")
    lifecycle: Lifecycle
    orderable_gpu_counts: tuple[int, ...] | None = Field(
        default=None,
        description="GPU counts the chassis can be ordered with, when less than full (PCIe servers and workstations: powers of "
        "two dividing gpu_count, e.g. [1, 2, 4, 8]); null: only full (HGX/OAM baseboards, rack-scale systems).",
    )
    psu_w: int | None = Field(default=None, ge=1, le=MAX_POWER_W, description="Power-supply rating of a desk-side machine, W: its load must stay within it.")
    configuration: ServerConfiguration | None = Field(default=None, description="How the chassis is configured in a quote (CPUs, memory, drives, NICs, PSUs, rails).")
    configuration_source: Paragraph | None = None

    @model_validator(mode="after")
    def _domain_divides_node(self) -> "NodeSpec":
        if self.gpu_count % self.nvlink_domain:
            raise ValueError(f"nvlink_domain {self.nvlink_domain} must divide gpu_count {self.gpu_count}")
        _check_price_range(self.price_low_usd, self.base_price_usd, self.price_high_usd)
        for count in self.orderable_gpu_counts or ():
            if count < 1 or count > self.gpu_count or self.gpu_count % count or count & (count - 1):
                raise ValueError(f"orderable_gpu_counts: {count} must be a power of two dividing gpu_count {self.gpu_count} (exact packing needs it)")
        return self

    @property
    def populations(self) -> tuple[int, ...]:
        """GPU counts it can be bought with, always including full."""
        return tuple(sorted(set(self.orderable_gpu_counts or ()) | {self.gpu_count}))

    def scaleup_domain_for(self, gpu: GpuSpec) -> int:
        """Effective NVLink domain for this GPU in this chassis: both must support it."""
        return min(self.nvlink_domain, gpu.max_scaleup_domain)


class FabricItem(CatalogEntry):
    category: Annotated[
        Literal[
            "nic", "switch", "cable", "storage", "rack", "pdu", "frontend-switch", "management-switch", "frontend-cable",
            "management-cable", "nvlink-bridge", "support", "installation",
        ],
        Lowercase,
    ]
    vendor: Vendor
    technology: Annotated[Line, Lowercase] | None = Field(default=None, description="Fabric technology for nic/switch/cable: 'ib-ndr', 'ib-hdr', 'eth-400g'.")
    ports: int | None = Field(default=None, ge=1, le=1_024, description="Ports (switch: at its native speed; at most 1,024).")
    port_speed_gbps: int | None = Field(default=None, ge=1, le=100_000, description="Gb/s per port (at most 100,000).")
    capacity: ByteSize | None = Field(default=None, gt=0, le=MAX_STORAGE_BYTES, description="Storage capacity (storage items; at most 10 PB).")
    rack_units: int = Field(default=0, ge=0, le=MAX_RACK_UNITS, description="Height it occupies (switch) or offers (rack: usable units); at most 60.")
    power_capacity_w: int | None = Field(default=None, ge=1, le=MAX_POWER_W, description="PDU: power it can deliver, W (at most 1 MW).")
    power_w: float = Field(ge=0, le=MAX_POWER_W, description="Typical/max draw, W (at most 1 MW).")
    price_usd: usd(ge=0, le=MAX_PRICE_USD) = Field(description="Unit price, USD (at most 1e9).")
    price_source: Paragraph = Field(min_length=3)
    price_low_usd: usd(ge=0, le=MAX_PRICE_USD) | None = Field(default=None, description="Low end of the published price range, USD.")
    price_high_usd: usd(ge=0, le=MAX_PRICE_USD) | None = Field(default=None, description="High end of the published price range, USD.")
    price_as_of: Line = Field(default="unstated", description="When the price was published or read.")
    bridges: tuple[Line, ...] = Field(default=(), description="nvlink-bridge: GPU ids it joins in pairs.")
    bridges_per_pair: int | None = Field(default=None, ge=1, le=16, description="nvlink-bridge: bridges one pair of GPUs needs.")
    per_server: int | None = Field(default=None, ge=1, le=64, description="frontend-cable / management-cable: cables each rack server takes.")
    percent_per_year: float | None = Field(default=None, gt=0, le=100, description="support: yearly price as a percentage of the hardware it covers.")
    percent_per_year_low: float | None = Field(default=None, gt=0, le=100, description="support: low end of the published yearly percentage.")
    percent_per_year_high: float | None = Field(default=None, gt=0, le=100, description="support: high end of the published yearly percentage.")

    @model_validator(mode="after")
    def _category_fields(self) -> "FabricItem":
        required = {
            "nic": ("technology", "port_speed_gbps"),
            "switch": ("technology", "ports", "port_speed_gbps"),
            "cable": ("technology",),
            "storage": ("capacity",),
            "rack": (),
            "pdu": ("power_capacity_w",),
            "frontend-switch": ("ports",),
            "management-switch": ("ports",),
            "frontend-cable": ("per_server",),
            "management-cable": ("per_server",),
            "nvlink-bridge": ("bridges_per_pair",),
            "support": ("percent_per_year",),
            "installation": (),
        }[self.category]
        _check_price_range(self.price_low_usd, self.price_usd, self.price_high_usd)
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.category} items need {', '.join(missing)}")
        if self.percent_per_year is not None:
            _check_price_range(self.percent_per_year_low, self.percent_per_year, self.percent_per_year_high)
        if self.category == "rack" and self.rack_units == 0:
            raise ValueError("rack items need rack_units (usable units)")
        return self
