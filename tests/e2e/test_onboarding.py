"""Issue 2's "done means", in a real browser: a new user signs in, creates an organization and a
workspace, invites a member by e-mail, stores AWS credentials and sees them validated (moto, through
the Dramatiq worker); the invited person follows the link from their e-mail (never shown to the
inviter), creates their account and is signed in, in the workspace."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import UserFactory

ACCESS_KEY = "AKIAE2ETESTKEY000001"
SECRET_KEY = "E2eCanarySecret/0123456789abcdefghijklmn"
INVITEE = "newcomer@example.org"
INVITEE_PASSWORD = "a-long-and-new-passphrase-42"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_user_sets_up_a_workspace_invites_and_validates_credentials(
    live_server, aws, worker, page, new_page, sign_in, shot
):
    assert len(SECRET_KEY) == 40
    UserFactory(username="newbie")

    sign_in(page, "newbie")
    expect(page.get_by_text("You are not in any organization yet")).to_be_visible()
    shot(page, "a01-home-empty")

    page.get_by_role("link", name="Create your first organization").click()
    page.get_by_label("Name", exact=True).fill("genlab")
    shot(page, "a02-org-form")
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/orgs/genlab/$"))
    expect(page.get_by_text("Organization genlab created")).to_be_visible()

    page.get_by_role("link", name="Create workspace").click()
    page.get_by_label("Name", exact=True).fill("rnaseq")
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(re.compile(r"/orgs/genlab/workspaces/rnaseq/$"))
    shot(page, "a03-workspace")

    page.goto(f"{live_server.url}/orgs/genlab/workspaces/rnaseq/participants/")
    page.get_by_role("link", name="Add participant").click()
    page.get_by_label("Or invite by e-mail").fill(INVITEE)
    page.get_by_label("Role").select_option("maintain")
    page.get_by_role("button", name="Add participant").click()
    expect(page.get_by_text(f"Invitation sent to {INVITEE}")).to_be_visible()
    sent = [m for m in mail.outbox if m.to == [INVITEE]]
    assert len(sent) == 1 and "the workspace rnaseq (genlab/rnaseq) as maintain" in sent[0].subject
    invitation = re.search(r"https?://\S+/accounts/invitations/\S+/", sent[0].body).group(0)
    assert invitation.startswith(f"{live_server.url}/accounts/invitations/")
    assert invitation not in page.content()  # the link goes to the invitee only
    pending = page.get_by_role("region", name="Pending invitations")
    expect(pending).to_contain_text(INVITEE)
    expect(pending.get_by_role("button", name="Resend")).to_be_visible()
    shot(page, "a04-invited")

    page.goto(f"{live_server.url}/orgs/genlab/workspaces/rnaseq/credentials/new/")
    page.get_by_label("Name", exact=True).fill("aws-main")
    page.get_by_label("Access key id").fill(ACCESS_KEY)
    page.get_by_label("Secret access key").fill(SECRET_KEY)
    shot(page, "a05-credentials-form")
    page.get_by_role("button", name="Save credentials").click()
    expect(page.get_by_text("Credentials aws-main saved")).to_be_visible()
    expect(page.locator("#credentials-status")).to_have_text("AVAILABLE", timeout=15_000)
    expect(page.get_by_text("Validation against AWS is queued")).to_have_count(0)  # the stale notice went
    live = page.locator("#credentials-live")  # badge, AWS's answer, account id and date arrive together
    expect(live.get_by_text("123456789012", exact=True)).to_be_visible()
    expect(live).to_contain_text("Authenticated as")
    expect(live).not_to_contain_text("never")
    expect(live).not_to_contain_text("Validating")
    expect(page.get_by_text(ACCESS_KEY)).to_be_visible()
    shot(page, "a06-credentials-available")
    detail_url = page.url
    for url in (
        detail_url,
        f"{detail_url}edit/",
        f"{detail_url}secret/",
        f"{live_server.url}/orgs/genlab/workspaces/rnaseq/credentials/",
    ):
        page.goto(url)
        assert SECRET_KEY not in page.content(), url
    shot(page, "a07-credentials-list")

    invited = new_page()
    invited.goto(invitation)
    expect(invited).to_have_url(re.compile(r"/accounts/invitations/accept/$"))  # the token left the URL
    expect(invited.get_by_text("to join the workspace rnaseq (genlab/rnaseq) as maintain")).to_be_visible()
    username = invited.get_by_label("Username").input_value()
    assert username == "newcomer"
    shot(invited, "a08-invitation")
    invited.get_by_label("Password", exact=True).fill(INVITEE_PASSWORD)
    invited.get_by_label("Password confirmation").fill(INVITEE_PASSWORD)
    invited.get_by_role("button", name="Create account and accept").click()
    expect(invited).to_have_url(re.compile(r"/orgs/genlab/workspaces/rnaseq/$"))  # signed in, in the workspace
    expect(invited.get_by_text("Welcome: you joined the workspace rnaseq")).to_be_visible()
    shot(invited, "a09-invitee-workspace")
    invited.goto(f"{live_server.url}/")
    expect(invited.get_by_role("link", name="rnaseq")).to_be_visible()
    invited.context.clear_cookies()
    sign_in(invited, username, INVITEE_PASSWORD)
    expect(invited.get_by_role("link", name="rnaseq")).to_be_visible()

    invited.goto(invitation)
    expect(invited.get_by_text("This invitation no longer works")).to_be_visible()

    page.goto(f"{live_server.url}/orgs/genlab/workspaces/rnaseq/participants/")
    table = page.get_by_role("table").first
    expect(table).to_contain_text(username)
    expect(table).not_to_contain_text(re.compile("MEMBER|COLLABORATOR"))
    expect(table.get_by_role("cell", name=re.compile("^(Member|Collaborator)$")).first).to_be_visible()
    expect(page.get_by_text("No pending invitations")).to_be_visible()
