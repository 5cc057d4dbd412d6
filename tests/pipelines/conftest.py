"""Pipelines tests run over moto with the strict AWS layer and the Batch runner of the sandbox,
driven one step per DescribeJobs of a head job, so every state of a run can be seen."""

import boto3
import pytest
from moto import mock_aws

from computeenvs.models import ComputeEnv
from pipelines import services
from pipelines.sandbox import BatchRunner
from tests.computeenvs.test_services import make_ce
from tests.conftest import MOTO_CONFIG
from tests.faults.strict import SIMPLE_DOC, forge, strict_layer


@pytest.fixture
def strict():
    """moto plus the strict layer (as in tests/faults)."""
    with mock_aws(config=MOTO_CONFIG):
        boto3.setup_default_session(region_name="us-east-1")
        layer = strict_layer()
        try:
            yield layer
        finally:
            layer.uninstall()


@pytest.fixture
def runner(strict):
    played = BatchRunner(per_poll=True).install()
    yield played
    played.uninstall()


@pytest.fixture
def forged_ce(tenancy, strict, runner):
    """An AVAILABLE Batch Forge CE (with forged queues and execution role) in tenancy.workspace."""
    ce = forge(make_ce(tenancy, name="forged", config=SIMPLE_DOC))
    assert ce.status == ComputeEnv.Status.AVAILABLE, ce.message
    return ce


@pytest.fixture
def launch(tenancy, django_capture_on_commit_callbacks):
    """Launches as `role` (default maintain) and runs the submission inline, as a worker would."""

    def launch_as(*, role="maintain", submit=True, **kwargs):
        kwargs.setdefault("settings", {"repository": "https://github.com/nextflow-io/hello"})
        with django_capture_on_commit_callbacks(execute=False):
            run = services.launch_run(workspace=tenancy.workspace, user=tenancy.users[role], role=role, **kwargs)
        if submit:
            services.submit_run(run_id=run.pk, workspace_id=run.workspace_id)
            run.refresh_from_db()
        return run

    return launch_as
