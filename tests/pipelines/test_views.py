"""The pages of pipelines, runs and secrets over the strict layer and the sandbox runner."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pipelines import monitor
from pipelines.models import Pipeline, PipelineSecret, Run, RunStatus
from tests.factories import PipelineFactory, RunFactory
from tests.pipelines.trace.plugin import PluginRun
from workspaces import services as ws_services

pytestmark = pytest.mark.django_db


def url(tenancy, name, **kwargs):
    return reverse(name, kwargs={"org": tenancy.org.name, "workspace": tenancy.workspace.name, **kwargs})


def follow(run, polls=10):
    for _ in range(polls):
        monitor.sweep()
        run.refresh_from_db()
        if run.status in RunStatus.final():
            break
    return run


def test_quick_launch_page_to_a_succeeded_run_with_its_log(
    client, tenancy, batch_ce, runner, django_capture_on_commit_callbacks
):
    client.force_login(tenancy.users["maintain"])
    page = client.get(url(tenancy, "pipelines:quick_launch"))
    assert page.status_code == 200
    run_name = page.context["form"].initial["run_name"]
    assert "_" in run_name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(tenancy, "pipelines:quick_launch"),
            {"run_name": run_name, "repository": "https://github.com/nextflow-io/hello", "revision": "master",
             "compute_env": batch_ce.pk, "params_text": "greeting: Bonjour\n"},
        )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    run = Run.objects.get(run_name=run_name)
    assert response.url == run.get_absolute_url()
    from pipelines import services

    services.submit_run(run_id=run.pk, workspace_id=run.workspace_id)
    follow(run)
    assert run.status == RunStatus.SUCCEEDED
    detail = client.get(run.get_absolute_url())
    assert b"SUCCEEDED" in detail.content and b"Bonjour" in detail.content
    log = client.get(url(tenancy, "pipelines:run_log", pk=run.pk))
    assert b"N E X T F L O W" in log.content and b"Succeeded   : 4" in log.content
    download = client.get(url(tenancy, "pipelines:run_log_download", pk=run.pk))
    body = b"".join(download.streaming_content).decode()
    assert body.startswith("Nextflow launcher") and "Succeeded   : 4" in body
    listing = client.get(url(tenancy, "pipelines:run_list"))
    assert run_name.encode() in listing.content and b"run-badge-" in listing.content


def test_launch_role_launches_a_saved_pipeline_but_may_change_only_its_parameters(client, tenancy, batch_ce, runner):
    pipeline = PipelineFactory(workspace=tenancy.workspace, compute_env=batch_ce, params_text="a: 1\n")
    client.force_login(tenancy.users["launch"])
    assert client.get(url(tenancy, "pipelines:quick_launch")).status_code == 403
    page = client.get(url(tenancy, "pipelines:launch", pk=pipeline.pk))
    assert page.context["form"].fields["repository"].disabled
    data = {"run_name": "launch_role_run", "params_text": "a: 2\n", "repository": "https://github.com/evil/repo"}
    response = client.post(url(tenancy, "pipelines:launch", pk=pipeline.pk), data)
    assert response.status_code == 302, (response.context["form"].errors, response.context["form"].non_field_errors())
    run = Run.objects.get(run_name="launch_role_run")
    assert run.repository == pipeline.repository and run.params == {"a": 2}


def test_pipeline_and_secret_pages(client, tenancy):
    client.force_login(tenancy.users["maintain"])
    response = client.post(
        url(tenancy, "pipelines:create"),
        {"name": "hello", "repository": "https://github.com/nextflow-io/hello", "params_text": "{not json"},
    )
    assert response.status_code == 200 and "not valid JSON" in response.content.decode()
    response = client.post(
        url(tenancy, "pipelines:create"), {"name": "hello", "repository": "https://github.com/nextflow-io/hello"}
    )
    pipeline = Pipeline.objects.get(name="hello")
    assert response.url == pipeline.get_absolute_url()
    for name in ("detail", "edit", "duplicate", "delete", "launch"):
        assert client.get(url(tenancy, f"pipelines:{name}", pk=pipeline.pk)).status_code == 200, name
    assert (
        client.post(url(tenancy, "pipelines:secret_create"), {"name": "TOKEN", "value": "v4lue-zz"}).status_code == 302
    )
    secret = PipelineSecret.objects.get(name="TOKEN")
    listing = client.get(url(tenancy, "pipelines:secret_list")).content.decode()
    assert "TOKEN" in listing and "v4lue-zz" not in listing
    assert client.get(url(tenancy, "pipelines:secret_replace", pk=secret.pk)).status_code == 200


def test_active_run_cannot_be_deleted_and_the_list_polls_only_while_runs_are_active(client, tenancy):
    run = RunFactory(workspace=tenancy.workspace, status=RunStatus.RUNNING)
    client.force_login(tenancy.users["launch"])
    confirm = client.get(url(tenancy, "pipelines:run_delete", pk=run.pk))
    assert b"cancel it before deleting it" in confirm.content
    listing = client.get(url(tenancy, "pipelines:run_list")).content.decode()
    assert 'id="run-badges"' in listing and "hx-get" in listing.split('id="run-badges"')[1].split(">")[0]
    Run.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    badges = client.get(url(tenancy, "pipelines:run_badges") + f"?ids={run.pk}").content.decode()
    assert "SUCCEEDED" in badges and "hx-get" not in badges.split('id="run-badges"')[1].split(">")[0]


def test_the_live_tail_answers_only_new_lines_and_stops_when_the_run_ends(client, tenancy, batch_ce, runner, launch):
    from pipelines import logs

    run = launch(compute_env=batch_ce, settings={"repository": "https://github.com/nextflow-io/hello"})
    for _ in range(3):
        monitor.sweep()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    first = logs.read_page(run)
    client.force_login(tenancy.users["view"])
    tail_url = url(tenancy, "pipelines:run_log", pk=run.pk) + f"?next={first.forward_token}&tail=1"
    nothing_new = client.get(tail_url).content.decode()
    assert nothing_new.count("\n") == 0 and "hx-get" in nothing_new  # no stray blank line; polls on
    monitor.sweep()  # the tasks are submitted: new lines
    answer = client.get(tail_url).content.decode()
    assert "Submitted process &gt; sayHello (1)" in answer and "N E X T F L O W" not in answer
    follow(run)
    last = logs.read_page(run)
    ended = client.get(url(tenancy, "pipelines:run_log", pk=run.pk) + f"?next={last.forward_token}&tail=1")
    assert "hx-get" not in ended.content.decode() and 'id="run-log-live" hx-swap-oob="delete"' in ended.content.decode()


def test_a_run_reported_from_outside_says_so_instead_of_a_compute_environment_and_head_job(client, tenancy):
    """`nextflow run -with-tower` on a laptop with a personal token: no compute environment, no head job."""
    _, token = ws_services.create_api_token(user=tenancy.users["launch"], name="laptop")
    nf = APIClient()
    nf.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    plugin = PluginRun()
    created = nf.post(
        f"/api/trace/create?workspaceId={tenancy.workspace.pk}", plugin.create_request(), format="json"
    ).json()
    run = Run.objects.get(pk=created["workflowId"])
    begin = plugin.begin_request(run.pk)
    begin["workflow"].update(userName="ada", launchDir="/home/ada/rnaseq", logFile="/home/ada/rnaseq/.nextflow.log")
    assert (
        nf.put(f"/api/trace/{run.pk}/begin?workspaceId={tenancy.workspace.pk}", begin, format="json").status_code == 200
    )
    client.force_login(tenancy.users["view"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert "reported from outside this service" in page and "Compute environment</dt><dd" in page
    assert "?" not in page.split('id="run-compute-env">')[1].split("</dd>")[0]
    assert "Nextflow ran as ada" in page and "/home/ada/rnaseq" in page and "Launched by" not in page
    log = client.get(url(tenancy, "pipelines:run_log", pk=run.pk)).content.decode()
    assert "has not started yet" not in log and "never ran" not in log
    assert "not launched here" in log and "/home/ada/rnaseq/.nextflow.log" in log
    assert 'hx-trigger="load delay:3s"' not in log  # nothing to tail


def test_a_run_launched_here_keeps_its_compute_environment_and_head_job_texts(client, tenancy):
    run = RunFactory(workspace=tenancy.workspace, user_name="maintainer", region="eu-west-1")
    client.force_login(tenancy.users["view"])
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Launched by" in page and "maintainer" in page and "reported from outside" not in page
    log = client.get(url(tenancy, "pipelines:run_log", pk=run.pk)).content.decode()
    assert "The head job has not started yet" in log
