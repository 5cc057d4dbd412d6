"""Sign-in throttling (django-axes): 10 failures lock a user name (and a user name from one
address, never an address alone), in the app and the admin, before the password hash is ever
computed; the client address comes from TRUSTED_PROXY_COUNT proxies; sessions end after 30 idle minutes or 12 hours."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import base_user
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from seqera.clientip import client_ip
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


PROXY = "10.0.0.2"  # the TLS proxy every request arrives from


def test_ten_bad_guesses_from_a_proxy_address_lock_that_user_only(client, hasher_calls):
    """Issue 14 defect 4: behind a proxy every user shares its address; one user's failures must
    not lock the others (nor the operators, whose admin sign-in is under the same rules)."""
    UserFactory(username="dave")
    UserFactory(username="ops", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "mallory-target", "wrong-password", ip=PROXY)
    assert sign_in(client, "mallory-target", "wrong-password", ip=PROXY).status_code == 429
    assert sign_in(client, "dave", PASSWORD, ip=PROXY).status_code == 302
    assert signed_in(client)
    admin = Client()
    response = admin.post("/admin/login/", {"username": "ops", "password": PASSWORD}, REMOTE_ADDR=PROXY)
    assert response.status_code == 302 and signed_in(admin)


def test_spraying_user_names_from_one_address_locks_each_name_not_the_address(client):
    UserFactory(username="erin-sprayed")
    for n in range(settings.AXES_FAILURE_LIMIT * 2):
        sign_in(client, f"nobody{n}", "wrong-password", ip=PROXY)
    assert sign_in(client, "erin-sprayed", PASSWORD, ip=PROXY).status_code == 302


def test_the_admin_sign_in_counts_and_obeys_the_same_lock(client, hasher_calls):
    UserFactory(username="root-op", is_staff=True, is_superuser=True)
    admin = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT // 2):
        admin.post("/admin/login/", {"username": "root-op", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    for _ in range(settings.AXES_FAILURE_LIMIT - settings.AXES_FAILURE_LIMIT // 2):
        sign_in(client, "root-op", "wrong-password", ip="192.0.2.2")
    hasher_calls.reset_mock()
    response = admin.post("/admin/login/", {"username": "root-op", "password": PASSWORD}, REMOTE_ADDR="192.0.2.3")
    assert response.status_code == 429 and not signed_in(admin)
    assert hasher_calls.call_count == 0


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(client, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    UserFactory(username="frank-spoof")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "frank-spoof", "password": "wrong"},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    assert sign_in(client, "frank-spoof", PASSWORD, ip="203.0.113.5").status_code == 429


def test_the_client_address_is_taken_from_the_trusted_proxies(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="gus-proxied")
    client.post(
        reverse("login"),
        {"username": "gus-proxied", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.23",  # the client wrote the first, our proxy the last
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.23"]


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.1", PROXY),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6,198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", PROXY),  # fewer entries than proxies: not through them
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --------------------------------------------------------------------------- sessions
def test_session_settings():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # activity is written at most once a minute
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


def test_activity_is_written_at_most_once_a_minute_and_polls_are_not_activity(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(UserFactory(username="hana"))
    profile = reverse("profile")
    client.get(profile)
    with CaptureQueriesContext(connection) as queries:
        client.get(profile)
    assert not [q for q in queries if "django_session" in q["sql"] and q["sql"].startswith("UPDATE")]

    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=20)):
        client.get(profile, HTTP_X_BACKGROUND_POLL="1")  # a live block polling: not the person
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=31)):
        response = client.get(profile, HTTP_X_BACKGROUND_POLL="1")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_request_after_a_minute_renews_the_idle_window(client):
    client.force_login(UserFactory(username="ivan"))
    profile = reverse("profile")
    client.get(profile)
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=20)):
        assert client.get(profile).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=45)):
        assert client.get(profile).status_code == 200  # 25 minutes after the last activity
