import pytest

from workspaces import actors


@pytest.mark.django_db
def test_validation_actor_marks_credentials_available(tenancy, aws):
    creds = tenancy.credentials
    actors.validate_credentials(creds.id, creds.workspace_id)
    creds.refresh_from_db()
    assert creds.status == "AVAILABLE"
    assert creds.account_id == "123456789012"
