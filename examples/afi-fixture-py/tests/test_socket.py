"""PROTOCOL.md §6 over the FastAPI adapter's `/ws/` (the core serves the
connection; Python moves frames): every action answered by id, identity
and auth per message, malformed frames, pushes of HTTP mutations, channels
(port of examples/afi-fixture/tests/socket.rs). Django serves HTTP only
(PYTHON.md): WSGI has no WebSocket."""

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

import afi_fixture
from afi_fixture.serve import Running, start_fastapi
from conftest import MOUNT, token_for


@pytest.fixture
def fastapi() -> Iterator[Running]:
    running = start_fastapi(afi_fixture.app())
    yield running
    running.stop()


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0

    async def ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Sends a frame with a fresh id and returns the reply to it
        (pushes that arrive first are kept in `pushes`)."""
        self.next_id += 1
        await self.ws.send(json.dumps({**frame, "id": self.next_id}))
        while True:
            reply = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if reply.get("id") == self.next_id:
                return dict(reply)
            self.pushes.append(reply)

    async def push(self) -> dict[str, Any]:
        if self.pushes:
            return self.pushes.pop(0)
        return dict(json.loads(await asyncio.wait_for(self.ws.recv(), 10)))

    pushes: list[dict[str, Any]]


async def open_socket(base: str, headers: dict[str, str] | None = None, query: str = "") -> AsyncIterator[Socket]:
    uri = base.replace("http://", "ws://") + f"{MOUNT}/ws/{query}"
    async with websockets.connect(uri, additional_headers=headers or {}) as ws:
        socket = Socket(ws)
        socket.pushes = []
        yield socket


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_every_action_is_answered_by_id(fastapi: Running) -> None:
    async def go() -> None:
        async for ws in open_socket(fastapi.base):
            assert await ws.ask({"action": "call", "fn": "add", "args": {"a": 1, "b": 2}}) == {"id": 1, "invalidate": [], "result": {"total": 3}}
            fetched = await ws.ask({"action": "fetch", "context": "user", "params": {"user_id": 2}})
            assert fetched["data"]["user_profile"] == {"name": "bob", "user_id": 2}
            for frame in [
                {"action": "subscribe", "context": "user", "params": {"user_id": 2}},
                {"action": "unsubscribe", "context": "user", "params": {"user_id": 2}},
                {"action": "join", "channel": "chat", "params": {"room": "general"}},
                {"action": "leave", "channel": "chat", "params": {"room": "general"}},
            ]:
                assert (await ws.ask(frame))["ok"] is True
            error = await ws.ask({"action": "call", "fn": "nope"})
            assert error["error"]["code"] == "NOT_FOUND"

    run(go())


def test_socket_only_functions_answer_over_the_socket_and_nowhere_else(fastapi: Running) -> None:
    async def go() -> None:
        async for ws in open_socket(fastapi.base):
            assert (await ws.ask({"action": "call", "fn": "ws_echo", "args": {"text": "x"}}))["result"] == {"message": "echo: x"}

    run(go())
    reply = httpx.post(f"{fastapi.base}{MOUNT}/call/", json={"fn": "ws_echo", "args": {"text": "x"}})
    assert reply.status_code == 400


def test_an_invalid_token_is_refused_at_connect_with_no_fallback(fastapi: Running) -> None:
    async def status(headers: dict[str, str], query: str = "") -> int | None:
        try:
            async for _ in open_socket(fastapi.base, headers, query):
                return None
        except websockets.InvalidStatus as err:
            return err.response.status_code
        return None

    assert run(status({"x-mizan-token": "not.a.token", "cookie": f"{afi_fixture.SESSION_COOKIE}=1"})) == 401
    assert run(status({}, "?token=not.a.token")) == 401
    plain = httpx.get(f"{fastapi.base}{MOUNT}/ws/")
    assert plain.status_code == 400 and plain.json()["error"]["code"] == "BAD_REQUEST"


def test_identity_and_auth_are_checked_for_every_message(fastapi: Running) -> None:
    async def go() -> None:
        async for anon in open_socket(fastapi.base):
            assert (await anon.ask({"action": "call", "fn": "whoami"}))["error"]["code"] == "UNAUTHORIZED"
            staff_room = {"action": "join", "channel": "chat", "params": {"room": "staff"}}
            assert (await anon.ask(staff_room))["error"]["code"] == "UNAUTHORIZED"
        alice = token_for(1)
        for headers, query in [({"x-mizan-token": alice}, ""), ({}, f"?token={alice}")]:
            async for ws in open_socket(fastapi.base, headers, query):
                assert (await ws.ask({"action": "call", "fn": "whoami"}))["result"]["email"] == "alice@example.com"
                assert (await ws.ask({"action": "call", "fn": "staff_only"}))["error"]["code"] == "FORBIDDEN"
                assert (await ws.ask(staff_room))["error"]["code"] == "FORBIDDEN"
        # The app's session (its identity dependency) is the caller; no CSRF on the socket.
        async for bob in open_socket(fastapi.base, {"cookie": f"{afi_fixture.SESSION_COOKIE}=2"}):
            assert (await bob.ask({"action": "call", "fn": "staff_only"}))["result"]["message"] == "staff"
            assert (await bob.ask(staff_room))["ok"] is True
        async for carol in open_socket(fastapi.base, {"cookie": f"{afi_fixture.SESSION_COOKIE}=4"}):
            assert (await carol.ask({"action": "call", "fn": "can_edit_items"}))["result"]["message"] == "ok"

    run(go())


def test_malformed_frames_get_an_error_and_the_socket_stays_open(fastapi: Running) -> None:
    async def go() -> None:
        async for ws in open_socket(fastapi.base):
            for bad in ["not json", "[1, 2]", json.dumps({"id": 5, "action": "dance"}), json.dumps({"action": "call", "id": 6})]:
                await ws.ws.send(bad)
                reply = json.loads(await asyncio.wait_for(ws.ws.recv(), 10))
                assert reply["error"]["code"] == "BAD_REQUEST", (bad, reply)
            await ws.ws.send(b"\x00binary")
            assert json.loads(await asyncio.wait_for(ws.ws.recv(), 10))["error"]["code"] == "BAD_REQUEST"
            assert (await ws.ask({"action": "call", "fn": "echo", "args": {"text": "alive"}}))["result"] == {"message": "echo: alive"}

    run(go())


def test_a_mutation_over_http_is_pushed_to_the_sockets_watching_the_instance(fastapi: Running) -> None:
    async def go() -> None:
        async for one in open_socket(fastapi.base):
            async for two in open_socket(fastapi.base):
                await one.ask({"action": "subscribe", "context": "user", "params": {"user_id": 1}})
                await two.ask({"action": "subscribe", "context": "user", "params": {"user_id": 2}})
                reply = await asyncio.to_thread(
                    httpx.post, f"{fastapi.base}{MOUNT}/call/", json={"fn": "rename_user", "args": {"user_id": 1, "name": "Al"}}
                )
                assert reply.status_code == 200
                assert await one.push() == {"action": "invalidate", "invalidate": [{"context": "user", "params": {"user_id": 1}}]}
                # The other socket watches another instance: the next thing it
                # reads is the reply to its own question, not a push.
                assert (await two.ask({"action": "call", "fn": "echo", "args": {"text": "x"}}))["result"]["message"] == "echo: x"
                assert two.pushes == []

    run(go())


def test_a_chat_message_reaches_everyone_in_the_room_the_sender_included(fastapi: Running) -> None:
    async def go() -> None:
        async for alice in open_socket(fastapi.base, {"x-mizan-token": token_for(1)}):
            async for anon in open_socket(fastapi.base):
                room = {"room": "general"}
                for ws in (alice, anon):
                    assert (await ws.ask({"action": "join", "channel": "chat", "params": room}))["ok"] is True
                sent = await alice.ask({"action": "send", "channel": "chat", "params": room, "message": {"text": "hi"}})
                assert sent["ok"] is True
                expected = {"action": "message", "channel": "chat", "params": room, "message": {"author": "alice", "room": "general", "text": "hi"}}
                assert await alice.push() == expected
                assert await anon.push() == expected
                bad = await anon.ask({"action": "send", "channel": "chat", "params": room, "message": {"text": 5}})
                assert bad["error"]["code"] == "VALIDATION_ERROR"
                assert bad["error"]["details"]["fields"] == {"message.text": ['invalid type: integer `5`, expected a string']}

    run(go())
