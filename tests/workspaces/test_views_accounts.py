"""Accounts pages: sign-in/out, profile, tokens (shown once, stored hashed), password change,
invitation link (one-time), lockout page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from workspaces.models import ApiToken, VerifiedEmail

User = get_user_model()
PASSWORD = "correct-horse-battery"


def test_sign_in_and_out(client, tenancy):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b"Sign in" in page.content
    response = client.post(reverse("login"), {"username": "view-user", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert b'action="/accounts/logout/"' in home.content  # sign out is a POST form
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_is_refused(client, tenancy):
    response = client.post(reverse("login"), {"username": "view-user", "password": "nope"})
    assert response.status_code == 200
    assert b"alert-danger" in response.content


def test_lockout_page_says_to_wait(client, tenancy, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "view-user", "password": "nope"})
    response = client.post(reverse("login"), {"username": "view-user", "password": PASSWORD})
    assert response.status_code == 429
    assert b"15 minutes" in response.content


def test_pages_require_sign_in(client, tenancy):
    for name in ("home", "profile"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def verification_path(message) -> str:
    return re.search(r"https?://testserver(/accounts/email/verify/\S+/)", message.body).group(1)


def test_profile_email_changes_only_once_the_new_address_is_verified(client, tenancy):
    user = tenancy.users["view"]
    old = user.email
    client.force_login(user)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and user.username.encode() in page.content
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    assert b"not confirmed" in page.content
    response = client.post(reverse("profile"), {"action": "profile", "profile-email": "new@example.org"}, follow=True)
    assert b"We sent a link to new@example.org" in response.content
    user.refresh_from_db()
    assert user.email == old  # the old address keeps working until the new one is verified
    assert mail.outbox[-1].to == ["new@example.org"]
    confirm = client.get(verification_path(mail.outbox[-1]), follow=True)
    assert b"Confirm address" in confirm.content
    user.refresh_from_db()
    assert user.email == old  # a GET changes nothing
    client.post(confirm.redirect_chain[-1][0])
    user.refresh_from_db()
    assert user.email == "new@example.org" and VerifiedEmail.objects.get(user=user).email == "new@example.org"
    assert b"confirmed" in client.get(reverse("profile")).content


def test_profile_does_not_reveal_whether_an_address_has_an_account_and_cannot_claim_it(client, tenancy):
    admin = tenancy.users["admin"]
    VerifiedEmail.objects.create(user=admin, email=admin.email)
    attacker = tenancy.users["view"]
    client.force_login(attacker)
    answers = []
    for email in (admin.email, "free@example.org"):
        response = client.post(reverse("profile"), {"action": "profile", "profile-email": email}, follow=True)
        alerts = re.findall(r'<div class="alert[^>]*>(.*?)<button', response.content.decode(), re.S)
        answers.append([a.strip().replace(email, "<email>") for a in alerts])
    assert answers[0] == answers[1]
    # The link went to the colleague's inbox; even followed by the attacker, the address is not theirs.
    link = verification_path(mail.outbox[0])
    confirm = client.get(link, follow=True)
    client.post(confirm.redirect_chain[-1][0], follow=True)
    attacker.refresh_from_db()
    assert attacker.email != admin.email and not VerifiedEmail.objects.filter(user=attacker).exists()


def test_verification_link_works_only_for_the_account_that_asked(client, tenancy):
    client.force_login(tenancy.users["view"])
    client.post(reverse("profile"), {"action": "profile", "profile-email": "mine@example.org"})
    link = verification_path(mail.outbox[-1])
    client.force_login(tenancy.users["admin"])
    confirm = client.get(link, follow=True)
    assert b"not valid for your account" in confirm.content
    client.post(confirm.redirect_chain[-1][0])
    assert not VerifiedEmail.objects.filter(email="mine@example.org").exists()


def test_token_is_shown_once_and_stored_hashed(client, tenancy):
    user = tenancy.users["view"]
    client.force_login(user)
    response = client.post(reverse("profile"), {"action": "token", "token-name": "laptop"})
    assert response.status_code == 200
    token = re.search(rb'value="(sqt_[^"]+)"', response.content).group(1).decode()
    row = ApiToken.objects.get(user=user, name="laptop")
    assert row.token_hash == ApiToken.hash(token)
    assert token not in row.token_hash
    again = client.get(reverse("profile"))
    assert b"laptop" in again.content
    assert token.encode() not in again.content
    api = client.get("/api/user-info", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code != 401


def test_token_name_must_be_unique(client, tenancy):
    client.force_login(tenancy.users["view"])
    client.post(reverse("profile"), {"action": "token", "token-name": "ci"})
    response = client.post(reverse("profile"), {"action": "token", "token-name": "ci"})
    assert b"You already have a token named ci." in response.content
    assert b"sqt_" not in response.content


def test_token_revoke_only_own(client, tenancy):
    from workspaces import services

    mine, _ = services.create_api_token(user=tenancy.users["view"], name="mine")
    theirs, _ = services.create_api_token(user=tenancy.users["admin"], name="theirs")
    client.force_login(tenancy.users["view"])
    assert client.post(reverse("token_revoke", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("token_revoke", kwargs={"pk": mine.pk})).status_code == 302
    assert not ApiToken.objects.filter(pk=mine.pk).exists()
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_password_change(client, tenancy):
    user = tenancy.users["view"]
    client.force_login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")


@pytest.mark.django_db
def test_invitation_flow_end_to_end(client, tenancy):
    client.force_login(tenancy.users["org_owner"])
    response = client.post(
        reverse("workspaces:org_member_add", kwargs={"org": "acme"}),
        {"email": "newbie@example.net", "role": "member"},
        follow=True,
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.net"]
    link = re.search(r"https?://\S+/accounts/invitations/\S+/", mail.outbox[0].body).group(0)
    assert link.encode() not in response.content  # only the invitee gets it, by e-mail
    assert link.split("/accounts/invitations/")[1].encode() not in response.content
    path = link.split("testserver", 1)[1]
    client.logout()

    page = client.get(path, follow=True)
    assert page.status_code == 200 and b"Create account and accept" in page.content
    assert b"the organization Organization acme as member" in page.content
    accept_url = page.redirect_chain[-1][0]
    assert "/accounts/invitations/" in accept_url and path not in accept_url  # token moved to the session
    form = {"username": "newbie", "password1": "brand-new-passphrase", "password2": "brand-new-passphrase"}
    done = client.post(accept_url, form, follow=True)
    assert done.status_code == 200 and done.redirect_chain[-1][0] == reverse(
        "workspaces:org_detail", kwargs={"org": "acme"}
    )
    assert done.context["user"].username == "newbie"  # signed in right after

    user = User.objects.get(username="newbie")
    assert user.email == "newbie@example.net" and user.verified_email.email == "newbie@example.net"
    assert tenancy.org.role_of(user) == "member"
    client.logout()
    signed_in = client.post(reverse("login"), {"username": "newbie", "password": "brand-new-passphrase"})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")
    client.logout()
    reused = client.get(path, follow=True)
    assert b"This invitation no longer works" in reused.content


def test_token_with_expiry_from_the_profile_page(client, tenancy):
    from django.utils import timezone

    client.force_login(tenancy.users["view"])
    client.post(reverse("profile"), {"action": "token", "token-name": "week", "token-expires_in": "7"})
    client.post(reverse("profile"), {"action": "token", "token-name": "forever", "token-expires_in": ""})
    week, forever = ApiToken.objects.get(name="week"), ApiToken.objects.get(name="forever")
    assert 6.9 < (week.expires_at - timezone.now()).total_seconds() / 86400 <= 7
    assert forever.expires_at is None
    page = client.get(reverse("profile")).content.decode()
    assert week.expires_at.strftime("%Y-%m-%d %H:%M") in page and "Last used" in page and "never" in page


def change_password(client, **extra):
    new = "a-new-long-passphrase"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new, **extra}
    return client.post(reverse("password_change"), data, follow=True)


def test_password_change_signs_out_other_sessions(tenancy):
    from django.test import Client

    user = tenancy.users["view"]
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        assert browser.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    assert elsewhere.get(reverse("profile")).status_code == 200
    done = change_password(here)
    assert b"Other browsers signed in to your account are signed out" in done.content
    assert here.get(reverse("profile")).status_code == 200  # this session stays signed in
    stale = elsewhere.get(reverse("profile"))
    assert stale.status_code == 302 and stale["Location"].startswith(reverse("login"))


def test_password_change_offers_to_revoke_all_tokens(client, tenancy):
    from workspaces import services

    user = tenancy.users["view"]
    services.create_api_token(user=user, name="a")
    services.create_api_token(user=user, name="b")
    client.force_login(user)
    assert b"Also revoke all my personal access tokens" in client.get(reverse("password_change")).content
    kept = change_password(client)
    assert b"Your personal access tokens still work" in kept.content and ApiToken.objects.filter(user=user).count() == 2
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)
    revoked = change_password(client, revoke_tokens="on")
    assert b"2 personal access token(s) revoked" in revoked.content
    assert not ApiToken.objects.filter(user=user).exists()


def test_revoke_all_tokens_from_the_profile(client, tenancy):
    from workspaces import services

    services.create_api_token(user=tenancy.users["view"], name="a")
    services.create_api_token(user=tenancy.users["admin"], name="theirs")
    client.force_login(tenancy.users["view"])
    assert b"Revoke all tokens" in client.get(reverse("profile")).content
    assert client.post(reverse("token_revoke_all")).status_code == 302
    assert not ApiToken.objects.filter(user=tenancy.users["view"]).exists()
    assert ApiToken.objects.filter(user=tenancy.users["admin"]).exists()
