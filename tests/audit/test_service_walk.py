"""Every write of the services leaves an audit record (issue 14, audit trail).

The public functions of `workspaces.services` and `computeenvs.services` are read from the modules
themselves and compared with two lists: `WRITES` (a scenario that calls the function and the
record it must leave) and `NOT_WRITES` (with the reason it writes no row). A new service function
in neither list fails `test_every_service_function_is_classified`; a write whose scenario leaves
no matching record fails `test_every_write_leaves_a_record`.
"""

from __future__ import annotations

import inspect

import pytest

from computeenvs import services as ce_services
from computeenvs.models import ComputeEnv
from tests.factories import CredentialsFactory, TeamFactory, UserFactory
from tests.tenancy.world import MANUAL_CONFIG
from workspaces import services
from workspaces.audit import AuditEvent
from workspaces.models import ApiToken, Credentials, OrgMembership, Participant

pytestmark = pytest.mark.django_db
MODULES = (services, ce_services)


def public_functions(module) -> set[str]:
    return {
        name
        for name, obj in inspect.getmembers(module, inspect.isfunction)
        if obj.__module__ == module.__name__ and not name.startswith("_")
    }


def _ce(t, name="audit-ce", **kwargs) -> ComputeEnv:
    return ce_services.create_compute_env(
        workspace=t.workspace, created_by=t.users["admin"], name=name, credentials=t.credentials,
        config=dict(MANUAL_CONFIG), **kwargs,
    )  # fmt: skip


def _membership(t, role="member"):
    return OrgMembership.objects.create(org=t.org, user=UserFactory(), role=role)


# name -> (scenario(tenancy), expected (action, object type) among the new records)
WRITES = {
    # users and invitations
    "find_or_invite_user": (
        lambda t: services.find_or_invite_user(email="new-person@example.org", invited_by=t.users["admin"]),
        ("create", "auth.user"),
    ),
    # organizations
    "create_organization": (
        lambda t: services.create_organization(user=t.users["view"], name="neworg", full_name="New"),
        ("create", "workspaces.organization"),
    ),
    "update_organization": (
        lambda t: services.update_organization(org=t.org, full_name="Renamed"),
        ("update", "workspaces.organization"),
    ),
    "delete_organization": (lambda t: services.delete_organization(org=t.org), ("delete", "workspaces.organization")),
    "add_org_member": (
        lambda t: services.add_org_member(org=t.org, email="someone@example.org", invited_by=t.users["org_owner"]),
        ("create", "workspaces.orgmembership"),
    ),
    "change_org_member_role": (
        lambda t: services.change_org_member_role(membership=_membership(t), role="collaborator"),
        ("update", "workspaces.orgmembership"),
    ),
    "remove_org_member": (
        lambda t: services.remove_org_member(membership=_membership(t)),
        ("delete", "workspaces.orgmembership"),
    ),
    # teams
    "create_team": (lambda t: services.create_team(org=t.org, name="newteam"), ("create", "workspaces.team")),
    "update_team": (
        lambda t: services.update_team(team=TeamFactory(org=t.org), name="renamed-team"),
        ("update", "workspaces.team"),
    ),
    "add_team_member": (
        lambda t: services.add_team_member(
            team=TeamFactory(org=t.org), email=t.users["view"].email, invited_by=t.users["org_owner"]
        ),
        ("update", "workspaces.team"),
    ),
    "remove_team_member": (
        lambda t: services.remove_team_member(team=_team_with(t, t.users["view"]), user=t.users["view"]),
        ("update", "workspaces.team"),
    ),
    "delete_team": (lambda t: services.delete_team(team=TeamFactory(org=t.org)), ("delete", "workspaces.team")),
    # workspaces and participants
    "create_workspace": (
        lambda t: services.create_workspace(org=t.org, creator=t.users["owner"], name="newws"),
        ("create", "workspaces.workspace"),
    ),
    "update_workspace": (
        lambda t: services.update_workspace(workspace=t.workspace, full_name="Renamed"),
        ("update", "workspaces.workspace"),
    ),
    "delete_workspace": (
        lambda t: services.delete_workspace(workspace=t.workspace),
        ("delete", "workspaces.workspace"),
    ),
    "add_participant": (
        lambda t: services.add_participant(
            workspace=t.workspace, role="view", invited_by=t.users["owner"], email="guest@example.org"
        ),
        ("create", "workspaces.participant"),
    ),
    "change_participant_role": (
        lambda t: services.change_participant_role(
            participant=Participant.objects.get(workspace=t.workspace, user=t.users["view"]), role="launch"
        ),
        ("update", "workspaces.participant"),
    ),
    "remove_participant": (
        lambda t: services.remove_participant(
            participant=Participant.objects.get(workspace=t.workspace, user=t.users["view"])
        ),
        ("delete", "workspaces.participant"),
    ),
    # credentials
    "create_credentials": (
        lambda t: services.create_credentials(
            workspace=t.workspace,
            name="new-creds",
            created_by=t.users["admin"],
            access_key="AKIAIOSFODNN7EXAMPLE",
            secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),  # fmt: skip
        ("create", "workspaces.credentials"),
    ),
    "update_credentials": (
        lambda t: services.update_credentials(credentials=t.credentials, name="renamed-creds"),
        ("update", "workspaces.credentials"),
    ),
    "replace_secret": (
        lambda t: services.replace_secret(
            credentials=t.credentials, access_key="AKIAIOSFODNN7EXAMPL2", secret_key="x" * 40
        ),
        ("update", "workspaces.credentials"),
    ),
    "delete_credentials": (
        lambda t: services.delete_credentials(credentials=CredentialsFactory(workspace=t.workspace, name="gone")),
        ("delete", "workspaces.credentials"),
    ),
    "validate_credentials": (
        lambda t: services.validate_credentials(credentials=_unvalidated(t.credentials)),
        ("update", "workspaces.credentials"),
    ),
    # labels
    "create_label": (
        lambda t: services.create_label(workspace=t.workspace, name="newlabel"),
        ("create", "workspaces.label"),
    ),
    "update_label": (
        lambda t: services.update_label(label=t.label, name="team", value="other"),
        ("update", "workspaces.label"),
    ),
    "delete_label": (lambda t: services.delete_label(label=t.label), ("delete", "workspaces.label")),
    # API tokens
    "create_api_token": (
        lambda t: services.create_api_token(user=t.users["view"], name="ci"),
        ("create", "workspaces.apitoken"),
    ),
    "revoke_api_token": (
        lambda t: services.revoke_api_token(token=services.create_api_token(user=t.users["view"], name="x")[0]),
        ("delete", "workspaces.apitoken"),
    ),
    # compute environments
    "create_compute_env": (lambda t: _ce(t), ("create", "computeenvs.computeenv")),
    "import_compute_env": (
        lambda t: ce_services.import_compute_env(
            workspace=t.workspace,
            created_by=t.users["admin"],
            credentials=t.credentials,
            document={"computeEnv": {"name": "imported", "platform": "aws-batch", "config": dict(MANUAL_CONFIG)}},
        ),  # fmt: skip
        ("create", "computeenvs.computeenv"),
    ),
    "update_compute_env": (
        lambda t: ce_services.update_compute_env(ce=_ce(t), description="changed"),
        ("update", "computeenvs.computeenv"),
    ),
    "delete_compute_env": (lambda t: ce_services.delete_compute_env(ce=_ce(t)), ("delete", "computeenvs.computeenv")),
    "make_primary": (lambda t: ce_services.make_primary(ce=_ce(t)), ("update", "computeenvs.computeenv")),
    "validate_compute_env": (
        lambda t: ce_services.validate_compute_env(_available(_ce(t))),
        ("update", "computeenvs.computeenv"),
    ),
}

# Public functions that write no row, with the reason.
NOT_WRITES = {
    services: {
        "invitation_link": "builds a link",
        "credentials_name_taken": "reads",
        "credentials_users": "reads",
        "request_credentials_validation": "enqueues the actor (ids only); its result is recorded",
    },
    ce_services: {
        "config_key": "pure",
        "forge_queue_names": "pure",
        "name_error": "reads",
        "resolve_credentials": "reads",
        "resolve_labels": "reads",
        "validate_config": "pure",
        "request_forge": "enqueues the forge (ids only); what it changes is recorded",
        "request_validation": "enqueues the actor (ids only); its result is recorded",
        "check_compute_env": "reads AWS",
        "label_tags": "reads",
        "forged_resources": "reads",
        "api_config": "reads",
        "plan_for": "pure",
        "preview_plan": "pure",
        "iam_policy": "pure",
        "preview_compute_env": "validates without saving",
        "policy_for": "pure",
        "nextflow_config_for": "pure",
        "export_config": "pure",
        "export_compute_env": "reads",
    },
}


def _team_with(t, user):
    team = TeamFactory(org=t.org)
    team.members.add(user)
    return team


def _unvalidated(credentials: Credentials) -> Credentials:
    Credentials.objects.filter(pk=credentials.pk).update(status="", message="")
    credentials.refresh_from_db()
    return credentials


def _available(ce: ComputeEnv) -> ComputeEnv:
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE)
    ce.refresh_from_db()
    return ce


def test_every_service_function_is_classified():
    problems = []
    for module in MODULES:
        for name in sorted(public_functions(module)):
            if name not in WRITES and name not in NOT_WRITES[module]:
                problems.append(
                    f"{module.__name__}.{name}: add it to WRITES (a scenario and the record it leaves) "
                    "or NOT_WRITES (why it writes no row) in tests/audit/test_service_walk.py"
                )
        stale = [n for n in NOT_WRITES[module] if n not in public_functions(module)]
        problems += [f"NOT_WRITES lists {module.__name__}.{n}, which no longer exists" for n in stale]
    known = set().union(*(public_functions(m) for m in MODULES))
    problems += [f"WRITES lists {n}, which no longer exists" for n in WRITES if n not in known]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_leaves_a_record(name, tenancy, aws, django_capture_on_commit_callbacks):
    scenario, (action, object_type) = WRITES[name]
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    scenario(tenancy)
    new = list(AuditEvent.objects.filter(id__gt=last).values_list("action", "object_type"))
    assert (action, object_type) in new, f"{name} left {new or 'no record'}, expected {(action, object_type)}"


def test_token_and_user_models_are_audited_without_their_secrets(tenancy):
    token, plaintext = services.create_api_token(user=tenancy.users["view"], name="ci")
    event = AuditEvent.objects.get(action="create", object_type="workspaces.apitoken", object_id=str(token.pk))
    assert event.after["token_hash"] == "<hidden>"
    assert token.token_hash not in str(event.after) and plaintext not in str(event.after)
    assert ApiToken.objects.filter(pk=token.pk).exists()
