"""The label form in a browser: the resource switch comes before the value it enables, and a typed
value is never dropped silently when the switch is turned off."""

import pytest
from playwright.sync_api import expect

from tests.factories import ParticipantFactory
from workspaces.models import Label

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_typed_value_is_kept_and_explained(live_server, page, sign_in):
    ParticipantFactory(role="admin", user__username="lea", workspace__name="lab", workspace__org__name="acme")
    sign_in(page, "lea")
    page.goto(f"{live_server.url}/orgs/acme/workspaces/lab/labels/new/")
    names = page.locator("form input[name], form select[name]").evaluate_all("els => els.map(e => e.name)")
    assert names.index("resource") < names.index("value"), names
    resource, value = page.get_by_label("Resource label"), page.locator('[name="value"]')
    if not resource.is_checked():
        resource.check()
    page.locator('[name="name"]').fill("project")
    value.fill("genomics")
    resource.uncheck()
    expect(value).to_be_enabled()  # a filled value stays, so it is posted
    page.get_by_role("button", name="Save").or_(page.get_by_role("button", name="Create")).first.click()
    expect(page.locator(".invalid-feedback", has_text="Only resource labels have a value")).to_be_visible()
    expect(value).to_have_value("genomics")
    assert not Label.objects.filter(name="project").exists()
