"""Query budgets (quality.md P1): every list page and API list costs at most 10 SQL statements,
every detail page and API detail at most 15, and the same number whether its workspace (or
organization, or user) holds 10 rows of everything or 1,000. A new N+1 fails here, whichever
page it lands on. A read is also a read only: no INSERT, UPDATE or DELETE on a repeated GET."""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bench.seed import normalized_configs, seed_runs
from computeenvs.models import ComputeEnv, ComputeEnvLabel, ForgedResource
from computeenvs.services import forge_queue_names
from pipelines.models import Pipeline, PipelineSecret
from workspaces import crypto, services
from workspaces.audit.models import AuditEvent
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
)

LIST, DETAIL = 10, 15
SMALL, BIG = 10, 1000
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
WRITES = ("INSERT", "UPDATE", "DELETE")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@dataclass
class World:
    """One organization and workspace holding `n` of everything a list shows, seen by `boss`
    (organization owner and workspace owner)."""

    n: int
    boss: object
    org: Organization
    workspace: Workspace
    ce: ComputeEnv
    credentials: Credentials
    team: Team
    token: str
    pipeline: Pipeline
    run_id: str  # the newest run, with n tasks
    secret: PipelineSecret
    kwargs: dict = field(default_factory=dict)


def build(prefix: str, n: int) -> World:
    user_model = get_user_model()
    boss = user_model.objects.create(username=f"{prefix}-boss", email=f"{prefix}-boss@example.org")
    org = Organization.objects.create(name=f"{prefix}org", full_name=f"{prefix} org")
    workspace = Workspace.objects.create(org=org, name=f"{prefix}ws", full_name=f"{prefix} workspace")
    OrgMembership.objects.create(org=org, user=boss, role="owner")
    Participant.objects.create(workspace=workspace, user=boss, role="owner")
    users = user_model.objects.bulk_create(
        user_model(username=f"{prefix}-u{i:04d}", email=f"{prefix}-u{i:04d}@example.org", password="!")
        for i in range(n)
    )
    OrgMembership.objects.bulk_create(
        OrgMembership(org=org, user=u, role="collaborator" if i % 3 == 0 else "member") for i, u in enumerate(users)
    )
    roles = ("admin", "maintain", "launch", "connect", "view")
    Participant.objects.bulk_create(
        Participant(workspace=workspace, user=u, role=roles[i % len(roles)]) for i, u in enumerate(users)
    )
    teams = Team.objects.bulk_create(Team(org=org, name=f"team{i:04d}", description=f"team {i}") for i in range(n))
    Team.members.through.objects.bulk_create(Team.members.through(team=teams[0], user=u) for u in users)
    Participant.objects.bulk_create(Participant(workspace=workspace, team=t, role="launch") for t in teams)
    others = Workspace.objects.bulk_create(
        Workspace(org=org, name=f"ws{i:04d}", full_name=f"Workspace {i}") for i in range(n)
    )
    Participant.objects.bulk_create(Participant(workspace=w, user=boss, role="view") for w in others)
    Invitation.objects.bulk_create(
        Invitation(
            email=f"{prefix}-guest{i}@example.org",
            org=org,
            workspace=workspace,
            role="view",
            invited_by=boss,
            token_hash=f"{prefix}{i:060d}",
            expires_at=timezone.now() + timedelta(days=7),
        )
        for i in range(n)
    )

    credentials = []
    for i in range(n):
        creds = Credentials(
            id=f"{prefix}cred{i:06d}"[:22],
            workspace=workspace,
            name=f"creds-{i:04d}",
            access_key=f"AKIA{i:016d}",
            assume_role_arn="arn:aws:iam::123456789012:role/r" if i % 2 else "",
            status=("AVAILABLE", "INVALID", "")[i % 3],
            account_id="123456789012",
            created_by=boss,
        )
        creds.secret_encrypted = crypto.encrypt(f"secret-{prefix}-{i}", aad=creds._aad())
        credentials.append(creds)
    Credentials.objects.bulk_create(credentials)
    labels = Label.objects.bulk_create(
        Label(workspace=workspace, name=f"label{i:04d}", value=f"v{i}" if i % 2 else "", resource=bool(i % 2))
        for i in range(n)
    )
    configs = normalized_configs()
    ces = []
    for i in range(n):
        ce_id = f"{prefix}ce{i:06d}".ljust(22, "0")[:22]
        mode = "forge" if i % 2 == 0 else "manual"
        config = dict(configs[mode])
        if mode == "forge":
            config["headQueue"], config["computeQueue"] = forge_queue_names(ce_id)
        ces.append(
            ComputeEnv(
                id=ce_id,
                workspace=workspace,
                name=f"ce-{i:04d}",
                credentials=credentials[0],  # every CE uses the first credentials: its page lists them
                region=config["region"],
                mode=mode,
                status=("AVAILABLE", "CREATING", "ERRORED", "DISABLED")[i % 4],
                primary=i == 0,
                config=config,
                created_by=boss,
            )
        )
    ComputeEnv.objects.bulk_create(ces)
    ComputeEnvLabel.objects.bulk_create(
        ComputeEnvLabel(compute_env=ce, label=labels[(i + k) % n]) for i, ce in enumerate(ces) for k in range(2)
    )
    ForgedResource.objects.bulk_create(
        ForgedResource(
            workspace=workspace,
            compute_env=ces[0],
            order=i,
            kind="IamRole",
            name=f"TowerForge-{ces[0].pk}-r{i}",
            arn=f"arn:aws:iam::123456789012:role/TowerForge-{ces[0].pk}-r{i}",
            state="CREATED",
        )
        for i in range(min(n, 20))  # a forge makes at most about 20 resources
    )
    tokens = [ApiToken(user=boss, name=f"token{i:04d}", token_hash=ApiToken.hash(f"{prefix}-t{i}")) for i in range(n)]
    ApiToken.objects.bulk_create(tokens)
    _, token = services.create_api_token(user=boss, name="budget")
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="update",
            username=boss.username,
            object_type="computeenvs.computeenv",
            object_id=ces[i % n].pk,
            object_repr=ces[i % n].name,
            workspace_id=workspace.pk,
            workspace_name=workspace.name,
            org_id=org.pk,
            org_name=org.name,
            before={"name": "old"},
            after={"name": "new"},
        )
        for i in range(n)
    )
    runs = seed_runs(workspace_id=workspace.pk, user_id=boss.pk, runs=n, tasks=10 * n, pipelines=n)
    secrets = [PipelineSecret(workspace=workspace, name=f"SECRET_{i:04d}", created_by=boss) for i in range(n)]
    for secret in secrets:
        secret.set_value(f"value-{prefix}-{secret.name}")
    PipelineSecret.objects.bulk_create(secrets)
    pipeline = Pipeline.objects.get(pk=runs.pipeline_ids[0])
    secret = PipelineSecret.objects.get(workspace=workspace, name="SECRET_0000")
    return World(n, boss, org, workspace, ces[0], credentials[0], teams[0], token, pipeline, runs.big_run_id, secret)


@pytest.fixture
def worlds(db):
    return build("s", SMALL), build("b", BIG)


def page_routes(w: World) -> dict[str, tuple[int, str]]:
    org, ws = w.org.name, w.workspace.name
    wsk = {"org": org, "workspace": ws}
    return {
        "home": (LIST, reverse("home")),
        "profile (tokens)": (LIST, reverse("profile")),
        "workspaces:org_detail (workspaces)": (LIST, reverse("workspaces:org_detail", kwargs={"org": org})),
        "workspaces:org_members": (LIST, reverse("workspaces:org_members", kwargs={"org": org})),
        "workspaces:org_teams": (LIST, reverse("workspaces:org_teams", kwargs={"org": org})),
        "workspaces:team_detail (members)": (
            LIST,
            reverse("workspaces:team_detail", kwargs={"org": org, "team": w.team.name}),
        ),
        "workspaces:org_audit": (LIST, reverse("workspaces:org_audit", kwargs={"org": org})),
        "workspaces:workspace_detail": (DETAIL, reverse("workspaces:workspace_detail", kwargs=wsk)),
        "workspaces:participant_list": (LIST, reverse("workspaces:participant_list", kwargs=wsk)),
        "workspaces:credentials_list": (LIST, reverse("workspaces:credentials_list", kwargs=wsk)),
        "workspaces:credentials_detail": (
            DETAIL,
            reverse("workspaces:credentials_detail", kwargs={**wsk, "pk": w.credentials.pk}),
        ),
        "workspaces:credentials_status": (
            DETAIL,
            reverse("workspaces:credentials_status", kwargs={**wsk, "pk": w.credentials.pk}),
        ),
        "workspaces:label_list": (LIST, reverse("workspaces:label_list", kwargs=wsk)),
        "workspaces:workspace_audit": (LIST, reverse("workspaces:workspace_audit", kwargs=wsk)),
        "computeenvs:list": (LIST, reverse("computeenvs:list", kwargs=wsk)),
        "computeenvs:list sorted by credentials": (LIST, reverse("computeenvs:list", kwargs=wsk) + "?sort=credentials"),
        "computeenvs:list filtered": (
            LIST,
            reverse("computeenvs:list", kwargs=wsk) + "?q=ce&status=AVAILABLE&mode=forge&region=eu-west-1",
        ),
        "computeenvs:detail": (DETAIL, reverse("computeenvs:detail", kwargs={**wsk, "pk": w.ce.pk})),
        "computeenvs:status": (DETAIL, reverse("computeenvs:status", kwargs={**wsk, "pk": w.ce.pk})),
        "computeenvs:policy": (DETAIL, reverse("computeenvs:policy", kwargs={**wsk, "pk": w.ce.pk})),
        "pipelines:list": (LIST, reverse("pipelines:list", kwargs=wsk)),
        "pipelines:list searched": (LIST, reverse("pipelines:list", kwargs=wsk) + "?q=pipeline"),
        "pipelines:detail": (DETAIL, reverse("pipelines:detail", kwargs={**wsk, "pk": w.pipeline.pk})),
        "pipelines:run_list": (LIST, reverse("pipelines:run_list", kwargs=wsk)),
        "pipelines:run_list sorted by project": (
            LIST,
            reverse("pipelines:run_list", kwargs=wsk) + "?sort=project_name",
        ),
        "pipelines:run_list filtered": (
            LIST,
            reverse("pipelines:run_list", kwargs=wsk)
            + f"?q=_&status=SUCCEEDED&label=label0001&pipeline={w.pipeline.name}&user={w.boss.username}"
            "&after=2020-01-01&before=2030-01-01",
        ),
        "pipelines:run_badges": (LIST, reverse("pipelines:run_badges", kwargs=wsk) + f"?ids={w.run_id}"),
        "pipelines:run_detail": (DETAIL, reverse("pipelines:run_detail", kwargs={**wsk, "pk": w.run_id})),
        "pipelines:run_status": (DETAIL, reverse("pipelines:run_status", kwargs={**wsk, "pk": w.run_id})),
        "pipelines:run_log": (DETAIL, reverse("pipelines:run_log", kwargs={**wsk, "pk": w.run_id})),
        "trace:run_trace (tasks)": (LIST, reverse("trace:run_trace", kwargs={**wsk, "pk": w.run_id})),
        "trace:run_trace (tasks) filtered and sorted": (
            LIST,
            reverse("trace:run_trace", kwargs={**wsk, "pk": w.run_id}) + "?status=COMPLETED&sort=duration&dir=desc",
        ),
        "pipelines:secret_list": (LIST, reverse("pipelines:secret_list", kwargs=wsk)),
    }


def api_routes(w: World) -> dict[str, tuple[int, str]]:
    ws = f"workspaceId={w.workspace.pk}"
    return {
        "GET /api/compute-envs": (LIST, f"/api/compute-envs?{ws}"),
        "GET /api/compute-envs with labels": (LIST, f"/api/compute-envs?{ws}&attributes=labels"),
        "GET /api/compute-envs/{id}": (DETAIL, f"/api/compute-envs/{w.ce.pk}?{ws}&attributes=labels"),
        "GET /api/credentials": (LIST, f"/api/credentials?{ws}"),
        "GET /api/credentials/{id}": (DETAIL, f"/api/credentials/{w.credentials.pk}?{ws}"),
        "GET /api/labels": (LIST, f"/api/labels?{ws}"),
        "GET /api/tokens": (LIST, "/api/tokens"),
        "GET /api/orgs": (LIST, "/api/orgs"),
        "GET /api/orgs/{id}": (DETAIL, f"/api/orgs/{w.org.pk}"),
        "GET /api/orgs/{id}/workspaces": (LIST, f"/api/orgs/{w.org.pk}/workspaces"),
        "GET /api/orgs/{id}/workspaces/{id}": (DETAIL, f"/api/orgs/{w.org.pk}/workspaces/{w.workspace.pk}"),
        "GET /api/orgs/{id}/workspaces/{id}/participants": (
            LIST,
            f"/api/orgs/{w.org.pk}/workspaces/{w.workspace.pk}/participants",
        ),
        "GET /api/user/{id}/workspaces": (LIST, f"/api/user/{w.boss.pk}/workspaces"),
        "GET /api/user-info": (DETAIL, "/api/user-info"),
        "GET /api/workflow": (LIST, f"/api/workflow?{ws}"),
        "GET /api/workflow with labels": (LIST, f"/api/workflow?{ws}&attributes=labels&search=status:SUCCEEDED"),
        "GET /api/workflow/{id}": (DETAIL, f"/api/workflow/{w.run_id}?{ws}"),
        "GET /api/workflow/{id}/launch": (DETAIL, f"/api/workflow/{w.run_id}/launch?{ws}"),
        "GET /api/workflow/{id}/progress": (DETAIL, f"/api/workflow/{w.run_id}/progress?{ws}"),
        "GET /api/workflow/{id}/log": (DETAIL, f"/api/workflow/{w.run_id}/log?{ws}"),
        "GET /api/workflow/{id}/tasks": (LIST, f"/api/workflow/{w.run_id}/tasks?{ws}"),
        "GET /api/workflow/{id}/tasks sorted": (
            LIST,
            f"/api/workflow/{w.run_id}/tasks?{ws}&sortBy=peakRss&sortDir=desc",
        ),
        "GET /api/workflow/{id}/task/{taskId}": (DETAIL, f"/api/workflow/{w.run_id}/task/1?{ws}"),
        "GET /api/pipelines": (LIST, f"/api/pipelines?{ws}&attributes=labels"),
        "GET /api/pipelines/{id}": (DETAIL, f"/api/pipelines/{w.pipeline.pk}?{ws}&attributes=labels"),
        "GET /api/pipelines/{id}/launch": (DETAIL, f"/api/pipelines/{w.pipeline.pk}/launch?{ws}"),
        "GET /api/pipeline-secrets": (LIST, f"/api/pipeline-secrets?{ws}"),
        "GET /api/pipeline-secrets/{id}": (DETAIL, f"/api/pipeline-secrets/{w.secret.pk}?{ws}"),
    }


def statements(client: Client, url: str) -> list[str]:
    client.get(url)  # the first request may record a session start, a token's first use: not a read's cost
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def check(routes_of, clients, worlds) -> list[str]:
    small, big = worlds
    problems = []
    for name, (budget, small_url) in routes_of(small).items():
        big_url = routes_of(big)[name][1]
        at_small, at_big = statements(clients[0], small_url), statements(clients[1], big_url)
        if len(at_small) != len(at_big) or len(at_big) > budget:
            problems.append(
                f"{name}: {len(at_small)} queries at {SMALL} rows, {len(at_big)} at {BIG} (budget {budget})"
            )
        if writes := [sql for sql in at_small + at_big if sql.lstrip().upper().startswith(WRITES)]:
            problems.append(f"{name}: a repeated GET writes: {writes[0][:120]}")
    return problems


def test_pages(worlds):
    clients = [Client(), Client()]
    for client, world in zip(clients, worlds, strict=True):
        client.force_login(world.boss)
    problems = check(page_routes, clients, worlds)
    assert not problems, "\n".join(problems)


def test_api(worlds):
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {world.token}") for world in worlds]
    problems = check(api_routes, clients, worlds)
    assert not problems, "\n".join(problems)


def test_every_list_and_detail_route_has_a_budget():
    """A new page route named like a list or detail joins the table above."""
    from types import SimpleNamespace

    from django.urls import get_resolver

    named = SimpleNamespace(name="x", pk=1, username="x")
    dummy = SimpleNamespace(
        org=named, workspace=named, team=named, credentials=named, ce=named, boss=named, pipeline=named,
        run_id="x", secret=named,
    )  # fmt: skip
    covered = {name.split(" ")[0] for name in page_routes(dummy)}
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif pattern.name:
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    pages = {n for n in names if n.endswith(("_list", ":list", "_detail", ":detail")) and not n.startswith("admin:")}
    assert pages <= covered, f"list/detail pages without a query budget: {sorted(pages - covered)}"
