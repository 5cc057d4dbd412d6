"""A workspace with a bit of everything the API answers: runs with and without trace reports,
labels and tasks, launches, CEs, pipelines, a secret and a token (the `world` fixture)."""

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def world(tenancy):
    """Runs with and without trace reports, labels, tasks, launches; CEs; pipelines; secrets."""
    from pipelines.trace.models import RunTrace, Task
    from tests.factories import (
        ApiTokenFactory,
        ComputeEnvFactory,
        LabelFactory,
        PipelineFactory,
        PipelineSecretFactory,
        RunFactory,
    )

    ws = tenancy.workspace
    ces = [ComputeEnvFactory(workspace=ws, credentials=tenancy.credentials) for _ in range(3)]
    ces[1].description = "described"
    ces[1].primary = True
    ces[1].last_used = timezone.now()
    ces[1].save()
    labels = [tenancy.label, LabelFactory(workspace=ws, value=""), LabelFactory(workspace=ws, is_default=True)]
    ces[0].labels.set(labels[:2])
    now = timezone.now()
    runs = []
    for i in range(8):
        run = RunFactory(
            workspace=ws,
            status=["SUBMITTED", "RUNNING", "SUCCEEDED", "FAILED"][i % 4],
            start=now if i % 2 else None,
            complete=now + dt.timedelta(minutes=i) if i % 3 == 0 else None,
            exit_status=i if i % 2 else None,
            success=[None, True, False][i % 3],
            error_message="" if i % 2 else "boom",
            error_report="trace" if i == 3 else "",
            revision="" if i % 2 else "main",
            commit_id="abc123" if i % 2 else "",
            params={"a": i, "nested": {"x": [1, None]}} if i % 2 else {},
            profile="test" if i == 5 else "",
            job_id="job-1" if i % 2 else "",
            nextflow={"version": "24.10.0"} if i % 3 else {},
            manifest={} if i % 2 else {"name": "hello"},
            stats={},
            owner_id=tenancy.users["maintain"].pk if i % 2 else None,
        )
        if i % 2:
            run.labels.set(labels[i % 3 :])
        if i % 3 == 1:
            reported = {"scriptId": "s1", "container": None, "configFiles": ["a.config"], "stubRun": False}
            if i == 4:
                reported["resume"] = True
            progress = {"pending": 1, "running": 2, "loadCpus": 4, "processes": [{"name": "PROC", "pending": 1}]}
            RunTrace.objects.create(
                run=run,
                workspace=ws,
                workflow=reported,
                launched_here=i != 7,
                last_report_at=now if i == 1 else None,
                process_names=["PROC", "OTHER"],
                progress=progress,
            )
        if i == 2:
            run.launch.compute_env_snapshot = {"id": ces[0].pk, "name": ces[0].name, "region": "eu-west-1"}
            run.launch.save()
        runs.append(run)
    for n in range(30):
        full = n % 2 == 0
        Task.objects.create(
            workspace=ws,
            run=runs[0],
            task_id=n + 1,
            status=["NEW", "SUBMITTED", "RUNNING", "COMPLETED", "FAILED", "CACHED"][n % 6],
            hash=f"ab/{n:06x}",
            name=f"PROC ({n})",
            process="PROC",
            tag="t" if full else "",
            module=["m1"] if full else [],
            attempt=1 if full else None,
            exit=0 if full else None,
            submit=now if full else None,
            start=now if n % 3 == 0 else None,
            complete=now if n % 4 == 0 else None,
            duration=123 if full else None,
            cpus=2 if full else None,
            memory=2**33 if full else None,
            pcpu=99.5 if full else None,
            pmem=0.0 if full else None,
            peak_rss=2**31 if full else None,
            resource_allocation={"cpus": 2} if full else None,
            cost=0.01 if n % 5 == 0 else None,
            executor="awsbatch" if full else "",
            script="echo hi" if full else "",
        )
    pipelines = [
        PipelineFactory(workspace=ws, compute_env=ces[0], created_by=tenancy.users["maintain"]),
        PipelineFactory(workspace=ws, description="d"),
    ]
    pipelines[0].labels.set(labels[:1])
    secret = PipelineSecretFactory(workspace=ws)
    ApiTokenFactory(user=tenancy.users["maintain"])
    return {"ws": ws, "runs": runs, "ces": ces, "pipelines": pipelines, "secret": secret}
