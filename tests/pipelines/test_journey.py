"""Launch, submit, follow, read the log: the vertical slice over the strict layer and the runner."""

import pytest

from pipelines import logs, monitor
from pipelines.models import RunStatus


@pytest.mark.django_db
def test_a_launched_run_is_followed_to_succeeded_with_its_log(batch_ce, runner, launch):
    run = launch(
        compute_env=batch_ce, settings={"repository": "https://github.com/nextflow-io/hello", "revision": "master"}
    )
    assert run.job_id and run.status == RunStatus.SUBMITTED
    seen = []
    for _ in range(10):
        monitor.sweep()
        run.refresh_from_db()
        seen.append((run.batch_status, run.status))
        if run.status in RunStatus.final():
            break
    assert ("RUNNING", "RUNNING") in seen
    assert run.status == RunStatus.SUCCEEDED and run.exit_status == 0 and run.start and run.complete
    page = logs.read_page(run)
    text = "\n".join(page.entries)
    assert "N E X T F L O W" in text and "Succeeded   : 4" in text
