"""Credential pages: the secret access key never appears in any page; writes need admin."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from computeenvs.models import ComputeEnv
from workspaces.models import Credentials

WS = {"org": "acme", "workspace": "lab"}
CANARY = "CANARYsecret/0123456789abcdefghijklmnopqrstuv"
ACCESS_KEY = "AKIAQWERTYUIOPASDFGH"


def ws_url(name, **kwargs):
    return reverse(name, kwargs={**WS, **kwargs})


def assert_no_secret(response):
    assert CANARY.encode() not in response.content
    assert b"CANARYsecret" not in response.content


@pytest.mark.parametrize("role", ["view", "admin"])
def test_list_and_detail_render(client, tenancy, role):
    client.force_login(tenancy.users[role])
    page = client.get(ws_url("workspaces:credentials_list"))
    assert page.status_code == 200 and b"lab-aws" in page.content and b"AVAILABLE" in page.content
    assert b"rival-aws" not in page.content
    assert ("Add credentials" in page.content.decode()) == (role == "admin")
    assert "no-store" in page["Cache-Control"]
    detail = client.get(ws_url("workspaces:credentials_detail", pk=tenancy.credentials.pk))
    assert detail.status_code == 200 and b"AKIAIOSFODNN7EXAMPLE" in detail.content
    assert "no-store" in detail["Cache-Control"]
    assert ("Replace key pair" in detail.content.decode()) == (role == "admin")


def test_list_filters(client, tenancy):
    from tests.factories import CredentialsFactory

    CredentialsFactory(workspace=tenancy.workspace, name="broken", status="INVALID")
    client.force_login(tenancy.users["view"])
    page = client.get(ws_url("workspaces:credentials_list"), {"status": "INVALID"})
    assert b"broken" in page.content and b"lab-aws" not in page.content
    page = client.get(ws_url("workspaces:credentials_list"), {"q": "lab"})
    assert b"lab-aws" in page.content and b"broken" not in page.content


def test_create_shows_external_id_and_never_the_secret(client, tenancy):
    client.force_login(tenancy.users["admin"])
    form = client.get(ws_url("workspaces:credentials_create"))
    assert form.status_code == 200 and b'type="password"' in form.content
    response = client.post(
        ws_url("workspaces:credentials_create"),
        {
            "name": "prod",
            "description": "Production",
            "access_key": ACCESS_KEY,
            "secret_key": CANARY,
            "assume_role_arn": "arn:aws:iam::123456789012:role/SeqeraForge",
        },
        follow=True,
    )
    assert response.status_code == 200
    creds = Credentials.objects.get(workspace=tenancy.workspace, name="prod")
    assert creds.get_secret() == CANARY and CANARY not in creds.secret_encrypted
    assert creds.external_id and creds.external_id.encode() in response.content
    assert b"sts:ExternalId" in response.content and b"Validation against AWS is queued" in response.content
    assert_no_secret(response)
    for name in (
        "workspaces:credentials_detail",
        "workspaces:credentials_edit",
        "workspaces:credentials_secret",
        "workspaces:credentials_delete",
    ):
        assert_no_secret(client.get(ws_url(name, pk=creds.pk)))
    assert_no_secret(client.get(ws_url("workspaces:credentials_list")))


def test_invalid_form_does_not_render_the_secret_back(client, tenancy):
    client.force_login(tenancy.users["admin"])
    response = client.post(
        ws_url("workspaces:credentials_create"),
        {"name": "lab-aws", "access_key": "lowercase-bad", "secret_key": CANARY, "assume_role_arn": "arn:nope"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "already exist" in content and "access key id is 16 to 128" in content and "IAM role ARN" in content
    assert_no_secret(response)
    assert not Credentials.objects.filter(access_key="lowercase-bad").exists()


def test_edit_changes_metadata_not_secret(client, tenancy):
    creds = tenancy.credentials
    client.force_login(tenancy.users["admin"])
    page = client.get(ws_url("workspaces:credentials_edit", pk=creds.pk))
    assert page.status_code == 200 and b"secret_key" not in page.content
    response = client.post(
        ws_url("workspaces:credentials_edit", pk=creds.pk),
        {"name": "lab-aws-2", "description": "new", "secret_key": CANARY},
    )
    assert response.status_code == 302
    creds.refresh_from_db()
    assert creds.name == "lab-aws-2" and creds.get_secret() != CANARY
    bad = client.post(ws_url("workspaces:credentials_edit", pk=creds.pk), {"name": "bad name!", "assume_role_arn": "x"})
    assert bad.status_code == 200 and b"is-invalid" in bad.content


def test_replace_secret(client, tenancy):
    creds = tenancy.credentials
    client.force_login(tenancy.users["admin"])
    bad = client.post(
        ws_url("workspaces:credentials_secret", pk=creds.pk), {"access_key": ACCESS_KEY, "secret_key": "short"}
    )
    assert bad.status_code == 200 and b"does not look like" in bad.content
    assert b'value="short"' not in bad.content
    response = client.post(
        ws_url("workspaces:credentials_secret", pk=creds.pk),
        {"access_key": ACCESS_KEY, "secret_key": CANARY},
        follow=True,
    )
    assert response.status_code == 200
    assert_no_secret(response)
    creds.refresh_from_db()
    assert creds.access_key == ACCESS_KEY and creds.get_secret() == CANARY and creds.status == ""
    assert b"NOT VALIDATED" in response.content and b"hx-get" in response.content
    status = client.get(ws_url("workspaces:credentials_status", pk=creds.pk))
    assert status.status_code == 200 and b"hx-trigger" in status.content


def test_validate_button_queues_validation(client, tenancy, sent, django_capture_on_commit_callbacks):
    client.force_login(tenancy.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ws_url("workspaces:credentials_validate", pk=tenancy.credentials.pk), follow=True)
    assert b"validation of lab-aws queued" in response.content.lower()
    assert re.search(r"\?validating=\d+$", response.redirect_chain[-1][0])
    assert b'hx-trigger="load delay:' in response.content  # AVAILABLE already, yet it polls for the new result
    messages = sent()
    assert [m.args for m in messages] == [(tenancy.credentials.pk, tenancy.workspace.pk)]
    assert all("wJalr" not in m.encode().decode() for m in messages)


def test_writes_need_admin(client, tenancy):
    client.force_login(tenancy.users["maintain"])
    assert client.get(ws_url("workspaces:credentials_create")).status_code == 403
    for name in (
        "workspaces:credentials_edit",
        "workspaces:credentials_secret",
        "workspaces:credentials_validate",
        "workspaces:credentials_delete",
    ):
        assert client.post(ws_url(name, pk=tenancy.credentials.pk), {"name": "x"}).status_code == 403, name
    tenancy.credentials.refresh_from_db()
    assert tenancy.credentials.name == "lab-aws"


def test_credentials_of_another_workspace_are_404(client, tenancy):
    client.force_login(tenancy.users["owner"])
    for name in (
        "workspaces:credentials_detail",
        "workspaces:credentials_edit",
        "workspaces:credentials_delete",
        "workspaces:credentials_status",
    ):
        assert client.get(ws_url(name, pk=tenancy.other_credentials.pk)).status_code == 404, name


def test_delete(client, tenancy):
    client.force_login(tenancy.users["admin"])
    page = client.get(ws_url("workspaces:credentials_delete", pk=tenancy.credentials.pk))
    assert page.status_code == 200 and b"lab-aws" in page.content
    assert client.post(ws_url("workspaces:credentials_delete", pk=tenancy.credentials.pk)).status_code == 302
    assert not Credentials.objects.filter(pk=tenancy.credentials.pk).exists()


def test_delete_refused_while_in_use(client, tenancy):
    ComputeEnv.objects.create(
        workspace=tenancy.workspace,
        name="batch-east",
        credentials=tenancy.credentials,
        region="us-east-1",
        mode="manual",
    )
    client.force_login(tenancy.users["admin"])
    detail = client.get(ws_url("workspaces:credentials_detail", pk=tenancy.credentials.pk))
    assert b"batch-east" in detail.content
    confirm = client.get(ws_url("workspaces:credentials_delete", pk=tenancy.credentials.pk)).content.decode()
    assert "cannot be deleted now" in confirm and "compute environment batch-east" in confirm  # said before, not after
    assert '<button type="submit" class="btn btn-danger" disabled>' in confirm
    response = client.post(ws_url("workspaces:credentials_delete", pk=tenancy.credentials.pk), follow=True)
    assert b"still used by compute environment batch-east" in response.content
    assert Credentials.objects.filter(pk=tenancy.credentials.pk).exists()


def test_status_block_updates_together_and_stops_when_validated(client, tenancy):
    """The polled fragment is the whole validation block: badge, AWS's answer, account id and date."""
    creds = tenancy.credentials
    Credentials.objects.filter(pk=creds.pk).update(status="", message="", account_id="", last_validated=None)
    client.force_login(tenancy.users["view"])
    detail = client.get(ws_url("workspaces:credentials_detail", pk=creds.pk)).content.decode()
    assert 'id="credentials-live"' in detail and 'hx-trigger="load delay:' in detail and "never" in detail
    validated = timezone.now()
    Credentials.objects.filter(pk=creds.pk).update(
        status="AVAILABLE",
        message="Authenticated as arn:aws:iam::123456789012:user/ci",
        account_id="123456789012",
        last_validated=validated,
    )
    block = client.get(ws_url("workspaces:credentials_status", pk=creds.pk)).content.decode()
    assert 'id="credentials-live"' in block and "hx-trigger" not in block
    assert "AVAILABLE" in block and "text-bg-success" in block and "123456789012" in block
    assert "Authenticated as" in block and validated.strftime("%Y-%m-%d") in block and "never" not in block
    assert "Validating" not in block


def test_requested_validation_polls_until_a_newer_result(client, tenancy):
    creds = tenancy.credentials
    earlier = timezone.now() - timedelta(hours=1)
    Credentials.objects.filter(pk=creds.pk).update(last_validated=earlier)
    since = int(earlier.timestamp() * 1_000_000)
    client.force_login(tenancy.users["view"])
    status_url = ws_url("workspaces:credentials_status", pk=creds.pk)
    waiting = client.get(status_url, {"validating": since}).content.decode()
    assert f"{status_url}?validating={since}" in waiting and "Validating against AWS" in waiting
    Credentials.objects.filter(pk=creds.pk).update(last_validated=timezone.now())
    assert b"hx-trigger" not in client.get(status_url, {"validating": since}).content


def test_final_status_refreshes_the_trust_policy_out_of_band(client, tenancy):
    creds = tenancy.credentials
    Credentials.objects.filter(pk=creds.pk).update(
        assume_role_arn="arn:aws:iam::210987654321:role/forge", account_id="123456789012"
    )
    client.force_login(tenancy.users["view"])
    block = client.get(ws_url("workspaces:credentials_status", pk=creds.pk)).content.decode()
    assert 'id="credentials-trust-policy" hx-swap-oob="true"' in block
    assert "arn:aws:iam::123456789012:root" in block
