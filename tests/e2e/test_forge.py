"""Batch Forge in a real browser, over moto with the strict AWS layer and a worker: the detail page
follows the forge to AVAILABLE with the ledger filled in; after the forged queues vanish (as after
a restart of the `make run` sandbox) Validate finds them missing and Repair forges them again; the
delete, confirmed by typing the name, disposes of everything."""

import re

import boto3
import pytest
from playwright.sync_api import expect

from computeenvs.models import ComputeEnv
from tests.helpers.aws import bucket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strict_aws(aws):
    from tests.faults.strict import strict_layer

    layer = strict_layer()
    yield layer
    layer.uninstall()


def test_forge_progress_repair_and_dispose(live_server, strict_aws, aws, worker, lab, page, sign_in, shot):
    from tests.helpers.browser import new_ce_form

    _, credentials = lab
    bucket(aws, "e2e-forge")
    sign_in(page, "maria")
    new_ce_form(page, live_server, mode="forge", name="forge-e2e", credentials=credentials, region="us-east-1",
                work_dir="s3://e2e-forge/work")  # fmt: skip
    page.locator('[name="forge.maxCpus"]').fill("16")
    page.get_by_role("button", name="Create").click()
    status = page.locator("#ce-status")
    expect(status).to_have_text("AVAILABLE", timeout=60_000)
    ce = ComputeEnv.objects.get(name="forge-e2e")
    ledger = page.locator("#ce-ledger")
    expect(ledger).to_contain_text(f"TowerForge-{ce.pk}-head")
    expect(ledger).not_to_contain_text("CREATING")
    expect(page.locator("#ce-disable")).to_be_visible()  # the buttons followed the badge, no reload
    shot(page, "c01-forge-available")

    batch = boto3.client("batch", region_name="us-east-1")  # out of band: the sandbox forgot its queues
    for queue in (ce.config["headQueue"], ce.config["computeQueue"]):
        batch.delete_job_queue(jobQueue=queue)
    page.get_by_role("button", name="Validate").click()
    expect(status).to_have_text("INVALID", timeout=30_000)
    expect(page.locator("#ce-live")).to_contain_text("was not found in us-east-1")
    repair = page.locator("#ce-retry")
    expect(repair).to_have_text("Repair")
    shot(page, "c02-forge-invalid-repair")
    repair.click()
    expect(status).to_have_text("AVAILABLE", timeout=60_000)
    names = {q["jobQueueName"] for q in batch.describe_job_queues()["jobQueues"]}
    assert {ce.config["headQueue"], ce.config["computeQueue"]} <= names

    page.get_by_role("link", name="Delete").click()
    expect(page.locator("#ce-dispose-list")).to_contain_text(f"TowerForge-{ce.pk}-work")
    page.locator('[name="confirm_name"]').fill("forge-e2e")
    shot(page, "c03-forge-delete")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("is being deleted")).to_be_visible()
    for _ in range(120):
        if not ComputeEnv.objects.filter(pk=ce.pk).exists():
            break
        page.wait_for_timeout(500)
    assert not ComputeEnv.objects.filter(pk=ce.pk).exists()
    assert not [q for q in batch.describe_job_queues()["jobQueues"] if ce.pk in q["jobQueueName"]]
    page.reload()
    expect(page.get_by_text(re.compile("Not found"))).to_be_visible()
