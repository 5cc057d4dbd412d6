"""Running durable work inline in tests, as a worker would (no worker thread, no broker server)."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import CurrentMessage

from seqera import work


def deliver(message: dramatiq.Message) -> None:
    """Processes one message in this thread the way a worker does: the durable actor sees the
    message (and its work key), claims the lease, runs, and records the outcome."""
    token = CurrentMessage._MESSAGE.set(message)
    try:
        dramatiq.get_broker().get_actor(message.actor_name).fn(*message.args, **message.kwargs)
    finally:
        CurrentMessage._MESSAGE.reset(token)


def work_messages(messages, actor_name: str | None = None) -> list[dramatiq.Message]:
    """The durable-work messages among `messages` (optionally of one actor)."""
    return [m for m in messages if work.KEY_OPTION in m.options and (actor_name is None or m.actor_name == actor_name)]
