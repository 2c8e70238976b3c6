"""Base classes for AWS response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel, to_pascal


class AwsModel(BaseModel):
    """A model of a PascalCase AWS shape (EC2, RDS, ELBv2, Lambda): unknown keys are ignored."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        alias_generator=to_pascal,
        hide_input_in_errors=True,
    )


class EcsModel(BaseModel):
    """A model of a camelCase ECS shape: unknown keys are ignored."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        populate_by_name=True,
        alias_generator=to_camel,
        hide_input_in_errors=True,
    )


class Tag(AwsModel):
    """An EC2-style tag."""

    key: str
    value: str = ""


class EcsTag(EcsModel):
    """An ECS-style tag (lower-case keys)."""

    key: str
    value: str = ""


def tag_map(tags: tuple[Tag, ...] | tuple[EcsTag, ...]) -> dict[str, str]:
    """Tags as a plain mapping."""
    return {t.key: t.value for t in tags}
