"""Issue 14 defect 2 (account pre-hijacking) and issue 12 item 9 (invitation UX).

The set-password link goes only by e-mail to the invitee; invitations are pending until the
person who controls the address accepts (existing accounts too), can be revoked and resent,
expire after 7 days; only verified addresses take part in matching; responses do not reveal
whether an address has an account."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from workspaces import services
from workspaces.models import Invitation, Participant, VerifiedEmail, Workspace

pytestmark = pytest.mark.django_db
User = get_user_model()
WS = {"org": "acme", "workspace": "lab"}
PASSWORD = "a-Long-pass-phrase-42"


def ws_url(name, **kwargs):
    return reverse(name, kwargs={**WS, **kwargs})


def link_in(message) -> str:
    return re.search(r"https?://testserver(/accounts/invitations/\S+/)", message.body).group(1)


def alerts(response) -> list[str]:
    return [a.strip() for a in re.findall(r'<div class="alert[^>]*>(.*?)<button', response.content.decode(), re.S)]


def invite(client, tenancy, email, role="launch"):
    client.force_login(tenancy.users["admin"])
    return client.post(ws_url("workspaces:participant_add"), {"email": email, "role": role}, follow=True)


def open_link(path, user=None):
    browser = Client()
    if user is not None:
        browser.force_login(user)
    page = browser.get(path, follow=True)
    return browser, page, page.redirect_chain[-1][0] if page.redirect_chain else path


def test_the_inviter_never_sees_the_link_and_cannot_take_over_the_account(client, tenancy):
    """The reported attack: invite an address without an account, use the link shown. No link is
    shown now, and the inviter's own session cannot use the invitation for their account."""
    response = invite(client, tenancy, "victim@example.org")
    path = link_in(mail.outbox[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in response.content.decode() and "/accounts/invitations/" not in response.content.decode()
    assert not User.objects.filter(email__iexact="victim@example.org").exists()  # no account made in advance
    # Even holding the link, a signed-in inviter cannot accept it for their own account.
    browser, page, accept_url = open_link(path, tenancy.users["admin"])
    refused = browser.post(accept_url, follow=True)
    assert b"not your account" in refused.content
    assert Invitation.objects.get().status == "PENDING"


def test_an_existing_account_is_added_only_when_it_accepts(client, tenancy):
    colleague = UserFactory(email="colleague@example.org")
    VerifiedEmail.objects.create(user=colleague, email=colleague.email)
    invite(client, tenancy, "colleague@example.org", role="maintain")
    assert not Participant.objects.filter(workspace=tenancy.workspace, user=colleague).exists()
    email = mail.outbox[0]
    assert email.to == ["colleague@example.org"]
    assert email.subject == "admin-user invited you to the workspace Workspace lab (acme/lab) as maintain"
    # Not signed in: the page asks to sign in with the account of that address (no new account).
    _, page, _ = open_link(link_in(email))
    assert b"Sign in to accept" in page.content and b"Create account" not in page.content
    browser, page, accept_url = open_link(link_in(email), colleague)
    assert b"Accept invitation" in page.content
    done = browser.post(accept_url, follow=True)
    assert done.redirect_chain[-1][0] == ws_url("workspaces:workspace_detail")
    assert Participant.objects.get(workspace=tenancy.workspace, user=colleague).role == "maintain"
    assert tenancy.workspace.role_of(colleague) == "maintain"


def test_a_claimed_but_unverified_address_matches_nothing(client, tenancy):
    """Pre-hijacking: an attacker puts a colleague's address on their own account before the
    colleague is invited. The invitation neither goes to nor grants anything to the attacker."""
    attacker = UserFactory(email="target@example.org")  # an address set without verification
    invite(client, tenancy, "target@example.org")
    assert not Participant.objects.filter(workspace=tenancy.workspace, user=attacker).exists()
    # The colleague, following the link from their inbox, creates their own account.
    browser, page, accept_url = open_link(link_in(mail.outbox[0]))
    assert b"Create account and accept" in page.content
    browser.post(accept_url, {"username": "target", "password1": PASSWORD, "password2": PASSWORD})
    target = User.objects.get(username="target")
    assert Participant.objects.filter(workspace=tenancy.workspace, user=target).exists()
    assert not Participant.objects.filter(workspace=tenancy.workspace, user=attacker).exists()
    assert target.verified_email.email == "target@example.org"


def test_signed_in_with_the_invited_address_unverified_accepting_verifies_it(client, tenancy):
    legacy = UserFactory(email="legacy@example.org")
    invite(client, tenancy, "legacy@example.org")
    browser, _, accept_url = open_link(link_in(mail.outbox[0]), legacy)
    browser.post(accept_url)
    assert VerifiedEmail.objects.get(user=legacy).email == "legacy@example.org"
    assert Participant.objects.filter(workspace=tenancy.workspace, user=legacy).exists()


def test_the_answer_does_not_reveal_whether_an_address_has_an_account(client, tenancy):
    known = UserFactory(email="known@example.org")
    VerifiedEmail.objects.create(user=known, email=known.email)
    answers = []
    for email in ("known@example.org", "unknown@example.org"):
        answers.append([a.replace(email, "<e>") for a in alerts(invite(client, tenancy, email))])
    assert answers[0] == answers[1] == ["Invitation sent to <e>: they take part as launch when they accept it."]


def test_pending_invitations_are_listed_and_can_be_revoked_and_resent(client, tenancy):
    page = invite(client, tenancy, "guest@example.org")
    assert b"Pending invitations" in page.content and b"guest@example.org" in page.content
    invitation = Invitation.objects.get()
    first_link = link_in(mail.outbox[0])
    # Resend: a new link, the old one stops working, expiry starts again.
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(hours=1))
    client.post(ws_url("workspaces:workspace_invitation_resend", pk=invitation.pk))
    second_link = link_in(mail.outbox[1])
    assert second_link != first_link
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6, hours=23)
    _, page, _ = open_link(first_link)
    assert b"This invitation no longer works" in page.content
    # Revoke: the new link stops working too, and the list no longer shows it.
    listing = client.post(ws_url("workspaces:workspace_invitation_revoke", pk=invitation.pk), follow=True)
    assert b"revoked" in listing.content and b"No pending invitations" in listing.content
    browser, page, accept_url = open_link(second_link)
    assert b"This invitation no longer works" in page.content
    browser.post(accept_url, {"username": "guest", "password1": PASSWORD, "password2": PASSWORD})
    assert not User.objects.filter(username="guest").exists()
    again = client.post(ws_url("workspaces:workspace_invitation_resend", pk=invitation.pk), follow=True)
    assert b"was revoked; send a new one" in again.content


def test_invitations_expire_after_seven_days(client, tenancy):
    invite(client, tenancy, "late@example.org")
    invitation = Invitation.objects.get()
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _, page, _ = open_link(link_in(mail.outbox[0]))
    assert b"This invitation no longer works" in page.content
    assert b"expired" in client.get(ws_url("workspaces:participant_list")).content
    client.post(ws_url("workspaces:workspace_invitation_resend", pk=invitation.pk))  # an expired one can be resent
    _, page, _ = open_link(link_in(mail.outbox[1]))
    assert b"Create account and accept" in page.content


def test_only_those_who_manage_participants_revoke_or_resend(client, tenancy):
    invite(client, tenancy, "guest@example.org")
    invitation = Invitation.objects.get()
    client.force_login(tenancy.users["maintain"])
    assert client.post(ws_url("workspaces:workspace_invitation_revoke", pk=invitation.pk)).status_code == 403
    assert client.post(ws_url("workspaces:workspace_invitation_resend", pk=invitation.pk)).status_code == 403
    client.force_login(tenancy.users["admin"])  # an org member, not its owner
    org_revoke = reverse("workspaces:org_invitation_revoke", kwargs={"org": "acme", "pk": invitation.pk})
    assert client.post(org_revoke).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "PENDING" and len(mail.outbox) == 1
    client.force_login(tenancy.users["org_owner"])
    assert client.post(org_revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "REVOKED"


def test_an_owner_invitation_is_managed_by_owners_only(tenancy):
    invitation = services.add_participant(
        workspace=tenancy.workspace, role="owner", actor=tenancy.users["owner"], email="boss@example.org"
    )
    with pytest.raises(services.NotAllowed):
        services.revoke_invitation(invitation=invitation, actor=tenancy.users["admin"])
    services.revoke_invitation(invitation=invitation, actor=tenancy.users["owner"])


def test_org_member_invitation_accepted_makes_a_member_of_that_role(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    page = client.post(
        reverse("workspaces:org_member_add", kwargs={"org": "acme"}), {"email": "n@example.org", "role": "owner"}
    )
    assert page.status_code == 302
    members = client.get(reverse("workspaces:org_members", kwargs={"org": "acme"}))
    assert b"n@example.org" in members.content and b"Resend" in members.content
    browser, page, accept_url = open_link(link_in(mail.outbox[0]))
    assert b"the organization Organization acme as owner" in page.content
    browser.post(accept_url, {"username": "newowner", "password1": PASSWORD, "password2": PASSWORD})
    assert tenancy.org.role_of(User.objects.get(username="newowner")) == "owner"


def test_the_token_leaves_the_url_before_anything_is_shown(client, tenancy):
    """The e-mailed URL redirects at once to a token-free one (no token in logs, Referer or ?next=)."""
    invite(client, tenancy, "guest@example.org")
    path = link_in(mail.outbox[0])
    first = Client().get(path)
    assert first.status_code == 302 and first["Location"] == reverse("invitation_accept", kwargs={"token": "accept"})


def test_new_account_form_validates_like_django(client, tenancy):
    invite(client, tenancy, "guest@example.org")
    browser, _, accept_url = open_link(link_in(mail.outbox[0]))
    weak = browser.post(accept_url, {"username": "admin-user", "password1": "123", "password2": "123"})
    assert weak.status_code == 200
    content = weak.content.decode()
    assert "already exists" in content and "too short" in content
    assert Invitation.objects.get().status == "PENDING"


def test_links_and_tokens_never_reach_the_logs(client, tenancy, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    invite(client, tenancy, "guest@example.org")
    client.post(ws_url("workspaces:workspace_invitation_resend", pk=Invitation.objects.get().pk))
    paths = [link_in(m) for m in mail.outbox]
    Client().get(paths[0], follow=True)  # the replaced link: refused
    browser, _, accept_url = open_link(paths[1])
    browser.post(accept_url, {"username": "guest", "password1": PASSWORD, "password2": PASSWORD})
    client.force_login(tenancy.users["view"])
    client.post(reverse("profile"), {"action": "profile", "profile-email": "v2@example.org"})
    verify = re.search(r"/accounts/email/verify/(\S+)/", mail.outbox[-1].body).group(1)
    client.get(f"/accounts/email/verify/{verify}/", follow=True)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in [p.rstrip("/").rsplit("/", 1)[1] for p in paths] + [verify]:
        assert secret not in logged


def test_names_with_line_breaks_cannot_break_the_mail_headers(client, tenancy):
    Workspace.objects.filter(pk=tenancy.workspace.pk).update(full_name="Lab\r\nBcc: everyone@example.org")
    assert invite(client, tenancy, "guest@example.org").status_code == 200
    assert mail.outbox[0].subject.endswith("Lab Bcc: everyone@example.org (acme/lab) as launch")
    assert mail.outbox[0].bcc == []
