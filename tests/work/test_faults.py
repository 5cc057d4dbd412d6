"""Fault tests of issue 7, in production shape: gunicorn (web), `manage.py rundramatiq` (worker)
and `manage.py crontab` (scheduler) as separate processes, a Redis of their own on a free port,
moto in server mode, and the test database on PostgreSQL.

Each test breaks one thing (the broker, a worker, AWS, the database connection), asserts that
every object ends in a final state with nothing lost or duplicated, and prints the time from the
recovery to the final state (the figures of the closing note). Slow (seconds each), run in CI
with short lease/dispatch timings; `FAULT_PRODUCTION_TIMINGS=1` runs them with the defaults.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from computeenvs.models import ComputeEnv
from seqera.models import WorkItem
from tests.factories import ParticipantFactory
from tests.helpers.documents import manual_doc
from workspaces import services
from workspaces.models import Credentials

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes share the PostgreSQL test database"),
]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FINAL_CREDENTIALS = {Credentials.Status.AVAILABLE, Credentials.Status.INVALID}
FINAL_CE = {ComputeEnv.Status.AVAILABLE, ComputeEnv.Status.INVALID, ComputeEnv.Status.ERRORED}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


class Process:
    """A subprocess in its own process group (so a kill reaches its children), logging to a file."""

    def __init__(self, name: str, args: list[str], env: dict, logs: Path):
        self.name, self.log = name, logs / f"{name}-{time.monotonic_ns()}.log"
        self._out = self.log.open("w")
        self.popen = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def send(self, sig) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout: float = 15) -> None:
        self.send(sig)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.popen.wait(timeout=5)
        self._out.close()

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""


class HangingServer:
    """Accepts TCP connections and never answers (an AWS endpoint that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.endpoint = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class Stack:
    def __init__(self, tmp_path: Path):
        from moto.server import ThreadedMotoServer

        self.logs = tmp_path
        self.processes: list[Process] = []
        self.redis_port = free_port()
        self.redis: Process | None = None
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        host, port = self.moto.get_host_and_port()
        self.aws_endpoint = f"http://{host}:{port}"
        self.web_port = free_port()
        db = connection.settings_dict
        self.database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        self.token = ""
        self.workspace = None

    # ----------------------------------------------------------------- processes
    def env(self, role: str, **overrides) -> dict:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "seqera.test_settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "CREDENTIALS_KEYS": settings.CREDENTIALS_KEYS,
            "DATABASE_URL": f"{self.database_url}?application_name=fault-{role}",
            "CONN_MAX_AGE": "60",
            "DRAMATIQ_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DRAMATIQ_NAMESPACE": "fault",
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_MAX_ATTEMPTS": "1",
            # Short timings keep CI fast; FAULT_PRODUCTION_TIMINGS=1 measures with the defaults.
            **(
                {}
                if os.environ.get("FAULT_PRODUCTION_TIMINGS")
                else {"WORK_LEASE_SECONDS": "4", "WORK_DISPATCH_SECONDS": "1", "WORK_RESEND_AFTER_SECONDS": "5"}
            ),
            "LOG_LEVEL": "INFO",
        }
        env.update(overrides)
        return env

    def start(self, name: str, args: list[str], **env) -> Process:
        process = Process(name, args, self.env(name, **env), self.logs)
        self.processes.append(process)
        return process

    def start_redis(self) -> Process:
        self.redis = self.start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for(self._redis_answers, 10, "redis")
        return self.redis

    def stop_redis(self) -> None:
        self.redis.stop(signal.SIGKILL)  # as a crash: no persistence, queued messages are gone
        wait_for(lambda: not self._redis_answers(), 10, "redis to stop")

    def _redis_answers(self) -> bool:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            return probe.connect_ex(("127.0.0.1", self.redis_port)) == 0

    def start_web(self) -> Process:
        web = self.start(
            "web",
            [sys.executable, "-m", "gunicorn", "seqera.wsgi", "--bind", f"127.0.0.1:{self.web_port}"]
            + ["--workers", "1", "--threads", "4", "--timeout", "60"],
        )
        wait_for(lambda: self._web_answers(web), 30, "gunicorn")
        return web

    def _web_answers(self, web: Process) -> bool:
        if web.popen.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{web.tail()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/api/", timeout=2)  # noqa: S310
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def start_worker(self, **env) -> Process:
        return self.start(
            "worker",
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2", "--skip-checks"],
            **env,
        )

    def start_scheduler(self) -> Process:
        return self.start("scheduler", [sys.executable, "manage.py", "crontab", "--no-heartbeat"])

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.moto.stop()

    # ----------------------------------------------------------------- the API, as a client
    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        sep = "&" if "?" in path else "?"
        url = f"http://127.0.0.1:{self.web_port}/api/{path}{sep}workspaceId={self.workspace.pk}"
        request = urllib.request.Request(  # noqa: S310
            url,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, headers = error.read(), error.code, dict(error.headers)
        return status, (json.loads(raw) if raw and raw.startswith(b"{") else {"raw": raw.decode()[:500]}), headers

    def create_credentials(self, name: str) -> str:
        status, body, _ = self.api(
            "POST",
            "credentials",
            {
                "credentials": {
                    "name": name,
                    "provider": "aws",
                    "keys": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": SECRET},
                }
            },
        )
        assert status == 200, body
        return body["credentialsId"]


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    participant = ParticipantFactory(role="admin")
    stack.workspace = participant.workspace
    _, stack.token = services.create_api_token(user=participant.user, name="faults")
    try:
        yield stack
    finally:
        stack.close()


def final_credentials(ids) -> bool:
    statuses = dict(Credentials.objects.filter(pk__in=ids).values_list("pk", "status"))
    return len(statuses) == len(ids) and set(statuses.values()) <= FINAL_CREDENTIALS


def all_work_finished() -> bool:
    return not WorkItem.objects.filter(state__in=[WorkItem.State.PENDING, WorkItem.State.RUNNING]).exists()


def assert_nothing_lost_or_duplicated(names: list[str], workspace) -> None:
    credentials = Credentials.objects.filter(workspace=workspace)
    assert sorted(credentials.values_list("name", flat=True)) == sorted(names)
    keys = [f"credentials.validate:{pk}" for pk in credentials.values_list("pk", flat=True)]
    for item in WorkItem.objects.filter(key__in=keys):
        assert item.state in (WorkItem.State.DONE, WorkItem.State.GAVE_UP), (item, item.attempts, item.last_error)


def report(what: str, seconds: float) -> None:
    print(f"\n[fault figures] {what}: {seconds:.1f} s")  # noqa: T201


def test_broker_stopped_and_restarted_loses_nothing(stack):
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.start_scheduler()
    before = stack.create_credentials("before-outage")
    wait_for(lambda: final_credentials([before]), 60, "validation with the broker up")

    stack.stop_redis()
    names = [f"during-outage-{i}" for i in range(3)]
    during = [stack.create_credentials(name) for name in names]  # 200, never a 500 with a saved row
    status, body, _ = stack.api(
        "POST",
        "compute-envs",
        {"computeEnv": {"name": "manual", "platform": "aws-batch", "credentialsId": before, "config": manual_doc()}},
    )
    assert status == 200, body
    ce_id = body["computeEnvId"]
    status, _, _ = stack.api("POST", f"credentials/{before}/validate")
    assert status == 202
    for credentials_id in during:
        creds = Credentials.objects.get(pk=credentials_id)
        assert creds.status == "" and "pending" in creds.message.lower()

    recovered = time.monotonic()
    stack.start_redis()  # empty: whatever was queued before is gone too
    wait_for(lambda: final_credentials([before, *during]), 150, "every credential to reach a final state")
    wait_for(lambda: ComputeEnv.objects.get(pk=ce_id).status in FINAL_CE, 150, "the CE to reach a final state")
    wait_for(all_work_finished, 150, "the re-validation asked for during the outage")
    report("broker restarted -> every object final", time.monotonic() - recovered)

    assert set(Credentials.objects.filter(pk__in=during).values_list("status", flat=True)) == {"AVAILABLE"}
    assert_nothing_lost_or_duplicated(["before-outage", *names], stack.workspace)
    assert WorkItem.objects.get(key=f"credentials.validate:{during[0]}").attempts == 1  # ran once


def test_a_killed_worker_is_taken_over_by_a_new_one(stack):
    """The first worker hangs on AWS and is SIGKILLed mid-actor; a new worker finishes the work."""
    hanging = HangingServer()
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_scheduler()
        first = stack.start_worker(AWS_ENDPOINT_URL=hanging.endpoint, AWS_READ_TIMEOUT="120")
        names = ["killed-1", "killed-2"]
        ids = [stack.create_credentials(name) for name in names]
        wait_for(
            lambda: WorkItem.objects.filter(state=WorkItem.State.RUNNING).count() == 2, 60, "both validations running"
        )
        first.stop(signal.SIGKILL)
        killed = time.monotonic()
        stack.start_worker()  # talks to the working AWS endpoint
        wait_for(lambda: final_credentials(ids), 120, "the new worker to finish the work")
        report("worker SIGKILLed -> new worker finished", time.monotonic() - killed)
    finally:
        hanging.close()
    assert set(Credentials.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"AVAILABLE"}
    assert_nothing_lost_or_duplicated(names, stack.workspace)
    for item in WorkItem.objects.filter(key__in=[f"credentials.validate:{pk}" for pk in ids]):
        assert item.attempts == 2, item  # one killed attempt, one that finished: never run twice at once


def test_aws_hanging_past_the_timeouts_ends_in_a_final_state(stack):
    hanging = HangingServer()
    try:
        stack.start_redis()
        stack.start_web()
        stack.start_scheduler()
        stack.start_worker(AWS_ENDPOINT_URL=hanging.endpoint, AWS_READ_TIMEOUT="2", AWS_CONNECT_TIMEOUT="2")
        names = ["hung-1", "hung-2"]
        started = time.monotonic()
        ids = [stack.create_credentials(name) for name in names]
        wait_for(lambda: final_credentials(ids), 90, "validations against a hanging AWS to end")
        report("AWS hanging (2 s read timeout) -> final", time.monotonic() - started)
    finally:
        hanging.close()
    for creds in Credentials.objects.filter(pk__in=ids):
        assert creds.status == Credentials.Status.INVALID and "timeout" in creds.message.lower(), creds.message
    assert_nothing_lost_or_duplicated(names, stack.workspace)


def _terminate(application_name: str, only_waiting: bool = False) -> int:
    condition = "AND wait_event_type = 'Lock'" if only_waiting else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE application_name = %s AND pid <> pg_backend_pid() {condition}",  # noqa: S608
            [application_name],
        )
        return cursor.fetchone()[0]


def test_database_connections_terminated_mid_request(stack):
    stack.start_redis()
    stack.start_web()
    stack.start_worker()
    stack.start_scheduler()
    ids = [stack.create_credentials("db-1")]
    wait_for(lambda: final_credentials(ids), 60, "the first validation")

    # A delete blocked on a row lock has its connection terminated mid-request.
    held, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            Credentials.objects.select_for_update().get(pk=ids[0])
            held.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    held.wait(10)
    outcome = {}
    request = threading.Thread(target=lambda: outcome.update(r=stack.api("DELETE", f"credentials/{ids[0]}")))
    request.start()
    wait_for(lambda: _terminate("fault-web", only_waiting=True), 20, "the web request to wait on the lock")
    request.join(30)
    release.set()
    holder.join(30)
    status, body, headers = outcome["r"]
    assert status == 503 and "database did not answer" in body["message"] and headers.get("Retry-After"), body
    assert Credentials.objects.filter(pk=ids[0]).exists()  # nothing half-done

    recovered = time.monotonic()
    assert stack.api("DELETE", f"credentials/{ids[0]}")[0] == 204  # the retry succeeds on a new connection
    # Every worker and web connection terminated between requests: the next work still completes.
    _terminate("fault-worker")
    _terminate("fault-web")
    ids.append(stack.create_credentials("db-2"))
    wait_for(lambda: final_credentials(ids[1:]), 60, "validation after the worker's connection was terminated")
    report("DB connections terminated -> retry and new work final", time.monotonic() - recovered)
    assert not Credentials.objects.filter(pk=ids[0]).exists()
    assert Credentials.objects.get(pk=ids[1]).status == Credentials.Status.AVAILABLE
    assert_nothing_lost_or_duplicated(["db-2"], stack.workspace)
