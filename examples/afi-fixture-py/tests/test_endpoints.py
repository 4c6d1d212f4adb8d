"""PROTOCOL.md §1: /session/, /call/ (JSON and multipart) and /ctx/<name>/
over real HTTP, on each adapter (port of examples/afi-fixture/tests/endpoints.rs)."""

import json

from conftest import MOUNT, Fixture, assert_keys_sorted, assert_no_store


def test_session_returns_a_64_hex_csrf_token_and_sets_the_csrf_cookie(fx: Fixture) -> None:
    reply = fx.get(f"{MOUNT}/session/")
    assert reply.status == 200, reply
    assert_no_store(reply)
    body = reply.json()
    assert list(body) == ["csrfToken"]
    token = body["csrfToken"]
    assert len(token) == 64 and all(c in "0123456789abcdef" for c in token)
    assert (reply.header("set-cookie") or "").strip().startswith(f"mizan_csrftoken={token};")


def test_every_endpoint_response_is_no_store_including_errors_and_views(fx: Fixture) -> None:
    replies = [
        fx.get(f"{MOUNT}/session/"),
        fx.call("echo", {"text": "hi"}),
        fx.call("add", {"a": "x", "b": 1}),
        fx.call("no_such_fn", {}),
        fx.call("whoami", {}),
        fx.call("buggy_fn", {}),
        fx.post_raw("not json"),
        fx.get(f"{MOUNT}/call/"),
        fx.ctx("user", "user_id=1"),
        fx.ctx("user", "user_id=abc"),
        fx.ctx("nope"),
        fx.get("/profile/1/"),
        fx.get("/profile/999/"),
        fx.send("POST", "/webhooks/stripe/"),
    ]
    for reply in replies:
        assert_no_store(reply)
        if reply.body and reply.header("content-type") == "application/json":
            assert_keys_sorted(reply.body)


def test_call_returns_result_and_an_empty_invalidate_list(fx: Fixture) -> None:
    reply = fx.call("echo", {"text": "hi"})
    assert reply.body == '{"invalidate":[],"result":{"message":"echo: hi"}}'
    assert reply.header("x-mizan-invalidate") is None


def test_call_without_args_is_the_same_as_empty_args(fx: Fixture) -> None:
    assert fx.call("touch_users").result() == {"message": "touched"}
    assert fx.post_raw('{"fn": "touch_users", "args": null}').result() == {"message": "touched"}


def test_list_result_is_a_bare_array_and_an_absent_optional_is_null(fx: Fixture) -> None:
    assert fx.call("list_items", {}).result() == [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]
    assert fx.call("find_item", {"item_id": 1}).result() == {"id": 1, "name": "one"}
    reply = fx.call("find_item", {"item_id": 42})
    assert reply.body == '{"invalidate":[],"result":null}'


def test_arithmetic_functions_answer(fx: Fixture) -> None:
    assert fx.call("add", {"a": 2, "b": 3}).result() == {"total": 5}
    assert fx.call("multiply", {"a": 4, "b": -3}).result() == {"total": -12}
    overflow = fx.call("add", {"a": 2**63 - 1, "b": 1}).expect_error(422, "VALIDATION_ERROR")
    assert overflow["details"]["fields"]["b"] == ["a + b overflows a 64-bit integer"]


def test_multipart_upload_reports_name_size_and_label(fx: Fixture) -> None:
    files = {"file": ("notes.txt", b"hello world", "text/plain")}
    data = {"__mizan": json.dumps({"fn": "upload_file", "args": {"label": "mine"}})}
    reply = fx.send("POST", f"{MOUNT}/call/", files=files, data=data)
    assert reply.result() == {"label": "mine", "name": "notes.txt", "size": 11}


def test_multipart_without_the_file_is_a_validation_error(fx: Fixture) -> None:
    data = {"__mizan": json.dumps({"fn": "upload_file", "args": {"label": "mine"}})}
    reply = fx.send("POST", f"{MOUNT}/call/", files={"other": ("x", b"")}, data=data)
    err = reply.expect_error(422, "VALIDATION_ERROR")
    assert isinstance(err["details"]["fields"]["file"], list)


def test_multipart_without_the_envelope_part_is_bad_request(fx: Fixture) -> None:
    reply = fx.send("POST", f"{MOUNT}/call/", files={"file": ("x", b"1")})
    reply.expect_error(400, "BAD_REQUEST")


def test_ctx_members_run_concurrently_and_bundle_has_every_data_member(fx: Fixture) -> None:
    reply = fx.ctx("user", "user_id=1")
    assert reply.status == 200, reply
    assert reply.json() == {
        "user_orders": [{"id": 101, "total": 1.5}, {"id": 102, "total": 2.5}, {"id": 103, "total": 3.5}],
        "user_profile": {"name": "alice", "user_id": 1},
    }
    assert fx.ctx("items").json() == {"items_list": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]}


def test_ctx_query_values_are_coerced_to_declared_types(fx: Fixture) -> None:
    assert fx.ctx("user", "user_id=2&limit=2").json()["user_orders"] == [{"id": 201, "total": 1.5}, {"id": 202, "total": 2.5}]
    assert fx.ctx("search", "q=tw").json() == {"search_results": [{"id": 2, "name": "two"}]}


def test_ctx_value_that_does_not_coerce_is_a_validation_error(fx: Fixture) -> None:
    err = fx.ctx("user", "user_id=abc").expect_error(422, "VALIDATION_ERROR")
    assert err["details"]["fields"]["user_id"] == ['invalid type: string "abc", expected an integer']
    err = fx.ctx("user", "user_id=1&limit=2.5").expect_error(422, "VALIDATION_ERROR")
    assert isinstance(err["details"]["fields"]["limit"], list)


def test_ctx_missing_required_parameter_is_a_validation_error(fx: Fixture) -> None:
    err = fx.ctx("user").expect_error(422, "VALIDATION_ERROR")
    assert isinstance(err["details"]["fields"]["user_id"], list)
    fx.ctx("user", "limit=1").expect_error(422, "VALIDATION_ERROR")


def test_ctx_unknown_query_keys_are_ignored(fx: Fixture) -> None:
    plain = fx.ctx("user", "user_id=1")
    extra = fx.ctx("user", "user_id=1&utm_source=mail&name=x")
    assert extra.status == 200 and extra.body == plain.body


def test_ctx_unknown_context_is_not_found(fx: Fixture) -> None:
    fx.ctx("nope").expect_error(404, "NOT_FOUND")


def test_ctx_member_failure_is_the_error_of_the_first_failing_member_by_name(fx: Fixture) -> None:
    reply = fx.ctx("user", "user_id=999")
    err = reply.expect_error(404, "NOT_FOUND")
    assert "999" in err["message"]
    assert "user_orders" not in reply.body


def test_head_is_served_wherever_get_is(fx: Fixture) -> None:
    reply = fx.send("HEAD", f"{MOUNT}/ctx/items/")
    assert reply.status == 200 and reply.body == ""
    assert_no_store(reply)
