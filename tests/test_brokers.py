"""The broker URL picks a real broker, and a message sent by the app reaches it.

Each case boots the production settings in a subprocess (the broker is built once per process),
against the local Redis and RabbitMQ these machines run; a broker that does not answer is skipped.
"""

import socket
import uuid

import pytest

from tests.helpers.production import GOOD_SECRET, run
from workspaces import crypto

ROUND_TRIP = """
import django; django.setup()
import dramatiq
from workspaces.actors import validate_credentials
broker = dramatiq.get_broker()
queue = "{queue}"
broker.declare_queue(queue)
message = validate_credentials.message("cred-id", 1).copy(queue_name=queue)
broker.enqueue(message)
{count}
broker.flush(queue)
{cleanup}
print(type(broker).__name__, pending)
"""
CLEANUPS = {
    "redis": "",
    "amqp": "for name in (queue, queue + '.DQ', queue + '.XQ'): broker.channel.queue_delete(name)",
}
COUNTS = {
    "redis": "pending = broker.client.llen(f'{broker.namespace}:{queue}')",
    "amqp": "pending = broker.get_queue_message_counts(queue)[0]",
}


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(
    ("url", "port", "broker_class"),
    [
        ("redis://127.0.0.1:6379/15", 6379, "RedisBroker"),
        ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitmqBroker"),
    ],
)
def test_broker_url_selects_the_broker_and_messages_reach_it(url, port, broker_class):
    if not _answers(port):
        pytest.skip(f"no broker answers on 127.0.0.1:{port}")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    scheme = url.split(":")[0]
    script = ROUND_TRIP.format(queue=queue, count=COUNTS[scheme], cleanup=CLEANUPS[scheme])
    result = run(
        script,
        SECRET_KEY=GOOD_SECRET,
        CREDENTIALS_KEYS=crypto.generate_key_entry("k1"),
        DRAMATIQ_BROKER_URL=url,
        DRAMATIQ_NAMESPACE="seqera-broker-test",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [broker_class, "1"]


def test_an_unknown_broker_scheme_stops_the_start_with_a_message():
    result = run(
        "import django; django.setup()",
        SECRET_KEY=GOOD_SECRET,
        CREDENTIALS_KEYS=crypto.generate_key_entry("k1"),
        DRAMATIQ_BROKER_URL="kafka://127.0.0.1:9092",
    )
    assert result.returncode != 0
    assert "DRAMATIQ_BROKER_URL must start with redis:// or amqp://" in result.stderr
