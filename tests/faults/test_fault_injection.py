"""Proof by fault injection (issue 8 §6): a failure before each AWS call of a full forge, and
separately after each call (AWS did it, the answer was lost); then a retry. Every time the
inventory is exactly the expected one (no duplicates, no orphans) and dispose returns the
account to its starting inventory. The same for dispose itself.

A forge with every resource-creating option makes ~80 AWS calls and its dispose ~100, so the
full sweep (``FAULT_POINTS=all``, ~350 points, ~25 min on a busy 2-core box) is opt-in, and
``FAULT_POINTS=changes`` hits every call that changes something plus the first call of every
other operation; by default the faults hit the first call of every distinct operation, in both
phases (every code path that talks to AWS).
"""

from __future__ import annotations

import os
import re

import pytest

from computeenvs import services
from computeenvs.models import ComputeEnv
from tests.faults.inject import Counter, Injector
from tests.faults.strict import FULL_DOC, dispose, forge, inventory
from tests.helpers.documents import make_ce

MUTATING = ("Create", "Put", "Attach", "Add", "Authorize", "Update", "Delete", "Remove", "Detach", "Tag")


def fault_points(calls: list[tuple[str, str]]) -> list[int]:
    """1-based call positions to fail at (see the module docstring for FAULT_POINTS)."""
    mode = os.environ.get("FAULT_POINTS", "distinct")
    if mode == "all":
        return list(range(1, len(calls) + 1))
    seen, points = set(), []
    for i, (service, operation) in enumerate(calls, start=1):
        if (service, operation) not in seen or (mode == "changes" and operation.startswith(MUTATING)):
            points.append(i)
        seen.add((service, operation))
    return points


FSX_ID = re.compile(r"fs-[0-9a-f]+")


def normalized(items, ce_id: str) -> list:
    """The inventory as a sorted multiset with the CE id and random FSx ids blanked."""
    return sorted((kind, FSX_ID.sub("fs-*", name.replace(ce_id, "{ce}"))) for kind, name in items)


def _clean_run(tenancy, layer, baseline):
    counter = Counter()
    layer.fault = counter
    ce = forge(make_ce(tenancy, name="clean", config=FULL_DOC))
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
    forge_calls = {"before": list(counter.calls), "after": list(counter.done)}
    expected = normalized(inventory() - baseline, ce.pk)
    counter.clear()
    assert dispose(ce)
    dispose_calls = {"before": list(counter.calls), "after": list(counter.done)}
    assert inventory() == baseline
    return forge_calls, dispose_calls, expected


@pytest.mark.django_db
def test_forge_and_dispose_survive_a_fault_at_every_aws_call(tenancy, strict, capsys):
    strict.iam_delay = 0  # the call sequence is then the same in every run (IAM retry: test_forge.py)
    baseline = inventory()
    forge_calls, dispose_calls, expected = _clean_run(tenancy, strict, baseline)
    injector = Injector()
    strict.fault = injector
    survived, total, n = 0, 0, 0
    forge_points = {phase: fault_points(calls) for phase, calls in forge_calls.items()}
    dispose_points = {phase: fault_points(calls) for phase, calls in dispose_calls.items()}

    for phase in ("before", "after"):
        for at in forge_points[phase]:
            n += 1
            total += 1
            ce = make_ce(tenancy, name=f"f{n}", config=FULL_DOC)
            injector.arm(phase, at)
            ce = forge(ce)
            injector.disarm()
            if ce.status == ComputeEnv.Status.ERRORED:
                services.retry_forge(ce=ce)
                ce = forge(ce)
            assert injector.fired, (phase, at)
            assert ce.status == ComputeEnv.Status.AVAILABLE, (phase, at, injector.fired, ce.message)
            assert normalized(inventory() - baseline, ce.pk) == expected, (phase, at, injector.fired)
            assert dispose(ce), (phase, at, ce.message)
            assert inventory() == baseline, (phase, at, injector.fired)
            survived += 1
            if os.environ.get("FAULT_PROGRESS"):
                print(f"{survived}/{n} ok: {injector.fired}", flush=True)

    for phase in ("before", "after"):
        for at in dispose_points[phase]:
            n += 1
            total += 1
            ce = forge(make_ce(tenancy, name=f"d{n}", config=FULL_DOC))
            assert ce.status == ComputeEnv.Status.AVAILABLE
            injector.arm(phase, at)
            gone = dispose(ce)
            injector.disarm()
            assert injector.fired, (phase, at)
            if not gone:
                ce.refresh_from_db()
                assert ce.status == ComputeEnv.Status.ERRORED, (phase, at, ce.status)
                assert dispose(ce), (phase, at, injector.fired)
            assert inventory() == baseline, (phase, at, injector.fired)
            survived += 1
            if os.environ.get("FAULT_PROGRESS"):
                print(f"{survived}/{n} ok: {injector.fired}", flush=True)

    with capsys.disabled():
        print(
            f"\nfault injection ({os.environ.get('FAULT_POINTS', 'distinct')}): survived {survived} of {total} "
            f"fault points; forge: {len(forge_calls['before'])} AWS calls, faults before "
            f"{len(forge_points['before'])} and after {len(forge_points['after'])} of them; dispose: "
            f"{len(dispose_calls['before'])} calls, faults before {len(dispose_points['before'])} and after "
            f"{len(dispose_points['after'])}"
        )
    assert survived == total == sum(map(len, forge_points.values())) + sum(map(len, dispose_points.values()))
