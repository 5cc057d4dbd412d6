"""Deterministic benchmark data: W workspaces × N compute environments, with credentials, labels
and participants, written with `bulk_create` (seconds for 10,000 CEs); and, with `seed_runs`, a
workspace's pipelines, launches, runs (every status, in a realistic mix) and their Nextflow tasks.

Guarantees: the same arguments give the same names, ids, configs and relations (ids come from a
seeded random generator, not from `secrets`); every CE config is a normalized document returned
by `computeenvs.options.validate` without violations (half Manual, half Batch Forge, the latter
with the planned queue names `create_compute_env` stores); every
credential secret is encrypted with the configured key ring; one user (`bench`, owner participant
of every workspace) sees all of it. Needs a configured, migrated, empty database.

    from bench.seed import seed, seed_runs
    data = seed(workspaces=10, compute_envs=1000)
    runs = seed_runs(workspace_id=data.workspace_ids[0], user_id=data.user_id, runs=10_000, tasks=100_000)
"""

from __future__ import annotations

import itertools
import json
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

    _vacuum(Workspace, Participant, Credentials, Label, ComputeEnv, ComputeEnvLabel)
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


# --------------------------------------------------------------------------- runs and tasks
# Run statuses in the proportions a busy workspace shows (per 100 runs), spread by a seeded shuffle.
RUN_MIX = {"SUCCEEDED": 70, "FAILED": 12, "CANCELLED": 5, "RUNNING": 6, "SUBMITTED": 4, "UNKNOWN": 3}
PROCESSES = ("FASTQC", "TRIMGALORE", "STAR_ALIGN", "SAMTOOLS_SORT", "MARKDUPLICATES", "SALMON_QUANT", "MULTIQC")
PROJECTS = (
    "nf-core/rnaseq",
    "nf-core/sarek",
    "nf-core/chipseq",
    "nf-core/atacseq",
    "nf-core/methylseq",
    "nextflow-io/hello",
)
ADJECTIVES = (
    "happy",
    "brave",
    "calm",
    "eager",
    "fervent",
    "gentle",
    "jolly",
    "lucid",
    "nifty",
    "quirky",
    "sharp",
    "zen",
)
SURNAMES = ("curie", "darwin", "franklin", "hopper", "lovelace", "mendel", "noether", "pasteur", "sanger", "turing")
BIG_RUN_SHARE = 10  # the newest run holds 1/10 of the tasks (10,000 of 100,000): the run page's worst case
NOT_EXITED = 2**31 - 1  # what Nextflow reports as the exit status of a task that has not ended
CLOCK = "2026-12-01T12:00:00+00:00"  # the seed's "now": every date is relative to it
BASE62 = string.digits + string.ascii_letters


@dataclass
class RunSeed:
    run_ids: list[str]  # newest first
    big_run_id: str  # the newest run, RUNNING, with 1/BIG_RUN_SHARE of the tasks
    pipeline_ids: list[int]
    counts: dict[str, int]
    statuses: list[str]  # of each run in `run_ids`
    method: str  # "COPY" (PostgreSQL) or "bulk_create"
    seconds: float

    def run_with(self, status: str) -> str:
        """The newest seeded run in `status`."""
        return next(run_id for run_id, s in zip(self.run_ids, self.statuses, strict=True) if s == status)


class _Rows:
    """Bulk insert of one model's rows given as tuples of `fields` (attnames, in that order); every
    other column takes its field default, computed once (auto dates: the seed's clock; the
    auto-increment key: the database's). PostgreSQL gets one COPY for any number of rows (rows are
    streamed, never all in memory); other backends `bulk_create` in batches."""

    def __init__(self, model, fields: tuple[str, ...], *, now):
        from django.db import models

        self.model, self.fields, self.now = model, fields, now
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(fields) - set(concrete)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        self.json = [i for i, name in enumerate(fields) if isinstance(concrete[name], models.JSONField)]
        self.rest = {}
        for name, f in concrete.items():
            if name in fields or (f.primary_key and isinstance(f, models.AutoField)):
                continue
            auto_date = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            self.rest[name] = now if auto_date else f.get_default()
        self.columns = [concrete[name].column for name in (*fields, *self.rest)]
        self.constants = tuple(
            json.dumps(value) if isinstance(concrete[name], models.JSONField) and value is not None else value
            for name, value in self.rest.items()
        )

    def insert(self, rows, *, batch_size: int = 2000) -> int:
        from django.db import connection

        count = 0
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self.model._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    if self.json:
                        row = tuple(json.dumps(v) if i in self.json and v is not None else v for i, v in enumerate(row))
                    copy.write_row(row + self.constants)
                    count += 1
            return count
        rows = iter(rows)
        while batch := list(itertools.islice(rows, batch_size)):
            self.model.objects.bulk_create(
                self.model(**self.rest, **dict(zip(self.fields, row, strict=True))) for row in batch
            )
            count += len(batch)
        return count


def _public_ids(rng: random.Random, count: int, length: int) -> list[str]:
    """`count` distinct base62 ids of `length` characters, in generation order."""
    seen: dict[str, None] = {}
    while len(seen) < count:
        number = rng.getrandbits(6 * length)
        seen.setdefault("".join(BASE62[(number >> (6 * k)) % 62] for k in range(length)), None)
    return list(seen)


def _task_plan(run_status: str, n: int):
    """The status of each of a run's `n` tasks (1-based), as a run in `run_status` leaves them."""

    def status(t: int) -> str:
        if run_status == "SUCCEEDED":
            return "CACHED" if t % 20 == 0 else "COMPLETED"
        if run_status == "FAILED":
            failed_from = n - max(1, n // 50)
            return "COMPLETED" if t <= failed_from else ("FAILED" if t == failed_from + 1 else "ABORTED")
        if run_status == "CANCELLED":
            return "COMPLETED" if t <= n * 0.7 else "ABORTED"
        share = t / n  # RUNNING, UNKNOWN: most done, some running, the rest queued
        if share <= 0.75:
            return "FAILED" if t % 50 == 0 else "COMPLETED"
        return "RUNNING" if share <= 0.82 else "SUBMITTED" if share <= 0.9 else "NEW"

    return status


def seed_runs(
    *,
    workspace_id: int,
    user_id: int,
    runs: int,
    tasks: int = 0,
    pipelines: int | None = None,
    status: str | None = None,
    job_ids: list[str] | None = None,
    region: str | None = None,
    prefix: str = "",
    random_seed: int = 42,
) -> RunSeed:
    """Seeds `runs` runs of workspace `workspace_id` (each with its launch snapshot; most launched
    from one of `pipelines` saved pipelines, default runs/100 with at least 10), statuses in the
    RUN_MIX proportions (or all `status`), submitted every 7 minutes back from CLOCK, a quarter
    of them labelled; and `tasks` Nextflow tasks with each started run's trace (processes,
    progress): the newest run, RUNNING, holds 1/BIG_RUN_SHARE of them (all of them if it is
    the only one), the other started runs share the rest; the second newest is SUBMITTED. `job_ids` (one per run) and `region`
    name the head jobs for a monitor benchmark; `prefix` keeps names and ids apart when a
    workspace is seeded more than once. No run has a CloudWatch log stream (a benchmark has no
    AWS): the log pane says the head job's log is not there, without calling AWS."""
    import time
    from datetime import datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from computeenvs.models import ComputeEnv
    from pipelines.models import Launch, Pipeline, Run
    from pipelines.trace.models import STATUS_RANK, RunTrace, Task
    from workspaces.models import Credentials, Label

    began = time.perf_counter()
    rng = random.Random(f"{random_seed}:{workspace_id}:{prefix}")
    now = datetime.fromisoformat(CLOCK)
    username = get_user_model().objects.get(pk=user_id).username
    ces = list(
        ComputeEnv.objects.filter(workspace_id=workspace_id)
        .order_by("name")
        .values_list("id", "name", "region", "credentials_id")[:5]
    )
    fallback_credentials = (
        Credentials.objects.filter(workspace_id=workspace_id).order_by("name").values_list("id", flat=True).first()
    )
    label_ids = list(Label.objects.filter(workspace_id=workspace_id).order_by("name").values_list("id", flat=True))
    mix = [name for name, share in RUN_MIX.items() for _ in range(share)]
    rng.shuffle(mix)
    statuses = [status or mix[i % len(mix)] for i in range(runs)]
    if status is None:  # the newest runs: one running (the big one), one just submitted
        statuses[:2] = ["RUNNING", "SUBMITTED"][:runs]
    started = [i for i, s in enumerate(statuses) if s != "SUBMITTED"]
    per_run = dict.fromkeys(range(runs), 0)
    if tasks and started:
        big = tasks if len(started) == 1 else tasks // BIG_RUN_SHARE
        per_run[started[0]] = big
        others = started[1:]
        for k, i in enumerate(others):
            per_run[i] = (tasks - big) // len(others) + (k < (tasks - big) % len(others))
    run_ids, launch_ids = _public_ids(rng, runs, 14), _public_ids(rng, runs, 22)
    pipeline_count = (max(10, runs // 100) if pipelines is None else pipelines) if runs else 0
    method = "COPY" if _is_postgresql() else "bulk_create"

    with transaction.atomic():
        made = Pipeline.objects.bulk_create(
            Pipeline(
                workspace_id=workspace_id,
                name=f"{prefix}pipeline-{p:04d}",
                description=f"Benchmark pipeline {p}" if p % 2 else "",
                repository=f"https://github.com/{PROJECTS[p % len(PROJECTS)]}",
                revision=("master", "3.14.0", "dev")[p % 3],
                compute_env_id=ces[p % len(ces)][0] if ces and p % 4 else None,
                created_by_id=user_id,
            )
            for p in range(pipeline_count)
        )
        if made and made[0].pk is None:  # backends without RETURNING on bulk inserts
            made = list(Pipeline.objects.filter(workspace_id=workspace_id, name__startswith=f"{prefix}pipeline-"))
        pipeline_ids = sorted(p.pk for p in made)

        plans = []  # per run: (ce, pipeline id, project, submit, start, complete)
        for i in range(runs):
            ce = ces[i % len(ces)] if ces else None
            pipeline_id = pipeline_ids[i % len(pipeline_ids)] if pipeline_ids and i % 5 != 4 else None
            project = PROJECTS[(i % len(pipeline_ids) if pipeline_id else i) % len(PROJECTS)]
            submit = now - timedelta(minutes=7 * i + 60)
            start = None if statuses[i] == "SUBMITTED" else submit + timedelta(seconds=90 + i % 60)
            complete = start + timedelta(seconds=600 + (i * 7919) % 36_000) if statuses[i] in RUN_FINAL else None
            plans.append((ce, pipeline_id, project, submit, start, complete))

        launch_rows = _Rows(
            Launch,
            ("id", "workspace_id", "pipeline_id", "compute_env_id", "compute_env_snapshot", "session_id",
             "repository", "revision", "params_text", "work_dir", "config_profiles", "created_by_id", "date_created"),
            now=now,
        )  # fmt: skip
        launch_rows.insert(
            (
                launch_ids[i], workspace_id, pipeline_id, ce[0] if ce else None,
                {"id": ce[0], "name": ce[1], "region": ce[2], "platform": "aws-batch"} if ce else {},
                _session(run_ids[i]), f"https://github.com/{project}", "3.14.0" if i % 3 else "",
                f"input: s3://bench-data/{project}/samplesheet-{i % 40}.csv\noutdir: s3://bench-results/{run_ids[i]}\n",
                f"s3://bench-bucket/work/{run_ids[i]}", ["test"] if i % 4 == 0 else [], user_id, submit,
            )
            for i, (ce, pipeline_id, project, submit, _, _) in enumerate(plans)
        )  # fmt: skip

        run_fields = (
            "id", "workspace_id", "launch_id", "pipeline_id", "compute_env_id", "credentials_id", "region",
            "run_name", "session_id", "status", "project_name", "repository", "revision", "commit_id", "work_dir",
            "command_line", "config_text", "params", "profile", "owner_id", "user_name", "job_id", "job_queue",
            "job_definition", "batch_status", "submit", "start", "complete", "exit_status", "success",
            "error_message", "nextflow", "manifest", "stats", "last_heartbeat", "date_created", "last_updated",
        )  # fmt: skip

        def run_row(i):
            ce, pipeline_id, project, submit, start, complete = plans[i]
            s = statuses[i]
            final = s in RUN_FINAL
            name = f"{prefix}{ADJECTIVES[i % len(ADJECTIVES)]}_{SURNAMES[(i // len(ADJECTIVES)) % len(SURNAMES)]}_{i}"
            return (
                run_ids[i], workspace_id, launch_ids[i], pipeline_id, ce[0] if ce else None,
                (ce[3] if ce else None) or fallback_credentials, region or (ce[2] if ce else "us-east-1"),
                name, _session(run_ids[i]), s, project, f"https://github.com/{project}", "3.14.0" if i % 3 else "",
                f"{(i + 1) * 2654435761 % 16**12:012x}{'0' * 28}" if start else "", f"s3://bench-bucket/work/{run_ids[i]}",
                f"nextflow run {project} -name {name} -with-tower" + (" -profile test" if i % 4 == 0 else ""),
                f"process {{\n  executor = 'awsbatch'\n  queue = 'bench-work'\n}}\nworkDir = 's3://bench-bucket/work/{run_ids[i]}'\n",
                {"input": f"s3://bench-data/{project}/samplesheet-{i % 40}.csv", "outdir": f"s3://bench-results/{run_ids[i]}"},
                "test" if i % 4 == 0 else "", user_id, username,
                job_ids[i] if job_ids else f"{i:08x}-bench-4000-8000-{run_ids[i].lower()[:12]:0<12}",
                "bench-head", "bench-head-job:1", "" if not start else ("SUCCEEDED" if s == "SUCCEEDED" else "FAILED" if final else "RUNNING"),
                submit, start, complete, (0 if s == "SUCCEEDED" else 1) if final else None,
                (s == "SUCCEEDED") if final else None,
                "Process STAR_ALIGN terminated with an error exit status (137)" if s == "FAILED" else "",
                {"version": "24.10.4", "build": 5934} if start else {},
                {"name": project, "version": "3.14.0"} if start else {},
                {"succeedCount": per_run[i], "failedCount": int(s == "FAILED")} if final else {},
                (complete or now) if start else None, submit, complete or start or submit,
            )  # fmt: skip

        _Rows(Run, run_fields, now=now).insert(run_row(i) for i in range(runs))
        links = [(run_ids[i], label_ids[(i // 4) % len(label_ids)]) for i in range(0, runs, 4)] if label_ids else []
        _Rows(Run.labels.through, ("run_id", "label_id"), now=now).insert(iter(links))

        task_fields = (
            "workspace_id", "run_id", "task_id", "status", "rank", "hash", "name", "process", "tag", "native_id",
            "attempt", "exit", "submit", "start", "complete", "duration", "realtime", "cpus", "memory", "time",
            "pcpu", "pmem", "rss", "peak_rss", "read_bytes", "write_bytes", "workdir", "machine_type", "cloud_zone",
            "executor", "queue", "container", "price_model", "date_created", "last_updated",
        )  # fmt: skip
        traces = []

        def task_rows():
            for i in range(runs):
                n = per_run[i]
                if not n:
                    continue
                _, _, _, _, start, complete = plans[i]
                plan = _task_plan(statuses[i], n)
                span = ((complete or now) - start).total_seconds()
                counts = {(p, c): 0 for p in PROCESSES for c in PROGRESS_COUNTERS}
                for t in range(1, n + 1):
                    s = plan(t)
                    process = PROCESSES[t % len(PROCESSES)]
                    counts[process, PROGRESS_OF[s]] += 1
                    t_submit = start + timedelta(seconds=span * (t - 1) / n)
                    t_start = None if s in ("NEW", "SUBMITTED") else t_submit + timedelta(seconds=5 + t % 30)
                    ended = s in ("COMPLETED", "FAILED", "ABORTED", "CACHED")
                    realtime = 20_000 + (t * 7919 + i * 104_729) % 3_600_000 if ended else None
                    yield (
                        workspace_id, run_ids[i], t, s, STATUS_RANK[s], f"{t % 256:02x}/{(t * 2654435761 + i) % 16**6:06x}",
                        f"{process} (sample_{t})", process, f"sample_{t}", f"{i:06x}-{t:08x}" if t_start else "",
                        1 + (t % 50 == 0), (1 if s == "FAILED" else 0) if ended else NOT_EXITED,
                        t_submit, t_start, t_start + timedelta(milliseconds=realtime) if ended and t_start else None,
                        realtime + 5_000 if ended else None, realtime, 2 ** (t % 4), (2 + t % 14) * 1024**3, 3_600_000,
                        40.0 + (t * 37) % 160 if ended else None, 0.5 + (t % 40) / 10 if ended else None,
                        (50 + t % 900) * 1024**2 if ended else None, (60 + t % 1200) * 1024**2 if ended else None,
                        (t * 104_729) % 10**10 if ended else None, (t * 7919) % 10**9 if ended else None,
                        f"s3://bench-bucket/work/{run_ids[i]}/{t % 256:02x}/{t:030x}",
                        ("m6i.large", "c6i.xlarge", "r6i.2xlarge")[t % 3] if t_start else "",
                        ("eu-west-1a", "eu-west-1b")[t % 2] if t_start else "",
                        "awsbatch", "bench-work", f"quay.io/biocontainers/{process.lower()}:1.0", "spot", t_submit,
                        t_start or t_submit,
                    )  # fmt: skip
                traces.append((i, counts))

        task_count = _Rows(Task, task_fields, now=now).insert(task_rows(), batch_size=5000)

        def trace_rows():
            for i, counts in traces:
                _, _, _, _, start, complete = plans[i]
                final = statuses[i] in RUN_FINAL
                processes = [
                    {"index": k, "name": p, **{c: counts[p, c] for c in PROGRESS_COUNTERS}, "terminated": final}
                    for k, p in enumerate(PROCESSES)
                ]
                totals = {c: sum(record[c] for record in processes) for c in PROGRESS_COUNTERS}
                yield (
                    run_ids[i], workspace_id, list(PROCESSES), {**totals, "processes": processes},
                    int((complete or now).timestamp() * 1000), start, complete, complete or now, per_run[i],
                )  # fmt: skip

        _Rows(
            RunTrace,
            ("run_id", "workspace_id", "process_names", "progress", "progress_instant", "begun_at", "completed_at",
             "last_report_at", "task_count"),
            now=now,
        ).insert(trace_rows())  # fmt: skip

    _vacuum(Launch, Run, Task, RunTrace)
    counts = {
        "pipelines": len(pipeline_ids),
        "launches": runs,
        "runs": runs,
        "tasks": task_count,
        "traces": len(traces),
    }
    counts["run_labels"] = len(links)
    return RunSeed(
        run_ids=run_ids,
        big_run_id=run_ids[started[0]] if started else "",
        pipeline_ids=pipeline_ids,
        counts=counts,
        statuses=statuses,
        method=method,
        seconds=time.perf_counter() - began,
    )


RUN_FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
PROGRESS_COUNTERS = ("pending", "submitted", "running", "succeeded", "cached", "failed", "aborted")
PROGRESS_OF = {
    "NEW": "pending",
    "SUBMITTED": "submitted",
    "RUNNING": "running",
    "COMPLETED": "succeeded",
    "CACHED": "cached",
    "FAILED": "failed",
    "ABORTED": "aborted",
}


def _session(run_id: str) -> str:
    digits = "".join(f"{ord(c):02x}" for c in run_id)[:32].ljust(32, "0")
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:32]}"


def _vacuum(*models) -> None:
    """Brings freshly seeded tables to the state autovacuum keeps a live table in (it vacuums after
    20 % new rows): statistics for the planner (without them it guesses a handful of rows per
    workspace and picks plans no live database would) and a visibility map, without which an
    index-only scan (the bounded counts of the run list and the task table) reads every heap page
    as well. PostgreSQL only."""
    if not _is_postgresql():
        return
    from django.db import connection

    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


def _is_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"
