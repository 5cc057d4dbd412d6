"""The strict AWS layer inside real worker *processes* (the crash and rolling-restart tests).

`StrictAwsProcess`, a Dramatiq middleware that `tests.faults.process_settings` adds to the test
settings, installs `computeenvs.sandbox.AwsBehaviour` with the strict options of
`tests.faults.strict` in every worker process at boot, for clients of ``AWS_ENDPOINT_URL`` only
(the moto server of the test). It also serves the test, from the environment of the process:

* ``FAULT_CALL_LOG``: a file that gets one JSON line per AWS call and phase: ``pid``, ``thread``,
  ``t`` (wall clock), ``phase`` ("before" the request, "after" AWS did it), ``service``,
  ``operation`` and ``key`` (the durable-work key of the message being run, e.g.
  ``compute-env:<id>``). Lines are appended with O_APPEND and are short, so the lines of several
  processes interleave whole; the test reads who did what, when.
* ``FAULT_STRICT_SECONDS``: how long Batch resources stay CREATING/DELETING at least (default 0:
  a few polls), so a forge lasts long enough to restart processes during it.
* ``FAULT_HOLD=<phase>:<service>:<Operation>:<n>``: the n-th such call of this process blocks
  (after its log line) until the file ``FAULT_HOLD_RELEASE`` exists, or forever when that is
  unset (the test SIGKILLs the worker); ``FAULT_HOLD_MARKER`` is written when it blocks, so the
  test knows the worker is at that point.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from dramatiq.middleware import CurrentMessage, Middleware


class Recorder:
    def __init__(self, environ=os.environ):
        self.log = environ.get("FAULT_CALL_LOG", "")
        hold = environ.get("FAULT_HOLD", "")
        self.hold = tuple(hold.rsplit(":", 1)[0].split(":")) if hold else None
        self.hold_at = int(hold.rsplit(":", 1)[1]) if hold else 0
        self.marker = environ.get("FAULT_HOLD_MARKER", "")
        self.release = environ.get("FAULT_HOLD_RELEASE", "")
        self.seen = 0
        self._lock = threading.Lock()

    def __call__(self, phase: str, service: str, operation: str) -> None:
        message = CurrentMessage.get_current_message()
        if self.log:
            line = json.dumps(
                {
                    "pid": os.getpid(),
                    "thread": threading.get_ident(),
                    "t": time.time(),
                    "phase": phase,
                    "service": service,
                    "operation": operation,
                    "key": message.options.get("work_key", "") if message is not None else "",
                }
            )
            fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        if self.hold != (phase, service, operation):
            return
        with self._lock:
            self.seen += 1
            if self.seen != self.hold_at:
                return
        if self.marker:
            Path(self.marker).write_text(str(os.getpid()))
        while not (self.release and Path(self.release).exists()):
            time.sleep(0.05)


class StrictAwsProcess(Middleware):
    def after_process_boot(self, broker):
        from django.conf import settings

        from tests.faults.strict import strict_layer

        if settings.AWS_ENDPOINT_URL:
            seconds = float(os.environ.get("FAULT_STRICT_SECONDS", "0"))
            strict_layer(endpoint=settings.AWS_ENDPOINT_URL, fault=Recorder(), seconds=seconds)
