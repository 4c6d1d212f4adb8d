"""Registration and serving.

:class:`App` describes the declared functions (Python reads their hints),
hands the description to the core, which validates the whole graph and
builds the server, and runs the Python calls the core files while a
request is in it. The adapters (``mizan.fastapi``, ``mizan.django``) only
move a request's bytes to :meth:`App.serve` / :meth:`App.serve_blocking`
and the answer back.

How a call runs: the core checks its arguments against their shapes
(same checks and wording as Rust), Python converts the checked JSON into
the declared types (Pydantic, for models and the like) and calls the
function — a coroutine on the running loop, a sync function on a worker
thread under an event loop (never blocking it) or inline under WSGI — and
reduces the result to JSON data, which the core writes out canonically.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import json
import logging
import typing
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import pydantic

from . import _types
from ._declare import Channel, Context, Declaration, MizanError, Request, declared, declared_channels
from ._mizan import (
    DEFAULT_BODY_LIMIT,
    Call,
    Exchange,
    HostSession,
    Identity,
    Registry,
    Response,
    Server,
    Upload,
)

log = logging.getLogger("mizan")

Host = Any
"""The web framework's own request object (Starlette, Django)."""


class ViewConverter(Protocol):
    """Turns what a view-path function returned into (status, headers, body)."""

    def __call__(self, response: Any, /) -> tuple[int, list[tuple[str, str]], bytes]: ...


BearerVerifier = Callable[[str], "Identity | None | Awaitable[Identity | None]"]


def _fail(call: Call, err: MizanError) -> None:
    details = err.details
    call.fail(err.code, err.message, details)


@dataclasses.dataclass
class _Param:
    name: str
    convert: Callable[[Any], Any] | None
    default: Any = inspect.Parameter.empty


@dataclasses.dataclass
class Function:
    """A registered function as the runtime calls it."""

    declaration: Declaration
    params: list[_Param]
    takes_request: bool
    is_async: bool
    dump: Callable[[Any], Any] | None
    is_view: bool

    @property
    def name(self) -> str:
        return self.declaration.name

    def arguments(self, sent: dict[str, Any]) -> dict[str, Any]:
        """The checked JSON arguments as the declared Python types; a value
        Pydantic refuses (a constraint beyond the shape) is a
        ``VALIDATION_ERROR`` at its path."""
        kwargs: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for p in self.params:
            if p.name not in sent:
                continue
            value = sent[p.name]
            if p.convert is None:
                kwargs[p.name] = value
                continue
            try:
                kwargs[p.name] = p.convert(value)
            except pydantic.ValidationError as err:
                for e in err.errors(include_url=False):
                    errors.setdefault(_field_path(p.name, e["loc"]), []).append(e["msg"])
        if errors:
            raise MizanError.validation(errors)
        return kwargs


def _field_path(name: str, loc: Sequence[int | str]) -> str:
    out = name
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_PLAIN_HINTS: tuple[Any, ...] = (int, float, bool, str, Any, object, Upload)


def _is_plain(hint: Any) -> bool:
    """Whether the core's checked JSON already is the value the function
    takes (no Pydantic pass needed): scalars, and optionals, lists and
    maps of them. Dates, enums, literals and models are converted."""
    if hint in _PLAIN_HINTS:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if _types.is_optional(hint):
        rest = [a for a in args if a is not type(None)]
        return len(rest) == 1 and _is_plain(rest[0])
    if origin in (list, dict):
        return all(a is str or (a in _PLAIN_HINTS and a is not Upload) for a in args)
    return False


def _describe_function(decl: Declaration) -> tuple[dict[str, Any], Function]:
    fn = decl.function
    where = f"`{decl.name}` ({decl.origin})"
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as err:  # a hint naming something undefined
        raise TypeError(f"{where}: its type hints cannot be resolved: {err}") from err
    signature = inspect.signature(fn)
    table = _types.TypeTable()
    params: list[dict[str, Any]] = []
    runtime_params: list[_Param] = []
    takes_request = False
    for index, (pname, p) in enumerate(signature.parameters.items()):
        hint = hints.get(pname, p.annotation)
        if index == 0 and hint is Request:
            takes_request = True
            continue
        if hint is Request:
            raise TypeError(f"{where}: parameter `{pname}`: the request handle must be the first parameter")
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise TypeError(f"{where}: parameter `{pname}`: arguments are named; use a plain parameter")
        if hint is inspect.Parameter.empty:
            raise TypeError(f"{where}: parameter `{pname}` needs a type hint (its wire type)")
        try:
            shape = _types.describe(hint, table)
        except _types.DescribeError as err:
            raise TypeError(f"{where}: parameter `{pname}`: {err}") from None
        optional = _types.is_optional(hint)
        has_default = p.default is not inspect.Parameter.empty
        if shape == "upload" and has_default:
            raise TypeError(f"{where}: parameter `{pname}`: a file argument takes no default")
        default_json: Any = None
        if has_default and not optional:
            default_json = _json_default(p.default)
        params.append(
            {
                "name": pname,
                "shape": shape,
                "required": not (optional or has_default),
                "default": default_json,
            }
        )
        convert = None if _is_plain(hint) else pydantic.TypeAdapter(hint).validate_python
        runtime_params.append(_Param(pname, convert, None if optional and not has_default else p.default))
    output_hint = hints.get("return", signature.return_annotation)
    is_view = decl.route is not None
    output: _types.Shape | None = None
    dump: Callable[[Any], Any] | None = None
    if not is_view:
        if output_hint is inspect.Signature.empty:
            raise TypeError(f"{where}: the return needs a type hint (its wire type)")
        try:
            output = _types.describe(output_hint, table)
        except _types.DescribeError as err:
            raise TypeError(f"{where}: the return type: {err}") from None
        if not _is_plain(output_hint):
            adapter = pydantic.TypeAdapter(output_hint)
            dump = functools.partial(adapter.dump_python, mode="json", by_alias=True, warnings="error")
    spec: dict[str, Any] = {
        "name": decl.name,
        "origin": decl.origin,
        "params": params,
        "output": output,
        "types": table.types,
        "context": decl.context,
        "affects": [_target(t, where) for t in decl.affects],
        "merge": None if decl.merge is None else {"context": decl.merge, "key": decl.merge_key},
        "auth": _auth(decl.auth),
        "private": decl.private,
        "route": decl.route,
        "methods": decl.methods,
        "rev": decl.rev,
        "cache": decl.cache,
        "websocket": decl.websocket,
    }
    runtime = Function(
        declaration=decl,
        params=runtime_params,
        takes_request=takes_request,
        is_async=inspect.iscoroutinefunction(fn),
        dump=dump,
        is_view=is_view,
    )
    return spec, runtime


@dataclasses.dataclass
class ChannelRuntime:
    """A registered channel as the runtime calls it."""

    channel: Channel
    params: Callable[[Any], Any]
    message: Callable[[Any], Any]
    dump: Callable[[Any], Any]


def _describe_channel(cls: type[Channel]) -> tuple[dict[str, Any], ChannelRuntime]:
    where = f"channel `{cls.name}` ({cls.__module__}.{cls.__qualname__})"
    table = _types.TypeTable()
    shapes = {}
    for part in ("Params", "Send", "Message"):
        try:
            shapes[part] = _types.describe(getattr(cls, part), table)
        except _types.DescribeError as err:
            raise TypeError(f"{where}: `{part}`: {err}") from None
    spec = {
        "name": cls.name,
        "origin": f"{cls.__module__}.{cls.__qualname__}",
        "params": shapes["Params"],
        "send": shapes["Send"],
        "message": shapes["Message"],
        "types": table.types,
    }
    message_or_none: Any = typing.Optional[cls.Message]  # noqa: UP007 - a runtime type
    dump = pydantic.TypeAdapter(message_or_none).dump_python
    runtime = ChannelRuntime(
        channel=cls(),
        params=pydantic.TypeAdapter(cls.Params).validate_python,
        message=pydantic.TypeAdapter(cls.Send).validate_python,
        dump=functools.partial(dump, mode="json", by_alias=True, warnings="error"),
    )
    return spec, runtime


def _json_default(value: Any) -> Any:
    """A parameter default as JSON for the IR (scalars only; the IR writes
    nothing for the others, and Python applies its own default either way)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return None


def _target(target: Any, where: str) -> dict[str, str]:
    if isinstance(target, Context):
        return {"context": target.name}
    if isinstance(target, str) and target:
        return {"context": target}
    decl = getattr(target, "__mizan__", None)
    if isinstance(decl, Declaration):
        return {"function": decl.name}
    raise TypeError(f"{where}: `affects` names a context or a @client function, not {target!r}")


def _auth(auth: Any) -> str | None:
    if auth is None or auth is False:
        return None
    if auth is True:
        return "required"
    if auth in ("staff", "superuser"):
        return str(auth)
    return "custom"


@dataclasses.dataclass(frozen=True)
class Csrf:
    """Names of the double-submit CSRF cookie and header (PROTOCOL.md §2)."""

    cookie: str = "mizan_csrftoken"
    header: str = "X-CSRFToken"
    secure: bool = False


class App:
    """A Mizan app: the registry of its functions (validated by the core)
    and the server that answers for them.

    ``functions`` defaults to every ``@client`` function declared so far,
    ``channels`` to every :class:`~mizan.Channel`; pass lists for an
    isolated registry (tests, two apps in a process).
    """

    def __init__(
        self,
        functions: Iterable[Callable[..., Any]] | None = None,
        *,
        channels: Iterable[type[Channel]] | None = None,
        mwt_secret: str | None = None,
        mwt_kid: str = "k1",
        mwt_keys: Sequence[tuple[str, str]] | None = None,
        mwt_audience: str | None = None,
        mwt_ttl: int | None = None,
        mwt_leeway: int | None = None,
        mwt_obtain: bool | None = None,
        cache: str | None = None,
        cache_secret: str | None = None,
        csrf: Csrf | bool = True,
        bearer: BearerVerifier | None = None,
        debug: bool = False,
        body_limit: int | None = None,
        mount: str = "/api/mizan",
        page_routes: Iterable[tuple[Context | str, str]] = (),
    ) -> None:
        decls = declared() if functions is None else [_declaration_of(f) for f in functions]
        keys = list(mwt_keys or ([(mwt_kid, mwt_secret)] if mwt_secret else []))
        self.functions: list[Function] = []
        specs: list[dict[str, Any]] = []
        predicates: dict[str, Callable[[Identity], bool]] = {}
        for decl in decls:
            spec, runtime = _describe_function(decl)
            specs.append(spec)
            self.functions.append(runtime)
            if spec["auth"] == "custom" and callable(decl.auth):
                predicates[decl.name] = decl.auth
        self.channels: list[ChannelRuntime] = []
        channel_specs: list[dict[str, Any]] = []
        for cls in declared_channels() if channels is None else channels:
            channel_spec, channel_runtime = _describe_channel(cls)
            channel_specs.append(channel_spec)
            self.channels.append(channel_runtime)
        document = {
            "functions": specs,
            "channels": channel_specs,
            "page_routes": [[c.name if isinstance(c, Context) else c, p] for c, p in page_routes],
            "mwt_obtain": bool(keys) if mwt_obtain is None else mwt_obtain,
        }
        self.registry = Registry(json.dumps(document), predicates)
        csrf_names = Csrf() if csrf is True else (csrf or None)
        self.server = Server(
            self.registry,
            mwt_keys=keys or None,
            mwt_audience=mwt_audience,
            mwt_ttl=mwt_ttl,
            mwt_leeway=mwt_leeway,
            cache=cache,
            cache_secret=cache_secret,
            csrf_cookie=csrf_names.cookie if csrf_names else None,
            csrf_header=csrf_names.header if csrf_names else None,
            csrf_secure=csrf_names.secure if csrf_names else False,
            bearer=bearer is not None,
            debug=debug,
            body_limit=body_limit,
            mount=mount,
        )
        self.csrf = csrf_names
        self.bearer = bearer
        self.mount = mount.rstrip("/")
        self.body_limit = body_limit if body_limit is not None else DEFAULT_BODY_LIMIT

    @classmethod
    def from_declarations(cls, **options: Any) -> App:
        """Every ``@client`` function declared so far."""
        return cls(None, **options)

    def ir(self) -> str:
        """The canonical KDL IR (what `mizan-generate` reads)."""
        return self.registry.ir()

    def manifest(self) -> str:
        """The edge manifest."""
        return self.registry.manifest(self.mount)

    def view_routes(self) -> list[tuple[str, list[str]]]:
        """Every view-path route with its methods."""
        return self.registry.view_routes()

    def exchange(
        self,
        endpoint: str,
        method: str,
        uri: str,
        headers: Sequence[tuple[str | bytes, str | bytes]],
        body: bytes,
        *,
        context: str | None = None,
        route: str | None = None,
        path_params: dict[str, str] | None = None,
        session: HostSession | None = None,
    ) -> Exchange:
        """Starts one request in the core (see ``Server.exchange``)."""
        return self.server.exchange(
            endpoint,
            method,
            uri,
            list(headers),
            body,
            context=context,
            route=route,
            path_params=path_params,
            session=session,
        )

    async def serve(self, exchange: Exchange, host: Host, view: ViewConverter) -> Response:
        """Drives an exchange on the running event loop to its response."""
        loop = asyncio.get_running_loop()
        while True:
            step = exchange.poll()
            if isinstance(step, Response):
                return step
            if step:
                if len(step) == 1:
                    await self._run(step[0], host, view)
                else:
                    await asyncio.gather(*(self._run(c, host, view) for c in step))
                continue
            woken = asyncio.Event()
            if exchange.on_wake(lambda: loop.call_soon_threadsafe(woken.set)):
                continue
            await woken.wait()

    def serve_blocking(self, exchange: Exchange, host: Host, view: ViewConverter) -> Response:
        """Drives an exchange on this thread (WSGI) to its response."""
        while True:
            step = exchange.poll()
            if isinstance(step, Response):
                return step
            if step:
                for call in step:
                    self._run_blocking(call, host, view)
                continue
            exchange.wait()

    async def _run(self, call: Call, host: Host, view: ViewConverter) -> None:
        try:
            if call.kind in ("join", "send"):
                channel, args = self._channel_call(call, host)
                method = channel.channel.join if call.kind == "join" else channel.channel.send
                if inspect.iscoroutinefunction(method):
                    result = await method(*args)
                else:
                    result = await asyncio.to_thread(method, *args)
                return self._answer_channel(channel, call, result)
            if call.kind == "bearer":
                verified = self._verify(call)
                if inspect.isawaitable(verified):
                    verified = await verified
                return self._answer_identity(call, verified)
            fn = self.functions[call.function]
            args, kwargs = self._prepare(fn, call, host)
            if fn.is_async:
                result = await fn.declaration.function(*args, **kwargs)
            else:
                result = await asyncio.to_thread(fn.declaration.function, *args, **kwargs)
            self._answer(fn, call, result, view)
        except BaseException as err:  # every failure becomes an envelope
            self._answer_error(call, err)
            if isinstance(err, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
                raise

    def _run_blocking(self, call: Call, host: Host, view: ViewConverter) -> None:
        try:
            if call.kind in ("join", "send"):
                channel, args = self._channel_call(call, host)
                method = channel.channel.join if call.kind == "join" else channel.channel.send
                result = method(*args)
                if inspect.isawaitable(result):
                    result = _run_coroutine(result)
                return self._answer_channel(channel, call, result)
            if call.kind == "bearer":
                verified = self._verify(call)
                if inspect.isawaitable(verified):
                    verified = _run_coroutine(verified)
                return self._answer_identity(call, verified)
            fn = self.functions[call.function]
            args, kwargs = self._prepare(fn, call, host)
            result = fn.declaration.function(*args, **kwargs)
            if inspect.isawaitable(result):
                result = _run_coroutine(result)
            self._answer(fn, call, result, view)
        except BaseException as err:
            self._answer_error(call, err)
            if isinstance(err, (KeyboardInterrupt, SystemExit)):
                raise

    def _prepare(self, fn: Function, call: Call, host: Host) -> tuple[tuple[Any, ...], dict[str, Any]]:
        kwargs = fn.arguments(call.args)
        for p in fn.params:
            if p.name not in kwargs and p.default is None:
                kwargs[p.name] = None
        args: tuple[Any, ...] = ()
        if fn.takes_request:
            assert call.request is not None
            args = (Request(call.request, host),)
        return args, kwargs

    def _answer(self, fn: Function, call: Call, result: Any, view: ViewConverter) -> None:
        if fn.is_view:
            status, headers, body = view(result)
            call.resolve_view(status, headers, body)
            return
        try:
            data = result if fn.dump is None else fn.dump(result)
        except Exception as err:
            raise MizanError.internal(f"`{fn.name}` returned a value that does not match its return type: {err}") from err
        call.resolve(data)

    def _channel_call(self, call: Call, host: Host) -> tuple[ChannelRuntime, tuple[Any, ...]]:
        channel = self.channels[call.function]
        assert call.request is not None
        req = Request(call.request, host)
        params = channel.params(call.args["params"])
        if call.kind == "join":
            return channel, (req, params)
        return channel, (req, params, channel.message(call.args["message"]))

    @staticmethod
    def _answer_channel(channel: ChannelRuntime, call: Call, result: Any) -> None:
        call.resolve(None if call.kind == "join" else channel.dump(result))

    def _verify(self, call: Call) -> Any:
        assert self.bearer is not None and call.token is not None
        return self.bearer(call.token)

    @staticmethod
    def _answer_identity(call: Call, verified: Any) -> None:
        if isinstance(verified, Identity):
            call.resolve_identity(verified)
        else:
            call.fail("UNAUTHORIZED", "Invalid bearer token")

    def _answer_error(self, call: Call, err: BaseException) -> None:
        if isinstance(err, MizanError):
            _fail(call, err)
            return
        if isinstance(err, NotImplementedError):
            call.fail("NOT_IMPLEMENTED", str(err) or f"`{call.name}` is not implemented")
            return
        log.error("`%s` raised %s", call.name, type(err).__name__, exc_info=err)
        call.fail("INTERNAL_ERROR", f"`{call.name}` raised {type(err).__name__}: {err}")


def _run_coroutine(awaitable: Awaitable[Any]) -> Any:
    """Runs a coroutine to completion from synchronous code (WSGI)."""
    try:
        from asgiref.sync import async_to_sync
    except ImportError:  # pragma: no cover - Django ships asgiref
        return asyncio.run(_awaited(awaitable))
    return async_to_sync(_awaited)(awaitable)


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _declaration_of(function: Callable[..., Any]) -> Declaration:
    decl = getattr(function, "__mizan__", None)
    if not isinstance(decl, Declaration):
        raise TypeError(f"{function!r} is not declared with @client")
    return decl


__all__ = ["App", "Csrf", "Function", "Upload"]
