"""Type hints described as the IR's shapes.

Python reads its own type hints; the shapes and named types it finds
cross into the core as JSON (``crates/mizan-python/src/spec.rs``), which
validates them with the rest of the registry and writes the IR. A hint
that cannot be described raises :class:`DescribeError`, which registration
turns into a message naming the function and the parameter.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

import pydantic
from pydantic.fields import FieldInfo

from ._mizan import Upload

Shape = Union[str, dict[str, Any]]
"""A shape as the core reads it: ``"int"``, ``{"list": ...}``, ``{"ref": "Name"}``…"""

_SCALARS: dict[Any, str] = {
    int: "int",
    float: "float",
    bool: "bool",
    str: "string",
    Any: "any",
    object: "any",
    Upload: "upload",
    datetime.datetime: "string",
    datetime.date: "string",
    datetime.time: "string",
}

_LISTS = (list, tuple, set, frozenset, Sequence)


class DescribeError(TypeError):
    """A type hint that has no IR shape."""


@dataclasses.dataclass
class TypeTable:
    """The named types one function reaches: name → ``{"origin", "def"}``."""

    types: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    _origins: dict[str, str] = dataclasses.field(default_factory=dict)
    _in_progress: set[str] = dataclasses.field(default_factory=set)

    def define(self, cls: type, build: typing.Callable[[], dict[str, Any]]) -> Shape:
        name = cls.__name__
        origin = origin_of(cls)
        shape: Shape = {"ref": name}
        if name in self._in_progress or self._origins.get(name) == origin:
            return shape
        if name in self._origins:
            # A second class under one name: describing it under another
            # key would hide the conflict the registry must report.
            raise DescribeError(
                f"type name `{name}` is used by two classes: `{self._origins[name]}` and `{origin}`"
            )
        self._in_progress.add(name)
        try:
            definition = build()
        finally:
            self._in_progress.discard(name)
        self._origins[name] = origin
        self.types[name] = {"origin": origin, "def": definition}
        return shape


_CLASSES: weakref.WeakValueDictionary[str, type] = weakref.WeakValueDictionary()


def origin_of(cls: type) -> str:
    """Where a class is declared, told apart from another class declared
    under the same path (``create_model``, a class made in a loop)."""
    origin = f"{cls.__module__}.{cls.__qualname__}"
    known = _CLASSES.setdefault(origin, cls)
    return origin if known is cls else f"{origin} (at {id(cls):#x})"


def is_optional(hint: Any) -> bool:
    """True for ``T | None`` and ``Optional[T]``."""
    origin = typing.get_origin(hint)
    return origin in (Union, types.UnionType) and type(None) in typing.get_args(hint)


def describe(hint: Any, table: TypeTable) -> Shape:
    """The shape of ``hint``, registering the named types it reaches."""
    if hint in _SCALARS:
        return _SCALARS[hint]
    if hint is None or hint is type(None):
        return "any"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Annotated:
        return describe(args[0], table)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        inner: Shape = describe(rest[0], table) if len(rest) == 1 else {"union": [describe(a, table) for a in rest]}
        return {"optional": inner} if len(rest) < len(args) else inner
    if origin is Literal:
        if not all(isinstance(a, str) for a in args):
            raise DescribeError(f"`{hint}`: only string literals can be described")
        return {"enum": list(args)}
    if hint in _LISTS or origin in _LISTS:
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            raise DescribeError(f"`{hint}`: a fixed-length tuple is a positional array; use `tuple[T, ...]` or a model")
        return {"list": describe(args[0], table) if args else "any"}
    if hint in (dict, Mapping) or origin in (dict, Mapping):
        if args and args[0] is not str:
            raise DescribeError(f"`{hint}`: JSON object keys are strings; use `dict[str, T]`")
        return {"map": describe(args[1], table) if args else "any"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _describe_enum(hint, table)
    if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel):
        return _describe_model(hint, table)
    if isinstance(hint, typing.ForwardRef | str):
        raise DescribeError(f"`{hint}` is a forward reference that could not be resolved")
    raise DescribeError(f"`{hint}` cannot be described (use a Pydantic model, a scalar, a container of them, or Upload)")


def _describe_enum(cls: type[enum.Enum], table: TypeTable) -> Shape:
    values = [member.value for member in cls]
    if not all(isinstance(v, str) for v in values):
        raise DescribeError(f"enum `{cls.__qualname__}` must have string values to be described")
    if not values:
        raise DescribeError(f"enum `{cls.__qualname__}` has no members")
    return table.define(cls, lambda: {"enum": values})


def wire_name(name: str, field: FieldInfo) -> str:
    """A field's name on the wire: its alias when it has one."""
    serialization = field.serialization_alias or field.alias
    validation = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
    if serialization and validation and serialization != validation:
        raise DescribeError(
            f"field `{name}` has a validation alias `{validation}` and a serialization alias "
            f"`{serialization}`: a wire name must be the same both ways"
        )
    return serialization or validation or name


def _describe_model(cls: type[pydantic.BaseModel], table: TypeTable) -> Shape:
    def build() -> dict[str, Any]:
        fields = []
        hints = typing.get_type_hints(cls, include_extras=True)
        for name, field in cls.model_fields.items():
            if field.exclude:
                continue
            hint = hints.get(name, field.annotation)
            try:
                shape = describe(hint, table)
            except DescribeError as err:
                raise DescribeError(f"`{cls.__qualname__}.{name}`: {err}") from None
            fields.append(
                {
                    "name": wire_name(name, field),
                    "shape": shape,
                    # As serde marks an `Option` or defaulted field optional.
                    "optional": is_optional(hint) or not field.is_required(),
                }
            )
        return {"struct": fields}

    return table.define(cls, build)
