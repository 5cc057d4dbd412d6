"""Sign-in throttling (django-axes): 10 failures lock a user name, and separately an address,
before the password hash is ever computed; sessions end after 30 idle minutes or 12 hours."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import base_user
from django.urls import reverse
from django.utils import timezone

from seqera.middleware import SESSION_STARTED_KEY
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # the factories' password
pytestmark = pytest.mark.django_db


def sign_in(client, username, password, ip="203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def hasher_calls():
    with mock.patch.object(base_user, "check_password", wraps=base_user.check_password) as spy:
        yield spy


def test_the_eleventh_attempt_is_refused_even_with_the_right_password(client, hasher_calls):
    user = UserFactory(username="alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong-password")
    assert hasher_calls.call_count == settings.AXES_FAILURE_LIMIT  # each failure was a real check

    hasher_calls.reset_mock()
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    assert hasher_calls.call_count == 0  # locked: the password hash is not even computed
    user.refresh_from_db()
    assert user.last_login is None


def test_nine_failures_do_not_lock(client):
    UserFactory(username="bob")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "bob", "wrong-password")
    response = sign_in(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_locked_user_name_stays_locked_from_another_address(client, hasher_calls):
    UserFactory(username="carol")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "carol", "wrong-password", ip=f"198.51.100.{n}")
    hasher_calls.reset_mock()
    assert sign_in(client, "carol", PASSWORD, ip="192.0.2.200").status_code == 429
    assert hasher_calls.call_count == 0


def test_an_address_spraying_user_names_is_locked_for_everyone(client, hasher_calls):
    UserFactory(username="dave")
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"nobody{n}", "wrong-password", ip="203.0.113.99")
    hasher_calls.reset_mock()
    assert sign_in(client, "dave", PASSWORD, ip="203.0.113.99").status_code == 429
    assert hasher_calls.call_count == 0
    assert sign_in(client, "dave", PASSWORD, ip="203.0.113.100").status_code == 302  # other addresses still work


# --------------------------------------------------------------------------- sessions
def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_a_session_idle_for_more_than_30_minutes_is_over(client):
    client.force_login(UserFactory(username="erin"))
    profile = reverse("profile")
    assert client.get(profile).status_code == 200
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60

    later = timezone.now() + timedelta(minutes=29)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(profile).status_code == 200  # activity refreshes the idle timer
    with mock.patch("django.utils.timezone.now", return_value=later + timedelta(minutes=31)):
        response = client.get(profile)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_session_older_than_12_hours_is_signed_out_however_active(client):
    client.force_login(UserFactory(username="frank"))
    profile = reverse("profile")
    assert client.get(profile).status_code == 200
    assert client.session[SESSION_STARTED_KEY] <= int(time.time())

    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(profile)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not signed_in(client)
    assert client.get(profile).status_code == 302


def test_signing_in_again_starts_a_new_12_hour_window(client):
    UserFactory(username="gina")
    assert sign_in(client, "gina", PASSWORD).status_code == 302
    client.get(reverse("profile"))
    assert abs(client.session[SESSION_STARTED_KEY] - time.time()) < 60
