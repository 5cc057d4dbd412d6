"""The whole journey of a run in a real browser, over moto with the strict AWS layer, a worker and
the sandbox's Batch runner (head jobs played by the clock): forge a compute environment, launch
the saved pipeline, watch it RUNNING with its log filling, then SUCCEEDED; launch another and
cancel it; delete the compute environment and see it disposed. A screenshot of every step is kept."""

import re
import threading

import pytest
from django.db import close_old_connections, connection
from playwright.sync_api import expect

from computeenvs.models import ComputeEnv
from pipelines import monitor
from pipelines.models import Run
from pipelines.sandbox import BatchRunner
from tests.factories import PipelineFactory
from tests.helpers.aws import bucket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strict_aws(aws):
    from tests.faults.strict import strict_layer

    layer = strict_layer()
    yield layer
    layer.uninstall()


@pytest.fixture
def played(strict_aws):
    """Head jobs played by the clock (a step a second), and the monitor swept every second, as the
    scheduler does in production."""
    runner = BatchRunner(step_seconds=1.0).install().start_thread()
    stop = threading.Event()

    def sweep():
        try:
            while not stop.wait(1.0):
                monitor.sweep()
                close_old_connections()
        finally:
            connection.close()

    thread = threading.Thread(target=sweep, daemon=True)
    thread.start()
    yield runner
    stop.set()
    thread.join(timeout=5)
    runner.uninstall()


def test_launch_follow_log_cancel_and_dispose(live_server, strict_aws, aws, worker, played, lab, page, sign_in, shot):
    from tests.helpers.browser import new_ce_form

    workspace, credentials = lab
    bucket(aws, "e2e-runs")
    sign_in(page, "maria")
    new_ce_form(page, live_server, mode="forge", name="runs-e2e", credentials=credentials, region="us-east-1",
                work_dir="s3://e2e-runs/work")  # fmt: skip
    page.locator('[name="forge.maxCpus"]').fill("16")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#ce-status")).to_have_text("AVAILABLE", timeout=60_000)
    shot(page, "r01-compute-env-available")
    ce = ComputeEnv.objects.get(name="runs-e2e")
    pipeline = PipelineFactory(workspace=workspace, name="hello", compute_env=ce, params_text="greeting: Hello\n")

    page.goto(f"{live_server.url}{pipeline.get_absolute_url()}")
    page.locator("#pipeline-launch").click()
    expect(page.locator('[name="run_name"]')).not_to_have_value("")
    shot(page, "r02-launch-form")
    page.get_by_role("button", name="Launch").click()
    status = page.locator("#run-status")
    expect(status).to_contain_text("RUNNING", timeout=60_000)
    expect(page.locator("#run-log-lines")).to_contain_text("N E X T F L O W", timeout=30_000)
    expect(page.locator("#run-log-live")).to_be_visible()
    shot(page, "r03-run-running-log-filling")
    expect(status).to_contain_text("SUCCEEDED", timeout=60_000)
    expect(page.locator("#run-log-lines")).to_contain_text("Succeeded   : 4", timeout=30_000)
    expect(page.locator("#run-relaunch")).to_be_visible()  # the buttons followed the status, no reload
    shot(page, "r04-run-succeeded")
    first = Run.objects.get(pipeline=pipeline)
    assert first.status == "SUCCEEDED" and first.job_id and first.log_stream

    page.goto(f"{live_server.url}{pipeline.get_absolute_url()}")
    page.locator("#pipeline-launch").click()
    page.get_by_role("button", name="Launch").click()
    expect(status).to_contain_text(re.compile("SUBMITTED|RUNNING"))
    page.locator("#run-cancel").click()
    expect(status).to_contain_text("CANCELLED", timeout=30_000)
    shot(page, "r05-run-cancelled")
    second = Run.objects.exclude(pk=first.pk).get(pipeline=pipeline)
    assert second.status == "CANCELLED"
    if second.job_id:  # cancelled after its submission: the head job was terminated in AWS Batch
        assert played.plays[second.job_id].status == "FAILED"

    page.goto(f"{live_server.url}{workspace.url('pipelines:run_list')}")
    expect(page.locator(f"#run-badge-{first.pk}")).to_have_text("SUCCEEDED")
    expect(page.locator(f"#run-badge-{second.pk}")).to_have_text("CANCELLED")
    shot(page, "r06-run-list")

    page.goto(f"{live_server.url}{workspace.url('computeenvs:delete', pk=ce.pk)}")
    page.locator('[name="confirm_name"]').fill("runs-e2e")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("is being deleted")).to_be_visible()
    for _ in range(120):
        if not ComputeEnv.objects.filter(pk=ce.pk).exists():
            break
        page.wait_for_timeout(500)
    assert not ComputeEnv.objects.filter(pk=ce.pk).exists()
    page.goto(f"{live_server.url}{workspace.url('computeenvs:list')}")
    shot(page, "r07-compute-env-disposed")
