"""Nothing lost, nothing twice: the pipeline against a real Redis, a real SMTP server and real workers."""
import re
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, InboxEntry, OutboxEvent
from jobs.models import ScheduleRun
from jobs.queues import enqueue_now
from tenants.context import tenant_context
from tests.conftest import PG_OWNER_URL
from tests.factories import CommunityFactory, UserFactory, member, token_for
from tests.services import WorkerProcess, wait_until

MID = re.compile(r"<huzhu-(\d+)-(\d+)-(\d+)-email@huzhu>")


@pytest.fixture
def app_config(redis_server, smtp):
    return {"REDIS_URL": redis_server.url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
            "DELIVERY_STALE_SECONDS": 2, "OUTBOX_HANDOVER_SECONDS": 2, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def workers(app, redis_server, smtp):
    """Start `huzhu worker` processes on the test's database, Redis and SMTP server."""
    started = []
    env = {"HUZHU_ENV": "testing", "SECRET_KEY": "test-secret", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": redis_server.url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
           "DELIVERY_STALE_SECONDS": "2", "OUTBOX_HANDOVER_SECONDS": "2"}
    if PG_OWNER_URL and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        env["DATABASE_OWNER_URL"] = PG_OWNER_URL

    def start():
        worker = WorkerProcess(env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _community_with_members(slug: str, n: int):
    community = CommunityFactory(slug=slug)
    admin = member(community, "admin", "coordinator")
    with notifications.muted():
        people = [member(community, "resident") for _ in range(n - 1)]
    return community, admin, [admin, *people]


def _event_emails(smtp, event_id: int) -> list[dict]:
    return [m for m in smtp.messages if (g := MID.match(m["message_id"] or "")) and int(g[2]) == event_id]


def _inbox_count(community_id: int, event_id: int) -> int:
    with tenant_context(community_id):
        count = db.session.execute(select(func.count()).select_from(InboxEntry)
                                   .where(InboxEntry.event_id == event_id)).scalar_one()
    db.session.rollback()
    return count


def _sweep(community_id: int):
    with tenant_context(community_id):
        notifications.sweep()
        db.session.commit()


def _announcement_event(client, admin, slug: str) -> int:
    response = client.post(f"/api/v1/c/{slug}/announcements", json={"title": "停电通知", "body": "周六检修线路"},
                           headers=token_for(client, admin))
    assert response.status_code == 201, response.get_json()
    db.session.rollback()
    return response


def test_announcement_to_200_members_survives_a_worker_killed_midway(app, client, smtp, workers):
    community, admin, people = _community_with_members("kill", 200)
    smtp.handler.delay = 0.01  # slow enough that the kill lands in the middle of sending
    first = workers()
    _announcement_event(client, admin, "kill")
    with tenant_context(community.id):
        event_id = db.session.execute(select(OutboxEvent.id).where(OutboxEvent.event == "announcement")).scalar_one()
    db.session.rollback()
    wait_until(lambda: len(_event_emails(smtp, event_id)) >= 40, 60, what="the first 40 e-mails")
    first.kill()
    sent_before_kill = len(_event_emails(smtp, event_id))
    assert sent_before_kill < 200, "the kill came too late to test anything"
    workers()

    def everyone_has_mail():
        _sweep(community.id)  # the periodic sweeper, run now instead of waiting for its minute
        return {m["to"] for m in _event_emails(smtp, event_id)} >= {p.email for p in people}

    wait_until(everyone_has_mail, 90, interval=1.0, what="every member's e-mail")
    assert _inbox_count(community.id, event_id) == 200
    per_recipient = Counter(m["to"] for m in _event_emails(smtp, event_id))
    duplicates = {to: n for to, n in per_recipient.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= 1, duplicates  # at most one per kill
    for to in duplicates:
        ids = {m["message_id"] for m in _event_emails(smtp, event_id) if m["to"] == to}
        assert len(ids) == 1, "a repeated e-mail must carry the same Message-ID"


def test_redis_down_while_changes_commit_then_everything_is_delivered_once(app, client, smtp, redis_server,
                                                                           workers):
    community, admin, people = _community_with_members("redis", 12)
    headers = token_for(client, admin)
    redis_server.stop()
    for i in range(3):
        response = client.post("/api/v1/c/redis/announcements", json={"title": f"通知{i}", "body": "内容"},
                               headers=headers)
        assert response.status_code == 201, response.get_json()
    assert client.get("/readyz").status_code == 503
    redis_server.start()
    with tenant_context(community.id):
        events = db.session.execute(select(OutboxEvent.id).where(OutboxEvent.event == "announcement")).scalars().all()
        assert len(events) == 3
    db.session.rollback()
    workers()

    def all_delivered():
        _sweep(community.id)
        return all(len({m["to"] for m in _event_emails(smtp, e)}) == 12 for e in events)

    wait_until(all_delivered, 60, interval=1.0, what="all three announcements")
    for event_id in events:
        assert _inbox_count(community.id, event_id) == 12
        assert len(_event_emails(smtp, event_id)) == 12  # once each: nobody was cut mid-send


def test_the_same_outbox_row_enqueued_twice_delivers_once(app, smtp, drain):
    community, admin, people = _community_with_members("twice", 5)
    with tenant_context(community.id):
        with notifications.muted():
            pass
        event = notifications.emit("announcement", audience=notifications.ALL_MEMBERS,
                                   payload={"title": "两次", "body": "同一行", "announcement_id": 0, "link": "/"})
        db.session.commit()
        enqueue_now(community.id, "app.notifications.services.fan_out", event.id, queue_name="notifications",
                    job_id="other-id-for-the-same-row")
        event_id = event.id
    drain()
    drain()
    assert _inbox_count(community.id, event_id) == 5
    assert len(_event_emails(smtp, event_id)) == 5
    with tenant_context(community.id):
        assert db.session.execute(select(func.count()).select_from(Delivery)
                                  .where(Delivery.event_id == event_id)).scalar_one() == 5
    db.session.rollback()


def test_a_periodic_job_runs_once_per_period_with_two_workers(app, redis_server):
    from jobs import scheduler

    now = datetime(2026, 11, 28, 0, 5, tzinfo=UTC)
    results, barrier = [], threading.Barrier(2)

    def worker_tick():
        with app.app_context():
            barrier.wait()
            results.append(scheduler.tick(now))

    threads = [threading.Thread(target=worker_tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [job for jobs in results for job in jobs]
    assert len(claimed) == len(scheduler.SCHEDULES) == len(set(claimed))
    # Even if the claim were lost (a Redis restart), the run itself is unique per period.
    assert scheduler.run_scheduled("retention_purge", "2026-11-28") in ("done", "failed")
    assert scheduler.run_scheduled("retention_purge", "2026-11-28") == "skipped"
    assert db.session.execute(select(func.count()).select_from(ScheduleRun)
                              .where(ScheduleRun.name == "retention_purge")).scalar_one() == 1


def test_refused_address_fails_visibly_and_can_be_retried(app, client, smtp, drain):
    from tests.factories import Browser

    community, admin, people = _community_with_members("bounce", 3)
    victim = people[1]
    smtp.handler.refuse.add(victim.email)
    _announcement_event(client, admin, "bounce")
    drain()
    with tenant_context(community.id):
        failed = db.session.execute(select(Delivery).where(Delivery.status == "failed")).scalar_one()
        assert failed.user_id == victim.id and "550" in failed.last_error
        failed_id = failed.id
    db.session.rollback()
    assert client.get("/readyz").get_json()["failed_deliveries"] == 1
    browser = Browser(app.test_client())
    browser.login(admin)
    page = browser.get("/c/bounce/notifications/failed").get_data(as_text=True)
    assert victim.name in page and "550" in page
    smtp.handler.refuse.clear()
    response = browser.post(f"/c/bounce/notifications/failed/{failed_id}/retry")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    drain()
    assert victim.email in {m["to"] for m in smtp.messages}
    assert client.get("/readyz").get_json()["failed_deliveries"] == 0


def test_transient_smtp_failure_is_retried_with_backoff(app, client, smtp, drain):
    community, admin, people = _community_with_members("flaky", 2)
    smtp.handler.transient = True
    _announcement_event(client, admin, "flaky")
    drain()
    with tenant_context(community.id):
        rows = db.session.execute(select(Delivery).where(Delivery.channel == "email")).scalars().all()
        assert rows and all(d.status == "pending" and d.attempts == 1 and "451" in d.last_error for d in rows)
        assert all(d.send_after > datetime.now(UTC).replace(tzinfo=None) if d.send_after.tzinfo is None
                   else d.send_after > datetime.now(UTC) for d in rows)
    db.session.rollback()
    assert smtp.messages == []


def test_announcement_with_bad_input_is_refused_and_sends_nothing(app, client, smtp):
    community, admin, _people = _community_with_members("bad", 2)
    headers = token_for(client, admin)
    for body in ({"title": "空", "body": ""}, {"title": "长", "body": "字" * 5001}, {"title": "", "body": "x"},
                 {"title": "x"}, {"title": "x", "body": "y", "extra": 1}):
        response = client.post("/api/v1/c/bad/announcements", json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]
    with tenant_context(community.id):
        assert db.session.execute(select(func.count()).select_from(OutboxEvent)
                                  .where(OutboxEvent.event == "announcement")).scalar_one() == 0
    db.session.rollback()


def test_user_with_no_channel_enabled_still_gets_the_inbox_entry(app, client, smtp, drain):
    community, admin, people = _community_with_members("quiet", 2)
    resident = people[1]
    client_r = app.test_client()
    headers = token_for(client_r, resident)
    response = client_r.put("/api/v1/me/notification-preferences", headers=headers, json={
        "channels": {"announcements": {"email": False, "sms": False}}})
    assert response.status_code == 200
    _announcement_event(client, admin, "quiet")
    drain()
    assert resident.email not in {m["to"] for m in smtp.messages}
    assert admin.email in {m["to"] for m in smtp.messages}
    inbox = client_r.get("/api/v1/me/notifications", headers=headers).get_json()["items"]
    assert any("停电通知" in item["title"] for item in inbox)


def test_each_message_in_the_recipients_language(app, client, smtp, drain):
    community, admin, people = _community_with_members("lang", 3)
    english = people[1]
    english.locale = "en"
    db.session.commit()
    _announcement_event(client, admin, "lang")
    drain()
    by_to = {m["to"]: m for m in smtp.messages}
    assert by_to[english.email]["subject"].startswith("Announcement")
    assert by_to[english.email]["language"] == "en"
    assert by_to[people[2].email]["subject"].startswith("通知")
    assert "停电通知" in by_to[people[2].email]["subject"]


def test_quiet_hours_hold_non_urgent_mail_until_morning_but_not_urgent_mail(app, client, smtp, drain):
    from zoneinfo import ZoneInfo

    community, admin, people = _community_with_members("night", 2)
    resident = people[1]
    hour = datetime.now(ZoneInfo("Asia/Shanghai")).hour
    resident.quiet_start, resident.quiet_end = hour, (hour + 2) % 24
    db.session.commit()
    _announcement_event(client, admin, "night")
    drain()
    assert resident.email not in {m["to"] for m in smtp.messages}  # held
    with tenant_context(community.id):
        held = db.session.execute(select(Delivery).where(Delivery.user_id == resident.id)).scalar_one()
        assert held.status == "pending"
        local_release = held.send_after.replace(tzinfo=held.send_after.tzinfo or UTC).astimezone(
            ZoneInfo("Asia/Shanghai"))
        assert local_release.hour == (hour + 2) % 24 and local_release.minute == 0
    db.session.rollback()
    # A password reset is urgent: it comes at once, also in quiet hours.
    response = client.post("/api/v1/auth/password-reset", json={"login": resident.email})
    assert response.status_code == 202
    drain()
    assert any(m["to"] == resident.email and ("密码" in m["subject"] or "password" in m["subject"].lower())
               for m in smtp.messages)


def test_unknown_user_password_reset_answers_the_same_and_sends_nothing(app, client, smtp, drain):
    UserFactory()
    response = client.post("/api/v1/auth/password-reset", json={"login": "nobody@test.example"})
    assert response.status_code == 202
    drain()
    assert smtp.messages == []


def test_smtp_server_that_times_out_is_a_transient_failure(app, client, smtp, drain):
    app.config["SMTP_TIMEOUT"] = 1
    community, admin, people = _community_with_members("slow", 2)
    smtp.handler.delay = 2.5  # longer than the client waits
    _announcement_event(client, admin, "slow")
    drain()
    with tenant_context(community.id):
        rows = db.session.execute(select(Delivery).where(Delivery.channel == "email")).scalars().all()
        assert rows and all(d.status == "pending" and d.attempts == 1 for d in rows)
        assert all("timed out" in (d.last_error or "").lower() or "timeout" in (d.last_error or "").lower()
                   for d in rows), [d.last_error for d in rows]
    db.session.rollback()


def test_a_bounce_after_acceptance_makes_the_delivery_fail_visibly(app, client, smtp, drain, runner):
    community, admin, people = _community_with_members("bounced", 2)
    _announcement_event(client, admin, "bounced")
    drain()
    sent = next(m for m in smtp.messages if m["to"] == people[1].email and "停电通知" in m["subject"])
    result = runner.invoke(args=["bounce", sent["message_id"], "--reason", "550 mailbox full"])
    assert result.exit_code == 0, result.output
    with tenant_context(community.id):
        failed = db.session.execute(select(Delivery).where(Delivery.status == "failed")).scalar_one()
        assert failed.user_id == people[1].id and "550 mailbox full" in failed.last_error
    db.session.rollback()
    assert client.get("/readyz").get_json()["failed_deliveries"] == 1
    unknown = runner.invoke(args=["bounce", "<someone-else@example.org>"])
    assert unknown.exit_code != 0
