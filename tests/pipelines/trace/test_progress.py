"""Seqera's ProgressData of a reported run: usage summed from the run's tasks per process and in
all, the executors that ran them, the cost only when some task had one; other runs' tasks count
for nothing."""

import pytest
from django.utils import timezone

from pipelines.trace import selectors
from pipelines.trace.models import RunTrace, Task
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


def task(run, task_id, process, executor, **usage):
    return Task(workspace=run.workspace, run=run, task_id=task_id, status="COMPLETED", process=process,
                executor=executor, **usage)  # fmt: skip


def test_usage_is_summed_per_process_and_in_all():
    run, other = RunFactory(), RunFactory()
    RunTrace.objects.create(
        run=run, workspace=run.workspace, process_names=["ALIGN", "QC"], last_report_at=timezone.now()
    )
    Task.objects.bulk_create([
        task(run, 1, "ALIGN", "awsbatch", cpus=2, realtime=1000, memory=100, read_bytes=10, cost=0.5),
        task(run, 2, "ALIGN", "local", cpus=4, realtime=500, memory=200, read_bytes=5),
        task(run, 3, "QC", "awsbatch", cpus=1, realtime=300, memory=50),
        task(run, 4, "QC", "", cpus=1),
        task(other, 1, "ALIGN", "k8s", cpus=64, realtime=9999, memory=9999, cost=99.0),
    ])  # fmt: skip
    data = selectors.progress_data(run)
    workflow = data["workflowProgress"]
    assert workflow["cpus"] == 8 and workflow["cpuTime"] == 2 * 1000 + 4 * 500 + 1 * 300
    assert workflow["memoryReq"] == 350 and workflow["readBytes"] == 15
    assert workflow["executors"] == ["awsbatch", "local"] and workflow["cost"] == pytest.approx(0.5)
    by_name = {p["process"]: p for p in data["processesProgress"]}
    assert (
        by_name["ALIGN"]["cpus"] == 6 and by_name["ALIGN"]["cpuTime"] == 4000 and by_name["ALIGN"]["memoryReq"] == 300
    )
    assert by_name["QC"]["cpus"] == 2 and by_name["QC"]["cpuTime"] == 300 and by_name["QC"]["readBytes"] == 0


def test_a_run_whose_tasks_had_no_cost_has_none():
    run = RunFactory()
    RunTrace.objects.create(run=run, workspace=run.workspace, process_names=["QC"], last_report_at=timezone.now())
    Task.objects.bulk_create([task(run, 1, "QC", "awsbatch", cpus=1)])
    assert selectors.progress_data(run)["workflowProgress"]["cost"] is None
