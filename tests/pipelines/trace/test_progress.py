"""Seqera's ProgressData of a reported run: usage summed from the run's tasks per process and in
all, the executors that ran them, the cost only when some task had one; other runs' tasks count
for nothing."""

import pytest
from django.utils import timezone

from pipelines.trace import selectors, services
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


def report(run, *tasks):
    """A `progress` report of `tasks` (task id, cpus) as Nextflow sends it, through the service."""
    rows = [
        {"taskId": i, "status": "COMPLETED", "process": "ALIGN", "executor": "awsbatch", "cpus": c} for i, c in tasks
    ]
    services.progress(run=run, data={"tasks": rows, "progress": {}, "instant": None})


def sums_tasks(queries) -> bool:
    return any('FROM "trace_task"' in q["sql"] and "SUM(" in q["sql"] for q in queries.captured_queries)


@pytest.fixture
def reporting_run():
    run = RunFactory(status="RUNNING")
    RunTrace.objects.create(run=run, workspace=run.workspace, process_names=["ALIGN"], last_report_at=timezone.now())
    return run


def test_usage_is_summed_once_per_change_of_the_tasks(reporting_run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run = reporting_run
    report(run, (1, 2), (2, 4))
    with CaptureQueriesContext(connection) as first:
        assert selectors.progress_data(run)["workflowProgress"]["cpus"] == 6
    with CaptureQueriesContext(connection) as again:
        assert selectors.progress_data(run)["workflowProgress"]["cpus"] == 6
    assert sums_tasks(first) and not sums_tasks(again)

    report(run, (3, 8))  # new tasks: the kept sum is stale and summed again
    with CaptureQueriesContext(connection) as after:
        assert selectors.progress_data(run)["workflowProgress"]["cpus"] == 14
    assert sums_tasks(after)

    report(run)  # a report without tasks changes nothing kept
    with CaptureQueriesContext(connection) as quiet:
        assert selectors.progress_data(run)["workflowProgress"]["cpus"] == 14
    assert not sums_tasks(quiet)


def test_a_sum_taken_while_tasks_changed_is_not_kept(reporting_run):
    run = reporting_run
    report(run, (1, 2))
    read_before = RunTrace.objects.get(pk=run.pk)  # a reader's trace row, then a report lands
    report(run, (2, 4))
    Task.objects.filter(run=run, task_id=2).delete()  # the reader's sum misses the new task
    assert selectors.usage_groups(run, read_before)[0]["sum_cpus"] == 2
    Task.objects.create(workspace=run.workspace, run=run, task_id=2, status="COMPLETED", process="ALIGN", cpus=4)
    # Not kept under the newer version: the next reader sums the tasks as they are.
    assert selectors.progress_data(run)["workflowProgress"]["cpus"] == 6
