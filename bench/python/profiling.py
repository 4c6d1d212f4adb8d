"""Where a request's time goes, in process (no network): the FastAPI app
called through ASGI N times per load under cProfile, the top functions by
own time printed for each load. ``python profiling.py [N]``."""

import asyncio
import cProfile
import io
import json
import pstats
import sys

import apps

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
LOADS = {
    "mizan echo": ("POST", "/api/mizan/call/", b'{"fn":"echo","args":{"text":"hello"}}'),
    "hand echo": ("POST", "/hand/echo", b'{"text":"hello"}'),
    "mizan context": ("GET", "/api/mizan/ctx/board/?id=7", b""),
    "hand context": ("GET", "/hand/board?id=7", b""),
}


async def request(app, method: str, target: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench"), (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }
    sent = False

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):  # type: ignore[no-untyped-def]
        pass

    await app(scope, receive, send)


async def run(app, load) -> None:  # type: ignore[no-untyped-def]
    for _ in range(N):
        await request(app, *load)


def main() -> None:
    app = apps.fastapi_app()
    for name, load in LOADS.items():
        asyncio.run(run(app, load))  # warm-up
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run(app, load))
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        total = stats.total_tt  # type: ignore[attr-defined]
        print(f"== {name}: {total / N * 1e6:.0f} µs per request (profiled)")
        stats.sort_stats("tottime").print_stats(12)
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip())[:2500])
        print()


if __name__ == "__main__":
    main()
    assert json
