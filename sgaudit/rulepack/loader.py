"""Load rule packs: the built-in ``sgaudit.rules`` package data and any ``--rules DIR``."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from sgaudit.errors import ConfigError
from sgaudit.findings import RuleInfo
from sgaudit.rulepack.registry import get_check
from sgaudit.rulepack.spec import CheckRef, RuleSpec
from sgaudit.rulepack.yamlsrc import Loc, YamlSource, keys_for, read_yaml, validate_at

BUILTIN_PACKAGE = "sgaudit.rules"


class LoadedRule(BaseModel):
    """A rule with the file it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: RuleSpec
    source: str


class RulePack(BaseModel):
    """A catalogue of rules, sorted by id; ids and names are unique."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: tuple[RuleSpec, ...]
    sources: dict[str, str] = {}
    configured: bool = False
    """True once a config's overrides were applied (applying again changes nothing)."""

    def __len__(self) -> int:
        return len(self.rules)

    def find(self, key: str) -> RuleSpec | None:
        """The rule with this id or name (ids case-insensitively), or None."""
        for rule in self.rules:
            if key.upper() == rule.id or key == rule.name:
                return rule
        return None

    def get(self, key: str) -> RuleSpec:
        """The rule with this id or name; :class:`ConfigError` listing the closest matches otherwise."""
        rule = self.find(key)
        if rule is None:
            close = difflib.get_close_matches(key, [r.name for r in self.rules] + [r.id for r in self.rules])
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"no rule with id or name {key!r}{hint}")
        return rule

    def rule_infos(self) -> list[RuleInfo]:
        """Every rule's report metadata, in id order."""
        return [r.to_rule_info() for r in self.rules]

    def replace(self, rules: Iterable[RuleSpec]) -> RulePack:
        """A pack with some rules replaced (same id), e.g. after config overrides."""
        by_id = {r.id: r for r in self.rules}
        for r in rules:
            by_id[r.id] = r
        return self.model_copy(update={"rules": tuple(sorted(by_id.values(), key=lambda r: r.id))})

    def without(self, ids: Iterable[str]) -> RulePack:
        """A pack without the given rule ids (disabled rules)."""
        drop = set(ids)
        return self.model_copy(update={"rules": tuple(r for r in self.rules if r.id not in drop)})


def _params_hook(source: YamlSource) -> Any:
    def hook(model: type[BaseModel], name: str, loc: Loc) -> Any:
        if model is CheckRef and name == "params":
            function = source.get((*loc, "function"))
            if isinstance(function, str):
                try:
                    return get_check(function).params_model
                except ValueError:
                    return None
        return None

    return hook


def parse_rule(source: YamlSource) -> RuleSpec:
    """Validate one parsed rule file as a :class:`RuleSpec` (errors name the file and line)."""
    if not isinstance(source.data, dict):
        raise source.error(
            (), "a rule file must be a mapping of id, name, title, severity, ... (see docs/rules.md)"
        )
    return validate_at(source, RuleSpec, source.data, keys_at=keys_for(RuleSpec, _params_hook(source)))


def _rule_files(root: Traversable) -> list[Traversable]:
    return sorted(
        (f for f in root.iterdir() if f.is_file() and f.name.endswith((".yaml", ".yml"))),
        key=lambda f: f.name,
    )


def _load_dir(root: Traversable, display_prefix: str) -> list[LoadedRule]:
    out = []
    for f in _rule_files(root):
        display = f"{display_prefix}/{f.name}"
        out.append(LoadedRule(spec=parse_rule(read_yaml(f, display)), source=display))
    return out


def _check_unique(rules: Sequence[LoadedRule]) -> None:
    seen_id: dict[str, LoadedRule] = {}
    seen_name: dict[str, LoadedRule] = {}
    for r in rules:
        if r.spec.id in seen_id:
            raise ConfigError(f"{r.source}: rule id {r.spec.id} is also used by {seen_id[r.spec.id].source}")
        if r.spec.name in seen_name:
            raise ConfigError(
                f"{r.source}: rule name {r.spec.name} is also used by {seen_name[r.spec.name].source}"
            )
        seen_id[r.spec.id] = r
        seen_name[r.spec.name] = r


def load_rulepack(*directories: Path | str, builtin: bool = True) -> RulePack:
    """Load the built-in rules (unless ``builtin=False``) and every ``*.yaml`` of ``directories``.

    A rule in a directory with the id **and** name of a built-in rule replaces it (a team's tuned
    copy); one that reuses only the id or only the name is a conflict (:class:`ConfigError`).
    """
    loaded: dict[str, LoadedRule] = {}
    if builtin:
        builtin_rules = _load_dir(files(BUILTIN_PACKAGE), "rules")
        _check_unique(builtin_rules)
        loaded = {r.spec.id: r for r in builtin_rules}
    for directory in directories:
        path = Path(directory)
        if not path.is_dir():
            raise ConfigError(f"{path}: rule pack directory not found")
        extra = _load_dir(path, str(path))
        _check_unique(extra)
        if not extra:
            raise ConfigError(f"{path}: no *.yaml rule files in the rule pack directory")
        for r in extra:
            old = loaded.get(r.spec.id)
            if old is not None and old.spec.name != r.spec.name:
                raise ConfigError(
                    f"{r.source}: rule id {r.spec.id} is already {old.spec.name} ({old.source});"
                    " a replacement must keep both id and name"
                )
            loaded[r.spec.id] = r
        _check_unique(list(loaded.values()))
    ordered = sorted(loaded.values(), key=lambda r: r.spec.id)
    return RulePack(rules=tuple(r.spec for r in ordered), sources={r.spec.id: r.source for r in ordered})
