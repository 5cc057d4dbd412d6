"""Reads of runs used by more than one answer."""

from __future__ import annotations

from pipelines.models import Run, RunStatus
from pipelines.trace import selectors as trace_selectors


def run_progress(run: Run) -> dict:
    """Seqera's ``ProgressData`` of a run: what Nextflow reported through the trace API, or, before
    it reported anything (or for a run it never reports on), counters from the run's own status."""
    finished = run.status in RunStatus.final()
    if (reported := trace_selectors.reported_progress(run)) is not None:
        return {**reported, "finished": finished}
    counters = {
        "pending": 0,
        "submitted": int(run.status == RunStatus.SUBMITTED),
        "running": int(run.status == RunStatus.RUNNING),
        "succeeded": int(run.status == RunStatus.SUCCEEDED),
        "failed": int(run.status == RunStatus.FAILED),
        "cached": 0,
        "aborted": int(run.status == RunStatus.CANCELLED),
    }
    return {
        "workflowProgress": {**counters, "lastUpdated": run.last_updated, "executors": ["awsbatch"]},
        "processesProgress": [],
        "totalProcesses": 0,
        "finished": finished,
    }
