"""Fault injection at the Nth AWS call: "before" (the request never reached AWS) or "after"
(AWS did it and the answer was lost). Plugged into the strict layer's `fault` hook."""

from __future__ import annotations

import threading

from botocore.exceptions import ClientError


class InjectedFault(ClientError):
    pass


class Injector:
    def __init__(self):
        self._lock = threading.Lock()
        self.phase: str | None = None
        self.at = 0
        self.count = 0
        self.fired: tuple[str, str, str] | None = None

    def arm(self, phase: str, at: int) -> None:
        with self._lock:
            self.phase, self.at, self.count, self.fired = phase, at, 0, None

    def disarm(self) -> None:
        with self._lock:
            self.phase = None

    def __call__(self, phase: str, service: str, operation: str) -> None:
        with self._lock:
            if phase != self.phase:
                return
            self.count += 1
            if self.count != self.at:
                return
            self.fired = (phase, service, operation)
            self.phase = None
        raise InjectedFault(
            {"Error": {"Code": "InjectedFault", "Message": f"injected {phase} {service}:{operation}"}}, operation
        )


class Counter:
    """Records AWS calls: `calls` as they are sent ("before"), `done` as AWS answers them without
    an error ("after"); a call AWS refuses has no "after" point."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.done: list[tuple[str, str]] = []

    def clear(self) -> None:
        self.calls.clear()
        self.done.clear()

    def __call__(self, phase: str, service: str, operation: str) -> None:
        (self.calls if phase == "before" else self.done).append((service, operation))
