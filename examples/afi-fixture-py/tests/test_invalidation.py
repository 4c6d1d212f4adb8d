"""PROTOCOL.md §3 and §4: invalidation in the body and the header,
auto-scoping, view paths, merges (port of invalidation.rs and merge.rs)."""

from conftest import Caller, Fixture, assert_no_store
from mizan import parse_invalidate_header


def test_mutation_is_scoped_by_the_arguments_that_are_context_params(fx: Fixture) -> None:
    reply = fx.call("rename_user", {"user_id": 5, "name": "eve"})
    assert reply.json() == {"invalidate": [{"context": "user", "params": {"user_id": 5}}], "result": {"name": "eve", "user_id": 5}}
    assert reply.header("x-mizan-invalidate") == "user;user_id=5"


def test_mutation_without_context_params_is_broad(fx: Fixture) -> None:
    reply = fx.call("touch_users", {})
    assert reply.body == '{"invalidate":["user"],"result":{"message":"touched"}}'
    assert reply.header("x-mizan-invalidate") == "user"


def test_header_percent_encodes_values_like_encode_uri_component(fx: Fixture) -> None:
    q = "a b;c,d=é"
    reply = fx.call("bump_search", {"q": q})
    assert reply.json()["invalidate"] == [{"context": "search", "params": {"q": q}}]
    assert reply.header("x-mizan-invalidate") == "search;q=a%20b%3Bc%2Cd%3D%C3%A9"


def test_header_round_trips_every_value_including_the_empty_string(fx: Fixture) -> None:
    for q in ["", " ", ",", ";", "=", "%", "%20", "\"'", "日本", "a, b;c=d", "~!*()'"]:
        header = fx.call("bump_search", {"q": q}).header("x-mizan-invalidate")
        assert header is not None
        assert parse_invalidate_header(header) == [("search", {"q": q})], header


def test_failed_mutation_invalidates_nothing(fx: Fixture) -> None:
    reply = fx.call("rename_user", {"user_id": "five", "name": "x"})
    reply.expect_error(422, "VALIDATION_ERROR")
    assert reply.header("x-mizan-invalidate") is None and "invalidate" not in reply.body
    refused = fx.call("touch_users", {}, Caller.token("forged"))
    refused.expect_error(401, "UNAUTHORIZED")
    assert refused.header("x-mizan-invalidate") is None


def test_query_without_affects_has_no_invalidate_header(fx: Fixture) -> None:
    reply = fx.call("find_item", {"item_id": 1})
    assert reply.json()["invalidate"] == [] and reply.header("x-mizan-invalidate") is None


def test_view_path_mutation_carries_the_header_and_no_store(fx: Fixture) -> None:
    reply = fx.send("POST", "/webhooks/stripe/", content=b"{}")
    assert reply.status == 204 and reply.body == ""
    assert reply.header("x-mizan-invalidate") == "items"
    assert_no_store(reply)


def test_mutation_is_visible_in_the_next_context_fetch(fx: Fixture) -> None:
    assert fx.ctx("user", "user_id=1").json()["user_profile"]["name"] == "alice"
    fx.call("rename_user", {"user_id": 1, "name": "Alicia"}).result()
    assert fx.ctx("user", "user_id=1").json()["user_profile"] == {"name": "Alicia", "user_id": 1}
    assert fx.ctx("user", "user_id=2").json()["user_profile"]["name"] == "bob"


def test_view_path_page_renders_the_current_name_escaped(fx: Fixture) -> None:
    page = fx.get("/profile/1/")
    assert page.status == 200 and (page.header("content-type") or "").startswith("text/html")
    assert_no_store(page)
    assert "alice" in page.body and page.header("x-mizan-invalidate") is None
    fx.call("rename_user", {"user_id": 3, "name": "<script>alert('x')</script> & co"}).result()
    page = fx.get("/profile/3/")
    assert "<script>" not in page.body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in page.body


def test_view_path_errors_are_envelopes(fx: Fixture) -> None:
    fx.get("/profile/999/").expect_error(404, "NOT_FOUND")
    err = fx.get("/profile/abc/").expect_error(422, "VALIDATION_ERROR")
    assert isinstance(err["details"]["fields"]["user_id"], list)


def test_merge_replace_when_the_output_is_the_slot_type(fx: Fixture) -> None:
    reply = fx.call("rename_profile", {"user_id": 1, "name": "Alicia"})
    assert reply.body == (
        '{"invalidate":[],"merge":[{"context":"user","mode":"replace","params":{"user_id":1},'
        '"slot":"user_profile","value":{"name":"Alicia","user_id":1}}],"result":{"name":"Alicia","user_id":1}}'
    )
    assert reply.header("x-mizan-invalidate") is None
    assert fx.ctx("user", "user_id=1").json()["user_profile"]["name"] == "Alicia"


def test_merge_upsert_when_the_slot_is_a_list_of_the_output_type(fx: Fixture) -> None:
    reply = fx.call("set_item_name", {"id": 3, "name": "three"})
    assert reply.json() == {
        "invalidate": [],
        "merge": [{"context": "items", "key": "id", "mode": "upsert", "params": {}, "slot": "items_list", "value": {"id": 3, "name": "three"}}],
        "result": {"id": 3, "name": "three"},
    }
    assert fx.ctx("items").json()["items_list"][-1] == {"id": 3, "name": "three"}


def test_failed_merge_mutation_emits_no_merge(fx: Fixture) -> None:
    reply = fx.call("set_item_name", {"id": "three", "name": "x"})
    reply.expect_error(422, "VALIDATION_ERROR")
    assert "merge" not in reply.body


def test_json_bodies_write_non_ascii_as_is_and_floats_as_javascript(fx: Fixture) -> None:
    reply = fx.call("rename_user", {"user_id": 4, "name": "Zoë 日本"})
    assert reply.body == '{"invalidate":[{"context":"user","params":{"user_id":4}}],"result":{"name":"Zoë 日本","user_id":4}}'
    assert '[{"id":101,"total":1.5},{"id":102,"total":2.5},{"id":103,"total":3.5}]' in fx.ctx("user", "user_id=1&limit=3").body
