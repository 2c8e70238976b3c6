"""`RuleSpec`: one entry of the rule catalogue, as a ``rules/*.yaml`` file declares it."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, ValidationInfo, field_validator

from sgaudit.findings import RuleInfo, Severity
from sgaudit.rulepack.params import CheckParams

_ID = re.compile(r"^[A-Z][A-Z0-9]*[0-9]+$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_CONTROL = re.compile(r"^[A-Za-z0-9]+\.[0-9]+$")


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Remediation(_Spec):
    """How to fix what the rule finds: prose plus example AWS CLI and Terraform.

    Findings carry their own exact fix; these are the general pattern shown in the catalogue.
    """

    text: str = Field(min_length=1)
    aws_cli: str | None = None
    terraform: str | None = None


class References(_Spec):
    """Where the rule's facts come from."""

    docs: tuple[str, ...] = Field(default=(), description="AWS documentation URLs")
    security_hub: tuple[str, ...] = Field(
        default=(), description="AWS Security Hub (CSPM) control ids the rule maps to, e.g. EC2.19"
    )

    @field_validator("docs")
    @classmethod
    def _urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            if not url.startswith("https://"):
                raise ValueError(f"reference {url!r} is not an https:// URL")
        return value

    @field_validator("security_hub")
    @classmethod
    def _controls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for control in value:
            if not _CONTROL.match(control):
                raise ValueError(f"{control!r} is not a Security Hub control id such as EC2.19")
        return value


class CheckRef(_Spec):
    """The registered check function a rule runs, and its typed parameters."""

    function: str
    params: SerializeAsAny[CheckParams] = Field(default_factory=CheckParams, validate_default=True)

    @field_validator("function")
    @classmethod
    def _known(cls, value: str) -> str:
        from sgaudit.rulepack.registry import get_check  # noqa: PLC0415 - the registry imports this module

        get_check(value)  # raises ValueError naming the known checks
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _typed(cls, value: Any, info: ValidationInfo) -> Any:
        from sgaudit.rulepack.registry import get_check  # noqa: PLC0415 - see above

        function = info.data.get("function")
        if function is None:  # the function failed validation; that error is the one to report
            return CheckParams()
        model = get_check(function).params_model
        if isinstance(value, model):
            return value
        if isinstance(value, BaseModel):
            value = value.model_dump()
        return model.model_validate({} if value is None else value)


class RuleSpec(_Spec):
    """A rule of the catalogue: what it finds, why it matters, how to fix it, and the check it runs."""

    id: str = Field(description="stable code, e.g. SGA003; never reused")
    name: str = Field(description="the DESIGN.md section 7 name, e.g. half-open-reference")
    title: str = Field(min_length=1)
    severity: Severity
    description: str = Field(min_length=1)
    risk: str = Field(min_length=1)
    remediation: Remediation
    references: References = References()
    tags: tuple[str, ...] = ()
    check: CheckRef

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"rule id {value!r} must be upper-case letters then digits, e.g. SGA003")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"rule name {value!r} must be lower-case words joined by '-'")
        return value

    @property
    def params(self) -> CheckParams:
        """The validated parameters of the rule's check."""
        return self.check.params

    def to_rule_info(self) -> RuleInfo:
        """The metadata a report needs (SARIF driver rules, the HTML rule column)."""
        refs = list(self.references.docs)
        refs += [f"AWS Security Hub control {c}" for c in self.references.security_hub]
        tags = list(self.tags) + [f"security-hub:{c}" for c in self.references.security_hub]
        return RuleInfo(
            id=self.id,
            name=self.name,
            title=self.title,
            severity=self.severity,
            description=self.description.strip(),
            risk=self.risk.strip(),
            remediation=self.remediation.text.strip(),
            help_uri=self.references.docs[0] if self.references.docs else None,
            references=refs,
            tags=list(dict.fromkeys(tags)),
        )
