"""mizan.django's defaults on a real Django site: the caller is
``request.user`` (Django's sessions and auth, roles and permissions
included) and CSRF is Django's own check, which accepts its cookie's
secret or a masked form token in ``X-CSRFToken``; a token caller needs
no CSRF; Django's own CsrfViewMiddleware never stands in the way."""

import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mizan import MwtConfig


@pytest.fixture(scope="module")
def site() -> Iterator[httpx.Client]:
    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("django_site.py")), str(Path(tmp) / "db.sqlite3")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening on "), line
        with httpx.Client(base_url="http://" + line.split()[-1], timeout=30) as client:
            yield client
        process.kill()
        process.wait()


def signed_in(site: httpx.Client, username: str) -> httpx.Cookies:
    site.cookies.clear()
    reply = site.post("/login/", data={"username": username, "password": f"pw-{username}"})
    assert reply.status_code == 200, reply.text
    cookies = httpx.Cookies(site.cookies)
    site.cookies.clear()
    return cookies


def call(site: httpx.Client, fn: str, cookies: httpx.Cookies | None = None, **headers: str) -> httpx.Response:
    site.cookies.clear()
    for name, value in (cookies or {}).items():
        site.cookies.set(name, value)
    reply = site.post("/api/mizan/call/", json={"fn": fn, "args": {}}, headers=headers)
    site.cookies.clear()
    return reply


def test_session_hands_out_djangos_token_and_sets_its_cookie(site: httpx.Client) -> None:
    cookies = signed_in(site, "ada")
    site.cookies.clear()
    for name, value in cookies.items():
        site.cookies.set(name, value)
    reply = site.get("/api/mizan/session/")
    token = reply.json()["csrfToken"]
    assert reply.headers["cache-control"] == "no-store"
    assert len(token) == 64  # a masked token, as Django's forms carry
    assert "csrftoken=" in reply.headers.get("set-cookie", "")


def test_the_django_user_is_the_caller_with_djangos_csrf(site: httpx.Client) -> None:
    cookies = signed_in(site, "ada")
    secret = cookies["csrftoken"]
    refused = call(site, "whoami", cookies)
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    wrong = call(site, "whoami", cookies, **{"X-CSRFToken": "x" * 32})
    assert wrong.status_code == 403
    ok = call(site, "whoami", cookies, **{"X-CSRFToken": secret})
    assert ok.json()["result"] == {"id": "1", "perms": [], "staff": False}
    # A masked token from a Django page works as well.
    site.cookies.clear()
    for name, value in cookies.items():
        site.cookies.set(name, value)
    masked = site.get("/form-token/").text
    assert len(masked) == 64
    assert call(site, "whoami", cookies, **{"X-CSRFToken": masked}).status_code == 200


def test_roles_and_permissions_come_from_django(site: httpx.Client) -> None:
    ada, eve = signed_in(site, "ada"), signed_in(site, "eve")
    assert call(site, "change_users", ada, **{"X-CSRFToken": ada["csrftoken"]}).status_code == 403
    reply = call(site, "change_users", eve, **{"X-CSRFToken": eve["csrftoken"]})
    assert reply.json()["result"] == "allowed"
    me = call(site, "whoami", eve, **{"X-CSRFToken": eve["csrftoken"]}).json()["result"]
    assert me == {"id": "2", "perms": ["auth.change_user"], "staff": True}


def test_anonymous_and_token_callers_need_no_django_csrf(site: httpx.Client) -> None:
    assert call(site, "public").status_code == 422  # reached the core: `text` is missing
    assert call(site, "whoami").status_code == 401
    token = MwtConfig([("k1", "django-site-mwt-secret-0123456789ab")]).mint("2", int(time.time()), staff=True)
    assert call(site, "whoami", **{"X-Mizan-Token": token}).json()["result"]["id"] == "2"
