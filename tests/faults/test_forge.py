"""Forge and dispose against the strict AWS layer."""

import pytest

from computeenvs.models import ComputeEnv, ForgedResource
from tests.computeenvs.test_services import make_ce
from tests.faults.strict import FULL_DOC, dispose, forge, inventory


@pytest.mark.django_db
def test_full_forge_creates_everything_then_dispose_returns_to_the_start(tenancy, strict):
    before = inventory()
    ce = forge(make_ce(tenancy, config=FULL_DOC))
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
    ledger = list(ce.forged_resources.order_by("order"))
    assert all(r.state == ForgedResource.State.CREATED and r.arn for r in ledger)
    made = inventory() - before
    p = f"TowerForge-{ce.pk}"
    assert {("compute-env", f"{p}-head"), ("compute-env", f"{p}-work"), ("compute-env", f"{p}-dragen")} <= made
    assert ce.config["dragenQueue"] == f"{p}-dragen" and ce.config["executionRole"].endswith(f"{p}-ExecutionRole")
    assert ("log-group", "/acme/forge-logs") in made and ("efs", p) in made
    assert dispose(ce)
    assert inventory() == before
