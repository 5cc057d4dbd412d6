"""Every write of the services leaves an audit record (issue 14, audit trail).

The public functions of `workspaces.services` and `computeenvs.services` are read from the modules
themselves and compared with two lists: `WRITES` (a scenario that calls the function and the
record it must leave) and `NOT_WRITES` (with the reason it writes no row). A new service function
in neither list fails `test_every_service_function_is_classified`; a write whose scenario leaves
no matching record fails `test_every_write_leaves_a_record`.
"""

from __future__ import annotations

import inspect
import re

import pytest
from django.core import mail
from django.urls import reverse

from computeenvs import services as ce_services
from computeenvs.models import ComputeEnv
from pipelines import services as pipeline_services
from pipelines.models import RunStatus
from tests.factories import (
    CredentialsFactory,
    PipelineFactory,
    PipelineSecretFactory,
    RunFactory,
    TeamFactory,
    UserFactory,
)
from tests.tenancy.world import MANUAL_CONFIG
from workspaces import services
from workspaces.audit import AuditEvent
from workspaces.models import ApiToken, Credentials, Invitation, OrgMembership, Participant, token_hash

pytestmark = pytest.mark.django_db
MODULES = (services, ce_services, pipeline_services)


def public_functions(module) -> set[str]:
    return {
        name
        for name, obj in inspect.getmembers(module, inspect.isfunction)
        if (obj.__module__ == module.__name__ or obj.__module__.startswith(f"{module.__name__}."))
        and not name.startswith("_")
    }


def _ce(t, name="audit-ce", **kwargs) -> ComputeEnv:
    return ce_services.create_compute_env(
        workspace=t.workspace, created_by=t.users["admin"], name=name, credentials=t.credentials,
        config=dict(MANUAL_CONFIG), **kwargs,
    )  # fmt: skip


def _membership(t, role="member"):
    return OrgMembership.objects.create(org=t.org, user=UserFactory(), role=role)


def rec(action: str, object_type: str, on: str | None = None, **after) -> tuple:
    """A record a scenario must leave: its action and object type, the tenant it is filed under
    ("org": the organization; "workspace": the workspace and its organization) and values its
    `after` must hold."""
    return (action, object_type, on, after)


def _token_from_mail(url_name: str) -> str:
    """The token of the last e-mailed link to `url_name` (links go to the invited address only)."""
    prefix, suffix = reverse(url_name, kwargs={"token": "T0KEN"}).split("T0KEN")
    match = re.search(re.escape(prefix) + r"([^/\s]+)" + re.escape(suffix), mail.outbox[-1].body)
    assert match, f"no {url_name} link in the last e-mail"
    return match.group(1)


def _org_invitation(t, email="joiner@example.org") -> Invitation:
    return services.add_org_member(org=t.org, email=email, role="member", actor=t.users["org_owner"])


def _ws_invitation(t, email="guest@example.org") -> tuple[Invitation, str]:
    invitation = services.add_participant(workspace=t.workspace, role="view", actor=t.users["owner"], email=email)
    return invitation, _token_from_mail("invitation_accept")


def _accept(t):
    invitation, token = _ws_invitation(t, email="accepting@example.org")
    return services.accept_invitation(token=token, user=UserFactory(email="accepting@example.org"))


def _accept_new(t):
    _, token = _ws_invitation(t, email="newcomer@example.org")
    return services.accept_invitation_with_new_account(token=token, username="newcomer", password="x-Long-pass-9")


def _verify(t):
    user = t.users["view"]
    services.request_email_verification(user=user, email="verified@example.org")
    return services.verify_email(token=_token_from_mail("email_verify"), user=user)


def _revoke_all(t):
    user = t.users["view"]
    services.create_api_token(user=user, name="one")
    services.create_api_token(user=user, name="two")
    return services.revoke_all_api_tokens(user=user)


# name (a ":variant" suffix for another path of the same function) -> (scenario(tenancy), records it must leave)
WRITES = {
    # organizations
    "create_organization": (
        lambda t: services.create_organization(user=t.users["view"], name="neworg", full_name="New"),
        [rec("create", "workspaces.organization"), rec("create", "workspaces.orgmembership", role="owner")],
    ),
    "update_organization": (
        lambda t: services.update_organization(org=t.org, full_name="Renamed"),
        [rec("update", "workspaces.organization", "org", full_name="Renamed")],
    ),
    "delete_organization": (
        lambda t: services.delete_organization(org=t.org),
        [rec("delete", "workspaces.organization", "org")],
    ),
    # members and invitations: an address is invited; nothing is granted until its owner accepts
    "add_org_member": (
        lambda t: _org_invitation(t),
        [rec("create", "workspaces.invitation", "org", email="joiner@example.org", role="member")],
    ),
    "change_org_member_role": (
        lambda t: services.change_org_member_role(
            membership=_membership(t), role="collaborator", actor=t.users["org_owner"]
        ),
        [rec("update", "workspaces.orgmembership", "org", role="collaborator")],
    ),
    "remove_org_member": (
        lambda t: services.remove_org_member(membership=_membership(t), actor=t.users["org_owner"]),
        [rec("delete", "workspaces.orgmembership", "org")],
    ),
    "revoke_invitation": (
        lambda t: services.revoke_invitation(invitation=_org_invitation(t), actor=t.users["org_owner"]),
        [rec("update", "workspaces.invitation", "org", status="REVOKED")],
    ),
    "resend_invitation": (
        lambda t: services.resend_invitation(invitation=_ws_invitation(t)[0], actor=t.users["owner"]),
        [rec("update", "workspaces.invitation", "workspace", token_hash="<hidden>")],
    ),
    "accept_invitation": (
        _accept,
        [
            rec("update", "workspaces.invitation", "workspace", status="ACCEPTED"),
            rec("create", "workspaces.participant", "workspace", role="view"),
            rec("create", "workspaces.verifiedemail", email="accepting@example.org"),
        ],
    ),
    "accept_invitation_with_new_account": (
        _accept_new,
        [
            rec("create", "auth.user", username="newcomer", password="<hidden>"),
            rec("create", "workspaces.verifiedemail", email="newcomer@example.org"),
            rec("update", "workspaces.invitation", "workspace", status="ACCEPTED"),
            rec("create", "workspaces.participant", "workspace"),
        ],
    ),
    # e-mail addresses
    "request_email_verification": (
        lambda t: services.request_email_verification(user=t.users["view"], email="asked@example.org"),
        [rec("email_verification_sent", "auth.user", email="asked@example.org")],
    ),
    "verify_email": (
        _verify,
        [
            rec("create", "workspaces.verifiedemail", email="verified@example.org"),
            rec("update", "auth.user", email="verified@example.org"),
        ],
    ),
    # teams
    "create_team": (
        lambda t: services.create_team(org=t.org, name="newteam", actor=t.users["org_owner"]),
        [rec("create", "workspaces.team", "org", name="newteam")],
    ),
    "update_team": (
        lambda t: services.update_team(team=TeamFactory(org=t.org), name="renamed-team", actor=t.users["org_owner"]),
        [rec("update", "workspaces.team", "org", name="renamed-team")],
    ),
    "add_team_member": (
        lambda t: services.add_team_member(
            team=TeamFactory(org=t.org), user=t.users["view"], actor=t.users["org_owner"]
        ),
        [rec("update", "workspaces.team", "org", members=["view-user"])],
    ),
    "add_team_member:invite": (
        lambda t: services.add_team_member(
            team=TeamFactory(org=t.org), email="teammate@example.org", actor=t.users["org_owner"]
        ),
        [rec("create", "workspaces.invitation", "org", email="teammate@example.org")],
    ),
    "remove_team_member": (
        lambda t: services.remove_team_member(
            team=_team_with(t, t.users["view"]), user=t.users["view"], actor=t.users["org_owner"]
        ),
        [rec("update", "workspaces.team", "org", members=[])],
    ),
    "delete_team": (
        lambda t: services.delete_team(team=TeamFactory(org=t.org), actor=t.users["org_owner"]),
        [rec("delete", "workspaces.team", "org")],
    ),
    # workspaces and participants
    "create_workspace": (
        lambda t: services.create_workspace(org=t.org, creator=t.users["owner"], name="newws"),
        [rec("create", "workspaces.workspace", "org", name="newws")],
    ),
    "update_workspace": (
        lambda t: services.update_workspace(workspace=t.workspace, full_name="Renamed"),
        [rec("update", "workspaces.workspace", "workspace", full_name="Renamed")],
    ),
    "delete_workspace": (
        lambda t: services.delete_workspace(workspace=t.workspace),
        [rec("delete", "workspaces.workspace", "workspace")],
    ),
    "add_participant": (
        lambda t: _ws_invitation(t),
        [rec("create", "workspaces.invitation", "workspace", email="guest@example.org", role="view")],
    ),
    "add_participant:member": (
        lambda t: services.add_participant(
            workspace=t.workspace, role="launch", actor=t.users["owner"], user=_membership(t).user
        ),
        [rec("create", "workspaces.participant", "workspace", role="launch")],
    ),
    "add_participant:team": (
        lambda t: services.add_participant(
            workspace=t.workspace, role="view", actor=t.users["owner"], team=TeamFactory(org=t.org)
        ),
        [rec("create", "workspaces.participant", "workspace", role="view")],
    ),
    "change_participant_role": (
        lambda t: services.change_participant_role(
            participant=Participant.objects.get(workspace=t.workspace, user=t.users["view"]),
            role="launch",
            actor=t.users["owner"],
        ),
        [rec("update", "workspaces.participant", "workspace", role="launch")],
    ),
    "remove_participant": (
        lambda t: services.remove_participant(
            participant=Participant.objects.get(workspace=t.workspace, user=t.users["view"]), actor=t.users["owner"]
        ),
        [rec("delete", "workspaces.participant", "workspace")],
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
        [rec("create", "workspaces.credentials", "workspace", secret_encrypted="<hidden>")],
    ),
    "update_credentials": (
        lambda t: services.update_credentials(credentials=t.credentials, name="renamed-creds"),
        [rec("update", "workspaces.credentials", "workspace", name="renamed-creds")],
    ),
    "replace_secret": (
        lambda t: services.replace_secret(
            credentials=t.credentials, access_key="AKIAIOSFODNN7EXAMPL2", secret_key="x" * 40
        ),
        [rec("update", "workspaces.credentials", "workspace", secret_encrypted="<hidden>")],
    ),
    "delete_credentials": (
        lambda t: services.delete_credentials(credentials=CredentialsFactory(workspace=t.workspace, name="gone")),
        [rec("delete", "workspaces.credentials", "workspace")],
    ),
    "validate_credentials": (
        lambda t: services.validate_credentials(credentials=_unvalidated(t.credentials)),
        [rec("update", "workspaces.credentials", "workspace")],
    ),
    "credentials_validation_gave_up": (
        lambda t: services.credentials_validation_gave_up(credentials=t.credentials, reason="no answer"),
        [rec("update", "workspaces.credentials", "workspace", status="INVALID")],
    ),
    # labels
    "ensure_label": (
        lambda t: services.ensure_label(workspace=t.workspace, name="ensured", value="lab1", resource=True),
        [rec("create", "workspaces.label", "workspace", name="ensured")],
    ),
    "change_credentials": (
        lambda t: services.change_credentials(
            credentials=t.credentials, name="changed-creds", access_key="AKIAIOSFODNN7EXAMPL3", secret_key="y" * 40
        ),
        [
            rec("update", "workspaces.credentials", "workspace", name="changed-creds"),
            rec("update", "workspaces.credentials", "workspace", secret_encrypted="<hidden>"),
        ],
    ),
    "create_label": (
        lambda t: services.create_label(workspace=t.workspace, name="newlabel"),
        [rec("create", "workspaces.label", "workspace", name="newlabel")],
    ),
    "update_label": (
        lambda t: services.update_label(label=t.label, name="team", value="other"),
        [rec("update", "workspaces.label", "workspace")],
    ),
    "delete_label": (
        lambda t: services.delete_label(label=t.label),
        [rec("delete", "workspaces.label", "workspace")],
    ),
    # API tokens
    "create_api_token": (
        lambda t: services.create_api_token(user=t.users["view"], name="ci"),
        [rec("create", "workspaces.apitoken", name="ci", token_hash="<hidden>")],
    ),
    "revoke_api_token": (
        lambda t: services.revoke_api_token(token=services.create_api_token(user=t.users["view"], name="x")[0]),
        [rec("delete", "workspaces.apitoken")],
    ),
    "revoke_all_api_tokens": (_revoke_all, [rec("delete", "workspaces.apitoken")] * 2),
    # compute environments
    "create_compute_env": (lambda t: _ce(t), [rec("create", "computeenvs.computeenv", "workspace")]),
    "import_compute_env": (
        lambda t: ce_services.import_compute_env(
            workspace=t.workspace,
            created_by=t.users["admin"],
            credentials=t.credentials,
            document={"computeEnv": {"name": "imported", "platform": "aws-batch", "config": dict(MANUAL_CONFIG)}},
        ),  # fmt: skip
        [rec("create", "computeenvs.computeenv", "workspace", name="imported")],
    ),
    "update_compute_env": (
        lambda t: ce_services.update_compute_env(ce=_ce(t), description="changed"),
        [rec("update", "computeenvs.computeenv", "workspace", description="changed")],
    ),
    "delete_compute_env": (
        lambda t: ce_services.delete_compute_env(ce=_ce(t)),
        [rec("delete", "computeenvs.computeenv", "workspace")],
    ),
    "make_primary": (
        lambda t: ce_services.make_primary(ce=_available(_ce(t))),
        [rec("update", "computeenvs.computeenv", "workspace")],
    ),
    "validation_gave_up": (
        lambda t: ce_services.validation_gave_up(_ce(t), reason="no answer"),
        [rec("update", "computeenvs.computeenv", "workspace", status="ERRORED")],
    ),
    "forge_gave_up": (
        lambda t: ce_services.forge_gave_up(ce_id=_forge_ce(t).pk, workspace_id=t.workspace.pk, reason="no answer"),
        [rec("update", "computeenvs.computeenv", "workspace", status="ERRORED")],
    ),
    "dispose_gave_up": (
        lambda t: ce_services.dispose_gave_up(
            ce_id=_in_status(_forge_ce(t), ComputeEnv.Status.DELETING).pk, workspace_id=t.workspace.pk, reason="x"
        ),
        [rec("update", "computeenvs.computeenv", "workspace", status="ERRORED")],
    ),
    "retry_forge": (
        lambda t: ce_services.retry_forge(ce=_in_status(_forge_ce(t), ComputeEnv.Status.ERRORED)),
        [rec("update", "computeenvs.computeenv", "workspace", status="CREATING")],
    ),
    "request_dispose": (
        lambda t: ce_services.request_dispose(_in_status(_forge_ce(t), ComputeEnv.Status.AVAILABLE)),
        [rec("update", "computeenvs.computeenv", "workspace", status="DELETING")],
    ),
    "disable_compute_env": (
        lambda t: ce_services.disable_compute_env(ce=_available(_ce(t))),
        [rec("update", "computeenvs.computeenv", "workspace", status="DISABLED")],
    ),
    "enable_compute_env": (
        lambda t: ce_services.enable_compute_env(ce=_in_status(_ce(t), ComputeEnv.Status.DISABLED)),
        [rec("update", "computeenvs.computeenv", "workspace", status="CREATING")],
    ),
    "queues_state_gave_up": (
        lambda t: ce_services.queues_state_gave_up(
            ce_id=_in_status(_forge_ce(t), ComputeEnv.Status.DISABLED).pk,
            workspace_id=t.workspace.pk,
            state="DISABLED",
            reason="x",
        ),  # fmt: skip
        [rec("update", "computeenvs.computeenv", "workspace", status="ERRORED")],
    ),
    "validate_compute_env": (
        lambda t: ce_services.validate_compute_env(_available(_ce(t))),
        [rec("update", "computeenvs.computeenv", "workspace")],
    ),
    # pipelines, secrets and runs
    "create_pipeline": (
        lambda t: pipeline_services.create_pipeline(
            workspace=t.workspace, created_by=t.users["maintain"], name="audited", settings=HELLO
        ),
        [rec("create", "pipelines.pipeline", "workspace", name="audited")],
    ),
    "update_pipeline": (
        lambda t: pipeline_services.update_pipeline(pipeline=PipelineFactory(workspace=t.workspace), description="d"),
        [rec("update", "pipelines.pipeline", "workspace", description="d")],
    ),
    "delete_pipeline": (
        lambda t: pipeline_services.delete_pipeline(pipeline=PipelineFactory(workspace=t.workspace)),
        [rec("delete", "pipelines.pipeline", "workspace")],
    ),
    "create_pipeline_secret": (
        lambda t: pipeline_services.create_pipeline_secret(
            workspace=t.workspace, created_by=t.users["maintain"], name="AUDITED", value="zz-secret"
        ),
        [rec("create", "pipelines.pipelinesecret", "workspace", name="AUDITED")],
    ),
    "update_pipeline_secret": (
        lambda t: pipeline_services.update_pipeline_secret(
            secret=PipelineSecretFactory(workspace=t.workspace), value="new-value"
        ),
        [rec("update", "pipelines.pipelinesecret", "workspace")],
    ),
    "delete_pipeline_secret": (
        lambda t: pipeline_services.delete_pipeline_secret(secret=PipelineSecretFactory(workspace=t.workspace)),
        [rec("delete", "pipelines.pipelinesecret", "workspace")],
    ),
    "launch_run": (
        lambda t: pipeline_services.launch_run(
            workspace=t.workspace,
            user=t.users["maintain"],
            role="maintain",
            compute_env=_available(_ce(t)),
            run_name="audited_run",
            settings=HELLO,
        ),  # fmt: skip
        [rec("create", "pipelines.launch", "workspace"), rec("create", "pipelines.run", "workspace")],
    ),
    "resume_run": (
        lambda t: pipeline_services.resume_run(
            run=_ended_run(t), user=t.users["maintain"], role="maintain", run_name="resumed_run"
        ),
        [rec("create", "pipelines.run", "workspace", run_name="resumed_run")],
    ),
    "start_run": (
        lambda t: pipeline_services.start_run(RunFactory(workspace=t.workspace)),
        [rec("update", "pipelines.run", "workspace", status="RUNNING")],
    ),
    "finish_run": (
        lambda t: pipeline_services.finish_run(RunFactory(workspace=t.workspace), status="FAILED", exit_status=1),
        [rec("update", "pipelines.run", "workspace", status="FAILED", exit_status=1)],
    ),
    "mark_unknown": (
        lambda t: pipeline_services.mark_unknown(RunFactory(workspace=t.workspace, status="RUNNING"), reason="quiet"),
        [rec("update", "pipelines.run", "workspace", status="UNKNOWN", warning="quiet")],
    ),
    "cancel_run": (
        lambda t: pipeline_services.cancel_run(run=RunFactory(workspace=t.workspace), user=t.users["launch"]),
        [rec("update", "pipelines.run", "workspace", status="CANCELLED")],
    ),
    "delete_run": (
        lambda t: pipeline_services.delete_run(run=RunFactory(workspace=t.workspace, status="SUCCEEDED")),
        [rec("delete", "pipelines.launch", "workspace"), rec("delete", "pipelines.run", "workspace")],
    ),
    "submission_gave_up": (
        lambda t: pipeline_services.submission_gave_up(
            run_id=RunFactory(workspace=t.workspace).pk, workspace_id=t.workspace.pk, reason="no answer"
        ),
        [rec("update", "pipelines.run", "workspace", status="FAILED")],
    ),
    "secrets_disposal_gave_up": (
        lambda t: pipeline_services.secrets_disposal_gave_up(
            run_id=RunFactory(workspace=t.workspace, status="SUCCEEDED", aws_secrets=["tower-x-A"]).pk,
            workspace_id=t.workspace.pk,
            reason="denied",
        ),  # fmt: skip
        [rec("update", "pipelines.run", "workspace")],
    ),
}

HELLO = {"repository": "https://github.com/nextflow-io/hello"}


def _ended_run(t):
    ce = _available(_ce(t, name="resume-ce"))
    return RunFactory(workspace=t.workspace, compute_env=ce, credentials=t.credentials, status=RunStatus.FAILED)


# Public functions that write no row, with the reason.
NOT_WRITES = {
    services: {
        "credentials_name_taken": "reads",
        "request_credentials_validation": "enqueues the actor (ids only); its result is recorded",
        "grantable_workspace_roles": "reads the actor's role",
        "grantable_org_roles": "reads the actor's role",
        "invitation_subject": "pure: one line describing an invitation",
        "normalize_email": "pure",
        "is_email_verified": "reads",
        "pending_invitation": "reads the invitation of a link",
        "suggested_username": "reads which user names are taken",
        "user_with_verified_email": "reads",
        "invitation_needs_account": "reads",
    },
    ce_services: {
        "config_key": "pure",
        "name_error": "reads",
        "resolve_credentials": "reads",
        "resolve_labels": "reads",
        "validate_config": "pure",
        "request_forge": "enqueues the forge (ids only); what it changes is recorded",
        "request_validation": "enqueues the actor (ids only); its result is recorded",
        "preview_compute_env": "validates without saving",
        "work_key": "pure",
        "set_queues_state": "changes queues in AWS; the CE's transition is written by `_finish`, which records it "
        "(AWS needed: tests/faults)",
        "forge_compute_env": "its transitions are written by `_finish`, which records each (AWS needed: tests/faults)",
        "dispose_compute_env": "its transitions are written by `_finish`, which records each (AWS needed: tests/faults)",
        "dispose_workspace_compute_envs": "moves CEs with forged resources to DELETING through `request_dispose` "
        "(recorded above); the workspace delete itself is recorded",
        "delete_blockers": "reads (the apps' delete guards)",
    },
    pipeline_services: {
        "parse_params": "pure",
        "clean_settings": "validates without saving",
        "resolve_compute_env": "reads",
        "resolve_labels": "reads",
        "pipeline_name_error": "reads",
        "pipeline_settings": "reads",
        "secret_name_error": "reads",
        "run_name_error": "reads",
        "random_run_name": "reads which run names are taken",
        "primary_compute_env": "reads",
        "launch_blocker": "reads",
        "global_config": "pure",
        "request_submission": "enqueues the submission (ids only); what it changes is recorded",
        "relaunch_settings": "reads",
        "run_ended": "enqueues the secrets cleanup (ids only)",
        "is_transient": "pure",
        "find_head_job": "reads AWS",
        "ensure_job_definition": "registers a job definition in AWS; no row (AWS needed: tests/pipelines)",
        "ensure_run_secrets": "creates secrets in AWS and notes their names on the run (AWS needed: tests/pipelines)",
        "submit_run": "submits the head job in AWS; its transitions go through `_transition`, which records each "
        "(AWS needed: tests/pipelines)",
        "dispose_run_secrets": "deletes secrets in AWS and clears their names (AWS needed: tests/pipelines)",
        "active_runs_on": "reads",
        "compute_env_delete_blockers": "reads",
    },
}


WRITTEN = {name.split(":")[0] for name in WRITES}


def _team_with(t, user):
    team = TeamFactory(org=t.org)
    team.members.add(user)
    return team


def _unvalidated(credentials: Credentials) -> Credentials:
    Credentials.objects.filter(pk=credentials.pk).update(status="", message="")
    credentials.refresh_from_db()
    return credentials


def _forge_ce(t) -> ComputeEnv:
    from tests.helpers.documents import forge_doc

    return ce_services.create_compute_env(
        workspace=t.workspace, created_by=t.users["admin"], name="audit-forge", credentials=t.credentials,
        config=forge_doc(),
    )  # fmt: skip


def _in_status(ce: ComputeEnv, status: str) -> ComputeEnv:
    ComputeEnv.objects.filter(pk=ce.pk).update(status=status)
    ce.refresh_from_db()
    return ce


def _available(ce: ComputeEnv) -> ComputeEnv:
    ComputeEnv.objects.filter(pk=ce.pk).update(status=ComputeEnv.Status.AVAILABLE)
    ce.refresh_from_db()
    return ce


def test_every_service_function_is_classified():
    problems = []
    for module in MODULES:
        for name in sorted(public_functions(module)):
            if name not in WRITTEN and name not in NOT_WRITES[module]:
                problems.append(
                    f"{module.__name__}.{name}: add it to WRITES (a scenario and the record it leaves) "
                    "or NOT_WRITES (why it writes no row) in tests/audit/test_service_walk.py"
                )
        stale = [n for n in NOT_WRITES[module] if n not in public_functions(module)]
        problems += [f"NOT_WRITES lists {module.__name__}.{n}, which no longer exists" for n in stale]
    known = set().union(*(public_functions(m) for m in MODULES))
    problems += [f"WRITES lists {n}, which no longer exists" for n in WRITTEN if n not in known]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_leaves_a_record(name, tenancy, aws, mailoutbox, django_capture_on_commit_callbacks):
    scenario, expected = WRITES[name]
    tenant = {  # read before the scenario: a delete clears the primary key
        None: {},
        "org": {"org_id": tenancy.org.pk},
        "workspace": {"org_id": tenancy.org.pk, "workspace_id": tenancy.workspace.pk},
    }
    last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    scenario(tenancy)
    new = list(AuditEvent.objects.filter(id__gt=last).order_by("id"))
    unmatched = list(new)
    for action, object_type, on, after in expected:
        match = next(
            (
                e
                for e in unmatched
                if (e.action, e.object_type) == (action, object_type)
                and all(getattr(e, k) == v for k, v in tenant[on].items())
                and all((e.after or {}).get(k) == v for k, v in after.items())
            ),
            None,
        )
        seen = [(e.action, e.object_type, e.org_id, e.workspace_id, e.after) for e in new]
        assert match is not None, f"{name} left {seen or 'no record'}, expected {(action, object_type, on, after)}"
        unmatched.remove(match)


def test_token_and_user_models_are_audited_without_their_secrets(tenancy):
    token, plaintext = services.create_api_token(user=tenancy.users["view"], name="ci")
    event = AuditEvent.objects.get(action="create", object_type="workspaces.apitoken", object_id=str(token.pk))
    assert event.after["token_hash"] == "<hidden>"
    assert token.token_hash not in str(event.after) and plaintext not in str(event.after)
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_invitation_records_never_hold_the_link_or_its_hash(tenancy, mailoutbox):
    invitation, first = _ws_invitation(tenancy)
    services.resend_invitation(invitation=invitation, actor=tenancy.users["owner"])
    second = _token_from_mail("invitation_accept")
    services.accept_invitation(token=second, user=UserFactory(email="guest@example.org"))
    invitation.refresh_from_db()
    records = AuditEvent.objects.filter(object_type="workspaces.invitation", object_id=str(invitation.pk))
    assert [e.action for e in records.order_by("id")] == ["create", "update", "update"]
    assert {e.workspace_id for e in records} == {tenancy.workspace.pk}
    text = str([(e.before, e.after, e.detail, e.object_repr) for e in records])
    for secret in (first, second, token_hash(first), invitation.token_hash):
        assert secret not in text
