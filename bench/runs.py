"""Runs benchmark (issue 9 item 13): the AWS calls and time of one monitor sweep over many active
runs, the time to a first log page and to walk a long log (and the memory the walk takes), and the
run list page over many runs. AWS is moto in this process (no HTTP), the head jobs are the sandbox
runner's (they stay SUBMITTED: a steady sweep changes nothing), the database a throw-away one.

Each figure is printed beside its floor: ceil(runs/100) DescribeJobs calls for a sweep,
ceil(lines/10,000) + 1 GetLogEvents calls for a walk, and the same list page over 10 runs.

    .venv/bin/python bench/runs.py             # 10,000 runs, 1,000,000 log lines, 100,000 listed runs
    .venv/bin/python bench/runs.py --quick     # 2,000 runs, 100,000 lines, 10,000 listed runs
    .venv/bin/python bench/runs.py --sqlite    # no PostgreSQL: temporary SQLite file
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import tracemalloc
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/, first

from bench import _env  # noqa: E402


def tenant():
    from django.contrib.auth import get_user_model

    from workspaces.models import Credentials, Organization, Participant, Workspace

    user = get_user_model().objects.create_user("bench", "bench@example.org", "x" * 20)
    org = Organization.objects.create(name="bench", full_name="Bench")
    workspace = Workspace.objects.create(org=org, name="runs", full_name="Runs bench")
    Participant.objects.create(workspace=workspace, user=user, role="owner")
    credentials = Credentials(workspace=workspace, name="bench-aws", access_key="AKIA" + "B" * 16, status="AVAILABLE")
    credentials.set_secret("s" * 40)
    credentials.save()
    return user, workspace, credentials


def make_runs(workspace, user, count: int, *, job_ids=None, status=None, prefix="r") -> list[str]:
    """`count` runs of `workspace` (ids, newest first) from the benchmarks' one run seed, their
    head jobs in us-east-1 (where the moto clients here live)."""
    from bench.seed import seed_runs

    made = seed_runs(workspace_id=workspace.pk, user_id=user.pk, runs=count, pipelines=0, status=status,
                     job_ids=job_ids, region="us-east-1", prefix=prefix)  # fmt: skip
    return made.run_ids


def bench_monitor(user, workspace, count: int, runner) -> None:
    import boto3

    from pipelines import monitor
    from pipelines.models import Run

    batch = boto3.client("batch", region_name="us-east-1")
    runner.attach(batch)  # its head jobs are played (they stay SUBMITTED), as the service's own would be
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="svc", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    env = batch.create_compute_environment(computeEnvironmentName="bench", type="UNMANAGED", serviceRole=role)
    batch.create_job_queue(jobQueueName="bench-head", priority=1, state="ENABLED",
                           computeEnvironmentOrder=[{"order": 1, "computeEnvironment": env["computeEnvironmentArn"]}])  # fmt: skip
    batch.register_job_definition(jobDefinitionName="bench", type="container",
                                  containerProperties={"image": "x", "vcpus": 1, "memory": 1000})  # fmt: skip
    began = time.perf_counter()
    ids = [batch.submit_job(jobName=f"nf-workflow-{n}", jobQueue="bench-head", jobDefinition="bench")["jobId"]
           for n in range(count)]  # fmt: skip
    print(f"  submitted {count:,} head jobs to moto in {time.perf_counter() - began:.1f} s")
    make_runs(workspace, user, count, job_ids=ids, status="SUBMITTED")
    calls = []
    from workspaces import aws

    def hook(client):
        client.meta.events.register("before-call.batch.DescribeJobs", lambda **kw: calls.append(1))

    aws.add_client_hook(hook)
    try:
        for label in ("first sweep (records each head job's state)", "steady sweep (nothing changed)"):
            calls.clear()
            began = time.perf_counter()
            report = monitor.sweep()
            took = time.perf_counter() - began
            print(
                f"  {label}: {report.runs:,} runs, {len(calls)} DescribeJobs (floor {math.ceil(count / 100)}), "
                f"{report.changed:,} changed, {took:.2f} s ({took / max(report.runs, 1) * 1e6:.0f} µs a run)"
            )
    finally:
        aws.remove_client_hook(hook)
    Run.objects.filter(workspace=workspace).delete()


def bench_logs(user, workspace, lines: int) -> None:
    import boto3

    from pipelines import logs
    from pipelines.models import Run

    client = boto3.client("logs", region_name="us-east-1")
    client.create_log_group(logGroupName="/aws/batch/job")
    client.create_log_stream(logGroupName="/aws/batch/job", logStreamName="bench/default/1")
    began = time.perf_counter()
    start = int(time.time() * 1000) - lines
    for first in range(0, lines, 10_000):
        client.put_log_events(
            logGroupName="/aws/batch/job", logStreamName="bench/default/1",
            logEvents=[{"timestamp": start + n, "message": f"line {n:07d} of the head job's log, as Nextflow writes it"}
                       for n in range(first, min(first + 10_000, lines))],
        )  # fmt: skip
    print(f"  wrote {lines:,} lines to moto in {time.perf_counter() - began:.1f} s")
    run_id = make_runs(workspace, user, 1, status="RUNNING", prefix="log")[0]
    Run.objects.filter(pk=run_id).update(log_group="/aws/batch/job", log_stream="bench/default/1")
    run = Run.objects.get(pk=run_id)
    calls = []
    client.meta.events.register("before-call.logs.GetLogEvents", lambda **kw: calls.append(1))
    began = time.perf_counter()
    page = logs.read_page(run, client=client)
    print(f"  first page ({len(page.entries)} lines, the tail): {(time.perf_counter() - began) * 1000:.0f} ms, 1 call")
    calls.clear()
    tracemalloc.start()
    began = time.perf_counter()
    count = sum(1 for _ in logs.stream_lines(run, client=client))
    took = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"  whole walk: {count:,} lines in {took:.1f} s ({count / took:,.0f} lines/s), {len(calls)} GetLogEvents "
        f"(floor {math.ceil(lines / 10_000) + 1}), peak traced memory {peak / 1e6:.1f} MB (moto's own included; "
        f"the log itself is {lines * 56 / 1e6:.0f} MB)"
    )


def bench_list(user, workspace, count: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from workspaces.models import Organization, Workspace

    small = Workspace.objects.create(org=Organization.objects.get(name="bench"), name="small", full_name="Small")
    from workspaces.models import Participant

    Participant.objects.create(workspace=small, user=user, role="owner")
    began = time.perf_counter()
    listed = make_runs(workspace, user, count, prefix="l")
    make_runs(small, user, 10, prefix="s")
    print(f"  stored {count:,} runs (every status) in {time.perf_counter() - began:.1f} s")
    from pipelines.models import Run

    one_name = Run.objects.get(pk=listed[99]).run_name
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for label, ws, query in (
        ("10 runs (floor)", small, ""),
        (f"{count:,} runs, first page", workspace, ""),
        (f"{count:,} runs, page 200", workspace, "?page=200"),
        (f"{count:,} runs, search", workspace, f"?q={one_name}"),
        (f"{count:,} runs, status filter", workspace, "?status=FAILED"),
    ):
        url = reverse("pipelines:run_list", kwargs={"org": "bench", "workspace": ws.name}) + query
        client.get(url)  # warm
        times = []
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        times.sort()
        print(f"  run list, {label:<28} {times[2] * 1000:>7.1f} ms median of 5, {len(queries)} queries")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args(argv)
    runs, lines, listed = (2_000, 100_000, 10_000) if args.quick else (10_000, 1_000_000, 100_000)
    began = time.monotonic()
    print(f"bench/runs.py — {_env.machine_line()}")
    db = _env.BenchDatabase(sqlite=args.sqlite, name_suffix="_runs")
    try:
        db.open()
        env = _env.production_env(db.url, str(db.tmpdir / "static"))
        _env.setup_django(env)
        from django.core.management import call_command

        call_command("collectstatic", verbosity=0, interactive=False)  # the manifest the pages need
        from moto import mock_aws

        from pipelines.sandbox import BatchRunner

        with mock_aws(config={"batch": {"use_docker": False}}):
            runner = BatchRunner(step_seconds=3600.0).install()  # head jobs stay SUBMITTED
            user, workspace, _ = tenant()
            print(f"{db.label}; moto in process\n\nmonitor sweep over {runs:,} active runs:")
            bench_monitor(user, workspace, runs, runner)
            print(f"\nlog of {lines:,} lines:")
            bench_logs(user, workspace, lines)
            print(f"\nrun list page over {listed:,} runs (25 a page):")
            bench_list(user, workspace, listed)
            runner.uninstall()
    finally:
        _env.close_connections()
        db.close()
    print(f"\nDone in {time.monotonic() - began:.0f} s; database dropped.")


if __name__ == "__main__":
    main()
