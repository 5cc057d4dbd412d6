"""Issue 14 defect 9: credentials with only an assume-role ARN would be validated and used with
the service's own AWS identity. Refused unless the installation turns instance credentials on
(`ALLOW_INSTANCE_CREDENTIALS`, off by default), in pages, API and services alike; service-info
reports the setting."""

import pytest
from django.core.exceptions import ValidationError

from tests.api.conftest import CANARY_ACCESS_KEY, CANARY_SECRET
from tests.factories import CredentialsFactory
from workspaces import actors, services
from workspaces import aws as aws_door
from workspaces.models import Credentials

pytestmark = pytest.mark.django_db

ROLE_ARN = "arn:aws:iam::123456789012:role/seqera-batch"


def api_body(**keys):
    return {"credentials": {"name": "role-only", "provider": "aws", "keys": keys}}


def test_the_default_is_off_and_service_info_says_so(as_user, settings):
    assert settings.ALLOW_INSTANCE_CREDENTIALS is False
    assert as_user().get("/api/service-info").json()["serviceInfo"]["allowInstanceCredentials"] is False
    settings.ALLOW_INSTANCE_CREDENTIALS = True
    assert as_user().get("/api/service-info").json()["serviceInfo"]["allowInstanceCredentials"] is True


def test_role_only_credentials_are_refused_by_the_api(as_user, tenancy, ws_url):
    response = as_user(tenancy.users["admin"]).post(
        ws_url("credentials"), api_body(assumeRoleArn=ROLE_ARN), format="json"
    )
    assert response.status_code == 400
    assert "access key pair" in response.json()["message"]
    assert not Credentials.objects.filter(name="role-only").exists()


def test_role_only_credentials_are_refused_by_the_page(client, tenancy):
    client.force_login(tenancy.users["admin"])
    url = f"/orgs/{tenancy.org.name}/workspaces/{tenancy.workspace.name}/credentials/new/"
    response = client.post(url, {"name": "role-only", "assume_role_arn": ROLE_ARN})
    assert response.status_code == 200 and b"access key pair" in response.content
    assert not Credentials.objects.filter(name="role-only").exists()


def test_keys_with_a_role_still_work_and_role_only_works_when_turned_on(tenancy, settings):
    made = services.create_credentials(
        workspace=tenancy.workspace, name="keys-and-role", created_by=tenancy.users["admin"],
        access_key=CANARY_ACCESS_KEY, secret_key=CANARY_SECRET, assume_role_arn=ROLE_ARN,
    )  # fmt: skip
    assert made.access_key == CANARY_ACCESS_KEY
    with pytest.raises(ValidationError) as refused:
        services.create_credentials(
            workspace=tenancy.workspace, name="role-only", created_by=tenancy.users["admin"], assume_role_arn=ROLE_ARN
        )
    assert "access_key" in refused.value.message_dict
    settings.ALLOW_INSTANCE_CREDENTIALS = True
    allowed = services.create_credentials(
        workspace=tenancy.workspace, name="role-only", created_by=tenancy.users["admin"], assume_role_arn=ROLE_ARN
    )
    assert allowed.access_key == "" and allowed.external_id


def test_stored_role_only_credentials_never_borrow_the_service_identity(tenancy, aws):
    """A row made while the setting was on (or before this rule) is refused at the AWS door and
    marked invalid by validation, without a single AWS call."""
    creds = CredentialsFactory(workspace=tenancy.workspace, name="old-role", access_key="", secret="",
                               assume_role_arn=ROLE_ARN, external_id="ext-1")  # fmt: skip
    with pytest.raises(aws_door.InstanceCredentialsDisabled):
        aws_door.session_for(creds)
    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == Credentials.Status.INVALID
    assert "instance credentials" in creds.message
