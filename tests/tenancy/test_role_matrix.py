"""The workspace role matrix of domain.md §5.2, transcribed as a table, against the one permission
map (workspaces.permissions) and the queryset filter every view reads through (restrict)."""

import pytest

from tests.factories import CredentialsFactory, OrgMembershipFactory, ParticipantFactory, TeamFactory, WorkspaceFactory
from workspaces.models import Credentials, Participant, Workspace
from workspaces.permissions import PERMISSIONS, ROLE_ORDER, role_allows

ROLES = ("owner", "admin", "maintain", "launch", "connect", "view")

# domain.md §5.2, one row per permission, columns owner/admin/maintain/launch/connect/view.
MATRIX = """
compute_environment:read    ✓ ✓ ✓ ✓ ✓ ✓
compute_environment:write   ✓ ✓ – – – –
compute_environment:delete  ✓ ✓ – – – –
credentials:read            ✓ ✓ ✓ ✓ ✓ ✓
credentials:write           ✓ ✓ – – – –
credentials:delete          ✓ ✓ – – – –
credentials_encrypted:read  ✓ ✓ ✓ ✓ – –
pipeline:write              ✓ ✓ ✓ – – –
pipeline:delete             ✓ ✓ ✓ – – –
pipeline_secrets:write      ✓ ✓ ✓ – – –
pipeline_secrets:delete     ✓ ✓ ✓ – – –
workflow:execute            ✓ ✓ ✓ ✓ – –
workflow:write              ✓ ✓ ✓ ✓ – –
workflow:delete             ✓ ✓ ✓ ✓ – –
workflow_quick:execute      ✓ ✓ ✓ – – –
workspace:write             ✓ ✓ – – – –
workspace:delete            ✓ – – – – –
"""
# §5.2 lists label:write/delete with maintain; this project's labels are resource labels (AWS tags),
# which "only admins and owners create, edit or delete" (issue 2 §7, D-RLBL, D-CL242 fix).
RESOURCE_LABELS = """
label:write                 ✓ ✓ – – – –
label:delete                ✓ ✓ – – – –
"""
# Not in the §5.2 table: read access is every role (§5.2 prose: view = read-only); only owners
# and admins add or remove participants (§5.1).
READS_AND_PARTICIPANTS = """
workspace:read              ✓ ✓ ✓ ✓ ✓ ✓
participant:read            ✓ ✓ ✓ ✓ ✓ ✓
participant:write           ✓ ✓ – – – –
label:read                  ✓ ✓ ✓ ✓ ✓ ✓
pipeline:read               ✓ ✓ ✓ ✓ ✓ ✓
workflow:read               ✓ ✓ ✓ ✓ ✓ ✓
pipeline_secrets:read       ✓ ✓ ✓ ✓ ✓ ✓
"""
# Not in §5.2 either: the workspace's audit trail (issue 14) is for its admins and owners.
AUDIT = """
audit:read                  ✓ ✓ – – – –
"""


def parse(table: str) -> dict[str, dict[str, bool]]:
    rows = {}
    for line in table.strip().splitlines():
        action, *marks = line.split()
        assert len(marks) == len(ROLES), line
        rows[action] = {role: mark == "✓" for role, mark in zip(ROLES, marks, strict=True)}
    return rows


EXPECTED = parse(MATRIX) | parse(RESOURCE_LABELS) | parse(READS_AND_PARTICIPANTS) | parse(AUDIT)


def test_roles_are_the_six_of_the_matrix_lowest_first():
    assert tuple(reversed(ROLES)) == ROLE_ORDER


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_permission_map_matches_the_matrix(action):
    assert {role: role_allows(role, action) for role in ROLES} == EXPECTED[action]
    assert role_allows(None, action) is False  # not a participant: nothing


def test_every_permission_of_the_map_is_in_the_table():
    assert set(PERMISSIONS) <= set(EXPECTED), f"add a row for {sorted(set(PERMISSIONS) - set(EXPECTED))}"


@pytest.mark.django_db
def test_restrict_agrees_with_the_matrix(tenancy):
    """The queryset filter views read through lets exactly the roles the matrix allows see A's rows."""
    for role in ROLES:
        user = tenancy.users[role]
        for action, allowed in EXPECTED.items():
            visible = Credentials.objects.restrict(user, action).filter(pk=tenancy.credentials.pk).exists()
            assert visible is allowed[role], f"{role} / {action}"
            assert (
                not Credentials.objects.restrict(tenancy.outsider, action).filter(workspace=tenancy.workspace).exists()
            )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direct", "team", "effective"),
    [
        ("view", "admin", "admin"),
        ("admin", "view", "admin"),
        (None, "launch", "launch"),
        ("maintain", None, "maintain"),
    ],
)
def test_effective_role_is_the_higher_of_direct_and_team(direct, team, effective):
    workspace = WorkspaceFactory()
    user = OrgMembershipFactory(org=workspace.org).user
    if direct:
        ParticipantFactory(workspace=workspace, user=user, role=direct)
    if team:
        squad = TeamFactory(org=workspace.org)
        squad.members.add(user)
        Participant.objects.create(workspace=workspace, team=squad, role=team)
    assert workspace.role_of(user) == effective
    for action, allowed in EXPECTED.items():
        assert Workspace.objects.restrict(user, action).filter(pk=workspace.pk).exists() is allowed[effective], action


@pytest.mark.django_db
def test_org_owner_owns_every_workspace_of_the_org(tenancy):
    org_owner = tenancy.users["org_owner"]
    later = WorkspaceFactory(org=tenancy.org, name="later")  # no participant rows at all
    CredentialsFactory(workspace=later)
    for workspace in (tenancy.workspace, later):
        assert workspace.role_of(org_owner) == "owner"
        assert Credentials.objects.restrict(org_owner, "credentials:delete").in_workspace(workspace).exists()
    assert tenancy.other_workspace.role_of(org_owner) is None


@pytest.mark.django_db
def test_outsider_and_plain_org_member_have_no_role(tenancy):
    member = OrgMembershipFactory(org=tenancy.org, role="member").user
    for user in (tenancy.outsider, member):
        assert tenancy.workspace.role_of(user) is None
        assert not Workspace.objects.restrict(user, "workspace:read").filter(pk=tenancy.workspace.pk).exists()
