"""A rolling restart of every process loses no work (issue 13, item 5).

The processes of the production shape, each as its own unit as a service manager runs them:
gunicorn with 2 workers (seqera.gunicorn_conf, as the Procfile's web), two `rundramatiq` worker
processes, the `manage.py crontab` scheduler, a Redis of their own, moto in server mode with the
strict AWS layer in the workers, and the PostgreSQL test database.

The journey goes through the API: credentials, a Batch Forge CE, its forge, its deletion and
dispose. While the forge runs (held at an AWS call, so it is *certainly* in flight), each worker
process gets SIGTERM in turn, through its process group as honcho and systemd send it, and is
replaced, then the scheduler: the forging worker finishes the forge within its shutdown grace
(one attempt, nothing handed over) and the CE ends AVAILABLE.
The DELETE of the CE is made to wait on a row lock, gunicorn is reloaded gracefully (SIGHUP: every
worker replaced, the old ones get SIGTERM), and the waiting request still completes with 204 once
the lock goes; while the dispose runs the workers are restarted again. In the end the CE is gone,
AWS is back to where it started, and every durable work item is DONE (none pending, running or
given up).

A pipelines launch joins the journey once it exists: add a step between the forge and the delete
(launch through the API, `Shape.restart_every_process()` while the run is followed, wait for the run's
final status) and include its work keys in the final check, which already covers every WorkItem.

Slow (~1 minute); every wait is bounded and polls for a state.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest
from django.db import connection, transaction

from computeenvs.models import ComputeEnv, ForgedResource
from computeenvs.services import work_key
from seqera.models import WorkItem
from tests.factories import ParticipantFactory
from tests.faults.strict import SIMPLE_DOC, inventory
from tests.work.stack import Process, Stack, children, wait_for
from workspaces import services

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes share the PostgreSQL test database"),
]

SHUTDOWN_MS = 10_000  # the workers' --worker-shutdown-timeout: a message finishes or goes back
GRACEFUL_SECONDS = 20  # gunicorn's graceful timeout


class Shape:
    """The stack's long-lived units, replaced in place by a restart."""

    def __init__(self, stack: Stack, tmp_path):
        self.stack, self.tmp_path = stack, tmp_path
        self.workers: list[Process] = []
        self.scheduler: Process | None = None
        self.web: Process | None = None
        self.graceful: list[str] = []  # what stopped within its grace period
        self.release = tmp_path / "release"

    def worker_env(self, **extra) -> dict:
        return {
            "DJANGO_SETTINGS_MODULE": "tests.faults.process_settings",
            "FAULT_STRICT_SECONDS": "0.5",
            "FAULT_CALL_LOG": str(self.tmp_path / "aws-calls.jsonl"),
            **extra,
        }

    def start_worker(self, index: int, **extra) -> Process:
        return self.stack.start_worker(
            name=f"worker{index}", threads=2, shutdown_ms=SHUTDOWN_MS, **self.worker_env(**extra)
        )

    def restart_worker(self, index: int) -> None:
        if self.workers[index].stop(signal.SIGTERM, timeout=SHUTDOWN_MS / 1000 + 15):
            self.graceful.append(f"worker{index}")
        self.workers[index] = self.start_worker(index)

    def restart_workers(self) -> None:
        for index in range(len(self.workers)):
            self.restart_worker(index)

    def restart_scheduler(self) -> None:
        if self.scheduler.stop(signal.SIGTERM, timeout=15):
            self.graceful.append("scheduler")
        self.scheduler = self.stack.start_scheduler()

    def restart_every_process(self) -> None:
        self.restart_workers()
        self.restart_scheduler()
        self.reload_web()

    def reload_web(self) -> set[int]:
        """Graceful reload: new gunicorn workers, the old ones stop after their requests. Returns the old pids."""
        old = children(self.web.popen.pid)
        assert len(old) == 2, old
        self.web.popen.send_signal(signal.SIGHUP)
        wait_for(lambda: len(children(self.web.popen.pid) - old) == 2, 30, "two new gunicorn workers after the reload")
        return old


@pytest.fixture
def shape(tmp_path):
    stack = Stack(tmp_path)
    participant = ParticipantFactory(role="admin")
    stack.workspace = participant.workspace
    _, stack.token = services.create_api_token(user=participant.user, name="rolling")
    try:
        yield Shape(stack, tmp_path)
    finally:
        stack.close()


def status_of(ce_id: str) -> str | None:
    return ComputeEnv.objects.filter(pk=ce_id).values_list("status", flat=True).first()


def waiting_on_a_lock(application_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
            [application_name],
        )
        return cursor.fetchone()[0] > 0


def test_every_process_restarted_in_turn_during_the_journey_loses_nothing(shape, tmp_path):
    stack = shape.stack
    stack.start_redis()
    shape.web = stack.start_web(workers=2, WEB_GRACEFUL_TIMEOUT=str(GRACEFUL_SECONDS))
    held = tmp_path / "held"
    hold = {
        "FAULT_HOLD": "before:batch:CreateJobQueue:1",
        "FAULT_HOLD_MARKER": str(held),
        "FAULT_HOLD_RELEASE": str(shape.release),
    }
    shape.workers = [shape.start_worker(0, **hold), shape.start_worker(1, **hold)]
    shape.scheduler = stack.start_scheduler()
    credentials_id = stack.create_credentials("rolling-aws")
    baseline = inventory(SIMPLE_DOC["region"], client=stack.aws_client)

    # 1. Forge, with every worker and the scheduler restarted while it is in flight.
    status, body, _ = stack.api(
        "POST",
        "compute-envs",
        {
            "computeEnv": {
                "name": "rolling",
                "platform": "aws-batch",
                "credentialsId": credentials_id,
                "config": SIMPLE_DOC,
            }
        },
    )
    assert status == 200, body
    ce_id = body["computeEnvId"]
    wait_for(held.exists, 90, "the forge to be in flight on a worker")
    assert ForgedResource.objects.filter(compute_env_id=ce_id, state=ForgedResource.State.CREATED).exists()
    forging = int(held.read_text())  # the worker process holding the forge
    (holder,) = [i for i, worker in enumerate(shape.workers) if forging in children(worker.popen.pid)]
    restarted = time.monotonic()
    shape.restart_worker(1 - holder)
    # SIGTERM to the forging worker's process group (as honcho or systemd sends it), and only then
    # let the forge go on: it must finish within the worker's shutdown grace, not be dropped.
    shape.workers[holder].send(signal.SIGTERM)
    wait_for(lambda: "Shutting down" in shape.workers[holder].tail(), 20, "the forging worker to begin its stop")
    shape.release.write_text("go")
    assert shape.workers[holder].stop(signal.SIGTERM, timeout=SHUTDOWN_MS / 1000 + 15)
    shape.graceful.append(f"worker{holder}")
    shape.workers[holder] = shape.start_worker(holder)
    shape.restart_scheduler()
    wait_for(lambda: status_of(ce_id) in (ComputeEnv.Status.AVAILABLE, ComputeEnv.Status.ERRORED), 120, "the forge")
    assert status_of(ce_id) == ComputeEnv.Status.AVAILABLE, ComputeEnv.objects.get(pk=ce_id).message
    forge = WorkItem.objects.get(key=work_key(ce_id))
    assert forge.attempts == 1  # finished by the worker that was stopping, not handed over
    print(f"\n[rolling restart] forge AVAILABLE {time.monotonic() - restarted:.1f} s after the restarts began")  # noqa: T201

    # (A pipelines launch goes here: launch, restart every process while the run is followed, wait for its end.)

    # 2. Delete: the request is in flight (waiting on a row lock) when gunicorn reloads.
    locked, unlock, outcome = threading.Event(), threading.Event(), {}

    def hold_the_row():
        try:
            with transaction.atomic():
                ComputeEnv.objects.select_for_update().get(pk=ce_id)
                locked.set()
                unlock.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert locked.wait(10)
    request = threading.Thread(target=lambda: outcome.update(r=stack.api("DELETE", f"compute-envs/{ce_id}")))
    request.start()
    try:
        wait_for(lambda: waiting_on_a_lock("fault-web"), 20, "the DELETE to wait on the row lock")
        old_workers = shape.reload_web()
        # The master sends SIGTERM to both old workers at once: the idle one exits, the one
        # holding the request stays until it has answered.
        wait_for(lambda: len(children(shape.web.popen.pid) & old_workers) == 1, 20, "the idle old worker to exit")
    finally:
        unlock.set()
        holder.join(30)
    request.join(60)
    status, body, _ = outcome["r"]
    assert status == 204, body  # the request begun before the reload completed after it
    wait_for(lambda: not (children(shape.web.popen.pid) & old_workers), GRACEFUL_SECONDS + 10, "old web workers")
    shape.graceful.append("web")
    assert stack.api("GET", f"compute-envs/{ce_id}")[0] in (200, 404)  # the new workers answer

    # 3. Dispose, with the workers restarted again while it runs.
    shape.restart_workers()
    wait_for(lambda: status_of(ce_id) in (None, ComputeEnv.Status.ERRORED), 120, "the dispose")
    assert status_of(ce_id) is None, ComputeEnv.objects.get(pk=ce_id).message
    assert inventory(SIMPLE_DOC["region"], client=stack.aws_client) == baseline

    # Nothing stranded: every durable work item of the journey is DONE.
    stranded = WorkItem.objects.exclude(state=WorkItem.State.DONE).values_list("key", "state", "last_error")
    assert not stranded, list(stranded)
    assert set(shape.graceful) >= {"worker0", "worker1", "scheduler", "web"}, shape.graceful  # SIGTERM sufficed
