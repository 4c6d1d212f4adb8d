"""How calls run (over a real uvicorn server): sync functions off the event
loop, Pydantic conversions and their errors, exceptions as envelopes,
the app's Bearer verifier, view responses."""

import asyncio
import datetime
import enum
import threading

from pydantic import BaseModel, Field
from servers import fastapi_app, uvicorn_server
from starlette.responses import RedirectResponse

from mizan import App, Identity, MizanError, Request, client

RELEASED = threading.Event()


@client
def wait_for_release() -> str:
    # Blocks its thread until another request releases it: were it run on
    # the event loop, that request could never be served.
    return "released" if RELEASED.wait(20) else "never released"


@client
async def release() -> str:
    RELEASED.set()
    return "ok"


def test_a_sync_function_does_not_block_the_event_loop() -> None:
    RELEASED.clear()
    app = App([wait_for_release, release])
    with uvicorn_server(fastapi_app(app)) as http:
        results: dict[str, str] = {}
        waiter = threading.Thread(
            target=lambda: results.setdefault("w", http.post("/api/mizan/call/", json={"fn": "wait_for_release"}).json()["result"])
        )
        waiter.start()
        assert http.post("/api/mizan/call/", json={"fn": "release"}).json()["result"] == "ok"
        waiter.join(30)
        assert results == {"w": "released"}


class Level(enum.Enum):
    LOW = "low"
    HIGH = "high"


class Task(BaseModel):
    title: str = Field(min_length=1)
    due: datetime.date
    level: Level
    owner_id: int = Field(alias="ownerId")


@client
def plan(tasks: list[Task], when: datetime.date, note: str | None = None) -> list[Task]:
    assert all(isinstance(t.due, datetime.date) and isinstance(t.level, Level) for t in tasks)
    assert isinstance(when, datetime.date) and note is None
    return tasks


@client
def lies() -> Task:
    return "not a task"  # type: ignore[return-value]


@client
def boom(req: Request) -> int:
    raise ValueError(f"boom for {req.user_id}")


@client
def todo() -> int:
    raise NotImplementedError


@client
def teapot() -> int:
    raise MizanError("FORBIDDEN", "no tea", {"why": "coffee only"})


def test_arguments_become_declared_types_and_results_their_wire_form() -> None:
    app = App([plan])
    task = {"title": "t", "due": "2024-02-29", "level": "high", "ownerId": 7}
    with uvicorn_server(fastapi_app(app)) as http:
        reply = http.post("/api/mizan/call/", json={"fn": "plan", "args": {"tasks": [task], "when": "2024-01-01"}})
        assert reply.json() == {"invalidate": [], "result": [task]}
        # The shape is the core's check (the same words as Rust)…
        bad_shape = http.post("/api/mizan/call/", json={"fn": "plan", "args": {"tasks": [{**task, "ownerId": "x"}], "when": "x"}})
        assert bad_shape.status_code == 422
        assert bad_shape.json()["error"]["details"]["fields"] == {
            "tasks[0].ownerId": ['invalid type: string "x", expected an integer'],
        }
        # …what only Pydantic knows (a date's format, a length) is Pydantic's, at the same kind of path.
        bad_value = http.post("/api/mizan/call/", json={"fn": "plan", "args": {"tasks": [{**task, "title": ""}], "when": "soon"}})
        fields = bad_value.json()["error"]["details"]["fields"]
        assert bad_value.status_code == 422 and sorted(fields) == ["tasks[0].title", "when"]


def test_exceptions_become_envelopes() -> None:
    app = App([lies, boom, todo, teapot], debug=True)
    with uvicorn_server(fastapi_app(app)) as http:
        call = lambda fn: http.post("/api/mizan/call/", json={"fn": fn})  # noqa: E731
        assert call("lies").status_code == 500
        err = call("boom").json()["error"]
        assert err == {"code": "INTERNAL_ERROR", "message": "`boom` raised ValueError: boom for None"}
        assert call("todo").json()["error"]["code"] == "NOT_IMPLEMENTED" and call("todo").status_code == 501
        assert call("teapot").json() == {"error": {"code": "FORBIDDEN", "details": {"why": "coffee only"}, "message": "no tea"}}
    with uvicorn_server(fastapi_app(App([boom]))) as http:
        assert http.post("/api/mizan/call/", json={"fn": "boom"}).json()["error"]["message"] == "Internal server error"


@client(auth=True)
def me(req: Request) -> str:
    return req.require_identity().id


async def verify(token: str) -> Identity | None:
    await asyncio.sleep(0)
    return Identity("42", staff=True) if token == "good" else None


def test_an_async_bearer_verifier_establishes_the_caller() -> None:
    app = App([me], bearer=verify)
    with uvicorn_server(fastapi_app(app)) as http:
        good = http.post("/api/mizan/call/", json={"fn": "me"}, headers={"authorization": "Bearer good"})
        assert good.json()["result"] == "42"
        bad = http.post("/api/mizan/call/", json={"fn": "me"}, headers={"authorization": "Bearer bad"})
        assert bad.status_code == 401


@client(route="/go/{slot}/", methods=["POST"], affects="slots")
def go(slot: int) -> RedirectResponse:
    return RedirectResponse(f"/done/{slot}", status_code=303)


@client(context="slots")
def slots(slot: int) -> int:
    return slot


def test_a_view_returns_the_frameworks_response_with_the_protocols_headers() -> None:
    app = App([go, slots])
    with uvicorn_server(fastapi_app(app)) as http:
        reply = http.post("/go/3/", follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"] == "/done/3"
        assert reply.headers["x-mizan-invalidate"] == "slots;slot=3"
        assert reply.headers["cache-control"] == "no-store"


def test_the_fastapi_identity_dependency_is_the_session_and_csrf_applies() -> None:
    from starlette.requests import Request as StarletteRequest

    def who(request: StarletteRequest) -> Identity | None:
        return Identity(request.headers["x-user"]) if "x-user" in request.headers else None

    app = App([me])
    with uvicorn_server(fastapi_app(app, identity=who)) as http:
        token = http.get("/api/mizan/session/").json()["csrfToken"]
        http.cookies.clear()
        refused = http.post("/api/mizan/call/", json={"fn": "me"}, headers={"x-user": "7"})
        assert refused.status_code == 403
        ok = http.post(
            "/api/mizan/call/",
            json={"fn": "me"},
            headers={"x-user": "7", "x-csrftoken": token, "cookie": f"mizan_csrftoken={token}"},
        )
        assert ok.json()["result"] == "7"
