"""The durable work mechanism (seqera.work): submit with the caller's transaction, claim under a
lease, bounded retries on any error, give-up into a final state, heartbeat, and the dispatcher
that re-sends what was never sent, lost or abandoned."""

import time
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from seqera import work
from seqera.models import WorkItem
from tests.helpers.work import deliver, work_messages

PLAN: dict[str, list] = {}  # name -> outcomes of the next runs (an exception to raise, or None)
CALLS: list[str] = []
GAVE_UP: list[tuple[str, str]] = []
DURING: dict[str, object] = {}  # name -> callable run inside the actor


def _gave_up(name, *, reason):
    if DURING.get(f"{name}:give_up"):
        DURING[f"{name}:give_up"]()
    GAVE_UP.append((name, reason))


@work.durable_actor(
    actor_name="work_test_flaky",
    max_retries=2,
    min_backoff=300,
    max_backoff=600,
    time_limit=1_000,
    deadline=timedelta(minutes=5),
    give_up=_gave_up,
)
def flaky(name: str) -> None:
    CALLS.append(name)
    if name in DURING:
        DURING[name]()
    outcomes = PLAN.get(name) or []
    if outcomes and (exc := outcomes.pop(0)) is not None:
        raise exc


@work.durable_actor(actor_name="work_test_long", max_retries=0, time_limit=20_000, give_up=_gave_up)
def long_runner(name: str) -> None:
    CALLS.append(name)
    DURING[name]()


@pytest.fixture(autouse=True)
def _reset():
    PLAN.clear(), CALLS.clear(), GAVE_UP.clear(), DURING.clear()
    yield


@pytest.fixture
def submitted(sent, django_capture_on_commit_callbacks):
    """`submitted(name)` -> the message sent after the commit of a submit of `flaky(name)`."""

    def make(name, **kwargs):
        before = len(sent())
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            work.submit(flaky, name, key=f"test:{name}", **kwargs)
        new = work_messages(sent()[before:])
        return new[-1] if new else None

    return make


def item(name) -> WorkItem:
    return WorkItem.objects.get(key=f"test:{name}")


def wait_until_due(name):
    remaining = (item(name).not_before - timezone.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining + 0.01)


pytestmark = pytest.mark.django_db


class TestSubmit:
    def test_the_row_commits_with_the_caller_and_the_message_follows_the_commit(
        self, sent, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            work.submit(flaky, "a", key="test:a")
            assert item("a").state == WorkItem.State.PENDING
            assert sent() == []  # nothing before the commit
        (message,) = sent()
        assert message.actor_name == "work_test_flaky"
        assert message.args == ("a",) and message.kwargs == {}
        assert message.options[work.KEY_OPTION] == "test:a"
        assert item("a").sent_at is not None

    def test_a_rolled_back_transaction_leaves_neither_row_nor_message(self, sent, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            work.submit(flaky, "a", key="test:a")
            raise RuntimeError("rolled back")
        assert not WorkItem.objects.exists() and sent() == []

    def test_ids_only(self):
        with pytest.raises(TypeError):
            work.submit(flaky, {"secret": "x"}, key="test:x")
        with pytest.raises(ValueError, match="not a durable actor"):
            work.submit(work.dispatch, key="test:y")

    def test_a_broker_that_is_down_never_fails_the_write(self, sent, django_capture_on_commit_callbacks):
        down = redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        with (
            mock.patch.object(flaky, "send_with_options", side_effect=down),
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            work.submit(flaky, "a", key="test:a")  # does not raise
        row = item("a")
        assert row.state == WorkItem.State.PENDING and row.sent_at is None
        assert work_messages(sent()) == []

        WorkItem.objects.update(submitted_at=timezone.now() - timedelta(seconds=10))
        report = work.dispatch_once()  # the broker is back: the dispatcher sends it
        assert report.resent == 1
        (message,) = work_messages(sent())
        deliver(message)
        assert item("a").state == WorkItem.State.DONE and CALLS == ["a"]

    def test_resubmitting_a_finished_key_runs_it_again_with_fresh_attempts(self, submitted):
        deliver(submitted("a"))
        assert item("a").state == WorkItem.State.DONE
        deliver(submitted("a"))
        assert CALLS == ["a", "a"] and item("a").attempts == 1

    def test_a_resubmit_the_broker_did_not_take_counts_as_never_sent(self, submitted, sent):
        deliver(submitted("a"))  # sent and done long ago
        WorkItem.objects.update(sent_at=timezone.now() - timedelta(hours=1))
        with mock.patch.object(flaky, "send_with_options", side_effect=redis.ConnectionError("down")):
            submitted("a")
        assert item("a").sent_at is None  # so the dispatcher re-sends it within seconds, not minutes
        WorkItem.objects.update(submitted_at=timezone.now() - timedelta(seconds=10))
        assert work.dispatch_once().resent == 1

    def test_resubmitting_while_it_runs_runs_it_once_more_afterwards(self, submitted, sent):
        DURING["a"] = lambda: (DURING.pop("a"), work.submit(flaky, "a", key="test:a"))
        deliver(submitted("a"))
        row = item("a")
        assert row.state == WorkItem.State.PENDING and row.attempts == 0
        again = work_messages(sent())[-1]
        deliver(again)
        assert CALLS == ["a", "a"] and item("a").state == WorkItem.State.DONE


class TestDurableActor:
    def test_success_marks_it_done_and_a_duplicate_message_is_refused(self, submitted):
        message = submitted("a")
        deliver(message)
        deliver(message)  # redelivered or re-sent: the claim refuses it
        assert CALLS == ["a"]
        row = item("a")
        assert row.state == WorkItem.State.DONE and row.attempts == 1 and row.lease_token == ""

    def test_any_error_is_retried_with_backoff(self, submitted, sent):
        PLAN["a"] = [KeyError("not an AWS error")]
        deliver(submitted("a"))
        row = item("a")
        assert row.state == WorkItem.State.PENDING and row.attempts == 1
        assert row.last_error == "KeyError: 'not an AWS error'" and row.not_before > row.submitted_at
        retry = work_messages(sent())[-1]
        deliver(retry)  # too early: not due yet
        assert CALLS == ["a"]
        wait_until_due("a")
        deliver(retry)
        assert CALLS == ["a", "a"] and item("a").state == WorkItem.State.DONE

    def test_running_out_of_retries_gives_up_with_the_reason(self, submitted, sent):
        PLAN["a"] = [RuntimeError("one"), RuntimeError("two"), ValueError("three")]
        deliver(submitted("a"))
        for _ in range(2):
            wait_until_due("a")
            deliver(work_messages(sent())[-1])
        row = item("a")
        assert CALLS == ["a"] * 3
        assert row.state == WorkItem.State.GAVE_UP and row.finished_at is not None
        ((name, reason),) = GAVE_UP
        assert name == "a" and "failed 3 times" in reason and "ValueError: three" in reason

    def test_two_claims_never_hold_the_same_key(self, submitted):
        submitted("a")
        spec = work._spec(flaky)
        first = work._claim(spec, "test:a")
        assert first is not None and work._claim(spec, "test:a") is None
        WorkItem.objects.update(lease_until=timezone.now() - timedelta(seconds=1))  # the holder died
        second = work._claim(spec, "test:a")
        assert second is not None and second[1] != first[1] and second[0].attempts == 2

    def test_a_worker_killed_on_every_attempt_ends_in_give_up(self, submitted):
        message = submitted("a")
        spec = work._spec(flaky)
        for _ in range(spec.max_attempts):
            assert work._claim(spec, "test:a") is not None
            WorkItem.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
        deliver(message)
        assert CALLS == [] and item("a").state == WorkItem.State.GAVE_UP
        assert "used up its 3 attempts" in GAVE_UP[0][1]

    def test_a_give_up_handler_that_fails_is_tried_again(self, submitted):
        PLAN["a"] = [RuntimeError("x")] * 3
        DURING["a:give_up"] = lambda: (DURING.pop("a:give_up"), (_ for _ in ()).throw(RuntimeError("handler")))
        deliver(submitted("a"))
        for _ in range(2):
            WorkItem.objects.update(not_before=timezone.now())
            deliver(flaky.message_with_options(args=("a",), **{work.KEY_OPTION: "test:a"}))
        assert item("a").state == WorkItem.State.PENDING and GAVE_UP == []  # handler failed: not final yet
        WorkItem.objects.update(not_before=timezone.now())
        deliver(flaky.message_with_options(args=("a",), **{work.KEY_OPTION: "test:a"}))
        assert item("a").state == WorkItem.State.GAVE_UP and len(GAVE_UP) == 1

    def test_a_direct_call_just_runs(self):
        flaky("direct")
        assert CALLS == ["direct"] and not WorkItem.objects.exists()


class TestHeartbeat:
    def test_outside_a_durable_actor_it_is_a_no_op(self):
        work.heartbeat()

    def test_it_extends_the_lease(self, submitted):
        seen = {}

        def during():
            before = WorkItem.objects.get(key="test:a").lease_until
            WorkItem.objects.update(lease_until=timezone.now() + timedelta(seconds=1))
            work.heartbeat()
            seen["extended"] = WorkItem.objects.get(key="test:a").lease_until > before - timedelta(seconds=1)

        DURING["a"] = during
        deliver(submitted("a"))
        assert seen["extended"] and item("a").state == WorkItem.State.DONE

    def test_a_lost_lease_stops_the_actor_quietly(self, submitted):
        def during():
            WorkItem.objects.update(lease_token="someone-else")
            work.heartbeat()
            CALLS.append("after heartbeat")

        DURING["a"] = during
        deliver(submitted("a"))
        assert CALLS == ["a"]
        row = item("a")
        assert row.state == WorkItem.State.RUNNING and row.lease_token == "someone-else"

    def test_past_the_deadline_it_gives_up(self, submitted):
        def during():
            WorkItem.objects.update(deadline=timezone.now() - timedelta(seconds=1))

        DURING["a"] = lambda: (during(), work._local.current.__setattr__("deadline", timezone.now()), work.heartbeat())
        deliver(submitted("a"))
        assert item("a").state == WorkItem.State.GAVE_UP and "deadline" in GAVE_UP[0][1]


class TestDispatcher:
    def test_a_lost_message_is_sent_again_and_a_recent_one_is_not(self, submitted, sent, settings):
        submitted("lost"), submitted("fresh")
        WorkItem.objects.filter(key="test:lost").update(
            sent_at=timezone.now() - timedelta(minutes=5), not_before=timezone.now() - timedelta(minutes=5)
        )
        before = len(sent())
        assert work.dispatch_once().resent == 1
        (message,) = work_messages(sent()[before:])
        assert message.options[work.KEY_OPTION] == "test:lost"

    def test_an_expired_lease_is_sent_again(self, submitted, sent):
        submitted("a")
        work._claim(work._spec(flaky), "test:a")
        assert work.dispatch_once().resent == 0  # leased: left alone
        WorkItem.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
        before = len(sent())
        assert work.dispatch_once().resent == 1
        deliver(work_messages(sent()[before:])[0])
        assert item("a").state == WorkItem.State.DONE and item("a").attempts == 2

    def test_past_the_deadline_it_gives_up_without_running(self, submitted):
        submitted("a", deadline=timedelta(seconds=-1))
        report = work.dispatch_once()
        assert report.gave_up == 1 and report.resent == 0
        assert item("a").state == WorkItem.State.GAVE_UP and CALLS == []
        assert "deadline passed" in GAVE_UP[0][1]

    def test_a_killed_last_attempt_gives_up(self, submitted):
        submitted("a")
        spec = work._spec(flaky)
        WorkItem.objects.update(
            state=WorkItem.State.RUNNING,
            attempts=spec.max_attempts,
            lease_until=timezone.now() - timedelta(seconds=1),
            last_error="TimeLimitExceeded",
        )
        assert work.dispatch_once().gave_up == 1
        assert "stopped during attempt 3 of 3" in GAVE_UP[0][1] and "TimeLimitExceeded" in GAVE_UP[0][1]

    def test_the_dispatcher_is_scheduled(self):
        from dramatiq_crontab import scheduler

        assert "dispatch" in {job.name for job in scheduler.get_jobs()}

    def test_finished_rows_are_purged_after_a_while(self, submitted):
        deliver(submitted("a"))
        WorkItem.objects.update(finished_at=timezone.now() - timedelta(days=30))
        assert work.dispatch_once().purged == 1 and not WorkItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_time_limit_counts_as_a_failure_and_ends_in_give_up(broker, worker):
    """Through a real worker: TimeLimitExceeded (a BaseException) is caught, counted and given up."""
    slow_spec = work._spec(flaky)
    PLAN["slow"] = []
    DURING["slow"] = lambda: time.sleep(5)
    with mock.patch.multiple(slow_spec, max_retries=0):
        with transaction.atomic():
            work.submit(flaky, "slow", key="test:slow")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and item("slow").state != WorkItem.State.GAVE_UP:
            time.sleep(0.2)
    assert item("slow").state == WorkItem.State.GAVE_UP
    assert "TimeLimitExceeded" in GAVE_UP[0][1]


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_long_actor_runs(broker, worker, settings):
    """A run longer than its lease keeps it (the worker renews it), so nobody else can claim it."""
    settings.WORK_LEASE_SECONDS = 1
    seen = []

    def during():
        for _ in range(6):
            time.sleep(0.5)
            seen.append(work._claim(work._spec(long_runner), "test:long"))

    DURING["long"] = during
    with transaction.atomic():
        work.submit(long_runner, "long", key="test:long")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and item("long").state != WorkItem.State.DONE:
        time.sleep(0.2)
    assert item("long").state == WorkItem.State.DONE and item("long").attempts == 1
    assert len(seen) == 6 and seen == [None] * 6  # 3 s on a 1 s lease: never claimable by another


def test_operators_see_work_items_read_only_in_the_admin(admin_client, submitted):
    from django.urls import reverse

    submitted("a")
    page = admin_client.get(reverse("admin:seqera_workitem_changelist"))
    assert page.status_code == 200 and b"test:a" in page.content
    row = item("a")
    assert admin_client.get(reverse("admin:seqera_workitem_change", args=[row.pk])).status_code == 200
    assert admin_client.get(reverse("admin:seqera_workitem_add")).status_code == 403
