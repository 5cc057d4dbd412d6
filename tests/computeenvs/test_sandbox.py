"""The `make run` sandbox holds a bucket, a VPC with subnets and a security group, and a pair of
Manual queues, so a newcomer's Manual compute environment can become AVAILABLE; the seed never
runs against another endpoint."""

import pytest

from computeenvs import sandbox as ce_sandbox
from computeenvs import services
from computeenvs.models import ComputeEnv
from seqera.sandbox import start_aws_sandbox


@pytest.fixture
def moto_server(settings, monkeypatch):
    # The sandbox points the process at itself (environment and settings): both are put back after.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    settings.AWS_ENDPOINT_URL = None  # opens the override the sandbox then writes into
    server = start_aws_sandbox(0)
    yield server.endpoint
    server.stop()


@pytest.mark.django_db
def test_seed_is_idempotent_and_a_manual_ce_on_it_validates(tenancy, moto_server):
    first = ce_sandbox.seed(tenancy.credentials, endpoint=moto_server)  # under the sandbox's AWS behaviour
    again = ce_sandbox.seed(tenancy.credentials, endpoint=moto_server)
    assert first == again and len(first.subnets) == 2
    assert "sandbox-head" in ce_sandbox.seed_sandbox(tenancy.credentials, endpoint=moto_server)
    ce = services.create_compute_env(
        workspace=tenancy.workspace, created_by=tenancy.users["admin"], name="manual-sandbox",
        credentials=tenancy.credentials,
        config={"discriminator": "aws-batch", "region": first.region, "workDir": f"s3://{first.bucket}/work",
                "headQueue": first.head_queue, "computeQueue": first.compute_queue},
    )  # fmt: skip
    services.validate_compute_env(ce)
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message


def test_seed_refuses_any_other_endpoint(settings):
    settings.AWS_ENDPOINT_URL = None
    with pytest.raises(RuntimeError, match="only against the local AWS sandbox"):
        ce_sandbox.seed(object(), endpoint="")
