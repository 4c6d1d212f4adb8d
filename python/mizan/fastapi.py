"""Mizan on FastAPI: an ``APIRouter`` for the API (mount it under any
prefix) and one for the view-path routes.

```python
app = FastAPI()
app.include_router(mizan.fastapi.router(mizan_app, identity=current_user), prefix="/api/mizan")
app.include_router(mizan.fastapi.view_router(mizan_app, identity=current_user))
```

``identity`` is a FastAPI dependency (it may itself depend on others)
returning the signed-in :class:`~mizan.Identity` or ``None``: the app's
session. Make it ``async def`` unless it blocks: FastAPI runs a sync
dependency on a worker thread, which costs a thread hop per request. Tokens (``X-Mizan-Token``, Bearer) and the CSRF check of session
callers are the core's. This module only routes paths and moves bytes.
"""



from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import ClientDisconnect
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse

from ._mizan import HostSession, Identity, Response
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

    api.add_api_route("/session/", session, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/call/", call, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/ctx/{name}/", fetch, methods=_METHODS, include_in_schema=False)
    api.add_api_route("/{rest:path}", unknown, methods=_METHODS, include_in_schema=False)
    return api


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
