"""Mizan for Python: typed server functions served by the Rust core.

```python
from mizan import App, client, context

User = context("user")

@client(context=User)
async def user_profile(user_id: int) -> Profile: ...

app = App.from_declarations()
```

Then serve ``app`` with ``mizan.fastapi.router(app)`` or
``mizan.django.urls(app)``. Every protocol rule (identity, CSRF,
invalidation, merge, the origin cache, errors) is the core's, reached
through the native module ``mizan._mizan``.
"""

from ._declare import Channel, Context, MizanError, Request, client, context, declared
from ._mizan import (
    ConfigError,
    HostSession,
    Identity,
    MwtConfig,
    RegistryError,
    Upload,
    cache_key,
    canonical_json,
    canonical_string,
    invalidate_header,
    parse_invalidate_header,
)
from ._runtime import App, Csrf
from ._view import ViewResponse

__all__ = [
    "App",
    "Channel",
    "ConfigError",
    "Context",
    "Csrf",
    "HostSession",
    "Identity",
    "MizanError",
    "MwtConfig",
    "RegistryError",
    "Request",
    "Upload",
    "ViewResponse",
    "cache_key",
    "canonical_json",
    "canonical_string",
    "client",
    "context",
    "declared",
    "invalidate_header",
    "parse_invalidate_header",
]
