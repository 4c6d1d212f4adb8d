"""Mizan on Django: URL patterns for the API (``include`` them under any
prefix) and for the view-path routes.

```python
urlpatterns = [
    path("api/mizan/", include(mizan.django.urls(mizan_app))),
    *mizan.django.view_urls(mizan_app),
]
```

By default the caller is Django's ``request.user`` (sessions and
``django.contrib.auth``), and CSRF is Django's own: ``/session/`` hands out
``get_token(request)`` and sets Django's CSRF cookie, and a session
caller's unsafe request must pass ``CsrfViewMiddleware``'s check (header
``X-CSRFToken``, masked or not, against the ``csrftoken`` cookie, plus
its origin checks). Pass ``identity=`` (a callable on the ``HttpRequest``)
to resolve callers yourself; the core's double-submit check then applies.
Tokens (``X-Mizan-Token``, Bearer) are the core's either way. The views
are CSRF-exempt for Django's middleware: the core decides who needs a check.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import Morsel
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie

from ._mizan import HostSession, Identity, Response
from ._runtime import App
from ._view import ViewResponse

IdentityResolver = Callable[[HttpRequest], "Identity | None"]


def user_identity(request: HttpRequest) -> Identity | None:
    """The signed-in Django user as an identity: primary key, staff,
    superuser and every permission (``app_label.codename``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return Identity(
        str(user.pk),
        staff=bool(user.is_staff),
        superuser=bool(user.is_superuser),
        perms=sorted(user.get_all_permissions()),
    )


class _Verdict(CsrfViewMiddleware):
    """Django's CSRF check, answering with the reason instead of a page."""

    def _reject(self, request: HttpRequest, reason: str) -> Any:
        return reason


def _csrf_verdict(request: HttpRequest) -> bool | str:
    reason = _Verdict(lambda r: HttpResponse()).process_view(request, lambda r: HttpResponse(), (), {})
    return True if reason is None else str(reason)


def _body(request: HttpRequest, limit: int) -> bytes:
    """The body, unread when it declares more than ``limit`` (the core
    answers ``413``; Django never holds it)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return b""
    return request.body


def _headers(request: HttpRequest) -> list[tuple[str, str]]:
    meta = request.META
    out: list[tuple[str, str]] = []
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").lower(), value))
    if meta.get("CONTENT_TYPE"):
        out.append(("content-type", meta["CONTENT_TYPE"]))
    if meta.get("CONTENT_LENGTH"):
        out.append(("content-length", meta["CONTENT_LENGTH"]))
    return out


def _uri(request: HttpRequest) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"{request.path}?{query}" if query else request.path


def _response(answer: Response) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status)
    # Django sets its own content type; the core's headers replace it.
    del response["Content-Type"]
    # A known length lets the server keep the connection open.
    response["Content-Length"] = str(len(answer.body))
    for name, value in answer.headers:
        if name == "set-cookie":
            cookie = _RawCookie(value)
            response.cookies[cookie.key] = cookie
        else:
            response[name] = value
    return response


class _RawCookie(Morsel[str]):
    """A ``Set-Cookie`` line written as the core (or a view) wrote it:
    Django would reorder its attributes."""

    def __init__(self, line: str) -> None:
        super().__init__()
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        self.set(name.strip(), value, value)
        self._line = line

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 - the Morsel API
        return self._line


def view_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """What a view-path function returned: a Django ``HttpResponse`` (not
    streaming; its cookies kept) or a :class:`~mizan.ViewResponse`."""
    if isinstance(result, ViewResponse):
        return result.status, list(result.headers), result.body
    if isinstance(result, HttpResponse):
        headers = [(k.lower(), v) for k, v in result.items() if k.lower() != "content-length"]
        headers += [("set-cookie", m.OutputString()) for m in result.cookies.values()]
        return result.status_code, headers, result.content
    raise TypeError(f"a view-path function returns a Django HttpResponse or mizan.ViewResponse, not {type(result).__name__}")


_SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}


class _Endpoints:
    def __init__(self, app: App, identity: IdentityResolver | None, csrf: Literal["django", "mizan"] | None) -> None:
        self.app = app
        self.identity = identity or user_identity
        self.django_csrf = (csrf or ("mizan" if identity else "django")) == "django"

    def session_for(self, request: HttpRequest, endpoint: str) -> HostSession:
        who = self.identity(request)
        if not self.django_csrf:
            return HostSession(who)
        token = get_token(request) if endpoint == "session" else None
        # Django's verdict is only ever consulted for a signed-in caller's
        # unsafe request; computing it for others would cost a parse.
        verdict: bool | str | None = None
        if who is not None and request.method not in _SAFE:
            verdict = _csrf_verdict(request)
        return HostSession(who, csrf=verdict, csrf_token=token)

    def serve(self, request: HttpRequest, endpoint: str, **where: Any) -> HttpResponse:
        body = _body(request, self.app.body_limit) if endpoint in ("call", "view") else b""
        session = self.session_for(request, endpoint)
        exchange = self.app.exchange(
            endpoint,
            request.method or "GET",
            _uri(request),
            _headers(request),
            body,
            session=session,
            **where,
        )
        return _response(self.app.serve_blocking(exchange, request, view_response))


def urls(
    app: App,
    *,
    identity: IdentityResolver | None = None,
    csrf: Literal["django", "mizan"] | None = None,
) -> list[URLPattern]:
    """The API endpoints, relative to where they are included:
    ``session/``, ``call/``, ``ctx/<name>/`` and an envelope for any
    other path. ``csrf`` defaults to ``"django"`` with Django's users and
    to ``"mizan"`` (the core's double-submit) with your own ``identity``."""
    ends = _Endpoints(app, identity, csrf)
    session_view = csrf_exempt(lambda request: ends.serve(request, "session"))
    if ends.django_csrf:
        session_view = csrf_exempt(ensure_csrf_cookie(lambda request: ends.serve(request, "session")))
    return [
        path("session/", session_view, name="mizan-session"),
        path("call/", csrf_exempt(lambda request: ends.serve(request, "call")), name="mizan-call"),
        path(
            "ctx/<str:name>/",
            csrf_exempt(lambda request, name: ends.serve(request, "context", context=name)),
            name="mizan-context",
        ),
        re_path(r"^.*$", csrf_exempt(lambda request: ends.serve(request, "unknown")), name="mizan-unknown"),
    ]


def view_urls(
    app: App,
    *,
    identity: IdentityResolver | None = None,
    csrf: Literal["django", "mizan"] | None = None,
) -> list[URLPattern]:
    """Every view-path route at its own path (``/profile/{user_id}/``
    becomes ``profile/<str:user_id>/``; the core coerces the value)."""
    ends = _Endpoints(app, identity, csrf)
    patterns = []
    for route, _methods in app.view_routes():

        def view_for(route: str) -> Callable[..., HttpResponse]:
            def view(request: HttpRequest, **params: str) -> HttpResponse:
                return ends.serve(request, "view", route=route, path_params=params)

            return csrf_exempt(view)

        django_route = route.lstrip("/").replace("{", "<str:").replace("}", ">")
        patterns.append(path(django_route, view_for(route)))
    return patterns


__all__ = ["urls", "user_identity", "view_response", "view_urls"]
