"""A framework-neutral response for view-path functions (mirrors the
core's ``ViewResponse``): return it from a view function served by any
adapter, or return the framework's own response object."""

from __future__ import annotations

import dataclasses
import html as _html


@dataclasses.dataclass
class ViewResponse:
    """Status, headers and body; the core adds ``Cache-Control: no-store``
    and ``X-Mizan-Invalidate``."""

    status: int = 200
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    body: bytes = b""

    @classmethod
    def html(cls, text: str, status: int = 200) -> ViewResponse:
        """An HTML page."""
        return cls(status, [("content-type", "text/html; charset=utf-8")], text.encode())

    @classmethod
    def redirect(cls, location: str) -> ViewResponse:
        """``303 See Other``."""
        return cls(303, [("location", location)])

    @classmethod
    def empty(cls, status: int) -> ViewResponse:
        """No body."""
        return cls(status)


def escape(text: str) -> str:
    """HTML-escapes text, quotes included."""
    return _html.escape(text, quote=True).replace("&#x27;", "&#39;")
