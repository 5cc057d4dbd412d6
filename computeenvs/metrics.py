"""Domain gauges of compute environments (listed in METRICS_COLLECTORS, served by `seqera.metrics`)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily


class ComputeEnvCollector:
    """Compute environments by status; CREATING and DELETING are the forge and dispose steps in progress."""

    def collect(self):
        from computeenvs.models import ComputeEnv

        family = GaugeMetricFamily("seqera_compute_envs", "Compute environments by status.", labels=["status"])
        counts = dict(ComputeEnv.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        for status in ComputeEnv.Status.values:
            family.add_metric([status], counts.get(status, 0))
        yield family
