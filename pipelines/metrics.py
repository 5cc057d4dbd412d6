"""Domain gauges of runs (listed in METRICS_COLLECTORS, served by `seqera.metrics`)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily


class RunCollector:
    """Runs by status, and the active ones (not over: the monitor follows them)."""

    def collect(self):
        from pipelines.models import Run, RunStatus

        counts = dict(Run.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        by_status = GaugeMetricFamily("seqera_workflow_runs", "Pipeline runs by status.", labels=["status"])
        for status in RunStatus.values:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status
        yield GaugeMetricFamily(
            "seqera_workflow_runs_active",
            "Pipeline runs not over yet (submitted or running).",
            value=sum(counts.get(status, 0) for status in RunStatus.active()),
        )
