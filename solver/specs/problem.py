"""The problem file: workloads to run, limits to respect, and what to minimise."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from solver.money import MAX_BUDGET_USD
from solver.specs.assumptions import Assumptions
from solver.specs.common import ID_PATTERN, MAX_ID_CHARS, StrictModel
from solver.specs.economics import EconomicsSettings, RentSettings
from solver.specs.fields import Line, Lowercase, Paragraph, usd
from solver.specs.measurement import Engine

WorkloadKind = Literal["interactive", "batch", "finetune", "pretrain"]
FinetuneMethod = Literal["full", "lora", "qlora"]
FormatName = Annotated[str, Lowercase, Field(max_length=32)]
"""A weight or KV format name, any letter case."""

# Bounds keep every quantity physical and every product the CP-SAT model forms (dollars, cents,
# watts, units served) inside 64-bit integers; each field's description gives its reason.
MAX_DEMAND = 1_000_000
"""Sessions, users or jobs of one workload: a million concurrent sessions is a hyperscaler's
fleet, and with prices ≤ $1e9 a unit the capex in cents stays below 2^63."""
MAX_CONTEXT_TOKENS = 100_000_000
"""Above the longest context any released model accepts (10M); checked against the model's own maximum."""
MAX_INVENTORY = 100_000


class Demand(StrictModel):
    """How much of a workload runs at once: sessions, users × active share, or jobs."""

    sessions: int | None = Field(default=None, ge=1, le=MAX_DEMAND, description="Concurrent sessions (sequences) to serve (at most 1,000,000: a hyperscaler's fleet).")
    users: int | None = Field(default=None, ge=1, le=MAX_DEMAND, description="People using the model (at most 1,000,000 per workload).")
    active_fraction: float | None = Field(default=None, gt=0, le=1, description="Share of users active at peak.")
    jobs: int | None = Field(default=None, ge=1, le=MAX_DEMAND, description="Training/batch jobs running at once (at most 1,000,000).")

    @model_validator(mode="after")
    def _one_form(self) -> "Demand":
        forms = [self.sessions is not None, self.users is not None, self.jobs is not None]
        if sum(forms) != 1:
            raise ValueError("give exactly one of sessions, users (with active_fraction), or jobs")
        if (self.users is None) != (self.active_fraction is None):
            raise ValueError("users and active_fraction go together")
        return self

    @property
    def required(self) -> int:
        """Concurrent units of demand: sessions, or jobs. Users × share rounds up."""
        if self.sessions is not None:
            return self.sessions
        if self.jobs is not None:
            return self.jobs
        assert self.users is not None and self.active_fraction is not None
        # Round before ceil so 20 × 0.35 = 7.000000000000001 stays 7.
        return max(1, math.ceil(round(self.users * self.active_fraction, 9)))


class Workload(StrictModel):
    name: str = Field(pattern=ID_PATTERN, max_length=MAX_ID_CHARS, description="Unique workload name.")
    model: Line = Field(description="Model id or alias from the model catalog.")
    precision: FormatName | list[FormatName] = Field(
        default="bf16",
        description="Weight format (any letter case: bf16, fp16, fp8, int8, int4, awq, gptq-int4, gptq-int8, nf4, q4_k_m, q8_0, q4_0), "
        "or a list of formats the solver may choose from, most preferred first (ties in cost go to the earlier one).",
    )
    kv_precision: FormatName | list[FormatName] = Field(default="bf16", description="KV-cache precision (any letter case: bf16, fp16, fp8, int8), or a list to choose from, most preferred first.")
    kind: Annotated[WorkloadKind, Lowercase] = "interactive"
    method: Annotated[FinetuneMethod, Lowercase] | None = Field(default=None, description="Fine-tuning method (finetune only): full, lora, qlora.")
    context_tokens: int = Field(ge=1, le=MAX_CONTEXT_TOKENS, description="Tokens each sequence holds (prompt + generated); training: sequence length. At most the model's max_position_embeddings.")
    output_tokens: int = Field(default=512, ge=1, le=MAX_CONTEXT_TOKENS, description="Generated tokens per request (prompt = context − output).")
    demand: Demand
    min_decode_tokens_per_s: float | None = Field(default=None, gt=0, le=100_000, description="Decode speed floor per session (interactive default: assumptions.interactive_min_decode_tokens_per_s; null opts out; at most 100,000 tok/s: ~100× the fastest single-stream decode).")
    max_ttft_s: float | None = Field(default=None, gt=0, le=86_400, description="Time-to-first-token ceiling for a full prompt (interactive default: assumptions.interactive_max_ttft_s; null opts out; at most a day).")
    tokens: float | None = Field(default=None, gt=0, le=1e15, description="Tokens to process (batch inference: generated+prompt; training: tokens seen); at most 1e15, ~60× the largest published pre-training run.")
    deadline_hours: float | None = Field(default=None, ge=0.01, le=87_600, description="Time by which `tokens` must be processed: 0.01 h (36 s) to 10 years.")
    sharing: Annotated[Literal["shared", "dedicated"], Lowercase] = Field(default="shared", description="shared: one replica batches many sessions; dedicated: one isolated instance per session (MIG slices may serve).")
    priority: float = Field(default=1.0, gt=0, le=1_000_000, description="Weight when demand must be cut (what-if budgets); at most 1,000,000 (only ratios between workloads matter).")
    lora_rank: int | None = Field(default=None, ge=1, le=4096, description="LoRA rank r (at most 4,096; published adapters use 8-256).")
    micro_batch: int = Field(default=1, ge=1, le=4096, description="Training micro-batch (sequences per GPU step; at most 4,096).")
    gradient_checkpointing: bool = True
    engines: list[Engine] | None = Field(default=None, description="Inference engines this workload may run on, in preference order (overrides the problem's).")
    redundancy: Annotated[str, Lowercase] = Field(
        default="none", pattern=r"^(none|n\+[1-4])$",
        description="Spare capacity: 'none', or 'n+k' (k = 1..4): demand is still served with any k failure domains lost.",
    )
    failure_domain: Annotated[Literal["server", "rack"], Lowercase] = Field(
        default="server", description="What fails at once for `redundancy`: one server, or one whole rack (its PDUs, switches and servers).",
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> "Workload":
        if self.kind == "finetune" and self.method is None:
            raise ValueError("finetune workloads need method: full, lora or qlora")
        if self.kind != "finetune" and self.method is not None:
            raise ValueError("method applies to finetune workloads only")
        if self.kind in ("batch", "finetune", "pretrain") and (self.tokens is None or self.deadline_hours is None):
            raise ValueError(f"{self.kind} workloads need tokens and deadline_hours")
        if self.kind in ("finetune", "pretrain") and self.demand.jobs is None:
            raise ValueError(f"{self.kind} workloads state demand as jobs")
        if self.kind == "interactive" and self.demand.jobs is not None:
            raise ValueError("interactive workloads state demand as sessions or users")
        if self.kind == "batch" and self.demand.jobs is None:
            # A batch workload's demand multiplies its required throughput (tokens/deadline).
            raise ValueError("batch workloads state demand as jobs (e.g. demand: {jobs: 1}): each job processes `tokens` by the deadline")
        if self.output_tokens >= self.context_tokens and self.kind in ("interactive", "batch"):
            raise ValueError("output_tokens must be smaller than context_tokens")
        if not self.precisions or not self.kv_precisions:
            raise ValueError("precision and kv_precision need at least one format")
        if len(set(self.precisions)) != len(self.precisions) or len(set(self.kv_precisions)) != len(self.kv_precisions):
            raise ValueError("precision and kv_precision lists must not repeat a format")
        if self.is_training and self.redundancy != "none":
            raise ValueError("redundancy applies to serving workloads (interactive, batch); a training job restarts from its checkpoint")
        if self.is_training and len(self.variants) > 1:
            raise ValueError("training workloads train in one precision; give a single precision and kv_precision")
        return self

    @property
    def spare_domains(self) -> int:
        """Failure domains the workload must survive losing (k of n+k; 0 without redundancy)."""
        return 0 if self.redundancy == "none" else int(self.redundancy[2:])

    @property
    def precisions(self) -> tuple[str, ...]:
        """Allowed weight formats, most preferred first."""
        return (self.precision,) if isinstance(self.precision, str) else tuple(self.precision)

    @property
    def kv_precisions(self) -> tuple[str, ...]:
        return (self.kv_precision,) if isinstance(self.kv_precision, str) else tuple(self.kv_precision)

    @property
    def variants(self) -> tuple[tuple[str, str], ...]:
        """Every (weight format, KV format) the solver may choose, in preference order."""
        return tuple((p, kv) for p in self.precisions for kv in self.kv_precisions)

    @property
    def is_training(self) -> bool:
        return self.kind in ("finetune", "pretrain")

    @property
    def training_method(self) -> FinetuneMethod:
        return self.method or "full"

    @property
    def weights_format(self) -> str:
        """Format the weights are stored and loaded in: QLoRA keeps an NF4 base, a full
        fine-tune trains 16-bit weights, everything else uses `precision`."""
        if self.method == "qlora":
            return "nf4"
        if self.is_training and self.training_method == "full":
            return "bf16"
        return self.precisions[0]

    @property
    def prompt_tokens(self) -> int:
        return self.context_tokens - self.output_tokens


class InventoryItem(StrictModel):
    node: Line = Field(description="Node type id of owned servers.")
    gpu: Line = Field(description="GPU id fitted in them.")
    count: int = Field(ge=1, le=MAX_INVENTORY, description="Servers owned (at most 100,000).")


class Limits(StrictModel):
    budget_usd: usd(gt=0, le=MAX_BUDGET_USD) | None = Field(default=None, description="Most to spend, USD: a number or '300k', '1.5m', '$2,500,000' (at most 1e12, so the cost in cents fits the solver's 64-bit integers).")
    power_kw: float | None = Field(default=None, gt=0, le=1_000_000, description="Facility power cap for IT load (nameplate), kW (at most 1,000,000: a gigawatt campus).")
    racks: int | None = Field(default=None, ge=1, le=10_000, description="Most racks available (at most 10,000: a hyperscale hall).")
    rack_units: int = Field(default=42, ge=1, le=60, description="Usable units per rack (at most 60: the tallest standard racks are 58U).")
    rack_power_kw: float | None = Field(
        default=20, gt=0, le=2_000,
        description="Power one air-cooled rack may draw, kW (default 20: Uptime Institute surveys 2023-24 find most rooms hold "
        "under 10-20 kW per rack and 15-25 kW with containment; null: no per-rack limit; at most 2,000).",
    )
    liquid_rack_power_kw: float | None = Field(
        default=132, gt=0, le=2_000,
        description="Power one liquid-cooled rack may draw, kW (default 132: a GB300 NVL72 rack; GB200 NVL72 draws ~120 kW). "
        "Applies to racks of liquid-cooled rack-scale systems; null: no limit.",
    )
    site: Annotated[Literal["rack-room", "desk-side", "both"], Lowercase] = Field(
        default="rack-room",
        description="Where the hardware goes: rack-room (rack servers only), desk-side (towers and Macs on office circuits), or both.",
    )
    liquid_cooling: bool = Field(default=False, description="The rack room has direct liquid cooling (needed by rack-scale systems such as GB200 NVL72).")
    allow_end_of_life: bool = Field(default=False, description="Buy parts no longer made (end-of-life or used-market-only); off by default, the plan says so when on.")
    allow_restricted: bool = Field(default=False, description="Buy export-restricted parts (H800, H20, Ascend 910B); off by default.")
    allow_geforce_in_rack_room: bool = Field(
        default=False,
        description="Put GeForce cards in rack-room servers despite NVIDIA's GeForce driver licence (clause 2.1.3: 'not licensed for datacenter deployment'); off by default.",
    )
    desk_circuit_w: int = Field(
        default=1440, ge=100, le=100_000,
        description="Continuous power one desk-side machine may draw from its office circuit, W: 1,440 = US 120 V 15 A at the NEC's 80% "
        "continuous-load limit (210.19/210.20); 1,920 for 20 A, 3,680 for an EU 230 V 16 A circuit.",
    )
    allowed_gpus: list[Line] | None = None
    excluded_gpus: list[Line] = Field(default_factory=list)
    allowed_vendors: list[Line] | None = None
    excluded_vendors: list[Line] = Field(default_factory=list)
    allowed_node_types: list[Line] | None = None
    excluded_node_types: list[Line] = Field(default_factory=list)
    vram_headroom: float = Field(default=0.10, ge=0, le=0.5, description="Share of each GPU's memory left free (at most 0.5: an engine that may use less than half of each GPU is misconfigured).")
    tp_requires_nvlink: bool = Field(default=True, description="Tensor-parallel groups must sit in one NVLink domain.")
    allow_multinode: bool = Field(default=True, description="Replicas may span nodes over InfiniBand (pipeline stages per node).")
    max_nodes: int | None = Field(default=None, ge=1, le=MAX_INVENTORY, description="Most servers in the plan (at most 100,000).")
    inventory: list[InventoryItem] = Field(default_factory=list, description="Owned servers: no purchase cost, still count for power and space (at most 100,000 in total).")

    @model_validator(mode="after")
    def _inventory_total(self) -> "Limits":
        # Every owned server is placed and listed in the plan: bound the total, not just each item.
        total = sum(item.count for item in self.inventory)
        if total > MAX_INVENTORY:
            raise ValueError(f"inventory holds {total:,} servers in total; at most {MAX_INVENTORY:,}")
        return self


class Procurement(StrictModel):
    """What the purchase order includes besides hardware (prices: the catalog's support and installation rules)."""

    support_years: int = Field(default=3, ge=0, le=7, description="Years of hardware support bought with servers and switches (0: none; default 3, the usual OEM warranty term; at most 7).")
    installation: bool = Field(default=True, description="Buy rack-and-stack installation for every rack server.")
    spare_cards_percent: int = Field(
        default=0, ge=0, le=100,
        description="Spare accelerator cards bought with PCIe and workstation servers, as a percentage of their cards, rounded up per GPU type "
        "(0: none). Cards in those chassis are field-replaceable; SXM/OAM modules are not sold loose, so the support contract covers them. "
        "For scale: Llama 3 405B pre-training saw 148 faulty-GPU and 72 HBM interruptions in 54 days on 16,384 H100s (Dubey et al. 2024, "
        "'The Llama 3 Herd of Models', Table 5), about 9% of GPUs a year.",
    )
    price_point: Annotated[Literal["mid", "low", "high"], Lowercase] = Field(
        default="mid",
        description="Which catalog price to plan with: mid (the catalog's price), or the low or high end of each published range "
        "(entries without a range, and quoted prices, keep their price). `procure whatif --vary prices=low,mid,high` compares them.",
    )


class TcoSettings(StrictModel):
    years: float = Field(default=4.0, gt=0, le=30, description="Horizon, years (at most 30: longer than any facility keeps GPUs).")
    electricity_usd_per_kwh: usd(ge=0, le=10) = Field(default=0.10, description="EIA US commercial ≈ $0.12, industrial ≈ $0.08 (2024); at most $10/kWh, ~20× the dearest retail rates.")
    pue: float = Field(default=1.3, ge=1, le=3, description="Power usage effectiveness, 1 to 3 (Uptime Institute 2023 average 1.58; new builds ≈ 1.3; 3 is a very poor legacy room).")
    utilization: float = Field(default=0.7, gt=0, le=1, description="Average draw as a share of nameplate power.")


class ObjectiveSpec(StrictModel):
    minimize: Annotated[Literal["cost", "power", "tco", "rent", "hybrid"], Lowercase] = Field(
        default="cost",
        description="cost (capex), power, tco (capex + energy over the horizon), rent (cloud instances instead of servers: the cheapest "
        "monthly reservation, see `rent:`) or hybrid (owned servers for rent.base_fraction of the demand, cloud instances for the rest).",
    )
    tco: TcoSettings = Field(default_factory=TcoSettings)


class Problem(StrictModel):
    name: Line = Field(min_length=1, description="Problem name, printed in plans (one line of printable text, at most 200 characters).")
    description: Paragraph = Field(default="", description="Free text; newlines and tabs are fine, other control characters are not.")
    workloads: list[Workload] = Field(min_length=1, max_length=1000, description="Workloads to run (at most 1,000).")
    limits: Limits = Field(default_factory=Limits)
    objective: ObjectiveSpec = Field(default_factory=ObjectiveSpec)
    procurement: Procurement = Field(default_factory=Procurement)
    assumptions: Assumptions = Field(default_factory=Assumptions)
    economics: EconomicsSettings = Field(default_factory=EconomicsSettings, description="Unit-cost assumptions: serving utilisation, support, space, residual value.")
    rent: RentSettings = Field(default_factory=RentSettings, description="Renting: commitment, providers, the buy-versus-rent comparison, hybrid split.")
    engines: list[Annotated[Engine, Lowercase]] | None = Field(
        default=None,
        description="Inference engines the team will run, in preference order (vllm, sglang, tensorrt-llm, llama.cpp, mlx). "
        "Default: vLLM (llama.cpp for GGUF) on GPUs, llama.cpp then MLX on Apple silicon, llama.cpp on CPUs. "
        "Hardware is bought only for formats one of them runs there (catalogs/engines.yaml).",
    )
    scenarios: dict[Line, dict] = Field(default_factory=dict, description="Named overlays on this problem for `procure whatif` (dotted field paths to values).")

    @model_validator(mode="after")
    def _unique_names(self) -> "Problem":
        names = [w.name for w in self.workloads]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"workload names must be unique; repeated: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _interactive_defaults(self) -> "Problem":
        """Interactive workloads that do not state a speed floor or first-token ceiling get the
        documented defaults (assumptions.interactive_*); writing `null` opts out."""
        filled = []
        for workload in self.workloads:
            update: dict[str, float] = {}
            if workload.kind == "interactive":
                if "min_decode_tokens_per_s" not in workload.model_fields_set:
                    update["min_decode_tokens_per_s"] = self.assumptions.interactive_min_decode_tokens_per_s
                if "max_ttft_s" not in workload.model_fields_set:
                    update["max_ttft_s"] = self.assumptions.interactive_max_ttft_s
            filled.append(workload.model_copy(update=update) if update else workload)
        object.__setattr__(self, "workloads", filled)
        return self
