"""YAML input with line numbers, and pydantic validation errors turned into ``file:line`` messages.

``load_yaml`` parses a file into plain data and remembers where every mapping key and sequence
item starts, so ``validate`` can report ``gpus.yaml:42: gpus[3].memory: ...`` instead of a
pydantic traceback. Nothing in this module lets a ``yaml.YAMLError``, ``OSError`` or
``pydantic.ValidationError`` escape: they become ``InputError``.

Parsing uses PyYAML's safe loader (no Python objects), and the composed node graph is bounded
by ``yaml_guard`` (depth, alias expansion, tags) before marks are recorded or data constructed.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from solver.catalog.yaml_guard import check_node_graph
from solver.errors import InputError, did_you_mean
from solver.specs.common import ID_PATTERN

Location = tuple[str | int, ...]
"""A path into parsed YAML data: mapping keys and sequence indexes, e.g. ("gpus", 3, "memory")."""

M = TypeVar("M", bound=BaseModel)

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # type: ignore[assignment]
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_PROBLEMS = 10
_SCHEMA_HINT = "`procure schema` describes every field"


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the 1-based (line, column) where each key or item starts."""

    path: Path
    data: dict[str, Any]
    marks: Mapping[Location, tuple[int, int]] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return str(self.path)

    def has(self, location: Sequence[str | int]) -> bool:
        return tuple(location) in self.marks

    def line_of(self, location: Sequence[str | int]) -> int:
        """Line of ``location``, or of its longest prefix that exists (1 for the document itself)."""
        loc = tuple(location)
        while loc:
            mark = self.marks.get(loc)
            if mark is not None:
                return mark[0]
            loc = loc[:-1]
        return self.marks.get((), (1, 1))[0]

    def where(self, location: Sequence[str | int] = ()) -> str:
        """``file:line`` for messages."""
        return f"{self.name}:{self.line_of(location)}"

    def get(self, location: Sequence[str | int]) -> Any:
        """The data at ``location`` (KeyError/IndexError when absent)."""
        value: Any = self.data
        for key in location:
            value = value[key]
        return value


# --------------------------------------------------------------------------------------------
# Loading


def load_yaml(path: Path) -> YamlDocument:
    """Parse a YAML file whose top level is a mapping; every failure is an ``InputError`` naming the file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a YAML file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"file not found: {path}", hint="check the path (relative paths start from the current directory)") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text (``path`` names it in messages)."""
    path = Path(path)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{path}: file is empty", hint="a catalog file starts with a key such as 'gpus:'")
        check_node_graph(node, loader.construct_object, path)
        marks: dict[Location, tuple[int, int]] = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}
        _record_marks(loader, node, (), marks, path, set())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as err:
        raise InputError(_syntax_message(err, path)) from None
    except yaml.reader.ReaderError as err:
        code = ord(err.character) if isinstance(err.character, str) else err.character
        raise InputError(f"{path}:{_reader_line(text, err.position)}: invalid YAML: {err.reason} (found U+{code:04X})") from None
    except yaml.YAMLError as err:
        raise InputError(f"{path}: invalid YAML: {err}") from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise InputError(
            f"{path}:{marks[()][0]}: expected a mapping at the top level (e.g. 'gpus:'), found {_describe_type(data)}"
        )
    return YamlDocument(path=path, data=data, marks=marks)


def _reader_line(text: str, position: int) -> int:
    """1-based line of a reader error's position: libyaml counts UTF-8 bytes, PyYAML characters."""
    if _Loader is yaml.SafeLoader:
        return text[:position].count("\n") + 1
    return text.encode("utf-8", "surrogatepass")[:position].count(b"\n") + 1


def _syntax_message(err: yaml.MarkedYAMLError, path: Path) -> str:
    mark = err.problem_mark or err.context_mark
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
    problem = err.problem or "syntax error"
    message = f"{where}: invalid YAML: {problem}"
    if err.context and err.context_mark is not None and err.problem_mark is not None:
        message += f" ({err.context} at line {err.context_mark.line + 1})"
    return message


def _record_marks(
    loader: yaml.SafeLoader,
    node: yaml.Node,
    location: Location,
    marks: dict[Location, tuple[int, int]],
    path: Path,
    active: set[int],
) -> None:
    if id(node) in active:  # a recursive alias: the constructor will deal with it
        return
    active.add(id(node))
    try:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = loader.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    continue  # the constructor reports unhashable keys
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise InputError(f"{path}:{line}: duplicate key {key!r} (first at line {seen[key]})")
                seen[key] = line
                child = location + (key,)
                marks[child] = (line, key_node.start_mark.column + 1)
                _record_marks(loader, value_node, child, marks, path, active)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = location + (index,)
                marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
                _record_marks(loader, item, child, marks, path, active)
    finally:
        active.discard(id(node))


# --------------------------------------------------------------------------------------------
# Validation


def validate(
    model_cls: type[M],
    data: Any,
    *,
    document: YamlDocument,
    location: Location = (),
    also: Sequence[tuple[YamlDocument, Location]] = (),
) -> M:
    """Validate ``data`` (found at ``location`` in ``document``) as ``model_cls``.

    A ``ValidationError`` becomes an ``InputError`` with one ``file:line: path: message`` line per
    problem. ``also`` lists other (document, location) pairs the data was merged from (catalog
    overrides): a problem is reported at the first source that contains the offending field.
    """
    try:
        return model_cls.model_validate(data)
    except ValidationError as error:
        sources = [(document, tuple(location)), *((doc, tuple(loc)) for doc, loc in also)]

        def where(loc: Location) -> tuple[str, Location]:
            for doc, base in sources:
                if doc.has(base + loc):
                    return doc.where(base + loc), base + loc
            doc, base = sources[0]
            return doc.where(base + loc), base + loc

        raise validation_input_error(error, model_cls, data, where=where) from None


def load_document(path: Path, model_cls: type[M]) -> M:
    """Load a YAML file and validate it as ``model_cls``."""
    document = load_yaml(path)
    return validate(model_cls, document.data, document=document)


def bundled_file_stamp(path: Path) -> int:
    """A bundled catalog file's modification time, the cache key of its parsed document; a
    missing file is an incomplete installation."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        raise InputError(f"{path}: missing", hint="reinstall procure; the bundled catalogs are incomplete") from None


def validation_input_error(
    error: ValidationError,
    model_cls: type[BaseModel],
    data: Any,
    *,
    where: Callable[[Location], tuple[str, Location]],
) -> InputError:
    """Turn a pydantic ``ValidationError`` into an ``InputError``.

    ``where(loc)`` maps a location relative to ``data`` to (``file:line`` text, location to print).
    """
    problems = validation_problems(error, model_cls, data, where=where)
    if len(problems) > _MAX_PROBLEMS:
        extra = len(problems) - _MAX_PROBLEMS
        problems = problems[:_MAX_PROBLEMS] + [f"… and {extra} more problem{'s' if extra > 1 else ''}"]
    return InputError("\n".join(problems), hint=_SCHEMA_HINT)


def validation_problems(
    error: ValidationError,
    model_cls: type[BaseModel],
    data: Any,
    *,
    where: Callable[[Location], tuple[str, Location]],
) -> list[str]:
    """One ``<where>: <path>: <message>`` line per problem; missing fields of one entry share a line."""
    problems: list[str] = []
    missing: dict[Location, list[str]] = {}
    order: list[tuple[str, Location, Any]] = []
    for item in error.errors(include_url=False):
        loc = _clean_loc(tuple(item["loc"]), data)
        if item["type"] == "missing" and loc:
            parent = loc[:-1]
            if parent not in missing:
                missing[parent] = []
                order.append(("missing", parent, None))
            missing[parent].append(str(loc[-1]))
        else:
            order.append(("error", loc, item))
    for kind, loc, item in order:
        if kind == "missing":
            names = missing[loc]
            if len(names) == 1:
                message = f"missing required field {names[0]!r}"
                info = _field_info(model_cls, loc + (names[0],))
                if info is not None and info.description:
                    message += f" ({_first_sentence(info.description)})"
            else:
                message = "missing required fields " + ", ".join(repr(n) for n in names)
            problems.append(_line(where, loc, loc, message))
        else:
            if item["type"] == "extra_forbidden":
                shown = loc[:-1]
            else:
                shown = loc
            problems.append(_line(where, loc, shown, _message(item, loc, model_cls)))
    return problems


def _line(where: Callable[[Location], tuple[str, Location]], loc: Location, shown: Location, message: str) -> str:
    place, full = where(loc)
    prefix_len = len(full) - len(loc)
    path = format_location(full[: prefix_len + len(shown)])
    return f"{place}: {path}: {message}" if path else f"{place}: {message}"


def format_location(location: Sequence[str | int]) -> str:
    """("gpus", 3, "memory") → 'gpus[3].memory'."""
    text = ""
    for key in location:
        if isinstance(key, int) and not isinstance(key, bool):
            text += f"[{key}]"
        else:
            text += ("." if text else "") + str(key)
    return text


def _clean_loc(loc: Location, data: Any) -> Location:
    """Drop pydantic's union/validator tags from an error location by following the real data."""
    cleaned: list[str | int] = []
    current: Any = data
    for index, key in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, Mapping) and key in current:
            cleaned.append(key)
            current = current[key]
        elif isinstance(current, (list, tuple)) and isinstance(key, int) and 0 <= key < len(current):
            cleaned.append(key)
            current = current[key]
        elif last or (isinstance(current, Mapping) and isinstance(key, str) and not _looks_like_tag(key)):
            cleaned.append(key)
            current = None
        # otherwise: a tag such as 'function-after[...]' or 'float' inside a union — skip it
    return tuple(cleaned)


def _looks_like_tag(key: str) -> bool:
    return "[" in key or key in {"float", "int", "str", "bool", "none", "list", "tuple", "dict"}


def _message(item: Mapping[str, Any], loc: Location, model_cls: type[BaseModel]) -> str:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    msg = str(item.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        parent = _model_at(model_cls, loc[:-1])
        candidates = list(parent.model_fields) if parent is not None else []
        suggestions = did_you_mean(key, candidates, n=1)
        if suggestions:
            return f'unknown field "{key}" — did you mean "{suggestions[0]}"?'
        if candidates:
            return f'unknown field "{key}"; valid fields: {", ".join(candidates)}'
        return f'unknown field "{key}"'
    if kind == "literal_error":
        allowed = _literal_values(model_cls, loc)
        message = f"invalid value {_show(value)}; allowed: {ctx.get('expected') or ', '.join(map(repr, allowed))}"
        if allowed and isinstance(value, str):
            suggestions = did_you_mean(value, [str(a) for a in allowed], n=1)
            if suggestions:
                message += f" — did you mean {suggestions[0]!r}?"
        return message
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_PATTERN:
            example = _id_like(value) if isinstance(value, str) else None
            message = f"{_show(value)} is not a valid id: use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"
            if example and example != value:
                message += f" (e.g. {example!r})"
            return message
        info = _field_info(model_cls, loc)
        described = f" ({_first_sentence(info.description)})" if info is not None and info.description else ""
        return f"{_show(value)} does not match the pattern {ctx.get('pattern')}{described}"
    if kind in {"byte_size", "byte_size_unit"}:
        return f"cannot read {_show(value)} as a size; write e.g. '80 GiB' (2^30 bytes) or '141 GB' (10^9 bytes)"
    if kind in {"value_error", "assertion_error"}:
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        return msg
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"expected a mapping of fields, found {_describe_type(value)}"
    if kind in {"tuple_type", "list_type"}:
        return f"expected a list, found {_describe_type(value)}"
    if kind == "string_type":
        message = f"expected text, found {_describe_type(value)} {_show(value)}"
        if isinstance(value, (int, float, bool)) or value is None:
            message += " — put it in quotes"
        return message
    text = msg.replace("Input should be", "must be")
    if "input" in item and kind not in {"missing"}:
        text += f" (got {_show(value)})"
    return text


def _show(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe_type(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _first_sentence(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 100 else text[:99] + "…"


def _id_like(value: str) -> str:
    candidate = re.sub(r"[^a-z0-9._-]+", "-", value.strip().lower()).strip("-._")
    return candidate


# --------------------------------------------------------------------------------------------
# Schema introspection (for messages)


def _model_classes(annotation: Any) -> list[type[BaseModel]]:
    """pydantic models reachable through Optional/Union/tuple/list/Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_model_classes(arg))
    return found


def _model_at(model_cls: type[BaseModel], loc: Location) -> type[BaseModel] | None:
    current: type[BaseModel] | None = model_cls
    for key in loc:
        if current is None:
            return None
        if isinstance(key, int):
            continue
        info = current.model_fields.get(str(key))
        if info is None:
            return None
        classes = _model_classes(info.annotation)
        current = classes[0] if classes else None
    return current


def _field_info(model_cls: type[BaseModel], loc: Location) -> Any:
    names = [key for key in loc if isinstance(key, str)]
    if not names:
        return None
    parent = _model_at(model_cls, loc[: max(i for i, k in enumerate(loc) if isinstance(k, str))])
    if parent is None:
        return None
    return parent.model_fields.get(names[-1])


def _literal_values(model_cls: type[BaseModel], loc: Location) -> list[Any]:
    info = _field_info(model_cls, loc)
    if info is None:
        return []
    values: list[Any] = []

    def collect(annotation: Any) -> None:
        if typing.get_origin(annotation) is typing.Literal:
            values.extend(typing.get_args(annotation))
            return
        for arg in typing.get_args(annotation):
            collect(arg)

    collect(info.annotation)
    return values


__all__ = [
    "Location",
    "YamlDocument",
    "format_location",
    "load_document",
    "load_yaml",
    "parse_yaml",
    "validate",
    "validation_input_error",
    "validation_problems",
]
