"""Personal access tokens: created through the service and the API, used as Bearer, revoked."""

import pytest
from rest_framework.test import APIClient

from workspaces import services
from workspaces.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_service_token_authenticates_and_is_scoped_like_the_user(tenancy, ws_url):
    _, token = services.create_api_token(user=tenancy.users["view"], name="ci")
    client = bearer(token)
    assert client.get("/api/user-info").json()["user"]["userName"] == "view-user"
    assert client.get(ws_url("credentials")).status_code == 200
    assert client.get(ws_url("credentials", workspace=tenancy.other_workspace)).status_code == 404
    assert (
        client.post(ws_url("labels"), {"name": "x1", "value": "y1", "resource": True}, format="json").status_code == 403
    )


def test_create_via_api_use_list_and_revoke(tenancy, as_user):
    owner = as_user(tenancy.users["admin"])
    created = owner.post("/api/tokens", {"name": "laptop"}, format="json")
    assert created.status_code == 200, created.content
    body = created.json()
    token = body["accessKey"]
    assert (
        set(body["token"]) == {"id", "name", "dateCreated", "lastUsed", "expiresAt"}
        and body["token"]["name"] == "laptop"
    )
    assert body["token"]["expiresAt"] is None
    assert ApiToken.objects.get(pk=body["token"]["id"]).token_hash == ApiToken.hash(token)

    client = bearer(token)
    listed = client.get("/api/tokens")
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["tokens"]] == ["laptop"]
    assert token not in listed.content.decode()  # shown once, never again
    assert listed.json()["tokens"][0]["lastUsed"]  # the bearer request recorded its use

    assert client.post("/api/tokens", {"name": "laptop"}, format="json").status_code == 409
    assert client.post("/api/tokens", {"name": ""}, format="json").status_code == 400

    assert client.delete(f"/api/tokens/{body['token']['id']}").status_code == 204
    revoked = client.get("/api/user-info")
    assert revoked.status_code == 401 and revoked["WWW-Authenticate"] == "Bearer"


def test_tokens_are_private_to_their_owner(tenancy, as_user):
    theirs, _ = services.create_api_token(user=tenancy.outsider, name="theirs")
    client = as_user(tenancy.users["owner"])
    assert client.get("/api/tokens").json() == {"tokens": []}
    assert client.delete(f"/api/tokens/{theirs.id}").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_bad_tokens_are_401(db):
    assert bearer("sqt_not-a-real-token").get("/api/user-info").status_code == 401
    assert APIClient().get("/api/tokens").status_code == 401


def test_inactive_user_token_is_401(tenancy):
    user = tenancy.users["view"]
    _, token = services.create_api_token(user=user, name="old")
    user.is_active = False
    user.save()
    assert bearer(token).get("/api/user-info").status_code == 401


def test_browser_session_works_and_writes_need_csrf(tenancy):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tenancy.users["admin"])
    assert client.get("/api/user-info").json()["user"]["userName"] == "admin-user"
    response = client.post("/api/tokens", {"name": "from-browser"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["message"]
    assert not ApiToken.objects.filter(name="from-browser").exists()


def test_api_token_with_expiry_is_refused_once_expired(tenancy, as_user):
    from datetime import timedelta

    from django.utils import timezone

    client = as_user(tenancy.users["admin"])
    past = client.post("/api/tokens", {"name": "old", "expiresAt": "2000-01-01T00:00:00Z"}, format="json")
    assert past.status_code == 400 and "expiresAt" in past.json()["errors"]
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    created = client.post("/api/tokens", {"name": "ci", "expiresAt": soon}, format="json").json()
    assert created["token"]["expiresAt"]
    token = bearer(created["accessKey"])
    assert token.get("/api/user-info").status_code == 200
    ApiToken.objects.filter(pk=created["token"]["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = token.get("/api/user-info")
    assert refused.status_code == 401 and "expired" in refused.json()["message"].lower()


def test_last_use_is_written_at_most_once_a_minute(tenancy):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    row, token = services.create_api_token(user=tenancy.users["view"], name="ci")
    client = bearer(token)

    def updates_during(request):
        with CaptureQueriesContext(connection) as queries:
            request()
        return [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"].lower()]

    assert len(updates_during(lambda: client.get("/api/user-info"))) == 1  # first use recorded
    row.refresh_from_db()
    first = row.last_used
    assert first is not None
    assert updates_during(lambda: client.get("/api/user-info")) == []  # within the minute: no write
    ApiToken.objects.filter(pk=row.pk).update(last_used=timezone.now() - timedelta(seconds=61))
    assert len(updates_during(lambda: client.get("/api/user-info"))) == 1
