"""The cross-language vectors of tests/vectors/ hold through the bindings:
canonical values, cache keys and MWTs are the core's, so Python cannot
disagree with Rust or TypeScript."""

import json
import struct
from pathlib import Path
from typing import Any

import pytest

import mizan
from mizan import _mizan

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def test_canonical_numbers_match_javascript_string() -> None:
    numbers = load("canonical.json")["numbers"]
    assert len(numbers) > 600
    for vector in numbers:
        (x,) = struct.unpack(">d", bytes.fromhex(vector["bits"]))
        assert _mizan.js_number(x) == vector["js"], vector


def test_canonical_values_match_strings_and_json() -> None:
    for vector in load("canonical.json")["values"]:
        value = vector["input"]
        assert mizan.canonical_string(value) == vector["canonical_string"], value
        assert mizan.canonical_json(value) == vector["canonical_json"], value


def test_cache_keys_match_vectors() -> None:
    vectors = load("cache-keys.json")["vectors"]
    assert [v["name"] for v in vectors[:2]] == ["pinned-anonymous", "pinned-with-user"]
    for v in vectors:
        assert _mizan.cache_key_params(v["params"]) == v["canonical_params"], v["name"]
        key = mizan.cache_key(v["secret"], v["context"], v["params"], v["rev"], v["user"])
        assert key == v["key"], v["name"]


def _config(config: dict[str, Any]) -> mizan.MwtConfig:
    return mizan.MwtConfig(
        [(k["kid"], k["secret"]) for k in config["keys"]],
        audience=config["audience"],
        ttl=config["ttl"],
        leeway=config["leeway"],
    )


def test_permission_keys_match_vectors() -> None:
    for v in load("mwt.json")["permission_keys"]:
        assert _mizan.permission_key(v["perms"], v["staff"], v["superuser"]) == v["pkey"]


def test_minted_tokens_match_vectors() -> None:
    for v in load("mwt.json")["mint"]:
        s = v["subject"]
        token = _config(v["config"]).mint(s["id"], v["now"], staff=s["staff"], superuser=s["superuser"], perms=s["perms"])
        assert token == v["token"], v["name"]


def test_verification_matches_vectors() -> None:
    for v in load("mwt.json")["verify"]:
        config = _config(v["config"])
        expect = v["expect"]
        if "claims" in expect:
            claims = config.verify(v["token"], v["now"])
            normalised = {
                **claims,
                "aud": claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]],
                "staff": claims.get("staff", False),
                "superuser": claims.get("superuser", False),
                "perms": claims.get("perms", []),
            }
            assert normalised == expect["claims"], v["name"]
        else:
            with pytest.raises(ValueError) as err:
                config.verify(v["token"], v["now"])
            assert getattr(err.value, "kind") == expect["error"], v["name"]


def test_the_invalidation_header_is_the_cores() -> None:
    targets = ["notifications", {"context": "user", "params": {"user_id": 5, "b": False}}, "alpha"]
    header = mizan.invalidate_header(targets)
    assert header == "notifications, user;b=false;user_id=5, alpha"
    assert mizan.parse_invalidate_header(header) == [("notifications", {}), ("user", {"b": "false", "user_id": "5"}), ("alpha", {})]
