"""PROTOCOL.md §2 and MWT.md: MWT, then the cookie session with CSRF, else
anonymous; the auth rules; mwt_obtain (port of identity.rs)."""

import base64
import json
import time

import pytest

import afi_fixture
from conftest import MOUNT, MWT, Caller, Fixture, token_for
from mizan import MwtConfig


def email(reply):  # type: ignore[no-untyped-def]
    return reply.result()["email"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def assert_refused_without_fallback(fx: Fixture, token: str) -> None:
    csrf = fx.csrf_token()
    both = Caller.token(token).plus(Caller.with_csrf(1, csrf))
    for name, args in [("whoami", {}), ("echo", {"text": "hi"})]:
        fx.call(name, args, both).expect_error(401, "UNAUTHORIZED")
    fx.get(f"{MOUNT}/ctx/global/", both).expect_error(401, "UNAUTHORIZED")
    assert email(fx.call("whoami", {}, Caller.with_csrf(1, csrf))) == "alice@example.com"


def test_valid_mwt_is_the_caller(fx: Fixture) -> None:
    assert fx.call("whoami", {}, Caller.user(1)).result() == {"authenticated": True, "email": "alice@example.com"}
    assert fx.get(f"{MOUNT}/ctx/global/", Caller.user(4)).json() == {"current_user": {"authenticated": True, "email": "carol@example.com"}}


def test_mwt_caller_needs_no_csrf(fx: Fixture) -> None:
    assert fx.call("rename_user", {"user_id": 1, "name": "Alicia"}, Caller.user(1)).status == 200


def test_tampered_mwt_is_unauthorized_without_fallback(fx: Fixture) -> None:
    header, payload, _ = token_for(3).split(".")
    signature = token_for(1).split(".")[2]
    assert_refused_without_fallback(fx, f"{header}.{payload}.{signature}")
    token = token_for(1)
    assert_refused_without_fallback(fx, token[:-1] + ("B" if token.endswith("A") else "A"))


@pytest.mark.parametrize(
    "forge",
    [
        lambda: MwtConfig([("k1", "not-the-fixture-secret-0123456789")]).mint("3", int(time.time()), staff=True, superuser=True),
        lambda: token_for(1, issued=int(time.time()) - 7200),
        lambda: token_for(1, issued=int(time.time()) + 7200),
        lambda: MwtConfig([("k2", afi_fixture.DEFAULT_MWT_SECRET)]).mint("1", int(time.time())),
        lambda: MwtConfig([("k1", afi_fixture.DEFAULT_MWT_SECRET)], audience="another-app").mint("1", int(time.time())),
    ],
    ids=["other-secret", "expired", "not-yet-valid", "unknown-kid", "other-audience"],
)
def test_invalid_mwt_is_unauthorized_without_fallback(fx: Fixture, forge) -> None:  # type: ignore[no-untyped-def]
    assert_refused_without_fallback(fx, forge())


def test_mwt_with_alg_none_or_garbage_is_unauthorized_without_fallback(fx: Fixture) -> None:
    _, payload, _ = token_for(1).split(".")
    none = b64url(json.dumps({"alg": "none", "kid": "k1", "typ": "JWT"}, separators=(",", ":")).encode())
    assert_refused_without_fallback(fx, f"{none}.{payload}.")
    for garbage in ["", "not-a-token", "a.b", "a.b.c.d", "...."]:
        assert_refused_without_fallback(fx, garbage)


def test_cookie_session_with_matching_csrf_is_the_caller(fx: Fixture) -> None:
    csrf = fx.csrf_token()
    assert email(fx.call("whoami", {}, Caller.with_csrf(1, csrf))) == "alice@example.com"


def test_cookie_session_csrf_failures_are_forbidden(fx: Fixture) -> None:
    csrf, other = fx.csrf_token(), fx.csrf_token()
    assert csrf != other
    for caller in [Caller.session(1, csrf, None), Caller.session(1, csrf, other), Caller.session(1, None, csrf)]:
        fx.call("whoami", {}, caller).expect_error(403, "FORBIDDEN")


def test_csrf_failure_blocks_the_mutation_before_it_runs(fx: Fixture) -> None:
    reply = fx.call("rename_user", {"user_id": 1, "name": "Mallory"}, Caller.session(1))
    reply.expect_error(403, "FORBIDDEN")
    assert reply.header("x-mizan-invalidate") is None
    assert fx.ctx("user", "user_id=1").json()["user_profile"]["name"] == "alice"


def test_view_path_unsafe_request_of_a_cookie_session_needs_csrf(fx: Fixture) -> None:
    reply = fx.send("POST", "/webhooks/stripe/", Caller.session(1))
    reply.expect_error(403, "FORBIDDEN")
    assert reply.header("x-mizan-invalidate") is None
    csrf = fx.csrf_token()
    assert fx.send("POST", "/webhooks/stripe/", Caller.with_csrf(1, csrf)).status == 204


def test_cookie_session_needs_no_csrf_for_a_context_fetch(fx: Fixture) -> None:
    reply = fx.get(f"{MOUNT}/ctx/global/", Caller.session(2))
    assert reply.json() == {"current_user": {"authenticated": True, "email": "bob@example.com"}}


def test_auth_levels(fx: Fixture) -> None:
    fx.call("whoami", {}).expect_error(401, "UNAUTHORIZED")
    fx.call("staff_only", {}).expect_error(401, "UNAUTHORIZED")
    for user in (1, 4):
        fx.call("staff_only", {}, Caller.user(user)).expect_error(403, "FORBIDDEN")
    for user in (2, 3):
        assert fx.call("staff_only", {}, Caller.user(user)).result() == {"message": "staff"}
    fx.call("superuser_only", {}).expect_error(401, "UNAUTHORIZED")
    fx.call("superuser_only", {}, Caller.user(2)).expect_error(403, "FORBIDDEN")
    assert fx.call("superuser_only", {}, Caller.user(3)).result() == {"message": "superuser"}


def test_auth_predicate_is_403_when_false_and_200_when_true(fx: Fixture) -> None:
    assert fx.call("can_edit_items", {}, Caller.user(4)).result() == {"message": "ok"}
    fx.call("can_edit_items", {}, Caller.user(1)).expect_error(403, "FORBIDDEN")
    fx.call("can_edit_items", {}).expect_error(401, "UNAUTHORIZED")


def test_auth_rules_are_the_same_for_a_cookie_session(fx: Fixture) -> None:
    csrf = fx.csrf_token()
    assert fx.call("staff_only", {}, Caller.with_csrf(2, csrf)).result() == {"message": "staff"}
    fx.call("superuser_only", {}, Caller.with_csrf(2, csrf)).expect_error(403, "FORBIDDEN")
    assert fx.call("can_edit_items", {}, Caller.with_csrf(4, csrf)).result() == {"message": "ok"}


def test_mwt_obtain_exchanges_a_session_for_a_working_token(fx: Fixture) -> None:
    csrf = fx.csrf_token()
    result = fx.call("mwt_obtain", {}, Caller.with_csrf(2, csrf)).result()
    assert list(result) == ["expires_in", "token"] and result["expires_in"] == 300
    claims = MWT.verify(result["token"], int(time.time()))
    assert claims["sub"] == "2" and claims["staff"] is True and claims.get("superuser", False) is False
    assert claims["exp"] - claims["iat"] == 300
    assert email(fx.call("whoami", {}, Caller.token(result["token"]))) == "bob@example.com"
    assert fx.call("staff_only", {}, Caller.token(result["token"])).result() == {"message": "staff"}


def test_mwt_obtain_is_unauthorized_for_anonymous_callers(fx: Fixture) -> None:
    fx.call("mwt_obtain", {}).expect_error(401, "UNAUTHORIZED")


def test_server_refuses_an_mwt_secret_equal_to_the_cache_secret() -> None:
    from mizan import ConfigError

    same = "one-secret-for-everything-0123456789"
    with pytest.raises(ConfigError):
        afi_fixture.app(afi_fixture.Settings(mwt_secret=same, cache_secret=same))
    afi_fixture.app()
