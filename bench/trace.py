"""Trace API: ingestion rate through ``PUT /trace/{id}/progress`` (batches of 100 tasks, as the
tower plugin sends them, with its Basic ``@token:`` header and run token) and the run page's trace
block and task API over a run with 100,000 tasks. In-process (Django test client), production
settings, a throw-away database. The floor is ``GET /api/user-info`` through the same stack.

Prints figures only; asserts nothing.

    .venv/bin/python bench/trace.py                 # PostgreSQL seqera_bench_trace on 127.0.0.1
    .venv/bin/python bench/trace.py --sqlite        # temporary SQLite file
    .venv/bin/python bench/trace.py --tasks 100000 --ingest 20000
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402

NOT_EXITED = 2**31 - 1


def task_record(task_id: int, status: str, base: datetime) -> dict:
    """One `makeTaskMap0` record (the fields the plugin sends for a finished task)."""
    done = status in ("COMPLETED", "FAILED")
    submit = base + timedelta(seconds=task_id % 3600)
    return {
        "taskId": task_id, "status": status, "hash": f"{task_id % 256:02x}/{task_id:06x}",
        "name": f"PROC_{task_id % 7} (sample_{task_id})", "process": f"PROC_{task_id % 7}", "tag": f"sample_{task_id}",
        "nativeId": f"job-{task_id}", "module": [], "container": "quay.io/nextflow/bash:latest", "attempt": 1,
        "exit": 0 if done else NOT_EXITED, "submit": submit.isoformat().replace("+00:00", "Z"),
        "start": (submit + timedelta(seconds=2)).isoformat().replace("+00:00", "Z"),
        "complete": (submit + timedelta(seconds=30)).isoformat().replace("+00:00", "Z") if done else None,
        "duration": 30_000 if done else None, "realtime": 28_000 if done else None, "cpus": 2,
        "memory": 4 * 1024**3, "time": 3_600_000, "queue": "work", "pcpu": 95.5 if done else None,
        "pmem": 1.5 if done else None, "rss": 50_000_000 if done else None, "peakRss": 60_000_000 if done else None,
        "readBytes": 1_000_000 if done else None, "writeBytes": 200_000 if done else None,
        "workdir": f"s3://bench/work/{task_id:08x}", "script": "echo hello", "env": "", "executor": "awsbatch",
        "machineType": "m5.large", "cloudZone": "eu-west-1a", "priceModel": "spot",
    }  # fmt: skip


def progress(processes: int = 7) -> dict:
    procs = [{"index": i, "name": f"PROC_{i}", "pending": 1, "running": 2, "succeeded": 3} for i in range(processes)]
    return {"pending": processes, "running": 2 * processes, "succeeded": 3 * processes, "processes": procs}


def timed(func, rounds: int) -> tuple[float, float]:
    """(median ms, median queries) over `rounds` calls after one warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()
    times, queries = [], []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            func()
            times.append((time.perf_counter() - began) * 1000)
        queries.append(len(captured))
    return statistics.median(times), statistics.median(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks of the run behind the page")
    parser.add_argument("--ingest", type=int, default=20_000, help="tasks sent through progress")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    db = _env.BenchDatabase(sqlite=args.sqlite, name_suffix="_trace").open()
    try:
        _env.setup_django(_env.production_env(db.url, str(db.tmpdir / "static")))
        from django.core.management import call_command

        call_command("collectstatic", verbosity=0, interactive=False)
        run_bench(args, db.label)
    finally:
        _env.close_connections()
        db.close()


def run_bench(args, label: str) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from pipelines.models import Launch, Run
    from pipelines.trace import tokens
    from pipelines.trace.models import Task
    from workspaces import services
    from workspaces.models import Organization, Participant, Workspace

    User = get_user_model()  # noqa: N806

    print(f"Trace API benchmark on {label}; {_env.machine_line()}")
    user = User.objects.create_user("bench", password="bench-Password-1")
    org = Organization.objects.create(name="bench", full_name="Bench")
    workspace = Workspace.objects.create(org=org, name="lab", full_name="Lab")
    Participant.objects.create(workspace=workspace, user=user, role="owner")
    _, personal = services.create_api_token(user=user, name="bench")

    def new_run(name: str) -> Run:
        launch = Launch.objects.create(workspace=workspace, repository="https://github.com/nextflow-io/hello")
        return Run.objects.create(
            workspace=workspace,
            launch=launch,
            run_name=name,
            session_id=launch.session_id,
            owner=user,
            status="RUNNING",
        )

    host = {"HTTP_HOST": "127.0.0.1", "secure": True}
    api = Client(HTTP_AUTHORIZATION=f"Bearer {personal}", **{"HTTP_HOST": "127.0.0.1"})

    # ---------------------------------------------------------------- floor
    floor_ms, floor_q = timed(lambda: api.get("/api/user-info", secure=True), args.rounds * 4)
    print(f"\nFloor: GET /api/user-info  {floor_ms:7.2f} ms  {floor_q:.0f} queries")

    # ---------------------------------------------------------------- ingestion
    run = new_run("ingest")
    auth = "Basic " + base64.b64encode(f"@token:{tokens.run_token(run.pk)}".encode()).decode()
    nf = Client(HTTP_AUTHORIZATION=auth, HTTP_HOST="127.0.0.1")
    url = f"/api/trace/{run.pk}/progress?workspaceId={workspace.pk}"
    base = datetime(2026, 12, 1, tzinfo=UTC)
    empty = json.dumps({"tasks": [], "progress": progress(), "instant": 1})
    empty_ms, empty_q = timed(lambda: nf.put(url, empty, content_type="application/json", secure=True), args.rounds * 2)
    print(f"Floor of a report: PUT progress with no task  {empty_ms:7.2f} ms  {empty_q:.0f} queries")
    print(f"\nIngestion: {args.ingest:,} tasks through PUT /trace/{{id}}/progress in batches of 100")
    instant = 10
    for phase, status in (("new tasks (insert)", "RUNNING"), ("the same tasks ending (update)", "COMPLETED")):
        bodies = []
        for start in range(1, args.ingest + 1, 100):
            instant += 1
            batch = [task_record(i, status, base) for i in range(start, min(start + 100, args.ingest + 1))]
            bodies.append(json.dumps({"tasks": batch, "progress": progress(), "containers": [], "instant": instant}))
        times = []
        began = time.perf_counter()
        for body in bodies:
            t0 = time.perf_counter()
            response = nf.put(url, body, content_type="application/json", secure=True)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.content[:300]
        elapsed = time.perf_counter() - began
        times.sort()
        print(
            f"  {phase:32s} {args.ingest / elapsed:9,.0f} tasks/s   per call p50 {statistics.median(times):6.1f} ms"
            f"  p99 {_env.percentile(times, 0.99):6.1f} ms  ({statistics.median(times) / floor_ms:4.1f}× the floor)"
        )
    stale = json.dumps({"tasks": [task_record(i, "RUNNING", base) for i in range(1, 101)], "instant": 1})
    nf.put(url, stale, content_type="application/json", secure=True)
    print(
        f"  a late RUNNING report moved back {Task.objects.filter(run=run, status='RUNNING').count()} tasks (0 expected)"
    )

    # ---------------------------------------------------------------- 100,000 tasks
    from bench.seed import PROCESSES, seed_runs

    print(f"\nSeeding a run with {args.tasks:,} tasks …", end="", flush=True)
    made = seed_runs(
        workspace_id=workspace.pk, user_id=user.pk, runs=1, tasks=args.tasks, status="RUNNING", prefix="big"
    )
    big = Run.objects.get(pk=made.big_run_id)
    print(f" {made.seconds:.1f} s ({made.method})")
    last_page, process, tag = max(1, -(-args.tasks // 50)), PROCESSES[3], f"sample_{args.tasks * 7 // 9}"

    page_client = Client(**{"HTTP_HOST": "127.0.0.1"})
    page_client.force_login(user)
    trace_url = workspace.url("trace:run_trace", pk=big.pk)
    cases = [
        ("run page block, page 1", page_client, f"{trace_url}"),
        ("run page block, middle page", page_client, f"{trace_url}?page={last_page // 2}"),
        ("run page block, last page", page_client, f"{trace_url}?page={last_page}"),
        ("run page block, FAILED only", page_client, f"{trace_url}?status=FAILED"),
        ("run page block, one process", page_client, f"{trace_url}?process={process}&page=50"),
        ("run page block, by duration desc", page_client, f"{trace_url}?sort=duration&dir=desc"),
        ("run page block, search a tag", page_client, f"{trace_url}?q={tag}"),
        ("API tasks, first 100", api, f"/api/workflow/{big.pk}/tasks?workspaceId={workspace.pk}"),
        ("API tasks, last 100", api, f"/api/workflow/{big.pk}/tasks?workspaceId={workspace.pk}&offset={args.tasks - 100}"),
        ("API tasks, sort by peakRss", api, f"/api/workflow/{big.pk}/tasks?workspaceId={workspace.pk}&sortBy=peakRss&sortDir=desc"),
        ("API task detail", api, f"/api/workflow/{big.pk}/task/{args.tasks // 2}?workspaceId={workspace.pk}"),
        ("API progress", api, f"/api/workflow/{big.pk}/progress?workspaceId={workspace.pk}"),
    ]  # fmt: skip
    print(
        f"\n{'request over ' + format(args.tasks, ',') + ' tasks':40s} {'ms p50':>8s} {'× floor':>8s} {'queries':>8s}"
    )
    for name, client, path in cases:
        response = client.get(path, secure=True)
        if response.status_code != 200:
            print(f"{name:40s} HTTP {response.status_code}")
            continue
        ms, queries = timed(lambda c=client, p=path: c.get(p, secure=True), args.rounds)
        print(f"{name:40s} {ms:8.1f} {ms / floor_ms:8.1f} {queries:8.0f}")
    del host


if __name__ == "__main__":
    main()
