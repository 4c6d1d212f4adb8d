"""The benchmark's apps: the same functions through Mizan and written by
hand, on FastAPI (async) and on Django (sync, as Django apps are).

- ``echo(text) -> {message}``: one call, JSON in and out;
- a context of 10 members ``part_0 … part_9(id) -> Part``: Mizan bundles
  it in one ``GET /ctx/board/``; the hand-written endpoint calls the 10
  functions and returns the same object.

No origin cache, no identity: what is measured is the request path.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from mizan import App, client


class EchoIn(BaseModel):
    text: str


class EchoOutput(BaseModel):
    message: str


class Part(BaseModel):
    id: int
    index: int
    label: str


def _part(index: int) -> Part:
    return Part(id=0, index=index, label=f"part {index}")


# ---- FastAPI: async functions -------------------------------------------


@client(name="echo")
async def echo_async(text: str) -> EchoOutput:
    return EchoOutput(message=f"echo: {text}")


def _async_member(index: int) -> Callable[..., Any]:
    async def member(id: int) -> Part:
        return Part(id=id, index=index, label=f"part {index}")

    member.__name__ = member.__qualname__ = f"part_{index}"
    return client(context="board", name=f"part_{index}")(member)


ASYNC_PARTS = [_async_member(i) for i in range(10)]


def fastapi_app() -> Any:
    from fastapi import FastAPI

    import mizan.fastapi

    mizan_app = App([echo_async, *ASYNC_PARTS], csrf=False)
    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.include_router(mizan.fastapi.router(mizan_app), prefix="/api/mizan")

    @web.post("/hand/echo")
    async def hand_echo(body: EchoIn) -> EchoOutput:
        return EchoOutput(message=f"echo: {body.text}")

    @web.get("/hand/board")
    async def hand_board(id: int) -> dict[str, Part]:
        parts = await asyncio.gather(*(part(id) for part in ASYNC_PARTS))
        return {f"part_{i}": p for i, p in enumerate(parts)}

    return web


# ---- Django: sync functions ---------------------------------------------


@client(name="echo")
def echo_sync(text: str) -> EchoOutput:
    return EchoOutput(message=f"echo: {text}")


def _sync_member(index: int) -> Callable[..., Any]:
    def member(id: int) -> Part:
        return Part(id=id, index=index, label=f"part {index}")

    member.__name__ = member.__qualname__ = f"part_{index}"
    return client(context="board", name=f"part_{index}")(member)


SYNC_PARTS = [_sync_member(i) for i in range(10)]


def django_wsgi() -> Any:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-secret-key-not-for-production-0123",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        # CommonMiddleware sets Content-Length on the hand-written views'
        # responses, so the server keeps connections open for both sides.
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        APPEND_SLASH=False,
        INSTALLED_APPS=[],
    )
    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpRequest, JsonResponse
    from django.urls import include, path
    from django.views.decorators.csrf import csrf_exempt

    import mizan.django

    mizan_app = App([echo_sync, *SYNC_PARTS], csrf=False)

    @csrf_exempt
    def hand_echo(request: HttpRequest) -> JsonResponse:
        body = EchoIn.model_validate_json(request.body)
        return JsonResponse(EchoOutput(message=f"echo: {body.text}").model_dump())

    def hand_board(request: HttpRequest) -> JsonResponse:
        id = int(request.GET["id"])
        return JsonResponse({f"part_{i}": part(id).model_dump() for i, part in enumerate(SYNC_PARTS)})

    global urlpatterns
    urlpatterns = [
        path("api/mizan/", include(mizan.django.urls(mizan_app, identity=lambda request: None))),
        path("hand/echo", hand_echo),
        path("hand/board", hand_board),
    ]
    return get_wsgi_application()


urlpatterns: list[Any] = []
