import boto3
import pytest
from moto import mock_aws

from tests.conftest import MOTO_CONFIG
from tests.faults.strict import strict_layer


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
