"""The plan as written to plan.json (and read back by the verifier)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Summary(PlanModel):
    problem: str
    status: str
    objective: str
    objective_value: float
    best_bound: float
    objective_unit: str
    gap: float
    capex_usd: int
    power_w: int
    tco_usd: float
    gpus: dict[str, int]
    """GPUs in the plan by type (bought and owned)."""
    nodes: int
    racks: int
    solve_seconds: float
    build_seconds: float
    precompute_seconds: float = 0.0
    """Estimating every deployment option before the model is built."""
    deterministic: bool = True
    """False when a search stopped at the wall-clock backstop (a busy machine) rather than at its
    deterministic time limit: the same input may then give another plan."""
    stages: list[dict]
    binding_limits: list[str]
    speed_confidence: float = 0.8
    """Quantile of the calibration band the plan's speeds and first-token times are planned at."""
    speed_model: str = ""
    """Which fit of catalogs/speed_model.yaml planned the speeds (date and measurement-set hash)."""
    name_expansions: list[str] = []
    """Family names in the problem's GPU lists and the variants each stood for."""
    policy_opt_ins: list[str] = []
    """Buying-policy rules the problem lifted (end-of-life parts, GeForce in a rack room, ...)."""
    excluded_by_policy: list[str] = []
    """GPU types the buying policy kept out of the plan, with why."""
    warnings: list[str] = []
    """Things the buyer should act on (expired quotes)."""
    price_point: str = "mid"
    """Which catalog prices planned the purchase: mid (catalog), low or high end of each range."""


class NodePlan(PlanModel):
    id: str
    node_type: str
    gpu: str
    gpu_count: int
    nvlink_domain: int
    gpu_memory_bytes: int
    owned: bool
    rack: int | None
    """None for desk-side machines."""
    fabric: bool
    power_w: int
    rack_units: int
    rented: bool = False
    """A cloud instance (objective rent or hybrid): node_type is its cloud.yaml id; no facility power or rack."""


class Placement(PlanModel):
    node: str
    gpus: list[int]
    mig_slice: int | None = None


class ReplicaPlan(PlanModel):
    workload: str
    model: str
    precision: str
    kv_precision: str
    gpu: str
    node_type: str
    tp: int
    pp: int
    dp: int
    zero_stage: int
    ep: int = 1
    """Expert-parallel degree (MoE): experts spread whole over ep GPUs per stage."""
    mig_profile: str | None
    placement: list[Placement]
    sessions: int
    serves: int
    memory_per_gpu_bytes: int
    usable_memory_per_gpu_bytes: int
    decode_tokens_per_s: float | None
    """Per-session decode speed the plan counts on: the speed_confidence quantile of the band."""
    ttft_s: float | None
    """Time to first token the plan counts on (same quantile)."""
    training_hours: float | None
    engine: str | None = None
    """Inference engine the replica runs on (catalogs/engines.yaml)."""
    decode_estimate_tokens_per_s: float | None = None
    """The speed model's central estimate."""
    decode_band_tokens_per_s: list[float] | None = None
    """Low and high decode speed: 10th-90th percentile of comparable held-out measurements."""
    ttft_estimate_s: float | None = None
    ttft_band_s: list[float] | None = None


class WorkloadPlan(PlanModel):
    name: str
    kind: str
    unit: str
    required_sessions: int
    served_sessions: int
    served_fraction: float
    replicas: int
    min_decode_tokens_per_s: float | None = None
    """The speed floor the plan was held to (interactive default unless the problem set one)."""
    max_ttft_s: float | None = None
    redundancy: str = "none"
    failure_domain: str = "server"
    served_after_worst_failure: int | None = None
    """Demand units still served after the worst k failure domains are lost (redundant workloads)."""


class FabricPlan(PlanModel):
    technology: str | None
    nodes: list[str]
    ports: int
    """Switch-facing server ports (one cable each)."""
    nics: int
    """NICs bought: the ports of servers whose accelerators have none of their own."""
    leaf_switches: int
    spine_switches: int
    cables: int


class RackPlan(PlanModel):
    index: int
    nodes: list[str]
    switches: int
    """Scale-out fabric switches in the rack."""
    pdus: int
    """PDUs: two per A/B pair, each able to carry the rack alone."""
    power_w: int
    rack_units_used: int
    cooling: str = "air"
    power_limit_w: int | None = None
    """The density limit the rack is held to (air- or liquid-cooled)."""
    frontend_switches: int = 0
    management_switches: int = 0


class BomLine(PlanModel):
    line: int
    parent: int | None = None
    """The system line this sub-line is part of (its price is included there); None: a line of its own."""
    category: str
    sku: str
    description: str
    vendor: str
    quantity: int
    unit_price_usd: int
    extended_price_usd: int
    unit_power_w: int
    price_low_usd: int | None = None
    price_high_usd: int | None = None
    price_as_of: str = ""
    price_source: str = ""
    quote_vendor: str = ""
    quote_id: str = ""
    quote_date: str = ""
    quote_valid_until: str = ""
    notes: str = ""


class Plan(PlanModel):
    summary: Summary
    nodes: list[NodePlan]
    replicas: list[ReplicaPlan]
    workloads: list[WorkloadPlan]
    fabric: FabricPlan
    racks: list[RackPlan]
    storage: dict
    bom: list[BomLine]
    baseline: dict | None = None
    economics: dict | None = None
    """Unit economics (solver.economics): assumptions with sources, per-workload and total costs."""
    rent: dict | None = None
    """Renting (solver.rent): for a bought plan, what renting equivalent capacity costs and the
    break-even month; for a rented or hybrid plan, its reservations."""
