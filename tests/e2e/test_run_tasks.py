"""The run page follows what Nextflow reports, in a real browser: a progress bar per process and
the task table fill while the plugin's calls arrive over HTTP, then filter, sort and page."""

import base64
import json
import urllib.request

import pytest
from playwright.sync_api import expect

from pipelines.trace import tokens
from tests.factories import RunFactory
from tests.pipelines.trace.plugin import PluginRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def nextflow(live_server, run):
    """The plugin's HTTP calls for `run`, with its run token as Basic @token (as TowerClient sends it)."""
    auth = "Basic " + base64.b64encode(f"@token:{tokens.run_token(run.pk)}".encode()).decode()

    def send(method, path, body):
        request = urllib.request.Request(
            f"{live_server.url}/api{path}?workspaceId={run.workspace_id}", data=json.dumps(body).encode(),
            method=method, headers={"Authorization": auth, "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    return send


def test_the_run_page_follows_nextflows_reports(live_server, lab, page, sign_in, shot):
    workspace, _ = lab
    run = RunFactory(workspace=workspace, owner=workspace.participants.get().user, run_name="trace_e2e")
    plugin = PluginRun(tower_workflow_id=run.pk, processes=[("FASTQC", 30), ("ALIGN", 30), ("MULTIQC", 1)])
    calls = plugin.calls(run.pk)
    send = nextflow(live_server, run)
    send("POST", "/trace/create", plugin.create_request())
    half = len(calls) // 2
    for kind, body in calls[:half]:
        send("PUT", f"/trace/{run.pk}/{kind}", body)

    sign_in(page, "maria")
    page.goto(f"{live_server.url}{run.get_absolute_url()}")
    block = page.locator("#run-trace")
    expect(block.locator("svg.run-bar")).to_have_count(3)
    expect(page.locator("#run-status")).to_contain_text("RUNNING")
    shot(page, "t01-run-tasks-running")

    for kind, body in calls[half:]:
        send("PUT", f"/trace/{run.pk}/{kind}", body)
    expect(block).to_contain_text("30 of 30 done", timeout=30_000)  # the block polls while the run is active
    expect(page.locator("#run-status")).to_contain_text("SUCCEEDED", timeout=30_000)
    expect(block).to_contain_text("61 tasks")
    shot(page, "t02-run-tasks-succeeded")

    page.locator("#task-process").select_option("MULTIQC")
    page.locator("#run-trace-filter button").click()
    expect(page.locator("#run-tasks tbody tr")).to_have_count(1)
    expect(page.locator("#run-tasks tbody")).to_contain_text("MULTIQC")
    page.locator("#task-process").select_option("")
    page.locator("#run-trace-filter button").click()
    expect(page.locator("#run-tasks tbody tr")).to_have_count(50)
    page.locator("#run-tasks thead a", has_text="Id").click()  # sorted by id: this flips it
    expect(page.locator("#run-tasks tbody tr").first).to_contain_text("MULTIQC")
    page.locator("#run-tasks-next").click()
    expect(page.locator("#run-trace")).to_contain_text("Page 2 of 2")
    expect(page.locator("#run-tasks tbody tr")).to_have_count(11)
    shot(page, "t03-run-tasks-sorted-page-2")
