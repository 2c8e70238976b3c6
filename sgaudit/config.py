"""The ``sgaudit.yaml`` config file: intents, suppressions and settings (DESIGN.md section 8).

```yaml
intents:
  - name: api-reaches-db
    from: ecs:prod/api
    to: rds:prod-db
    port: 5432            # default: the destination's listening port
    protocol: tcp         # default tcp
    expect: reachable     # or blocked
suppressions:
  - rule: unrestricted-egress       # rule name or id (globs allowed)
    resource: sg-0123*              # resource id or glob (default: every resource)
    reason: egress is filtered by the proxy tier
    expires: 2026-01-31             # optional; after this day the suppression stops applying
settings:
  ephemeral_ports: {ecs_task: 32768-60999, load_balancer: 1024-65535}
  port_lists: {admin: [22, 3389, 5985, 5986]}   # replaces the ports of rules with that port_list
  rules:
    broad-cidr: {severity: low, params: {factor: 64}}
    unrestricted-egress: {enabled: false}
```

Every key is checked: an unknown or misspelt key is a :class:`~sgaudit.errors.ConfigError` naming
the file and line.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from sgaudit.errors import ConfigError
from sgaudit.findings import Finding, Severity, Suppression
from sgaudit.netalgebra import protocol_number
from sgaudit.rulepack.params import PortSpec
from sgaudit.rulepack.yamlsrc import Loc, YamlSource, config_error_from, keys_for, read_yaml, validate_at

if TYPE_CHECKING:
    from sgaudit.engine import EngineOptions
    from sgaudit.rulepack.loader import RulePack

DEFAULT_CONFIG_NAME = "sgaudit.yaml"
_GLOB = re.compile(r"[*?\[]")
_PROTOCOL_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class IntentSpec(_Config):
    """A flow the team requires (``expect: reachable``) or forbids (``expect: blocked``)."""

    name: str = Field(min_length=1)
    from_: str = Field(alias="from", min_length=1, description="source selector (DESIGN.md section 3)")
    to: str = Field(min_length=1, description="destination selector")
    port: int | None = Field(
        default=None, ge=0, le=65535, description="default: the destination's listen port"
    )
    protocol: str = "tcp"
    expect: Literal["reachable", "blocked"] = "reachable"
    description: str | None = None
    _where: str = PrivateAttr(default="")

    @property
    def where(self) -> str:
        """``file:line`` of the intent in its config file ('' when built in code)."""
        return self._where

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any) -> str:
        text = str(value).strip().lower()
        try:
            number = protocol_number(text)
        except ValueError as exc:
            raise ValueError(f"unknown protocol {value!r}: {exc}") from None
        if number == -1:
            raise ValueError("an intent names one protocol (tcp, udp, icmp, icmpv6 or a number), not all")
        return _PROTOCOL_NAMES.get(number, str(number))


class SuppressionSpec(_Config):
    """A finding the team accepts: by rule name or id and resource id (globs allowed), with a reason."""

    rule: str = Field(min_length=1, description="rule name or id, or a glob of them")
    resource: str = Field(default="*", min_length=1, description="resource id, selector or ARN, or a glob")
    reason: str = Field(min_length=1)
    expires: date | None = Field(default=None, description="the last day the suppression applies")
    _where: str = PrivateAttr(default="")

    @property
    def where(self) -> str:
        """``file:line`` of the suppression in its config file ('' when built in code)."""
        return self._where

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a suppression needs a reason")
        return value.strip()

    def expired(self, today: date) -> bool:
        """True once ``expires`` is in the past."""
        return self.expires is not None and self.expires < today

    def matches(self, finding: Finding) -> bool:
        """True when the finding's rule (id or name) and main resource (id or ARN) match."""
        rule_ok = any(fnmatch.fnmatchcase(v, self.rule) for v in (finding.rule, finding.name)) or (
            self.rule.upper() == finding.rule
        )
        targets = [finding.resource] + ([finding.arn] if finding.arn else [])
        return rule_ok and any(fnmatch.fnmatchcase(t, self.resource) for t in targets)

    def to_suppression(self) -> Suppression:
        """The :class:`~sgaudit.findings.Suppression` recorded on a matching finding."""
        return Suppression(
            kind="config", reason=self.reason, expires=self.expires.isoformat() if self.expires else None
        )


_RANGE = re.compile(r"^\s*([0-9]+)\s*-\s*([0-9]+)\s*$")


class RuleOverride(_Config):
    """A team's change to one rule: turn it off, change its severity, or change its parameters."""

    enabled: bool = True
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Settings(_Config):
    """Tuning: ephemeral port ranges for NACL return legs, port lists, per-rule overrides."""

    ephemeral_ports: dict[str, tuple[int, int]] = Field(
        default_factory=dict,
        description="client kind (load_balancer, nat, lambda, ec2, ecs_task, eni, other) -> 'lo-hi'",
    )
    port_lists: dict[str, tuple[PortSpec, ...]] = Field(
        default_factory=dict, description="port list name (admin, database, high_risk) -> ports"
    )
    rules: dict[str, RuleOverride] = Field(default_factory=dict, description="rule name or id -> override")

    @field_validator("ephemeral_ports", mode="before")
    @classmethod
    def _ranges(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for kind, spec in value.items():
            if isinstance(spec, str):
                m = _RANGE.match(spec)
                if not m:
                    raise ValueError(
                        f"ephemeral_ports.{kind}: write a range such as 32768-60999, not {spec!r}"
                    )
                out[kind] = (int(m[1]), int(m[2]))
            else:
                out[kind] = spec
        return out

    @field_validator("ephemeral_ports")
    @classmethod
    def _valid_ranges(cls, value: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        for kind, (lo, hi) in value.items():
            if not 0 <= lo <= hi <= 65535:
                raise ValueError(f"ephemeral_ports.{kind}: invalid port range {lo}-{hi}")
        return value


class AuditConfig(_Config):
    """A parsed ``sgaudit.yaml``."""

    intents: tuple[IntentSpec, ...] = ()
    suppressions: tuple[SuppressionSpec, ...] = ()
    settings: Settings = Settings()
    _source: YamlSource | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _unique_intents(self) -> AuditConfig:
        seen: set[str] = set()
        for intent in self.intents:
            if intent.name in seen:
                raise ValueError(f"two intents are named {intent.name!r}")
            seen.add(intent.name)
        return self

    @property
    def source(self) -> str | None:
        """The file the config came from."""
        return self._source.display if self._source else None

    def where(self, loc: Loc) -> str:
        """``file:line`` of a location of the config ('' when built in code)."""
        if self._source is None:
            return ""
        return f"{self._source.display}:{self._source.line(loc)}"

    def _error(self, loc: Loc, message: str) -> ConfigError:
        if self._source is None:
            return ConfigError(message)
        return self._source.error(loc, message)

    def engine_options(self) -> EngineOptions:
        """Engine options with the configured ephemeral ranges over the defaults."""
        from sgaudit.engine import EngineOptions  # noqa: PLC0415 - the engine is heavy; load on use

        defaults = EngineOptions()
        unknown = sorted(set(self.settings.ephemeral_ports) - set(defaults.ephemeral_ports))
        if unknown:
            known = ", ".join(sorted(defaults.ephemeral_ports))
            raise self._error(
                ("settings", "ephemeral_ports", unknown[0]),
                f"unknown client kind {unknown[0]!r} in ephemeral_ports (known: {known})",
            )
        merged = {**defaults.ephemeral_ports, **self.settings.ephemeral_ports}
        return defaults.model_copy(update={"ephemeral_ports": merged})

    def apply_to(self, pack: RulePack) -> RulePack:
        """The rule pack with this config's port lists and overrides applied, disabled rules removed.

        Unknown rule names, unknown port-list names, and parameters the rule's check rejects are
        :class:`ConfigError` with the config file and line. A pack that already had a config applied
        is returned as it is.
        """
        if pack.configured:
            return pack
        used_lists = {
            getattr(r.params, "port_list", None) for r in pack.rules if getattr(r.params, "port_list", None)
        }
        for name in self.settings.port_lists:
            if name not in used_lists:
                known = ", ".join(sorted(str(n) for n in used_lists))
                raise self._error(
                    ("settings", "port_lists", name),
                    f"no rule uses a port list named {name!r} (known: {known})",
                )
        for s_index, sup in enumerate(self.suppressions):
            if not _GLOB.search(sup.rule) and pack.find(sup.rule) is None:
                raise self._error(
                    ("suppressions", s_index, "rule"), f"suppression names unknown rule {sup.rule!r}"
                )
        changed = []
        disabled = []
        overrides: dict[str, tuple[str, RuleOverride]] = {}
        for key, override in self.settings.rules.items():
            rule = pack.find(key)
            if rule is None:
                raise self._error(("settings", "rules", key), f"no rule with id or name {key!r}")
            if rule.id in overrides:
                raise self._error(("settings", "rules", key), f"rule {rule.name} is overridden twice")
            overrides[rule.id] = (key, override)
        for rule in pack.rules:
            params = rule.params.model_dump()
            port_list = params.get("port_list")
            if port_list in self.settings.port_lists:
                params["ports"] = [str(p) for p in self.settings.port_lists[port_list]]
            key, override = overrides.get(rule.id, ("", RuleOverride()))
            if not override.enabled:
                disabled.append(rule.id)
                continue
            params.update(override.params)
            update: dict[str, Any] = {}
            if params != rule.params.model_dump():
                model = type(rule.params)
                try:
                    update["check"] = rule.check.model_copy(update={"params": model.model_validate(params)})
                except ValidationError as exc:
                    if self._source is None:
                        raise ConfigError(f"rule {rule.name}: {exc}") from None
                    raise config_error_from(
                        self._source, exc, prefix=("settings", "rules", key, "params")
                    ) from None
            if override.severity is not None:
                update["severity"] = override.severity
            if update:
                changed.append(rule.model_copy(update=update))
        return pack.replace(changed).without(disabled).model_copy(update={"configured": True})


def parse_config(source: YamlSource) -> AuditConfig:
    """Validate a parsed config document."""
    data = source.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise source.error((), "the config file must be a mapping with intents, suppressions and settings")
    config = validate_at(source, AuditConfig, data, keys_at=keys_for(AuditConfig))
    # Record where each intent and suppression is, for messages about them at run time.
    for n, intent in enumerate(config.intents):
        intent._where = f"{source.display}:{source.line(('intents', n))}"
    for n, sup in enumerate(config.suppressions):
        sup._where = f"{source.display}:{source.line(('suppressions', n))}"
    config._source = source
    return config


def display_path(path: Path) -> str:
    """How messages and reports name a file: relative to the working directory when it is below it, so
    findings read the same on every machine that runs from the repository root."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_config(path: Path | str) -> AuditConfig:
    """Read an ``sgaudit.yaml`` (or ``--intents FILE``)."""
    p = Path(path)
    return parse_config(read_yaml(p, display=display_path(p)))


def find_default_config(directory: Path | None = None) -> Path | None:
    """``sgaudit.yaml`` in ``directory`` (default: the working directory), if it exists."""
    candidate = (directory or Path.cwd()) / DEFAULT_CONFIG_NAME
    return candidate if candidate.is_file() else None
