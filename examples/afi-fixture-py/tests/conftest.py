"""The Python fixture on a real loopback server, once per adapter: every
test of these suites runs against FastAPI on uvicorn and against Django's
threaded WSGI server, each with fresh seed state (FIXTURE.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import afi_fixture
from afi_fixture.serve import STARTERS, Running
from mizan import MwtConfig

MOUNT = "/api/mizan"
CSRF_COOKIE = "mizan_csrftoken"
CSRF_HEADER = "X-CSRFToken"
MWT = MwtConfig([("k1", afi_fixture.DEFAULT_MWT_SECRET)], audience="mizan")


def token_for(user_id: int, *, issued: int | None = None, config: MwtConfig = MWT) -> str:
    """An MWT of a fixture user, with that user's roles."""
    for uid, _name, staff, superuser, perms in afi_fixture.USERS:
        if uid == user_id:
            return config.mint(str(uid), int(time.time()) if issued is None else issued, staff=staff, superuser=superuser, perms=list(perms))
    raise KeyError(user_id)


class Reply:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.body = response.text
        self.raw = response

    def __repr__(self) -> str:
        return f"{self.status} {self.body[:300]}"

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def result(self) -> Any:
        assert self.status == 200, self
        return self.json()["result"]

    def expect_error(self, status: int, code: str) -> dict[str, Any]:
        """The envelope of PROTOCOL.md §1.4 with this status and code."""
        assert self.status == status, self
        body = self.json()
        assert list(body) == ["error"], self
        inner = body["error"]
        assert inner["code"] == code, self
        assert isinstance(inner["message"], str) and inner["message"], self
        assert set(inner) <= {"code", "message", "details"}, self
        assert (self.header("content-type") or "").startswith("application/json"), self.headers
        assert_no_store(self)
        assert_keys_sorted(self.body)
        return dict(inner)


def assert_no_store(reply: Reply) -> None:
    assert reply.header("cache-control") == "no-store", reply


def assert_keys_sorted(raw: str) -> None:
    """Every object's keys in byte order, read from the text itself."""

    def check(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k.encode() for k, _ in pairs]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), f"keys out of order in {raw[:200]}"
        return dict(pairs)

    json.loads(raw, object_pairs_hook=check)


class Caller:
    """Who sends a request: anonymous, a token, or the fixture's cookie
    session with the CSRF cookie and header as given."""

    def __init__(self, headers: dict[str, str] | None = None, cookies: dict[str, str] | None = None) -> None:
        self.headers = headers or {}
        self.cookies = cookies or {}

    @classmethod
    def user(cls, user_id: int) -> Caller:
        return cls.token(token_for(user_id))

    @classmethod
    def token(cls, token: str) -> Caller:
        return cls({"X-Mizan-Token": token})

    @classmethod
    def session(cls, user_id: int, csrf_cookie: str | None = None, csrf_header: str | None = None) -> Caller:
        cookies = {afi_fixture.SESSION_COOKIE: str(user_id)}
        if csrf_cookie is not None:
            cookies[CSRF_COOKIE] = csrf_cookie
        return cls({CSRF_HEADER: csrf_header} if csrf_header is not None else {}, cookies)

    @classmethod
    def with_csrf(cls, user_id: int, csrf: str) -> Caller:
        return cls.session(user_id, csrf, csrf)

    def plus(self, other: Caller) -> Caller:
        return Caller({**self.headers, **other.headers}, {**self.cookies, **other.cookies})

    def apply(self, headers: dict[str, str] | None = None) -> dict[str, str]:
        out = {**self.headers, **(headers or {})}
        if self.cookies:
            out["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return out


ANON = Caller()


class Fixture:
    def __init__(self, running: Running, app: Any, kind: str) -> None:
        self.base = running.base
        self.app = app
        self.kind = kind
        self.http = httpx.Client(base_url=running.base, timeout=30)

    def send(self, method: str, path: str, caller: Caller = ANON, **kwargs: Any) -> Reply:
        headers = caller.apply(kwargs.pop("headers", None))
        response = self.http.request(method, path, headers=headers, **kwargs)
        # A client without a cookie jar, as in the Rust suites: each test
        # says which cookies it sends.
        self.http.cookies.clear()
        return Reply(response)

    def get(self, path: str, caller: Caller = ANON) -> Reply:
        return self.send("GET", path, caller)

    def post_raw(self, body: bytes | str, caller: Caller = ANON) -> Reply:
        return self.send("POST", f"{MOUNT}/call/", caller, content=body, headers={"content-type": "application/json"})

    def call(self, name: str, args: Any = None, caller: Caller = ANON) -> Reply:
        envelope: dict[str, Any] = {"fn": name}
        if args is not None:
            envelope["args"] = args
        return self.send("POST", f"{MOUNT}/call/", caller, json=envelope)

    def ctx(self, name: str, query: str = "", caller: Caller = ANON) -> Reply:
        return self.get(f"{MOUNT}/ctx/{name}/?{query}", caller)

    def csrf_token(self) -> str:
        reply = self.get(f"{MOUNT}/session/")
        assert reply.status == 200, reply
        token = reply.json()["csrfToken"]
        cookie = reply.header("set-cookie") or ""
        assert cookie.strip().startswith(f"{CSRF_COOKIE}={token};"), cookie
        return str(token)


def start(kind: str, settings: afi_fixture.Settings | None = None) -> tuple[Running, Any]:
    app = afi_fixture.app(settings)
    return STARTERS[kind](app, "127.0.0.1:0"), app


@pytest.fixture(params=sorted(STARTERS))
def fx(request: pytest.FixtureRequest) -> Iterator[Fixture]:
    running, app = start(request.param)
    fixture = Fixture(running, app, request.param)
    yield fixture
    fixture.http.close()
    running.stop()
