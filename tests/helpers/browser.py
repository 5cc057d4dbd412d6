"""Browser (Playwright) steps shared by the e2e tests."""

from __future__ import annotations

from playwright.sync_api import expect


def new_ce_form(page, live_server, *, mode: str, name: str, credentials, region: str, work_dir: str) -> None:
    response = page.goto(f"{live_server.url}/orgs/acme/workspaces/lab/compute-envs/new/")
    assert response.ok, response.status
    choose_mode(page, mode)
    page.locator('[name="name"]').fill(name)
    page.locator('[name="credentials"]').select_option(str(credentials.pk))
    page.locator('[name="region"]').select_option(region)
    page.locator('[name="workDir"]').fill(work_dir)


def choose_mode(page, mode: str) -> None:
    """With the mouse, on the radio's label, as a person does."""
    page.get_by_label({"forge": "Batch Forge", "manual": "Manual"}[mode], exact=True).click()
    expect(page.locator(f'input[name="mode"][value="{mode}"]')).to_be_checked()
