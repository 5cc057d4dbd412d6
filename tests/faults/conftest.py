import threading

import boto3
import pytest
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber

from tests.conftest import MOTO_CONFIG
from tests.faults.strict import strict_layer

MOTO_LOCK = threading.RLock()


@pytest.fixture
def serialized_moto(monkeypatch):
    """moto's in-process backends are not thread-safe (AWS is): for tests that call it from several
    threads, its request handling is serialized; the strict layer's waits still interleave."""
    handle = BotocoreStubber.__call__

    def serialized(self, *args, **kwargs):
        with MOTO_LOCK:
            return handle(self, *args, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", serialized)


@pytest.fixture
def strict():
    """moto plus the strict layer: an ordering bug or a missing wait fails like on AWS."""
    with mock_aws(config=MOTO_CONFIG):
        boto3.setup_default_session(region_name="us-east-1")
        layer = strict_layer()
        try:
            yield layer
        finally:
            layer.uninstall()
