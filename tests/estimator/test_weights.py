"""Weight bytes per format, per tensor-parallel rank and per pipeline stage (weights.py).

Hand-worked from config.json shapes, and compared with the sizes of published checkpoints
(Hugging Face file listings; "GB" there is 10^9 bytes, each file rounded to 0.01 GB):

- meta-llama/Llama-3.1-8B, BF16: model.safetensors.index.json "total_size": 16060522496
  (quoted verbatim in many public tools); shards 4.98 + 5.00 + 4.92 + 1.17 = 16.07 GB.
- hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4: shards 4.97 + 6 × 4.89 + 3.36 + 2.10
  = 39.77 GB; its index "total_size": 39767785472 (70B shapes, 9 shards, ``qweight``
  tensors) is quoted in a public Go test of safetensors index parsing.
- amd/Meta-Llama-3.1-405B-Instruct-fp8-quark-vllm: repository size "410 GB"
  (9 × 42.9 + 23.5 = 409.6 GB of safetensors).
- bartowski/Meta-Llama-3.1-8B-Instruct-GGUF and mradermacher/Meta-Llama-3.1-8B(-Instruct)-GGUF:
  Q4_K_M 4.92 GB; mradermacher Q8_0 8.54 GB (GGUF adds tokenizer metadata and F32 norms).
- mistralai/Mixtral-8x7B-Instruct-v0.1, BF16: index "total_size": 93405585408 (hard-coded in a
  public expert-selection script for that checkpoint).
- soprasteria/Mixtral-8x7B-Instruct-v0.1-FP8 (per-tensor FP8, vLLM): shards 4.95 + 5 + 4.98 + 5
  + 5 + 4.98 + 5 + 4.98 + 5 + 2.07 = 46.96 GB.
"""

from __future__ import annotations

import pytest

from solver.catalog import load_catalog
from solver.estimator.formats import Q4_K_BITS, Q6_K_BITS, Q8_0_BITS, weight_format
from solver.estimator.params import count_parameters
from solver.estimator.weights import (
    StageLayers,
    kv_share,
    model_weight_bytes,
    pipeline_stages,
    rank_weights,
    stage_shapes,
    stage_weight_bytes,
)

CATALOG = load_catalog(include_user=False)
GB = 1e9


def model(name: str):
    return CATALOG.model(name)


def size(name: str, fmt: str) -> float:
    return model_weight_bytes(model(name), weight_format(fmt))


# ------------------------------------------------------------------------------------------
# Hand-worked whole-model sizes


def test_llama_3_1_8b_bf16_hand_worked() -> None:
    # 8,030,261,248 parameters (tests/estimator/test_params.py) × 2 bytes = 16,060,522,496 B.
    assert size("llama-3.1-8b", "bf16") == 2 * 8_030_261_248 == 16_060_522_496


def test_llama_3_1_70b_awq_hand_worked() -> None:
    # Linear weights per layer: q, o 8192×8192 (67,108,864 each); k, v 8192×1024 (8,388,608 each);
    # gate, up, down 3 × 8192 × 28672 = 704,643,072 → 855,638,016; × 80 layers = 68,451,041,280.
    linear = 80 * (2 * 8192 * 8192 + 2 * 8192 * 1024 + 3 * 8192 * 28672)
    assert linear == 68_451_041_280
    # AWQ: 4 + (16 + 4)/128 = 4.15625 bits → 68,451,041,280 × 4.15625 / 8 = 35,562,455,040 B.
    linear_bytes = linear * 4.15625 / 8
    assert linear_bytes == 35_562_455_040
    # Embedding and (untied) lm_head stay FP16: 2 × 128256 × 8192 × 2 B = 4,202,692,608 B.
    embeddings = 2 * 128256 * 8192 * 2
    # RMSNorms: (2 per layer × 80 + final) × 8192 × 2 B = 2,637,824 B.
    norms = (2 * 80 + 1) * 8192 * 2
    total = linear_bytes + embeddings + norms
    assert total == 39_767_785_472
    assert size("llama-3.1-70b", "awq") == total
    assert size("llama-3.1-70b", "gptq-int4") == total  # same group-128 packing


def test_llama_3_1_8b_q4_k_m_hand_worked() -> None:
    # Q4_K (4.5 bpw): q 4096², k 4096×1024, o 4096², gate+up 2 × 4096 × 14336, per layer × 32.
    base = 32 * (2 * 4096 * 4096 + 4096 * 1024 + 2 * 4096 * 14336)
    assert base == 4_966_055_936
    # v (4096×1024) and down (14336×4096): Q6_K in half the layers → (4.5 + 6.5625)/2 = 5.53125 bpw.
    mixed = 32 * (4096 * 1024 + 4096 * 14336)
    assert mixed == 2_013_265_920
    embedding = 128256 * 4096  # token_embd Q4_K; output Q6_K
    norms = (2 * 32 + 1) * 4096  # 16-bit
    total = base * 4.5 / 8 + mixed * 5.53125 / 8 + embedding * 4.5 / 8 + embedding * 6.5625 / 8 + norms * 2
    assert total == 4_912_365_568
    assert size("llama-3.1-8b", "q4_k_m") == total
    assert (Q4_K_BITS + Q6_K_BITS) / 2 == 5.53125


def test_llama_3_1_8b_q8_0_hand_worked() -> None:
    # Everything but the 266,240 norm weights at 8.5 bpw, norms at 16 bits.
    norms = (2 * 32 + 1) * 4096
    assert norms == 266_240
    total = (8_030_261_248 - norms) * Q8_0_BITS / 8 + norms * 2
    assert total == 8_532_402_176
    assert size("llama-3.1-8b", "q8_0") == total


def test_llama_3_1_405b_fp8_hand_worked() -> None:
    # 126 layers: q, o 16384²; k, v 16384×1024; MLP 3 × 16384 × 53248 → 401,646,551,040 linear
    # weights at 1 byte; embedding + lm_head 2 × 128256 × 16384 at 2 bytes; norms at 2 bytes.
    linear = 126 * (2 * 16384 * 16384 + 2 * 16384 * 1024 + 3 * 16384 * 53248)
    assert linear == 401_646_551_040
    total = linear + 2 * 128256 * 16384 * 2 + (2 * 126 + 1) * 16384 * 2
    assert total == 410_060_226_560
    assert size("llama-3.1-405b", "fp8") == total


def test_mixtral_bf16_hand_worked() -> None:
    # Per layer: attention 2×4096² + 2×4096×1024 = 41,943,040; 8 experts × 3 × 4096 × 14336
    # = 1,409,286,144; router 4096 × 8 = 32,768; norms 8,192 → 1,451,270,144; × 32 layers.
    per_layer = 41_943_040 + 1_409_286_144 + 32_768 + 8_192
    params = 32 * per_layer + 2 * 32000 * 4096 + 4096
    assert params == 46_702_792_704
    assert size("mixtral-8x7b", "bf16") == 2 * params == 93_405_585_408


# ------------------------------------------------------------------------------------------
# Published checkpoint sizes


@pytest.mark.parametrize(
    ("model_id", "fmt", "published", "tolerance", "source"),
    [
        # Exact index totals: the formula must reproduce them to the byte.
        ("llama-3.1-8b", "bf16", 16_060_522_496, 0.0, "meta-llama/Llama-3.1-8B index total_size"),
        ("llama-3.1-70b", "awq", 39_767_785_472, 0.0, "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4 index total_size"),
        ("mixtral-8x7b", "bf16", 93_405_585_408, 0.0, "mistralai/Mixtral-8x7B-Instruct-v0.1 index total_size"),
        # File listings rounded to 0.01 GB per file (or 1 GB for the repo total): 1 %.
        ("llama-3.1-8b", "bf16", 16.07e9, 0.01, "shards 4.98+5.00+4.92+1.17 GB"),
        ("llama-3.1-70b", "awq", 39.77e9, 0.01, "shards 4.97+6×4.89+3.36+2.10 GB"),
        ("llama-3.1-405b", "fp8", 410e9, 0.01, "amd/Meta-Llama-3.1-405B-Instruct-fp8-quark-vllm 410 GB"),
        ("llama-3.1-8b", "q4_k_m", 4.92e9, 0.01, "bartowski / mradermacher Q4_K_M.gguf 4.92 GB"),
        ("llama-3.1-8b", "q8_0", 8.54e9, 0.01, "mradermacher Q8_0.gguf 8.54 GB"),
        ("mixtral-8x7b", "fp8", 46.96e9, 0.01, "soprasteria/Mixtral-8x7B-Instruct-v0.1-FP8 shards"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_published_checkpoint_sizes(model_id: str, fmt: str, published: float, tolerance: float, source: str) -> None:
    estimate = size(model_id, fmt)
    ratio = estimate / published
    assert abs(ratio - 1) <= tolerance, f"{model_id} {fmt}: {estimate / GB:.3f} GB vs {published / GB:.3f} GB ({source}); ratio {ratio:.4f}"


def test_four_bit_70b_is_about_40_gb_and_far_from_bf16() -> None:
    awq = size("llama-3.1-70b", "awq")
    bf16 = size("llama-3.1-70b", "bf16")
    # 141.1 GB in BF16 (70,553,706,496 params × 2); 4-bit with FP16 embeddings ≈ 28 %.
    assert bf16 == 2 * count_parameters(model("llama-3.1-70b")).total
    assert 0.27 < awq / bf16 < 0.30


# ------------------------------------------------------------------------------------------
# Tensor parallelism


def test_kv_share() -> None:
    llama70 = model("llama-3.1-70b")  # 8 KV heads
    assert [kv_share(llama70, tp) for tp in (1, 2, 4, 8)] == [1.0, 0.5, 0.25, 0.125]
    # Beyond the KV heads each rank keeps one whole (replicated) head.
    assert kv_share(llama70, 16) == kv_share(llama70, 64) == 1 / 8
    qwen15 = model("r1-distill-qwen-1.5b")  # 2 KV heads
    assert kv_share(qwen15, 4) == 0.5


def test_llama_3_1_70b_bf16_rank_weights_at_tp8_hand_worked() -> None:
    w = rank_weights(model("llama-3.1-70b"), weight_format("bf16"), 8)
    # q and o: 2 × 8192 × 8192 / 8 = 16,777,216 weights → 33,554,432 B
    # k and v: one KV head each: 2 × 8192 × 128 = 2,097,152 weights → 4,194,304 B
    # MLP: 3 × 8192 × 28672 / 8 = 88,080,384 weights → 176,160,768 B
    # two RMSNorms, replicated: 2 × 8192 × 2 B = 32,768 B
    assert w.dense_layer == 33_554_432 + 4_194_304 + 176_160_768 + 32_768 == 213_942_272
    # Vocab-parallel embedding and lm_head: 128256 × 8192 / 8 × 2 B = 262,668,288 B each.
    assert w.embedding == w.lm_head == 262_668_288
    assert w.final_norm == 8192 * 2
    assert w.moe_layer == w.moe_layer_experts == 0


def test_kv_projections_replicate_beyond_the_kv_heads() -> None:
    llama70 = model("llama-3.1-70b")
    bf16 = weight_format("bf16")
    at8, at16 = rank_weights(llama70, bf16, 8), rank_weights(llama70, bf16, 16)
    # From TP8 to TP16 q, o and the MLP halve; k and v (one head per rank) do not:
    # TP16 layer = (33,554,432 + 176,160,768)/2 + 4,194,304 + 32,768 = 109,084,672 B.
    assert at16.dense_layer == (33_554_432 + 176_160_768) / 2 + 4_194_304 + 32_768 == 109_084_672
    assert at16.dense_layer > at8.dense_layer / 2


def test_rank_weights_sum_back_to_the_model_when_nothing_is_replicated() -> None:
    llama70 = model("llama-3.1-70b")
    for fmt in ("bf16", "awq", "fp8", "q4_k_m"):
        whole = rank_weights(llama70, weight_format(fmt), 1)
        split = rank_weights(llama70, weight_format(fmt), 8)
        # Only the two RMSNorms per layer (2 × 8192 × 2 B) are replicated at TP8 ≤ 8 KV heads.
        norms = 2 * 8192 * 2
        assert split.dense_layer * 8 - 7 * norms == pytest.approx(whole.dense_layer, rel=1e-12)


def test_mla_down_projections_are_replicated_like_vllm() -> None:
    """vLLM (model_executor/models/deepseek_v2.py, DeepseekV2Attention) builds q_a_proj and
    kv_a_proj_with_mqa as ReplicatedLinear: every TP rank holds both whole."""
    v3 = model("deepseek-v3")
    fp8 = weight_format("fp8")
    whole, split = rank_weights(v3, fp8, 1), rank_weights(v3, fp8, 8)
    kv_a = 7168 * (512 + 64)  # kv_a_proj_with_mqa, 4,128,768 weights at 1 byte
    q_a = 7168 * 1536  # q_a_proj, 11,010,048 weights at 1 byte
    small = ((1536 + 512) + 2 * 7168) * 2  # latent norms + layer norms, 16-bit
    replicated = kv_a + q_a + small
    assert q_a == 11_010_048
    assert split.dense_layer == pytest.approx((whole.dense_layer - replicated) / 8 + replicated, rel=1e-9)


def test_moe_experts_split_across_ranks_router_replicated() -> None:
    mixtral = model("mixtral-8x7b")
    bf16 = weight_format("bf16")
    whole = rank_weights(mixtral, bf16, 1)
    # 8 experts × 3 × 4096 × 14336 × 2 B = 2,818,572,288 B of routed experts per layer.
    assert whole.moe_layer_experts == 2_818_572_288
    # Mixtral has no dense layers: every layer is an MoE layer; its layer = attention + experts
    # + router (4096 × 8 × 2 B) + norms.
    assert whole.moe_layer == (41_943_040 + 1_409_286_144 + 32_768 + 8_192) * 2
    at8 = rank_weights(mixtral, bf16, 8)
    assert at8.moe_layer_experts == whole.moe_layer_experts / 8


# ------------------------------------------------------------------------------------------
# Pipeline stages


def test_pipeline_stages_split_layers_earlier_stages_take_the_remainder() -> None:
    stages = pipeline_stages(model("llama-3.1-70b"), 3)
    assert [stage.layers for stage in stages] == [27, 27, 26]
    assert [(stage.first, stage.last) for stage in stages] == [(True, False), (False, False), (False, True)]
    # DeepSeek-V3: 3 dense layers, then 58 MoE layers; 61 = 31 + 30.
    v3 = pipeline_stages(model("deepseek-v3"), 2)
    assert v3 == (StageLayers(dense=3, moe=28, first=True, last=False), StageLayers(dense=0, moe=30, first=False, last=True))


def test_stage_weight_bytes_add_up_to_the_model() -> None:
    llama70 = model("llama-3.1-70b")
    fmt = weight_format("bf16")
    weights = rank_weights(llama70, fmt, 1)
    stages = pipeline_stages(llama70, 4)
    total = sum(stage_weight_bytes(llama70, weights, stage) for stage in stages)
    assert total == model_weight_bytes(llama70, fmt)
    # First stage: 20 layers + embedding; last: 20 layers + final norm + lm_head.
    assert stage_weight_bytes(llama70, weights, stages[0]) == 20 * weights.dense_layer + weights.embedding
    assert stage_weight_bytes(llama70, weights, stages[-1]) == 20 * weights.dense_layer + weights.final_norm + weights.lm_head


def test_tied_embeddings_last_stage_keeps_its_own_copy() -> None:
    tied = model("llama-3.1-8b").model_copy(update={"tie_word_embeddings": True, "id": "llama-3.1-8b-tied"})
    fmt = weight_format("bf16")
    weights = rank_weights(tied, fmt, 1)
    assert weights.lm_head == 0.0
    embedding = 128256 * 4096 * 2
    # One stage: one copy. Two stages: the last stage holds the embedding again as its lm_head.
    single = model_weight_bytes(tied, fmt)
    assert single == 2 * 8_030_261_248 - embedding
    stages = pipeline_stages(tied, 2)
    assert sum(stage_weight_bytes(tied, weights, stage) for stage in stages) == single + embedding


@pytest.mark.parametrize("name, pp", [("llama-3.1-8b", 1), ("llama-3.1-70b", 7), ("deepseek-v2", 60), ("llama-3.1-405b", 126)])
def test_stage_shapes_are_the_distinct_stages_in_order(name: str, pp: int) -> None:
    stages = pipeline_stages(model(name), pp)
    shapes = stage_shapes(model(name), pp)
    assert list(shapes) == [stage for index, stage in enumerate(stages) if stage not in stages[:index]]
    assert len(shapes) <= 5
