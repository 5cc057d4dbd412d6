"""Durable background work: a state change and the intent to act on it commit together.

Guarantees:

* `submit(actor, *ids, key=...)`, called inside the caller's ``transaction.atomic()``, writes a
  `WorkItem` row in that transaction and hands the message to the broker after the commit. A
  rolled-back transaction leaves neither. A broker that is down never raises here: the failure
  is logged and the row stays PENDING, so the write still succeeds and the work is only delayed.
  Submitting a key again refreshes its arguments and deadline; if the work is running, it runs
  once more after the current run (the row's `version`).
* An actor declared with `durable_actor` claims the row's lease before running (a conditional
  UPDATE, so two workers never run the same key at once); success marks it DONE; any exception
  (not only AWS errors, also time limits and database errors) is retried with backoff, at most
  `max_retries` times; running out of retries, or the deadline passing, calls
  ``give_up(*ids, reason=...)``, which must put the object in a final state (ERRORED/INVALID
  with the reason), and marks the row GAVE_UP.
* While an actor runs, a background thread of its worker renews the lease; a worker that dies
  stops renewing, and the work is taken over once the lease (``WORK_LEASE_SECONDS``) expires.
  `heartbeat()` renews at once (long actors call it after each step); it is a no-op outside a
  durable actor, and raises `LeaseLost` when another worker took the work over.
* `dispatch`, run every ``WORK_DISPATCH_SECONDS`` by the scheduler (dramatiq-crontab:
  ``manage.py crontab``; `devstart` runs it in-process), re-sends rows that were never sent,
  whose message was lost (broker restarted without persistence) or whose lease expired (worker
  killed), and gives up on rows past their deadline or out of attempts. Messages carry the key
  in their options and the ids as arguments, so a duplicate message is harmless: the claim
  refuses it.

Clocks: leases and deadlines compare the hosts' wall clocks, so web, worker and scheduler hosts
must run NTP (as any lease-based system needs).

Usage (an app's ``actors.py`` and ``services.py``)::

    def _forge_gave_up(ce_id: str, workspace_id: int, *, reason: str) -> None:
        ce = ComputeEnv.objects.in_workspace(workspace_id).filter(pk=ce_id).first()
        if ce is not None:
            services.forge_gave_up(ce, reason=reason)      # ERRORED, message = reason

    @work.durable_actor(queue_name="forge", max_retries=5, time_limit=30 * 60_000,
                        deadline=timedelta(hours=1), give_up=_forge_gave_up)
    def forge_compute_env(ce_id: str, workspace_id: int) -> None:
        ...                                               # each step, then work.heartbeat()

    @transaction.atomic                                   # in the service
    def request_forge(ce):
        work.submit(forge_compute_env, ce.pk, ce.workspace_id, key=f"computeenv.forge:{ce.pk}")

Tests run a sent message inline with ``tests.helpers.work.deliver(message)``.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import dramatiq
from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from dramatiq.middleware import CurrentMessage
from dramatiq_crontab import interval

from seqera.models import WorkItem

logger = logging.getLogger(__name__)

KEY_OPTION = "work_key"
DEFAULT_DEADLINE = timedelta(hours=1)
NEVER_SENT_GRACE = timedelta(seconds=5)  # an on_commit send is normally this fast
MAX_ERROR = 2000


class LeaseLost(Exception):
    """The lease of the running work item expired and another worker took the work over."""


class DeadlinePassed(Exception):
    """The running work item's deadline passed (raised by `heartbeat`)."""


@dataclass
class DurableSpec:
    actor_name: str
    max_retries: int
    min_backoff: int  # ms
    max_backoff: int  # ms
    lease_ms: int | None  # None: settings.WORK_LEASE_SECONDS
    deadline: timedelta | None
    give_up: Callable[..., None]
    actor: dramatiq.Actor | None = None

    @property
    def lease(self) -> timedelta:
        if self.lease_ms is not None:
            return timedelta(milliseconds=self.lease_ms)
        return timedelta(seconds=getattr(settings, "WORK_LEASE_SECONDS", 30))

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1

    def backoff(self, attempts: int) -> timedelta:
        ceiling = min(self.max_backoff, self.min_backoff * 2 ** max(attempts - 1, 0))
        return timedelta(milliseconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 (jitter)


_REGISTRY: dict[str, DurableSpec] = {}


@dataclass
class _Current:
    key: str
    token: str
    lease: timedelta
    deadline: datetime | None
    lost: bool = False


_local = threading.local()
_running: dict[str, _Current] = {}  # key -> the work this process runs now (renewed in background)
_running_lock = threading.Lock()
_renewer: threading.Thread | None = None
_wake = threading.Event()


def _renew(current: _Current) -> bool:
    """Extends `current`'s lease; False when the row is no longer ours."""
    until = timezone.now() + current.lease
    if WorkItem.objects.filter(key=current.key, lease_token=current.token).update(lease_until=until):
        return True
    current.lost = True
    return False


def _renew_forever() -> None:
    while True:
        with _running_lock:
            running = list(_running.values())
        shortest = min((c.lease for c in running), default=timedelta(seconds=3))
        if _wake.wait(timeout=max(0.2, shortest.total_seconds() / 3)):
            _wake.clear()  # new work started: recompute the interval from its lease
            continue
        with _running_lock:
            running = [c for c in _running.values() if not c.lost]
        if not running:
            continue
        try:
            for current in running:
                _renew(current)
        except DatabaseError as exc:
            logger.warning("Could not renew work leases (%s); trying again.", _error_text(exc))
        finally:
            connection.close()  # this thread holds no connection between passes


def _start_renewer() -> None:
    global _renewer
    with _running_lock:
        if _renewer is None or not _renewer.is_alive():
            _renewer = threading.Thread(target=_renew_forever, name="work-lease-renewer", daemon=True)
            _renewer.start()
    _wake.set()


def _spec(actor) -> DurableSpec:
    name = actor if isinstance(actor, str) else actor.actor_name
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"{name} is not a durable actor: declare it with seqera.work.durable_actor") from None


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    return text[:MAX_ERROR]


def _resend_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "WORK_RESEND_AFTER_SECONDS", 60))


# --------------------------------------------------------------------------- submit
def submit(actor, *args, key: str, deadline: timedelta | datetime | None = None) -> None:
    """Records the intent to run `actor(*args)` under `key` in the current transaction and sends
    the message once it commits. `args` are ids (JSON scalars), never secrets. `deadline` (a
    duration from now or a time; default: the actor's) is when the work gives up."""
    spec = _spec(actor)
    if not key or len(key) > 200:
        raise ValueError("A work key is 1 to 200 characters.")
    if any(not isinstance(a, (str, int)) or isinstance(a, bool) for a in args):
        raise TypeError("Durable work takes ids only (str or int arguments).")
    now = timezone.now()
    if deadline is None:
        deadline = spec.deadline
    if isinstance(deadline, timedelta):
        deadline = now + deadline
    fields = {
        "actor": spec.actor_name,
        "args": list(args),
        "deadline": deadline,
        "submitted_at": now,
    }
    with transaction.atomic():
        item = WorkItem.objects.select_for_update().filter(key=key).first()
        if item is None:
            try:
                with transaction.atomic():
                    WorkItem.objects.create(key=key, state=WorkItem.State.PENDING, not_before=now, **fields)
            except IntegrityError:  # submitted concurrently: update the row that won
                item = WorkItem.objects.select_for_update().get(key=key)
        if item is not None:
            for name, value in fields.items():
                setattr(item, name, value)
            item.version += 1
            if item.state != WorkItem.State.RUNNING:  # a running item re-runs after its current run
                item.state, item.attempts, item.not_before = WorkItem.State.PENDING, 0, now
                item.last_error, item.finished_at, item.sent_at = "", None, None  # not sent yet
            item.save()
    transaction.on_commit(lambda: _send(spec, key, args), robust=True)


def _send(spec: DurableSpec, key: str, args, delay: timedelta | None = None) -> bool:
    """Hands one message to the broker; False (logged, row left for the dispatcher) when it fails."""
    try:
        spec.actor.send_with_options(
            args=tuple(args), delay=int(delay.total_seconds() * 1000) if delay else None, **{KEY_OPTION: key}
        )
    except Exception as exc:
        logger.warning(
            "Work %s stays pending: the broker did not take its message (%s); the dispatcher re-sends it.",
            key,
            _error_text(exc),
        )
        return False
    try:
        WorkItem.objects.filter(key=key, state=WorkItem.State.PENDING).update(sent_at=timezone.now())
    except DatabaseError:
        logger.warning("Work %s was sent but its send time was not recorded.", key)
    return True


# --------------------------------------------------------------------------- the durable actor
def durable_actor(
    fn=None,
    *,
    give_up: Callable[..., None],
    queue_name: str = "default",
    max_retries: int = 3,
    min_backoff: int = 1_000,
    max_backoff: int = 60_000,
    time_limit: int = 60_000,
    lease: int | None = None,
    deadline: timedelta | None = DEFAULT_DEADLINE,
    actor_name: str | None = None,
):
    """Declares a Dramatiq actor with the guarantees of this module (see the module docstring).

    `time_limit` (ms) bounds one attempt. `lease` (ms, default ``WORK_LEASE_SECONDS``) is how long
    the work stays claimed after its worker stops renewing it: a background thread of the worker
    renews the leases of the actors it runs every third of the lease, so a killed worker's work
    is taken over within about one lease, however long the actor's time limit. `heartbeat()`
    renews at once and tells a long actor whether it still holds the work.
    `give_up(*args, reason=str)` must leave the object in a final state; it runs in a transaction
    with the row's GAVE_UP mark.
    """

    def decorate(func):
        spec = DurableSpec(
            actor_name=actor_name or func.__name__,
            max_retries=max_retries,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            lease_ms=lease,
            deadline=deadline,
            give_up=give_up,
        )

        def run(*args):
            message = CurrentMessage.get_current_message()
            key = message.options.get(KEY_OPTION) if message is not None else None
            if key is None or message.actor_name != spec.actor_name:
                return func(*args)  # a direct call (tests, shell): no bookkeeping
            _run(spec, func, key)

        run.__name__ = run.__qualname__ = spec.actor_name
        run.__doc__ = func.__doc__
        actor = dramatiq.actor(
            run, actor_name=spec.actor_name, queue_name=queue_name, max_retries=0, time_limit=time_limit
        )
        spec.actor = actor
        _REGISTRY[spec.actor_name] = spec
        return actor

    return decorate(fn) if fn is not None else decorate


def _claim(spec: DurableSpec, key: str) -> tuple[WorkItem, str] | None:
    now, token = timezone.now(), uuid.uuid4().hex
    claimable = Q(state=WorkItem.State.PENDING, not_before__lte=now) | Q(
        state=WorkItem.State.RUNNING, lease_until__lt=now
    )
    claimed = WorkItem.objects.filter(claimable, key=key).update(
        state=WorkItem.State.RUNNING, lease_token=token, lease_until=now + spec.lease, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return WorkItem.objects.get(key=key), token


def _run(spec: DurableSpec, func, key: str) -> None:
    claim = _claim(spec, key)
    if claim is None:
        logger.info("Work %s: nothing to do (done, not due yet, or running elsewhere).", key)
        return
    item, token = claim
    now = timezone.now()
    if item.deadline and item.deadline < now:
        _give_up(spec, key, token, f"its deadline passed ({_ago(item.deadline)} ago); {item.last_error}".strip("; "))
        return
    if item.attempts > spec.max_attempts:
        reason = f"it used up its {spec.max_attempts} attempts (a worker stopped or a give-up failed)"
        _give_up(spec, key, token, f"{reason}; last error: {item.last_error}" if item.last_error else reason)
        return
    current = _Current(key=key, token=token, lease=spec.lease, deadline=item.deadline)
    _local.current = current
    with _running_lock:
        _running[key] = current
    _start_renewer()
    try:
        func(*item.args)
    except LeaseLost:
        logger.warning("Work %s: the lease was lost; another worker continues it.", key)
        return
    except DeadlinePassed:
        _reset_connection()
        _give_up(spec, key, token, "its deadline passed while it ran")
        return
    except BaseException as exc:  # noqa: BLE001 (time limits are BaseException: they count too)
        _reset_connection()
        _failed(spec, key, token, item, exc)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return
    finally:
        _local.current = None
        with _running_lock:
            _running.pop(key, None)
    _finished(spec, key, token, item.version)


def _reset_connection() -> None:
    """After an error the connection may be broken (terminated, in a failed transaction)."""
    try:
        if connection.in_atomic_block:
            return
        close_old_connections()
        if connection.connection is not None and not connection.is_usable():
            connection.close()
    except DatabaseError:
        connection.close()


def _finished(spec: DurableSpec, key: str, token: str, version: int) -> None:
    now = timezone.now()
    mine = WorkItem.objects.filter(key=key, lease_token=token, state=WorkItem.State.RUNNING)
    if mine.filter(version=version).update(
        state=WorkItem.State.DONE, lease_token="", lease_until=None, finished_at=now, last_error=""
    ):
        return
    # Submitted again while it ran: run once more, with fresh attempts.
    if mine.update(state=WorkItem.State.PENDING, attempts=0, not_before=now, lease_token="", lease_until=None):
        item = WorkItem.objects.get(key=key)
        _send(spec, key, item.args)


def _failed(spec: DurableSpec, key: str, token: str, item: WorkItem, exc: BaseException) -> None:
    error = _error_text(exc)
    logger.warning("Work %s failed (attempt %s of %s): %s", key, item.attempts, spec.max_attempts, error)
    mine = WorkItem.objects.filter(key=key, lease_token=token, state=WorkItem.State.RUNNING)
    now = timezone.now()
    if mine.exclude(version=item.version).update(
        state=WorkItem.State.PENDING, attempts=0, not_before=now, lease_token="", lease_until=None, last_error=error
    ):
        _send(spec, key, item.args)  # submitted again meanwhile: the new request gets fresh attempts
        return
    if item.attempts >= spec.max_attempts:
        WorkItem.objects.filter(key=key, lease_token=token).update(last_error=error)
        _give_up(spec, key, token, f"it failed {item.attempts} times; last error: {error}")
        return
    delay = spec.backoff(item.attempts)
    if mine.update(
        state=WorkItem.State.PENDING, not_before=now + delay, lease_token="", lease_until=None, last_error=error
    ):
        _send(spec, key, item.args, delay=delay)


def _give_up(spec: DurableSpec, key: str, token: str | None, reason: str) -> bool:
    """Calls the actor's give-up handler and marks the row GAVE_UP, in one transaction.

    With `token`, only while that lease is held; without, only while nobody holds a lease."""
    now = timezone.now()
    try:
        with transaction.atomic():
            rows = WorkItem.objects.select_for_update().filter(
                key=key, state__in=[WorkItem.State.PENDING, WorkItem.State.RUNNING]
            )
            if token is not None:
                rows = rows.filter(lease_token=token)
            else:
                rows = rows.filter(Q(state=WorkItem.State.PENDING) | Q(lease_until__lt=now))
            item = rows.first()
            if item is None:
                return False
            reason = reason[:MAX_ERROR]
            spec.give_up(*item.args, reason=reason)
            item.state, item.last_error, item.finished_at = WorkItem.State.GAVE_UP, reason, now
            item.lease_token, item.lease_until = "", None
            item.save()
    except Exception as exc:
        logger.exception("Work %s: giving up failed (%s); the dispatcher tries again.", key, _error_text(exc))
        _reset_connection()
        WorkItem.objects.filter(key=key, state__in=[WorkItem.State.PENDING, WorkItem.State.RUNNING]).update(
            state=WorkItem.State.PENDING, lease_token="", lease_until=None, not_before=now + spec.backoff(3)
        )
        return False
    logger.warning("Work %s gave up: %s", key, reason)
    return True


def _ago(when: datetime) -> str:
    seconds = int((timezone.now() - when).total_seconds())
    return f"{seconds // 60} min" if seconds >= 120 else f"{seconds} s"


def heartbeat() -> None:
    """Extends the current work item's lease; a no-op outside a durable actor.

    Call it outside a transaction (inside one, the new lease is invisible until the commit).
    Raises `LeaseLost` when another worker took the work over (stop at once: the durable actor
    treats it as a quiet end) and `DeadlinePassed` past the item's deadline (the actor gives up).
    """
    current: _Current | None = getattr(_local, "current", None)
    if current is None:
        return
    if current.lost or not _renew(current):
        raise LeaseLost(current.key)
    if current.deadline and current.deadline < timezone.now():
        raise DeadlinePassed(current.key)


# --------------------------------------------------------------------------- dispatcher
@dataclass
class DispatchReport:
    resent: int = 0
    gave_up: int = 0
    purged: int = 0
    broker_down: bool = False


def dispatch_once(*, limit: int = 500) -> DispatchReport:
    """One pass of the dispatcher (the scheduled actor calls it; tests may too)."""
    report = DispatchReport()
    now = timezone.now()
    unleased = Q(state=WorkItem.State.PENDING) | Q(state=WorkItem.State.RUNNING, lease_until__lt=now)
    # 1. Past the deadline, or out of attempts and nobody holds it: give up.
    for key, actor in (
        WorkItem.objects.filter(unleased)
        .filter(Q(deadline__lt=now) | Q(state=WorkItem.State.RUNNING))
        .values_list("key", "actor")[:limit]
    ):
        spec = _REGISTRY.get(actor)
        if spec is None:
            logger.error("Work %s names actor %s, which this process does not know.", key, actor)
            continue
        item = WorkItem.objects.filter(key=key).first()
        if item is None:
            continue
        if item.deadline and item.deadline < now:
            reason = f"its deadline passed ({_ago(item.deadline)} ago)"
        elif item.state == WorkItem.State.RUNNING and item.attempts >= spec.max_attempts:
            reason = f"the worker stopped during attempt {item.attempts} of {spec.max_attempts}"
        else:
            continue
        if item.last_error:
            reason += f"; last error: {item.last_error}"
        report.gave_up += _give_up(spec, key, None, reason)
    # 2. Never sent, lost, or abandoned by a worker: send again (a duplicate is refused by the claim).
    cut = now - _resend_after()
    due = (
        WorkItem.objects.filter(
            Q(state=WorkItem.State.PENDING, sent_at__isnull=True, submitted_at__lt=now - NEVER_SENT_GRACE)
            | Q(state=WorkItem.State.PENDING, sent_at__lt=cut, not_before__lt=cut)
            | Q(state=WorkItem.State.RUNNING, lease_until__lt=now)
        )
        .filter(Q(deadline__isnull=True) | Q(deadline__gte=now))
        .order_by("not_before")
    )
    for item in due[:limit]:
        spec = _REGISTRY.get(item.actor)
        if spec is None:
            continue
        try:
            spec.actor.send_with_options(args=tuple(item.args), **{KEY_OPTION: item.key})
        except Exception as exc:
            logger.warning("Dispatcher: the broker is unavailable (%s); trying again next run.", _error_text(exc))
            report.broker_down = True
            break
        WorkItem.objects.filter(pk=item.pk).update(sent_at=timezone.now())
        report.resent += 1
    # 3. Keep finished rows a while for operators, then drop them.
    keep = timedelta(days=getattr(settings, "WORK_KEEP_FINISHED_DAYS", 7))
    report.purged, _ = WorkItem.objects.filter(
        state__in=[WorkItem.State.DONE, WorkItem.State.GAVE_UP], finished_at__lt=now - keep
    ).delete()
    if report.resent or report.gave_up:
        logger.info("Dispatcher: re-sent %s, gave up on %s.", report.resent, report.gave_up)
    return report


@interval(seconds=getattr(settings, "WORK_DISPATCH_SECONDS", 15))
@dramatiq.actor(queue_name="default", max_retries=0, time_limit=120_000)
def dispatch() -> None:
    """Re-sends durable work that was never sent, lost or abandoned, and gives up on work past
    its deadline. Scheduled by dramatiq-crontab every WORK_DISPATCH_SECONDS; safe to overlap."""
    dispatch_once()
