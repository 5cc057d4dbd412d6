"""Workspace A ("acme"/"lab") with one object of every kind, the principals that look at it, and
the sample values the URL walk fills route kwargs with.

Every name created here carries "zq" so a response body can be searched for A's data (canaries).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.utils import timezone

from computeenvs.models import ComputeEnv, ForgedResource
from pipelines.models import Pipeline, PipelineSecret, Run
from pipelines.trace.models import Task
from tests.factories import (
    CredentialsFactory,
    LaunchFactory,
    OrgMembershipFactory,
    ParticipantFactory,
    PipelineFactory,
    PipelineSecretFactory,
    RunFactory,
    TeamFactory,
    UserFactory,
)
from workspaces import services
from workspaces.models import (
    ApiToken,
    Credentials,
    Invitation,
    Label,
    Organization,
    OrgMembership,
    Participant,
    Team,
    Workspace,
    token_hash,
)

MANUAL_CONFIG = {
    "discriminator": "aws-batch",
    "region": "eu-west-1",
    "workDir": "s3://zq-canary-bucket/work",
    "headQueue": "zq-canary-head-queue",
    "computeQueue": "zq-canary-compute-queue",
    "cliPath": "/home/ec2-user/miniconda/bin/aws",
}

# Principal -> effective role in workspace A (None: not a participant) and org role in org A.
PRINCIPALS: dict[str, tuple[str | None, str | None]] = {
    "owner": ("owner", "member"),
    "admin": ("admin", "member"),
    "maintain": ("maintain", "member"),
    "launch": ("launch", "member"),
    "connect": ("connect", "member"),
    "view": ("view", "member"),
    "org_owner": ("owner", "owner"),  # org owners own every workspace of the org
    "team_admin": ("admin", "member"),  # direct role view, team role admin: the higher wins
    "collaborator": ("view", "collaborator"),
    "org_member": (None, "member"),  # in the org, not in the workspace
    "outsider": (None, None),  # owner of org B ("globex"/"rival")
}


@dataclass
class World:
    org: Organization
    workspace: Workspace
    users: dict  # principal -> user
    tokens: dict  # principal -> raw bearer token
    credentials: Credentials
    label: Label
    compute_env: ComputeEnv
    forged: ForgedResource
    team: Team
    participant: Participant
    membership: OrgMembership
    api_token: ApiToken
    invitation: Invitation | None
    invitation_token: str
    other_org: Organization
    other_workspace: Workspace
    canaries: list[str] = field(default_factory=list)
    mirror: World | None = None  # the same kinds of objects in B, owned by the outsider
    pipeline: Pipeline | None = None
    secret: PipelineSecret | None = None
    run: Run | None = None
    task: Task | None = None  # a task Nextflow reported for `run`

    @property
    def by_model(self) -> dict:
        """Model -> the sample object of A a generic `pk` kwarg of a view on that model gets."""
        user = self.users["owner"]
        return {
            Organization: self.org,
            Workspace: self.workspace,
            Credentials: self.credentials,
            Label: self.label,
            ComputeEnv: self.compute_env,
            ForgedResource: self.forged,
            Team: self.team,
            Participant: self.participant,
            OrgMembership: self.membership,
            ApiToken: self.api_token,
            Invitation: self.invitation,
            Pipeline: self.pipeline,
            PipelineSecret: self.secret,
            Run: self.run,
            type(user): user,
        }


def build_world(tenancy) -> World:
    org, workspace = tenancy.org, tenancy.workspace
    org.full_name, org.description = "ZQ Canary Acme Inc", "zq-canary-org-description"
    org.save()
    workspace.full_name, workspace.description = "ZQ Canary Lab", "zq-canary-workspace-description"
    workspace.save()

    users = {
        role: tenancy.users[role] for role in ("owner", "admin", "maintain", "launch", "connect", "view", "org_owner")
    }
    users["outsider"] = tenancy.outsider
    OrgMembership.objects.filter(org=tenancy.other_workspace.org, user=tenancy.outsider).update(role="owner")
    team = TeamFactory(org=org, name="zq-canary-team", description="zq-canary-team-description")
    users["team_admin"] = ParticipantFactory(workspace=workspace, role="view", user__username="zq-team-admin").user
    team.members.add(users["team_admin"])
    Participant.objects.create(workspace=workspace, team=team, role="admin")
    collaborator = UserFactory(username="zq-collaborator")
    OrgMembershipFactory(org=org, user=collaborator, role="collaborator")
    users["collaborator"] = ParticipantFactory(workspace=workspace, role="view", user=collaborator).user
    users["org_member"] = OrgMembershipFactory(org=org, role="member", user__username="zq-org-member").user

    credentials = CredentialsFactory(
        workspace=workspace, name="zq-canary-cred", description="zq-canary-cred-description"
    )
    label = services.create_label(workspace=workspace, name="zqcanarykey", value="zqcanaryvalue", resource=True)
    compute_env = ComputeEnv.objects.create(
        workspace=workspace,
        name="zq-canary-ce",
        description="zq-canary-ce-description",
        credentials=credentials,
        region=MANUAL_CONFIG["region"],
        mode=ComputeEnv.Mode.MANUAL,
        status=ComputeEnv.Status.AVAILABLE,
        config=dict(MANUAL_CONFIG),
        created_by=users["owner"],
    )
    forged = ForgedResource.objects.create(
        workspace=workspace, compute_env=compute_env, order=1, kind="BatchQueue", name="zq-canary-forged",
        arn="arn:aws:batch:eu-west-1:123456789012:job-queue/zq-canary-forged", state="CREATED",
    )  # fmt: skip

    tokens, api_token = {}, None
    for principal, user in users.items():
        row, raw = services.create_api_token(user=user, name="walk")
        tokens[principal] = raw
        if principal == "owner":
            api_token = row

    invitation_token = "zq-walk-invitation-token"
    invitation = Invitation.objects.create(
        org=org, workspace=workspace, role="view", email="zq-invitee@example.org", invited_by=users["owner"],
        token_hash=token_hash(invitation_token), expires_at=timezone.now() + Invitation.LIFETIME,
    )  # fmt: skip
    pipeline = PipelineFactory(
        workspace=workspace, name="zq-canary-pipeline", description="zq-canary-pipeline-description",
        repository="https://github.com/zq-canary/pipeline", compute_env=compute_env,
    )  # fmt: skip
    secret = PipelineSecretFactory(workspace=workspace, name="ZQ_CANARY_SECRET", value="zq-canary-secret-value")
    run = RunFactory(
        workspace=workspace, run_name="zq_canary_run", pipeline=pipeline, compute_env=compute_env,
        credentials=credentials, region="eu-west-1", project_name="zq-canary/pipeline",
        launch=LaunchFactory(workspace=workspace, pipeline=pipeline, compute_env=compute_env,
                             repository="https://github.com/zq-canary/pipeline",
                             compute_env_snapshot={"id": compute_env.pk, "name": compute_env.name,
                                                   "region": "eu-west-1", "config": dict(MANUAL_CONFIG)}),
    )  # fmt: skip
    participant = Participant.objects.get(workspace=workspace, user=users["view"])
    membership = OrgMembership.objects.get(org=org, user=users["view"])
    canaries = [
        "ZQ Canary Acme Inc", "zq-canary-org-description", "ZQ Canary Lab", "zq-canary-workspace-description",
        "zq-canary-team", "zq-canary-cred", "zqcanarykey", "zqcanaryvalue", "zq-canary-ce", "zq-canary-bucket",
        "zq-canary-head-queue", "zq-canary-forged", "zq-team-admin", "zq-collaborator", "zq-org-member",
        "acme-owner", "maintain-user", "zq-invitee@example.org", credentials.id, compute_env.id,
        "zq-canary-pipeline", "ZQ_CANARY_SECRET", "zq_canary_run", run.pk,
    ]  # fmt: skip
    world = World(
        org=org, workspace=workspace, users=users, tokens=tokens, credentials=credentials, label=label,
        compute_env=compute_env, forged=forged, team=team, participant=participant, membership=membership,
        api_token=api_token, invitation=invitation, invitation_token=invitation_token, other_org=tenancy.other_workspace.org, other_workspace=tenancy.other_workspace,
        canaries=canaries, pipeline=pipeline, secret=secret, run=run,
    )  # fmt: skip
    world.task = Task.objects.create(
        workspace=workspace, run=world.run, task_id=1, status="RUNNING", name="ZQCANARY (1)", process="ZQCANARY"
    )
    world.canaries.append("ZQCANARY")
    world.mirror = _mirror(world, tenancy)
    return world


def _mirror(world: World, tenancy) -> World:
    """B's own credentials, label and compute environment, for "B edits its own object" requests."""
    other, outsider = tenancy.other_workspace, tenancy.outsider
    credentials = tenancy.other_credentials
    # B's config names none of A's canaries: B's own audit trail shows it to the outsider.
    compute_env = ComputeEnv.objects.create(
        workspace=other, name="rival-ce", credentials=credentials, region="eu-west-1", mode=ComputeEnv.Mode.MANUAL,
        status=ComputeEnv.Status.AVAILABLE, config=dict(MANUAL_CONFIG, workDir="s3://rival-bucket/work", headQueue="rival-head", computeQueue="rival-work"),
    )  # fmt: skip
    pipeline = PipelineFactory(workspace=other, name="rival-pipeline", compute_env=compute_env)
    run = RunFactory(
        workspace=other, run_name="rival_run", pipeline=pipeline, compute_env=compute_env, credentials=credentials,
        launch=LaunchFactory(workspace=other, compute_env=compute_env,
                             compute_env_snapshot={"id": compute_env.pk, "config": compute_env.config}),
    )  # fmt: skip
    task = Task.objects.create(workspace=other, run=run, task_id=1, status="RUNNING", name="RIVAL (1)")
    return replace(
        world, task=task, pipeline=pipeline, secret=PipelineSecretFactory(workspace=other, name="RIVAL_SECRET"), run=run,
        org=other.org, workspace=other, credentials=credentials, compute_env=compute_env,
        label=services.create_label(workspace=other, name="rivalkey", value="rivalvalue", resource=True),
        forged=None, team=None, participant=Participant.objects.get(workspace=other, user=outsider),
        membership=OrgMembership.objects.get(org=other.org, user=outsider), users={"owner": outsider},
        api_token=None, invitation=None, mirror=None, canaries=[],
    )  # fmt: skip
