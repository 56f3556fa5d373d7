"""Seeded mutations of procure's inputs: YAML/JSON documents and CSV quote files.

A mutation takes a valid input and breaks it one way (the `kind` reported in the fuzz summary).
Structured mutations edit the parsed tree and serialise it again; values no serialiser can write
(5,000-digit integers, 100,000-deep lists, alias bombs, explicit tags) go in as placeholders that
are replaced by raw text afterwards, so the generator never needs more than Python's default
limits (changing them, e.g. sys.set_int_max_str_digits, would also change what procure sees).
Text mutations work on the serialised file (truncation, byte flips, duplicated lines).
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

HUGE_INT = "9" * 5000
DEEP = 100_000


@dataclass(frozen=True)
class Mutant:
    kind: str
    data: bytes


class _Tree:
    """A parsed document plus raw-text placeholders to substitute after serialising."""

    def __init__(self, data: Any):
        self.data = data
        self.raw: dict[str, str] = {}

    def placeholder(self, text: str) -> str:
        key = f"RAWFUZZ{len(self.raw)}X"
        self.raw[key] = text
        return key

    def slots(self) -> list[tuple[Any, Any]]:
        """(container, key) of every value in the tree, the root excluded."""
        found: list[tuple[Any, Any]] = []
        stack = [self.data]
        while stack:
            node = stack.pop()
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            for key, value in items:
                found.append((node, key))
                if isinstance(value, (dict, list)):
                    stack.append(value)
        return found

    def scalar_slots(self) -> list[tuple[Any, Any]]:
        return [(c, k) for c, k in self.slots() if not isinstance(c[k], (dict, list))]

    def mappings(self) -> list[dict]:
        found = [self.data] if isinstance(self.data, dict) else []
        found.extend(c[k] for c, k in self.slots() if isinstance(c[k], dict))
        return found


# --------------------------------------------------------------------------------------------
# Tree mutations: each edits the tree in place and returns False when it found nothing to edit.

EXTREME_NUMBERS: list[Any] = [0, -1, 1, 1e308, -1e308, 1e-308, 0.999, 2**63, 2**64 + 1, 10**20, -(10**20), float("inf"), float("-inf"), float("nan")]
WRONG_TYPES: list[Any] = [[], [1, 2], {}, {"x": 1}, "text", "", True, False, None]
NASTY_TEXT = [
    "\x1b[2J\x1b[H owned", "line\nforged: yes", "carriage\rreturn", "bell\x07", "nul\x00byte", "rtl\u202eevil", "sep\u2028line",
    "ünïcödé 日本語 👍🏽", "\ufeffbom", "  spaced  ", "FP8", "AWQ", "H100", "Interactive", "DEDICATED", "300k", "$1.5m", "2,500,000",
    "-", "~", "null", "yes", "0x1F", "1e400", ".inf", "{{}}", "'quoted'", "\"dq\"", "a: b", "- item", "&anchor", "*alias", "!tag",
]
LONE_SURROGATE_YAML = '"lone \\ud800 surrogate"'
LONE_SURROGATE_JSON = '"lone \\ud800 surrogate"'
TAGS = ["!!int abc", "!!bool maybe", "!!float x", "!!timestamp nope", "!!python/object/apply:os.system ['echo owned']", "!!python/name:os.system", "!!binary aGk=", "!!set {a}", "!custom x", "!!str 5", "!!int '42'", "!!null ''"]


def _delete_key(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    mappings = [m for m in tree.mappings() if m]
    if not mappings:
        return False
    mapping = rng.choice(mappings)
    del mapping[rng.choice(list(mapping))]
    return True


def _unknown_key(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    mappings = tree.mappings()
    if not mappings:
        return False
    mapping = rng.choice(mappings)
    if mapping and rng.random() < 0.5:
        key = rng.choice(list(mapping))
        typo = key[:-1] if len(key) > 1 and rng.random() < 0.5 else key + "s"
        mapping[typo] = mapping[key]
    else:
        mapping[rng.choice(["extra", "Name", "budget", "1", "\x1b[31mred"])] = rng.choice([1, "x", None])
    return True


def _extreme_number(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.scalar_slots()
    if not slots:
        return False
    container, key = rng.choice(slots)
    choice = rng.randrange(len(EXTREME_NUMBERS) + 2)
    if choice == len(EXTREME_NUMBERS):
        container[key] = tree.placeholder(HUGE_INT)
    elif choice == len(EXTREME_NUMBERS) + 1:
        container[key] = tree.placeholder("-" + HUGE_INT[:400] + (".5e99999" if rng.random() < 0.5 else ""))
    else:
        container[key] = EXTREME_NUMBERS[choice]
    return True


def _wrong_type(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = rng.choice(WRONG_TYPES)
    return True


def _nasty_text(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if not slots:
        return False
    container, key = rng.choice(slots)
    if rng.random() < 0.15:
        container[key] = tree.placeholder(LONE_SURROGATE_YAML if fmt == "yaml" else LONE_SURROGATE_JSON)
    else:
        container[key] = rng.choice(NASTY_TEXT)
    return True


def _long_string(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = rng.choice("ab\u00e9\u65e5") * rng.choice([300, 20_000, 1_000_000])
    return True


def _deep_nesting(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if not slots:
        return False
    container, key = rng.choice(slots)
    depth = rng.choice([70, 1_000, DEEP])
    opener, closer = ("[", "]") if rng.random() < 0.6 else ("{" + ('"a": ' if fmt == "json" else "a: "), "}")
    container[key] = tree.placeholder(opener * depth + "1" + closer * depth)
    return True


def _case_change(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = [(c, k) for c, k in tree.scalar_slots() if isinstance(c[k], str)]
    if not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = rng.choice([str.upper, str.title, str.swapcase])(container[key])
    return True


def _money_text(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = [(c, k) for c, k in tree.scalar_slots() if isinstance(c[k], (int, float)) and not isinstance(c[k], bool)]
    if not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = rng.choice(["300k", "$1.5m", "2,500,000", "$300k", "1b", "0.5k", "1,00", "k", "$", "1e3k", "-2k", "1_000"])
    return True


def _scale_number(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    """A number scaled by a plausible-to-absurd factor: mutants that stay valid reach the solver."""
    slots = [(c, k) for c, k in tree.scalar_slots() if isinstance(c[k], (int, float)) and not isinstance(c[k], bool)]
    if not slots:
        return False
    container, key = rng.choice(slots)
    value = container[key] * rng.choice([0, 0.001, 0.1, 0.5, 2, 3, 10, 100, 1000, 10**6])
    container[key] = round(value) if isinstance(container[key], int) else value
    return True


# Words procure knows: a string swapped for another one reaches other valid (and invalid) paths.
VOCABULARY = [
    "bf16", "fp16", "fp8", "int8", "int4", "awq", "gptq-int4", "gptq-int8", "nf4", "q4_k_m", "q8_0", "interactive", "batch",
    "finetune", "pretrain", "full", "lora", "qlora", "shared", "dedicated", "cost", "power", "tco", "llama-3.1-8b",
    "llama-3.1-70b", "llama-3.1-405b", "qwen2.5-7b", "deepseek-v3", "h100-sxm", "h100-pcie", "l40s", "rtx-4090", "a100-80gb-sxm",
    "m3-ultra-512gb", "epyc-genoa-2s", "mi300x", "ws-2gpu", "pcie-8gpu", "hgx-h100-8", "mac-studio", "nvidia", "amd",
]


def _vocabulary(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = [(c, k) for c, k in tree.scalar_slots() if isinstance(c[k], str)]
    if not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = rng.choice(VOCABULARY)
    return True


def _duplicate_item(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    lists = [c[k] for c, k in tree.slots() if isinstance(c[k], list) and c[k]]
    if not lists:
        return False
    items = rng.choice(lists)
    items.append(copy.deepcopy(rng.choice(items)))
    return True


def _yaml_tag(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if fmt != "yaml" or not slots:
        return False
    container, key = rng.choice(slots)
    container[key] = tree.placeholder(rng.choice(TAGS))
    return True


def _alias_bomb(tree: _Tree, rng: random.Random, fmt: str) -> bool:
    slots = tree.slots()
    if fmt != "yaml" or not slots:
        return False
    levels = rng.choice([3, 6, 9])
    anchors = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, levels)
    ]
    container, key = rng.choice(slots)
    # A flow mapping holding the anchors, then the last alias: valid YAML anywhere a value goes.
    container[key] = tree.placeholder("{" + ", ".join(anchors) + f", bomb: *a{levels - 1}" + "}")
    return True


TREE_MUTATIONS: dict[str, Callable[[_Tree, random.Random, str], bool]] = {
    "delete_key": _delete_key,
    "unknown_key": _unknown_key,
    "extreme_number": _extreme_number,
    "wrong_type": _wrong_type,
    "unicode_control": _nasty_text,
    "long_string": _long_string,
    "deep_nesting": _deep_nesting,
    "case_change": _case_change,
    "money_text": _money_text,
    "scale_number": _scale_number,
    "vocabulary": _vocabulary,
    "duplicate_item": _duplicate_item,
    "explicit_tag": _yaml_tag,
    "alias_bomb": _alias_bomb,
}


# --------------------------------------------------------------------------------------------
# Text mutations


def _truncate(text: bytes, rng: random.Random) -> bytes:
    return text[: rng.randrange(len(text) + 1)]


def _byte_flips(text: bytes, rng: random.Random) -> bytes:
    data = bytearray(text)
    for _ in range(rng.choice([1, 1, 2, 5, 20])):
        if data:
            position = rng.randrange(len(data))
            data[position] = rng.choice([data[position] ^ (1 << rng.randrange(8)), rng.randrange(256), 0, 0x1B, 0xFF])
    return bytes(data)


def _duplicate_line(text: bytes, rng: random.Random) -> bytes:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return b"".join(lines)


def _shuffle_lines(text: bytes, rng: random.Random) -> bytes:
    lines = text.splitlines(keepends=True)
    rng.shuffle(lines)
    return b"".join(lines)


TEXT_MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "byte_flip": _byte_flips,
    "duplicate_line": _duplicate_line,
    "shuffle_lines": _shuffle_lines,
}


# --------------------------------------------------------------------------------------------
# Documents (YAML problems, JSON configs)


def _serialise(tree: _Tree, fmt: str) -> str:
    if fmt == "yaml":
        text = yaml.safe_dump(tree.data, sort_keys=False, allow_unicode=True, width=1_000_000)
        for key, raw in tree.raw.items():
            text = text.replace(key, raw)
        return text
    text = json.dumps(tree.data, indent=2, ensure_ascii=False)
    for key, raw in tree.raw.items():
        text = text.replace(f'"{key}"', raw)
    return text


def mutate_document(text: str, fmt: str, rng: random.Random) -> Mutant:
    """One mutation of a YAML ('yaml') or JSON ('json') document, chosen with ``rng``."""
    names = list(TREE_MUTATIONS) + list(TEXT_MUTATIONS)
    if fmt != "yaml":
        names = [n for n in names if n not in ("explicit_tag", "alias_bomb")]
    while True:
        kind = rng.choice(names)
        if kind in TEXT_MUTATIONS:
            return Mutant(kind, TEXT_MUTATIONS[kind](text.encode("utf-8"), rng))
        tree = _Tree(yaml.safe_load(text) if fmt == "yaml" else json.loads(text))
        # Most mutants change one thing; some stack a few, as a fuzzer's offspring do.
        applied = [TREE_MUTATIONS[kind](tree, rng, fmt) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        if any(applied):
            return Mutant(kind, _serialise(tree, fmt).encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------------------------
# CSV quotes

PRICES = ["1e308", "inf", "-inf", "nan", "NaN", "-1", "-5k", "0", "1e9", "1000000001", HUGE_INT, "300k", "$1,234", "\"1,234\"", "1,00", "abc", "", " ", "$", "1.5m", "2e3", "0x10", "1_000", "１２３"]
SKUS = ["", "h100", "H100-SXM", "rtx-4091", "l40s ", "\x1b[2Jl40s", "l40s\u202e", "日本", "x" * 10_000, "\"l40s\"", "l40s,extra", "#comment", "rack-42u", "pdu-17kw"]


def mutate_csv(text: str, rng: random.Random) -> Mutant:
    """One mutation of a quote CSV."""
    kind = rng.choice(["price", "sku", "header", "cells", "quote", "blank_and_comment", *TEXT_MUTATIONS])
    if kind in TEXT_MUTATIONS:
        return Mutant(kind, TEXT_MUTATIONS[kind](text.encode("utf-8"), rng))
    lines = text.splitlines()
    data_rows = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#") and not line.lower().startswith("sku")]
    header = next(i for i, line in enumerate(lines) if line.lower().replace(" ", "").startswith("sku,"))
    row = rng.choice(data_rows)
    cells = lines[row].split(",", 2)
    if kind == "price":
        cells[1] = rng.choice(PRICES)
        lines[row] = ",".join(cells)
    elif kind == "sku":
        cells[0] = rng.choice(SKUS)
        lines[row] = ",".join(cells)
    elif kind == "header":
        lines[header] = rng.choice(["sku", "unit_price_usd,sku", "SKU,Unit_Price_USD", "sku,price", "sku,unit_price_usd,unit_price_usd", "", "sku;unit_price_usd", "\ufeffsku,unit_price_usd"])
    elif kind == "cells":
        lines[row] = rng.choice([lines[row] + ",,,,", cells[0], lines[row].replace(",", ",,"), ",".join(reversed(cells))])
    elif kind == "quote":
        lines[row] = rng.choice(['"' + lines[row], lines[row] + '"', lines[row].replace(",", '","', 1) + '"x'])
    else:
        lines.insert(row, rng.choice(["", "   ", "# note", "#,", ",", "\t"]))
    return Mutant(kind, ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))


__all__ = ["Mutant", "TEXT_MUTATIONS", "TREE_MUTATIONS", "mutate_csv", "mutate_document"]
