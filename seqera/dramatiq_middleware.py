"""Dramatiq middleware of the production shape.

`Prometheus`: Dramatiq's own Prometheus middleware (message counts, errors, retries, rejects,
in-progress and durations per actor), with two changes. It forks no exposition server: that
server would listen on 0.0.0.0:9191 without any access control, while the web's ``/metrics``
already serves the same multiprocess directory behind METRICS_ALLOWED_IPS / METRICS_TOKEN. And
its hooks do nothing in a process that never booted it (a web process that only enqueues).
"""

from __future__ import annotations

from dramatiq.middleware.prometheus import Prometheus as _Prometheus


class Prometheus(_Prometheus):
    @property
    def forks(self):
        return []

    def _booted(self) -> bool:
        return hasattr(self, "total_messages")

    def after_nack(self, broker, message):
        if self._booted():
            super().after_nack(broker, message)

    def after_enqueue(self, broker, message, delay):
        if self._booted():
            super().after_enqueue(broker, message, delay)

    def before_delay_message(self, broker, message):
        if self._booted():
            super().before_delay_message(broker, message)

    def before_process_message(self, broker, message):
        if self._booted():
            super().before_process_message(broker, message)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        if self._booted():
            super().after_process_message(broker, message, result=result, exception=exception)

    after_skip_message = after_process_message

    def after_worker_shutdown(self, broker, worker):
        if self._booted():
            super().after_worker_shutdown(broker, worker)
