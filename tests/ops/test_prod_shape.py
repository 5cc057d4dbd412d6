"""The production shape as `make prod` starts it (scripts/prod.py -> honcho -> Procfile): gunicorn
with 2 workers, `rundramatiq` with 2 processes, the scheduler and moto in server mode, against the
PostgreSQL test database and a Redis of its own on a free port, with the production settings
(DEBUG off, JSON logs). The test waits for readiness, reads /metrics with and without the token,
then runs the API journey (credentials, a Batch Forge CE forged to AVAILABLE, deleted and
disposed) and the browser journey (sign in, create a Forge CE with the form, follow it to
AVAILABLE, delete it by typing its name; axe-core checks every page), scrapes /metrics before and
after and sees the journeys' counters move (requests per view, Dramatiq messages per actor, CEs
by status, AWS calls by service), then stops honcho with SIGTERM and finds none of its processes
left.

Slow (about a minute: migrate, collectstatic, five processes, two forges). Prints the start time
of the shape, the latency of a readiness request and the journeys' times. Without Chromium
(outside CI) the browser journey is left out and said so; with CI set it is required.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from computeenvs.models import ComputeEnv
from tests.e2e.conftest import CHROMIUM, PASSWORD, browser, new_page, require_chromium  # noqa: F401 (fixtures)
from tests.factories import ParticipantFactory
from workspaces import services
from workspaces.models import Credentials

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


def counts(body: str, name: str, label: str) -> dict[str, float]:
    """The samples `name` of a scrape summed by one label (e.g. requests by view)."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and label in sample.labels:
                found[sample.labels[label]] = found.get(sample.labels[label], 0) + sample.value
    return found


def moved(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: value - before.get(key, 0) for key, value in after.items() if value > before.get(key, 0)}


def scrape(base: str) -> str:
    status, raw = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return raw.decode()


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def call(base: str, token: str, workspace_id: int, method: str, path: str, body: dict | None = None):
    sep = "&" if "?" in path else "?"
    request = urllib.request.Request(  # noqa: S310
        f"{base}/api/{path}{sep}workspaceId={workspace_id}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, (json.loads(raw) if raw.startswith(b"{") else {})


def status_of(ce_id: str) -> str | None:
    return ComputeEnv.objects.filter(pk=ce_id).values_list("status", flat=True).first()


def settled(ce_id: str) -> str | None:
    status = status_of(ce_id)
    return status if status in (ComputeEnv.Status.AVAILABLE, ComputeEnv.Status.ERRORED) else None


FORGE_DOC = {"region": "us-east-1", "workDir": "s3://shape-work/scratch", "forge": {"type": "SPOT", "maxCpus": 16}}


def api_journey(base: str, token: str, workspace) -> tuple[str, str]:
    """Credentials, a Forge CE forged to AVAILABLE, deleted and disposed, all through the API.
    Returns the credentials id and a scrape taken while the CE was AVAILABLE."""
    keys = {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSHAPEKEY"}
    status, body = call(
        base,
        token,
        workspace.pk,
        "POST",
        "credentials",
        {"credentials": {"name": "shape-aws", "provider": "aws", "keys": keys}},
    )
    assert status == 200, body
    credentials_id = body["credentialsId"]
    wait_for(
        lambda: Credentials.objects.filter(pk=credentials_id, status=Credentials.Status.AVAILABLE).exists(),
        60,
        "the credentials to be validated by a worker",
    )
    status, body = call(
        base,
        token,
        workspace.pk,
        "POST",
        "compute-envs",
        {
            "computeEnv": {
                "name": "shape-api",
                "platform": "aws-batch",
                "credentialsId": credentials_id,
                "config": FORGE_DOC,
            }
        },
    )
    assert status == 200, body
    ce_id = body["computeEnvId"]
    wait_for(lambda: settled(ce_id), 90, "the API's forge")
    assert status_of(ce_id) == ComputeEnv.Status.AVAILABLE, ComputeEnv.objects.get(pk=ce_id).message
    status, body = call(base, token, workspace.pk, "GET", f"compute-envs/{ce_id}")
    assert status == 200 and body["computeEnv"]["status"] == "AVAILABLE", body
    during = scrape(base)
    assert call(base, token, workspace.pk, "GET", "compute-envs")[0] == 200
    assert call(base, token, workspace.pk, "DELETE", f"compute-envs/{ce_id}")[0] == 204
    wait_for(lambda: status_of(ce_id) is None, 90, "the API's dispose")
    assert call(base, token, workspace.pk, "GET", f"compute-envs/{ce_id}")[0] == 404
    return credentials_id, during


def browser_journey(open_page, base: str, credentials) -> None:
    """Sign in, create a Forge CE with the form, follow it to AVAILABLE, delete it by its name."""
    from playwright.sync_api import expect

    from tests.helpers.browser import new_ce_form

    page = open_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("User name").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    new_ce_form(
        page,
        type("Server", (), {"url": base}),
        mode="forge",
        name="shape-browser",
        credentials=credentials,
        region="us-east-1",
        work_dir="s3://shape-work/browser",
    )
    page.locator('[name="forge.maxCpus"]').fill("16")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#ce-status")).to_have_text("AVAILABLE", timeout=90_000)
    ce = ComputeEnv.objects.get(name="shape-browser")
    page.get_by_role("link", name="Delete").click()
    page.locator('[name="confirm_name"]').fill("shape-browser")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("is being deleted")).to_be_visible()
    wait_for(lambda: status_of(ce.pk) is None, 90, "the browser's dispose")


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


def test_the_production_shape_starts_answers_runs_the_journeys_and_stops_cleanly(redis_port, tmp_path, request):
    participant = ParticipantFactory(
        role="admin", user__username="maria", workspace__name="lab", workspace__org__name="acme"
    )
    hasher = PBKDF2PasswordHasher()  # the shape's settings, not the tests' fast hasher
    participant.user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    participant.user.save(update_fields=["password"])
    workspace = participant.workspace
    _, token = services.create_api_token(user=participant.user, name="shape")
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
        status, body = get(f"http://127.0.0.1:{aws_port}/moto-api/config")
        assert status < 300 and json.loads(body)["batch"]["use_docker"] is False  # jobs run without Docker

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

        # The journeys, with /metrics scraped before and after.
        before = scrape(base)
        started_api = time.monotonic()
        credentials_id, during = api_journey(base, token, workspace)
        api_seconds = time.monotonic() - started_api
        assert metric(during, "seqera_compute_envs", status="AVAILABLE") == 1
        browsed = bool(CHROMIUM.exists() or os.environ.get("CI"))
        started_browser = time.monotonic()
        if browsed:
            require_chromium()
            browser_journey(request.getfixturevalue("new_page"), base, Credentials.objects.get(pk=credentials_id))
        browser_seconds = time.monotonic() - started_browser
        after = wait_for(
            lambda: (
                (body := scrape(base))
                and counts(body, "dramatiq_messages_total", "actor_name").get("dispose_compute_env", 0)
                >= counts(before, "dramatiq_messages_total", "actor_name").get("dispose_compute_env", 0) + 1 + browsed
                and body
            ),
            30,
            "the workers' counters of the journeys in /metrics",
        )
        views = moved(
            counts(before, "django_http_requests_total_by_view_transport_method_total", "view"),
            counts(after, "django_http_requests_total_by_view_transport_method_total", "view"),
        )
        assert {"api-credentials-list", "api-compute-envs", "api-compute-env"} <= set(views), views
        actors = moved(
            counts(before, "dramatiq_messages_total", "actor_name"),
            counts(after, "dramatiq_messages_total", "actor_name"),
        )
        journeys = 1 + browsed
        assert actors.get("validate_credentials", 0) >= 1, actors
        assert actors.get("forge_compute_env", 0) >= journeys and actors.get("dispose_compute_env", 0) >= journeys
        calls = moved(
            counts(before, "seqera_aws_calls_total", "service"), counts(after, "seqera_aws_calls_total", "service")
        )
        assert {"sts", "iam", "ec2", "batch"} <= set(calls), calls
        assert metric(after, "seqera_compute_envs", status="AVAILABLE") == 0  # both disposed
        if browsed:
            assert any(view.startswith("computeenvs:") for view in views), views
        else:
            print("\n  browser journey left out: no Chromium at /usr/bin/chromium (CI requires it)")  # noqa: T201

        # JSON logs from the web, with the request id.
        lines = [line.split("| ", 1)[1] for line in (tmp_path / "shape.log").read_text().splitlines() if "| {" in line]
        requests = [json.loads(line) for line in lines if '"seqera.request"' in line]
        assert any(entry["view"] == "login" and entry["status"] == 200 and entry["request_id"] for entry in requests)
        print(
            f"\n  journeys: API {api_seconds:.1f} s, browser {browser_seconds:.1f} s; AWS calls {sum(calls.values()):.0f} "
            f"({', '.join(f'{k} {v:.0f}' for k, v in sorted(calls.items()))}); messages {sum(actors.values()):.0f}"
        )
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
