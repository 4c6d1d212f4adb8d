"""``python server.py fastapi|django PORT``: one server process serving the
Mizan routes and the hand-written ones side by side."""

import sys
from typing import Any

import apps


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "fastapi":
        import uvicorn

        uvicorn.run(apps.fastapi_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    else:
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadedWSGIServer(("127.0.0.1", port), Quiet)
        server.daemon_threads = True
        server.set_app(apps.django_wsgi())
        server.serve_forever()


if __name__ == "__main__":
    main()
