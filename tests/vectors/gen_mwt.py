#!/usr/bin/env python3
"""Writes mwt.json: MWT.md permission keys, minted tokens and verify outcomes.

Run from anywhere: python3 tests/vectors/gen_mwt.py. Python 3 standard
library only, independent of the Rust code. Each verify vector is built to
fail one check (or none); a small reference verifier below re-derives every
expected outcome and the script refuses to write if the two disagree.
"""

import base64
import hashlib
import hmac
import json
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the tree

from canonical_ref import write_json

HERE = os.path.dirname(os.path.abspath(__file__))

PRIMARY = {"kid": "2025-06", "secret": "mwt-vector-secret-primary-0123456789"}
PREVIOUS = {"kid": "2025-01", "secret": "mwt-vector-secret-previous-0123456789"}
CONFIG = {"keys": [PRIMARY, PREVIOUS], "audience": "mizan", "ttl": 300, "leeway": 30}
NOW = 1750000000


def canonical(value):
    # No floats anywhere in MWT, so Python's json gives canonical JSON directly.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def b64(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def permission_key(perms, staff, superuser):
    state = {"perms": sorted(set(perms)), "staff": staff, "superuser": superuser}
    return hashlib.sha256(canonical(state).encode("utf-8")).hexdigest()


def sign(signing_input, secret):
    return b64(hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest())


def token_of(header_json, payload_json, secret):
    signing_input = b64(header_json) + "." + b64(payload_json)
    return signing_input + "." + sign(signing_input, secret)


def header_json(kid):
    return canonical({"alg": "HS256", "kid": kid, "typ": "JWT"})


def claims_of(subject, now, audience="mizan", ttl=300):
    perms = sorted(set(subject.get("perms", [])))
    staff = subject.get("staff", False)
    superuser = subject.get("superuser", False)
    claims = {
        "sub": subject["id"],
        "pkey": permission_key(perms, staff, superuser),
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
    }
    if staff:
        claims["staff"] = True
    if superuser:
        claims["superuser"] = True
    if perms:
        claims["perms"] = perms
    return claims


def normalised(claims):
    """Claims as a verifier returns them: aud a list, roles explicit, perms sorted."""
    aud = claims["aud"]
    return {
        "sub": claims["sub"],
        "pkey": claims["pkey"],
        "aud": aud if isinstance(aud, list) else [aud],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "exp": claims["exp"],
        "staff": claims.get("staff", False),
        "superuser": claims.get("superuser", False),
        "perms": sorted(set(claims.get("perms", []))),
    }


# --- reference verifier ------------------------------------------------------

class Refused(Exception):
    pass


def strict_b64decode(segment):
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    if any(c not in alphabet for c in segment) or len(segment) % 4 == 1:
        raise Refused("malformed")
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if b64(data) != segment:  # unused trailing bits must be zero
        raise Refused("malformed")
    return data


def decode_object(segment):
    try:
        value = json.loads(strict_b64decode(segment).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise Refused("malformed")
    if not isinstance(value, dict):
        raise Refused("malformed")
    return value


def is_uint(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def reference_verify(config, token, now):
    parts = token.split(".")
    if len(parts) != 3:
        raise Refused("malformed")
    header = decode_object(parts[0])
    if "crit" in header:
        raise Refused("malformed")
    alg = header.get("alg")
    kid = header.get("kid")
    if any(v is not None and not isinstance(v, str) for v in (alg, kid)):
        raise Refused("malformed")
    signature = strict_b64decode(parts[2])
    if alg != "HS256":
        raise Refused("unsupported_algorithm")
    keys = [k for k in config["keys"] if k["kid"] == kid]
    if not keys:
        raise Refused("unknown_key")
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    if not any(hmac.compare_digest(hmac.new(k["secret"].encode("utf-8"), signing_input, hashlib.sha256).digest(), signature) for k in keys):
        raise Refused("bad_signature")
    claims = decode_object(parts[1])
    aud = claims.get("aud")
    ok = (
        isinstance(claims.get("sub"), str)
        and isinstance(claims.get("pkey"), str)
        and (isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud)))
        and all(is_uint(claims.get(k)) for k in ("iat", "nbf", "exp"))
        and all(isinstance(claims.get(k, False), bool) for k in ("staff", "superuser"))
        and isinstance(claims.get("perms", []), list)
        and all(isinstance(p, str) for p in claims.get("perms", []))
    )
    if not ok:
        raise Refused("malformed")
    leeway = config["leeway"]
    if claims["exp"] + leeway <= now:
        raise Refused("expired")
    if claims["nbf"] > now + leeway:
        raise Refused("not_yet_valid")
    if config["audience"] not in (aud if isinstance(aud, list) else [aud]):
        raise Refused("wrong_audience")
    result = normalised(claims)
    if result["pkey"] != permission_key(result["perms"], result["staff"], result["superuser"]):
        raise Refused("inconsistent_claims")
    return result


# --- vectors -----------------------------------------------------------------

PERMISSION_KEYS = [
    ([], False, False),
    ([], True, False),
    ([], False, True),
    ([], True, True),
    (["shop.view_order"], False, False),
    (["shop.view_order", "shop.change_order", "blog.add_post"], True, False),
    (["b", "a", "b", "a"], False, False),
    (["é", "e", "E", "z"], False, False),
    # UTF-8 byte order: U+FF61 sorts before U+1F600 (JavaScript's default
    # sort, by UTF-16 code units, would put U+1F600 first).
    (["\U0001f600", "\uff61"], False, True),
    (["quote\"d", "back\\slash", "new\nline"], False, False),
]

SUBJECTS = [
    ("plain-user", {"id": "42"}, {}),
    ("staff-with-perms", {"id": "7", "staff": True, "perms": ["shop.view_order", "blog.add_post", "shop.view_order"]}, {}),
    ("superuser", {"id": "1", "staff": True, "superuser": True}, {}),
    ("non-ascii", {"id": "Zoë-用户-😀", "perms": ["café.view", "\U0001f600", "\uff61"]}, {}),
    ("custom-audience-and-ttl", {"id": "42"}, {"audience": "edge", "ttl": 3600}),
    ("time-zero", {"id": "0"}, {"now": 0}),
]


def main():
    permission_keys = []
    for perms, staff, superuser in PERMISSION_KEYS:
        state = {"perms": sorted(set(perms)), "staff": staff, "superuser": superuser}
        permission_keys.append({
            "perms": perms,
            "staff": staff,
            "superuser": superuser,
            "canonical": canonical(state),
            "pkey": permission_key(perms, staff, superuser),
        })

    mint = []
    for name, subject, overrides in SUBJECTS:
        audience = overrides.get("audience", CONFIG["audience"])
        ttl = overrides.get("ttl", CONFIG["ttl"])
        now = overrides.get("now", NOW)
        header = header_json(PRIMARY["kid"])
        payload = canonical(claims_of(subject, now, audience, ttl))
        token = token_of(header, payload, PRIMARY["secret"])
        config = dict(CONFIG, audience=audience, ttl=ttl)
        assert reference_verify(config, token, now) == normalised(json.loads(payload))
        mint.append({
            "name": name,
            "config": config,
            "now": now,
            "subject": {
                "id": subject["id"],
                "staff": subject.get("staff", False),
                "superuser": subject.get("superuser", False),
                "perms": subject.get("perms", []),
            },
            "header": header,
            "payload": payload,
            "token": token,
        })

    def ok(name, token, now=NOW, claims=None, config=CONFIG):
        return {"name": name, "config": config, "now": now, "token": token, "expect": {"claims": claims}}

    def fail(name, token, kind, now=NOW, config=CONFIG):
        return {"name": name, "config": config, "now": now, "token": token, "expect": {"error": kind}}

    base = claims_of({"id": "42", "staff": True, "perms": ["shop.view_order"]}, NOW)
    base_json = canonical(base)
    good = token_of(header_json(PRIMARY["kid"]), base_json, PRIMARY["secret"])
    good_claims = normalised(base)
    exp, nbf, leeway = base["exp"], base["nbf"], CONFIG["leeway"]
    h, p, s = good.split(".")

    def signed(claims=None, header=None, payload=None, secret=PRIMARY["secret"]):
        payload = payload if payload is not None else canonical(claims)
        header = header if header is not None else header_json(PRIMARY["kid"])
        return token_of(header, payload, secret)

    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(s[-1])
    assert last % 4 == 0  # 32 bytes -> 43 chars; the last one has 2 unused bits
    non_canonical_signature = s[:-1] + alphabet[last | 1]
    flipped_first = alphabet[(alphabet.index(s[0]) + 1) % 64] + s[1:]

    tampered = dict(base, sub="43")
    escalated = dict(base, superuser=True)
    escalated_pkey = dict(escalated, pkey=permission_key(base["perms"], True, True))
    unsorted = dict(base, perms=["z.last", "shop.view_order", "a.first", "z.last"])
    unsorted["pkey"] = permission_key(unsorted["perms"], True, False)
    aud_array = dict(base, aud=["other", "mizan"])
    no_exp = {k: v for k, v in base.items() if k != "exp"}
    short_leeway = dict(CONFIG, leeway=0)

    verify = [
        ok("valid", good, claims=good_claims),
        ok("valid-signed-with-previous-key", signed(base, header=header_json(PREVIOUS["kid"]), secret=PREVIOUS["secret"]), claims=good_claims),
        ok("valid-audience-array", signed(aud_array), claims=normalised(aud_array)),
        ok("valid-unsorted-perms-are-sorted", signed(unsorted), claims=normalised(unsorted)),
        ok("valid-last-second-within-leeway", good, now=exp + leeway - 1, claims=good_claims),
        ok("valid-earliest-second-within-leeway", good, now=nbf - leeway, claims=good_claims),
        fail("expired-at-exp-plus-leeway", good, "expired", now=exp + leeway),
        fail("expired-long-ago", good, "expired", now=exp + 86400),
        fail("expired-without-leeway", good, "expired", now=exp, config=short_leeway),
        fail("not-yet-valid", good, "not_yet_valid", now=nbf - leeway - 1),
        fail("tampered-payload", h + "." + b64(canonical(tampered)) + "." + s, "bad_signature"),
        fail("escalated-payload-with-old-signature", h + "." + b64(canonical(escalated_pkey)) + "." + s, "bad_signature"),
        fail("tampered-signature", h + "." + p + "." + flipped_first, "bad_signature"),
        fail("wrong-secret", signed(base, secret="not-the-secret"), "bad_signature"),
        fail("previous-kid-primary-secret", signed(base, header=header_json(PREVIOUS["kid"])), "bad_signature"),
        fail("empty-signature", h + "." + p + ".", "bad_signature"),
        fail("unknown-kid", signed(base, header=header_json("2024-01")), "unknown_key"),
        fail("missing-kid", signed(base, header=canonical({"alg": "HS256", "typ": "JWT"})), "unknown_key"),
        fail("alg-none", b64(canonical({"alg": "none", "typ": "JWT"})) + "." + p + ".", "unsupported_algorithm"),
        fail("alg-none-with-kid", b64(canonical({"alg": "none", "kid": PRIMARY["kid"], "typ": "JWT"})) + "." + p + ".", "unsupported_algorithm"),
        fail("alg-hs512", signed(base, header=canonical({"alg": "HS512", "kid": PRIMARY["kid"], "typ": "JWT"})), "unsupported_algorithm"),
        fail("alg-null", signed(base, header=canonical({"alg": None, "kid": PRIMARY["kid"]})), "unsupported_algorithm"),
        fail("kid-null", signed(base, header=canonical({"alg": "HS256", "kid": None})), "unknown_key"),
        fail("kid-not-a-string", signed(base, header=canonical({"alg": "HS256", "kid": 2025})), "malformed"),
        fail("alg-none-with-garbage-signature", b64(canonical({"alg": "none", "typ": "JWT"})) + "." + p + ".!", "malformed"),
        fail("alg-missing", signed(base, header=canonical({"kid": PRIMARY["kid"], "typ": "JWT"})), "unsupported_algorithm"),
        fail("wrong-audience", signed(dict(base, aud="other")), "wrong_audience"),
        fail("wrong-audience-array", signed(dict(base, aud=["other", "Mizan"])), "wrong_audience"),
        fail("configured-for-another-audience", good, "wrong_audience", config=dict(CONFIG, audience="edge")),
        fail("pkey-does-not-match-roles", signed(escalated), "inconsistent_claims"),
        fail("two-segments", h + "." + p, "malformed"),
        fail("four-segments", good + ".", "malformed"),
        fail("empty", "", "malformed"),
        fail("padded-base64", h + "." + p + "." + s + "=", "malformed"),
        fail("standard-base64-alphabet", h + "." + p + "." + s.replace("-", "+").replace("_", "/") + "+", "malformed"),
        fail("non-canonical-base64", h + "." + p + "." + non_canonical_signature, "malformed"),
        fail("header-not-json", b64("HS256") + "." + p + "." + s, "malformed"),
        fail("header-json-array", b64('["HS256"]') + "." + p + "." + s, "malformed"),
        fail("header-crit", signed(base, header=canonical({"alg": "HS256", "crit": ["exp"], "exp": 1, "kid": PRIMARY["kid"]})), "malformed"),
        fail("payload-not-json-but-signed", signed(payload="not json"), "malformed"),
        fail("payload-array-but-signed", signed(payload="[]"), "malformed"),
        fail("payload-without-exp-but-signed", signed(no_exp), "malformed"),
        fail("payload-float-exp-but-signed", signed(dict(base, exp=exp + 0.5)), "malformed"),
    ]

    for vector in verify:
        try:
            outcome = {"claims": reference_verify(vector["config"], vector["token"], vector["now"])}
        except Refused as refused:
            outcome = {"error": str(refused)}
        assert outcome == vector["expect"], (vector["name"], outcome)

    write_json(os.path.join(HERE, "mwt.json"), {
        "description": "MWT.md tokens. Generated by gen_mwt.py; do not edit by hand.",
        "permission_keys": permission_keys,
        "mint": mint,
        "verify": verify,
    })


if __name__ == "__main__":
    main()
