"""The benchmark runner behind `bench/run`: starts the servers, drives wrk,
times the code generator and the client kernel, and writes the report.

`bench/run` installs and builds everything first; this file only measures.
Nothing here asserts a time: targets are reported as met or missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
WRK_SCRIPT = BENCH / "load" / "requests.lua"
ANALYSIS_BEGIN = "<!-- analysis:begin -->"
ANALYSIS_END = "<!-- analysis:end -->"

ECHO_TEXT = "hello, benchmark"
PAGE_ID = 7
PARTS = 10
CONCURRENCY = 64


@dataclass
class Plan:
    """How long and how often each measurement runs."""

    smoke: bool
    warmup_s: float
    reps: int
    dispatch_s: float
    context_s: float
    codegen_runs: int
    kernel_s: float

    @staticmethod
    def of(smoke: bool) -> Plan:
        if smoke:
            return Plan(True, 0.5, 1, 1, 1, 1, 0.2)
        return Plan(False, 2, 3, 10, 5, 5, 2)


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def sh(*argv: str, cwd: Path | None = None) -> str:
    """Output of a short command, or "" when it is missing or fails."""
    try:
        return subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


# ---- cores -----------------------------------------------------------------


@dataclass
class Cores:
    """Server and load generator on separate cores when there are two."""

    server: list[str]
    load: list[str]
    note: str
    server_cpu: int | None = None

    @staticmethod
    def detect() -> Cores:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2 and shutil.which("taskset"):
            srv, load = cpus[-1], cpus[0]
            return Cores(
                ["taskset", "-c", str(srv)],
                ["taskset", "-c", str(load)],
                f"servers pinned to CPU {srv}, wrk to CPU {load} (taskset)",
                srv,
            )
        return Cores([], [], "not pinned (fewer than two CPUs)")

    def server_core_busy(self) -> float:
        """Busy seconds of the server's core so far, whoever ran there."""
        if self.server_cpu is None:
            return 0.0
        for line in Path("/proc/stat").read_text().splitlines():
            name, *ticks = line.split()
            if name == f"cpu{self.server_cpu}":
                t = [int(x) for x in ticks]
                return (sum(t[:8]) - t[3] - t[4]) / os.sysconf("SC_CLK_TCK")
        return 0.0


# ---- servers ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    argv: list[str]
    ports: list[int]
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, **self.env}
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(CACHE / f"{self.name}.log", "wb"),
        )
        deadline = time.monotonic() + 60
        for port in self.ports:
            while True:
                if self.proc.poll() is not None:
                    raise SystemExit(
                        f"{self.name} exited with {self.proc.returncode}; "
                        f"see {CACHE / (self.name + '.log')}"
                    )
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{self.name} did not listen on {port}")
                    time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> tuple[float, float]:
        """User and system CPU time of the server process (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick


# ---- load ------------------------------------------------------------------


@dataclass
class Load:
    """One kind of load: the requests wrk cycles through, sent to a server."""

    label: str
    server: Server
    port: int
    requests: list[str]
    concurrency: int = CONCURRENCY
    calls_per_request: int = 1
    """Function results one request returns (10 for a bundle or a batch)."""

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Sample:
    rps: float
    p50_us: float
    p99_us: float
    mean_us: float
    cpu_us_per_req: float
    user_us_per_req: float
    """The part of it in user space (the rest is the kernel: sockets, epoll)."""
    server_busy: float
    core_busy: float
    """The server's core, all processes (other users of the machine included)."""
    errors: int

    @property
    def capacity(self) -> float:
        """Requests per second of server CPU: what one fully used core answers."""
        return 1e6 / self.cpu_us_per_req


def run_wrk(load: Load, seconds: float, cores: Cores) -> Sample:
    before, core_before = load.server.cpu_seconds(), cores.server_core_busy()
    started = time.monotonic()
    argv = [
        *cores.load,
        "wrk",
        "-t1",
        f"-c{load.concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "5s",
        "-s",
        str(WRK_SCRIPT),
        load.url(),
        "--",
        *load.requests,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    after = load.server.cpu_seconds()
    user, cpu = after[0] - before[0], sum(after) - sum(before)
    core = cores.server_core_busy() - core_before
    wall = time.monotonic() - started
    match = re.search(r"^WRK_JSON (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not match:
        raise SystemExit(f"wrk failed on {load.label}:\n{out.stdout}\n{out.stderr}")
    r = json.loads(match.group(1))
    duration = r["duration_us"] / 1e6
    errors = sum(r[k] for k in r if k.endswith("_errors") or k == "timeouts")
    return Sample(
        rps=r["requests"] / duration,
        p50_us=r["p50_us"],
        p99_us=r["p99_us"],
        mean_us=r["mean_us"],
        cpu_us_per_req=cpu * 1e6 / max(1, r["requests"]),
        user_us_per_req=user * 1e6 / max(1, r["requests"]),
        server_busy=cpu / wall,
        core_busy=core / wall,
        errors=errors,
    )


@dataclass
class Result:
    load: Load
    samples: list[Sample]

    def med(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)

    @property
    def rps(self) -> float:
        return self.med("rps")

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.samples)


def measure(loads: list[Load], seconds: float, plan: Plan, cores: Cores) -> list[Result]:
    """Warm-up, then `plan.reps` rounds; each round runs every load once, so
    that drift (a colleague's compile) spreads over all of them."""
    for load in loads:
        log(f"warm-up: {load.label}")
        run_wrk(load, plan.warmup_s, cores)
    results = [Result(load, []) for load in loads]
    for rep in range(plan.reps):
        for result in results:
            log(f"run {rep + 1}/{plan.reps}: {result.load.label} ({seconds:g} s)")
            result.samples.append(run_wrk(result.load, seconds, cores))
    return results


def fetch(url: str, body: str | None = None) -> tuple[int, dict[str, str], bytes]:
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


def check(load: Load) -> bytes:
    """Every request of `load` answers 200; returns the first body."""
    first = b""
    for spec in load.requests:
        method, path, *body = spec.split(" ", 2)
        status, _, data = fetch(load.url() + path, body[0] if body else None)
        if status != 200:
            raise SystemExit(f"{load.label}: {method} {path} answered {status}")
        first = first or data
    return first


# ---- profiling -------------------------------------------------------------


def perf_usable() -> bool:
    return bool(shutil.which("perf")) and (
        subprocess.run(
            ["perf", "stat", "-e", "cpu-clock", "true"], capture_output=True
        ).returncode
        == 0
    )


def profile(load: Load, seconds: float, cores: Cores) -> str:
    """Where the server's time goes under `load`: inclusive shares of the
    Mizan, axum-routing and serde_json frames, then the top self-time symbols
    (perf, software clock and DWARF unwinding: this VM exposes no hardware
    counters and the release build keeps no frame pointers)."""
    if not perf_usable():
        return "perf is not usable here; no profile taken.\n"
    data = CACHE / f"perf-{load.port}.data"
    rec = subprocess.Popen(
        ["perf", "record", "-e", "cpu-clock", "-F", "499", "--call-graph", "dwarf,16384",
         "-o", str(data), "-p", str(load.server.pid), "--", "sleep", str(seconds)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(0.5)  # perf attaches before the load starts
    run_wrk(load, seconds, cores)
    rec.wait()

    def report(*opts: str) -> list[tuple[str, str]]:
        out = subprocess.run(
            ["perf", "report", "-i", str(data), "--stdio", "-g", "none", *opts],
            capture_output=True, text=True,
        ).stdout
        rows = []
        for line in out.splitlines():
            m = re.match(r"\s*([\d.]+%)\s+(?:[\d.]+%\s+)?(.*?)\s*$", line)
            if m and not line.startswith("#"):
                sym = re.sub(r"\s+", " ", re.sub(r"(\s+-)+\s*$", "", m.group(2)))
                rows.append((m.group(1), sym[:150]))
        return rows

    ours = re.compile(r"mizan_|serde_json|axum::routing|canonical")
    inclusive, seen = [], set()
    for pct, sym in report("--children", "--sort", "symbol", "--percent-limit", "0.5"):
        name = sym.removeprefix("[.] ")
        if ours.search(name) and "(inlined)" not in name and name not in seen:
            seen.add(name)
            inclusive.append(f"{pct:>7}  {name}")
    top = [f"{pct:>7}  {sym}" for pct, sym in report(
        "--no-children", "--sort", "dso,symbol", "--percent-limit", "0.7")]
    return (
        "inclusive (handler, routing, JSON):\n" + "\n".join(inclusive[:20])
        + "\n\nself time, top symbols:\n" + "\n".join(top[:12]) + "\n"
    )


def instructions(servers: Path, path: str, body: str | None, n: int,
                 target: str = "/api/mizan/call/") -> dict[str, float]:
    """Inclusive user-space instructions per request of every function of a
    fresh bench server under callgrind: the costs of `2n` requests minus those
    of `n` requests, over `n`, so start-up and warm-up cancel out. Exact and
    deaf to other users of the machine. The key "" is the whole process.
    `body` is POSTed to `target`; without one, `target` is a GET."""

    def costs(count: int) -> dict[str, int]:
        out_file = CACHE / f"callgrind-{count}.out"
        p_mizan, p_axum = free_port(), free_port()
        port = p_axum if path == "axum" else p_mizan
        server = Server(
            "callgrind",
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", str(servers),
             "--mizan", f"127.0.0.1:{p_mizan}", "--axum", f"127.0.0.1:{p_axum}"],
            [p_mizan, p_axum],
        )
        server.start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(count):
                if body is None:
                    conn.request("GET", target)
                else:
                    conn.request("POST", target, body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    raise SystemExit(f"callgrind run: status {resp.status}")
            conn.close()
        finally:
            if server.proc:
                server.proc.send_signal(signal.SIGINT)  # callgrind writes its file on the way out
                try:
                    server.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    pass
            server.stop()
        report = subprocess.run(
            ["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no",
             str(out_file)],
            capture_output=True, text=True, check=True,
        ).stdout
        total = re.search(r"^([\d,]+) \(100.0%\)\s+PROGRAM TOTALS", report, re.M)
        found: dict[str, int] = {"": int(total.group(1).replace(",", "")) if total else 0}
        for m in re.finditer(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+[^:\n]*:(\S.*?)(?: \[[^\]]*\])?$",
                             report, re.M):
            # Inlined code is listed once per source file; the largest entry
            # is the function's own, and it includes the others.
            name = m.group(2)
            found[name] = max(found.get(name, 0), int(m.group(1).replace(",", "")))
        return found

    once, twice = costs(n), costs(2 * n)
    return {k: (twice[k] - once.get(k, 0)) / n for k in twice}


def instruction_profile(servers: Path, body: str, n: int) -> str:
    """Where Mizan's extra user-space instructions per `echo` go, next to the
    hand-written handler's."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_annotate")):
        return "valgrind is not installed; no instruction counts.\n"
    axum = instructions(servers, "axum", body, n)
    mizan = instructions(servers, "mizan", body, n)
    ours = re.compile(r"^(mizan_|serde_json::de::from|serde_json::value::de::.*Value>::deserialize$|"
                      r"axum::routing::strip_prefix::strip_prefix$|axum::json::Json<T>::from_bytes$|"
                      r"core::ptr::drop_in_place<(serde_json::value::Value|http::header::map::HeaderMap|"
                      r"mizan_core::request::Request)>$|<F as axum::handler::Handler|as mizan_core::function::"
                      r"ServerFn>::definition::\{\{closure\}\}$|axum::routing::path_router::"
                      r"PathRouter<S,_>::call_with_state$)")
    rows = sorted(
        ((cost, name) for name, cost in mizan.items() if name and ours.search(name) and cost >= 200),
        reverse=True,
    )[:16]
    base = sorted(
        ((cost, name) for name, cost in axum.items() if name and ours.search(name) and cost >= 200),
        reverse=True,
    )[:6]
    lines = [
        f"user-space instructions per request: hand-written axum {axum['']:,.0f}, "
        f"Mizan {mizan['']:,.0f} (+{mizan[''] - axum['']:,.0f}, {mizan[''] / axum['']:.2f}x)",
        "",
        "Mizan, inclusive, per request:",
        *(f"{cost:>8,.0f}  {name[:140]}" for cost, name in rows),
        "",
        "hand-written axum, inclusive, per request:",
        *(f"{cost:>8,.0f}  {name[:140]}" for cost, name in base),
    ]
    return "\n".join(lines) + "\n"


def comparison_table(results: list[Result], counts: dict[str, dict[str, float]],
                     label: str) -> list[str]:
    """This tree's Mizan beside an earlier build of it, measured in one run:
    the same bench app, the same loads, interleaved rounds, plus exact
    instruction counts."""
    by_label = {r.load.label: r for r in results}
    lines = [
        f"The bench servers built from `{label}` ran beside this tree's, pinned to the same core, "
        "their rounds interleaved with this tree's; *instructions* are callgrind's user-space "
        "instructions per request (exact, repeatable, deaf to other users of the machine).",
        "",
        "| × before (per core) | load | build | req/s | p50 | server CPU / req | per core | "
        "instructions / req |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    for load in ("echo", "context bundle"):
        now, before = by_label[f"{load}: this tree"], by_label[f"{load}: {label}"]
        for res, build in ((before, label), (now, "this tree")):
            key = f"{load}: {build}"
            lines.append(
                f"| {res.med('capacity') / before.med('capacity'):.2f}× | {load} | {build} | "
                f"{res.rps:,.0f} | {us(res.med('p50_us'))} | {res.med('cpu_us_per_req'):.1f} µs | "
                f"{res.med('capacity'):,.0f} | "
                + (f"{counts[key]['']:,.0f}" if key in counts else "—") + " |"
            )
    return lines


# ---- codegen ---------------------------------------------------------------


def ir(n: int) -> str:
    """A canonical IR (docs/ir.md) with `n` functions: one struct type per
    four functions, a context per twenty with every fourth function a member,
    every third other function a mutation affecting a context."""
    types, contexts = -(-n // 4), -(-n // 20)
    out = ["mizan-ir version=1\n"]
    for t in range(types):
        out.append(
            f'type "Type{t:05}" {{\n    struct {{\n'
            '        field "id" { int }\n'
            '        field "name" { string }\n'
            '        field "tags" { list { string } }\n'
            '        field "note" optional=#true { optional { string } }\n'
            "    }\n}\n"
        )
    members: dict[int, list[str]] = {c: [] for c in range(contexts)}
    for f in range(n):
        name, ctx = f"fn_{f:05}", (f // 4) % contexts
        member = f % 4 == 0
        props = f' context="ctx_{ctx:04}"' if member else ""
        out.append(
            f'function "{name}"{props} {{\n    input {{\n'
            '        param "id" { int }\n'
            '        param "limit" required=#false default=10 { int }\n    }\n'
            f'    output {{ list {{ ref "Type{f // 4:05}" }} }}\n'
        )
        if member:
            members[ctx].append(name)
        elif f % 3 == 0:
            out.append(f'    affects context="ctx_{ctx:04}"\n')
        out.append("}\n")
    for c in range(contexts):
        out.append(
            f'context "ctx_{c:04}" {{\n'
            '    param "id" required=#true { int }\n'
            '    param "limit" required=#false { int }\n'
        )
        out.extend(f'    member "{m}"\n' for m in members[c])
        out.append("}\n")
    return "".join(out)


@dataclass
class CodegenRun:
    functions: int
    ir_kib: float
    out_kib: float
    ms: float
    rss_mib: float


def codegen(generate: Path, plan: Plan) -> list[CodegenRun]:
    runs = []
    for n in (100, 1_000, 10_000):
        work = CACHE / "codegen" / str(n)
        work.mkdir(parents=True, exist_ok=True)
        (work / "app.kdl").write_text(ir(n))
        (work / "mizan.toml").write_text(
            '[ir]\nfile = "app.kdl"\n\n'
            '[[target]]\nkind = "ts"\nout = "out/client.ts"\n\n'
            '[[target]]\nkind = "react"\nout = "out/react.tsx"\nclient = "./client"\n'
        )
        times, rss = [], []
        for i in range(plan.codegen_runs + 1):  # the first run warms the page cache
            shutil.rmtree(work / "out", ignore_errors=True)
            start = time.perf_counter()
            out = subprocess.run(
                ["/usr/bin/time", "-f", "MAXRSS_KIB %M", str(generate), "--config",
                 str(work / "mizan.toml")],
                capture_output=True, text=True,
            )
            elapsed = time.perf_counter() - start
            if out.returncode != 0:
                raise SystemExit(f"mizan-generate failed on {n} functions:\n{out.stderr}")
            if i > 0:
                times.append(elapsed * 1e3)
                rss.append(int(re.search(r"MAXRSS_KIB (\d+)", out.stderr).group(1)) / 1024)
        out_bytes = sum(p.stat().st_size for p in (work / "out").iterdir())
        runs.append(
            CodegenRun(n, (work / "app.kdl").stat().st_size / 1024, out_bytes / 1024,
                       statistics.median(times), statistics.median(rss))
        )
        log(f"codegen {n}: {runs[-1].ms:.1f} ms, {runs[-1].rss_mib:.1f} MiB")
    return runs


# ---- kernel ----------------------------------------------------------------


def kernel(plan: Plan) -> list[dict[str, float]]:
    out = subprocess.run(
        ["node", str(BENCH / "kernel" / "invalidation.mjs"), str(plan.kernel_s)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    if out.stderr.strip():
        log(out.stderr.strip())
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def client_size() -> str:
    """The output of bench/client-size/ (minified, bundled, next to TanStack
    Query) when it is in the tree; else the gzip size of the built dist files."""
    for script in (BENCH / "client-size" / "client-size.mjs", BENCH / "client-size.mjs"):
        if script.exists():
            run = subprocess.run(["node", script.name], capture_output=True, text=True,
                                 cwd=script.parent)
            if run.returncode == 0:
                return run.stdout
            log(f"{script} failed; measuring the dist files instead:\n{run.stderr}")
    import gzip

    rows = ["| ratio to kernel | package | files | raw | gzip -9 |", "|---:|---|---:|---:|---:|"]
    sizes = {}
    for pkg in ("base", "react"):
        files = sorted((ROOT / "packages" / pkg / "dist").glob("**/*.js"))
        raw = b"".join(f.read_bytes() for f in files)
        sizes[pkg] = (len(files), len(raw), len(gzip.compress(raw, 9)))
    both = (sizes["base"][0] + sizes["react"][0], sizes["base"][1] + sizes["react"][1], 0)
    raw_all = b"".join(
        f.read_bytes()
        for pkg in ("base", "react")
        for f in sorted((ROOT / "packages" / pkg / "dist").glob("**/*.js"))
    )
    sizes["kernel + react"] = (both[0], both[1], len(gzip.compress(raw_all, 9)))
    base_gz = sizes["base"][2]
    for name, (files, raw_len, gz) in sizes.items():
        label = f"@mizan/{name}" if name in ("base", "react") else name
        rows.append(f"| {gz / base_gz:.2f}x | {label} | {files} | {raw_len / 1024:.1f} KiB | "
                    f"{gz / 1024:.1f} KiB |")
    return (
        "\n".join(rows)
        + "\n\nUnminified `tsc` output (comments included), all files of each `dist/` "
        "concatenated; `bench/client-size/` (a bundled, minified measure) is not in "
        "the tree yet.\n"
    )


def single_flight(taskboard: str | None, plan: Plan) -> str | None:
    """bench/single-flight: click to final UI for a scoped mutation through a
    fixed delay, Mizan with and without single-flight beside TanStack Query +
    tRPC, run now; its own RESULTS-single-flight.md is left alone."""
    script = BENCH / "single-flight" / "single-flight.mjs"
    if not taskboard or not script.exists():
        return None
    size = ["--rounds", "3", "--delay", "50"] if plan.smoke else []
    out = subprocess.run(["node", script.name, "--taskboard", taskboard, *size],
                         capture_output=True, text=True, check=True, cwd=script.parent)
    return out.stdout


def cache_table(binary: str | None, plan: Plan) -> str | None:
    """bench/cache's report (HIT vs MISS vs off, memory and Redis), run now;
    its own RESULTS-cache.md is left alone."""
    if not binary:
        return None
    out = CACHE / "cache.md"
    size = ["--requests", "100", "--rounds", "1"] if plan.smoke else []
    subprocess.run([binary, *size, "--out", str(out)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    body = out.read_text().split("\n", 1)[1]  # without its title
    return body.replace("\n## ", "\n### ").strip() + "\n"


def live_table(binary: str | None, plan: Plan, cores: Cores) -> str | None:
    """Idle sockets and push fan-out: Mizan beside a bare tokio-tungstenite
    broadcast, each measured by the same client (bench/live)."""
    if not binary:
        return None
    # One process may hold 20,000 files here (`ulimit -Hn`); leave room for
    # the rest of what the server and the client hold.
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    sockets = 200 if plan.smoke else min(19_000, max(1_000, limit - 500))
    rounds = 2 if plan.smoke else 20
    results = {}
    for kind in ("floor", "mizan"):
        port = free_port()
        server = Server(f"live-{kind}", [*cores.server, binary, "serve", kind, f"127.0.0.1:{port}"],
                        [port])
        log(f"live: {sockets:,} sockets on {kind}")
        server.start()
        try:
            out = subprocess.run(
                [*cores.load, binary, "load", kind, f"127.0.0.1:{port}", "--sockets", str(sockets),
                 "--rounds", str(rounds), "--pid", str(server.pid)],
                check=True, capture_output=True, text=True, timeout=900,
            ).stdout
        finally:
            server.stop()
        results[kind] = json.loads(out)

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    floor = results["floor"]
    lines = [
        f"{sockets:,} idle WebSocket connections to one server pinned to one core, each subscribed "
        "to the same board; the client (one process, the other core) opens them 128 at a time, "
        "then triggers one change over HTTP per round and notes when each socket receives its "
        f"push. {rounds} rounds; medians over rounds. *Memory per socket* is the server's "
        "resident memory after the sockets are open minus before, over the sockets.",
        "",
        "| × floor (last socket) | server | memory per socket | p50 socket | p99 socket | last "
        "socket | time to open all |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "floor": "bare broadcast (axum WebSocket = tokio-tungstenite, one `broadcast` channel)",
        "mizan": "Mizan (`subscribe` to `board;board_id=1`, `move_card` over `POST /call/`)",
    }
    for kind in ("floor", "mizan"):
        r = results[kind]
        per_socket = (r["rss_after_kib"] - r["rss_before_kib"]) * 1024 / r["sockets"]
        lines.append(
            f"| {median(r['rounds'], 'last_us') / median(floor['rounds'], 'last_us'):.2f}× | "
            f"{labels[kind]} | {per_socket / 1024:.1f} KiB | {us(median(r['rounds'], 'p50_us'))} | "
            f"{us(median(r['rounds'], 'p99_us'))} | {us(median(r['rounds'], 'last_us'))} | "
            f"{r['open_seconds']:.1f} s |"
        )
    lines += [
        "",
        "Per round, last socket: "
        + "; ".join(
            f"{kind} " + ", ".join(us(x["last_us"]) for x in results[kind]["rounds"])
            for kind in ("floor", "mizan")
        ),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class TreeServer(Server):
    """A server whose work is partly done by child processes (the SSR
    render workers): its CPU time is that of the whole process tree."""

    def cpu_seconds(self) -> tuple[float, float]:
        tick = os.sysconf("SC_CLK_TCK")
        user = system = 0.0
        todo = [self.pid]
        while todo:
            pid = todo.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue  # gone meanwhile
            user += int(fields[11]) / tick
            system += int(fields[12]) / tick
        return user, system


SSR_CONCURRENCY = 8
SSR_TITLES = ("Write the launch announcement", "Review the pricing page copy")


def ssr_table(taskboard: str | None, plan: Plan, cores: Cores) -> str | None:
    """The taskboard's board page rendered on the server: through Mizan (the
    Rust server fetching its contexts through the core, one Node render
    worker) beside the floor (bench/ssr/floor.mjs: a bare Node `http` server
    rendering the same component with the same data in one process)."""
    if not taskboard:
        return None
    web = ROOT / "examples" / "taskboard" / "web"
    p_mizan, p_floor = free_port(), free_port()
    mizan = TreeServer(
        "ssr-mizan", [*cores.server, taskboard], [p_mizan],
        env={"MIZAN_DEMO_ADDR": f"127.0.0.1:{p_mizan}", "MIZAN_DEMO_SSR_WORKERS": "1",
             "MIZAN_DEMO_WEB_DIR": str(web / "dist")},
    )
    floor = Server(
        "ssr-floor",
        [*cores.server, "node", str(BENCH / "ssr" / "floor.mjs"), "--port", str(p_floor),
         "--page", f"http://127.0.0.1:{p_mizan}/board/1",
         "--bundle", str(web / "dist-server" / "entry-server.js")],
        [p_floor], env={"NODE_ENV": "production"},
    )
    loads = [
        Load("SSR: bare Node http, one process (floor)", floor, p_floor, ["GET /board/1"],
             SSR_CONCURRENCY),
        Load("SSR: Mizan (axum, contexts through the core, 1 Node worker)", mizan, p_mizan,
             ["GET /board/1"], SSR_CONCURRENCY),
    ]
    try:
        mizan.start()
        floor.start()
        for load in loads:
            _, headers, body = fetch(load.url() + "/board/1")
            page = body.decode()
            missing = [t for t in SSR_TITLES if f">{t}<" not in page]
            if missing or "window.__MIZAN_SSR_DATA__=" not in page:
                raise SystemExit(f"{load.label}: not the rendered board (missing {missing})")
            if load.server is mizan and headers.get("x-mizan-render") != "server":
                raise SystemExit(f"{load.label}: rendered by {headers.get('x-mizan-render')}")
        size = len(fetch(loads[0].url() + "/board/1")[2])
        results = measure(loads, plan.context_s, plan, cores)
    finally:
        floor.stop()
        mizan.stop()
    base = results[0]
    lines = [
        f"`GET /board/1` of the taskboard (examples/taskboard): the board page, {size / 1024:.1f} "
        "KiB of HTML with its hydration data, rendered by React 19 (`NODE_ENV=production`) from "
        "the same server bundle (`web/dist-server`) with the same data. Server and its Node "
        f"processes pinned to one core; wrk with {SSR_CONCURRENCY} connections. *CPU per page* "
        "counts the whole process tree (the Rust server and its render worker). Through Mizan a "
        "page also fetches `global` and `board;board_id=1` through the core (identity, dispatch, "
        "both bundles serialised), sends them to the worker and back as JSON lines, and writes "
        "the document; the floor has the data in memory and renders in the process that serves.",
        "",
        "| × floor (pages/s) | server | pages/s | p50 | p99 | × floor (p50) | × floor (p99) | "
        "CPU per page |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        lines.append(
            f"| {res.rps / base.rps:.2f}× | {res.load.label.removeprefix('SSR: ')} | "
            f"{res.rps:,.0f} | {us(res.med('p50_us'))} | {us(res.med('p99_us'))} | "
            f"{res.med('p50_us') / base.med('p50_us'):.2f}× | "
            f"{res.med('p99_us') / base.med('p99_us'):.2f}× | {us(res.med('cpu_us_per_req'))} |"
        )
    errors = sum(r.errors for r in results)
    lines += [
        "",
        "Per round, pages/s: "
        + "; ".join(
            f"{r.load.label.removeprefix('SSR: ').split(' (')[0]} "
            + ", ".join(f"{x.rps:,.0f}" for x in r.samples)
            for r in results
        )
        + (f". {errors} errors." if errors else ". No errors."),
    ]
    return "\n".join(lines) + "\n"


# ---- report ----------------------------------------------------------------


def us(v: float) -> str:
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.0f} µs"


def machine(cores: Cores, plan: Plan) -> list[str]:
    cpu = re.search(r"Model name:\s*(.*)", sh("lscpu"))
    mem = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
    lock = json.loads((BENCH / "peers" / "trpc" / "package-lock.json").read_text())
    trpc = lock["packages"]["node_modules/@trpc/server"]["version"]
    pins = dict(
        line.split("==")
        for line in (BENCH / "peers" / "fastapi" / "requirements.txt").read_text().splitlines()
        if "==" in line
    )
    commit = sh("git", "rev-parse", "--short", "HEAD", cwd=ROOT)
    virt = sh("systemd-detect-virt")
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_version = (wrk.stdout or wrk.stderr).split(" [")[0]
    python = sh(str(CACHE / "venv" / "bin" / "python"), "--version")
    return [
        f"- CPU: {cpu.group(1) if cpu else '?'}, {os.cpu_count()} cores"
        + (f" ({virt} VM)" if virt and virt != "none" else "")
        + (f"; {int(mem.group(1)) / 1048576:.0f} GiB RAM" if mem else ""),
        f"- kernel: {sh('uname', '-sr')}",
        f"- {sh('rustc', '--version')}; node {sh('node', '--version')}; {python}; {wrk_version}",
        f"- peers: @trpc/server {trpc} (standalone adapter, NODE_ENV=production); "
        f"fastapi {pins.get('fastapi', '?')} on uvicorn {pins.get('uvicorn', '?')} "
        f"(uvloop {pins.get('uvloop', '?')}, httptools {pins.get('httptools', '?')}, one worker, "
        "no access log)",
        f"- commit {commit}; {cores.note}",
    ]


def preserved_analysis(path: Path) -> str:
    """The hand-written analysis block of the previous report, kept as is."""
    if path.exists():
        text = path.read_text()
        start, end = text.find(ANALYSIS_BEGIN), text.find(ANALYSIS_END)
        if 0 <= start < end:
            return text[start : end + len(ANALYSIS_END)]
    return (
        f"{ANALYSIS_BEGIN}\n_No analysis written yet: after a run, explain every missed "
        f"target here (this block survives re-runs)._\n{ANALYSIS_END}"
    )


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="~1 s per measurement")
    parser.add_argument("--servers", required=True, help="the mizan-bench-servers binary")
    parser.add_argument("--generate", required=True, help="the mizan-generate binary")
    parser.add_argument("--out", required=True, help="where to write the report")
    parser.add_argument("--cache-bench", help="the mizan-bench-cache binary, when built")
    parser.add_argument("--live-bench", help="the mizan-bench-live binary, when built")
    parser.add_argument("--taskboard",
                        help="the taskboard binary (its web/ built): SSR and bench/single-flight")
    parser.add_argument("--ssr-only", action="store_true",
                        help="only the SSR measurement (bench/run --ssr)")
    parser.add_argument("--compare-servers",
                        help="mizan-bench-servers built from an earlier revision, to measure beside")
    parser.add_argument("--compare-label", default="before", help="that revision's name")
    args = parser.parse_args()
    plan = Plan.of(args.smoke)
    cores = Cores.detect()
    CACHE.mkdir(exist_ok=True)
    started = time.monotonic()
    load_before = os.getloadavg()
    if args.ssr_only:
        log("ssr: the taskboard's board page, Mizan beside a bare Node server")
        ssr = ssr_table(args.taskboard, plan, cores)
        load_after = os.getloadavg()
        Path(args.out).write_text("\n".join([
            "# Benchmark: server-side rendering"
            + (" (smoke run: ~1 s each, numbers meaningless)" if plan.smoke else ""),
            "",
            "Written by `bench/run --ssr` " + time.strftime("%Y-%m-%d %H:%M %Z")
            + f" in {(time.monotonic() - started) / 60:.1f} min; `bench/run` measures the same "
            "in its SSR section of RESULTS.md.",
            "",
            "## Machine",
            "",
            *machine(cores, plan),
            f"- load average (1/5/15 min): {' / '.join(f'{x:.2f}' for x in load_before)} before, "
            f"{' / '.join(f'{x:.2f}' for x in load_after)} after (other users of the machine "
            "included)",
            f"- {plan.warmup_s:g} s warm-up, then {plan.reps} round(s) of each server, "
            "interleaved; medians over rounds",
            "",
            "## Board page: Mizan beside the floor",
            "",
            (ssr or "_no taskboard binary given_").rstrip(),
            "",
        ]))
        log(f"wrote {args.out}")
        return

    p_mizan, p_axum, p_trpc, p_fastapi = (free_port() for _ in range(4))
    rust = Server("rust", [*cores.server, args.servers, "--mizan", f"127.0.0.1:{p_mizan}",
                           "--axum", f"127.0.0.1:{p_axum}"], [p_mizan, p_axum])
    trpc = Server("trpc", [*cores.server, "node", "server.mjs", str(p_trpc)], [p_trpc],
                  cwd=BENCH / "peers" / "trpc", env={"NODE_ENV": "production"})
    fastapi = Server(
        "fastapi",
        [*cores.server, str(CACHE / "venv" / "bin" / "uvicorn"), "app:app", "--host",
         "127.0.0.1", "--port", str(p_fastapi), "--log-level", "warning", "--no-access-log"],
        [p_fastapi], cwd=BENCH / "peers" / "fastapi",
    )
    servers = [rust, trpc, fastapi]
    before = None
    if args.compare_servers:
        p_before, p_before_axum = free_port(), free_port()
        before = Server("rust-before", [*cores.server, args.compare_servers, "--mizan",
                                        f"127.0.0.1:{p_before}", "--axum",
                                        f"127.0.0.1:{p_before_axum}"], [p_before, p_before_axum])
        servers.append(before)
    comparison_results: list[Result] = []
    try:
        for s in servers:
            log(f"starting {s.name}")
            s.start()

        # -- dispatch
        echo_call = json.dumps({"fn": "echo", "args": {"text": ECHO_TEXT}}, separators=(",", ":"))
        echo_args = json.dumps({"text": ECHO_TEXT}, separators=(",", ":"))
        dispatch = [
            Load("hand-written axum", rust, p_axum, [f"POST /api/mizan/call/ {echo_call}"]),
            Load("Mizan", rust, p_mizan, [f"POST /api/mizan/call/ {echo_call}"]),
            Load("tRPC v11 (standalone)", trpc, p_trpc, [f"POST /echo {echo_args}"]),
            Load("FastAPI (uvicorn)", fastapi, p_fastapi, [f"POST /echo {echo_args}"]),
        ]
        for load in dispatch:
            body = check(load)
            if b"echo: " + ECHO_TEXT.encode() not in body:
                raise SystemExit(f"{load.label} answered {body!r}")
        same = fetch(dispatch[0].url() + "/api/mizan/call/", echo_call)
        theirs = fetch(dispatch[1].url() + "/api/mizan/call/", echo_call)
        keep = ("content-type", "cache-control")
        identical = same[2] == theirs[2] and all(same[1].get(h) == theirs[1].get(h) for h in keep)
        dispatch_results = measure(dispatch, plan.dispatch_s, plan, cores)

        # -- contexts
        part_query = urllib.parse.quote(json.dumps({"id": PAGE_ID}, separators=(",", ":")))
        batch_names = ",".join(f"part_{i}" for i in range(PARTS))
        batch_input = urllib.parse.quote(
            json.dumps({str(i): {"id": PAGE_ID} for i in range(PARTS)}, separators=(",", ":"))
        )
        separate = [
            "POST /api/mizan/call/ "
            + json.dumps({"fn": f"part_{i}", "args": {"id": PAGE_ID}}, separators=(",", ":"))
            for i in range(PARTS)
        ]
        bundle = [f"GET /api/mizan/ctx/page/?id={PAGE_ID}"]
        contexts = [
            Load("Mizan: 10 separate `POST /call/`", rust, p_mizan, separate),
            Load("Mizan: one `GET /ctx/page/`", rust, p_mizan, bundle, calls_per_request=PARTS),
            Load("tRPC: 10 separate `GET /part_i`", trpc, p_trpc,
                 [f"GET /part_{i}?input={part_query}" for i in range(PARTS)]),
            Load("tRPC: one batch `GET /part_0,…,part_9?batch=1`", trpc, p_trpc,
                 [f"GET /{batch_names}?batch=1&input={batch_input}"], calls_per_request=PARTS),
            Load("Mizan: 10 separate `POST /call/`, one client", rust, p_mizan, separate,
                 concurrency=1),
            Load("Mizan: one `GET /ctx/page/`, one client", rust, p_mizan, bundle,
                 concurrency=1, calls_per_request=PARTS),
        ]
        for load in contexts:
            check(load)
        bundle_body = json.loads(check(contexts[1]))
        if sorted(bundle_body) != [f"part_{i}" for i in range(PARTS)]:
            raise SystemExit(f"the page bundle has members {sorted(bundle_body)}")
        context_results = measure(contexts, plan.context_s, plan, cores)

        # -- this tree beside an earlier build of it
        if before is not None:
            label = args.compare_label
            pairs = [
                ("echo", [f"POST /api/mizan/call/ {echo_call}"]),
                ("context bundle", bundle),
            ]
            comparison = []
            for load, requests in pairs:
                comparison.append(Load(f"{load}: this tree", rust, p_mizan, requests))
                comparison.append(Load(f"{load}: {label}", before, p_before, requests))
            for load in comparison:
                check(load)
            comparison_results = measure(comparison, plan.dispatch_s, plan, cores)

        # -- profile a missed dispatch target
        mizan_vs_axum = dispatch_results[1].med("capacity") / dispatch_results[0].med("capacity")
        profile_text = None
        if mizan_vs_axum < 0.9 and not plan.smoke:
            log("Mizan < 0.9x axum: profiling both")
            seconds = 8
            profile_text = (
                "perf, Mizan:\n\n```text\n" + profile(dispatch[1], seconds, cores) + "```\n\n"
                "perf, hand-written axum:\n\n```text\n" + profile(dispatch[0], seconds, cores)
                + "```\n"
            )
    finally:
        for s in servers:
            s.stop()
    if profile_text is not None:
        log("Mizan < 0.9x axum: counting instructions (callgrind)")
        profile_text = (
            "callgrind (exact, user space only; the kernel's share is in the table above):"
            "\n\n```text\n" + instruction_profile(Path(args.servers), echo_call, 2000)
            + "```\n\n" + profile_text
        )

    comparison_counts: dict[str, dict[str, float]] = {}
    if args.compare_servers and shutil.which("valgrind") and not plan.smoke:
        log(f"counting instructions: this tree vs {args.compare_label} (callgrind)")
        for build, binary in (("this tree", args.servers), (args.compare_label,
                                                            args.compare_servers)):
            comparison_counts[f"echo: {build}"] = instructions(Path(binary), "mizan", echo_call,
                                                               2000)
            comparison_counts[f"context bundle: {build}"] = instructions(
                Path(binary), "mizan", None, 1000, target=f"/api/mizan/ctx/page/?id={PAGE_ID}")

    log("codegen")
    codegen_runs = codegen(Path(args.generate), plan)
    log("kernel")
    kernel_rows = kernel(plan)
    sizes = client_size()
    log("single-flight: click to final UI (bench/single-flight)")
    flight = single_flight(args.taskboard, plan)
    log("origin cache (bench/cache)")
    cache = cache_table(args.cache_bench, plan)
    log("live: idle sockets and fan-out (bench/live)")
    live = live_table(args.live_bench, plan, cores)
    log("ssr: the taskboard's board page, Mizan beside a bare Node server")
    ssr = ssr_table(args.taskboard, plan, cores)
    load_after = os.getloadavg()

    # ---- the report
    out = Path(args.out)
    lines = [
        "# Benchmarks" + (" (smoke run: ~1 s each, numbers meaningless)" if plan.smoke else ""),
        "",
        "Written by `bench/run` "
        + time.strftime("%Y-%m-%d %H:%M %Z")
        + f" in {(time.monotonic() - started) / 60:.1f} min. Everything ran on this machine, "
        "over loopback, in one run; nothing here is a test.",
        "",
        "## Machine",
        "",
        *machine(cores, plan),
        f"- load average (1/5/15 min): {' / '.join(f'{x:.2f}' for x in load_before)} before, "
        f"{' / '.join(f'{x:.2f}' for x in load_after)} after (other users of the machine "
        "included)",
        f"- load: wrk, 1 thread, {CONCURRENCY} connections (unless said), HTTP/1.1 keep-alive; "
        f"{plan.warmup_s:g} s warm-up, then {plan.reps} round(s) of every load; "
        "medians over rounds",
        "",
        "## Targets",
        "",
    ]
    def capacity(res: Result) -> float:
        return res.med("capacity")

    axum_, mizan, trpc_, fastapi_ = dispatch_results
    sep, bun, _, _, sep1, bun1 = context_results
    cg = {c.functions: c for c in codegen_runs}

    def ratio_line(goal: str, factor: float, other: Result) -> str:
        by_cpu = capacity(mizan) / capacity(other)
        measured = mizan.rps / other.rps
        return (
            f"- Mizan ≥ {factor:g}× {goal} throughput: {verdict(by_cpu >= factor)} "
            f"({by_cpu:.2f}× per server core; {measured:.2f}× measured req/s)"
        )

    # Page latency for one client: ten sequential round trips vs one.
    one_client = (sep1.med("mean_us") * PARTS) / bun1.med("mean_us")
    lines += [
        "Throughput is compared per server core — requests answered per second of server CPU "
        "— because on two cores one load generator cannot saturate the Rust servers (see "
        "*server busy* below); the measured req/s ratio follows it.",
        "",
        ratio_line("hand-written axum", 0.9, axum_),
        ratio_line("tRPC", 5, trpc_),
        ratio_line("FastAPI", 15, fastapi_),
        "- bundled 10-member context ≥ 5× faster than 10 separate calls: "
        f"{verdict(one_client >= 5)} ({one_client:.1f}× mean page latency for one client; "
        f"{(capacity(bun) * PARTS) / capacity(sep):.1f}× pages per server core and "
        f"{bun.rps / (sep.rps / PARTS):.1f}× measured pages/s at {CONCURRENCY} connections)",
        f"- codegen of 1,000 functions < 200 ms: {verdict(cg[1000].ms < 200)} "
        f"({cg[1000].ms:.0f} ms)",
    ]
    lines += ["", "## Dispatch overhead: `echo` through each server", ""]
    lines += [
        f"One `POST` per request with `{{\"text\": \"{ECHO_TEXT}\"}}` as the argument, "
        f"{CONCURRENCY} connections, server on one core. *Per core* is requests per second of "
        "server CPU (the server process's user + system time over the requests it answered). "
        "*Server busy* is the server process's share of its core, then the whole core's (every "
        "process, other users of the machine included): a server below ~90 % was waiting for "
        "the load generator or for its core.",
        "",
        "| × axum (req/s) | server | req/s | p50 | p99 | server CPU / req (user space) | per "
        "core | × axum (per core) | server busy: process / core | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in dispatch_results:
        lines.append(
            f"| {res.rps / axum_.rps:.2f}× | {res.load.label} | {res.rps:,.0f} | "
            f"{us(res.med('p50_us'))} | {us(res.med('p99_us'))} | "
            f"{res.med('cpu_us_per_req'):.1f} µs ({res.med('user_us_per_req'):.1f} µs) | "
            f"{capacity(res):,.0f} | "
            f"{capacity(res) / capacity(axum_):.2f}× | "
            f"{res.med('server_busy') * 100:.0f} % / {res.med('core_busy') * 100:.0f} % | "
            f"{res.errors} |"
        )
    lines += [
        "",
        "Mizan and the hand-written handler answer byte-identical bodies with the same "
        f"`Content-Type` and `Cache-Control`: {'yes' if identical else '**no**'}. tRPC answers "
        "`{\"result\":{\"data\":{...}}}`, FastAPI the bare object; each is that framework's "
        "idiomatic shape for the same function.",
        "",
        "Per round (req/s, server CPU / req): "
        + "; ".join(
            f"{res.load.label} "
            + ", ".join(f"{s.rps:,.0f} ({s.cpu_us_per_req:.1f} µs)" for s in res.samples)
            for res in dispatch_results
        ),
    ]
    if profile_text:
        lines += ["", "### Profile (Mizan below 0.9× axum per core)", "", profile_text]

    if comparison_results:
        lines += ["", f"## This tree beside `{args.compare_label}`", ""]
        lines += comparison_table(comparison_results, comparison_counts, args.compare_label)

    lines += ["", "## Context bundling: a page that needs ten functions", ""]
    lines += [
        "A page of ten functions of one id. *Separate* cycles each connection through the ten "
        "calls one after the other, as a client without batching does; a page is ten requests, "
        "and its latency is about ten times the per-request latency. *Bundled* is one request "
        "that returns all ten results.",
        "",
        "| × 10 separate (pages/s) | variant | connections | pages/s | req/s | request p50 | "
        "page latency p50 | server CPU / page | server busy: process / core |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_pages = {CONCURRENCY: sep.rps / PARTS, 1: sep1.rps / PARTS}
    for res in context_results:
        per_page = PARTS // res.load.calls_per_request
        pages = res.rps / per_page
        lines.append(
            f"| {pages / base_pages[res.load.concurrency]:.2f}× | {res.load.label} | "
            f"{res.load.concurrency} | {pages:,.0f} | {res.rps:,.0f} | {us(res.med('p50_us'))} | "
            f"{'≈ ' if per_page > 1 else ''}{us(res.med('p50_us') * per_page)} | "
            f"{res.med('cpu_us_per_req') * per_page:.0f} µs | "
            f"{res.med('server_busy') * 100:.0f} % / {res.med('core_busy') * 100:.0f} % |"
        )
    lines += [
        "",
        "The ratio of the tRPC rows is to Mizan's separate calls too; tRPC's batch link is the "
        "closest thing it has to a bundle.",
    ]

    lines += ["", f"## Code generation: `mizan-generate` ({'debug' if plan.smoke else 'release'}) "
              "on generated IRs", ""]
    lines += [
        "A full `mizan-generate --config mizan.toml` run (both targets, `ts` and `react`): "
        "process start, read, parse, validate, emit, write. The IRs follow docs/ir.md: one "
        "struct per four functions, a context per twenty, a quarter of the functions context "
        f"members, mutations with `affects`. Median of {plan.codegen_runs} run(s) after one "
        "warm-up; peak RSS from GNU time.",
        "",
        "| per-function time × the 100-function run | functions | IR | output | time | "
        "peak RSS |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    per_fn_100 = cg[100].ms / 100
    for c in codegen_runs:
        lines.append(
            f"| {c.ms / c.functions / per_fn_100:.2f}× | {c.functions:,} | {c.ir_kib:,.0f} KiB | "
            f"{c.out_kib:,.0f} KiB | {c.ms:.1f} ms | {c.rss_mib:.1f} MiB |"
        )
    growth = (cg[10_000].ms / cg[1_000].ms, cg[1_000].ms / cg[100].ms)
    lines += [
        "",
        f"Growth: ×{growth[1]:.1f} in time from 100 to 1,000 functions, ×{growth[0]:.1f} from "
        "1,000 to 10,000 (10× is linear; less means a fixed start-up cost dominates the small "
        "runs).",
    ]

    lines += ["", "## Client kernel: invalidation throughput (`@mizan/base`)", ""]
    lines += [
        f"{kernel_rows[0]['instances']:,} watched context instances (10 contexts × 100 params) "
        "in node; each round hands `client.invalidate` a batch of scoped targets (each hits one "
        "instance) and waits for the refetches through an in-memory transport to settle.",
        "",
        "| × batch of 1 (targets/s) | targets per batch | targets/s | refetches/s | time per batch |",
        "|---:|---:|---:|---:|---:|",
    ]
    for k in kernel_rows:
        lines.append(
            f"| {k['targets_per_s'] / kernel_rows[0]['targets_per_s']:.2f}× | {k['batch']} | "
            f"{k['targets_per_s']:,.0f} | {k['refetches_per_s']:,.0f} | {us(k['us_per_batch'])} |"
        )
    lines += ["", "## Client size: kernel + React adapter", "", sizes.rstrip()]
    lines += ["", "## Single-flight: click to final UI", ""]
    lines.append(
        flight.rstrip() if flight else "_`bench/single-flight/` is not in the tree; `bench/run` "
        "runs and includes it when it is._"
    )
    lines += ["", "## Live: idle sockets and push fan-out", ""]
    lines.append(
        live.rstrip() if live else "_`bench/live/` is not in the tree; `bench/run` builds, "
        "runs and includes it when it is._"
    )
    lines += ["", "## Server-side rendering: the board page, Mizan beside a bare Node server", ""]
    lines.append(
        ssr.rstrip() if ssr else "_no taskboard binary given (`bench/run` builds it with its "
        "web app)._"
    )
    lines += ["", "## Origin cache: HIT vs MISS vs off", ""]
    lines.append(
        cache.rstrip() if cache else "_`bench/cache/` is not in the tree; `bench/run` builds, "
        "runs and includes it when it is._"
    )
    lines += [
        "",
        "## Not measured",
        "",
        "- Leptos `server_fn` on axum: skipped. `server_fn` 0.8 with its `axum` feature "
        "resolves to 128 crates, 67 of them not in bench/servers' tree (url/idna with the ICU "
        "data crates, tokio-tungstenite, serde_qs, its macro crates); it would need its own "
        "project and lockfile and a second release build of axum and hyper on every run.",
        "",
        "## Analysis",
        "",
        preserved_analysis(out),
        "",
    ]
    out.write_text("\n".join(lines))
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
