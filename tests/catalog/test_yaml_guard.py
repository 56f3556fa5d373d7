"""Bounds on parsed YAML: nesting depth, alias expansion, recursion and tags — each an
InputError naming the file and line, never a RecursionError, MemoryError, ValueError or KeyError."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from solver.catalog.yaml_guard import MAX_DEPTH, MAX_NODES
from solver.catalog.yaml_source import parse_yaml
from solver.errors import InputError


def refused(text: str, *fragments: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, Path("doc.yaml"))
    message = caught.value.message
    assert message.startswith("doc.yaml:"), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def billion_laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Depth


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 900 + "]" * 900 + "\n",
        "a: " + "{b: " * 500 + "1" + "}" * 500 + "\n",
        "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n",
    ],
    ids=["flow-lists-900", "flow-maps-500", "block-maps-200"],
)
def test_deep_nesting_is_refused_without_recursion_error(text):
    refused(text, f"nested more than {MAX_DEPTH} levels deep")


def test_nesting_up_to_the_bound_is_fine():
    document = parse_yaml("a: " + "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1) + "\n", Path("doc.yaml"))
    assert document.data["a"] is not None


def test_deep_nesting_100000_levels_is_refused():
    refused("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "doc.yaml:1")


# --------------------------------------------------------------------------------------------
# Aliases


def test_billion_laughs_is_refused_quickly():
    refused(billion_laughs(9), f"more than {MAX_NODES:,} values")


def test_modest_aliases_still_work():
    document = parse_yaml("base: &b {x: 1}\nuse: [*b, *b]\nmerged: {<<: *b, y: 2}\n", Path("doc.yaml"))
    assert document.data["use"] == [{"x": 1}, {"x": 1}] and document.data["merged"] == {"x": 1, "y": 2}


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: &x {b: *x}\n", "a: &x [1, [2, *x]]\n"])
def test_recursive_aliases_are_refused(text):
    refused(text, "recursive structure")


# --------------------------------------------------------------------------------------------
# Tags


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("a: !!int abc\n", "'abc' is not a valid int"),
        ("a: !!bool maybe\n", "'maybe' is not a valid bool"),
        ("a: !!float x\n", "'x' is not a valid float"),
        ("a: !!timestamp nope\n", "'nope' is not a valid timestamp"),
        ("a: 2024-13-45\n", "'2024-13-45' is not a valid timestamp"),
        ("a: " + "9" * 5000 + "\n", "(it has 5,000 digits)"),
    ],
    ids=["int-abc", "bool-maybe", "float-x", "timestamp-nope", "bad-date", "int-5000-digits"],
)
def test_unparsable_scalars_name_their_line(text, fragment):
    refused(text, "doc.yaml:1:", fragment)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo owned']\n",
        "a: !!python/name:os.system\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x}\n",
        "a: !!omap [{x: 1}]\n",
        "a: !custom value\n",
    ],
    ids=["python-apply", "python-name", "binary", "set", "omap", "custom"],
)
def test_other_tags_are_refused(text):
    refused(text, "doc.yaml:1:", "is not allowed", "plain data")


def test_plain_explicit_tags_are_accepted():
    document = parse_yaml("a: !!int '42'\nb: !!str 42\nc: !!float 1\nd: !!bool true\ne: !!null ''\n", Path("doc.yaml"))
    assert document.data == {"a": 42, "b": "42", "c": 1.0, "d": True, "e": None}


def test_the_loader_is_safe():
    """Even without the tag check, the loader behind parse_yaml builds no Python objects."""
    from solver.catalog import yaml_source

    assert issubclass(yaml_source._Loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def test_control_character_names_its_line():
    refused("name: t\nb: \x01\n", "doc.yaml:2: invalid YAML", "U+0001")
