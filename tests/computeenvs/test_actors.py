"""The manual-mode validation actor against moto: real job queues, compute environments and buckets."""

import pytest

from computeenvs import actors
from computeenvs.models import ComputeEnv
from tests.helpers.aws import batch_queue, bucket
from tests.helpers.documents import make_ce, manual_doc


@pytest.fixture
def manual_ce(tenancy):
    return make_ce(tenancy, name="manual", config=manual_doc(workDir="s3://acme-work/scratch"))


@pytest.mark.django_db
class TestValidationActor:
    def test_existing_enabled_queues_and_same_region_bucket_make_it_available(self, aws, manual_ce):
        batch_queue(aws, "lab-head")
        batch_queue(aws, "lab-work")
        bucket(aws, "acme-work")
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.AVAILABLE, manual_ce.message

    def test_bucket_in_another_region_is_invalid_and_names_the_region(self, aws, manual_ce):
        batch_queue(aws, "lab-head")
        batch_queue(aws, "lab-work")
        bucket(aws, "acme-work", region="eu-west-1")
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.INVALID
        assert "eu-west-1" in manual_ce.message and "us-east-1" in manual_ce.message

    def test_missing_or_disabled_queue_is_invalid_and_named(self, aws, manual_ce):
        batch_queue(aws, "lab-head", state="DISABLED")
        bucket(aws, "acme-work")
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.INVALID
        assert "Head queue lab-head is DISABLED" in manual_ce.message
        assert "Compute queue lab-work was not found in us-east-1" in manual_ce.message

    def test_missing_bucket_is_invalid(self, aws, manual_ce):
        batch_queue(aws, "lab-head")
        batch_queue(aws, "lab-work")
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.INVALID and "acme-work" in manual_ce.message

    def test_safe_twice_and_scoped_to_the_workspace(self, aws, manual_ce, tenancy):
        batch_queue(aws, "lab-head")
        batch_queue(aws, "lab-work")
        bucket(aws, "acme-work")
        actors.validate_compute_env(manual_ce.pk, tenancy.other_workspace.pk)  # wrong workspace: ignored
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.CREATING
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        actors.validate_compute_env(manual_ce.pk, manual_ce.workspace_id)
        manual_ce.refresh_from_db()
        assert manual_ce.status == ComputeEnv.Status.AVAILABLE

    def test_deleted_meanwhile_is_a_no_op(self, aws, manual_ce):
        ce_id, workspace_id = manual_ce.pk, manual_ce.workspace_id
        manual_ce.delete()
        actors.validate_compute_env(ce_id, workspace_id)


@pytest.mark.django_db(transaction=True)
def test_create_then_worker_validates(aws, tenancy, broker, worker):
    batch_queue(aws, "lab-head")
    batch_queue(aws, "lab-work")
    bucket(aws, "acme-work")
    ce = make_ce(tenancy, name="via-worker", config=manual_doc())
    broker.join("default", timeout=30_000)
    worker.join()
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
