"""The sandbox's played head jobs report through the trace API over real HTTP, with the run token
the launch handed them, as Nextflow's plugin would: a launched run shows its tasks and ends as
Nextflow says, failed runs included."""

import pytest

from pipelines import monitor
from pipelines import sandbox as batch_sandbox
from pipelines.models import RunStatus
from pipelines.trace import sandbox
from pipelines.trace.models import RunTrace, Task

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reporting(live_server, settings):
    settings.TOWER_API_ENDPOINT = f"{live_server.url}/api"
    reporter = sandbox.Reporter()
    batch_sandbox.add_reporter(reporter)
    yield reporter
    batch_sandbox.remove_reporter(reporter)


def follow(run):
    """Sweeps until the run is over and Batch says its head job ended (the monitor keeps reading a
    run Nextflow ended first, for its Batch state and log stream)."""
    for _ in range(14):
        monitor.sweep()
        run.refresh_from_db()
        if run.status in RunStatus.final() and run.batch_status in ("SUCCEEDED", "FAILED"):
            break
    return run


@pytest.mark.parametrize("fail", [False, True])
def test_a_sandbox_run_reports_its_tasks_and_end_through_the_trace_api(forged_ce, runner, launch, reporting, fail):
    params = '{"sandbox_fail": true}' if fail else "{}"
    run = launch(
        compute_env=forged_ce, settings={"repository": "https://github.com/nextflow-io/hello", "params_text": params}
    )
    run = follow(run)
    trace = RunTrace.objects.get(run=run)
    assert trace.begun_at and trace.completed_at and trace.process_names == ["sayHello"]
    tasks = Task.objects.filter(run=run)
    assert tasks.count() == 4 and set(tasks.values_list("process", flat=True)) == {"sayHello"}
    assert run.nextflow["version"] == "24.10.2"
    assert run.batch_status == ("FAILED" if fail else "SUCCEEDED") and run.log_stream
    if fail:
        assert run.status == RunStatus.FAILED and "sayHello" in run.error_message
        assert tasks.get(task_id=2).status == "FAILED"
    else:
        assert run.status == RunStatus.SUCCEEDED and run.exit_status == 0
        assert set(tasks.values_list("status", flat=True)) == {"COMPLETED"}
        assert trace.progress["succeeded"] == 4
