"""Page and API benchmark: gunicorn (2 sync workers) + a dedicated database, every endpoint
measured beside the framework floor (a fixed body through the same server and middleware,
`bench/urls.py`) in the same run, and per-request query counts at 10 and N rows (CEs, runs, tasks).

Prints figures only: each endpoint's cost as a multiple of the floor, checked against the goals
of quality.md P2 (PASS/MISS, informational); it never fails on a number. The load generator is
wrk when installed (`apt-get install wrk`; `make test` installs it as root), else a Python loop.
Loopback only, bounded duration; gunicorn is stopped and the database dropped at the end, also
after an error or Ctrl-C.

    .venv/bin/python bench/pages.py            # PostgreSQL seqera_bench on 127.0.0.1, 2 s + 10 s per endpoint
    .venv/bin/python bench/pages.py --quick    # smaller data set, 1 s + 3 s per endpoint
    .venv/bin/python bench/pages.py --sqlite   # no PostgreSQL needed
    .venv/bin/python bench/pages.py --runs 100000 --tasks 1000000   # the run pages at issue 11's scale
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402
from bench.seed import BENCH_PASSWORD, BENCH_USER, ORG_NAME, seed, seed_runs  # noqa: E402

HOST = "127.0.0.1"
SMALL = "small"  # the extra workspace with few CEs, for the 10 vs N comparison
SMALL_RUNS, SMALL_TASKS = 10, 500  # the small workspace's runs and tasks: its newest run holds 50, one full
# page of the task table (a fixed 50 rows), so the two task tables show the same rows
FLOOR_KIND = "floor"
FLOOR = "floor"  # every endpoint's cost is a multiple of this one's
PAGE10, API10 = "per_page=10", "max=10"  # a list at the small workspace's page size (10 rows)

# quality.md P2 (c=4, 2 sync workers): cost per request at most this multiple of the floor's.
GOALS = {"html-list": 15, "html-detail": 8, "api-list": 10, "api-detail": 5}
TAIL_GOAL = 3  # p99 at most 3 x p50
SCALE_TOLERANCE = 1.25  # "the same time at 10 and N CEs": within this factor (run-to-run noise)
QUERY_BUDGET = {"html-list": 10, "api-list": 10, "html-detail": 15, "api-detail": 15}  # quality.md P1


@dataclass
class Endpoint:
    name: str
    kind: str  # floor, html-list, html-detail, api-list, api-detail
    api: bool  # Bearer token (API) or session cookie (pages); each is compared with the floor requested the same way
    path: str  # for the big workspace
    small_path: str  # same route in the small workspace
    load_only: bool = False  # a load-table row only (the in-process table already compares sizes)
    pair: str = ""  # the endpoint this one repeats at 10 CEs
    anonymous: bool = False  # sent without credentials (the floor)
    same_rows: str = ""  # lists: the query that shows the big workspace's list at the small one's page size

    def path_with(self, query: str) -> str:
        return f"{self.path}{'&' if '?' in self.path else '?'}{query}"

    floor_name = FLOOR


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    bytes: int = 0
    server_ms: list[float] = field(default_factory=list)
    loadgen_cpu: float = 0.0  # fraction of one core
    server_cpu: float = 0.0  # fraction of one core, both workers together
    tool: str = "python"
    wrk_percentiles: dict[int, float] | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, fraction: float) -> float:
        return _env.percentile(sorted(self.latencies), fraction) * 1000

    def client(self) -> dict[int, float]:
        """Client-side p50/p90/p99 in ms (wrk's when wrk measured)."""
        return self.wrk_percentiles or {50: self.pct(0.5), 90: self.pct(0.9), 99: self.pct(0.99)}

    def server(self, fraction: float) -> float:
        return _env.percentile(self.server_ms, fraction)


# --------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workdir: Path) -> tuple[subprocess.Popen, Path]:
    access_log = workdir / "access.log"
    command = [
        str(_env.BASE_DIR / ".venv" / "bin" / "gunicorn"),
        "seqera.wsgi:application",
        "--workers=2",
        "--worker-class=sync",
        f"--bind={HOST}:{port}",
        "--keep-alive=30",
        f"--access-logfile={access_log}",
        "--access-logformat=%(U)s %(s)s %(D)s",
        f"--error-logfile={workdir / 'error.log'}",
    ]
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        command, cwd=_env.BASE_DIR, env={**os.environ, **env}, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited early:\n{(workdir / 'error.log').read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return process, access_log
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_gunicorn(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # our own session: the master and its two workers
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def worker_pids(master: int) -> list[int]:
    pids = []
    for task in Path(f"/proc/{master}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        pids += [int(pid) for pid in children]
    return pids


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError):
            pass
    return total


# --------------------------------------------------------------------------- client
def set_cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = http.cookies.SimpleCookie()
        cookie.load(header)
        jar.update({name: morsel.value for name, morsel in cookie.items()})


def login(port: int) -> str:
    """Signs in once through the real login form; returns the Cookie header value."""
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    set_cookies(response, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": BENCH_USER, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": token})
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    set_cookies(response, jar)
    conn.close()
    if response.status != 302 or not any("sessionid" in name for name in jar):
        raise SystemExit(f"Login failed: HTTP {response.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


class ServerWindow:
    """What the server did between `open()` and `close(result)`: the gunicorn access-log
    durations (`%(D)s`, server-side) of the requests that ended in the window, the CPU of its
    workers and, for wrk, of the load generator (a waited-for child of this process)."""

    def __init__(self, log: Path):
        self.log = log

    def open(self) -> None:
        self.log_from = self.log.stat().st_size
        self.pids = worker_pids(SERVER["pid"])
        self.server_from = cpu_seconds(self.pids)
        times = os.times()
        self.cpu_from = (times.user + times.system, times.children_user + times.children_system)
        self.wall_from = time.perf_counter()

    def close(self, result: LoadResult, *, children: bool) -> None:
        wall = time.perf_counter() - self.wall_from
        times = os.times()
        own, kids = times.user + times.system, times.children_user + times.children_system
        result.loadgen_cpu = ((kids - self.cpu_from[1]) if children else (own - self.cpu_from[0])) / wall
        result.server_cpu = (cpu_seconds(self.pids) - self.server_from) / wall
        log_to = self.log.stat().st_size
        with self.log.open("rb") as handle:
            handle.seek(self.log_from)
            for line in handle.read(log_to - self.log_from).decode(errors="replace").splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[2].isdigit():
                    result.server_ms.append(int(parts[2]) / 1000)
        result.server_ms.sort()


def load(
    port: int, path: str, headers: dict[str, str], *, concurrency: int, warmup: float, duration: float, log: Path
) -> LoadResult:
    """`concurrency` threads, each a keep-alive connection, GET `path` back to back; only requests
    that start inside the measure window count. Stops by itself after warmup + duration."""
    result = LoadResult()
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + duration

    def run():
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies, statuses, errors, size = [], {}, 0, 0
        while (began := time.perf_counter()) < end:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status, body = -1, b""
            if began >= measure_from:
                latencies.append(time.perf_counter() - began)
                statuses[status] = statuses.get(status, 0) + 1
                errors += status != 200
                size += len(body)
        conn.close()
        with lock:
            result.latencies += latencies
            result.errors += errors
            result.bytes += size
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=run, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    window = ServerWindow(log)
    window.open()
    time.sleep(max(0.0, end - time.perf_counter()))
    window.close(result, children=False)
    for thread in threads:
        thread.join(timeout=35)
    result.requests = len(result.latencies)
    result.seconds = duration
    return result


def load_wrk(
    wrk: str,
    port: int,
    path: str,
    headers: dict[str, str],
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    log: Path,
) -> LoadResult:
    """The same measurement with wrk: 1 thread, `concurrency` keep-alive connections; a discarded
    warm-up run first, then the measured one."""
    argv = [wrk, "-t1", f"-c{concurrency}", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    url = f"http://{HOST}:{port}{path}"
    if warmup > 0:
        subprocess.run([*argv, f"-d{max(1, round(warmup))}s", url], capture_output=True, check=False)  # noqa: S603
    window = ServerWindow(log)
    window.open()
    run = subprocess.run([*argv, f"-d{max(1, round(duration))}s", url], capture_output=True, text=True, check=False)  # noqa: S603
    result = LoadResult(tool="wrk", seconds=duration)
    window.close(result, children=True)
    output = run.stdout

    def ms(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    if match := re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output):
        result.requests = int(match.group(1))
        result.seconds = float(match.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
    if match := re.search(r"([\d.]+)(B|KB|MB|GB) read", output):
        result.bytes = int(float(match.group(1)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[match.group(2)])
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
    result.wrk_percentiles = {int(k): ms(v) for k, v in percentiles.items()}
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result.errors = int(match.group(1))
    if match := re.search(r"Socket errors: .*", output):
        result.errors += sum(int(n) for n in re.findall(r"\d+", match.group(0)))
    if not result.requests or len(result.wrk_percentiles) < 3:
        raise SystemExit(f"wrk gave no figures for {path}:\n{run.stdout}\n{run.stderr}")
    return result


def rss_mb(pids: list[int]) -> list[float]:
    """Resident set size of each process in MB (VmRSS)."""
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            sizes.append(0.0)
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        sizes.append(int(match.group(1)) / 1024 if match else 0.0)
    return sizes


SERVER: dict[str, int] = {}


# --------------------------------------------------------------------------- query counts
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class InProcess:
    queries: tuple[int, int]  # small workspace, big workspace
    ms: tuple[float, float]  # median in-process time per request, concurrency 1
    ms_same_rows: float | None  # the big workspace's list at the small one's page size
    status: int
    sql: list[str]


def in_process(endpoints: list[Endpoint], user_id: int, bearer: str, repeat: int = 31) -> dict[str, InProcess]:
    """Per endpoint, through the test Client (as the load test: session cookie for pages, Bearer
    token only for the API): SQL statements of one request (transaction control not counted; the
    first request warms per-process caches) and the median time of `repeat` requests, with the
    heap frozen as the production server freezes it (`seqera.wsgi`), so a full collection of the
    seeding's objects does not land in one endpoint's samples."""
    import gc

    gc.collect()
    gc.freeze()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = Client(HTTP_HOST=HOST)
    pages.force_login(get_user_model().objects.get(pk=user_id))
    api = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {bearer}")
    figures = {}
    anonymous = Client(HTTP_HOST=HOST)
    for endpoint in endpoints:
        if endpoint.load_only:
            continue
        client = anonymous if endpoint.anonymous else api if endpoint.api else pages
        queries, times = [], []

        def median_ms(path, client=client):
            samples = []
            for _ in range(repeat):
                began = time.perf_counter()
                client.get(path)
                samples.append(time.perf_counter() - began)
            return sorted(samples)[len(samples) // 2] * 1000

        for path in (endpoint.small_path, endpoint.path):
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
            queries.append(len(sql))
            times.append(median_ms(path))
        same_rows = None
        if endpoint.same_rows:
            same_path = endpoint.path_with(endpoint.same_rows)
            assert client.get(same_path).status_code == 200, same_path
            same_rows = median_ms(same_path)
        figures[endpoint.name] = InProcess(tuple(queries), tuple(times), same_rows, response.status_code, sql)
    return figures


# --------------------------------------------------------------------------- report
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ratio(value: float, base: float) -> float:
    return value / base if base else float("inf")


def cost_ratio(results: dict[str, LoadResult], endpoint: Endpoint) -> float:
    """Cost per request as a multiple of the floor's: floor req/s ÷ endpoint req/s."""
    return ratio(results[endpoint.floor_name].rate, results[endpoint.name].rate)


def print_load(args, data, loaded, results, sizes) -> None:
    tool = "wrk (1 thread)" if any(r.tool == "wrk" for r in results.values()) else "Python http.client threads"
    print()
    print(
        f"Load: {tool}, concurrency {args.concurrency}, {args.warmup:g} s warm-up + {args.duration:g} s measured "
        f"per endpoint; gunicorn 2 sync workers; {data.label}"
    )
    header = (
        f"{'endpoint':<28}{'req/s':>8}{'x floor':>9}{'p50':>8}{'p90':>8}{'p99':>8}{'p99/p50':>9}"
        f"{'srv p50':>9}{'srv p99':>9}{'x floor':>9}{'KB':>7}{'errors':>8}{'srv CPU':>9}{'gen CPU':>9}"
    )
    print(header)
    print("-" * len(header))
    for endpoint in loaded:
        r = results[endpoint.name]
        c = r.client()
        floor = results[endpoint.floor_name]
        cost = "" if endpoint.name == FLOOR else f"{cost_ratio(results, endpoint):.1f}"
        srv = "" if endpoint.name == FLOOR else f"{ratio(r.server(0.5), floor.server(0.5)):.1f}"
        print(
            f"{endpoint.name:<28}{r.rate:>8.0f}{cost:>9}{c[50]:>8.1f}{c[90]:>8.1f}{c[99]:>8.1f}"
            f"{ratio(c[99], c[50]):>9.1f}{r.server(0.5):>9.2f}{r.server(0.99):>9.2f}{srv:>9}"
            f"{sizes[endpoint.name] / 1024:>7.1f}{r.errors:>8}{r.server_cpu:>8.0%} {r.loadgen_cpu:>8.0%}"
        )
    print(
        "(p50/p90/p99: client-side ms; srv p50/p99: gunicorn's %(D)s, server-side ms; x floor: floor req/s ÷ req/s, "
        "and srv p50 ÷ the floor's; floor: a fixed body, no credentials; floor + session: the same with the session "
        "cookie (the session and user rows every page reads); KB: response body; CPU: share of one core)"
    )


def print_rss(rss: dict[str, list[float]]) -> None:
    print()
    names = list(rss)
    print(
        "gunicorn worker RSS (MB): "
        + "; ".join(f"{name} " + " / ".join(f"{v:.1f}" for v in rss[name]) for name in names)
    )

    def growth(start, stop) -> str:
        return " / ".join(f"{b - a:+.1f}" for a, b in zip(rss[start], rss[stop], strict=False))

    print(f"  growth across the measured run per worker: {growth('warm', 'end')} MB")
    if "second pass" in rss:
        print(
            f"  growth across a second pass over every endpoint (a leak shows here): {growth('end', 'second pass')} MB"
        )


def print_in_process(args, endpoints, figures, ces_small: int) -> None:
    print()
    print(
        f"In-process, concurrency 1 (test Client): the small workspace ({ces_small} CEs, {SMALL_RUNS} runs, "
        f"{SMALL_TASKS // 10} tasks in the run shown) vs the first ({args.ces} CEs, {args.runs:,} runs, "
        f"{args.tasks // 10:,} tasks in the run shown)"
    )
    print(f"{'':<28}{'small':>9}{'big':>9}{'':>8}  {'':<6}{'small':>9}{'big':>9}{'big, same':>11}")
    header = (
        f"{'endpoint':<28}{'queries':>9}{'queries':>9}{'budget':>8}  {'P1':<6}{'ms/req':>9}{'ms/req':>9}{'rows ms':>11}"
    )
    print(header)
    print("-" * len(header))
    for endpoint in endpoints:
        if endpoint.name not in figures:
            continue
        f = figures[endpoint.name]
        small, big = f.queries
        budget = QUERY_BUDGET.get(endpoint.kind)
        notes = [] if small == big else ["queries grow with rows"]
        same = f.ms_same_rows if f.ms_same_rows is not None else f.ms[1]
        if same > SCALE_TOLERANCE * f.ms[0] and same - f.ms[0] > 1:
            notes.append(f"time grows {same / f.ms[0]:.1f}x with rows")
        if f.status != 200:
            notes.append(f"HTTP {f.status}")
        p1 = "" if budget is None else verdict(small == big and big <= budget)
        print(
            f"{endpoint.name:<28}{small:>9}{big:>9}{budget or '':>8}  {p1:<6}"
            f"{f.ms[0]:>9.1f}{f.ms[1]:>9.1f}{'' if f.ms_same_rows is None else f'{f.ms_same_rows:.1f}':>11}"
            f"  {'; '.join(notes)}"
        )
    print(
        "(queries: SQL statements per request, BEGIN/COMMIT not counted; ms/req: median of 31, no network; "
        "big, same rows: the big workspace's list at the small one's page size, what 'time grows' compares)"
    )
    if args.show_queries:
        for endpoint in endpoints:
            if endpoint.name in figures:
                print(f"\n{endpoint.name} (big workspace):")
                for sql in figures[endpoint.name].sql:
                    print(f"  {sql[:160]}")


def print_goals(loaded, results, figures) -> None:
    print()
    print(
        f"Goals (quality.md P2, informational): cost per request ≤ the kind's multiple of the floor; "
        f"p99 ≤ {TAIL_GOAL}× p50; the same time at 10 as at N rows (within {SCALE_TOLERANCE}×)"
    )
    header = f"{'endpoint':<28}{'kind':<13}{'cost':>14}{'p99/p50':>14}{'N vs 10 rows':>16}  P2"
    print(header)
    print("-" * len(header))
    for endpoint in loaded:
        if endpoint.kind == FLOOR_KIND or endpoint.pair:
            continue
        r = results[endpoint.name]
        goal = GOALS[endpoint.kind]
        cost = cost_ratio(results, endpoint)
        c = r.client()
        tail = ratio(c[99], c[50])
        # "The same time at 10 as at N rows for the same page size": in process, the big
        # workspace's list at the small one's page size against the small one.
        figure = figures.get(endpoint.name)
        if figure is not None:
            same = figure.ms_same_rows if figure.ms_same_rows is not None else figure.ms[1]
            scale = ratio(same, figure.ms[0])
        else:
            scale = 1.0
        misses = [
            name
            for name, ok in (("cost", cost <= goal), ("p99", tail <= TAIL_GOAL), ("scale", scale <= SCALE_TOLERANCE))
            if not ok
        ]
        print(
            f"{endpoint.name:<28}{endpoint.kind:<13}{f'{cost:.1f}x ≤ {goal}':>14}{f'{tail:.1f} ≤ {TAIL_GOAL}':>14}"
            f"{f'{scale:.2f}x':>16}  {verdict(not misses)}{' ' + ','.join(misses) if misses else ''}"
        )


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 workspaces, 1 s warm-up, 3 s measure")
    parser.add_argument("--sqlite", action="store_true", help="temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--workspaces", type=int, default=None, help="workspaces of --ces CEs each (default 10)")
    parser.add_argument("--ces", type=int, default=1000, help="compute environments per workspace (default 1000)")
    parser.add_argument(
        "--runs", type=int, default=None, help="runs in the first workspace (default 10,000; --quick 2,000)"
    )
    parser.add_argument("--tasks", type=int, default=None, help="Nextflow tasks of those runs (default 10 per run)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 2)")
    parser.add_argument("--duration", type=float, default=None, help="measured seconds per endpoint (default 10)")
    parser.add_argument(
        "--only", default="", help="comma-separated endpoint names to load (default: all; floors always)"
    )
    parser.add_argument("--python-load", action="store_true", help="the Python load loop even when wrk is installed")
    parser.add_argument("--wrk", action="store_true", help=argparse.SUPPRESS)  # the default now, kept for old commands
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of each endpoint's request")
    args = parser.parse_args(argv)
    args.workspaces = args.workspaces or (2 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.runs = args.runs if args.runs is not None else (2_000 if args.quick else 10_000)
    args.tasks = args.tasks if args.tasks is not None else 10 * args.runs
    return args


def seed_world(*, workspaces: int, ces: int, runs: int, tasks: int):
    """`seed` (with the small workspace) and the runs and tasks of the first and the small
    workspace (`data.runs`, by workspace id); prints what it made and how long it took."""
    began = time.perf_counter()
    data = seed(workspaces=workspaces, compute_envs=ces, extra={SMALL: 10})
    print(f"Seeded {data.counts} in {time.perf_counter() - began:.1f} s")
    big_id, small_id = data.workspace_ids[0], data.workspace_ids[-1]
    data.runs = {
        big_id: seed_runs(workspace_id=big_id, user_id=data.user_id, runs=runs, tasks=tasks),
        small_id: seed_runs(workspace_id=small_id, user_id=data.user_id, runs=SMALL_RUNS, tasks=SMALL_TASKS),
    }
    for ws_id, made in data.runs.items():
        print(
            f"Seeded {data.workspace_names[data.workspace_ids.index(ws_id)]}: {made.counts} in {made.seconds:.1f} s "
            f"({made.method}; {made.counts['tasks'] / max(made.seconds, 1e-9):,.0f} tasks/s with the rest)"
        )
    return data


def build_endpoints(data, big_ws: tuple[int, str], small_ws: tuple[int, str]) -> list[Endpoint]:
    from bench.urls import FLOOR_PATH

    def ws_path(name, tail):
        return f"/orgs/{ORG_NAME}/workspaces/{name}/{tail}"

    def ce(ws_id):
        return data.compute_env_ids[ws_id][len(data.compute_env_ids[ws_id]) // 2 | 1]  # odd index: Forge

    (big_id, big), (small_id, small) = big_ws, small_ws
    ce_list, ce_list_small = ws_path(big, "compute-envs/"), ws_path(small, "compute-envs/")
    api_ces, api_ces_small = f"/api/compute-envs?workspaceId={big_id}", f"/api/compute-envs?workspaceId={small_id}"
    return [
        Endpoint(FLOOR, FLOOR_KIND, False, FLOOR_PATH, FLOOR_PATH, anonymous=True),
        Endpoint("floor + session", FLOOR_KIND, False, FLOOR_PATH, FLOOR_PATH),
        Endpoint("ce-list.html", "html-list", False, ce_list, ce_list_small, same_rows=PAGE10),
        Endpoint("ce-list.html (10 CEs)", "html-list", False, ce_list_small, ce_list_small, True, "ce-list.html"),
        Endpoint(
            "ce-detail.html",
            "html-detail",
            False,
            ws_path(big, f"compute-envs/{ce(big_id)}/"),
            ws_path(small, f"compute-envs/{ce(small_id)}/"),
        ),
        Endpoint("credentials.html", "html-list", False, ws_path(big, "credentials/"), ws_path(small, "credentials/")),
        Endpoint("api/compute-envs", "api-list", True, api_ces, api_ces_small, same_rows=API10),
        Endpoint("api/compute-envs (10 CEs)", "api-list", True, api_ces_small, api_ces_small, True, "api/compute-envs"),
        Endpoint(
            "api/compute-envs/{id}",
            "api-detail",
            True,
            f"/api/compute-envs/{ce(big_id)}?workspaceId={big_id}",
            f"/api/compute-envs/{ce(small_id)}?workspaceId={small_id}",
        ),
        Endpoint(
            "api/credentials",
            "api-list",
            True,
            f"/api/credentials?workspaceId={big_id}",
            f"/api/credentials?workspaceId={small_id}",
        ),
        Endpoint(
            "api/labels", "api-list", True, f"/api/labels?workspaceId={big_id}", f"/api/labels?workspaceId={small_id}"
        ),
        *run_endpoints(data, big_ws, small_ws),
    ]


def run_endpoints(data, big_ws: tuple[int, str], small_ws: tuple[int, str]) -> list[Endpoint]:
    """The pipelines and runs pages and API over the seeded runs (`seed_world`): the run list, the
    newest run (RUNNING, the most tasks) with its task table and its API, the pipelines list.
    The log pane is measured on a SUBMITTED run: no seeded run has a CloudWatch log stream (the
    bench has no AWS), so the pane answers "not started yet" without calling AWS (an AWS call
    from here would wait on the network); `bench/runs.py` measures CloudWatch reads on moto."""
    (big_id, big), (small_id, small) = big_ws, small_ws
    sizes = ((big_id, big, data.runs[big_id]), (small_id, small, data.runs[small_id]))

    def page(tail) -> tuple[str, str]:
        return tuple(f"/orgs/{ORG_NAME}/workspaces/{name}/{tail(made)}" for _, name, made in sizes)

    def api(tail) -> tuple[str, str]:
        return tuple(f"/api/{tail(made)}?workspaceId={ws_id}" for ws_id, _, made in sizes)

    run_list, pipelines = page(lambda made: "runs/"), page(lambda made: "pipelines/")
    run_tasks = page(lambda made: f"runs/{made.big_run_id}/trace/")
    api_runs, api_tasks = api(lambda made: "workflow"), api(lambda made: f"workflow/{made.big_run_id}/tasks")
    return [
        Endpoint("run-list.html", "html-list", False, *run_list, same_rows=PAGE10),
        Endpoint("run-list.html (10 runs)", "html-list", False, run_list[1], run_list[1], True, "run-list.html"),
        Endpoint("run-detail.html", "html-detail", False, *page(lambda made: f"runs/{made.big_run_id}/")),
        Endpoint("run-tasks.html", "html-list", False, *run_tasks),  # 50 rows in both
        Endpoint("run-tasks.html (50 tasks)", "html-list", False, run_tasks[1], run_tasks[1], True, "run-tasks.html"),
        Endpoint("run-log.html", "html-detail", False, *page(lambda made: f"runs/{made.run_with('SUBMITTED')}/log/")),
        Endpoint("pipelines.html", "html-list", False, *pipelines, same_rows=PAGE10),
        Endpoint("pipelines.html (10)", "html-list", False, pipelines[1], pipelines[1], True, "pipelines.html"),
        Endpoint("api/workflow", "api-list", True, *api_runs, same_rows=API10),
        Endpoint("api/workflow (10 runs)", "api-list", True, api_runs[1], api_runs[1], True, "api/workflow"),
        Endpoint("api/workflow/{id}", "api-detail", True, *api(lambda made: f"workflow/{made.big_run_id}")),
        Endpoint("api/workflow/{id}/tasks", "api-list", True, *api_tasks, same_rows=API10),
        Endpoint(
            "api/workflow/{id}/tasks (10)",
            "api-list",
            True,
            api_tasks[1],
            api_tasks[1],
            True,
            "api/workflow/{id}/tasks",
        ),
    ]


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    print(f"bench/pages.py — {_env.machine_line()}")
    wrk = None if args.python_load else shutil.which("wrk")
    if wrk is None and not args.python_load:
        print(
            "NOTE: wrk is not installed, so the load generator is Python (a lower bound on every figure): "
            "install it with `apt-get install wrk` (`make test` does as root)."
        )
    db = _env.BenchDatabase(sqlite=args.sqlite)
    server = None
    try:
        db.open()
        env = _env.production_env(db.url, str(db.tmpdir / "static"))
        _env.setup_django(env)
        from django.core.management import call_command

        from workspaces import services

        call_command("collectstatic", interactive=False, verbosity=0)
        print(f"Database: {db.label}")
        data = seed_world(workspaces=args.workspaces, ces=args.ces, runs=args.runs, tasks=args.tasks)
        data.label = db.label
        _, bearer = services.create_api_token(user=_user(data.user_id), name="bench")
        _env.close_connections()

        endpoints = build_endpoints(
            data,
            (data.workspace_ids[0], data.workspace_names[0]),
            (data.workspace_ids[-1], data.workspace_names[-1]),
        )
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        loaded = [e for e in endpoints if not wanted or e.name in wanted or e.kind == FLOOR_KIND]

        port = free_port()
        server, access_log = start_gunicorn(env, port, db.tmpdir)
        SERVER["pid"] = server.pid
        cookie = login(port)
        results, sizes, rss = {}, {}, {}

        def headers_for(endpoint):
            if endpoint.anonymous:
                return {}
            return {"Authorization": f"Bearer {bearer}"} if endpoint.api else {"Cookie": cookie}

        for endpoint in loaded:  # one request each (both workers' first requests load every module)
            for _ in range(4):
                status, body = fetch(port, endpoint.path, headers_for(endpoint))
            sizes[endpoint.name] = len(body)
            if status != 200:
                print(f"  {endpoint.name}: HTTP {status} for {endpoint.path} — measured anyway")
        workers = worker_pids(server.pid)
        rss["warm"] = rss_mb(workers)
        for endpoint in loaded:
            print(f"  loading {endpoint.name} ({sizes[endpoint.name] / 1024:.1f} KB per response) …", flush=True)
            common = {
                "concurrency": args.concurrency,
                "warmup": args.warmup,
                "duration": args.duration,
                "log": access_log,
            }
            if wrk:
                results[endpoint.name] = load_wrk(wrk, port, endpoint.path, headers_for(endpoint), **common)
            else:
                results[endpoint.name] = load(port, endpoint.path, headers_for(endpoint), **common)
            if endpoint.name == loaded[len(loaded) // 2].name:
                rss["half-way"] = rss_mb(workers)
        rss["end"] = rss_mb(workers)
        # Memory that a first pass leaves (caches filled, arenas grown) is not a leak: a second,
        # shorter pass over every endpoint tells whether a worker keeps growing.
        print("  second pass over every endpoint (RSS) …", flush=True)
        again = {"concurrency": args.concurrency, "warmup": 0, "duration": min(args.duration, 2.0), "log": access_log}
        for endpoint in loaded:
            if wrk:
                load_wrk(wrk, port, endpoint.path, headers_for(endpoint), **again)
            else:
                load(port, endpoint.path, headers_for(endpoint), **again)
        rss["second pass"] = rss_mb(workers)
        if worker_pids(server.pid) != workers:
            print("NOTE: gunicorn replaced a worker during the run; RSS figures are not comparable.")
        stop_gunicorn(server)

        figures = in_process(endpoints, data.user_id, bearer)
        print_load(args, data, loaded, results, sizes)
        print_rss(rss)
        print_in_process(args, endpoints, figures, ces_small=10)
        print_goals(loaded, results, figures)
        if len(loaded) < len(endpoints):
            print("(query counts cover every endpoint; load only --only and the floors)")
    finally:
        stop_gunicorn(server)
        _env.close_connections()
        db.close()
    print(f"\nDone in {time.monotonic() - started:.0f} s ({_env.machine_line()}); gunicorn stopped, database dropped.")


def _user(pk: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


if __name__ == "__main__":
    main()
