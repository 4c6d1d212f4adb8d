"""Mizan on FastAPI and on Django beside the same functions written by
hand in each framework, in one run: requests per second and server CPU per
request, medians of interleaved rounds (wrk on one core, the servers
pinned to the other). Writes bench/RESULTS-python.md (the analysis between
its markers is kept).

    bench/python/run            full run (~2 min)
    bench/python/run --smoke    ~1 s per measurement, writes bench/.cache/RESULTS-python.smoke.md
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WRK_SCRIPT = ROOT / "bench" / "load" / "requests.lua"
PY = ROOT / ".venv" / "bin" / "python"

LOADS = [
    ("echo", "Mizan", "POST /api/mizan/call/ " + json.dumps({"fn": "echo", "args": {"text": "hello"}}, separators=(",", ":"))),
    ("echo", "hand-written", "POST /hand/echo " + json.dumps({"text": "hello"}, separators=(",", ":"))),
    ("10-member context", "Mizan", "GET /api/mizan/ctx/board/?id=7"),
    ("10-member context", "hand-written", "GET /hand/board?id=7"),
]


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(core: int) -> list[str]:
    return ["taskset", "-c", str(core)] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []


def start(kind: str, port: int) -> Server:
    process = subprocess.Popen([*pin(0), str(PY), str(HERE / "server.py"), kind, str(port)], cwd=HERE)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/hand/board?id=1", timeout=1).read()
            return Server(kind, port, process)
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"the {kind} server did not start")
            time.sleep(0.1)


def wrk(server: Server, request: str, seconds: int) -> dict[str, float]:
    before = server.cpu_seconds()
    out = subprocess.run(
        [*pin(1), "wrk", "-t1", "-c32", f"-d{seconds}s", "--timeout", "5s", "-s", str(WRK_SCRIPT), f"http://127.0.0.1:{server.port}", "--", request],
        capture_output=True, text=True, timeout=seconds + 60,
    )
    cpu = server.cpu_seconds() - before
    match = re.search(r"^WRK_JSON (.*)$", out.stdout, re.M)
    if out.returncode != 0 or not match:
        raise SystemExit(f"wrk failed:\n{out.stdout}\n{out.stderr}")
    r = json.loads(match.group(1))
    errors = sum(v for k, v in r.items() if k.endswith("_errors") or k == "timeouts")
    if errors:
        raise SystemExit(f"wrk saw {errors} errors on {server.kind} {request}: {r}")
    duration = r["duration_us"] / 1e6
    return {"rps": r["requests"] / duration, "cpu_us": cpu * 1e6 / max(1, r["requests"]), "p50_us": r["p50_us"]}


def main() -> None:
    smoke = "--smoke" in sys.argv
    seconds, rounds = (1, 1) if smoke else (5, 3)
    out = ROOT / ("bench/.cache/RESULTS-python.smoke.md" if smoke else "bench/RESULTS-python.md")
    servers = [start("fastapi", 18931), start("django", 18932)]
    samples: dict[tuple[str, str, str], list[dict[str, float]]] = {}
    try:
        for server in servers:  # warm-up
            for _, _, request in LOADS:
                wrk(server, request, 1)
        for _ in range(rounds):
            for server in servers:
                for what, who, request in LOADS:
                    samples.setdefault((server.kind, what, who), []).append(wrk(server, request, seconds))
    finally:
        for server in servers:
            server.process.kill()
            server.process.wait()
    write(out, samples, seconds, rounds)
    print(out.read_text())


def median(values: list[dict[str, float]], key: str) -> float:
    return statistics.median(v[key] for v in values)


def write(out: Path, samples: dict[tuple[str, str, str], list[dict[str, float]]], seconds: int, rounds: int) -> None:
    old = out.read_text() if out.exists() else ""
    kept = re.search(r"<!-- analysis -->.*<!-- /analysis -->", old, re.S)
    lines = [
        "# Python benchmark: Mizan on FastAPI and Django beside hand-written endpoints",
        "",
        "`bench/python/run` on this machine; numbers are medians of "
        f"{rounds} interleaved round(s) of {seconds} s (wrk, 1 thread, 32 connections, pinned to CPU 1; "
        "each server one process pinned to CPU 0). CPU is the server's user+system time per request.",
        "",
        f"Machine: {os.cpu_count()} cores, {subprocess.run(['uname', '-sr'], capture_output=True, text=True).stdout.strip()}, "
        f"Python {sys.version.split()[0]}; FastAPI on uvicorn (one worker), Django {__import__('django').__version__} on its threaded WSGI server.",
        "",
        "| framework | load | Mizan req/s | hand-written req/s | Mizan / hand (req/s) | Mizan CPU µs/req | hand CPU µs/req | hand / Mizan (CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, label in (("fastapi", "FastAPI"), ("django", "Django")):
        for what in ("echo", "10-member context"):
            m, h = samples[(kind, what, "Mizan")], samples[(kind, what, "hand-written")]
            mr, hr, mc, hc = median(m, "rps"), median(h, "rps"), median(m, "cpu_us"), median(h, "cpu_us")
            lines.append(f"| {label} | {what} | {mr:,.0f} | {hr:,.0f} | {mr / hr:.2f}× | {mc:,.0f} | {hc:,.0f} | {hc / mc:.2f}× |")
    lines += ["", "Every round (req/s):", ""]
    for (kind, what, who), values in sorted(samples.items()):
        lines.append(f"- {kind} · {what} · {who}: " + ", ".join(f"{v['rps']:,.0f}" for v in values))
    lines += ["", kept.group(0) if kept else "<!-- analysis -->\n<!-- /analysis -->", ""]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
