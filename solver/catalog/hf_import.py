"""Import a model architecture from a Hugging Face ``config.json`` into the user catalog.

Field mapping (transformers' configuration classes of each family):

- every family: num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads
  (default: num_attention_heads), head_dim (default: hidden_size / num_attention_heads),
  intermediate_size, vocab_size, tie_word_embeddings (default false), max_position_embeddings.
- Qwen2 (and Qwen2-MoE) always have biases on q/k/v; other families read ``attention_bias``.
- Qwen3 (and Qwen3-MoE) always apply RMSNorm to queries and keys per head.
- MoE: routed experts from num_local_experts (Mixtral), num_experts (Qwen), n_routed_experts
  (DeepSeek); num_experts_per_tok; n_shared_experts; moe_intermediate_size (Mixtral's experts
  use intermediate_size); shared_expert_intermediate_size (Qwen2-MoE); first_k_dense_replace
  (DeepSeek) or mlp_only_layers = [0..k-1] (Qwen).
- MLA (DeepSeek-V2/V3): q_lora_rank (null: uncompressed queries), kv_lora_rank,
  qk_rope_head_dim, qk_nope_head_dim, v_head_dim. ``head_dim`` is then the query/key width per
  head, qk_nope_head_dim + qk_rope_head_dim.

The parameter count is computed by ``solver.estimator.params.count_parameters``, not published.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from solver.catalog.loader import load_catalog, user_catalog_dir
from solver.catalog.user_files import write_user_catalog_file
from solver.catalog.yaml_source import load_yaml, validation_input_error
from solver.errors import InputError, did_you_mean
from solver.specs.common import ID_PATTERN
from solver.specs.model import MlaSpec, ModelSpec, MoeSpec

PARAMS_SOURCE = "computed by procure from config.json"


@dataclass(frozen=True)
class _Family:
    family: str
    moe: bool = False
    mla: bool = False
    qkv_bias: bool | None = None
    """True/False when the architecture fixes it; None: read ``attention_bias``."""
    qk_norm: bool = False


ARCHITECTURES: dict[str, _Family] = {
    "LlamaForCausalLM": _Family("llama"),
    "MistralForCausalLM": _Family("mistral"),
    "Qwen2ForCausalLM": _Family("qwen2", qkv_bias=True),
    "Qwen2MoeForCausalLM": _Family("qwen2-moe", moe=True, qkv_bias=True),
    "Qwen3ForCausalLM": _Family("qwen3", qk_norm=True),
    "Qwen3MoeForCausalLM": _Family("qwen3-moe", moe=True, qk_norm=True),
    "MixtralForCausalLM": _Family("mixtral", moe=True),
    "DeepseekV2ForCausalLM": _Family("deepseek-v2", moe=True, mla=True, qkv_bias=False),
    "DeepseekV3ForCausalLM": _Family("deepseek-v3", moe=True, mla=True, qkv_bias=False),
}
_MODEL_TYPES = {
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "qwen2_moe": "Qwen2MoeForCausalLM",
    "qwen3": "Qwen3ForCausalLM",
    "qwen3_moe": "Qwen3MoeForCausalLM",
    "mixtral": "MixtralForCausalLM",
    "deepseek_v2": "DeepseekV2ForCausalLM",
    "deepseek_v3": "DeepseekV3ForCausalLM",
}


class _Config:
    """Typed access to config.json fields; errors name the file and the field."""

    def __init__(self, config: Mapping[str, Any], source_path: str):
        self.config = config
        self.source = source_path

    def error(self, field: str, problem: str) -> InputError:
        return InputError(f"{self.source}: field '{field}' {problem}")

    def has(self, field: str) -> bool:
        return self.config.get(field) is not None

    def int(self, field: str, default: int | None = None, *, minimum: int = 1) -> int:
        value = self.config.get(field)
        if value is None:
            if default is not None:
                return default
            raise self.error(field, "is missing")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(field, f"must be an integer, got {value!r}")
        if value < minimum:
            raise self.error(field, f"must be at least {minimum}, got {value}")
        return value

    def optional_int(self, field: str) -> int | None:
        return self.int(field) if self.has(field) else None

    def bool(self, field: str, default: bool) -> bool:
        value = self.config.get(field)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(field, f"must be true or false, got {value!r}")
        return value


def architecture_of(config: Mapping[str, Any], source_path: str) -> str:
    """The supported architecture a config declares (``architectures[0]``, else ``model_type``)."""
    architectures = config.get("architectures")
    names: list[str] = []
    if isinstance(architectures, list):
        names = [str(name) for name in architectures]
    elif isinstance(architectures, str):
        names = [architectures]
    for name in names:
        if name in ARCHITECTURES:
            return name
    model_type = config.get("model_type")
    if not names and isinstance(model_type, str) and model_type in _MODEL_TYPES:
        return _MODEL_TYPES[model_type]
    supported = ", ".join(ARCHITECTURES)
    if names:
        suggestions = did_you_mean(names[0], list(ARCHITECTURES), n=1)
        message = f"{source_path}: unsupported architecture {names[0]!r}"
        if suggestions:
            message += f" — did you mean {suggestions[0]!r}?"
    elif model_type is not None:
        message = f"{source_path}: unsupported model_type {model_type!r} (no 'architectures' field)"
    else:
        message = f"{source_path}: field 'architectures' is missing"
    raise InputError(message, hint=f"procure imports {supported}; add other models to models.yaml by hand")


def model_from_hf_config(config: dict, *, model_id: str, source_path: str) -> ModelSpec:
    """A ``ModelSpec`` from a parsed config.json; ``official_params_total`` is computed."""
    if not isinstance(config, Mapping):
        raise InputError(f"{source_path}: expected a JSON object at the top level")
    architecture = architecture_of(config, source_path)
    family = ARCHITECTURES[architecture]
    cfg = _Config(config, source_path)

    hidden = cfg.int("hidden_size")
    heads = cfg.int("num_attention_heads")
    kv_heads = cfg.int("num_key_value_heads", default=heads)
    layers = cfg.int("num_hidden_layers")

    mla: MlaSpec | None = None
    if family.mla:
        mla_fields = dict(
            q_lora_rank=cfg.optional_int("q_lora_rank"),
            kv_lora_rank=cfg.int("kv_lora_rank"),
            qk_rope_head_dim=cfg.int("qk_rope_head_dim"),
            qk_nope_head_dim=cfg.int("qk_nope_head_dim"),
            v_head_dim=cfg.int("v_head_dim"),
        )
        mla = _build(MlaSpec, mla_fields, source_path, prefix=("mla",))
        head_dim = mla.qk_nope_head_dim + mla.qk_rope_head_dim
    else:
        if not cfg.has("head_dim") and hidden % heads:
            raise cfg.error("head_dim", f"is missing and hidden_size {hidden} is not a multiple of num_attention_heads {heads}")
        head_dim = cfg.int("head_dim", default=hidden // heads)

    moe: MoeSpec | None = None
    if family.moe:
        moe = _moe_spec(cfg, family, layers, source_path)

    # Mixtral's experts use intermediate_size; DeepSeek/Qwen dense layers use intermediate_size.
    intermediate = cfg.int("intermediate_size", default=moe.expert_intermediate_size if moe else None)
    attention_bias = family.qkv_bias if family.qkv_bias is not None else cfg.bool("attention_bias", False)

    name_or_path = config.get("_name_or_path")
    fields: dict[str, Any] = dict(
        id=model_id,
        name=_display_name(name_or_path, model_id),
        aliases=(),
        source=source_path,
        as_of=dt.date.today(),
        notes=f"imported from config.json ({architecture})",
        family=family.family,
        hf_repo=_hf_repo(name_or_path, source_path),
        num_layers=layers,
        hidden_size=hidden,
        num_attention_heads=heads,
        num_key_value_heads=kv_heads,
        head_dim=head_dim,
        intermediate_size=intermediate,
        vocab_size=cfg.int("vocab_size"),
        tie_word_embeddings=cfg.bool("tie_word_embeddings", False),
        max_position_embeddings=cfg.int("max_position_embeddings"),
        attention_bias=attention_bias,
        qk_norm=family.qk_norm,
        moe=moe,
        mla=mla,
        official_params_total=1.0,
        official_params_active=None,
        params_source=PARAMS_SOURCE,
    )
    draft = _build(ModelSpec, fields, source_path)

    from solver.estimator.params import count_parameters

    count = count_parameters(draft)
    fields["official_params_total"] = float(count.total)
    fields["official_params_active"] = float(count.active) if moe is not None else None
    return _build(ModelSpec, fields, source_path)


def _moe_spec(cfg: _Config, family: _Family, layers: int, source_path: str) -> MoeSpec:
    experts_field = next(
        (name for name in ("n_routed_experts", "num_local_experts", "num_experts") if cfg.has(name)),
        "num_experts" if family.family.startswith("qwen") else "n_routed_experts" if family.mla else "num_local_experts",
    )
    num_experts = cfg.int(experts_field)
    experts_per_token = cfg.int("num_experts_per_tok")
    shared = cfg.int("n_shared_experts", default=0, minimum=0)
    if family.family == "mixtral":
        expert_width = cfg.int("intermediate_size")
    else:
        expert_width = cfg.int("moe_intermediate_size")
    shared_width = cfg.optional_int("shared_expert_intermediate_size")
    if shared_width is not None and shared == 0:
        shared = 1  # Qwen2-MoE: one shared expert of shared_expert_intermediate_size
    first_dense = cfg.int("first_k_dense_replace", default=0, minimum=0)
    for field, expected in (("moe_layer_freq", 1), ("decoder_sparse_step", 1)):
        if cfg.has(field) and cfg.int(field) != expected:
            raise cfg.error(field, f"is {cfg.config[field]}: only configs with an MoE MLP in every layer after the first dense ones are supported")
    dense_layers = cfg.config.get("mlp_only_layers") or []
    if dense_layers:
        if not isinstance(dense_layers, list) or sorted(dense_layers) != list(range(len(dense_layers))):
            raise cfg.error("mlp_only_layers", f"is {dense_layers!r}: only a leading run of dense layers [0, 1, …] is supported")
        first_dense = max(first_dense, len(dense_layers))
    if first_dense > layers:
        raise cfg.error("first_k_dense_replace", f"({first_dense}) exceeds num_hidden_layers ({layers})")
    if experts_per_token > num_experts:
        raise cfg.error("num_experts_per_tok", f"({experts_per_token}) exceeds the number of experts ({num_experts})")
    fields = dict(
        num_experts=num_experts,
        experts_per_token=experts_per_token,
        num_shared_experts=shared,
        expert_intermediate_size=expert_width,
        shared_expert_intermediate_size=shared_width,
        first_k_dense_layers=first_dense,
    )
    return _build(MoeSpec, fields, source_path, prefix=("moe",))


def _build(model_cls: Any, fields: dict[str, Any], source_path: str, prefix: tuple[str, ...] = ()) -> Any:
    try:
        return model_cls.model_validate(fields)
    except ValidationError as error:
        raise validation_input_error(error, model_cls, fields, where=lambda loc: (source_path, prefix + loc)) from None


def _display_name(name_or_path: Any, model_id: str) -> str:
    if isinstance(name_or_path, str) and name_or_path.strip():
        tail = name_or_path.rstrip("/").split("/")[-1]
        if tail:
            return tail
    return model_id


def _hf_cache_repo(path: Path) -> str | None:
    """'org/name' for a config inside the Hugging Face cache (models--org--name/snapshots/<rev>/)."""
    for part in path.parts:
        if part.startswith("models--"):
            return part[len("models--"):].replace("--", "/", 1)
    return None


def _hf_repo(name_or_path: Any, source_path: str) -> str:
    cached = _hf_cache_repo(Path(source_path))
    if cached:
        return cached
    if isinstance(name_or_path, str) and re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", name_or_path):
        return name_or_path
    return ""


def sanitize_id(text: str) -> str:
    """A catalog id from free text: lowercase, other characters become '-'."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-._")


def default_model_id(config_path: Path, config: Mapping[str, Any]) -> str:
    """The folder name, lowercased (the repository name inside the HF cache), else ``_name_or_path``'s tail."""
    cached = _hf_cache_repo(config_path.resolve())
    if cached:
        return sanitize_id(cached.split("/")[-1])
    folder = config_path.resolve().parent.name
    if folder and not re.fullmatch(r"[0-9a-f]{40}", folder):
        candidate = sanitize_id(folder)
        if candidate:
            return candidate
    name_or_path = config.get("_name_or_path")
    if isinstance(name_or_path, str) and name_or_path.strip("/"):
        return sanitize_id(name_or_path.rstrip("/").split("/")[-1])
    return ""


def read_hf_config(path: Path) -> tuple[Path, dict[str, Any]]:
    """(config.json path, parsed JSON); ``path`` may be the file or the folder holding it."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {path}", hint="give a config.json or the model folder that holds it") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {path}: {err}") from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}") from None
    if not isinstance(config, dict):
        raise InputError(f"{path}: expected a JSON object at the top level")
    return path, config


def model_from_config_file(config_path: Path, model_id: str | None = None) -> ModelSpec:
    """Read a config.json (or the folder holding it) and build its ``ModelSpec``.

    The id defaults to the folder name, lowercased; an id that is already an *alias* of a
    catalog model is refused (importing under an existing *id* replaces that model).
    """
    path, config = read_hf_config(config_path)
    chosen = model_id if model_id is not None else default_model_id(path, config)
    if not chosen or not re.fullmatch(ID_PATTERN, chosen):
        shown = f" {chosen!r}" if chosen else ""
        suggestion = sanitize_id(chosen) if chosen else ""
        raise InputError(
            f"cannot use{shown} as a model id: use lowercase letters, digits, '.', '_' and '-'",
            hint=f"pass --id {suggestion}" if suggestion and suggestion != chosen else "pass --id NAME",
        )
    spec = model_from_hf_config(config, model_id=chosen, source_path=str(path))
    catalog = load_catalog()
    if chosen not in catalog.models:
        try:
            owner = catalog.model(chosen).id
        except InputError:
            owner = None
        if owner is not None:
            raise InputError(
                f"model id {chosen!r} is already an alias of catalog model {owner!r}",
                hint=f"pass --id {owner} to replace that model, or choose another --id",
            )
    return spec


def write_user_model(spec: ModelSpec) -> Path:
    """Add ``spec`` to the user catalog's models.yaml, replacing an entry with the same id.

    The file is rewritten atomically and read back before it replaces the old one
    (``user_files``); its other entries and keys are kept (comments are not).
    """
    target = user_catalog_dir() / "models.yaml"
    data: dict[str, Any] = {}
    if target.exists():
        data = dict(load_yaml(target).data)
    models = data.get("models") or []
    if not isinstance(models, list):
        raise InputError(f"{target}: 'models' must be a list of entries")
    entry = spec.model_dump(mode="json")
    replaced = False
    for index, existing in enumerate(models):
        if isinstance(existing, dict) and existing.get("id") == spec.id:
            models[index] = entry
            replaced = True
    if not replaced:
        models.append(entry)
    data["models"] = models
    text = "# procure user catalog: models (written by `procure models import`)\n"
    text += yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return write_user_catalog_file(target.name, text)


def import_model(config_path: Path, model_id: str | None = None) -> Path:
    """Import a config.json into the user catalog's models.yaml; returns that file's path."""
    return write_user_model(model_from_config_file(config_path, model_id))


__all__ = [
    "ARCHITECTURES",
    "PARAMS_SOURCE",
    "default_model_id",
    "import_model",
    "model_from_config_file",
    "model_from_hf_config",
    "read_hf_config",
    "sanitize_id",
    "write_user_model",
]
