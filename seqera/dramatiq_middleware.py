"""Dramatiq middleware: metrics of the production shape, the request context of log lines, and a
graceful stop under a process manager.

`Prometheus`: Dramatiq's own Prometheus middleware (message counts, errors, retries, rejects,
in-progress and durations per actor), with two changes. It forks no exposition server: that
server would listen on 0.0.0.0:9191 without any access control, while the web's ``/metrics``
already serves the same multiprocess directory behind METRICS_ALLOWED_IPS / METRICS_TOKEN. And
its hooks do nothing in a process that never booted it (a web process that only enqueues).
"""

from __future__ import annotations

import signal
import threading
import time

from dramatiq.middleware import Middleware
from dramatiq.middleware.prometheus import Prometheus as _Prometheus

from seqera.logging import current_message, current_request_id


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


class RequestContext(Middleware):
    """Carries the id of the web request that enqueued a message into the worker that runs it.

    The id goes into the message's options (``request_id``; retries keep it), and while the actor
    runs, every log record carries it with the actor's name and the message id
    (`seqera.logging.RequestContextFilter`). Only ids travel, never arguments or secrets.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def before_enqueue(self, broker, message, delay):
        request_id = current_request_id.get()
        if request_id and "request_id" not in message.options:
            message.options["request_id"] = request_id

    def before_process_message(self, broker, message):
        self._local.tokens = (
            current_request_id.set(message.options.get("request_id")),
            current_message.set((message.actor_name, message.message_id)),
        )

    def after_process_message(self, broker, message, *, result=None, exception=None):
        tokens = getattr(self._local, "tokens", None)
        if tokens is not None:
            current_request_id.reset(tokens[0])
            current_message.reset(tokens[1])
            self._local.tokens = None

    after_skip_message = after_process_message


class GracefulStop(Middleware):
    """One stop request gets one graceful stop, however many copies of SIGTERM it arrives as.

    Dramatiq's worker process treats a second SIGTERM as "kill now" (it exits without waiting for
    its actors). Process managers signal the whole process group (honcho, which `make prod` runs;
    systemd's default KillMode), so each worker process receives SIGTERM twice at once: from the
    manager and relayed by Dramatiq's main process. It would then drop its in-flight messages
    instead of finishing them within ``--worker-shutdown-timeout``. In each worker process this
    wraps Dramatiq's handler so that copies arriving within ``duplicate_window`` seconds of the
    first are ignored; a deliberate second SIGTERM after that still kills at once.
    """

    def __init__(self, duplicate_window: float = 2.0) -> None:
        self.duplicate_window = duplicate_window

    def after_process_boot(self, broker):
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers belong to the main thread (in-process workers have none)
        handler = signal.getsignal(signal.SIGTERM)
        if not callable(handler):
            return
        first: list[float] = []

        def once(signum, frame):
            now = time.monotonic()
            if first and now - first[0] < self.duplicate_window:
                return
            first[:] = [now]
            handler(signum, frame)

        signal.signal(signal.SIGTERM, once)
