"""/metrics (seqera.metrics): who may read it, per-view request metrics, domain gauges, AWS counters."""

import boto3
import pytest
from django.urls import reverse
from moto import mock_aws
from prometheus_client.parser import text_string_to_metric_families

from computeenvs.models import ComputeEnv
from seqera.models import WorkItem
from tests.factories import CredentialsFactory, RunFactory

pytestmark = pytest.mark.django_db


def sample(body: str, name: str, **labels) -> float | None:
    """The value of the sample `name` whose labels include `labels` (label order does not matter)."""
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return found.value
    return None


def test_refused_to_everyone_by_default(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN = [], ""
    response = client.get("/metrics")
    assert response.status_code == 403
    assert b"seqera_" not in response.content


def test_the_token_opens_it_and_a_wrong_token_does_not(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_TOKEN = [], "scrape-me-please"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-please")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_allowed_networks_open_it(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_request_counts_per_view_move(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]

    def logins() -> float:
        body = client.get("/metrics").content.decode()
        return (
            sample(
                body,
                "django_http_requests_total_by_view_transport_method_total",
                view="login",
                transport="http",
                method="GET",
            )
            or 0
        )

    before = logins()
    client.get(reverse("login"))
    client.get(reverse("login"))
    assert logins() == before + 2


def make_ce(credentials, name: str, status: str) -> ComputeEnv:
    return ComputeEnv.objects.create(
        workspace=credentials.workspace,
        name=name,
        credentials=credentials,
        region="eu-west-1",
        mode=ComputeEnv.Mode.MANUAL,
        status=status,
        config={"region": "eu-west-1", "workDir": "s3://bucket/work"},
    )


def test_domain_gauges(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    credentials = CredentialsFactory()
    make_ce(credentials, "a", ComputeEnv.Status.CREATING)
    make_ce(credentials, "b", ComputeEnv.Status.AVAILABLE)
    make_ce(credentials, "c", ComputeEnv.Status.AVAILABLE)
    WorkItem.objects.create(key="a:1", actor="x", state=WorkItem.State.PENDING)
    WorkItem.objects.create(key="a:2", actor="x", state=WorkItem.State.DONE)
    body = client.get("/metrics").content.decode()
    assert sample(body, "seqera_compute_envs", status="AVAILABLE") == 2
    assert sample(body, "seqera_compute_envs", status="CREATING") == 1
    assert sample(body, "seqera_compute_envs", status="DELETING") == 0
    assert sample(body, "seqera_work_items", state="PENDING") == 1
    assert sample(body, "seqera_work_items_active") == 1
    assert sample(body, "seqera_work_oldest_pending_age_seconds") >= 0


def test_run_gauges(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    for status in ("SUBMITTED", "RUNNING", "RUNNING", "SUCCEEDED", "FAILED", "UNKNOWN"):
        RunFactory(status=status)
    body = client.get("/metrics").content.decode()
    assert sample(body, "seqera_workflow_runs", status="RUNNING") == 2
    assert sample(body, "seqera_workflow_runs", status="CANCELLED") == 0
    assert sample(body, "seqera_workflow_runs_active") == 3


@mock_aws
def test_aws_calls_and_errors_are_counted_per_service(client, settings):
    from workspaces import aws

    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    credentials = CredentialsFactory()

    def counts():
        body = client.get("/metrics").content.decode()
        return (
            sample(body, "seqera_aws_calls_total", service="iam") or 0,
            sample(body, "seqera_aws_errors_total", service="iam") or 0,
        )

    calls, errors = counts()
    iam = aws.client(credentials, "iam")
    iam.list_roles()
    with pytest.raises(aws.AwsError):
        iam.get_role(RoleName="no-such-role")  # NoSuchEntity: counted as a call and as an error
    assert counts() == (calls + 2, errors + 1)
    assert boto3  # the door is workspaces.aws; boto3 is only imported here to keep moto's patch active
