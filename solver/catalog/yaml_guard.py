"""Bounds on a composed YAML node graph, checked before anything walks or constructs it.

procure's inputs are small documents of plain data, so three things no real input needs are
refused with a message naming the file and line:

- nesting deeper than ``MAX_DEPTH`` (recursive walks, including pydantic's, would exhaust the
  stack far sooner than memory);
- more than ``MAX_NODES`` nodes once aliases are expanded (a "billion laughs" file of a few
  lines expands to 10^9 nodes) and aliases that refer to themselves;
- tags other than YAML's plain data types, and explicit tags whose value does not parse
  (``!!int abc``, ``!!bool maybe``); ``!!python/...`` tags never reach a constructor.

The walk is iterative, so it cannot overflow the stack on the deep documents it refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from solver.errors import InputError

MAX_DEPTH = 64
"""Mappings and lists inside each other; the deepest real input nests about 6."""
MAX_NODES = 100_000
"""Keys, values and items after alias expansion; the largest bundled file (gpus.yaml) holds ~2,700."""

_TAG_PREFIX = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(f"{_TAG_PREFIX}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp"))
COLLECTION_TAGS = frozenset((f"{_TAG_PREFIX}seq", f"{_TAG_PREFIX}map"))
_MERGE_TAG = f"{_TAG_PREFIX}merge"
# Scalars whose text must parse as their type; a merge key ('<<') is checked where it merges.
_CONSTRUCTED_SCALAR_TAGS = SCALAR_TAGS - {f"{_TAG_PREFIX}str"}
_ALLOWED = "!!str, !!int, !!float, !!bool, !!null, !!timestamp, !!seq, !!map"


def check_node_graph(node: yaml.Node, construct_scalar: Callable[[yaml.ScalarNode], Any], path: Path) -> None:
    """Refuse deep nesting, alias bombs and recursion, unknown tags and unparsable tagged scalars.

    ``construct_scalar`` is the loader's constructor for one scalar node: each non-string scalar
    is built once here so that a value its tag cannot hold is reported at its own line.
    """
    # (node, depth, ids of the collections enclosing it) — the ancestors detect recursive aliases.
    stack: list[tuple[yaml.Node, int, frozenset[int]]] = [(node, 1, frozenset())]
    visited = 0
    checked_scalars: set[int] = set()
    while stack:
        current, depth, ancestors = stack.pop()
        visited += 1
        if visited > MAX_NODES:
            raise InputError(
                f"{_where(path, current)}: the document expands to more than {MAX_NODES:,} values "
                "(aliases repeat what they refer to)",
                hint="write the data out plainly; procure's inputs need far fewer values",
            )
        _check_tag(current, path)
        if isinstance(current, yaml.ScalarNode):
            if current.tag in _CONSTRUCTED_SCALAR_TAGS and id(current) not in checked_scalars:
                checked_scalars.add(id(current))
                _check_scalar(current, construct_scalar, path)
            continue
        if id(current) in ancestors:
            raise InputError(f"{_where(path, current)}: an alias refers to a mapping or list that contains it (a recursive structure)")
        if depth > MAX_DEPTH:
            raise InputError(
                f"{_where(path, current)}: nested more than {MAX_DEPTH} levels deep",
                hint="procure's inputs nest a few levels; flatten the data",
            )
        inside = ancestors | {id(current)}
        children: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                children.extend((key, value))
        else:
            children.extend(current.value)
        stack.extend((child, depth + 1, inside) for child in reversed(children))


def _check_tag(node: yaml.Node, path: Path) -> None:
    allowed = SCALAR_TAGS | {_MERGE_TAG} if isinstance(node, yaml.ScalarNode) else COLLECTION_TAGS
    if node.tag in allowed:
        return
    shown = "!!" + node.tag[len(_TAG_PREFIX):] if node.tag.startswith(_TAG_PREFIX) else node.tag
    kind = "a value" if isinstance(node, yaml.ScalarNode) else "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
    raise InputError(
        f"{_where(path, node)}: the tag {shown!r} is not allowed on {kind}: procure reads plain data only",
        hint=f"remove the tag, or use one of {_ALLOWED} where it fits",
    )


def _check_scalar(node: yaml.ScalarNode, construct_scalar: Callable[[yaml.ScalarNode], Any], path: Path) -> None:
    try:
        construct_scalar(node)
    except (ValueError, KeyError, AttributeError, TypeError, OverflowError, yaml.YAMLError) as error:
        kind = node.tag[len(_TAG_PREFIX):] if node.tag.startswith(_TAG_PREFIX) else node.tag
        value = node.value if len(node.value) <= 40 else node.value[:39] + "…"
        reason = f" (it has {len(node.value):,} digits)" if "digits" in str(error) else ""
        raise InputError(f"{_where(path, node)}: {value!r} is not a valid {kind}{reason}", hint=_SCALAR_HINTS.get(kind)) from None


_SCALAR_HINTS = {
    "int": "write a whole number (at most a few dozen digits), or quote the value to make it text",
    "float": "write a number such as 0.5 or 1e6, or quote the value to make it text",
    "bool": "write true or false, or quote the value to make it text",
    "null": "write null or ~, or quote the value",
    "timestamp": "write a date as YYYY-MM-DD, or quote the value to make it text",
}


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}"


__all__ = ["COLLECTION_TAGS", "MAX_DEPTH", "MAX_NODES", "SCALAR_TAGS", "check_node_graph"]
