"""Operators' admin: every model is registered and its pages render, credentials show metadata
only (never the secret or its ciphertext), and the re-validate action enqueues ids."""

import base64
import re
from unittest import mock

import pytest
from django.apps import apps
from django.contrib import admin
from django.core import mail
from django.urls import reverse

from computeenvs.models import ComputeEnv, ComputeEnvLabel, ForgedResource, PendingWorkspaceDeletion
from tests.factories import CredentialsFactory, TeamFactory, UserFactory
from tests.helpers.canary import CANARY
from workspaces import crypto, services
from workspaces.models import ApiToken, Credentials, VerifiedEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def world(tenancy):
    canary_creds = CredentialsFactory(workspace=tenancy.workspace, name="canary-aws", secret=CANARY)
    ce = ComputeEnv.objects.create(
        workspace=tenancy.workspace,
        name="batch-ce",
        credentials=canary_creds,
        region="eu-west-1",
        mode=ComputeEnv.Mode.FORGE,
        config={"region": "eu-west-1", "workDir": "s3://bucket/work"},
    )
    ComputeEnvLabel.objects.create(compute_env=ce, label=tenancy.label)
    ForgedResource.objects.create(
        workspace=tenancy.workspace,
        compute_env=ce,
        order=1,
        kind=ForgedResource.Kind.IAM_ROLE,
        name="TowerForge-x-ServiceRole",
    )
    PendingWorkspaceDeletion.objects.create(workspace=tenancy.other_workspace)
    team = TeamFactory(org=tenancy.org, name="genomics")
    team.members.add(tenancy.users["view"])
    token, plaintext = services.create_api_token(user=tenancy.users["admin"], name="ci")
    invitation = services.add_participant(
        workspace=tenancy.workspace, role="view", actor=tenancy.users["admin"], email="invitee@example.org"
    )
    link = re.search(r"/accounts/invitations/(\S+)/", mail.outbox[-1].body).group(1)
    VerifiedEmail.objects.create(user=tenancy.users["view"], email="view@example.org")
    return {
        "tenancy": tenancy, "credentials": canary_creds, "ce": ce, "token": token, "token_plaintext": plaintext,
        "invitation": invitation, "invitation_token": link,
    }  # fmt: skip


def secret_fragments(credentials: Credentials) -> list[str]:
    """The secret, its ciphertext, and the ciphertext's pieces (nonce, sealed bytes, raw base64)."""
    token = credentials.secret_encrypted
    _, _, nonce, sealed = token.split(":")
    return [CANARY, token, nonce, sealed, base64.b64encode(CANARY.encode()).decode()]


def project_models():
    return [m for app in ("workspaces", "computeenvs") for m in apps.get_app_config(app).get_models()]


def test_every_model_is_registered():
    missing = [m.__name__ for m in project_models() if m not in admin.site._registry]
    assert missing == []


def test_every_admin_page_renders_and_never_shows_a_secret(operator, world):
    leaks = secret_fragments(world["credentials"]) + [world["token_plaintext"], world["token"].token_hash]
    leaks += [world["invitation_token"], world["invitation"].token_hash]
    checked = 0
    for model in project_models():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        urls = [changelist, f"{changelist}?q=a"]
        obj = model.objects.first()
        assert obj is not None, f"the fixture makes no {model.__name__}"
        for view in ("change", "history", "delete"):
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk]))
        for url in urls:
            response = operator.get(url)
            if url.endswith("/delete/") and response.status_code == 403:
                continue  # read-only models refuse deletion
            assert response.status_code == 200, url
            body = response.content.decode()
            for leak in leaks:
                assert leak not in body, f"{url} shows secret material"
            checked += 1
    assert checked >= 3 * len(project_models())


def test_credentials_admin_shows_metadata_only(operator, world):
    creds = world["credentials"]
    body = operator.get(reverse("admin:workspaces_credentials_change", args=[creds.pk])).content.decode()
    assert creds.access_key in body
    assert crypto.key_id_of(creds.secret_encrypted) in body  # the key id it is encrypted under
    assert "Has secret" in body or "has secret" in body
    assert "secret_encrypted" not in body and "Secret encrypted" not in body
    assert 'name="secret' not in body  # no field to type a secret into
    changelist = operator.get(reverse("admin:workspaces_credentials_changelist")).content.decode()
    assert "canary-aws" in changelist and "encryption key" in changelist


def test_credentials_and_tokens_cannot_be_added_or_edited_in_admin(operator, world):
    creds = world["credentials"]
    assert operator.get(reverse("admin:workspaces_credentials_add")).status_code == 403
    assert operator.get(reverse("admin:workspaces_apitoken_add")).status_code == 403
    before = Credentials.objects.get(pk=creds.pk).secret_encrypted
    response = operator.post(
        reverse("admin:workspaces_credentials_change", args=[creds.pk]),
        {"name": "renamed", "access_key": "AKIAHACKEDHACKED0000", "secret_encrypted": "v1:x:y:z"},
    )
    assert response.status_code == 403
    creds.refresh_from_db()
    assert (creds.name, creds.secret_encrypted) == ("canary-aws", before)


def test_the_key_id_filter_counts_rows_per_key(operator, world, settings):
    key_id = crypto.key_id_of(world["credentials"].secret_encrypted)
    response = operator.get(reverse("admin:workspaces_credentials_changelist"), {"key_id": key_id})
    assert response.status_code == 200
    shown = {c.pk for c in response.context["cl"].result_list}
    assert world["credentials"].pk in shown
    assert shown == set(
        Credentials.objects.filter(secret_encrypted__startswith=f"v1:{key_id}:").values_list("pk", flat=True)
    )


def test_revalidate_action_enqueues_ids_only(operator, world, broker, django_capture_on_commit_callbacks):
    selected = [world["credentials"], world["tenancy"].credentials]
    with (
        mock.patch.object(broker, "enqueue", wraps=broker.enqueue) as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = operator.post(
            reverse("admin:workspaces_credentials_changelist"),
            {"action": "revalidate", "_selected_action": [c.pk for c in selected]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Validation of 2 credential(s) was queued" in response.content.decode()
    messages = [call.args[0] for call in enqueue.call_args_list]
    assert sorted(m.args for m in messages) == sorted((c.pk, c.workspace_id) for c in selected)
    assert all(m.actor_name == "validate_credentials" and m.kwargs == {} for m in messages)
    assert all(CANARY not in m.encode().decode() for m in messages)


def test_deleting_credentials_in_use_is_refused(operator, world):
    creds = world["credentials"]  # used by the compute environment
    response = operator.post(reverse("admin:workspaces_credentials_delete", args=[creds.pk]), {"post": "yes"})
    assert Credentials.objects.filter(pk=creds.pk).exists()
    assert "Cannot delete credentials" in response.content.decode()


def test_revoking_a_token_in_admin_deletes_it(operator, world):
    token = world["token"]
    operator.post(reverse("admin:workspaces_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert not ApiToken.objects.filter(pk=token.pk).exists()
