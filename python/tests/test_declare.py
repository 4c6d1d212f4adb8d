"""Declaring functions in Python: the options, the type description (what
the IR says for each hint), and registration errors that name the culprit
(the core's whole-graph checks, and Python's for hints it cannot
describe)."""

import datetime
import enum
from typing import Any, Literal

import pydantic
import pytest
from pydantic import BaseModel, Field

from mizan import App, Request, RegistryError, Upload, client, context

User = context("user")


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    zip_code: str = Field(alias="zipCode")


class Person(BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)

    id: int
    nick: str | None = None
    tags: list[str] = []
    home: Address
    color: Color
    born: datetime.date
    kind: Literal["a", "b"]
    scores: dict[str, float]


def ir_of(*functions: Any) -> str:
    return App(list(functions), csrf=False).ir()


def test_types_are_described_with_wire_names_order_and_optionality() -> None:
    @client
    def people(req: Request, ids: list[int], color: Color | None = None, limit: int = 10) -> list[Person]:
        return []

    ir = ir_of(people)
    assert 'param "ids" { list { int } }' in ir
    assert 'param "color" required=#false { optional { ref "Color" } }' in ir
    assert 'param "limit" required=#false default=10 { int }' in ir
    assert 'output { list { ref "Person" } }' in ir
    person = ir[ir.index('type "Person"') :]
    fields = [line.strip() for line in person.splitlines()[2:10]]
    assert fields == [
        'field "id" { int }',
        'field "nick" optional=#true { optional { string } }',
        'field "tags" optional=#true { list { string } }',
        'field "home" { ref "Address" }',
        'field "color" { ref "Color" }',
        'field "born" { string }',
        'field "kind" { enum "a" "b" }',
        'field "scores" { map { float } }',
    ]
    assert 'field "zipCode" { string }' in ir
    assert 'type "Color" {\n    enum "red" "green"' in ir


def test_a_hint_that_cannot_be_described_names_the_function_and_the_parameter() -> None:
    class Opaque:
        pass

    @client
    def takes(x: Opaque) -> int:
        return 1

    with pytest.raises(TypeError, match=r"`takes` .*parameter `x`.*cannot be described"):
        ir_of(takes)

    @client
    def untyped(y) -> int:  # type: ignore[no-untyped-def]
        return 1

    with pytest.raises(TypeError, match=r"`untyped` .*parameter `y` needs a type hint"):
        ir_of(untyped)

    @client
    def late(x: int, req: Request) -> int:
        return x

    with pytest.raises(TypeError, match=r"`late` .*parameter `req`: the request handle must be the first"):
        ir_of(late)

    @client
    def tuple_arg(pair: tuple[int, str]) -> int:
        return 1

    with pytest.raises(TypeError, match=r"`tuple_arg` .*parameter `pair`.*fixed-length tuple"):
        ir_of(tuple_arg)


def test_the_core_validates_the_whole_graph_and_names_each_culprit() -> None:
    @client(affects="nowhere")
    def mutate() -> int:
        return 1

    @client(name="mutate")
    def twin() -> int:
        return 1

    @client(merge=User)
    def splice(user_id: int) -> int:
        return 1

    @client(context=User)
    def profile(user_id: int) -> str:
        return ""

    @client(context=User)
    def orders(user_id: str) -> str:
        return ""

    with pytest.raises(RegistryError) as err:
        ir_of(mutate, twin, splice, profile, orders)
    problems = "\n".join(err.value.problems)  # type: ignore[attr-defined]
    assert "function name `mutate` is registered twice" in problems
    assert "`mutate` affects context `nowhere`, which has no members" in problems
    assert "context `user`: parameter `user_id` is `int` in `orders` but `string` in `profile`" in problems or "parameter `user_id`" in problems
    assert "splice" in problems


def test_two_classes_under_one_name_are_the_cores_conflict() -> None:
    def make(field_type: type) -> type[BaseModel]:
        return pydantic.create_model("Thing", value=(field_type, ...))

    ThingA, ThingB = make(int), make(str)

    @client
    def a() -> ThingA:  # type: ignore[valid-type]
        raise NotImplementedError

    @client
    def b() -> ThingB:  # type: ignore[valid-type]
        raise NotImplementedError

    with pytest.raises(RegistryError, match="type name `Thing` maps to two different shapes"):
        ir_of(a, b)


def test_options_reach_the_ir() -> None:
    @client(context=User, cache=30, rev=3)
    def cached(user_id: int) -> int:
        return user_id

    @client(affects=[cached, "user"], auth="staff")
    def poke(user_id: int) -> int:
        return user_id

    @client(auth=lambda who: who.has_perm("x"))
    def guarded() -> int:
        return 1

    @client(websocket=True, name="socket_echo")
    def ws(text: str) -> str:
        return text

    @client(private=True, route="/hook/{user_id}/", methods=["post"])
    def hook(user_id: int) -> Any:
        return None

    @client
    def upload(file: Upload, note: str | None = None) -> int:
        return file.size

    ir = ir_of(cached, poke, guarded, ws, hook, upload)
    assert 'function "cached" context="user" rev=3 cache=30' in ir
    assert 'function "poke" auth="staff"' in ir
    assert 'affects context="user" function="cached"' in ir
    assert 'function "guarded" auth="custom"' in ir
    assert 'function "socket_echo" transport="websocket"' in ir
    assert 'function "hook" private=#true view=#true' in ir and 'method "POST"' in ir
    assert 'param "file" { upload }' in ir


def test_bad_options_fail_at_the_decorator() -> None:
    with pytest.raises(TypeError, match="`auth`"):
        client(auth="admin")(lambda: 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`methods` applies to view-path functions"):
        client(methods=["POST"])(lambda: 1)
    with pytest.raises(TypeError, match="`cache`"):
        client(cache=True)(lambda: 1)
