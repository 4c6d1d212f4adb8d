"""CACHE.md over HTTP on the Python fixture: X-Mizan-Cache, purges correct
for every user, counters, single flight, and Redis (a real redis-server
on a free loopback port) shared by two instances (port of cache_http.rs,
cache_flight.rs and cache_redis.rs)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pydantic import BaseModel

import afi_fixture
from afi_fixture.serve import STARTERS
from conftest import MOUNT, Caller, Fixture, start
from mizan import App, client


def cache(reply) -> str:  # type: ignore[no-untyped-def]
    assert reply.status == 200, reply
    return str(reply.header("x-mizan-cache"))


def profile_name(reply) -> str:  # type: ignore[no-untyped-def]
    return str(reply.json()["user_profile"]["name"])


WHO = [Caller(), Caller.user(1), Caller.user(2), Caller.user(3)]


def test_trending_is_a_hit_after_a_miss_with_the_same_bytes(fx: Fixture) -> None:
    first, second = fx.ctx("trending"), fx.ctx("trending")
    assert (cache(first), cache(second)) == ("MISS", "HIT")
    assert first.body == second.body == '{"trending":{"message":"trending"}}'


def test_random_value_bypasses_with_a_fresh_number_each_call(fx: Fixture) -> None:
    seen = []
    for _ in range(3):
        r = fx.ctx("random")
        assert cache(r) == "BYPASS"
        seen.append(r.json()["random_value"]["total"])
    assert seen == [1, 2, 3]
    assert fx.app.server.cache_stats()["bypasses"] == 3


def test_every_context_response_reports_the_cache_and_errors_are_not_cached(fx: Fixture) -> None:
    for name, query in [("global", ""), ("user", "user_id=1"), ("items", ""), ("search", "q=o"), ("versioned", "item_id=3")]:
        assert cache(fx.ctx(name, query)) == "MISS"
        assert cache(fx.ctx(name, query, Caller.user(1))) == "MISS"
        assert cache(fx.ctx(name, query)) == "HIT"
    for _ in range(2):
        missing = fx.ctx("user", "user_id=999")
        assert missing.status == 404 and missing.header("x-mizan-cache") is None


def test_undeclared_query_keys_neither_fragment_nor_dodge_a_purge(fx: Fixture) -> None:
    assert cache(fx.ctx("user", "user_id=1")) == "MISS"
    assert cache(fx.ctx("user", "user_id=1&junk=x&_=123")) == "HIT"
    fx.call("rename_user", {"user_id": 1, "name": "ally"}, Caller.user(1))
    after = fx.ctx("user", "user_id=1&junk=y")
    assert (cache(after), profile_name(after)) == ("MISS", "ally")


def test_rename_user_purges_user_1_while_user_2_stays_hit(fx: Fixture) -> None:
    for uid in (1, 2):
        fx.ctx("user", f"user_id={uid}")
        fx.ctx("user", f"user_id={uid}&limit=2")
    reply = fx.call("rename_user", {"user_id": 1, "name": "ally"}, Caller.user(1))
    assert reply.json()["invalidate"] == [{"context": "user", "params": {"user_id": 1}}]
    for query in ["user_id=1", "user_id=1&limit=2"]:
        r = fx.ctx("user", query)
        assert (cache(r), profile_name(r)) == ("MISS", "ally")
    for query in ["user_id=2", "user_id=2&limit=2"]:
        r = fx.ctx("user", query)
        assert (cache(r), profile_name(r)) == ("HIT", "bob")


def test_touch_users_purges_every_instance_of_user_only(fx: Fixture) -> None:
    for uid in range(1, 5):
        fx.ctx("user", f"user_id={uid}", Caller.user(uid))
    fx.ctx("items")
    fx.call("touch_users", {})
    for uid in range(1, 5):
        assert cache(fx.ctx("user", f"user_id={uid}", Caller.user(uid))) == "MISS"
    assert cache(fx.ctx("items")) == "HIT"


def test_a_mutation_by_one_user_refreshes_every_other_users_copy(fx: Fixture) -> None:
    readers = [Caller(), Caller.user(2), Caller.user(3), Caller.user(1)]
    for who in readers:
        assert profile_name(fx.ctx("user", "user_id=1", who)) == "alice"
        assert cache(fx.ctx("user", "user_id=1", who)) == "HIT"
    fx.call("rename_user", {"user_id": 1, "name": "ally"}, Caller.user(1))
    for who in readers:
        r = fx.ctx("user", "user_id=1", who)
        assert (cache(r), profile_name(r)) == ("MISS", "ally")


def test_merge_only_and_view_path_mutations_purge_the_origin_cache_too(fx: Fixture) -> None:
    fx.ctx("user", "user_id=1", Caller.user(2))
    assert fx.call("rename_profile", {"user_id": 1, "name": "al"}, Caller.user(1)).json()["invalidate"] == []
    r = fx.ctx("user", "user_id=1", Caller.user(2))
    assert (cache(r), profile_name(r)) == ("MISS", "al")
    fx.ctx("items")
    assert cache(fx.ctx("items")) == "HIT"
    assert fx.send("POST", "/webhooks/stripe/").status == 204
    assert cache(fx.ctx("items")) == "MISS"


def test_purge_user_drops_one_users_entries_everywhere(fx: Fixture) -> None:
    fetches = [(Caller.user(1), "user", "user_id=1"), (Caller.user(1), "global", ""), (Caller.user(2), "user", "user_id=1"), (Caller(), "user", "user_id=1")]
    for who, name, query in fetches:
        fx.ctx(name, query, who)
    fx.app.server.purge_user("1")
    assert [cache(fx.ctx(name, query, who)) for who, name, query in fetches] == ["MISS", "MISS", "HIT", "HIT"]


def test_counters_are_exported_as_a_snapshot(fx: Fixture) -> None:
    fx.ctx("trending")
    fx.ctx("trending")
    fx.ctx("random")
    fx.call("touch_users", {})
    assert fx.app.server.cache_stats() == {"bypasses": 1, "errors": 0, "hits": 1, "misses": 1, "purges": 1, "skipped": 0}


def race(instances: list[Fixture]) -> None:
    """Twelve threads of reads and renames; afterwards every reader sees
    what is stored."""
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        fx = instances[t % len(instances)]
        who = [Caller(), Caller.user(1), Caller.user(2)][t % 3]
        client = httpx.Client(base_url=fx.base, timeout=30)
        try:
            for i in range(25):
                uid = 1 + (t + i) % 3
                if (t + i) % 6 == 0:
                    client.post(f"{MOUNT}/call/", json={"fn": "rename_user", "args": {"user_id": uid, "name": f"t{t}-{i}"}}, headers=who.apply())
                elif (t + i) % 6 == 1 and i % 4 == 0:
                    client.post(f"{MOUNT}/call/", json={"fn": "touch_users", "args": {}}, headers=who.apply())
                else:
                    assert client.get(f"{MOUNT}/ctx/user/?user_id={uid}", headers=who.apply()).status_code == 200
        except BaseException as err:  # reported below
            errors.append(err)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    for fx in instances:
        for uid in (1, 2, 3):
            stored = afi_fixture.STORE.profiles[uid]
            for who in WHO:
                assert profile_name(fx.ctx("user", f"user_id={uid}", who)) == stored


def test_racing_reads_and_mutations_leave_no_stale_entry(fx: Fixture) -> None:
    race([fx])


# ---- single flight -------------------------------------------------------

EXECUTIONS = 0


class Counted(BaseModel):
    message: str


@client(context="counted")
async def counted_member() -> Counted:
    global EXECUTIONS
    EXECUTIONS += 1
    await asyncio.sleep(0.5)
    return Counted(message="counted")


@pytest.mark.parametrize("kind", sorted(STARTERS))
def test_concurrent_cold_fetches_run_the_context_once(kind: str) -> None:
    global EXECUTIONS
    EXECUTIONS = 0
    app = App([counted_member], cache="memory", cache_secret=afi_fixture.DEFAULT_CACHE_SECRET)
    running = STARTERS[kind](app, "127.0.0.1:0")
    try:
        results: list[tuple[int, str | None]] = []
        lock = threading.Lock()
        together = threading.Barrier(16)

        def fetch() -> None:
            together.wait()
            r = httpx.get(f"{running.base}{MOUNT}/ctx/counted/", timeout=30)
            with lock:
                results.append((r.status_code, r.headers.get("x-mizan-cache")))

        threads = [threading.Thread(target=fetch) for _ in range(16)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        # Whoever came while the first run was in the air shared it (a
        # straggler may find it stored already): one execution either way.
        assert len(results) == 16 and all(r == (200, "MISS") or r == (200, "HIT") for r in results)
        assert results.count((200, "MISS")) >= 2
        assert EXECUTIONS == 1
        assert httpx.get(f"{running.base}{MOUNT}/ctx/counted/").headers["x-mizan-cache"] == "HIT"
        assert EXECUTIONS == 1
    finally:
        running.stop()


# ---- Redis -------------------------------------------------------------


class RedisServer:
    """A real redis-server on a free loopback port, never a system service."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            pytest.fail("redis-server is not installed (scripts/setup --for-tests installs it)")
        self.dir = tempfile.mkdtemp(prefix="mizan-redis-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--loglevel", "warning", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    yield server
    server.stop()
    shutil.rmtree(server.dir, ignore_errors=True)


def redis_fixtures(kind: str, redis: RedisServer, count: int) -> list[Fixture]:
    settings = afi_fixture.Settings(redis_url=redis.url)
    out = []
    for _ in range(count):
        running, app = start(kind, settings)
        out.append(Fixture(running, app, kind))
    # Instances over one store, like several servers over one database.
    return out


@pytest.fixture(params=sorted(STARTERS))
def pair(request: pytest.FixtureRequest, redis: RedisServer) -> Iterator[list[Fixture]]:
    fixtures = redis_fixtures(request.param, redis, 2)
    afi_fixture.reset()
    yield fixtures
    for f in fixtures:
        f.http.close()


def test_hit_miss_and_bypass_with_redis(pair: list[Fixture]) -> None:
    fx = pair[0]
    assert cache(fx.ctx("trending")) == "MISS"
    assert cache(fx.ctx("trending")) == "HIT"
    a, b = fx.ctx("random"), fx.ctx("random")
    assert (cache(a), cache(b)) == ("BYPASS", "BYPASS") and a.body != b.body
    assert fx.app.server.cache_stats()["errors"] == 0


def test_a_purge_on_one_instance_is_seen_by_the_other_on_its_next_read(pair: list[Fixture]) -> None:
    a, b = pair
    for fx in (a, b):
        for who in (Caller(), Caller.user(2)):
            fx.ctx("user", "user_id=1", who)
            fx.ctx("user", "user_id=2", who)
    assert cache(b.ctx("user", "user_id=1", Caller.user(2))) == "HIT"
    a.call("rename_user", {"user_id": 1, "name": "ally"}, Caller.user(1))
    for fx in (b, a):
        for who in (Caller(), Caller.user(2)):
            assert profile_name(fx.ctx("user", "user_id=1", who)) == "ally"
            assert cache(fx.ctx("user", "user_id=2", who)) == "HIT"
    b.call("touch_users", {})
    assert cache(a.ctx("user", "user_id=2", Caller.user(2))) == "MISS"


def test_purge_user_with_redis(pair: list[Fixture]) -> None:
    a, b = pair
    a.ctx("global", "", Caller.user(1))
    a.ctx("global", "", Caller.user(2))
    b.app.server.purge_user("1")
    assert cache(a.ctx("global", "", Caller.user(1))) == "MISS"
    assert cache(a.ctx("global", "", Caller.user(2))) == "HIT"


def test_redis_stopped_mid_test_serves_200_uncached_then_caching_resumes(pair: list[Fixture], redis: RedisServer) -> None:
    fx = pair[0]
    assert cache(fx.ctx("user", "user_id=1")) == "MISS"
    assert cache(fx.ctx("user", "user_id=1")) == "HIT"
    redis.stop()
    before = fx.app.server.cache_stats()
    for _ in range(3):
        assert cache(fx.ctx("user", "user_id=1")) == "MISS"
    fx.call("rename_user", {"user_id": 1, "name": "ally"}, Caller.user(1))
    r = fx.ctx("user", "user_id=1", Caller.user(2))
    assert (cache(r), profile_name(r)) == ("MISS", "ally")
    # The first failure opens the breaker; the operations after it within the
    # cooldown are skipped rather than waiting on a dead backend again.
    after = fx.app.server.cache_stats()
    assert after["errors"] >= before["errors"] + 1
    assert after["errors"] + after["skipped"] >= before["errors"] + before["skipped"] + 5
    redis.start()
    deadline = time.monotonic() + 15
    while True:
        fx.ctx("user", "user_id=1")
        r = fx.ctx("user", "user_id=1")
        if r.header("x-mizan-cache") == "HIT":
            assert profile_name(r) == "ally"
            break
        assert time.monotonic() < deadline, "caching did not resume"
        time.sleep(0.1)


def test_racing_reads_and_mutations_on_two_instances_leave_no_stale_entry(pair: list[Fixture]) -> None:
    race(pair)

