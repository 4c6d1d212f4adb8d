"""A Django site with real users, sessions and Django's CSRF, serving a
Mizan app with mizan.django's defaults (identity = request.user, CSRF =
Django's). Run as ``python django_site.py <sqlite path>``; prints
``listening on <addr>``."""

import sys
import threading
from typing import Any

import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="django-site-test-secret-key-0123456789",
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": sys.argv[1]}},
    USE_TZ=True,
)
django.setup()

from django.contrib.auth import authenticate, login  # noqa: E402
from django.contrib.auth.models import Permission, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

import mizan.django  # noqa: E402
from mizan import App, Identity, Request, client  # noqa: E402


@client(auth=True)
def whoami(req: Request) -> dict[str, Any]:
    who = req.require_identity()
    assert isinstance(req.host, HttpRequest)  # the framework request, for anything else
    return {"id": who.id, "staff": who.staff, "perms": who.perms}


@client(auth=lambda who: who.has_perm("auth.change_user"))
def change_users() -> str:
    return "allowed"


@client
def public(text: str) -> str:
    return text


@csrf_exempt
def sign_in(request: HttpRequest) -> HttpResponse:
    user = authenticate(request, username=request.POST["username"], password=request.POST["password"])
    if user is None:
        return HttpResponse(status=403)
    login(request, user)
    return HttpResponse("signed in")


def form_token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(get_token(request))


app = App([whoami, change_users, public], mwt_secret="django-site-mwt-secret-0123456789ab")
urlpatterns = [
    path("login/", sign_in),
    path("form-token/", form_token),
    path("api/mizan/", include(mizan.django.urls(app))),
]

call_command("migrate", verbosity=0, interactive=False)
User.objects.create_user("ada", password="pw-ada")
editor = User.objects.create_user("eve", password="pw-eve", is_staff=True)
editor.user_permissions.add(Permission.objects.get(codename="change_user"))


class Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
server.set_app(get_wsgi_application())
host, port = server.server_address[:2]
print(f"listening on {host}:{port}", flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
