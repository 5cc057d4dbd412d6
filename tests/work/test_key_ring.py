"""Defect 6 of issue 7: the key ring is checked when the web process starts (gunicorn refuses to
boot with a malformed ring), and credentials encrypted under a key no longer in the ring show as
unusable (INVALID with the reason) in pages and the API, and cannot back a compute environment."""

import socket
import sys

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from computeenvs import services as ce_services
from tests.computeenvs.test_services import manual_doc
from tests.test_settings_production import GOOD_SECRET, run
from workspaces import crypto

WSGI = "import seqera.wsgi; print('started')"
MALFORMED = "k1:not-base64-and-far-too-short"


def test_the_web_application_refuses_a_malformed_key_ring():
    result = run(WSGI, SECRET_KEY=GOOD_SECRET, CREDENTIALS_KEYS=MALFORMED)
    assert result.returncode != 0
    assert "The web process cannot start" in result.stderr and "CREDENTIALS_KEYS key 'k1'" in result.stderr


def test_the_web_application_starts_with_a_good_key_ring():
    result = run(WSGI, SECRET_KEY=GOOD_SECRET, CREDENTIALS_KEYS=crypto.generate_key_entry("k1"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "started"


@pytest.mark.slow
def test_gunicorn_does_not_boot_with_a_malformed_key_ring():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gunicorn = [sys.executable, "-m", "gunicorn", "seqera.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    result = run(gunicorn[1:], SECRET_KEY=GOOD_SECRET, CREDENTIALS_KEYS=MALFORMED)
    assert result.returncode != 0  # the master stops when its worker cannot load the application
    assert "CREDENTIALS_KEYS key 'k1'" in result.stderr


@pytest.fixture
def ring_without_the_old_key(settings, tenancy):
    """The lab credentials were encrypted under the test key; the ring now has only a new key."""
    settings.CREDENTIALS_KEYS = crypto.generate_key_entry("k2")
    return tenancy.credentials


@pytest.mark.django_db
def test_credentials_under_a_removed_key_show_as_unusable_everywhere(ring_without_the_old_key, tenancy, client):
    creds = ring_without_the_old_key
    assert creds.status == "AVAILABLE"  # what the last validation recorded
    assert creds.effective_status == "INVALID" and "no longer in CREDENTIALS_KEYS" in creds.key_problem

    api = APIClient()
    api.force_authenticate(tenancy.users["view"])
    body = api.get(f"/api/credentials/{creds.pk}?workspaceId={tenancy.workspace.pk}").json()["credentials"]
    assert body["status"] == "INVALID" and "no longer in CREDENTIALS_KEYS" in body["message"]

    client.force_login(tenancy.users["view"])
    ws = {"org": tenancy.org.name, "workspace": tenancy.workspace.name}
    for page in (
        reverse("workspaces:credentials_list", kwargs=ws),
        reverse("workspaces:credentials_detail", kwargs={**ws, "pk": creds.pk}),
    ):
        content = client.get(page).content.decode()
        assert "no longer in CREDENTIALS_KEYS" in content and "INVALID" in content

    with pytest.raises(ValidationError) as refused:
        ce_services.create_compute_env(
            workspace=tenancy.workspace, created_by=None, name="on-lost-key", credentials=creds, config=manual_doc()
        )
    assert "no longer in CREDENTIALS_KEYS" in str(refused.value.message_dict["credentialsId"])


@pytest.mark.django_db
def test_validating_credentials_under_a_removed_key_ends_invalid_without_retrying(ring_without_the_old_key, aws):
    from workspaces import actors

    creds = ring_without_the_old_key
    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == "INVALID" and "cannot be decrypted" in creds.message
