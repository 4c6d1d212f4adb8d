"""The Mizan conformance fixture (../shared/spec/FIXTURE.md) in Python:
the same functions as the Rust fixture (examples/afi-fixture/src/lib.rs),
declared so that the IR and the manifest are byte-identical to its golden
files. ``afi_fixture.serve`` serves it with FastAPI or Django."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from mizan import App, Channel, Identity, MizanError, Request, Upload, ViewResponse, client, context, declared
from mizan._view import escape

DEFAULT_MWT_SECRET = "fixture-mwt-secret-0123456789abcdef"
DEFAULT_CACHE_SECRET = "fixture-cache-secret-0123456789abc"
SESSION_COOKIE = "mizan_fixture_session"

# id, name, staff, superuser, perms
USERS: list[tuple[int, str, bool, bool, tuple[str, ...]]] = [
    (1, "alice", False, False, ()),
    (2, "bob", True, False, ()),
    (3, "root", True, True, ()),
    (4, "carol", False, False, ("items.edit",)),
]

# ---- types -------------------------------------------------------------


class EchoOutput(BaseModel):
    message: str


class SumOutput(BaseModel):
    total: int


class UserOutput(BaseModel):
    email: str
    authenticated: bool


class Profile(BaseModel):
    user_id: int
    name: str


class Order(BaseModel):
    id: int
    total: float


class Item(BaseModel):
    id: int
    name: str


class UploadOutput(BaseModel):
    name: str
    size: int
    label: str


class Room(BaseModel):
    """A chat room: the `chat` channel's params."""

    room: str


class ChatSend(BaseModel):
    text: str


class ChatMessage(BaseModel):
    room: str
    text: str
    author: str


# ---- state -------------------------------------------------------------


@dataclass
class Store:
    """In-memory state, seeded identically on every start."""

    profiles: dict[int, str] = field(default_factory=lambda: {u[0]: u[1] for u in USERS})
    items: dict[int, str] = field(default_factory=lambda: {1: "one", 2: "two"})
    random: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


STORE = Store()


def reset() -> None:
    """Fresh seed data (a new fixture instance in the same process)."""
    global STORE
    STORE = Store()


def user_name(user_id: str) -> str:
    for uid, name, *_ in USERS:
        if str(uid) == user_id:
            return name
    return f"user{user_id}"


# ---- contexts ----------------------------------------------------------

User = context("user")
Items = context("items")
Search = context("search")

# ---- plain RPC ---------------------------------------------------------

I64 = (-(2**63), 2**63 - 1)


@client
async def echo(text: str) -> EchoOutput:
    return EchoOutput(message=f"echo: {text}")


@client
async def add(a: int, b: int) -> SumOutput:
    total = a + b
    if not I64[0] <= total <= I64[1]:
        raise MizanError.invalid_field("b", "a + b overflows a 64-bit integer")
    return SumOutput(total=total)


@client
async def multiply(a: int, b: int) -> SumOutput:
    total = a * b
    if not I64[0] <= total <= I64[1]:
        raise MizanError.invalid_field("b", "a * b overflows a 64-bit integer")
    return SumOutput(total=total)


@client(auth=True)
async def whoami(req: Request) -> UserOutput:
    identity = req.require_identity()
    return UserOutput(email=f"{user_name(identity.id)}@example.com", authenticated=True)


@client(auth="staff")
async def staff_only() -> EchoOutput:
    return EchoOutput(message="staff")


@client(auth="superuser")
async def superuser_only() -> EchoOutput:
    return EchoOutput(message="superuser")


def can_edit(identity: Identity) -> bool:
    return identity.has_perm("items.edit")


@client(auth=can_edit)
async def can_edit_items() -> EchoOutput:
    return EchoOutput(message="ok")


@client
async def not_implemented_fn() -> EchoOutput:
    raise MizanError.not_implemented("not_implemented_fn is not implemented")


@client
async def buggy_fn() -> EchoOutput:
    raise RuntimeError("buggy_fn exploded with secret internals")


@client
def list_items() -> list[Item]:
    with STORE.lock:
        return [Item(id=i, name=n) for i, n in sorted(STORE.items.items())]


@client
def find_item(item_id: int) -> Item | None:
    with STORE.lock:
        name = STORE.items.get(item_id)
    return None if name is None else Item(id=item_id, name=name)


@client
async def upload_file(file: Upload, label: str) -> UploadOutput:
    return UploadOutput(name=file.filename, size=file.size, label=label)


@client(websocket=True)
async def ws_echo(text: str) -> EchoOutput:
    return EchoOutput(message=f"echo: {text}")


# ---- channels ----------------------------------------------------------


class Chat(Channel, name="chat"):
    """Rooms anyone may join, but `staff`; everyone in a room gets what is
    sent to it, the sender included."""

    Params = Room
    Send = ChatSend
    Message = ChatMessage

    def join(self, req: Request, params: Room) -> None:
        if params.room == "staff" and not req.require_identity().staff:
            raise MizanError.forbidden("the staff room is for staff")

    def send(self, req: Request, params: Room, message: ChatSend) -> ChatMessage:
        author = "anon" if req.identity is None else user_name(req.identity.id)
        return ChatMessage(room=params.room, text=message.text, author=author)


# ---- contexts: global, user, items, … ----------------------------------


@client(context="global")
async def current_user(req: Request) -> UserOutput:
    if req.identity is None:
        return UserOutput(email="anon@example.com", authenticated=False)
    return UserOutput(email=f"{user_name(req.identity.id)}@example.com", authenticated=True)


@client(context=User)
def user_profile(user_id: int) -> Profile:
    with STORE.lock:
        name = STORE.profiles.get(user_id)
    if name is None:
        raise MizanError.not_found(f"No user with id {user_id}")
    return Profile(user_id=user_id, name=name)


@client(context=User)
async def user_orders(user_id: int, limit: int = 10) -> list[Order]:
    return [Order(id=user_id * 100 + i, total=i + 0.5) for i in range(1, 4)][: max(limit, 0)]


@client(context=User, route="/profile/{user_id}/")
def profile_page(user_id: int) -> ViewResponse:
    with STORE.lock:
        name = STORE.profiles.get(user_id)
    if name is None:
        raise MizanError.not_found(f"No user with id {user_id}")
    return ViewResponse.html(f"<!doctype html><html><body><h1>{escape(name)}</h1></body></html>")


@client(affects=User)
def rename_user(user_id: int, name: str) -> Profile:
    with STORE.lock:
        STORE.profiles[user_id] = name
    return Profile(user_id=user_id, name=name)


@client(affects=User)
async def touch_users() -> EchoOutput:
    return EchoOutput(message="touched")


@client(merge=User)
def rename_profile(user_id: int, name: str) -> Profile:
    with STORE.lock:
        STORE.profiles[user_id] = name
    return Profile(user_id=user_id, name=name)


@client(context=Items)
def items_list() -> list[Item]:
    return list_items()


@client(merge=Items)
def set_item_name(id: int, name: str) -> Item:
    with STORE.lock:
        STORE.items[id] = name
    return Item(id=id, name=name)


@client(private=True, affects=Items, route="/webhooks/stripe/", methods=["POST"])
async def stripe_webhook() -> ViewResponse:
    return ViewResponse.empty(204)


@client(context="trending", cache=60)
async def trending() -> EchoOutput:
    return EchoOutput(message="trending")


@client(context="random", cache=False)
def random_value() -> SumOutput:
    with STORE.lock:
        STORE.random += 1
        return SumOutput(total=STORE.random)


@client(context="versioned", rev=0)
async def versioned_a(item_id: int) -> SumOutput:
    return SumOutput(total=item_id)


@client(context="versioned", rev=2)
async def versioned_b(item_id: int) -> SumOutput:
    return SumOutput(total=item_id * 2)


@client(context=Search)
def search_results(q: str) -> list[Item]:
    with STORE.lock:
        return [Item(id=i, name=n) for i, n in sorted(STORE.items.items()) if q in n]


@client(affects=Search)
async def bump_search(q: str) -> EchoOutput:
    return EchoOutput(message=q)


# ---- wiring ------------------------------------------------------------


@dataclass
class Settings:
    """Secrets and the cache backend, from the environment (FIXTURE.md)."""

    mwt_secret: str = DEFAULT_MWT_SECRET
    cache_secret: str = DEFAULT_CACHE_SECRET
    redis_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            mwt_secret=os.environ.get("MIZAN_MWT_SECRET", DEFAULT_MWT_SECRET),
            cache_secret=os.environ.get("MIZAN_CACHE_SECRET", DEFAULT_CACHE_SECRET),
            redis_url=os.environ.get("MIZAN_REDIS_URL") or None,
        )


def session_identity(cookie: str | None) -> Identity | None:
    """The identity of a ``mizan_fixture_session=<user id>`` cookie."""
    if cookie is None:
        return None
    try:
        wanted = int(cookie)
    except ValueError:
        return None
    for uid, _name, staff, superuser, perms in USERS:
        if uid == wanted:
            return Identity(str(uid), staff=staff, superuser=superuser, perms=list(perms))
    return None


def functions() -> list[Callable[..., Any]]:
    """The fixture's functions (declared in this module; other modules of
    the same process may declare their own)."""
    return [d.function for d in declared() if d.function.__module__ == __name__]


def app(settings: Settings | None = None) -> App:
    """The fixture app with fresh seed data."""
    settings = settings or Settings()
    reset()
    return App(
        functions(),
        channels=[Chat],
        mwt_secret=settings.mwt_secret,
        mwt_kid="k1",
        mwt_audience="mizan",
        cache=settings.redis_url or "memory",
        cache_secret=settings.cache_secret,
    )
