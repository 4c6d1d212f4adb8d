"""The Python fixture answers like the Rust fixture over the wire: the same
requests, in the same order, from fresh seed state, get the same statuses,
the same body bytes and the same protocol headers from the Rust binary
(axum) and from each Python adapter (PYTHON.md: "Both answer
byte-identical bodies and headers to the Rust adapter")."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from afi_fixture.serve import STARTERS
from conftest import MOUNT, start, token_for

ROOT = Path(__file__).resolve().parents[3]
PROTOCOL_HEADERS = ["content-type", "cache-control", "x-mizan-invalidate", "x-mizan-cache", "allow", "set-cookie", "location"]
HEX64 = re.compile(r"[0-9a-f]{64}")


def rust_fixture_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("debug", "release"):
        binary = target / profile / "afi-fixture"
        if binary.exists():
            return binary
    subprocess.run(["cargo", "build", "-q", "-p", "afi-fixture"], cwd=ROOT, check=True, timeout=1200)
    return target / "debug" / "afi-fixture"


@pytest.fixture(scope="module")
def rust_binary() -> Path:
    return rust_fixture_binary()


def start_rust(binary: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "MIZAN_FIXTURE_ADDR": "127.0.0.1:0"}
    env.pop("MIZAN_REDIS_URL", None)
    process = subprocess.Popen([str(binary)], env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("listening on "), line
    return process, "http://" + line.removeprefix("listening on ").strip()


def script() -> list[tuple[str, str, dict[str, str], Any]]:
    """(method, path, headers, body) in order; a body that is a dict is
    sent as JSON, bytes as they are, a list as multipart parts."""
    alice, bob, root, carol = (token_for(i) for i in (1, 2, 3, 4))
    csrf = "ab" * 32
    session = {"cookie": f"mizan_fixture_session=2; mizan_csrftoken={csrf}", "X-CSRFToken": csrf}

    def call(fn: str, args: Any = None, headers: dict[str, str] | None = None) -> tuple[str, str, dict[str, str], Any]:
        envelope: dict[str, Any] = {"fn": fn}
        if args is not None:
            envelope["args"] = args
        return ("POST", f"{MOUNT}/call/", headers or {}, envelope)

    def raw(body: str) -> tuple[str, str, dict[str, str], Any]:
        return ("POST", f"{MOUNT}/call/", {"content-type": "application/json"}, body.encode())

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[str, str, dict[str, str], Any]:
        return ("GET", path, headers or {}, None)

    return [
        get(f"{MOUNT}/session/", {"cookie": f"mizan_csrftoken={csrf}"}),
        get(f"{MOUNT}/session/"),
        call("echo", {"text": "hi"}),
        call("echo", {"text": "Zoë 日本 \"quoted\" \\ \n"}),
        call("add", {"a": 2, "b": 3}),
        call("add", {"a": "one", "b": 1.5}),
        call("add", {"a": 1}),
        call("add", {"a": 2**63 - 1, "b": 1}),
        call("add", {"a": 18446744073709551615, "b": -1}),
        call("multiply", {"a": True, "b": None}),
        call("echo", {"text": "hi", "shout": True}),
        call("echo", {"text": ["a"]}),
        call("echo"),
        call("no_such_fn", {}),
        call("stripe_webhook", {}),
        call("ws_echo", {"text": "x"}),
        raw("not json"),
        raw(""),
        raw('[{"fn": "echo"}]'),
        raw('{"args": {}}'),
        raw('{"fn": 7}'),
        raw('{"fn": "echo", "args": "hi"}'),
        raw('{"fn": "echo", "args": null, "extra": 1}'),
        raw('{"fn": "echo", "args": {"text": ' + "[" * 1000 + "]" * 1000 + "}}"),
        call("whoami", {}),
        call("whoami", {}, {"X-Mizan-Token": alice}),
        call("whoami", {}, {"X-Mizan-Token": "forged"}),
        call("whoami", {}, session),
        call("whoami", {}, {"cookie": "mizan_fixture_session=2"}),
        call("whoami", {}, {"cookie": f"mizan_fixture_session=2; mizan_csrftoken={csrf}", "X-CSRFToken": "nope"}),
        call("staff_only", {}, {"X-Mizan-Token": alice}),
        call("staff_only", {}, {"X-Mizan-Token": bob}),
        call("superuser_only", {}, {"X-Mizan-Token": bob}),
        call("superuser_only", {}, {"X-Mizan-Token": root}),
        call("can_edit_items", {}),
        call("can_edit_items", {}, {"X-Mizan-Token": alice}),
        call("can_edit_items", {}, {"X-Mizan-Token": carol}),
        call("not_implemented_fn", {}),
        call("buggy_fn", {}),
        call("list_items", {}),
        call("find_item", {"item_id": 1}),
        call("find_item", {"item_id": 42}),
        get(f"{MOUNT}/ctx/user/?user_id=1"),
        get(f"{MOUNT}/ctx/user/?user_id=1&utm=x"),
        get(f"{MOUNT}/ctx/user/?user_id=1", {"X-Mizan-Token": bob}),
        get(f"{MOUNT}/ctx/user/?user_id=abc&limit=2.5"),
        get(f"{MOUNT}/ctx/user/?limit=1"),
        get(f"{MOUNT}/ctx/user/?user_id=999"),
        get(f"{MOUNT}/ctx/user/?user_id=2&limit=1"),
        get(f"{MOUNT}/ctx/nope/"),
        get(f"{MOUNT}/ctx/user"),
        get(f"{MOUNT}/nope/"),
        get(f"{MOUNT}/call/"),
        ("DELETE", f"{MOUNT}/ctx/user/", {}, None),
        ("POST", f"{MOUNT}/session/", {}, None),
        ("HEAD", f"{MOUNT}/ctx/items/", {}, None),
        get(f"{MOUNT}/ctx/global/"),
        get(f"{MOUNT}/ctx/global/", {"cookie": "mizan_fixture_session=4"}),
        call("rename_user", {"user_id": 1, "name": "Alicia"}),
        get(f"{MOUNT}/ctx/user/?user_id=1"),
        get(f"{MOUNT}/ctx/user/?user_id=1", {"X-Mizan-Token": bob}),
        call("rename_user", {"user_id": "five", "name": "x"}),
        call("touch_users"),
        call("rename_profile", {"user_id": 2, "name": "Robert"}),
        get(f"{MOUNT}/ctx/user/?user_id=2&limit=1"),
        call("set_item_name", {"id": 3, "name": "three"}),
        get(f"{MOUNT}/ctx/items/"),
        get(f"{MOUNT}/ctx/items/"),
        call("bump_search", {"q": "a b;c,d=é"}),
        call("bump_search", {"q": ""}),
        get(f"{MOUNT}/ctx/search/?q=t"),
        get(f"{MOUNT}/ctx/trending/"),
        get(f"{MOUNT}/ctx/trending/"),
        get(f"{MOUNT}/ctx/random/"),
        get(f"{MOUNT}/ctx/random/"),
        get(f"{MOUNT}/ctx/versioned/?item_id=21"),
        get("/profile/1/"),
        get("/profile/999/"),
        get("/profile/abc/"),
        ("POST", "/webhooks/stripe/", {}, b"{}"),
        ("POST", "/webhooks/stripe/", {"cookie": "mizan_fixture_session=1"}, b""),
        get("/webhooks/stripe/"),
        get(f"{MOUNT}/ctx/items/"),
        ("POST", f"{MOUNT}/call/", {}, [("__mizan", None, json.dumps({"fn": "upload_file", "args": {"label": "mine"}}).encode()), ("file", "notes.txt", b"hello world")]),
        ("POST", f"{MOUNT}/call/", {}, [("__mizan", None, json.dumps({"fn": "upload_file", "args": {"label": "mine"}}).encode())]),
        ("POST", f"{MOUNT}/call/", {}, [("file", "notes.txt", b"x")]),
        ("POST", f"{MOUNT}/call/", {"content-type": "application/json"}, b'{"fn": "echo", "args": {"text": "' + b"x" * (3 * 1024 * 1024) + b'"}}'),
        call("mwt_obtain", {}),
    ]


def send(http: httpx.Client, step: tuple[str, str, dict[str, str], Any]) -> dict[str, Any]:
    method, path, headers, body = step
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(body, dict):
        kwargs["json"] = body
    elif isinstance(body, bytes):
        kwargs["content"] = body
    elif isinstance(body, list):
        kwargs["files"] = [(name, (filename, data)) for name, filename, data in body]
    response = http.request(method, path, **kwargs)
    http.cookies.clear()
    seen = {
        "request": f"{method} {path[:80]}",
        "status": response.status_code,
        "body": HEX64.sub("<token>", response.text),
    }
    for name in PROTOCOL_HEADERS:
        value = response.headers.get(name)
        if value is not None:
            seen[name] = HEX64.sub("<token>", value.strip())
    return seen


@pytest.fixture(scope="module")
def rust_replies(rust_binary: Path) -> Iterator[list[dict[str, Any]]]:
    process, base = start_rust(rust_binary)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            yield [send(http, step) for step in script()]
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("kind", sorted(STARTERS))
def test_every_reply_matches_the_rust_fixture(kind: str, rust_replies: list[dict[str, Any]]) -> None:
    running, _app = start(kind)
    try:
        with httpx.Client(base_url=running.base, timeout=30) as http:
            ours = [send(http, step) for step in script()]
    finally:
        running.stop()
    assert len(ours) == len(rust_replies)
    for theirs, mine in zip(rust_replies, ours, strict=True):
        assert mine == theirs


def test_the_comparison_covers_every_kind_of_answer(rust_replies: list[dict[str, Any]]) -> None:
    statuses = {r["status"] for r in rust_replies}
    assert {200, 204, 400, 401, 403, 404, 405, 413, 422, 500, 501} <= statuses
    assert {"HIT", "MISS", "BYPASS"} <= {r.get("x-mizan-cache") for r in rust_replies}
    assert any("x-mizan-invalidate" in r for r in rust_replies)
    assert any('"merge"' in r["body"] for r in rust_replies)

