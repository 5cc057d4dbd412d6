"""List pages cost a bounded number of queries, whatever the number of rows."""

import pytest
from django.urls import reverse

from tests.factories import CredentialsFactory, LabelFactory, ParticipantFactory, TeamFactory
from tests.helpers.urls import WS


@pytest.mark.parametrize(
    "name",
    [
        "workspaces:credentials_list",
        "workspaces:label_list",
        "workspaces:participant_list",
        "workspaces:workspace_detail",
    ],
)
def test_list_pages_do_not_grow_with_rows(client, tenancy, django_assert_max_num_queries, name):
    client.force_login(tenancy.users["admin"])
    for n in range(20):
        CredentialsFactory(workspace=tenancy.workspace, name=f"creds-{n}")
        LabelFactory(workspace=tenancy.workspace, name=f"lbl{n}")
        ParticipantFactory(workspace=tenancy.workspace, role="view")
    ParticipantFactory(workspace=tenancy.workspace, team=TeamFactory(org=tenancy.org), user=None)
    with django_assert_max_num_queries(15):  # the overview counts each registered section's rows
        assert client.get(reverse(name, kwargs=WS)).status_code == 200
