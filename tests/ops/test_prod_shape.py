"""The production shape as `make prod` starts it (scripts/prod.py -> honcho -> Procfile): gunicorn
with 2 workers, `rundramatiq` with 2 processes, the scheduler and moto in server mode, against the
PostgreSQL test database and a Redis of its own on a free port, with the production settings
(DEBUG off, JSON logs). The test waits for readiness, makes a few requests, reads /metrics with
and without the token, then stops honcho with SIGTERM and finds none of its processes left.

Slow (tens of seconds: migrate, collectstatic, five processes). Prints the start time of the
shape and the latency of a readiness request.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the shape runs on the PostgreSQL test database"),
]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-the-shape-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def answers(url: str) -> int | None:
    try:
        return get(url, timeout=2)[0]
    except OSError:
        return None


def descendants(pid: int) -> set[int]:
    """Every live process under `pid` (from /proc), so a stop can prove none is left."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def metric(body: str, name: str, **labels) -> float | None:
    total = None
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                total = (total or 0) + found.value
    return total


@pytest.fixture
def redis_port(tmp_path):
    port = free_port()
    redis = subprocess.Popen(  # noqa: S603
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while answers(f"http://127.0.0.1:{port}/") is None and time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield port
    finally:
        redis.terminate()
        redis.wait(timeout=10)


def test_the_production_shape_starts_answers_and_stops_cleanly(redis_port, tmp_path):
    db = connection.settings_dict
    web_port, aws_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "DRAMATIQ_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DRAMATIQ_NAMESPACE": "shape",
        "PORT": str(web_port),
        "WEB_CONCURRENCY": "2",
        "DRAMATIQ_PROCESSES": "2",
        "DRAMATIQ_THREADS": "2",
        "SANDBOX_AWS": "1",
        "SANDBOX_AWS_PORT": str(aws_port),
        "SECRET_KEY": "shape-test-secret-key-" + "x" * 40,
        "CREDENTIALS_KEYS": "shape1:" + "B" * 43,
        "METRICS_TOKEN": TOKEN,
        "METRICS_ALLOWED_IPS": "",
        "WORK_DISPATCH_SECONDS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    base = f"http://127.0.0.1:{web_port}"
    log = (tmp_path / "shape.log").open("w")
    started = time.monotonic()
    shape = subprocess.Popen(  # noqa: S603
        [sys.executable, "scripts/prod.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes: set[int] = set()
    try:
        ready_after = None
        while time.monotonic() - started < 120:
            assert shape.poll() is None, (tmp_path / "shape.log").read_text()[-4000:]
            if answers(f"{base}/health/ready") == 200:
                ready_after = time.monotonic() - started
                break
            time.sleep(0.5)
        assert ready_after is not None, (tmp_path / "shape.log").read_text()[-4000:]
        processes = descendants(shape.pid)

        probe = time.monotonic()
        status, body = get(f"{base}/health/ready")
        latency_ms = (time.monotonic() - probe) * 1000
        assert status == 200
        assert json.loads(body)["checks"] == {"database": "ok", "broker": "ok", "key_ring": "ok", "scheduler": "ok"}
        assert get(f"{base}/health/live")[0] == 200

        status, body = get(f"{base}/accounts/login/")
        assert status == 200 and b"<form" in body
        status, body = get(f"{base}/api/service-info")
        assert status == 200 and "serviceInfo" in json.loads(body)
        assert answers(f"http://127.0.0.1:{aws_port}/") is not None, "the moto server does not answer"

        assert get(f"{base}/metrics")[0] == 403
        assert get(f"{base}/metrics", {"Authorization": "Bearer wrong"})[0] == 403

        # The dispatcher runs every 2 s on the workers: Dramatiq's middleware counts it per actor.
        deadline, scraped = time.monotonic() + 30, ""
        while time.monotonic() < deadline:
            status, raw = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
            assert status == 200
            scraped = raw.decode()
            if metric(scraped, "dramatiq_messages_total", actor_name="dispatch"):
                break
            time.sleep(1)
        assert metric(scraped, "dramatiq_messages_total", actor_name="dispatch"), scraped[:2000]
        assert metric(scraped, "django_http_requests_total_by_view_transport_method_total", view="login") >= 1
        assert metric(scraped, "seqera_compute_envs", status="AVAILABLE") == 0

        # JSON logs from the web, with the request id.
        lines = [line.split("| ", 1)[1] for line in (tmp_path / "shape.log").read_text().splitlines() if "| {" in line]
        requests = [json.loads(line) for line in lines if '"seqera.request"' in line]
        assert any(entry["view"] == "login" and entry["status"] == 200 and entry["request_id"] for entry in requests)
        print(
            f"\n  production shape: ready after {ready_after:.1f} s (migrate, collectstatic, 5 processes); readiness request {latency_ms:.0f} ms"
        )
    finally:
        stop = time.monotonic()
        shape.send_signal(signal.SIGTERM)  # as an operator or a service manager stops it
        try:
            shape.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shape.pid, signal.SIGKILL)
            shape.wait(timeout=10)
            pytest.fail("honcho did not stop within 40 s of SIGTERM")
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in processes if alive(pid)]
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()
        print(f"  stopped in {time.monotonic() - stop:.1f} s")
    assert not left, f"processes left running after the stop: {left}"
