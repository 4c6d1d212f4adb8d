"""The declaration surface: ``@client(...)``, ``context(...)`` handles,
:class:`Request` and :class:`MizanError` (DECLARATION.md, PYTHON.md).

A decorated function stays an ordinary function (tests call it directly);
its declaration rides on it as ``__mizan__`` and joins the process-wide
list that :meth:`mizan.App.from_declarations` collects. Nothing is
described or validated here: registration does both at once, so that a
model defined after the function that uses it is found.
"""

from __future__ import annotations

import dataclasses
import threading
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar, Union, overload

from ._mizan import Identity, RequestInfo

if TYPE_CHECKING:
    from ._runtime import Host

F = TypeVar("F", bound=Callable[..., Any])

ErrorCode = Literal[
    "BAD_REQUEST",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "VALIDATION_ERROR",
    "INTERNAL_ERROR",
    "NOT_IMPLEMENTED",
]


class MizanError(Exception):
    """An error a function raises on purpose, sent as the protocol's
    envelope ``{"error": {"code", "message", "details"?}}``."""

    def __init__(self, code: ErrorCode, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.details = details

    @classmethod
    def bad_request(cls, message: str) -> MizanError:
        return cls("BAD_REQUEST", message)

    @classmethod
    def unauthorized(cls, message: str = "Authentication required") -> MizanError:
        return cls("UNAUTHORIZED", message)

    @classmethod
    def forbidden(cls, message: str) -> MizanError:
        return cls("FORBIDDEN", message)

    @classmethod
    def not_found(cls, message: str) -> MizanError:
        return cls("NOT_FOUND", message)

    @classmethod
    def not_implemented(cls, message: str) -> MizanError:
        return cls("NOT_IMPLEMENTED", message)

    @classmethod
    def internal(cls, message: str) -> MizanError:
        return cls("INTERNAL_ERROR", message)

    @classmethod
    def validation(cls, fields: dict[str, list[str]]) -> MizanError:
        """``VALIDATION_ERROR`` with ``details.fields``."""
        return cls("VALIDATION_ERROR", "Input validation failed", {"fields": fields})

    @classmethod
    def invalid_field(cls, field: str, message: str) -> MizanError:
        """``VALIDATION_ERROR`` for one field."""
        return cls.validation({field: [message]})


@dataclasses.dataclass(frozen=True)
class Context:
    """A named context; declare it once and name it by this handle, so a
    typo is a ``NameError`` at import instead of a silent new context."""

    name: str

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a context needs a name")


def context(name: str) -> Context:
    """A context handle: ``User = context("user")``."""
    return Context(name)


class Request:
    """What a function sees of its request: the caller, headers, and the
    web framework's own request object (``host``) for anything else."""

    __slots__ = ("_info", "host")

    def __init__(self, info: RequestInfo, host: Host | None) -> None:
        self._info = info
        self.host = host
        """The framework's request (a Starlette ``Request``, a Django
        ``HttpRequest``), or ``None`` outside a web request."""

    @property
    def identity(self) -> Identity | None:
        """The caller, or ``None`` when anonymous."""
        return self._info.identity

    @property
    def user_id(self) -> str | None:
        """The caller's user id."""
        return self._info.user_id

    def require_identity(self) -> Identity:
        """The caller, or ``UNAUTHORIZED``."""
        identity = self._info.identity
        if identity is None:
            raise MizanError.unauthorized()
        return identity

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Request headers, names in lower case."""
        return self._info.headers

    def header(self, name: str) -> str | None:
        """One header's value, or ``None``."""
        return self._info.header(name)

    @property
    def transport(self) -> str:
        """``"http"``, ``"websocket"`` or ``"ipc"``."""
        return self._info.transport

    @property
    def body(self) -> bytes:
        """The raw body (view-path functions)."""
        return self._info.body

    def path_param(self, name: str) -> str | None:
        """A path parameter of a view route, as sent."""
        return self._info.path_param(name)


class Channel:
    """A channel (PROTOCOL.md §6.1): a declared stream of typed messages
    with params (a chat room, a progress feed). Subclass it with its name
    and its three models, and override ``join`` (who may join; default:
    anyone) and ``send`` (what a client's message publishes; default:
    clients may not send)::

        class Chat(Channel, name="chat"):
            Params = Room
            Send = ChatSend
            Message = ChatMessage

            def join(self, req: Request, params: Room) -> None: ...
            def send(self, req: Request, params: Room, message: ChatSend) -> ChatMessage | None: ...

    Either method may be ``async``. Joining and sending happen over the
    WebSocket; the channel is in the IR and the generated clients.
    """

    name: typing.ClassVar[str]
    Params: typing.ClassVar[type[Any]]
    Send: typing.ClassVar[type[Any]]
    Message: typing.ClassVar[type[Any]]

    def __init_subclass__(cls, *, name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name is None:
            raise TypeError(f"channel `{cls.__qualname__}` needs a name: `class {cls.__name__}(Channel, name=...)`")
        cls.name = name
        for attribute in ("Params", "Send", "Message"):
            if not isinstance(getattr(cls, attribute, None), type):
                raise TypeError(f"channel `{name}` ({cls.__qualname__}) needs `{attribute}`, a model class")
        with _DECLARED_LOCK:
            _CHANNELS.append(cls)

    def join(self, req: Request, params: Any) -> Any:
        """Whether ``req``'s caller may join this instance: raise
        :class:`MizanError` to refuse. Default: anyone."""
        return None

    def send(self, req: Request, params: Any, message: Any) -> Any:
        """A client sent ``message``: what to publish to the instance
        (``None``: nothing). Default: clients may not send."""
        raise MizanError.forbidden(f"clients may not send to channel `{self.name}`")


_CHANNELS: list[type[Channel]] = []


def declared_channels() -> list[type[Channel]]:
    """Every channel declared so far, in order."""
    with _DECLARED_LOCK:
        return list(_CHANNELS)


AuthOption = Union[Literal[True, "staff", "superuser"], Callable[[Identity], bool]]
Target = Union[Context, str, Callable[..., Any]]


@dataclasses.dataclass
class Declaration:
    """Everything ``@client`` was told about one function."""

    function: Callable[..., Any]
    name: str
    context: str | None = None
    affects: list[Target] = dataclasses.field(default_factory=list)
    merge: str | None = None
    merge_key: str | None = None
    auth: AuthOption | None = None
    private: bool = False
    route: str | None = None
    methods: list[str] = dataclasses.field(default_factory=list)
    rev: int = 0
    cache: int | bool | None = None
    websocket: bool = False

    @property
    def origin(self) -> str:
        fn = self.function
        return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', self.name)}"


_DECLARED: list[Declaration] = []
_DECLARED_LOCK = threading.Lock()


def declared() -> list[Declaration]:
    """Every function declared with ``@client`` so far, in order."""
    with _DECLARED_LOCK:
        return list(_DECLARED)


def _context_name(value: Context | str, option: str, fn: Callable[..., Any]) -> str:
    if isinstance(value, Context):
        return value.name
    if isinstance(value, str) and value:
        return value
    raise TypeError(f"`{fn.__qualname__}`: `{option}` names a context (a `context(...)` handle or a string), not {value!r}")


@overload
def client(function: F, /) -> F: ...


@overload
def client(
    *,
    context: Context | str | None = None,
    affects: Target | Sequence[Target] | None = None,
    merge: Context | str | None = None,
    merge_key: str | None = None,
    auth: AuthOption | None = None,
    private: bool = False,
    route: str | None = None,
    methods: Sequence[str] | None = None,
    rev: int = 0,
    cache: int | bool | None = None,
    websocket: bool = False,
    name: str | None = None,
) -> Callable[[F], F]: ...


def client(
    function: F | None = None,
    /,
    *,
    context: Context | str | None = None,
    affects: Target | Sequence[Target] | None = None,
    merge: Context | str | None = None,
    merge_key: str | None = None,
    auth: AuthOption | None = None,
    private: bool = False,
    route: str | None = None,
    methods: Sequence[str] | None = None,
    rev: int = 0,
    cache: int | bool | None = None,
    websocket: bool = False,
    name: str | None = None,
) -> F | Callable[[F], F]:
    """Declares a server function (every option of DECLARATION.md):

    ``context`` (read function, member of that context), ``affects``
    (mutation: contexts or functions, one or a list), ``merge`` (+
    ``merge_key``), ``auth`` (``True``, ``"staff"``, ``"superuser"`` or a
    predicate on the :class:`Identity`), ``private``, ``route`` +
    ``methods`` (view path: the function returns the framework's
    response), ``rev``, ``cache`` (seconds, or ``False``), ``websocket``,
    ``name`` (the wire name).
    """

    def declare(fn: F) -> F:
        if not callable(fn):
            raise TypeError(f"@client decorates a function, not {fn!r}")
        if route is None and methods:
            raise TypeError(f"`{fn.__qualname__}`: `methods` applies to view-path functions; add `route`")
        if auth is not None and not (auth is True or auth in ("staff", "superuser") or callable(auth)):
            raise TypeError(f"`{fn.__qualname__}`: `auth` is True, \"staff\", \"superuser\" or a predicate, not {auth!r}")
        if isinstance(cache, int) and not isinstance(cache, bool) and cache < 0:
            raise TypeError(f"`{fn.__qualname__}`: `cache` is a number of seconds or False")
        if cache is True:
            raise TypeError(f"`{fn.__qualname__}`: `cache` is a number of seconds or False")
        if rev < 0:
            raise TypeError(f"`{fn.__qualname__}`: `rev` is a non-negative integer")
        if affects is None:
            targets: list[Target] = []
        elif isinstance(affects, (Context, str)) or callable(affects):
            targets = [affects]
        else:
            targets = list(affects)
        declaration = Declaration(
            function=fn,
            name=name or fn.__name__,
            context=None if context is None else _context_name(context, "context", fn),
            affects=targets,
            merge=None if merge is None else _context_name(merge, "merge", fn),
            merge_key=merge_key,
            auth=auth,
            private=private,
            route=route,
            methods=[m.upper() for m in (methods or [])],
            rev=rev,
            cache=cache,
            websocket=websocket,
        )
        fn.__mizan__ = declaration  # type: ignore[attr-defined]
        with _DECLARED_LOCK:
            _DECLARED.append(declaration)
        return fn

    if function is not None:
        return declare(function)
    return declare
