"""Mizan on FastAPI: an ``APIRouter`` for the API (mount it under any
prefix) and one for the view-path routes.

```python
app = FastAPI()
app.include_router(mizan.fastapi.router(mizan_app, identity=current_user), prefix="/api/mizan")
app.include_router(mizan.fastapi.view_router(mizan_app, identity=current_user))
```

``identity`` is a FastAPI dependency (it may itself depend on others)
returning the signed-in :class:`~mizan.Identity` or ``None``: the app's
session. Make it ``async def`` unless it blocks (FastAPI runs a sync
dependency on a worker thread, a thread hop per request), and let it take
an ``HTTPConnection`` so that it serves ``/ws/`` as well as requests. Tokens (``X-Mizan-Token``, Bearer) and the CSRF check of session
callers are the core's. This module only routes paths and moves bytes.
"""



from collections.abc import Callable
from typing import Any

import asyncio

from fastapi import APIRouter, Depends, WebSocket
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse

from ._mizan import HostSession, Identity, Response, Socket
from ._runtime import App
from ._view import ViewResponse

IdentityDependency = Callable[..., Any]

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def _no_identity() -> None:
    # Async on purpose: FastAPI runs a sync dependency on a worker thread,
    # a thread hop for every request.
    return None


async def _body(request: StarletteRequest, limit: int) -> bytes:
    """The body, read no further than one byte past ``limit``: the core
    decides what is too large, Python only never holds more than that."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return b""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def _uri(request: StarletteRequest) -> str:
    scope = request.scope
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def _response(answer: Response) -> StarletteResponse:
    response = StarletteResponse(content=answer.body, status_code=answer.status)
    response.raw_headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers)
    return response


def view_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """What a view-path function returned: a Starlette response (not
    streaming) or a :class:`~mizan.ViewResponse`."""
    if isinstance(result, ViewResponse):
        return result.status, list(result.headers), result.body
    if isinstance(result, StarletteResponse):
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in result.raw_headers
            if k.lower() != b"content-length"
        ]
        return result.status_code, headers, bytes(result.body)
    raise TypeError(f"a view-path function returns a Starlette Response or mizan.ViewResponse, not {type(result).__name__}")


def _session(identity: Any) -> HostSession | None:
    if identity is _ABSENT:
        return None
    if identity is not None and not isinstance(identity, Identity):
        raise TypeError(f"the identity dependency returns a mizan.Identity or None, not {type(identity).__name__}")
    return HostSession(identity)


_ABSENT = object()
# The client went away before its body arrived: nobody reads the answer.
_GONE = StarletteResponse(status_code=400)


def router(app: App, *, identity: IdentityDependency | None = None) -> APIRouter:
    """The API endpoints: ``/session/``, ``/call/``, ``/ctx/{name}/``, and
    an envelope for any other path under the router."""
    api = APIRouter()
    dependency = Depends(identity or _no_identity)
    has_identity = identity is not None

    async def serve(request: StarletteRequest, endpoint: str, who: Any, context: str | None = None) -> StarletteResponse:
        try:
            body = await _body(request, app.body_limit) if endpoint == "call" else b""
        except ClientDisconnect:
            return _GONE
        exchange = app.exchange(
            endpoint,
            request.method,
            _uri(request),
            request.scope["headers"],
            body,
            context=context,
            session=_session(who if has_identity else _ABSENT),
        )
        return _response(await app.serve(exchange, request, view_response))

    if has_identity:

        async def session(request: StarletteRequest, who: Any = dependency) -> StarletteResponse:
            return await serve(request, "session", who)

        async def call(request: StarletteRequest, who: Any = dependency) -> StarletteResponse:
            return await serve(request, "call", who)

        async def fetch(name: str, request: StarletteRequest, who: Any = dependency) -> StarletteResponse:
            return await serve(request, "context", who, context=name)

    else:
        # No dependency to solve on every request when the app has no session.

        async def session(request: StarletteRequest) -> StarletteResponse:  # type: ignore[misc]
            return await serve(request, "session", None)

        async def call(request: StarletteRequest) -> StarletteResponse:  # type: ignore[misc]
            return await serve(request, "call", None)

        async def fetch(name: str, request: StarletteRequest) -> StarletteResponse:  # type: ignore[misc]
            return await serve(request, "context", None, context=name)

    async def unknown(rest: str, request: StarletteRequest) -> StarletteResponse:
        return await serve(request, "unknown", _ABSENT)

    async def plain_socket(request: StarletteRequest) -> StarletteResponse:
        # `/ws/` without an upgrade: the core answers it.
        return await serve(request, "socket", _ABSENT)

    if has_identity:

        async def socket(websocket: WebSocket, who: Any = dependency) -> None:
            await _serve_socket(app, websocket, _session(who))

    else:

        async def socket(websocket: WebSocket) -> None:  # type: ignore[misc]
            await _serve_socket(app, websocket, None)

    api.add_api_websocket_route("/ws/", socket)
    api.add_api_route("/ws/", plain_socket, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/session/", session, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/call/", call, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/ctx/{name}/", fetch, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/{rest:path}", unknown, methods=_METHODS, include_in_schema=False)
    return api


async def _serve_socket(app: App, websocket: WebSocket, session: HostSession | None) -> None:
    """One `/ws/` connection: the core serves it; this moves messages in and
    frames out, and runs the Python calls it files as tasks of the loop."""
    query = websocket.scope.get("query_string", b"").decode("latin-1")
    sock = app.server.socket(websocket.scope["headers"], query, session=session)
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def woken() -> None:
        event = asyncio.Event()
        if not sock.on_wake(lambda: loop.call_soon_threadsafe(event.set)):
            await event.wait()

    def start(calls: list[Any]) -> None:
        for call in calls:
            task = loop.create_task(app._run(call, websocket, view_response))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    # The upgrade is checked first (a token may need the app's verifier).
    while sock.state == "pending":
        calls = sock.poll()
        if calls is None:
            break
        if calls:
            start(calls)
        elif sock.state == "pending":
            await woken()
    if sock.state != "accepted":
        denial = sock.denial()
        if denial is not None:
            await websocket.send_denial_response(_response(denial))
        else:
            await websocket.close(1011)
        return
    await websocket.accept()

    async def read() -> None:
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    sock.feed_close(int(message.get("code") or 1000))
                    return
                if message.get("text") is not None:
                    sock.feed_text(message["text"])
                elif message.get("bytes") is not None:
                    sock.feed_binary(message["bytes"])
        except Exception:  # the connection broke
            sock.feed_close(1006)

    reader = loop.create_task(read())
    try:
        while True:
            calls = sock.poll()
            for kind, text in sock.take_frames():
                if kind == "text":
                    await websocket.send_text(text)
                elif kind == "ping":
                    # ASGI cannot ping; the server's own keepalive watches the peer.
                    sock.feed_pong()
                else:
                    code, _, reason = text.partition(" ")
                    await websocket.close(int(code), reason)
            if calls is None:
                return
            if calls:
                start(calls)
                continue
            await woken()
    except Exception:  # the client went away while a frame was being sent
        sock.feed_close(1006)
    finally:
        reader.cancel()
        for task in list(tasks):
            task.cancel()


def view_router(app: App, *, identity: IdentityDependency | None = None) -> APIRouter:
    """Every view-path route at its own path (the core picks the function
    by method and answers ``405`` for the others)."""
    views = APIRouter()
    dependency = Depends(identity or _no_identity)
    has_identity = identity is not None
    for route, _methods in app.view_routes():

        def endpoint_for(route: str) -> Callable[..., Any]:
            async def view(request: StarletteRequest, who: Any = dependency) -> StarletteResponse:
                try:
                    body = await _body(request, app.body_limit)
                except ClientDisconnect:
                    return _GONE
                exchange = app.exchange(
                    "view",
                    request.method,
                    _uri(request),
                    request.scope["headers"],
                    body,
                    route=route,
                    path_params={k: str(v) for k, v in request.path_params.items()},
                    session=_session(who if has_identity else _ABSENT),
                )
                return _response(await app.serve(exchange, request, view_response))

            return view

        views.add_api_route(route, endpoint_for(route), methods=_METHODS, include_in_schema=False)
    return views


__all__ = ["router", "view_response", "view_router"]
