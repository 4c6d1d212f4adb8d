"""The adapters' routers are ordinary framework routes: the API nests under
any prefix next to the app's own routes and under its middleware (port of
composition.rs)."""

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import afi_fixture
from afi_fixture.serve import Running, _bind, _configure_django, _UrlConf


def fastapi_composed() -> Running:
    import uvicorn
    from fastapi import FastAPI, Request

    import mizan.fastapi

    app = afi_fixture.app()
    web = FastAPI()

    @web.middleware("http")
    async def stamp(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-app"] = "composed"
        return response

    @web.get("/health")
    def health() -> str:
        return "ok"

    web.include_router(mizan.fastapi.router(app), prefix="/v2/rpc")
    web.include_router(mizan.fastapi.view_router(app))
    sock = _bind("127.0.0.1:0")
    server = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    host, port = sock.getsockname()[:2]
    return Running(f"http://{host}:{port}", stop)


def django_composed() -> Running:
    _configure_django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.http import HttpRequest, HttpResponse
    from django.urls import include, path

    import mizan.django

    app = afi_fixture.app()
    conf = _UrlConf(
        [
            path("health", lambda request: HttpResponse("ok")),
            path("v2/rpc/", include(mizan.django.urls(app, csrf="mizan"))),
            *mizan.django.view_urls(app, csrf="mizan"),
        ]
    )

    class Handler(WSGIHandler):
        def get_response(self, request: HttpRequest) -> Any:
            request.urlconf = conf  # type: ignore[attr-defined]
            response = super().get_response(request)
            response["x-app"] = "composed"
            return response

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    server.daemon_threads = True
    server.set_app(Handler())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    host, port = server.server_address[:2]
    return Running(f"http://{host}:{port}", stop)


@pytest.fixture(params=["fastapi", "django"])
def composed(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    running = fastapi_composed() if request.param == "fastapi" else django_composed()
    with httpx.Client(base_url=running.base) as http:
        yield http
    running.stop()


def test_api_nests_under_any_prefix_next_to_other_routes(composed: httpx.Client) -> None:
    call = composed.post("/v2/rpc/call/", json={"fn": "echo", "args": {"text": "nested"}})
    assert call.text == '{"invalidate":[],"result":{"message":"echo: nested"}}'
    ctx = composed.get("/v2/rpc/ctx/user/?user_id=2&limit=1")
    assert ctx.json() == {"user_orders": [{"id": 201, "total": 1.5}], "user_profile": {"name": "bob", "user_id": 2}}
    assert composed.get("/v2/rpc/session/").status_code == 200
    page = composed.get("/profile/2/")
    assert "<h1>bob</h1>" in page.text
    hook = composed.post("/webhooks/stripe/")
    assert hook.status_code == 204 and hook.headers["x-mizan-invalidate"] == "items"
    health = composed.get("/health")
    assert health.status_code == 200 and "ok" in health.text
    assert composed.get("/api/mizan/session/").status_code == 404


def test_app_middleware_wraps_mizan_responses_and_errors_alike(composed: httpx.Client) -> None:
    replies = [
        composed.get("/health"),
        composed.post("/v2/rpc/call/", json={"fn": "add", "args": {"a": 1, "b": 2}}),
        composed.post("/v2/rpc/call/", json={"fn": "whoami"}, headers={"X-Mizan-Token": "forged"}),
        composed.get("/v2/rpc/ctx/nope/"),
        composed.get("/profile/1/"),
    ]
    assert [r.headers.get("x-app") for r in replies] == ["composed"] * 5
    assert replies[2].status_code == 401 and replies[3].status_code == 404
