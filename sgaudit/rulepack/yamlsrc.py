"""YAML with line numbers: so a bad rule or config file is reported as ``file:line: what is wrong``.

PyYAML's ``safe_load`` forgets where each value came from. Here the document is composed into a node
tree and converted by hand, recording the line of every mapping key and sequence item under its
location (the same tuple of keys and indexes pydantic reports in ``ValidationError.loc``). Duplicate
keys, which PyYAML silently resolves to the last value, are rejected.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sgaudit.errors import ConfigError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class YamlSource:
    """A parsed YAML document: plain data plus the line of every key and item."""

    display: str
    data: Any
    lines: Mapping[Loc, int] = field(default_factory=dict)

    def line(self, loc: Sequence[str | int]) -> int:
        """The line of the deepest part of ``loc`` the document has (1 when none)."""
        found: Loc = ()
        # pydantic inserts union-member tags such as 'int' or 'function-after[...]' into locations;
        # skip any element that is not a real key or index of the document.
        for part in loc:
            candidate = (*found, part)
            if candidate in self.lines:
                found = candidate
        return self.lines.get(found, 1)

    def doc_loc(self, loc: Sequence[str | int]) -> Loc:
        """``loc`` with the elements that are not keys or indexes of the document removed."""
        found: Loc = ()
        for part in loc:
            candidate = (*found, part)
            if candidate in self.lines:
                found = candidate
        return found

    def error(self, loc: Sequence[str | int], message: str) -> ConfigError:
        """A :class:`ConfigError` ``display:line: message`` for a location."""
        return ConfigError(f"{self.display}:{self.line(loc)}: {message}")

    def get(self, loc: Sequence[str | int]) -> Any:
        """The value at ``loc`` (None when absent)."""
        value: Any = self.data
        for part in loc:
            in_dict = isinstance(value, dict) and part in value
            in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if in_dict or in_list:
                value = value[part]
            else:
                return None
        return value


def _construct(
    loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, lines: dict[Loc, int], display: str
) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                raise ConfigError(f"{display}:{line}: YAML merge keys ('<<') are not supported")
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise ConfigError(f"{display}:{line}: a mapping key must be a plain scalar")
            # Keys are names in every file sgaudit reads; YAML would make `1:` an int and `yes:` a bool.
            skey = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
            if skey in out:
                raise ConfigError(f"{display}:{line}: duplicate key '{skey}'")
            lines[(*loc, skey)] = line
            out[skey] = _construct(loader, value_node, (*loc, skey), lines, display)
        return out
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            items.append(_construct(loader, item, (*loc, i), lines, display))
        return items
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, display: str) -> YamlSource:
    """Parse one YAML document, keeping line numbers; an empty document is ``None``."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        data = None if node is None else _construct(loader, node, (), lines, display)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{display}:{line}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{display}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is not None:
        lines[()] = node.start_mark.line + 1
    return YamlSource(display=display, data=data, lines=lines)


def read_yaml(path: Path | Traversable, display: str | None = None) -> YamlSource:
    """Read and parse a YAML file; ``display`` is how messages name it (default: the path)."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}: cannot read: {exc}") from None
    return parse_yaml(text, name)


KeysAt = Callable[[Loc], Iterable[str] | None]
"""Given the location of a mapping, the keys it may have (for 'did you mean')."""


def _describe(err: Mapping[str, Any], raw_loc: Loc, doc_loc: Loc, keys_at: KeysAt | None) -> str:
    kind = str(err.get("type", ""))
    if kind == "extra_forbidden" and raw_loc:
        key = str(raw_loc[-1])
        allowed = sorted(keys_at(doc_loc[:-1]) or ()) if keys_at else []
        close = difflib.get_close_matches(key, allowed, n=1)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        elif allowed:
            hint = f" (expected one of: {', '.join(allowed)})"
        else:
            hint = ""
        return f"unknown key '{key}'{hint}"
    if kind == "missing" and raw_loc:
        # The missing key is not in the document: the line is its parent mapping's.
        parent = ".".join(str(p) for p in doc_loc)
        return f"missing key '{raw_loc[-1]}'" + (f" in {parent}" if parent else "")
    msg = str(err.get("msg", "invalid value"))
    # pydantic prefixes messages of ValueErrors raised in validators; the user needs only the reason.
    msg = msg.removeprefix("Value error, ")
    where = ".".join(str(p) for p in doc_loc)
    return f"{where}: {msg}" if where else msg


def config_error_from(
    source: YamlSource,
    exc: ValidationError,
    *,
    prefix: Loc = (),
    keys_at: KeysAt | None = None,
) -> ConfigError:
    """Turn a pydantic error into one ``file:line: message`` line (the first error by line)."""
    located: list[tuple[int, int, str]] = []
    for err in exc.errors(include_url=False):
        raw_loc: Loc = (*prefix, *err["loc"])
        doc_loc = source.doc_loc(raw_loc)
        # A misspelt key gives both "unknown key" and "missing key": the unknown one is the cause.
        rank = {"extra_forbidden": 0, "missing": 2}.get(err["type"], 1)
        located.append((rank, source.line(raw_loc), _describe(err, raw_loc, doc_loc, keys_at)))
    located.sort()
    _, line, message = located[0]
    extra = len(located) - 1
    more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
    return ConfigError(f"{source.display}:{line}: {message}{more}")


def validate_at(
    source: YamlSource,
    model: type[M],
    data: Any,
    *,
    prefix: Loc = (),
    keys_at: KeysAt | None = None,
    context: dict[str, Any] | None = None,
) -> M:
    """Validate ``data`` (found at ``prefix`` in ``source``) as ``model``; errors name file and line."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise config_error_from(source, exc, prefix=prefix, keys_at=keys_at) from None


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


FieldHook = Callable[[type[BaseModel], str, Loc], Any]
"""``(model, field name, location of the model) -> annotation`` to use instead of the declared one."""


def _unwrap(ann: Any) -> Any:
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann = get_args(ann)[0]
            continue
        if origin in (Union, UnionType):
            args = [a for a in get_args(ann) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            ann = models[0] if models else (args[0] if args else ann)
            if get_origin(ann) in (Annotated, Union, UnionType):
                continue
        return ann


def _field(model: type[BaseModel], key: str) -> tuple[str, Any] | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return name, info.annotation
    return None


def keys_for(root: type[BaseModel], hook: FieldHook | None = None) -> KeysAt:
    """A :data:`KeysAt` that walks pydantic models along a location (for 'did you mean')."""

    def keys_at(loc: Loc) -> list[str] | None:
        ann: Any = root
        for i, part in enumerate(loc):
            ann = _unwrap(ann)
            origin = get_origin(ann)
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                if not isinstance(part, str):
                    return None
                found = _field(ann, part)
                if found is None:
                    return None
                name, sub = found
                override = hook(ann, name, loc[:i]) if hook else None
                ann = override if override is not None else sub
            elif origin in (list, tuple, set, frozenset) and isinstance(part, int):
                ann = get_args(ann)[0]
            elif origin is dict:
                ann = get_args(ann)[1]
            else:
                return None
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return model_keys(ann)
        return None

    return keys_at
