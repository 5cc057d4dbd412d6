"""`RunTrace.task_count`, the count of a run's tasks the task API answers with: the migration
that adds it counts the tasks already there."""

import importlib

import pytest
from django.apps import apps

from pipelines.trace.models import RunTrace, Task
from tests.factories import RunFactory

pytestmark = pytest.mark.django_db


def test_the_migration_counts_every_runs_tasks(tenancy):
    count_tasks = importlib.import_module("pipelines.trace.migrations.0003_runtrace_task_count").count_tasks
    busy, idle = (RunFactory(workspace=tenancy.workspace) for _ in range(2))
    traces = [RunTrace.objects.create(run=run, workspace=run.workspace, task_count=99) for run in (busy, idle)]
    Task.objects.bulk_create(
        Task(workspace=busy.workspace, run=busy, task_id=n, status="COMPLETED", process="P") for n in range(1, 8)
    )
    count_tasks(apps, None)
    assert [RunTrace.objects.get(pk=trace.pk).task_count for trace in traces] == [7, 0]
