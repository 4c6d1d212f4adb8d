"""PROTOCOL.md §1.4: every error is the envelope with its code's status
(port of examples/afi-fixture/tests/errors.rs)."""

import json
import socket

from conftest import MOUNT, Fixture


def test_body_that_is_not_json_is_bad_request(fx: Fixture) -> None:
    fx.post_raw("fn=echo&text=hi").expect_error(400, "BAD_REQUEST")
    fx.post_raw("").expect_error(400, "BAD_REQUEST")
    fx.post_raw('{"fn": "echo", "args": {"text": "hi"}').expect_error(400, "BAD_REQUEST")


def test_json_body_that_is_not_an_object_is_bad_request(fx: Fixture) -> None:
    for body in ['[{"fn": "echo"}]', "42", '"echo"', "null", "true"]:
        fx.post_raw(body).expect_error(400, "BAD_REQUEST")


def test_missing_empty_or_non_string_fn_is_bad_request(fx: Fixture) -> None:
    for body in ['{"args": {"text": "hi"}}', "{}", '{"fn": "", "args": {}}', '{"fn": 7}', '{"fn": ["echo"]}']:
        fx.post_raw(body).expect_error(400, "BAD_REQUEST")


def test_args_that_are_not_an_object_are_bad_request(fx: Fixture) -> None:
    fx.post_raw('{"fn": "echo", "args": ["hi"]}').expect_error(400, "BAD_REQUEST")
    fx.post_raw('{"fn": "echo", "args": "hi"}').expect_error(400, "BAD_REQUEST")


def test_unknown_function_is_not_found_and_private_is_forbidden(fx: Fixture) -> None:
    fx.call("no_such_function", {}).expect_error(404, "NOT_FOUND")
    fx.call("stripe_webhook", {}).expect_error(403, "FORBIDDEN")


def test_wrong_argument_type_is_a_validation_error_naming_the_field(fx: Fixture) -> None:
    err = fx.call("add", {"a": "one", "b": 2}).expect_error(422, "VALIDATION_ERROR")
    assert err["details"]["fields"] == {"a": ['invalid type: string "one", expected an integer']}


def test_every_bad_field_is_reported_at_once(fx: Fixture) -> None:
    err = fx.call("add", {"a": "one", "b": 1.5}).expect_error(422, "VALIDATION_ERROR")
    assert sorted(err["details"]["fields"]) == ["a", "b"]


def test_missing_and_unknown_arguments_are_validation_errors(fx: Fixture) -> None:
    err = fx.call("add", {"a": 1}).expect_error(422, "VALIDATION_ERROR")
    assert err["details"]["fields"]["b"] == ["This field is required."]
    err = fx.call("echo", {"text": "hi", "shout": True}).expect_error(422, "VALIDATION_ERROR")
    assert err["details"]["fields"]["shout"] == ["Unknown argument."]


def test_function_declared_unimplemented_is_not_implemented(fx: Fixture) -> None:
    fx.call("not_implemented_fn", {}).expect_error(501, "NOT_IMPLEMENTED")


def test_raising_function_is_a_500_that_leaks_nothing_and_the_server_keeps_serving(fx: Fixture) -> None:
    for _ in range(3):
        reply = fx.call("buggy_fn", {})
        err = reply.expect_error(500, "INTERNAL_ERROR")
        for leak in ["secret", "exploded", "RuntimeError", "buggy_fn"]:
            assert leak not in reply.body, err
        assert "details" not in err
    assert fx.call("echo", {"text": "still here"}).result() == {"message": "echo: still here"}


def test_body_over_the_limit_is_a_413_envelope_not_a_dropped_connection(fx: Fixture) -> None:
    body = b'{"fn": "echo", "args": {"text": "' + b"x" * (16 * 1024 * 1024) + b'"}}'
    fx.post_raw(body).expect_error(413, "PAYLOAD_TOO_LARGE")
    assert fx.call("echo", {"text": "ok"}).status == 200


def test_body_just_under_the_limit_is_served(fx: Fixture) -> None:
    text = "x" * (2 * 1024 * 1024 - 64)
    assert len(fx.call("echo", {"text": text}).result()["message"]) == len(text) + 6


def test_view_path_body_over_the_limit_is_a_413_envelope(fx: Fixture) -> None:
    reply = fx.send("POST", "/webhooks/stripe/", content=b"x" * (16 * 1024 * 1024))
    reply.expect_error(413, "PAYLOAD_TOO_LARGE")
    assert reply.header("x-mizan-invalidate") is None


def test_chunked_body_over_the_limit_is_a_413_envelope(fx: Fixture) -> None:
    if fx.kind == "django":
        # WSGI has no chunked request bodies: Django reads Content-Length only.
        return

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(256):
            yield b" " * 65536

    reply = fx.send("POST", f"{MOUNT}/call/", content=chunks(), headers={"content-type": "application/json"})
    reply.expect_error(413, "PAYLOAD_TOO_LARGE")


def test_multipart_body_over_the_limit_is_a_413_envelope(fx: Fixture) -> None:
    data = {"__mizan": json.dumps({"fn": "upload_file", "args": {"label": "big"}})}
    reply = fx.send("POST", f"{MOUNT}/call/", files={"file": ("big.bin", b"\0" * (16 * 1024 * 1024))}, data=data)
    reply.expect_error(413, "PAYLOAD_TOO_LARGE")


def test_wrong_method_is_a_405_envelope_with_allow(fx: Fixture) -> None:
    reply = fx.get(f"{MOUNT}/call/")
    reply.expect_error(405, "METHOD_NOT_ALLOWED")
    assert reply.header("allow") == "POST"
    assert f"{MOUNT}/call/" in reply.body
    fx.send("POST", f"{MOUNT}/session/").expect_error(405, "METHOD_NOT_ALLOWED")
    fx.send("DELETE", f"{MOUNT}/ctx/user/").expect_error(405, "METHOD_NOT_ALLOWED")
    fx.get("/webhooks/stripe/").expect_error(405, "METHOD_NOT_ALLOWED")


def test_unknown_path_under_the_mount_is_a_404_envelope_naming_the_endpoints(fx: Fixture) -> None:
    reply = fx.get(f"{MOUNT}/ctx/user")
    reply.expect_error(404, "NOT_FOUND")
    assert "trailing slash" in reply.body
    fx.get(f"{MOUNT}/nope/").expect_error(404, "NOT_FOUND")


def test_deeply_nested_json_is_an_envelope_not_a_crash(fx: Fixture) -> None:
    fx.post_raw("[" * 100_000).expect_error(400, "BAD_REQUEST")
    nested = '{"fn": "echo", "args": {"text": ' + "[" * 100_000 + "1" + "]" * 100_000 + "}}"
    reply = fx.post_raw(nested)
    reply.expect_error(422, "VALIDATION_ERROR")
    assert '"text"' in reply.body
    deep_unknown = '{"fn": "echo", "args": {"text": "x", "deep": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}}"
    fx.post_raw(deep_unknown).expect_error(422, "VALIDATION_ERROR")
    assert fx.call("echo", {"text": "alive"}).status == 200


def test_websocket_only_function_over_http_is_refused_with_an_envelope(fx: Fixture) -> None:
    fx.call("ws_echo", {"text": "hi"}).expect_error(400, "BAD_REQUEST")


def test_garbage_on_the_socket_does_not_kill_the_server(fx: Fixture) -> None:
    host, port = fx.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"\x00\xff garbage \r\n\r\n")
        raw.settimeout(5)
        try:
            raw.recv(1024)
        except OSError:
            pass
    assert fx.call("echo", {"text": "alive"}).status == 200
