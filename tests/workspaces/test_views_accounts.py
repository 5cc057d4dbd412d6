"""Accounts pages: sign-in/out, profile, tokens (shown once, stored hashed), password change,
invitation link (one-time), lockout page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from workspaces.models import ApiToken

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


def test_profile_updates_email(client, tenancy):
    user = tenancy.users["view"]
    client.force_login(user)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and user.username.encode() in page.content
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    response = client.post(reverse("profile"), {"action": "profile", "profile-email": "new@example.org"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "new@example.org"


def test_profile_refuses_an_email_of_another_account(client, tenancy):
    client.force_login(tenancy.users["view"])
    taken = tenancy.users["admin"].email
    response = client.post(reverse("profile"), {"action": "profile", "profile-email": taken})
    assert response.status_code == 200
    assert b"Another account already uses this address." in response.content


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
        reverse("org_member_add", kwargs={"org": "acme"}),
        {"email": "newbie@example.net", "role": "member"},
        follow=True,
    )
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["newbie@example.net"]
    link = re.search(r"https?://\S+/accounts/invite/\S+/", mail.outbox[0].body).group(0)
    assert link.encode() in response.content  # shown to the inviter too
    path = link.split("testserver", 1)[1]
    client.logout()

    page = client.get(path, follow=True)
    assert page.status_code == 200 and b"Set password" in page.content
    set_url = page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert done.status_code == 302 and done["Location"] == reverse("login")

    user = User.objects.get(email="newbie@example.net")
    signed_in = client.post(reverse("login"), {"username": user.username, "password": "brand-new-passphrase"})
    assert signed_in.status_code == 302 and signed_in["Location"] == reverse("home")
    client.logout()
    reused = client.get(path, follow=True)
    assert b"This link no longer works" in reused.content
