"""Deterministic benchmark data: W workspaces × N compute environments, with credentials, labels
and participants, written with `bulk_create` (seconds for 10,000 CEs).

Guarantees: the same arguments give the same names, ids, configs and relations (ids come from a
seeded random generator, not from `secrets`); every CE config is a normalized document returned
by `computeenvs.options.validate` without violations (half Manual, half Batch Forge, the latter
with the planned queue names `create_compute_env` stores); every
credential secret is encrypted with the configured key ring; one user (`bench`, owner participant
of every workspace) sees all of it. Needs a configured, migrated, empty database.

    from bench.seed import seed
    data = seed(workspaces=10, compute_envs=1000)
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-Password-123"  # loopback benchmark database only, dropped after the run
ORG_NAME = "benchorg"

MANUAL_DOCUMENT = {
    "region": "eu-west-1",
    "workDir": "s3://bench-bucket/work",
    "headQueue": "bench-head",
    "computeQueue": "bench-work",
    "headJobRole": "arn:aws:iam::123456789012:role/bench-head",
    "environment": [{"name": "NXF_OPTS", "value": "-Xms1g", "head": True, "compute": False}],
}
FORGE_DOCUMENT = {
    "region": "eu-west-1",
    "workDir": "s3://bench-bucket/work",
    "waveEnabled": True,
    "fusion2Enabled": True,
    "forge": {"type": "SPOT", "maxCpus": 256, "instanceTypes": ["m6i.large", "c6i.xlarge"]},
}
STATUSES = ("AVAILABLE", "AVAILABLE", "AVAILABLE", "CREATING", "ERRORED", "DISABLED")
REGIONS = ("eu-west-1", "us-east-1", "eu-central-1")
ROLES = ("admin", "maintain", "launch", "connect", "view")


@dataclass
class SeedResult:
    user_id: int
    workspace_ids: list[int] = field(default_factory=list)
    workspace_names: list[str] = field(default_factory=list)
    compute_env_ids: dict[int, list[str]] = field(default_factory=dict)  # workspace id -> CE ids
    counts: dict[str, int] = field(default_factory=dict)


def normalized_configs() -> dict[str, dict]:
    """The Manual and Forge documents as `options.validate` normalizes them (violations fail loudly)."""
    from computeenvs import options

    configs = {}
    for mode, document in (("manual", MANUAL_DOCUMENT), ("forge", FORGE_DOCUMENT)):
        normalized, violations = options.validate(document)
        if violations:
            raise RuntimeError(f"The {mode} bench document is invalid: {violations}")
        configs[mode] = normalized
    return configs


def _ids(rng: random.Random, alphabet: str, count: int, length: int = 22) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add("".join(rng.choice(alphabet) for _ in range(length)))
    return sorted(seen)


def seed(
    *,
    workspaces: int = 10,
    compute_envs: int = 1000,
    credentials_per_workspace: int = 5,
    labels_per_workspace: int = 10,
    participants_per_workspace: int = 5,
    extra: dict[str, int] | None = None,
    random_seed: int = 42,
) -> SeedResult:
    """Seeds `workspaces` × `compute_envs`; `extra` adds named workspaces with their own CE count
    (e.g. `{"small": 10}` for a query-count comparison)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from computeenvs.models import ComputeEnv, ComputeEnvLabel
    from computeenvs.services import forge_queue_names
    from workspaces import crypto
    from workspaces.models import Credentials, Label, Organization, OrgMembership, Participant, Team, Workspace

    rng = random.Random(random_seed)
    configs = normalized_configs()
    user_model = get_user_model()
    password = make_password(BENCH_PASSWORD)  # one PBKDF2 run, shared by every seeded user
    plan = [(f"ws{i:03d}", compute_envs) for i in range(workspaces)] + sorted((extra or {}).items())

    with transaction.atomic():
        org = Organization.objects.create(name=ORG_NAME, full_name="Benchmark organization")
        user = user_model.objects.create(username=BENCH_USER, email="bench@example.org", password=password)
        others = user_model.objects.bulk_create(
            user_model(username=f"member{i:03d}", email=f"member{i:03d}@example.org", password=password)
            for i in range(participants_per_workspace)
        )
        OrgMembership.objects.bulk_create(
            [OrgMembership(org=org, user=user, role="member")]
            + [OrgMembership(org=org, user=other, role="member") for other in others]
        )
        team = Team.objects.create(org=org, name="benchteam")
        team.members.add(*others[:2])

        spaces = Workspace.objects.bulk_create(
            Workspace(org=org, name=name, full_name=f"Benchmark workspace {name}") for name, _ in plan
        )
        if spaces[0].pk is None:  # backends without RETURNING on bulk inserts
            spaces = list(Workspace.objects.filter(org=org).order_by("name"))
            spaces.sort(key=lambda ws: [name for name, _ in plan].index(ws.name))
        result = SeedResult(user_id=user.pk)

        participants, credentials, labels = [], [], []
        for ws in spaces:
            participants.append(Participant(workspace=ws, user=user, role="owner"))
            participants += [
                Participant(workspace=ws, user=other, role=ROLES[i % len(ROLES)]) for i, other in enumerate(others)
            ]
            participants.append(Participant(workspace=ws, team=team, role="launch"))
            for i, cred_id in enumerate(_ids(rng, string.ascii_letters + string.digits, credentials_per_workspace)):
                cred = Credentials(
                    id=cred_id,
                    workspace=ws,
                    name=f"aws-keys-{i:02d}",
                    access_key=f"AKIABENCH{i:011d}",
                    status="AVAILABLE",
                    created_by=user,
                )
                cred.secret_encrypted = crypto.encrypt(
                    f"benchSecret/{ws.name}/{i:02d}/EXAMPLEKEYEXAMPLEKEY", aad=cred._aad()
                )
                credentials.append(cred)
            labels += [
                Label(workspace=ws, name=f"label{i:02d}", value=f"value{i:02d}" if i % 2 else "", resource=bool(i % 2))
                for i in range(labels_per_workspace)
            ]
        Participant.objects.bulk_create(participants)
        Credentials.objects.bulk_create(credentials, batch_size=1000)
        Label.objects.bulk_create(labels, batch_size=1000)
        creds_by_ws: dict[int, list[Credentials]] = {}
        for cred in credentials:
            creds_by_ws.setdefault(cred.workspace_id, []).append(cred)
        labels_by_ws = {
            ws_id: list(ids)
            for ws_id, ids in _group(
                Label.objects.filter(workspace__in=spaces).order_by("id").values_list("workspace_id", "id")
            )
        }

        total_ces = 0
        for ws, (_, count) in zip(spaces, plan, strict=True):
            ce_ids = _ids(rng, string.ascii_lowercase + string.digits, count)
            ces, links = [], []
            for i, ce_id in enumerate(ce_ids):
                mode = "forge" if i % 2 else "manual"
                region = REGIONS[i % len(REGIONS)]
                config = {**configs[mode], "region": region}
                if mode == "forge":  # as create_compute_env stores a Forge CE: its planned queue names
                    config["headQueue"], config["computeQueue"] = forge_queue_names(ce_id)
                ces.append(
                    ComputeEnv(
                        id=ce_id,
                        workspace=ws,
                        name=f"ce-{i:05d}",
                        description=f"Benchmark compute environment {i}" if i % 3 == 0 else "",
                        credentials=creds_by_ws[ws.pk][i % len(creds_by_ws[ws.pk])],
                        region=region,
                        mode=mode,
                        status=STATUSES[i % len(STATUSES)],
                        primary=i == 0,
                        config=config,
                        created_by=user,
                    )
                )
                ws_labels = labels_by_ws.get(ws.pk, [])
                links += [
                    ComputeEnvLabel(compute_env_id=ce_id, label_id=ws_labels[(i + k) % len(ws_labels)])
                    for k in range(min(2, len(ws_labels)))
                ]
            ComputeEnv.objects.bulk_create(ces, batch_size=500)
            ComputeEnvLabel.objects.bulk_create(links, batch_size=2000)
            result.workspace_ids.append(ws.pk)
            result.workspace_names.append(ws.name)
            result.compute_env_ids[ws.pk] = ce_ids
            total_ces += count

    result.counts = {
        "workspaces": len(spaces),
        "compute_envs": total_ces,
        "credentials": len(credentials),
        "labels": len(labels),
        "participants": len(participants),
    }
    return result


def _group(pairs):
    groups: dict = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return sorted(groups.items())
