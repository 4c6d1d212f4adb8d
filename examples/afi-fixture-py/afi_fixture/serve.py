"""Serves the fixture with FastAPI (uvicorn) or Django (its threaded WSGI
server): ``python -m afi_fixture fastapi|django [--emit-ir|--emit-manifest]``.

Listens on ``MIZAN_FIXTURE_ADDR`` (default ``127.0.0.1:8765``), API under
``/api/mizan``, and prints ``listening on <addr>`` when ready (FIXTURE.md).
The same builders serve the in-process test servers of the pytest suites.
"""



import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from mizan import App, Identity

from . import SESSION_COOKIE, Settings, app, session_identity

MOUNT = "/api/mizan"


# ---- FastAPI -----------------------------------------------------------


def fastapi_app(mizan_app: App) -> Any:
    """A FastAPI app serving the fixture; the caller's session is the
    fixture's cookie, read by an ordinary dependency."""
    from fastapi import FastAPI
    from starlette.requests import HTTPConnection

    import mizan.fastapi

    # An HTTPConnection: the same dependency serves requests and the socket.
    async def fixture_session(connection: HTTPConnection) -> Identity | None:
        return session_identity(connection.cookies.get(SESSION_COOKIE))

    web = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    web.include_router(mizan.fastapi.router(mizan_app, identity=fixture_session), prefix=MOUNT)
    web.include_router(mizan.fastapi.view_router(mizan_app, identity=fixture_session))
    return web


# ---- Django ------------------------------------------------------------


def _configure_django() -> None:
    import django
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY="afi-fixture-django-secret-key-not-for-production",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        USE_TZ=True,
        APPEND_SLASH=False,
    )
    django.setup()


urlpatterns: list[Any] = []
"""Django wants a ROOT_URLCONF; each fixture instance brings its own."""


class _UrlConf:
    def __init__(self, patterns: list[Any]) -> None:
        self.urlpatterns = patterns


def django_wsgi(mizan_app: App) -> Callable[..., Any]:
    """A WSGI app serving the fixture with Django; the caller's session is
    the fixture's cookie, and CSRF the core's double-submit (the fixture's
    probes are the same for every adapter)."""
    _configure_django()
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpRequest
    from django.urls import include, path

    import mizan.django

    def fixture_session(request: HttpRequest) -> Identity | None:
        return session_identity(request.COOKIES.get(SESSION_COOKIE))

    conf = _UrlConf(
        [
            path(MOUNT.lstrip("/") + "/", include(mizan.django.urls(mizan_app, identity=fixture_session))),
            *mizan.django.view_urls(mizan_app, identity=fixture_session),
        ]
    )

    class Handler(WSGIHandler):
        def get_response(self, request: HttpRequest) -> Any:
            request.urlconf = conf  # type: ignore[attr-defined]
            return super().get_response(request)

    return Handler()


# ---- servers -----------------------------------------------------------


class Running:
    """A server on a loopback port, in a thread of this process."""

    def __init__(self, base: str, stop: Callable[[], None]) -> None:
        self.base = base
        self.stop = stop


def _bind(addr: str) -> socket.socket:
    host, _, port = addr.rpartition(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, int(port)))
    sock.listen(128)
    return sock


def start_fastapi(mizan_app: App, addr: str = "127.0.0.1:0") -> Running:
    import uvicorn

    sock = _bind(addr)
    config = uvicorn.Config(fastapi_app(mizan_app), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)

    def stop() -> None:
        server.should_exit = True
        thread.join(5)
        sock.close()

    host, port = sock.getsockname()[:2]
    return Running(f"http://{host}:{port}", stop)


def start_django(mizan_app: App, addr: str = "127.0.0.1:0") -> Running:
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = django_wsgi(mizan_app)
    host, _, port = addr.rpartition(":")
    server = ThreadedWSGIServer((host, int(port)), Quiet, allow_reuse_address=True)
    server.daemon_threads = True
    server.set_app(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    bound_host, bound_port = server.server_address[:2]
    return Running(f"http://{bound_host!s}:{bound_port}", stop)


STARTERS: dict[str, Callable[[App, str], Running]] = {"fastapi": start_fastapi, "django": start_django}


def main(argv: list[str]) -> int:
    import os

    usage = "usage: python -m afi_fixture fastapi|django [--emit-ir|--emit-manifest]"
    if not argv or argv[0] not in STARTERS:
        print(usage, file=sys.stderr)
        return 2
    kind, rest = argv[0], argv[1:]
    fixture = app(Settings.from_env())
    if rest == ["--emit-ir"]:
        sys.stdout.write(fixture.ir())
        return 0
    if rest == ["--emit-manifest"]:
        sys.stdout.write(fixture.manifest())
        return 0
    if rest:
        print(f"unknown argument {rest[0]!r}\n{usage}", file=sys.stderr)
        return 2
    addr = os.environ.get("MIZAN_FIXTURE_ADDR", "127.0.0.1:8765")
    running = STARTERS[kind](fixture, addr)
    print(f"listening on {running.base.removeprefix('http://')}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        running.stop()
    return 0
