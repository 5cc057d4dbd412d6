"""The run monitor: reads the head jobs of active runs from AWS Batch and moves their status.

Guarantees:

* one `DescribeJobs` call per 100 head jobs at most, grouped by credentials and region (one
  session per group), so a sweep over N runs makes ceil(N/100) calls per group;
* Batch states map to run statuses as domain.md §4.3 says: SUBMITTED, PENDING, RUNNABLE and
  STARTING keep the run SUBMITTED; RUNNING makes it RUNNING (start time from AWS); SUCCEEDED
  and FAILED end it (failure reason and exit code from AWS), unless Nextflow or a cancel ended
  it first (every transition is a compare-and-set in `services`);
* a head job RUNNABLE longer than RUN_RUNNABLE_WARNING_SECONDS gets a warning naming the likely
  cause; a head job AWS no longer knows makes an active run UNKNOWN;
* a group whose AWS call fails is logged and skipped; the others go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from pipelines import services
from pipelines.models import Run, RunStatus
from workspaces import aws

logger = logging.getLogger(__name__)
BATCH = 100
WAITING = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING")
FOLLOWED = (RunStatus.SUBMITTED, RunStatus.RUNNING, RunStatus.UNKNOWN)


@dataclass
class SweepReport:
    runs: int = 0
    calls: int = 0
    changed: int = 0
    failed_groups: list[str] = field(default_factory=list)


def _when(millis) -> datetime | None:
    return datetime.fromtimestamp(millis / 1000, tz=UTC) if millis else None


def followed_runs():
    # trace (issue 10): a run Nextflow ended (`complete`) before the monitor saw its head job end
    # is still read, for a day, until Batch says the job ended: its Batch state, log stream, times.
    ended_first = Q(status__in=RunStatus.final(), batch_status__in=("", *WAITING, "RUNNING"))
    ended_first &= Q(complete__gte=timezone.now() - timedelta(days=1))
    return (
        Run.objects.filter(Q(status__in=FOLLOWED) | ended_first)
        .exclude(job_id="")
        .select_related("credentials", "launch")
        .order_by("credentials_id", "region", "pk")
    )


def sweep(*, now: datetime | None = None) -> SweepReport:
    """One pass over every followed run (the periodic actor calls it; tests may too)."""
    now = now or timezone.now()
    report = SweepReport()
    groups: dict[tuple, list[Run]] = {}
    for run in followed_runs().iterator(chunk_size=1000):
        groups.setdefault((run.credentials_id, run.region), []).append(run)
        report.runs += 1
    for (credentials_id, region), runs in groups.items():
        if runs[0].credentials is None:
            for run in runs:
                report.changed += services.mark_unknown(run, reason="Its AWS credentials were deleted.")
            continue
        try:
            batch = aws.client(runs[0].credentials, "batch", region)
            for start in range(0, len(runs), BATCH):
                chunk = runs[start : start + BATCH]
                jobs = batch.describe_jobs(jobs=[run.job_id for run in chunk]).get("jobs", [])
                report.calls += 1
                by_id = {job["jobId"]: job for job in jobs}
                for run in chunk:
                    report.changed += apply(run, by_id.get(run.job_id), now=now)
        except aws.AwsError as exc:
            logger.warning("Run monitor: %s in %s: %s", credentials_id, region, aws.error_message(exc))
            report.failed_groups.append(f"{credentials_id}/{region}")
    return report


def runnable_warning(run: Run, job: dict, waited_seconds: float) -> str:
    """Why a head job may sit RUNNABLE: AWS's own reason when it gives one, then the usual causes."""
    config = run.launch.compute_env_snapshot.get("config", {}) if run.launch_id else {}
    forge = config.get("forge") or {}
    cpus = run.launch.head_job_cpus or config.get("headJobCpus") or 1
    causes = []
    if reason := job.get("statusReason"):
        causes.append(f"AWS says: {reason}")
    max_cpus = forge.get("maxCpus")
    if max_cpus is not None and int(max_cpus) < int(cpus):
        causes.append(f"the compute environment's Max CPUs ({max_cpus}) is below the head job's {cpus} vCPUs")
    causes.append("no EC2 capacity for the compute environment's instance types in its subnets (Spot or quota)")
    if forge.get("instanceTypes"):
        causes.append(f"instance types {', '.join(forge['instanceTypes'])} too small for the head job's request")
    minutes = int(waited_seconds // 60)
    return f"The head job has been RUNNABLE for {minutes} min: AWS Batch has not placed it. Likely: " + "; ".join(
        causes
    )


def apply(run: Run, job: dict | None, *, now: datetime) -> bool:
    """Applies one DescribeJobs entry to its run; True when the run changed."""
    if job is None:
        if run.status == RunStatus.UNKNOWN:
            return False
        return services.mark_unknown(run, reason=f"AWS Batch no longer knows the head job {run.job_id}.")
    state = job.get("status", "")
    fields = {}
    if state != run.batch_status:
        fields.update(batch_status=state, batch_status_since=now)
    stream = (job.get("container") or {}).get("logStreamName") or ""
    if stream and stream != run.log_stream:
        fields["log_stream"] = stream
    changed = False
    if fields:
        Run.objects.filter(pk=run.pk).update(**fields)
        for key, value in fields.items():
            setattr(run, key, value)
        changed = True
    if state in WAITING:
        since = run.batch_status_since or now
        waited = (now - since).total_seconds()
        if state == "RUNNABLE" and waited >= settings.RUN_RUNNABLE_WARNING_SECONDS:
            warning = runnable_warning(run, job, waited)
            if warning != run.warning:
                Run.objects.filter(pk=run.pk).update(warning=warning)
                run.warning = warning
                changed = True
        return changed
    if state == "RUNNING":
        if run.status == RunStatus.SUBMITTED:  # an UNKNOWN run (no news from Nextflow) stays UNKNOWN
            changed |= services.start_run(run, at=_when(job.get("startedAt")) or now)
        return changed
    container = job.get("container") or {}
    exit_code = container.get("exitCode")
    if run.start is None and job.get("startedAt"):
        Run.objects.filter(pk=run.pk, start__isnull=True).update(start=_when(job["startedAt"]))
    if state == "SUCCEEDED":
        return (
            services.finish_run(
                run, status=RunStatus.SUCCEEDED, exit_status=exit_code or 0, at=_when(job.get("stoppedAt")) or now
            )
            or changed
        )
    if state == "FAILED":
        reasons = [job.get("statusReason") or "", container.get("reason") or ""]
        reason = " / ".join(dict.fromkeys(r for r in reasons if r)) or "The head job failed."
        message = f"The workflow execution failed: {reason}"
        if exit_code is not None:
            message += f" (exit status {exit_code})"
        return services.finish_run(
            run, status=RunStatus.FAILED, exit_status=exit_code, error_message=message,
            at=_when(job.get("stoppedAt")) or now,
        ) or changed  # fmt: skip
    return changed
