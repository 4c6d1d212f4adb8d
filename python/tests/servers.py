"""Real servers on loopback ports for the package's own tests."""

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx


@contextmanager
def uvicorn_server(asgi: Any) -> Iterator[httpx.Client]:
    """Serves an ASGI app with uvicorn in a thread of this process."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    server = uvicorn.Server(uvicorn.Config(asgi, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.01)
    host, port = sock.getsockname()[:2]
    try:
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def fastapi_app(app: Any, identity: Callable[..., Any] | None = None) -> Any:
    from fastapi import FastAPI

    import mizan.fastapi

    web = FastAPI()
    web.include_router(mizan.fastapi.router(app, identity=identity), prefix="/api/mizan")
    web.include_router(mizan.fastapi.view_router(app, identity=identity))
    return web
