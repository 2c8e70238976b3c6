"""Lets the algebra's value types be fields of (frozen) pydantic models.

In Python mode a field accepts an instance as is, or its JSON form; model_dump(mode="json") and
model_dump_json() write the JSON form, so engine results that carry these values serialise without
``arbitrary_types_allowed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_core import CoreSchema, core_schema


def value_schema(
    cls: type[Any],
    dump: Callable[[Any], Any],
    load: Callable[[Any], Any],
    json_form: CoreSchema,
) -> CoreSchema:
    """Core schema for ``cls``: instance or ``json_form`` in, ``dump(value)`` out in JSON mode."""
    from_json = core_schema.no_info_after_validator_function(load, json_form)
    return core_schema.json_or_python_schema(
        json_schema=from_json,
        python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_json]),
        serialization=core_schema.plain_serializer_function_ser_schema(dump, when_used="json"),
    )
