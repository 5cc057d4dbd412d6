"""The run page's trace block: progress bars per process and a task table that filters, sorts
and pages over what Nextflow reported, in a bounded number of queries however many tasks."""

import json

import pytest
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from pipelines.trace import tokens
from pipelines.trace.models import RunTrace, Task
from tests.factories import RunFactory
from tests.pipelines.trace.plugin import PluginRun, auth_header

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(tenancy):
    run = RunFactory(workspace=tenancy.workspace, owner=tenancy.users["launch"])
    plugin = PluginRun(tower_workflow_id=run.pk, fail_process="ALIGN")
    nf = APIClient()
    nf.credentials(HTTP_AUTHORIZATION=auth_header(tokens.run_token(run.pk)))
    assert (
        nf.post("/api/trace/create", json.dumps(plugin.create_request()), content_type="application/json").status_code
        == 200
    )
    for kind, body in plugin.calls(run.pk)[:-1]:  # still running
        assert (
            nf.put(f"/api/trace/{run.pk}/{kind}", json.dumps(body), content_type="application/json").status_code == 200
        )
    return run


def page(tenancy, run, query="", user="view"):
    client = Client()
    client.force_login(tenancy.users[user])
    url = tenancy.workspace.url("trace:run_trace", pk=run.pk)
    return client.get(f"{url}{query}")


def test_the_run_page_loads_the_trace_block(tenancy, reported):
    client = Client()
    client.force_login(tenancy.users["view"])
    detail = client.get(reported.get_absolute_url()).content.decode()
    assert tenancy.workspace.url("trace:run_trace", pk=reported.pk) in detail


def test_progress_bars_and_tasks(tenancy, reported):
    html = page(tenancy, reported).content.decode()
    assert html.count('class="run-bar"') == 3 and "FASTQC" in html and "ALIGN" in html
    assert "6 of 6 done" in html and "1 failed" in html
    assert 'class="run-bar-failed"' in html and "style=" not in html  # CSP: no inline style
    assert "FASTQC (sample_1)" in html and 'hx-trigger="load delay:' in html  # active: it polls
    assert "Nextflow 25.04.6" in html and "quay.io/nextflow/bash:latest" in html


def test_filter_sort_and_page(tenancy, reported):
    failed = page(tenancy, reported, "?status=FAILED").content.decode()
    assert "ALIGN (sample_6)" in failed and "FASTQC (sample_1)" not in failed
    by_process = page(tenancy, reported, "?process=MULTIQC").content.decode()
    assert "MULTIQC" in by_process and "FASTQC (sample_2)" not in by_process
    searched = page(tenancy, reported, "?q=sample_3").content.decode()
    assert "FASTQC (sample_3)" in searched and "ALIGN (sample_3)" in searched and "sample_4" not in searched
    newest_first = page(tenancy, reported, "?sort=taskId&dir=desc").content.decode()
    last = Task.objects.filter(run=reported).order_by("-task_id").first()
    assert newest_first.index(last.name) < newest_first.index("FASTQC (sample_1)")
    nonsense = page(tenancy, reported, "?sort=script;drop&status=NOPE&page=zzz")
    assert nonsense.status_code == 200


def test_many_tasks_page_in_bounded_queries(tenancy, reported, django_assert_max_num_queries):
    Task.objects.bulk_create(
        Task(
            workspace=tenancy.workspace,
            run=reported,
            task_id=1000 + i,
            status="COMPLETED",
            name=f"BULK ({i})",
            process="BULK",
        )
        for i in range(3000)
    )
    RunTrace.objects.filter(run=reported).update(task_count=F("task_count") + 3000)  # as upsert_tasks keeps it
    client = Client()
    client.force_login(tenancy.users["view"])
    url = tenancy.workspace.url("trace:run_trace", pk=reported.pk)
    with django_assert_max_num_queries(14):
        html = client.get(f"{url}?page=40&sort=duration&dir=desc").content.decode()
    assert "Page 40 of" in html and "Next" in html and "Previous" in html
    total = Task.objects.filter(run=reported).count()
    assert f"Page 40 of {-(-total // 50)} · {total:,} tasks" in html  # the kept count, exact
    completed = Task.objects.filter(run=reported, status="COMPLETED").count()
    with django_assert_max_num_queries(14):
        filtered = client.get(f"{url}?status=COMPLETED&page=2").content.decode()
    assert f"Page 2 of {-(-completed // 50)} · {completed:,} tasks" in filtered  # a filter counts what it selects


def test_outsiders_get_404(tenancy, reported):
    client = Client()
    client.force_login(tenancy.outsider)
    assert client.get(tenancy.workspace.url("trace:run_trace", pk=reported.pk)).status_code == 404
