"""Batch Forge survives a dead worker, in production shape (issue 8, "Crash").

Real processes share the PostgreSQL test database: gunicorn (the API), `manage.py rundramatiq`
workers on a Redis of their own, the `manage.py crontab` scheduler (the durable-work
dispatcher), and moto in server mode with the strict AWS layer inside each worker process
(`tests.faults.process`). A worker is held at a chosen AWS call of a forge (the ledger then shows
some resources but not all) and SIGKILLed; a restarted worker finishes the forge: the CE ends
AVAILABLE with exactly the inventory of an uninterrupted forge, and the dispose returns the
account to where it started. A second test holds a forge, enqueues duplicates of its message for
a second worker process, and proves from the workers' AWS call log that one worker ran every
step of that CE while the others refused the work.

Deterministic: the test waits for the worker to be *at* the call (a marker file), never for a
time; every wait is bounded. Slow: ~30 s each.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from computeenvs.models import ComputeEnv, ForgedResource
from computeenvs.services import work_key
from seqera.models import WorkItem
from tests.factories import ParticipantFactory
from tests.faults.strict import SIMPLE_DOC, inventory
from tests.work.stack import Stack, wait_for
from workspaces import services

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes share the PostgreSQL test database"),
]

REGION = SIMPLE_DOC["region"]
STRICT_WORKER = {"DJANGO_SETTINGS_MODULE": "tests.faults.process_settings"}


@pytest.fixture
def stack(tmp_path):
    stack = Stack(tmp_path)
    participant = ParticipantFactory(role="admin")
    stack.workspace = participant.workspace
    _, stack.token = services.create_api_token(user=participant.user, name="crash")
    try:
        yield stack
    finally:
        stack.close()


def worker_env(tmp_path: Path, **hold) -> dict:
    return {**STRICT_WORKER, "FAULT_CALL_LOG": str(tmp_path / "aws-calls.jsonl"), **hold}


def aws_inventory(stack: Stack) -> set[tuple[str, str]]:
    return inventory(REGION, client=stack.aws_client)


def create_forge_ce(stack: Stack, credentials_id: str, name: str) -> str:
    status, body, _ = stack.api(
        "POST",
        "compute-envs",
        {"computeEnv": {"name": name, "platform": "aws-batch", "credentialsId": credentials_id, "config": SIMPLE_DOC}},
    )
    assert status == 200, body
    return body["computeEnvId"]


def status_of(ce_id: str) -> str | None:
    return ComputeEnv.objects.filter(pk=ce_id).values_list("status", flat=True).first()


def settled(ce_id: str) -> str | None:
    status = status_of(ce_id)
    return status if status in (ComputeEnv.Status.AVAILABLE, ComputeEnv.Status.ERRORED) else None


def wait_available(stack: Stack, ce_id: str, seconds: float = 120) -> None:
    wait_for(lambda: settled(ce_id), seconds, f"compute environment {ce_id} to settle")
    ce = ComputeEnv.objects.get(pk=ce_id)
    assert ce.status == ComputeEnv.Status.AVAILABLE, (ce.message, [p.tail() for p in stack.processes])


def dispose_through_the_api(stack: Stack, ce_id: str) -> None:
    status, body, _ = stack.api("DELETE", f"compute-envs/{ce_id}")
    assert status == 204, body
    wait_for(lambda: status_of(ce_id) in (None, ComputeEnv.Status.ERRORED), 120, f"the dispose of {ce_id}")
    assert status_of(ce_id) is None, ComputeEnv.objects.get(pk=ce_id).message


def calls(tmp_path: Path, key: str) -> list[dict]:
    path = tmp_path / "aws-calls.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return sorted((entry for entry in map(json.loads, lines) if entry["key"] == key), key=lambda e: e["t"])


def runs(entries: list[dict]) -> list[tuple[int, int]]:
    """Who made the calls of one work key, in time order, consecutive calls of one runner as one run.

    Work that never runs twice at once gives each runner one run (a killed worker's calls, then
    its successor's); two runners at once interleave, so a runner shows up in two runs."""
    found: list[tuple[int, int]] = []
    for entry in entries:
        runner = (entry["pid"], entry["thread"])
        if not found or found[-1] != runner:
            found.append(runner)
    return found


def shape(items: set[tuple[str, str]], ce_id: str) -> set[tuple[str, str]]:
    return {(kind, name.replace(ce_id, "{ce}")) for kind, name in items if ce_id in name}


def ledger(ce_id: str) -> list[tuple[str, str, str]]:
    return list(
        ForgedResource.objects.filter(compute_env_id=ce_id).order_by("order").values_list("kind", "name", "state")
    )


def report(what: str, seconds: float) -> None:
    print(f"\n[crash figures] {what}: {seconds:.1f} s")  # noqa: T201


@pytest.mark.parametrize(
    "hold",
    [
        # The head compute environment exists; the work one is about to be asked for.
        "before:batch:CreateComputeEnvironment:2",
        # AWS made the head job queue; the answer dies with the worker (the ledger says CREATING).
        "after:batch:CreateJobQueue:1",
    ],
)
def test_worker_sigkilled_mid_forge_is_restarted_and_the_forge_converges(stack, tmp_path, hold):
    stack.start_redis()
    stack.start_web()
    stack.start_scheduler()
    marker = tmp_path / "held"
    first = stack.start_worker(**worker_env(tmp_path, FAULT_HOLD=hold, FAULT_HOLD_MARKER=str(marker)))
    credentials_id = stack.create_credentials("crash-aws")
    baseline = aws_inventory(stack)

    ce_id = create_forge_ce(stack, credentials_id, "crashed")
    wait_for(marker.exists, 90, f"the worker to reach {hold}")
    at_kill = ledger(ce_id)
    created = [row for row in at_kill if row[2] == ForgedResource.State.CREATED]
    assert status_of(ce_id) == ComputeEnv.Status.CREATING
    assert created and len(created) < len(at_kill), at_kill  # some resources, and the held one in progress

    first.stop(signal.SIGKILL)
    killed = time.monotonic()
    stack.start_worker(name="worker-restarted", **worker_env(tmp_path))
    wait_available(stack, ce_id)
    report(f"worker SIGKILLed at {hold} -> AVAILABLE", time.monotonic() - killed)

    item = WorkItem.objects.get(key=work_key(ce_id))
    assert (item.state, item.attempts) == (WorkItem.State.DONE, 2)  # the killed attempt, then the one that finished
    assert len(ledger(ce_id)) > len(created)
    assert all(state == ForgedResource.State.CREATED for _, _, state in ledger(ce_id)), ledger(ce_id)
    forge_calls = calls(tmp_path, work_key(ce_id))
    assert len(set(runs(forge_calls))) == len(runs(forge_calls)) == 2, runs(forge_calls)

    # The same forge without a crash, for comparison: exactly the same resources, nothing more.
    reference = create_forge_ce(stack, credentials_id, "reference")
    wait_available(stack, reference)
    made = aws_inventory(stack) - baseline
    assert shape(made, ce_id) == shape(made, reference), sorted(shape(made, ce_id) ^ shape(made, reference))
    assert len(made) == 2 * len(shape(made, ce_id))  # nothing outside the two CEs' own resources
    assert len(shape(made, ce_id)) > 8

    for ce in (ce_id, reference):
        dispose_through_the_api(stack, ce)
    assert aws_inventory(stack) == baseline
    wait_for(lambda: not WorkItem.objects.exclude(state=WorkItem.State.DONE).exists(), 30, "every work item done")


def refusals(log: Path, key: str) -> int:
    return log.read_text().count(f"Work {key}: nothing to do") if log.exists() else 0


def test_two_workers_never_forge_the_same_compute_environment_at_once(stack, tmp_path):
    stack.start_redis()
    stack.start_web()
    stack.start_scheduler()
    marker, release = tmp_path / "held", tmp_path / "release"
    hold = {"FAULT_HOLD": "before:batch:CreateJobQueue:1", "FAULT_HOLD_MARKER": str(marker)}
    first = stack.start_worker(threads=1, **worker_env(tmp_path, **hold, FAULT_HOLD_RELEASE=str(release)))
    credentials_id = stack.create_credentials("twice-aws")
    baseline = aws_inventory(stack)

    ce_id = create_forge_ce(stack, credentials_id, "twice")
    key = work_key(ce_id)
    wait_for(marker.exists, 90, "the first worker to hold the forge")
    second = stack.start_worker(name="worker-second", threads=1, **worker_env(tmp_path))

    # Duplicates of the forge message (as a redelivery would make) until the second worker process
    # has received one: its claim on the work item must refuse it while the first still forges.
    args = [ce_id, stack.workspace.pk]
    deadline = time.monotonic() + 90
    while refusals(second.log, key) == 0:
        assert time.monotonic() < deadline, f"the second worker never received a duplicate:\n{second.tail()}"
        stack.send_duplicate("forge_compute_env", args, key)
        sent = time.monotonic()
        while refusals(second.log, key) == 0 and time.monotonic() - sent < 5:
            time.sleep(0.1)
    assert status_of(ce_id) == ComputeEnv.Status.CREATING
    release.write_text("go")
    wait_available(stack, ce_id)

    item = WorkItem.objects.get(key=key)
    assert (item.state, item.attempts) == (WorkItem.State.DONE, 1)  # the duplicates never ran
    forge_calls = calls(tmp_path, key)
    assert {entry["pid"] for entry in forge_calls} == {int(marker.read_text())}
    assert len(runs(forge_calls)) == 1, runs(forge_calls)
    assert refusals(second.log, key) + refusals(first.log, key) >= 1

    # Every create succeeded once per resource: the AWS inventory matches the ledger, kind by kind.
    made = aws_inventory(stack) - baseline
    kinds = Counter(kind for kind, _, _ in ledger(ce_id))
    Kind = ForgedResource.Kind
    found = Counter(kind for kind, _ in made)
    assert (found["role"], found["instance-profile"]) == (kinds[Kind.IAM_ROLE], kinds[Kind.IAM_INSTANCE_PROFILE]), made
    assert (found["launch-template"], found["compute-env"], found["job-queue"]) == (
        kinds[Kind.LAUNCH_TEMPLATE],
        kinds[Kind.BATCH_ENV],
        kinds[Kind.BATCH_QUEUE],
    ), made
    successes = Counter(entry["operation"] for entry in forge_calls if entry["phase"] == "after")
    assert successes["CreateJobQueue"] == kinds[Kind.BATCH_QUEUE]
    assert successes["CreateComputeEnvironment"] == kinds[Kind.BATCH_ENV]

    dispose_through_the_api(stack, ce_id)
    assert aws_inventory(stack) == baseline
