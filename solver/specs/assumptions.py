"""Estimator constants that are judgement, not physics: explicit, documented and overridable.

A problem file may override any of them under `assumptions:`; `procure estimate` takes the
defaults. Each default names its basis.
"""

from __future__ import annotations

from pydantic import ByteSize, Field

from solver.specs.common import StrictModel
from solver.units import GiB, MiB


class Assumptions(StrictModel):
    cuda_context: ByteSize = Field(
        default=ByteSize(GiB // 2), ge=0, le=16 * GiB,
        description="Per-GPU runtime context (CUDA/ROCm context, cuBLAS/cuDNN workspaces, kernels). "
        "PyTorch's CUDA context alone is 300-500 MiB on Hopper (PyTorch CUDA semantics notes); vLLM "
        "reports ~0.5-1 GiB of non-torch memory at start-up. At most 16 GiB.",
    )
    allocator_overhead_fraction: float = Field(
        default=0.05, ge=0, le=0.5,
        description="Fragmentation and caching-allocator slack as a share of weights+KV+activations "
        "(PyTorch caching allocator rounds to 2 MiB blocks; vLLM's default gpu_memory_utilization 0.9 "
        "leaves 10% of the device for this and the context).",
    )
    comm_buffer_per_peer: ByteSize = Field(
        default=ByteSize(128 * MiB), ge=0, le=16 * GiB,
        description="Collective-communication buffers per tensor/pipeline peer: NCCL allocates "
        "NCCL_BUFFSIZE (4 MiB) per channel per peer for send and receive; 16 channels → 128 MiB. At most 16 GiB.",
    )
    prefill_chunk_tokens: int = Field(
        default=8192, ge=256, le=1_048_576,
        description="Tokens per prefill chunk; sets the activation peak (vLLM max_num_batched_tokens). 256 to 2^20.",
    )
    speed_confidence: float = Field(
        default=0.8, ge=0.5, le=0.99,
        description="Confidence that a planned replica meets its speed floor and time-to-first-token ceiling: "
        "plans count on the speed that this share of comparable published measurements beat, relative to "
        "the model's estimate (the held-out calibration residuals of catalogs/speed_model.yaml). 0.8: four "
        "in five comparable deployments ran at least this fast.",
    )
    interactive_min_decode_tokens_per_s: float = Field(
        default=10.0, gt=0, le=10_000,
        description="Decode floor per session for interactive workloads that state none: twice silent reading speed "
        "(238 words/min, Brysbaert 2019, Journal of Memory and Language 109; ~1.33 tokens per word ≈ 5.3 tok/s), so "
        "text never stalls the reader. A workload opts out with `min_decode_tokens_per_s: null`.",
    )
    interactive_max_ttft_s: float = Field(
        default=10.0, gt=0, le=3600,
        description="Time-to-first-token ceiling for interactive workloads that state none: 10 s is the limit for "
        "keeping a user's attention on a dialogue (Nielsen, Usability Engineering, 1993, ch. 5). A workload opts out "
        "with `max_ttft_s: null`.",
    )
    plan_uncalibrated_speeds: bool = Field(
        default=False,
        description="Allow plans on hardware classes, engine backends or weight formats that no published "
        "measurement calibrates (e.g. Gaudi 3, Ascend): their speeds are extrapolated from other hardware, "
        "so by default options there are not generated.",
    )
    training_mfu: float = Field(
        default=0.40, ge=0.01, le=1,
        description="Model FLOPs utilisation in training (Korthikanti et al. 2022 report 42-54% on A100; "
        "Llama 3 paper reports 38-43% on H100). 0.01 to 1.",
    )
    max_batch_per_replica: int = Field(
        default=256, ge=1, le=65_536,
        description="Most sequences one replica runs at once (vLLM max_num_seqs default 256); at most 65,536.",
    )
    lora_rank: int = Field(default=16, ge=1, le=4096, description="LoRA rank r when a workload does not state one (at most 4,096).")
    checkpoint_copies: int = Field(default=2, ge=1, le=1_000, description="Training checkpoints kept on disk per job (at most 1,000).")
