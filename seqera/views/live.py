"""Live status blocks: a part of a page that polls its own URL (htmx) while work is pending.

Guarantees: a block polls only while `is_pending(object)` is true or a requested piece of work
(``?validating=<stamp>``) has not reported since the stamp; it backs off from 2 s by ×1.5 per
attempt up to 30 s; its requests carry ``X-Background-Poll`` so they never extend the session
(`seqera.middleware`); it stops as soon as nothing is pending.
"""

from django.http import HttpRequest

POLL_FIRST_SECONDS, POLL_FACTOR, POLL_MAX_SECONDS = 2, 1.5, 30
POLL_HEADER = "X-Background-Poll"  # sent by live blocks; such requests never extend the session


def stamp(moment) -> int:
    """A timestamp in microseconds (0 for never), carried in ``?validating=`` to see a result arrive."""
    return int(moment.timestamp() * 1_000_000) if moment else 0


def next_poll(request: HttpRequest, url: str) -> tuple[str, int]:
    """A live block's next poll: its URL (the attempt counted in ``?poll=``) and its delay in
    seconds, 2 s growing ×1.5 per attempt up to 30 s, so a long wait costs few requests."""
    raw = request.GET.get("poll", "")
    attempt = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 3 else 0
    delay = min(POLL_MAX_SECONDS, round(POLL_FIRST_SECONDS * POLL_FACTOR**attempt))
    return f"{url}{'&' if '?' in url else '?'}poll={attempt + 1}", delay


def awaiting(request: HttpRequest, moment) -> str:
    """The ``?validating=`` value while the result of a requested validation has not arrived, else ''."""
    since = request.GET.get("validating", "")
    # isdecimal() alone accepts other scripts' digits; ASCII digits only, so int() cannot fail.
    valid = since.isascii() and since.isdecimal() and len(since) <= 20
    return since if valid and stamp(moment) <= int(since) else ""


class LiveStatusMixin:
    """Adds `live_context()` for a detail page and its status partial: ``live`` (poll or not),
    ``status_url`` (the next poll) and ``poll_delay``. Declare `live_moment_field` (the object's
    field that changes when the awaited work reports), and implement `is_pending(obj)` and
    `live_status_url()` (the status partial's URL for `self.object`)."""

    live_moment_field = "last_updated"

    def is_pending(self, obj) -> bool:
        return False

    def live_status_url(self) -> str:
        raise NotImplementedError

    def live_context(self) -> dict:
        obj = self.object
        since = awaiting(self.request, getattr(obj, self.live_moment_field))
        status_url, poll_delay = next_poll(
            self.request, self.live_status_url() + (f"?validating={since}" if since else "")
        )
        return {"live": self.is_pending(obj) or bool(since), "status_url": status_url, "poll_delay": poll_delay}
