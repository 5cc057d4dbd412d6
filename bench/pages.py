"""Page and API benchmark: gunicorn (2 sync workers) + a dedicated database, bounded load loops
from a thread pool over keep-alive connections, and per-request query counts at 10 and N CEs.

Prints figures only (goals P1/P2 of quality.md are reported as PASS/MISS, informational); it
never fails on a number. Loopback only, bounded duration; gunicorn is stopped and the database
dropped at the end, also after an error or Ctrl-C.

    .venv/bin/python bench/pages.py            # PostgreSQL seqera_bench on 127.0.0.1, 2 s + 10 s per endpoint
    .venv/bin/python bench/pages.py --quick    # smaller data set, 1 s + 3 s per endpoint
    .venv/bin/python bench/pages.py --sqlite   # no PostgreSQL needed
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
from bench.seed import BENCH_PASSWORD, BENCH_USER, ORG_NAME, seed  # noqa: E402

HOST = "127.0.0.1"
SMALL = "small"  # the extra workspace with few CEs, for the query-count comparison

# (kind, p50 ms max, p99 ms max, req/s min) — quality.md P2 (2 cores, 2 sync workers, c=4).
GOALS = {
    "html-list": (25, 100, 150),
    "api-list": (15, 60, 250),
    "detail": (10, 40, 600),
}
QUERY_BUDGET = {"html-list": 10, "api-list": 10, "detail": 15}  # quality.md P1


@dataclass
class Endpoint:
    name: str
    kind: str  # html-list, api-list, detail
    api: bool
    path: str  # for the big workspace
    small_path: str  # same route in the small workspace


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
    log_from = log.stat().st_size
    cpu_from, wall_from = time.process_time(), time.perf_counter()
    server_pids = worker_pids(SERVER["pid"])
    server_from = cpu_seconds(server_pids)
    time.sleep(max(0.0, end - time.perf_counter()))
    wall = time.perf_counter() - wall_from
    result.loadgen_cpu = (time.process_time() - cpu_from) / wall
    result.server_cpu = (cpu_seconds(server_pids) - server_from) / wall
    log_to = log.stat().st_size
    for thread in threads:
        thread.join(timeout=35)
    result.requests = len(result.latencies)
    result.seconds = duration
    with log.open("rb") as handle:
        handle.seek(log_from)
        for line in handle.read(log_to - log_from).decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2].isdigit():
                result.server_ms.append(int(parts[2]) / 1000)
    result.server_ms.sort()
    return result


def load_wrk(port: int, path: str, headers: dict[str, str], *, concurrency: int, duration: float) -> LoadResult | None:
    """The same measurement with wrk (if installed): 1 thread, `concurrency` connections."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    argv = [wrk, "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--latency"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    output = subprocess.run([*argv, f"http://{HOST}:{port}{path}"], capture_output=True, text=True, check=False).stdout  # noqa: S603

    def ms(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    result = LoadResult(tool="wrk", seconds=duration)
    if match := re.search(r"(\d+) requests in", output):
        result.requests = int(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        result.seconds = result.requests / float(match.group(1)) if float(match.group(1)) else duration
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
    result.wrk_percentiles = {int(k): ms(v) for k, v in percentiles.items()}
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        result.errors = int(match.group(1))
    return result


SERVER: dict[str, int] = {}


# --------------------------------------------------------------------------- query counts
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class InProcess:
    queries: tuple[int, int]  # small workspace, big workspace
    ms: tuple[float, float]  # median in-process time per request, concurrency 1
    status: int
    sql: list[str]


def in_process(endpoints: list[Endpoint], user_id: int, bearer: str, repeat: int = 15) -> dict[str, InProcess]:
    """Per endpoint, through the test Client (as the load test: session cookie for pages, Bearer
    token only for the API): SQL statements of one request (transaction control not counted; the
    first request warms per-process caches) and the median time of `repeat` requests."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    pages = Client(HTTP_HOST=HOST)
    pages.force_login(get_user_model().objects.get(pk=user_id))
    api = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {bearer}")
    figures = {}
    for endpoint in endpoints:
        client = api if endpoint.api else pages
        queries, times = [], []
        for path in (endpoint.small_path, endpoint.path):
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
            queries.append(len(sql))
            samples = []
            for _ in range(repeat):
                began = time.perf_counter()
                client.get(path)
                samples.append(time.perf_counter() - began)
            times.append(sorted(samples)[len(samples) // 2] * 1000)
        figures[endpoint.name] = InProcess(tuple(queries), tuple(times), response.status_code, sql)
    return figures


# --------------------------------------------------------------------------- report
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def print_report(args, data, loaded, endpoints, results, figures, ces_small: int) -> None:
    print()
    print(
        f"Load: concurrency {args.concurrency}, {args.warmup:g} s warm-up, {args.duration:g} s measure per endpoint; "
        f"gunicorn 2 sync workers; {data.label}"
    )
    header = (
        f"{'endpoint':<22}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'srv p50':>9}{'srv p99':>9}{'KB/resp':>9}{'errors':>8}{'srv CPU':>9}{'gen CPU':>9}"
    )
    print(header)
    print("-" * len(header))
    for endpoint in loaded:
        r = results[endpoint.name]
        p = r.wrk_percentiles or {50: r.pct(0.5), 90: r.pct(0.9), 99: r.pct(0.99)}
        size = r.bytes / r.requests / 1024 if r.requests and r.bytes else 0
        print(
            f"{endpoint.name:<22}{r.requests:>9}{r.rate:>9.0f}{p[50]:>9.1f}{p[90]:>9.1f}{p[99]:>9.1f}"
            f"{_env.percentile(r.server_ms, 0.5):>9.1f}{_env.percentile(r.server_ms, 0.99):>9.1f}"
            f"{size:>9.1f}{r.errors:>8}{r.server_cpu:>8.0%} {r.loadgen_cpu:>8.0%}"
        )
    print(
        "(p50/p90/p99: client-side, Python load generator on the same 2 cores; srv p50/p99: gunicorn %(D)s, "
        "server-side; CPU: share of one core)"
    )

    print()
    print(f"In-process, concurrency 1 (test Client): {ces_small} vs {args.ces} compute environments in the workspace")
    header = f"{'endpoint':<22}{'queries':>9}{'queries':>9}{'budget':>8}  {'P1':<6}{'ms/req':>9}{'ms/req':>9}"
    print(
        f"{'':<22}{f'{ces_small} CEs':>9}{f'{args.ces} CEs':>9}{'':>8}  {'':<6}{f'{ces_small} CEs':>9}{f'{args.ces} CEs':>9}"
    )
    print(header)
    print("-" * len(header))
    for endpoint in endpoints:
        f = figures[endpoint.name]
        small, big = f.queries
        budget = QUERY_BUDGET[endpoint.kind]
        notes = [] if small == big else ["queries grow with CEs"]
        if f.ms[1] > 3 * f.ms[0] and f.ms[1] > 10:
            notes.append(f"time grows {f.ms[1] / f.ms[0]:.0f}x with CEs")
        if f.status != 200:
            notes.append(f"HTTP {f.status}")
        print(
            f"{endpoint.name:<22}{small:>9}{big:>9}{budget:>8}  {verdict(small == big and big <= budget):<6}"
            f"{f.ms[0]:>9.1f}{f.ms[1]:>9.1f}  {'; '.join(notes)}"
        )
    print("(queries: SQL statements per request, BEGIN/COMMIT not counted; ms/req: median of 15, no network)")
    if args.show_queries:
        for endpoint in endpoints:
            print(f"\n{endpoint.name} ({args.ces} CEs):")
            for sql in figures[endpoint.name].sql:
                print(f"  {sql[:160]}")

    print()
    print("Goals (quality.md P2, informational; client-side figures, lower bounds on this shared box)")
    header = f"{'endpoint':<22}{'goal':<34}{'measured':<34}  P2"
    print(header)
    print("-" * len(header))
    for endpoint in loaded:
        r = results[endpoint.name]
        p = r.wrk_percentiles or {50: r.pct(0.5), 99: r.pct(0.99)}
        p50_max, p99_max, rate_min = GOALS[endpoint.kind]
        goal = f"p50≤{p50_max} p99≤{p99_max} ≥{rate_min}/s"
        measured = f"p50 {p[50]:.1f} p99 {p[99]:.1f} {r.rate:.0f}/s"
        misses = [
            name
            for name, ok in (("p50", p[50] <= p50_max), ("p99", p[99] <= p99_max), ("req/s", r.rate >= rate_min))
            if not ok
        ]
        print(
            f"{endpoint.name:<22}{goal:<34}{measured:<34}  {verdict(not misses)}{' ' + ','.join(misses) if misses else ''}"
        )


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 workspaces, 1 s warm-up, 3 s measure")
    parser.add_argument("--sqlite", action="store_true", help="temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--workspaces", type=int, default=None, help="workspaces of --ces CEs each (default 10)")
    parser.add_argument("--ces", type=int, default=1000, help="compute environments per workspace (default 1000)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 2)")
    parser.add_argument("--duration", type=float, default=None, help="measured seconds per endpoint (default 10)")
    parser.add_argument("--only", default="", help="comma-separated endpoint names to load (default: all)")
    parser.add_argument("--wrk", action="store_true", help="use wrk for the load loop if it is installed")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of each endpoint's request")
    args = parser.parse_args(argv)
    args.workspaces = args.workspaces or (2 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    return args


def build_endpoints(data, big_ws: tuple[int, str], small_ws: tuple[int, str]) -> list[Endpoint]:
    def ws_path(name, tail):
        return f"/orgs/{ORG_NAME}/workspaces/{name}/{tail}"

    def ce(ws_id):
        return data.compute_env_ids[ws_id][len(data.compute_env_ids[ws_id]) // 2 | 1]  # odd index: Forge

    (big_id, big), (small_id, small) = big_ws, small_ws
    return [
        Endpoint("ce-list.html", "html-list", False, ws_path(big, "compute-envs/"), ws_path(small, "compute-envs/")),
        Endpoint(
            "ce-detail.html",
            "detail",
            False,
            ws_path(big, f"compute-envs/{ce(big_id)}/"),
            ws_path(small, f"compute-envs/{ce(small_id)}/"),
        ),
        Endpoint("credentials.html", "html-list", False, ws_path(big, "credentials/"), ws_path(small, "credentials/")),
        Endpoint(
            "api/compute-envs",
            "api-list",
            True,
            f"/api/compute-envs?workspaceId={big_id}",
            f"/api/compute-envs?workspaceId={small_id}",
        ),
        Endpoint(
            "api/compute-envs/{id}",
            "detail",
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
    ]


def main(argv=None) -> None:
    args = parse_args(argv)
    started = time.monotonic()
    print(f"bench/pages.py — {_env.machine_line()}")
    db = _env.BenchDatabase(sqlite=args.sqlite)
    server = None
    try:
        db.open()
        env = _env.production_env(db.url, str(db.tmpdir / "static"))
        _env.setup_django(env)
        from django.core.management import call_command

        from workspaces import services

        call_command("collectstatic", interactive=False, verbosity=0)
        t0 = time.perf_counter()
        data = seed(workspaces=args.workspaces, compute_envs=args.ces, extra={SMALL: 10})
        data.label = db.label
        _, bearer = services.create_api_token(user=_user(data.user_id), name="bench")
        print(f"Seeded {data.counts} in {time.perf_counter() - t0:.1f} s on {db.label}")
        _env.close_connections()

        endpoints = build_endpoints(
            data,
            (data.workspace_ids[0], data.workspace_names[0]),
            (data.workspace_ids[-1], data.workspace_names[-1]),
        )
        wanted = {name.strip() for name in args.only.split(",") if name.strip()}
        loaded = [e for e in endpoints if not wanted or e.name in wanted]

        port = free_port()
        server, access_log = start_gunicorn(env, port, db.tmpdir)
        SERVER["pid"] = server.pid
        cookie = login(port)
        results = {}
        for endpoint in loaded:
            headers = {"Authorization": f"Bearer {bearer}"} if endpoint.api else {"Cookie": cookie}
            status, body = fetch(port, endpoint.path, headers)
            if status != 200:
                print(f"  {endpoint.name}: HTTP {status} for {endpoint.path} — measured anyway")
            print(f"  loading {endpoint.name} ({len(body) / 1024:.1f} KB per response) …", flush=True)
            result = None
            if args.wrk:
                result = load_wrk(port, endpoint.path, headers, concurrency=args.concurrency, duration=args.duration)
            results[endpoint.name] = result or load(
                port,
                endpoint.path,
                headers,
                concurrency=args.concurrency,
                warmup=args.warmup,
                duration=args.duration,
                log=access_log,
            )
        stop_gunicorn(server)

        figures = in_process(endpoints, data.user_id, bearer)
        print_report(args, data, loaded, endpoints, results, figures, ces_small=10)
        if len(loaded) < len(endpoints):
            print("(query counts cover every endpoint; load only --only)")
    finally:
        stop_gunicorn(server)
        _env.close_connections()
        db.close()
    print(f"\nDone in {time.monotonic() - started:.0f} s; gunicorn stopped, database dropped.")


def _user(pk: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=pk)


if __name__ == "__main__":
    main()
