"""A Dramatiq worker process stops gracefully once per stop request (seqera.dramatiq_middleware.GracefulStop).

The process-level proof (a worker SIGTERMed through its process group finishes its in-flight
forge) is in tests/ops/test_rolling_restart.py; this checks the handler's rule directly."""

import os
import signal

import pytest

from seqera.dramatiq_middleware import GracefulStop


@pytest.fixture
def dramatiq_handler():
    """Dramatiq's own SIGTERM handler of a worker process, as a recorder; restored afterwards."""
    previous = signal.getsignal(signal.SIGTERM)
    received = []
    signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    yield received
    signal.signal(signal.SIGTERM, previous)


def test_copies_of_one_sigterm_reach_dramatiq_once(dramatiq_handler):
    GracefulStop(duplicate_window=60).after_process_boot(broker=None)
    os.kill(os.getpid(), signal.SIGTERM)  # from the process manager, to the whole group
    os.kill(os.getpid(), signal.SIGTERM)  # relayed by Dramatiq's main process
    assert dramatiq_handler == [signal.SIGTERM]


def test_a_later_sigterm_still_reaches_dramatiq(dramatiq_handler):
    GracefulStop(duplicate_window=0).after_process_boot(broker=None)
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)  # a deliberate second request: Dramatiq kills at once
    assert dramatiq_handler == [signal.SIGTERM, signal.SIGTERM]


def test_the_default_handler_is_left_alone():
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        GracefulStop().after_process_boot(broker=None)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)
