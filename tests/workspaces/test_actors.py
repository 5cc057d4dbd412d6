"""The validation actor against moto: AVAILABLE with the account id, INVALID with AWS's own
message, and messages on the queue that carry ids only."""

import pytest
from botocore.exceptions import ClientError
from django.db import transaction

from tests.factories import CredentialsFactory
from tests.helpers.canary import CANARY
from workspaces import actors, services
from workspaces.models import Credentials


def fail_with(code: str, message: str, operation: str):
    def hook(**kwargs):
        raise ClientError({"Error": {"Code": code, "Message": message}}, operation)

    return hook


@pytest.mark.django_db
def test_valid_keys_become_available_with_the_account_id(tenancy, aws):
    creds = tenancy.credentials
    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.AVAILABLE
    assert creds.account_id == "123456789012"
    assert creds.last_validated is not None


@pytest.mark.django_db
def test_rejected_keys_become_invalid_with_the_aws_message(tenancy, aws, aws_hooks):
    aws_hooks.append(
        (
            "before-call.sts.GetCallerIdentity",
            fail_with(
                "InvalidClientTokenId", "The security token included in the request is invalid.", "GetCallerIdentity"
            ),
        )
    )
    creds = tenancy.credentials
    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.INVALID
    assert creds.message == "InvalidClientTokenId: The security token included in the request is invalid."


@pytest.mark.django_db
def test_a_role_is_assumed_with_the_external_id(tenancy, aws, aws_hooks):
    seen = []
    aws_hooks.append(("provide-client-params.sts.AssumeRole", lambda params, **kw: seen.append(dict(params))))
    creds = CredentialsFactory(
        workspace=tenancy.workspace,
        assume_role_arn="arn:aws:iam::210987654321:role/seqera-launch",
        external_id="ext-123",
    )

    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.AVAILABLE
    assert creds.account_id == "210987654321"  # the caller is the role, in its own account
    assert seen and seen[0]["RoleArn"] == creds.assume_role_arn and seen[0]["ExternalId"] == "ext-123"


@pytest.mark.django_db
def test_a_role_that_refuses_us_makes_the_credentials_invalid(tenancy, aws, aws_hooks):
    message = "User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole"
    aws_hooks.append(("before-call.sts.AssumeRole", fail_with("AccessDenied", message, "AssumeRole")))
    creds = CredentialsFactory(
        workspace=tenancy.workspace,
        assume_role_arn="arn:aws:iam::210987654321:role/seqera-launch",
        external_id="ext-123",
    )

    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.INVALID
    assert creds.message == f"AccessDenied: {message}"


@pytest.mark.django_db
def test_the_actor_ignores_a_credential_of_another_workspace(tenancy, aws):
    creds = tenancy.credentials
    creds.status = ""
    creds.save()
    actors.validate_credentials(creds.id, tenancy.other_workspace.id)  # ids that do not belong together
    creds.refresh_from_db()
    assert creds.status == "" and creds.last_validated is None
    actors.validate_credentials(creds.id, creds.workspace_id)  # the same credentials, in their workspace: validated
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.AVAILABLE


@pytest.mark.django_db
def test_creating_credentials_enqueues_ids_only_after_commit(tenancy, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        creds = services.create_credentials(
            workspace=tenancy.workspace,
            name="fresh",
            created_by=tenancy.users["admin"],
            access_key="AKIAIOSFODNN7CANARY0",
            secret_key=CANARY,
        )
        assert sent() == []  # nothing before the commit
    assert len(callbacks) == 1
    (message,) = sent()
    assert message.actor_name == "validate_credentials"
    assert message.args == (creds.id, tenancy.workspace.id)
    assert message.kwargs == {}
    encoded = message.encode().decode()
    assert CANARY not in encoded and creds.secret_encrypted not in encoded


@pytest.mark.django_db
def test_a_rolled_back_creation_enqueues_nothing(tenancy, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.create_credentials(
            workspace=tenancy.workspace,
            name="fresh",
            created_by=None,
            access_key="AKIAIOSFODNN7CANARY0",
            secret_key=CANARY,
        )
        raise RuntimeError("rolled back")
    assert sent() == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_validates_new_credentials_end_to_end(aws, broker, worker):
    from tests.factories import UserFactory, WorkspaceFactory

    workspace = WorkspaceFactory()
    creds = services.create_credentials(
        workspace=workspace,
        name="through-worker",
        created_by=UserFactory(),
        access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key=CANARY,
    )
    broker.join(actors.validate_credentials.queue_name, timeout=20_000)
    worker.join()
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.AVAILABLE
    assert creds.account_id == "123456789012"
