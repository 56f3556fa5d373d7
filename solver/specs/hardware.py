"""Hardware catalog schemas: accelerators, the servers that hold them, and fabric/facility items.

Conventions (see catalogs/README.md): memory is what the device exposes to software; bandwidths
are decimal GB/s; throughput is *dense* (datasheets quoting 2:4 sparsity are halved); scale-up
link bandwidth is bidirectional per GPU as vendors quote it; prices are indicative USD.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ByteSize, Field, model_validator

from solver.specs.common import CatalogEntry, StrictModel

Vendor = Annotated[str, Field(pattern=r"^[a-z0-9-]+$", description="Lowercase vendor name, e.g. 'nvidia', 'amd', 'supermicro'.")]

Architecture = Literal[
    "ampere", "ada", "hopper", "blackwell", "blackwell-consumer", "cdna2", "cdna3", "gaudi3", "ascend", "apple-silicon", "x86-cpu", "x86-cpu-amx"
]
"""Instruction-set generation an engine's kernels target: the engine support matrix (catalogs/engines.yaml) is keyed by it."""
MemoryType = Literal["hbm", "gddr", "lpddr", "ddr"]


class MigProfile(StrictModel):
    """One homogeneous hardware partition of a GPU (NVIDIA MIG)."""

    name: str = Field(description="Profile name as nvidia-smi prints it, e.g. '1g.10gb'.")
    memory: ByteSize = Field(description="Memory of one instance, as exposed.")
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
    kind: Literal["gpu", "unified-memory", "cpu"] = Field(default="gpu", description="Discrete GPU, unified-memory SoC, or a CPU socket pair used as an accelerator.")
    architecture: Architecture = Field(description="Architecture generation (ampere, hopper, cdna3, apple-silicon, x86-cpu, ...): decides which engine kernels run on it.")
    memory_type: MemoryType = Field(description="Memory technology: hbm, gddr, lpddr (unified memory), ddr (CPU); sets the achievable share of peak bandwidth.")
    memory: ByteSize = Field(description="Memory as the device exposes it, e.g. '80 GiB' or '141 GB'.")
    allocatable_memory: ByteSize | None = Field(
        default=None,
        description="Memory one process may use when the platform caps it below `memory` (macOS lets the GPU wire ~75% of unified memory by default).",
    )
    memory_bandwidth_gb_s: float = Field(gt=0, description="Peak memory bandwidth, GB/s (10^9 B/s).")
    bf16_tflops: float = Field(gt=0, description="Dense BF16 tensor throughput with FP32 accumulate, TFLOPS.")
    fp16_tflops: float | None = Field(default=None, gt=0, description="Dense FP16 throughput if it differs from BF16.")
    fp16_accumulate_tflops: float | None = Field(default=None, gt=0, description="Dense FP16 throughput with FP16 accumulation where it is faster than `bf16_tflops` (GeForce cards run FP32 accumulation at half rate); engines that accumulate in FP16 use it.")
    fp8_tflops: float | None = Field(default=None, gt=0, description="Dense FP8 throughput; null where FP8 is not native.")
    int8_tops: float | None = Field(default=None, gt=0, description="Dense INT8 throughput, TOPS.")
    tdp_w: int = Field(gt=0, description="Board power (TDP/TBP), W.")
    form_factor: Literal["sxm", "oam", "pcie", "consumer", "superchip", "desktop", "server-cpu"]
    scaleup_link: str = Field(description="Scale-up interconnect, e.g. 'nvlink4', 'nvlink-bridge', 'infinity-fabric', 'none'.")
    scaleup_bandwidth_gb_s: float = Field(ge=0, description="Scale-up bandwidth per GPU, bidirectional GB/s (0 when none).")
    max_scaleup_domain: int = Field(ge=1, description="Largest scale-up (NVLink) domain this GPU can join; 1 when none.")
    pcie_gen: int | None = Field(default=None, ge=3, le=6)
    host_link_gb_s: float = Field(ge=0, description="Host link bandwidth per direction, GB/s (PCIe Gen4 x16 ≈ 32, Gen5 ≈ 64).")
    mig_profiles: tuple[MigProfile, ...] = ()
    supported_formats: tuple[str, ...] = Field(description="Weight formats this device runs (see solver.estimator.formats).")
    supported_kv_formats: tuple[str, ...] = Field(description="KV-cache precisions this device runs.")
    price_usd: float = Field(gt=0, description="Indicative unit price, USD.")
    price_source: str = Field(min_length=3)
    year: int = Field(ge=2015, le=2030)

    @property
    def usable_memory_bytes(self) -> int:
        """What a serving process can allocate: the platform cap when there is one."""
        return int(self.allocatable_memory if self.allocatable_memory is not None else self.memory)

    @property
    def has_scaleup(self) -> bool:
        return self.max_scaleup_domain > 1

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
    kind: Literal["hgx-baseboard", "oam-baseboard", "pcie-server", "workstation", "rack-scale", "desktop", "cpu-server"]
    gpus: tuple[str, ...] = Field(min_length=1, description="GPU ids this chassis takes.")
    gpu_count: int = Field(ge=1, description="GPUs in one node (the node is bought fully populated).")
    nvlink_domain: int = Field(ge=1, description="GPUs per scale-up domain inside the node (8 on HGX, 2 for bridged pairs, 72 for NVL72, 1 for none).")
    base_price_usd: float = Field(ge=0, description="Price without GPUs, USD.")
    base_power_w: int = Field(ge=0, description="Power without GPUs (CPUs, memory, fans, NICs, conversion losses), W.")
    rack_units: int = Field(ge=1, description="Height in rack units; a rack-scale system states the whole rack.")
    host_ram: ByteSize = Field(description="Installed host memory.")
    storage: ByteSize = Field(description="Included NVMe capacity.")
    fabric_nics: int = Field(ge=0, description="Scale-out NICs (one port each) fitted when the node joins the fabric; 0 = cannot.")
    fabric_nics_integrated: bool = Field(default=False, description="The accelerators bring their own scale-out Ethernet ports (Gaudi 3, Ascend 910B): the fabric needs switch ports and cables for them but no NICs, and an Ethernet fabric.")
    cooling: Literal["air", "liquid"] = "air"
    rack_mounted: bool = Field(default=True, description="False for desk-side machines (towers, Mac Studio): they need no rack space, rack or PDU, but still count for facility power.")
    price_source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _domain_divides_node(self) -> "NodeSpec":
        if self.gpu_count % self.nvlink_domain:
            raise ValueError(f"nvlink_domain {self.nvlink_domain} must divide gpu_count {self.gpu_count}")
        return self

    def scaleup_domain_for(self, gpu: GpuSpec) -> int:
        """Effective NVLink domain for this GPU in this chassis: both must support it."""
        return min(self.nvlink_domain, gpu.max_scaleup_domain)


class FabricItem(CatalogEntry):
    category: Literal["nic", "switch", "cable", "storage", "rack", "pdu"]
    vendor: Vendor
    technology: str | None = Field(default=None, description="Fabric technology for nic/switch/cable: 'ib-ndr', 'ib-hdr', 'eth-400g'.")
    ports: int | None = Field(default=None, ge=1, description="Ports (switch: at its native speed).")
    port_speed_gbps: int | None = Field(default=None, ge=1)
    capacity: ByteSize | None = Field(default=None, description="Storage capacity (storage items).")
    rack_units: int = Field(default=0, ge=0, description="Height it occupies (switch) or offers (rack: usable units).")
    power_capacity_w: int | None = Field(default=None, ge=1, description="PDU: power it can deliver, W.")
    power_w: float = Field(ge=0, description="Typical/max draw, W.")
    price_usd: float = Field(ge=0)
    price_source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _category_fields(self) -> "FabricItem":
        required = {
            "nic": ("technology", "port_speed_gbps"),
            "switch": ("technology", "ports", "port_speed_gbps"),
            "cable": ("technology",),
            "storage": ("capacity",),
            "rack": (),
            "pdu": ("power_capacity_w",),
        }[self.category]
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.category} items need {', '.join(missing)}")
        if self.category == "rack" and self.rack_units == 0:
            raise ValueError("rack items need rack_units (usable units)")
        return self
