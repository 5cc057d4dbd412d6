"""Pipelines tests run over moto with the strict AWS layer and the Batch runner of the sandbox,
driven one step per DescribeJobs of a head job, so every state of a run can be seen."""

import time

import boto3
import pytest
from moto import mock_aws

from pipelines import services
from pipelines.sandbox import BatchRunner
from tests.conftest import MOTO_CONFIG
from tests.factories import ComputeEnvFactory
from tests.faults.strict import strict_layer


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
def batch_ce(tenancy, strict, runner):
    """An AVAILABLE Manual CE on real (moto) job queues, with an execution role, in tenancy.workspace:
    what Forge makes, made directly (a forge per test would triple the suite's time)."""
    iam, batch, ec2 = boto3.client("iam"), boto3.client("batch", region_name="us-east-1"), boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="lab-batch", Description="lab", VpcId=vpc)["GroupId"]
    trust = '{"Version": "2012-10-17", "Statement": []}'
    service = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    execution = iam.create_role(RoleName="ecs-execution", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="batch-instance")["InstanceProfile"]["Arn"]
    time.sleep(strict.iam_delay + 0.05)  # the strict layer refuses roles younger than IAM takes to propagate
    env = batch.create_compute_environment(
        computeEnvironmentName="lab-env", type="MANAGED", state="ENABLED", serviceRole=service,
        computeResources={"type": "EC2", "minvCpus": 0, "maxvCpus": 16, "instanceTypes": ["optimal"],
                          "subnets": [subnet], "securityGroupIds": [group], "instanceRole": profile},
    )["computeEnvironmentArn"]  # fmt: skip
    while batch.describe_compute_environments(computeEnvironments=[env])["computeEnvironments"][0]["status"] != "VALID":
        pass
    for queue in ("lab-head", "lab-work"):
        batch.create_job_queue(jobQueueName=queue, state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env}])  # fmt: skip
    while any(
        q["status"] != "VALID" for q in batch.describe_job_queues(jobQueues=["lab-head", "lab-work"])["jobQueues"]
    ):
        pass
    return ComputeEnvFactory(
        workspace=tenancy.workspace, credentials=tenancy.credentials, name="lab-ce",
        config={"region": "us-east-1", "workDir": "s3://lab-work/scratch", "headQueue": "lab-head",
                "computeQueue": "lab-work", "executionRole": execution},
    )  # fmt: skip


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
