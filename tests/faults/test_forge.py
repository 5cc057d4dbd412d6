"""Forge and dispose against the strict AWS layer."""

import pytest
from django.core.exceptions import ValidationError

from computeenvs import services
from computeenvs.models import ComputeEnv, ForgedResource
from tests.faults.strict import FULL_DOC, SIMPLE_DOC, dispose, forge, inventory
from tests.helpers.documents import make_ce


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


@pytest.mark.django_db
def test_iam_propagation_error_is_retried_within_the_window(tenancy, strict):
    strict.iam_delay = 2.0  # longer than the forge takes to get from the roles to the first CE
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
    creates = [c for c in strict.calls if c == ("batch", "CreateComputeEnvironment")]
    assert len(creates) > 2  # the head CE was refused while its roles were young, then made


@pytest.mark.django_db
def test_iam_error_past_the_window_makes_the_ce_errored(tenancy, strict, settings):
    settings.FORGE_IAM_WINDOW_SECONDS = 0.2
    strict.iam_delay = 30
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.ERRORED and "sts:AssumeRole" in ce.message


@pytest.mark.django_db
def test_other_errors_are_not_retried(tenancy, strict):
    strict.iam_delay = 0
    ce = make_ce(tenancy, config={**SIMPLE_DOC, "forge": {**SIMPLE_DOC["forge"], "instanceTypes": ["zz9.huge"]}})
    ce = forge(ce)
    assert ce.status == ComputeEnv.Status.ERRORED and "zz9.huge" in ce.message
    assert strict.calls.count(("batch", "CreateComputeEnvironment")) == 1


@pytest.mark.django_db
def test_invalid_compute_environment_makes_the_ce_errored_with_aws_reason(tenancy, strict):
    strict.invalid_reason = "CLIENT_ERROR - The subnet has no route to the internet"
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.ERRORED
    assert "INVALID: CLIENT_ERROR - The subnet has no route to the internet" in ce.message
    strict.invalid_reason = None
    assert dispose(ce)  # delete from ERRORED disposes what was made


@pytest.mark.django_db
def test_queue_quota_refuses_before_anything_is_made(tenancy, strict, settings):
    settings.FORGE_JOB_QUEUE_QUOTA = 1
    before = inventory()
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.ERRORED
    assert "AWS Batch allows 1 job queues" in ce.message and "needs 2 more" in ce.message
    assert inventory() == before and not ce.forged_resources.exists()


@pytest.mark.django_db
def test_strict_layer_refuses_what_aws_refuses(tenancy, strict):
    """An ordering bug in dispose would fail: the layer enforces DISABLED and detached first."""
    from botocore.exceptions import ClientError

    from workspaces import aws

    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    batch = aws.client(ce.credentials, "batch", ce.region)
    p = f"TowerForge-{ce.pk}"
    with pytest.raises(ClientError, match="must be DISABLED"):
        batch.delete_job_queue(jobQueue=f"{p}-work")
    with pytest.raises(ClientError, match="state must be DISABLED"):
        batch.delete_compute_environment(computeEnvironment=f"{p}-work")
    batch.update_compute_environment(computeEnvironment=f"{p}-work", state="DISABLED")
    with pytest.raises(ClientError, match="is UPDATING"):
        batch.delete_compute_environment(computeEnvironment=f"{p}-work")
    queue = batch.describe_job_queues(jobQueues=[f"{p}-work"])["jobQueues"][0]
    assert queue["jobStateTimeLimitActions"][0]["action"] == "CANCEL"
    iam = aws.client(ce.credentials, "iam", ce.region)
    with pytest.raises(ClientError, match="DeleteConflict|still uses it"):
        iam.delete_role(RoleName=f"{p}-ServiceRole")


@pytest.mark.django_db
def test_dispose_off_keeps_the_resources(tenancy, strict):
    before = inventory()
    doc = {**SIMPLE_DOC, "forge": {**SIMPLE_DOC["forge"], "disposeOnDeletion": False}}
    ce = forge(make_ce(tenancy, config=doc))
    made = inventory() - before
    assert services.delete_compute_env(ce=ce) is True
    assert not ComputeEnv.objects.filter(pk=ce.pk).exists()
    assert inventory() - before == made and made


@pytest.mark.django_db
def test_force_delete_only_from_errored_invalid_or_deleting(tenancy, strict):
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    with pytest.raises(ValidationError, match="Force delete"):
        services.delete_compute_env(ce=ce, force=True)
    assert services.delete_compute_env(ce=ce) is False
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.DELETING
    assert services.delete_compute_env(ce=ce, force=True) is True
    assert not ComputeEnv.objects.filter(pk=ce.pk).exists()


@pytest.mark.django_db
def test_retry_resumes_an_errored_forge(tenancy, strict, settings):
    settings.FORGE_JOB_QUEUE_QUOTA = 1
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.ERRORED
    settings.FORGE_JOB_QUEUE_QUOTA = 50
    services.retry_forge(ce=ce)
    assert forge(ce).status == ComputeEnv.Status.AVAILABLE
    with pytest.raises(ValidationError):
        services.retry_forge(ce=ce)


@pytest.mark.django_db
def test_deleting_a_workspace_disposes_its_forge_ces_first(tenancy, strict):
    from workspaces import services as ws_services
    from workspaces.models import Workspace

    before = inventory()
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ws_services.delete_workspace(workspace=tenancy.workspace) is False
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.DELETING and Workspace.objects.filter(pk=tenancy.workspace.pk).exists()
    assert services.dispose_compute_env(ce_id=ce.pk, workspace_id=ce.workspace_id)
    assert not Workspace.objects.filter(pk=tenancy.workspace.pk).exists()
    assert inventory() == before


@pytest.mark.django_db
def test_deleting_an_organization_disposes_its_forge_ces_first(tenancy, strict):
    from workspaces import services as ws_services
    from workspaces.models import Organization

    before = inventory()
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    assert ws_services.delete_organization(org=tenancy.org) is False
    assert services.dispose_compute_env(ce_id=ce.pk, workspace_id=ce.workspace_id)
    assert not Organization.objects.filter(pk=tenancy.org.pk).exists()
    assert inventory() == before


@pytest.mark.django_db
def test_manual_queues_given_as_arns_validate_and_the_head_queue_must_be_on_demand(tenancy, strict):
    from workspaces import aws

    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))  # a Spot work queue and an On-Demand head queue
    batch = aws.client(ce.credentials, "batch", ce.region)
    arns = {q["jobQueueName"]: q["jobQueueArn"] for q in batch.describe_job_queues()["jobQueues"]}
    p = f"TowerForge-{ce.pk}"
    aws.client(ce.credentials, "s3", ce.region).create_bucket(Bucket="acme-work")
    manual = {"region": "us-east-1", "workDir": "s3://acme-work/scratch"}
    good = make_ce(
        tenancy, name="by-arn", config={**manual, "headQueue": arns[f"{p}-head"], "computeQueue": arns[f"{p}-work"]}
    )
    assert services.validate_compute_env(good).status == ComputeEnv.Status.AVAILABLE, good.message
    spot_head = make_ce(
        tenancy, name="spot-head", config={**manual, "headQueue": f"{p}-work", "computeQueue": f"{p}-work"}
    )
    services.validate_compute_env(spot_head)
    assert spot_head.status == ComputeEnv.Status.INVALID and "Spot capacity" in spot_head.message


@pytest.mark.django_db
def test_orphan_scan_finds_what_a_force_delete_left_and_disposes_it(tenancy, strict):
    from django.core.management import call_command

    before = inventory()
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    kept = forge(make_ce(tenancy, name="kept", config=SIMPLE_DOC))
    services.request_dispose(ce)
    assert services.delete_compute_env(ce=ce, force=True)  # the record goes, AWS keeps its resources
    from computeenvs.forge import orphans

    found = orphans.scan(tenancy.credentials, "us-east-1")
    assert {o.ce_id for o in found} == {ce.pk} and len(found) == 10  # 4 roles, profile, template, 2 CEs, 2 queues
    call_command("forge_orphans", credentials=tenancy.credentials.pk, region="us-east-1", dispose=True)
    assert orphans.scan(tenancy.credentials, "us-east-1") == []
    assert dispose(kept) and inventory() == before


def _queue_states(ce) -> dict[str, str]:
    from tests.faults.strict import REGION, _client

    names = [ce.config["headQueue"], ce.config["computeQueue"]]
    return {
        q["jobQueueName"]: q["state"]
        for q in _client("batch", REGION).describe_job_queues(jobQueues=names)["jobQueues"]
    }


@pytest.mark.django_db
def test_disable_and_enable_a_forged_ce_act_on_its_queues_in_aws(tenancy, strict):
    ce = forge(make_ce(tenancy, config=SIMPLE_DOC))
    services.make_primary(ce=ce)
    services.disable_compute_env(ce=ce)
    ce.refresh_from_db()
    assert (ce.status, ce.primary) == (ComputeEnv.Status.DISABLED, False)  # R37: unusable, not primary
    with pytest.raises(ValidationError, match="only an AVAILABLE compute environment can be primary"):
        services.make_primary(ce=ce)
    services.set_queues_state(ce_id=ce.pk, workspace_id=ce.workspace_id, state="DISABLED")  # the durable work
    assert set(_queue_states(ce).values()) == {"DISABLED"}
    with pytest.raises(ValidationError, match="only an AVAILABLE compute environment can be disabled"):
        services.disable_compute_env(ce=ce)

    services.enable_compute_env(ce=ce)
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.CREATING and "Enabling" in ce.message
    services.set_queues_state(ce_id=ce.pk, workspace_id=ce.workspace_id, state="ENABLED")
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
    assert set(_queue_states(ce).values()) == {"ENABLED"}
    assert dispose(ce)
