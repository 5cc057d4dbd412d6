"""Secret canary for pipeline secrets (quality.md §3.11, issue 9 item 11): a secret stored through
the API and the page, used by a launched run, reaches AWS Secrets Manager and nowhere else — not a
page, API response, log record, queue message, the head job's environment or command, its job
definition (a reference only), its log, or a database column other than its ciphertext."""

import json
import logging

import boto3
import pytest
from django.test import Client
from django.urls import reverse

from pipelines import monitor, services
from pipelines.models import PipelineSecret, Run, RunStatus
from seqera.logging import JsonFormatter
from tests.helpers.canary import LOGGERS, encodings
from tests.tenancy.harness import body_text, describe

pytestmark = pytest.mark.django_db

API_SECRET = "CANARY-pipeline-secret-via-api-0001"
PAGE_SECRET = "CANARY-pipeline-secret-via-page-0002"
REPLACED_SECRET = "CANARY-pipeline-secret-replaced-0003"
SECRETS = (API_SECRET, PAGE_SECRET, REPLACED_SECRET)


def leaks(where: str, text: str) -> list[str]:
    return [f"{where}: contains {form!r}" for secret in SECRETS for form in encodings(secret) if form in text]


def test_pipeline_secrets_never_leave_secrets_manager(
    tenancy, batch_ce, runner, caplog, capsys, sent, django_capture_on_commit_callbacks
):
    for name in (*LOGGERS, "pipelines"):
        caplog.set_level(logging.DEBUG, logger=name or None)
    owner = tenancy.users["owner"]
    ws = tenancy.workspace
    from workspaces import services as ws_services

    _, token = ws_services.create_api_token(user=owner, name="canary")
    api = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})
    page = Client(raise_request_exception=False)
    page.force_login(owner)
    bodies: list[tuple[str, str]] = []

    def keep(label, response):
        bodies.append((f"{label} -> {describe(response)}", body_text(response)))
        return response

    def url(name, **kwargs):
        return reverse(name, kwargs={"org": tenancy.org.name, "workspace": ws.name, **kwargs})

    response = keep(
        "POST api secret",
        api.post(f"/api/pipeline-secrets?workspaceId={ws.id}", {"name": "API_TOKEN", "value": API_SECRET},
                 content_type="application/json"),
    )  # fmt: skip
    assert response.status_code == 200, response.content
    keep("POST page secret", page.post(url("pipelines:secret_create"), {"name": "DB_PASSWORD", "value": "x-first"}))
    keep("POST page, invalid", page.post(url("pipelines:secret_create"), {"name": "bad name", "value": PAGE_SECRET}))
    db_secret = PipelineSecret.objects.get(workspace=ws, name="DB_PASSWORD")
    keep(
        "POST replace",
        page.post(url("pipelines:secret_replace", pk=db_secret.pk), {"value": REPLACED_SECRET}),
    )

    launch = {"launch": {"pipeline": "https://github.com/nextflow-io/hello", "computeEnvId": batch_ce.pk,
                         "workspaceSecrets": ["API_TOKEN", "DB_PASSWORD"], "paramsText": "greeting: Hi"}}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False):
        response = keep(
            "POST launch",
            api.post(f"/api/workflow/launch?workspaceId={ws.id}", launch, content_type="application/json"),
        )
    assert response.status_code == 200, response.content
    run = Run.objects.get(pk=response.json()["workflowId"])
    services.submit_run(run_id=run.pk, workspace_id=ws.id)
    manager = boto3.client("secretsmanager", region_name="us-east-1")
    assert manager.get_secret_value(SecretId=f"tower-{run.pk}-API_TOKEN")["SecretString"] == API_SECRET
    assert manager.get_secret_value(SecretId=f"tower-{run.pk}-DB_PASSWORD")["SecretString"] == REPLACED_SECRET
    for _ in range(12):
        monitor.sweep()
        run.refresh_from_db()
        if run.status in RunStatus.final():
            break
    assert run.status == RunStatus.SUCCEEDED

    for path in (
        f"/api/workflow?workspaceId={ws.id}",
        f"/api/workflow/{run.pk}?workspaceId={ws.id}",
        f"/api/workflow/{run.pk}/launch?workspaceId={ws.id}",
        f"/api/workflow/{run.pk}/log?workspaceId={ws.id}",
        f"/api/pipeline-secrets?workspaceId={ws.id}",
        f"/api/pipeline-secrets/{db_secret.pk}?workspaceId={ws.id}",
        "/api/openapi",
    ):
        keep(f"GET {path}", api.get(path))
    for name, kwargs in (
        ("pipelines:run_list", {}),
        ("pipelines:run_detail", {"pk": run.pk}),
        ("pipelines:run_status", {"pk": run.pk}),
        ("pipelines:run_log", {"pk": run.pk}),
        ("pipelines:run_relaunch", {"pk": run.pk}),
        ("pipelines:secret_list", {}),
        ("pipelines:secret_replace", {"pk": db_secret.pk}),
    ):
        keep(f"GET {name}", page.get(url(name, **kwargs)))
    download = page.get(url("pipelines:run_log_download", pk=run.pk))
    bodies.append(("GET download", b"".join(download.streaming_content).decode()))

    # What AWS Batch holds: the head job's parameters and its job definition carry references only.
    bodies.append(("SubmitJob parameters", json.dumps(runner.submitted[run.job_id], default=str)))
    batch = boto3.client("batch", region_name="us-east-1")
    bodies.append(("DescribeJobs", json.dumps(batch.describe_jobs(jobs=[run.job_id]), default=str)))
    name, revision = run.job_definition.split(":")
    definitions = batch.describe_job_definitions(jobDefinitionName=name)["jobDefinitions"]
    bodies.append(("job definition", json.dumps(definitions, default=str)))
    assert any(":secret:tower-" in d for _, d in bodies[-1:]), "the job definition has no secret reference"

    found = []
    for label, text in bodies:
        found += leaks(label, text)
    formatter, json_formatter = logging.Formatter("%(name)s %(levelname)s %(message)s"), JsonFormatter()
    for record in caplog.records:
        found += leaks(f"log record {record.name}", formatter.format(record) + json_formatter.format(record))
    captured = capsys.readouterr()
    found += leaks("stdout", captured.out) + leaks("stderr", captured.err)
    for message in sent():
        found += leaks(f"queue message {message.actor_name}", message.encode().decode(errors="replace"))
    from django.apps import apps

    for model in apps.get_models():  # every table, the ciphertext column included (it is not the value)
        for row in model._base_manager.values_list():
            found += leaks(f"table {model._meta.db_table}", " ".join(map(str, row)))
    assert not found, "A pipeline secret leaked:\n  " + "\n  ".join(dict.fromkeys(found))
    services.dispose_run_secrets(run_id=run.pk, workspace_id=ws.id)
    assert not [s for s in manager.list_secrets()["SecretList"] if s["Name"].startswith(f"tower-{run.pk}-")]
