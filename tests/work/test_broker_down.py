"""Defect 1 of issue 7: with the broker down, writes answer success with the row pending (and
saying so), Validate buttons too; once the broker is back the dispatcher sends the work and the
rows reach a final state. Server errors under /api are JSON; a database that stops answering is a
503, and a broken connection never surfaces as "the session was deleted"."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from computeenvs import actors as ce_actors
from computeenvs.models import ComputeEnv
from seqera import work
from seqera.models import WorkItem
from tests.computeenvs.test_services import manual_doc
from tests.helpers.work import deliver, work_messages
from workspaces import actors as ws_actors
from workspaces.models import Credentials

pytestmark = pytest.mark.django_db
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
WS = {"org": "acme", "workspace": "lab"}


@contextmanager
def broker_down():
    """Every send to the broker fails as a stopped Redis makes it fail."""
    error = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(ws_actors.validate_credentials, "send_with_options", side_effect=error),
        mock.patch.object(ce_actors.validate_compute_env, "send_with_options", side_effect=error),
    ):
        yield


def broker_back_and_dispatch(sent) -> list:
    """The broker answers again; the dispatcher's next run sends what stayed pending."""
    WorkItem.objects.update(submitted_at=timezone.now() - timedelta(seconds=30))
    before = len(sent())
    work.dispatch_once()
    return work_messages(sent()[before:])


@pytest.fixture
def api(tenancy):
    client = APIClient()
    client.force_authenticate(tenancy.users["admin"])
    return client


def test_api_credentials_create_succeeds_pending_and_validates_once_the_broker_is_back(
    api, tenancy, aws, sent, django_capture_on_commit_callbacks
):
    body = {
        "credentials": {
            "name": "new-aws",
            "provider": "aws",
            "keys": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": SECRET},
        }
    }
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/credentials?workspaceId={tenancy.workspace.pk}", body, format="json")
    assert response.status_code == 200, response.content
    creds = Credentials.objects.get(pk=response.json()["credentialsId"])
    assert creds.status == "" and "pending" in creds.message.lower()
    described = api.get(f"/api/credentials/{creds.pk}?workspaceId={tenancy.workspace.pk}").json()["credentials"]
    assert described["status"] is None and "pending" in described["message"].lower()
    assert WorkItem.objects.get(key=f"credentials.validate:{creds.pk}").sent_at is None

    (message,) = broker_back_and_dispatch(sent)
    deliver(message)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.AVAILABLE


def test_api_manual_ce_create_and_validate_succeed_with_the_broker_down(
    api, tenancy, sent, django_capture_on_commit_callbacks
):
    body = {
        "computeEnv": {
            "name": "manual-ce",
            "platform": "aws-batch",
            "credentialsId": tenancy.credentials.pk,
            "config": manual_doc(),
        }
    }
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        created = api.post(f"/api/compute-envs?workspaceId={tenancy.workspace.pk}", body, format="json")
        assert created.status_code == 200, created.content
        ce_id = created.json()["computeEnvId"]
        validate = api.post(f"/api/compute-envs/{ce_id}/validate?workspaceId={tenancy.workspace.pk}")
        assert validate.status_code in (200, 202, 204), validate.content
    ce = ComputeEnv.objects.get(pk=ce_id)
    assert ce.status == ComputeEnv.Status.CREATING and "pending" in ce.message.lower()
    (message,) = broker_back_and_dispatch(sent)
    assert message.args == (ce_id, tenancy.workspace.pk)


def test_replacing_a_secret_with_the_broker_down_saves_and_no_longer_says_available(
    client, tenancy, django_capture_on_commit_callbacks
):
    client.force_login(tenancy.users["admin"])
    url = reverse("workspaces:credentials_secret", kwargs={**WS, "pk": tenancy.credentials.pk})
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"access_key": "AKIAIOSFODNN7NEWKEY0", "secret_key": SECRET})
    assert response.status_code == 302
    creds = Credentials.objects.get(pk=tenancy.credentials.pk)
    assert creds.access_key == "AKIAIOSFODNN7NEWKEY0" and creds.status == "" and "pending" in creds.message.lower()


def test_validate_buttons_with_the_broker_down_answer_normally(client, tenancy, django_capture_on_commit_callbacks):
    client.force_login(tenancy.users["admin"])
    ce = ComputeEnv.objects.create(
        workspace=tenancy.workspace,
        name="ce",
        credentials=tenancy.credentials,
        region="us-east-1",
        mode=ComputeEnv.Mode.MANUAL,
        status=ComputeEnv.Status.AVAILABLE,
        config=manual_doc(),
    )
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        credentials = client.post(
            reverse("workspaces:credentials_validate", kwargs={**WS, "pk": tenancy.credentials.pk})
        )
        compute_env = client.post(reverse("computeenvs:validate", kwargs={**WS, "pk": ce.pk}))
    assert credentials.status_code == 302 and compute_env.status_code == 302
    assert WorkItem.objects.filter(state=WorkItem.State.PENDING, sent_at__isnull=True).count() == 2


def test_a_validation_that_cannot_complete_ends_invalid_with_the_reason(
    tenancy, sent, django_capture_on_commit_callbacks
):
    from workspaces import services

    with django_capture_on_commit_callbacks(execute=True):
        services.request_credentials_validation(credentials=tenancy.credentials)
    spec = work._spec(ws_actors.validate_credentials)
    with mock.patch.object(services, "validate_credentials", side_effect=ZeroDivisionError("not an AWS error")):
        for _ in range(spec.max_attempts):
            WorkItem.objects.update(not_before=timezone.now())
            deliver(work_messages(sent())[-1])
    creds = Credentials.objects.get(pk=tenancy.credentials.pk)
    assert creds.status == Credentials.Status.INVALID
    assert creds.message.startswith("Validation could not complete: it failed 4 times")
    assert "ZeroDivisionError: not an AWS error" in creds.message


def test_a_compute_env_validation_past_its_deadline_ends_errored(tenancy, django_capture_on_commit_callbacks):
    from computeenvs import services

    ce = ComputeEnv.objects.create(
        workspace=tenancy.workspace,
        name="ce",
        credentials=tenancy.credentials,
        region="us-east-1",
        mode=ComputeEnv.Mode.MANUAL,
        config=manual_doc(),
        message=services.VALIDATING_MESSAGE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_validation(ce)
    WorkItem.objects.update(deadline=timezone.now() - timedelta(seconds=1))
    assert work.dispatch_once().gave_up == 1
    ce.refresh_from_db()
    assert ce.status == ComputeEnv.Status.ERRORED and "deadline passed" in ce.message


@pytest.fixture
def failing_client(tenancy):
    client = Client(raise_request_exception=False)
    client.force_login(tenancy.users["admin"])
    return client


def test_a_database_that_stops_answering_is_a_json_503_under_api(failing_client, tenancy):
    with mock.patch("workspaces.api.views.services.create_credentials", side_effect=OperationalError("terminated")):
        response = failing_client.post(
            f"/api/credentials?workspaceId={tenancy.workspace.pk}",
            {
                "credentials": {
                    "name": "x",
                    "provider": "aws",
                    "keys": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": SECRET},
                }
            },
            content_type="application/json",
        )
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json()["message"].startswith("The database did not answer") and response["Retry-After"]


def test_other_server_errors_under_api_are_json_and_pages_get_a_plain_page(failing_client, tenancy):
    with mock.patch("workspaces.api.views.services.create_credentials", side_effect=ZeroDivisionError):
        response = failing_client.post(
            f"/api/credentials?workspaceId={tenancy.workspace.pk}",
            {
                "credentials": {
                    "name": "x",
                    "provider": "aws",
                    "keys": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKey": SECRET},
                }
            },
            content_type="application/json",
        )
    assert response.status_code == 500 and response.json() == {
        "message": "Something went wrong on our side; it has been logged."
    }
    with mock.patch("workspaces.views.services.request_credentials_validation", side_effect=OperationalError("gone")):
        page = failing_client.post(
            reverse("workspaces:credentials_validate", kwargs={**WS, "pk": tenancy.credentials.pk})
        )
    assert page.status_code == 503 and b"Service briefly unavailable" in page.content


@pytest.mark.django_db(transaction=True)
def test_a_broken_connection_during_the_session_save_is_retried_not_reported_as_a_deleted_session():
    from django.contrib.sessions.backends import db as db_sessions

    from seqera.errors import SessionStore

    store = SessionStore()
    store["k"] = "v"
    store.save(must_create=True)
    real_save = db_sessions.SessionStore.save
    calls = []

    def broken_once(self, must_create=False):
        calls.append(must_create)
        if len(calls) == 1:
            try:
                raise OperationalError("terminating connection due to administrator command")
            except OperationalError:
                from django.contrib.sessions.backends.base import UpdateError

                raise UpdateError from None
        return real_save(self, must_create)

    store["k"] = "w"
    with mock.patch.object(db_sessions.SessionStore, "save", broken_once):
        store.save()
    assert len(calls) == 2
    assert SessionStore(store.session_key)["k"] == "w"
