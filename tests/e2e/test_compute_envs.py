"""Issue 3's create form in a real browser: the client-side option coupling (Fusion v2 -> Wave on,
EBS auto scale off and disabled with the reason), the instance-type warning, the plan preview with
the forged names, creation in Batch Forge mode, and a Manual-mode CE validated by the worker against
job queues that exist in moto."""

import re

import pytest
from playwright.sync_api import expect

from computeenvs.models import ComputeEnv
from tests.helpers.aws import batch_queue, bucket
from tests.helpers.browser import new_ce_form

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

INSTANCE_TYPES = [
    f"{family}.{size}"
    for family in ("c5", "m5", "r5")
    for size in ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
]


def field(page, path: str):
    return page.locator(f'.ce-field[data-path="{path}"]')


def test_forge_form_coupling_preview_and_create(live_server, lab, page, sign_in, shot):
    _, credentials = lab
    assert len(INSTANCE_TYPES) > 20
    sign_in(page, "maria")
    new_ce_form(
        page,
        live_server,
        mode="forge",
        name="forge-e2e",
        credentials=credentials,
        region="eu-west-1",
        work_dir="s3://acme-work/scratch",
    )
    shot(page, "b01-ce-form")
    shot(page, "b01-ce-form-general", of=page.locator("#group-general"))

    wave, fusion, ebs = (
        page.locator(f'[name="{path}"]') for path in ("waveEnabled", "fusion2Enabled", "forge.ebsAutoScale")
    )
    expect(wave).not_to_be_checked()
    expect(ebs).to_be_checked()
    expect(ebs).to_be_enabled()
    fusion.check()
    expect(wave).to_be_checked()
    expect(ebs).not_to_be_checked()
    expect(ebs).to_be_disabled()
    expect(field(page, "forge.ebsAutoScale").locator(".ce-reason")).to_contain_text("not compatible with Fusion v2")
    wave_reason = field(page, "waveEnabled").locator(".ce-reason")
    expect(wave_reason).to_have_text("On because Fusion v2 needs Wave containers.")  # the coupling, not advice
    expect(field(page, "forge.ebsAutoScale").locator(".ce-reason")).to_have_text(
        "Off because EBS auto scale is not compatible with Fusion v2."
    )
    fusion.uncheck()  # undoing the toggle restores what it changed by itself
    expect(wave).not_to_be_checked()
    expect(ebs).to_be_checked()
    expect(ebs).to_be_enabled()
    wave.check()  # a value the user set stays when the toggle is undone
    fusion.check()
    fusion.uncheck()
    expect(wave).to_be_checked()
    wave.uncheck()
    fusion.check()

    warning = page.locator(".ce-instance-warning")
    types = page.locator('[name="forge.instanceTypes"]')
    advanced = page.locator("#group-advanced details.ce-collapsible")
    expect(types).to_be_hidden()  # optional groups start closed
    page.locator('.ce-toc a[href="#group-advanced"]').click()  # the contents link opens its group
    expect(advanced).to_have_attribute("open", "")
    expect(types).to_be_visible()
    types.fill(", ".join(INSTANCE_TYPES[:20]))
    expect(warning).to_be_hidden()
    types.fill(", ".join(INSTANCE_TYPES))
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("More than 20 instance types")
    shot(page, "b02-ce-form-coupled")
    shot(page, "b02-ce-wave-fusion", of=page.locator("#group-wavefusion"))
    shot(page, "b02-ce-forge", of=page.locator("#group-forge"))
    shot(page, "b02-ce-instance-types", of=field(page, "forge.instanceTypes"))
    types.fill(", ".join(INSTANCE_TYPES[:3]))

    page.locator('[name="forge.maxCpus"]').fill("64")
    page.evaluate("window.__samePage = true")
    page.get_by_role("button", name="Preview plan").click()
    preview = page.locator("#preview")
    expect(preview).to_be_visible()
    expect(preview).to_be_in_viewport()
    ce_id = page.locator('[name="ce_id"]').input_value()
    assert re.fullmatch(r"\w+", ce_id), ce_id
    assert page.evaluate("window.__samePage === true"), "Preview plan reloaded the page"
    plan = preview.locator(".ce-plan")
    expect(plan).to_contain_text(f"TowerForge-{ce_id}-head")
    expect(plan).to_contain_text(f"TowerForge-{ce_id}-work")
    launch_template = plan.locator("details", has_text="Ec2LaunchTemplate")
    expect(launch_template.locator(".ce-kv").first).to_be_hidden()  # collapsed by default
    launch_template.locator("summary").click()
    settings = launch_template.locator(".ce-kv").first
    expect(settings).to_be_visible()
    expect(settings).to_contain_text("sizeGb")
    expect(settings).not_to_contain_text("None")  # None values are left out, not printed as Python
    expect(settings).not_to_contain_text("{'")
    expect(launch_template.locator(".ce-tag", has_text=f"forge:ce-id={ce_id}")).to_be_visible()
    shot(page, "b03-ce-plan-launch-template", of=launch_template)
    box, page_width = preview.bounding_box(), page.viewport_size["width"]
    assert box["width"] > page_width * 0.6, box  # a wide section, not a narrow column
    expect(wave).to_be_checked()  # the coupling holds on the re-rendered form
    expect(types).to_be_visible()  # a group holding a non-default value is re-rendered open
    expect(page.locator('[name="forge.efsId"]')).to_be_hidden()  # an untouched one stays closed
    expect(ebs).to_be_disabled()
    preview.scroll_into_view_if_needed()
    shot(page, "b03-ce-preview")
    shot(page, "b03-ce-preview-card", of=preview)
    plan.get_by_role("button", name="Expand all").click()
    expect(plan.locator("details:not([open])")).to_have_count(0)
    shot(page, "b03-ce-preview-expanded", of=preview)

    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(rf"/compute-envs/{ce_id}/$"))
    expect(page.get_by_text("Compute environment forge-e2e created")).to_be_visible()
    expect(page.locator("#ce-status")).to_have_text(re.compile("CREATING|AVAILABLE"))
    expect(page.locator("body")).to_contain_text(f"TowerForge-{ce_id}-head")
    assert credentials.get_secret() not in page.content()
    shot(page, "b04-ce-detail-forge")
    config = ComputeEnv.objects.get(pk=ce_id).config  # what the coupling chose was posted, disabled or not
    assert (config["fusion2Enabled"], config["waveEnabled"], config["forge"]["ebsAutoScale"]) == (True, True, False)


def test_manual_ce_becomes_available(live_server, aws, worker, lab, page, sign_in, shot):
    _, credentials = lab
    batch_queue(aws, "e2e-head")
    batch_queue(aws, "e2e-work")
    bucket(aws, "e2e-work")
    sign_in(page, "maria")
    new_ce_form(
        page,
        live_server,
        mode="manual",
        name="manual-e2e",
        credentials=credentials,
        region="us-east-1",
        work_dir="s3://e2e-work/scratch",
    )
    expect(field(page, "forge.maxCpus")).to_be_hidden()
    page.locator('[name="headQueue"]').fill("e2e-head")
    page.locator('[name="computeQueue"]').fill("e2e-work")
    shot(page, "b05-ce-form-manual")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Compute environment manual-e2e created")).to_be_visible()
    expect(page.locator("#ce-status")).to_have_text("AVAILABLE", timeout=15_000)
    expect(page.get_by_text("its job queues are being validated")).to_have_count(0)  # the stale notice went
    live = page.locator("#ce-live")  # the whole block was swapped: no stale message beside the new badge
    expect(live).to_contain_text("Job queues are enabled and valid")
    expect(page.get_by_text("Validation pending")).to_have_count(0)
    expect(live).not_to_have_attribute("hx-trigger", re.compile("every"))
    expect(page.locator("#ce-status")).to_have_class(re.compile("text-bg-success"))
    shot(page, "b06-ce-detail-manual")

    page.get_by_role("button", name="Validate").click()  # a requested validation polls until it reports
    expect(page).to_have_url(re.compile(r"\?validating=\d+$"))
    expect(live).not_to_have_attribute("hx-trigger", re.compile("every"), timeout=15_000)
    expect(live).to_contain_text("Job queues are enabled and valid")

    page.goto(f"{live_server.url}/orgs/acme/workspaces/lab/compute-envs/")
    row = page.get_by_role("row", name=re.compile("manual-e2e"))
    expect(row.locator(".status-badge")).to_have_text("AVAILABLE")
    expect(row.locator(".status-badge")).to_have_class(re.compile("text-bg-success"))  # as on the detail page
    shot(page, "b07-ce-list")


def test_config_mode_radio_takes_a_mouse_click(live_server, lab, page, sign_in):
    sign_in(page, "maria")
    page.goto(f"{live_server.url}/orgs/acme/workspaces/lab/compute-envs/new/")
    group, manual = page.locator("#id_mode").bounding_box(), page.locator("#id_mode_1").bounding_box()
    assert group["y"] + group["height"] >= manual["y"] + manual["height"], "the Manual radio overflows its group"
    page.get_by_label("Manual").check(timeout=2_000)
    expect(field(page, "headQueue")).to_be_visible()
    page.locator("#id_mode_0").click(timeout=2_000)
    expect(field(page, "headQueue")).to_be_hidden()
    expect(field(page, "forge.maxCpus")).to_be_visible()


def test_errors_are_summarised_once_with_links_that_open_their_field(live_server, lab, page, sign_in, shot):
    workspace, credentials = lab
    sign_in(page, "maria")
    new_ce_form(page, live_server, mode="forge", name="", credentials=credentials, region="eu-west-1", work_dir="")
    page.locator('[name="forge.maxCpus"]').fill("64")
    page.locator('.ce-toc a[href="#group-advanced"]').click()
    page.locator('[name="headJobMemoryMb"]').fill("1")
    page.get_by_role("button", name="Create").click()

    summary = page.locator("#form-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    links = summary.locator("a")
    expect(links).to_have_count(3)  # name, work directory, head job memory
    hrefs = [links.nth(i).get_attribute("href") for i in range(3)]
    assert {"#id_name", "#id_workDir", "#id_headJobMemoryMb"} == set(hrefs), hrefs
    expect(page.locator('.ce-toc a[href="#group-advanced"]')).to_contain_text("has errors")
    expect(page.locator('.ce-toc a[href="#group-staging"]')).not_to_contain_text("has errors")
    shot(page, "b04-ce-error-summary", of=summary)
    summary.get_by_role("link", name=re.compile("memory", re.I)).click()
    expect(page.locator('[name="headJobMemoryMb"]')).to_be_focused()
    for path in ("workDir", "headJobMemoryMb"):
        messages = [text.strip() for text in field(page, path).locator(".ce-error, .ce-reason").all_inner_texts()]
        messages = [text for text in messages if text]
        assert len(messages) == len(set(messages)) >= 1, messages
