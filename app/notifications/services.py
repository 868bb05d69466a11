"""The notification pipeline's rules: emit into the outbox, fan out, deliver, retry, read."""
import contextlib
import contextvars
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, text, update

from app.accounts.models import User
from app.core import signals
from app.core.extensions import db
from app.core.sql import insert_ignoring_duplicates
from app.core.validation import ValidationFailed
from app.notifications import channels
from app.notifications.events import CATEGORIES, CHANNELS, EVENTS, EventType
from app.notifications.models import Delivery, InboxEntry, NotificationPreference, OpsCounter, OutboxEvent
from jobs import liveness
from jobs.queues import enqueue_after_commit
from tenants import clock
from tenants.clock import utcnow
from tenants.context import current_tenant_id, tenant_context, unscoped
from tenants.models import Community, Membership, MembershipRole

logger = logging.getLogger(__name__)

BATCH = 500  # recipients per fan-out step: bounded memory for any audience size
SEND_CHUNK = 50  # deliveries per sender job
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30),
           timedelta(hours=2))


# --- emitting -------------------------------------------------------------------------------------

_muted: contextvars.ContextVar[bool] = contextvars.ContextVar("huzhu_notifications_muted", default=False)


@contextlib.contextmanager
def muted():
    """Bulk loads (the demo) create members without telling each of them."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def emit(event: str, *, audience: dict, payload: dict | None = None,
         actor_id: int | None = None) -> OutboxEvent | None:
    """Record an event in the caller's transaction; after the commit a job fans it out."""
    if event not in EVENTS:
        raise KeyError(f"undeclared event {event}")
    if _muted.get():
        return None
    row = OutboxEvent(event=event, audience=audience, payload=payload or {}, actor_id=actor_id)
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(fan_out, row.id, queue_name="notifications",
                         job_id=f"fanout-{row.community_id or 0}-{row.id}")
    return row


def to_users(*user_ids: int) -> dict:
    return {"user_ids": sorted(set(user_ids))}


def to_roles(*roles: str) -> dict:
    return {"roles": sorted(roles)}


ALL_MEMBERS = {"all_members": True}


# --- named audiences ------------------------------------------------------------------------------

Resolver = Callable[[dict, int, int], list[int]]
AUDIENCES: dict[str, Resolver] = {}


class UnknownAudience(LookupError):
    """An outbox row names an audience no domain has registered."""


def audience(name: str):
    """Lend the fan-out the people of one kind of audience (`@notifications.audience("ballot_electorate")`).

    The resolver is `(params, after_user_id, limit) -> user ids`: the next at most `limit` ids greater than
    `after_user_id`, ascending (a keyset page). It runs in the fan-out job, in the event's community, so the
    outbox row holds only the name and its small params, however many people it reaches."""

    def register(func: Resolver) -> Resolver:
        if AUDIENCES.get(name, func) is not func:
            raise ValueError(f"audience {name} is registered twice")
        AUDIENCES[name] = func
        return func

    return register


def to_named(name: str, *, user_ids=(), **params) -> dict:
    """The audience a registered resolver names, plus a few users (the owners) merged in without duplicates."""
    if name not in AUDIENCES:
        raise KeyError(f"unregistered audience {name}")
    return {"named": name, "params": params, "user_ids": sorted({int(i) for i in user_ids})}


# --- fan-out --------------------------------------------------------------------------------------

def _named_batches(audience: dict) -> Iterator[list[int]]:
    """A named audience's batches from its resolver, its `user_ids` merged in (ascending, no duplicates)."""
    resolver = AUDIENCES.get(audience["named"])
    if resolver is None:
        raise UnknownAudience(audience["named"])
    params = audience.get("params") or {}
    extra = sorted({int(i) for i in audience.get("user_ids") or []})
    last = 0
    while True:
        ids = [int(i) for i in resolver(params, last, BATCH)]
        full = len(ids) >= BATCH
        if full and ids[-1] <= last:
            raise ValueError(f"audience {audience['named']} does not page forward")
        upper = ids[-1] if full else None  # the last page takes every extra id still to come
        batch = sorted(set(ids).union(i for i in extra if i > last and (upper is None or i <= upper)))
        if batch:
            yield batch
        if not full:
            return
        last = upper


def _recipient_batches(audience: dict) -> Iterator[list[int]]:
    """User ids of the audience in ascending batches, never all in memory at once."""
    if "named" in audience:
        yield from _named_batches(audience)
        return
    if "user_ids" in audience:
        ids = sorted(set(int(i) for i in audience["user_ids"]))
        for start in range(0, len(ids), BATCH):
            yield ids[start:start + BATCH]
        return
    stmt = select(Membership.user_id)
    if audience.get("roles"):
        stmt = stmt.where(Membership.id.in_(
            select(MembershipRole.membership_id).where(MembershipRole.role.in_(audience["roles"]))))
    last = 0
    while True:
        ids = list(db.session.execute(
            stmt.where(Membership.user_id > last).order_by(Membership.user_id).limit(BATCH)).scalars())
        if not ids:
            return
        yield ids
        last = ids[-1]


def quiet_until(now: datetime, tz: ZoneInfo, start: int | None, end: int | None) -> datetime | None:
    """When the recipient's quiet hours end, if `now` falls inside them (local time of the community)."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    hour = local.hour
    inside = (start <= hour < end) if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, end, tzinfo=tz).astimezone(now.tzinfo)


def _wanted_channels(etype: EventType, user, prefs: dict) -> list[str]:
    wanted = []
    for channel in etype.channels:
        enabled = prefs.get((user.id, channel))
        if enabled is None:
            enabled = channel in etype.default_on
        if not enabled:
            continue
        if channel == "email" and (not user.email or not channels.email_configured()):
            continue
        if channel == "sms" and not user.phone:
            continue
        wanted.append(channel)
    return wanted


class Renderer:
    """Renders an event once per language, not once per recipient.

    E-mail (`templates/emails/`) is read away from the site: its links are whole, from PUBLIC_BASE_URL (a job
    has no request to take a host from), and it ends with the footer on choosing channels. The in-app
    message (`templates/notifications/messages/`) is read inside the site: a short text, no footer, any
    address in it relative; the entry's own link is the inbox's Open button.
    """

    def __init__(self, event: OutboxEvent):
        self.event = event
        self.etype = EVENTS[event.event]
        self.community = db.session.get(Community, event.community_id) if event.community_id else None
        self._cache: dict[str, dict] = {}

    def __call__(self, locale: str | None) -> dict:
        locale = locale or "zh_CN"
        if locale not in self._cache:
            context = {"payload": self.event.payload, "community": self.community,
                       "base_url": current_app.config["PUBLIC_BASE_URL"]}
            name = self.etype.template
            with force_locale(locale):
                self._cache[locale] = {
                    "subject": " ".join(render_template(f"emails/{name}.subject.txt", **context).split())[:200],
                    "text": render_template(f"emails/{name}.txt", **context).strip(),
                    "html": render_template(f"emails/{name}.html", **context),
                    "inbox": render_template(f"notifications/messages/{name}.txt", **context).strip(),
                }
        return self._cache[locale]


def fan_out(event_id: int) -> int:
    """Job: one inbox entry and the wanted deliveries per recipient; safe to run twice."""
    event = db.session.execute(select(OutboxEvent).where(OutboxEvent.id == event_id)).scalar_one_or_none()
    if event is None or event.status == "done":
        return 0
    tz = clock.zone(event.community_id) if event.community_id else clock.DEFAULT_ZONE
    etype, render, now = EVENTS[event.event], Renderer(event), utcnow()
    total = 0
    if "named" in event.audience and event.audience["named"] not in AUDIENCES:
        # Nobody can be found for it, now or later: record the failure instead of retrying it for ever.
        logger.error("outbox event %s (%s) names the unknown audience %r: failed with no recipient",
                     event.id, event.event, event.audience["named"])
        event.status, event.recipients, event.done_at = "failed", 0, utcnow()
        db.session.commit()
        return 0
    for ids in _recipient_batches(event.audience):
        users = db.session.execute(
            select(User.id, User.email, User.phone, User.locale, User.quiet_start, User.quiet_end)
            .where(User.id.in_(ids), User.active.is_(True))).all()
        prefs = {(p.user_id, p.channel): p.enabled for p in db.session.execute(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(ids),
                                                 NotificationPreference.category == etype.category)).scalars()}
        inbox, deliveries = [], []
        for user in users:
            message = render(user.locale)
            inbox.append({"community_id": event.community_id, "event_id": event.id, "user_id": user.id,
                          "category": etype.category, "title": message["subject"], "body": message["inbox"],
                          "link": event.payload.get("link"), "created_at": now})
            wait = None if etype.urgent else quiet_until(now, tz, user.quiet_start, user.quiet_end)
            for channel in _wanted_channels(etype, user, prefs):
                deliveries.append({"community_id": event.community_id, "event_id": event.id, "user_id": user.id,
                                   "channel": channel, "status": "pending", "attempts": 0,
                                   "send_after": wait or now, "created_at": now})
        insert_ignoring_duplicates(InboxEntry, inbox)
        insert_ignoring_duplicates(Delivery, deliveries)
        db.session.commit()  # each batch is kept; a re-run skips what exists
        total += len(users)
    event.status, event.recipients, event.done_at = "done", total, utcnow()
    db.session.commit()
    enqueue_due_deliveries(event_id=event.id)
    return total


# --- delivering -----------------------------------------------------------------------------------

def enqueue_due_deliveries(event_id: int | None = None) -> int:
    """Hand due deliveries (of one event, or all of the tenant) to sender jobs, in chunks."""
    now = utcnow()
    stmt = select(Delivery.id).where(Delivery.status == "pending", Delivery.send_after <= now)
    if event_id is not None:
        stmt = stmt.where(Delivery.event_id == event_id)
    ids = list(db.session.execute(stmt.order_by(Delivery.id)).scalars())
    for start in range(0, len(ids), SEND_CHUNK):
        chunk = ids[start:start + SEND_CHUNK]
        enqueue_after_commit(send_deliveries, chunk, queue_name="notifications",
                             job_id=f"send-{current_tenant_id() or 0}-{chunk[0]}-{chunk[-1]}-{len(chunk)}")
    db.session.commit()
    return len(ids)


def _claim(delivery_id: int) -> bool:
    """Take one pending delivery for sending, in the name of this worker; only one worker can win it.

    The commit also records the outcome of the delivery sent before it (one transaction per message)."""
    result = db.session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending",
                               Delivery.send_after <= utcnow())
        .values(status="sending", attempts=Delivery.attempts + 1, claimed_at=utcnow(),
                claimed_by=liveness.holder())
        .execution_options(synchronize_session=False))
    db.session.commit()
    _commit_without_flush_wait()  # for the next transaction: this row's outcome and the next claim
    return result.rowcount == 1


def _commit_without_flush_wait() -> None:
    """PostgreSQL: commit a sender's transactions without waiting for the disk flush (one flush per e-mail was
    most of its time). A killed worker loses nothing by it (the commit is in PostgreSQL); only a crash of
    PostgreSQL itself may forget the last fraction of a second of them, and those e-mails then go again with
    their Message-ID, as after a worker killed mid-send."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('synchronous_commit', 'off', true)"))


def send_deliveries(delivery_ids: list[int]) -> int:
    """Job: send each delivery; a crash can repeat at most the one being sent, with the same Message-ID.

    That one is the e-mail the server may have accepted just before the kill, before `sent` was committed:
    e-mail is at-least-once. The in-app inbox entry is never repeated (one per event and user, by its key).
    The recipients are read in one query and the e-mails share one SMTP connection; each delivery is still
    claimed just before it is sent, and its outcome committed with the next claim (or at the end)."""
    sent, renderers = 0, {}
    _commit_without_flush_wait()
    recipients = {row.id: row for row in db.session.execute(
        select(Delivery.id, Delivery.community_id, Delivery.event_id, Delivery.user_id, Delivery.channel,
               User.email, User.phone, User.locale)
        .join(User, User.id == Delivery.user_id)
        # Only what is still to send: a chunk queued again by the sweeper skips what went out meanwhile
        # without a claim per row.
        .where(Delivery.id.in_(delivery_ids), Delivery.status == "pending"))}
    with channels.Mailer() as mailer:
        for delivery_id in delivery_ids:
            row = recipients.get(delivery_id)
            if row is None or not _claim(delivery_id):
                continue
            try:
                _send_one(row, renderers, mailer)
            except (channels.TransientError, channels.PermanentError) as exc:
                delivery = db.session.execute(select(Delivery).where(Delivery.id == delivery_id)).scalar_one()
                _failed_attempt(delivery, str(exc), permanent=isinstance(exc, channels.PermanentError))
            else:
                db.session.execute(update(Delivery).where(Delivery.id == delivery_id)
                                   .values(status="sent", sent_at=utcnow(), last_error=None, claimed_by=None)
                                   .execution_options(synchronize_session=False))
                sent += 1
    db.session.commit()
    return sent


def _send_one(row, renderers: dict, mailer: "channels.Mailer") -> None:
    """Send one delivery (`row`: the delivery's keys and its recipient's address and language)."""
    if row.event_id not in renderers:  # one renderer per event: each language rendered once per job
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.id == row.event_id)).scalar_one()
        renderers[row.event_id] = Renderer(event)
    message = renderers[row.event_id](row.locale)
    if row.channel == "email":
        if not row.email:
            raise channels.PermanentError("no e-mail address")
        channels.send_email(to=row.email, subject=message["subject"], text=message["text"], html=message["html"],
                            message_id=Delivery.message_id_of(row.community_id, row.event_id, row.user_id,
                                                              row.channel),
                            locale=row.locale or "zh_CN", mailer=mailer)
    elif row.channel == "sms":
        channels.sms_provider().send(row.phone or "", f"【互助】{message['subject']}")
    else:
        raise channels.PermanentError(f"unknown channel {row.channel}")


def _failed_attempt(delivery: Delivery, error: str, *, permanent: bool) -> None:
    delivery.last_error, delivery.claimed_by = error[:500], None
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
        _count_failure(delivery.community_id, +1)
        logger.warning("delivery %s failed for good: %s", delivery.id, error)
    else:
        delivery.status = "pending"
        delivery.send_after = utcnow() + BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
        logger.info("delivery %s will be retried: %s", delivery.id, error)


def _count_failure(community_id: int | None, change: int) -> None:
    key = f"deliveries_failed:{community_id or 0}"
    counter = db.session.get(OpsCounter, key)
    if counter is None:
        counter = OpsCounter(key=key, value=0)
        db.session.add(counter)
    counter.value = max(0, counter.value + change)


def failed_deliveries_total() -> int:
    return db.session.execute(
        select(func.coalesce(func.sum(OpsCounter.value), 0)).where(OpsCounter.key.like("deliveries_failed:%"))
    ).scalar_one()


def failed_count() -> int:
    """Undelivered messages of the current community, from the counter each failure keeps (no row read)."""
    counter = db.session.get(OpsCounter, f"deliveries_failed:{current_tenant_id() or 0}")
    return counter.value if counter is not None else 0


def list_failed(limit: int = 200) -> list[tuple[Delivery, User, OutboxEvent]]:
    return list(db.session.execute(
        select(Delivery, User, OutboxEvent).join(User, User.id == Delivery.user_id)
        .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
        .where(Delivery.status == "failed").order_by(Delivery.id.desc()).limit(limit)).all())


def get_failed(delivery_id: int) -> Delivery | None:
    return db.session.execute(
        select(Delivery).where(Delivery.id == delivery_id, Delivery.status == "failed")).scalar_one_or_none()


def retry_failed(delivery: Delivery) -> None:
    delivery.status, delivery.attempts, delivery.send_after = "pending", 0, utcnow()
    _count_failure(delivery.community_id, -1)
    db.session.flush()
    enqueue_after_commit(send_deliveries, [delivery.id], queue_name="notifications",
                         job_id=f"retry-{delivery.community_id or 0}-{delivery.id}-{int(utcnow().timestamp())}")


def discard_failed(delivery: Delivery) -> None:
    delivery.status = "discarded"
    _count_failure(delivery.community_id, -1)
    db.session.flush()


# --- sweeping -------------------------------------------------------------------------------------

def sweep() -> dict:
    """For the current tenant: events not fanned out, deliveries cut by a crash, retries that are due."""
    now = utcnow()
    stale = list(db.session.execute(select(OutboxEvent.id).where(
        OutboxEvent.status == "pending",
        OutboxEvent.created_at <= now - timedelta(seconds=current_app.config["OUTBOX_HANDOVER_SECONDS"]))).scalars())
    for event_id in stale:
        enqueue_after_commit(fan_out, event_id, queue_name="notifications",
                             job_id=f"fanout-{current_tenant_id() or 0}-{event_id}")
    cut = take_back_dead_claims()
    # The last resort: a 'sending' row this old was cut by a crash whoever holds it (no send takes minutes:
    # SMTP has a timeout), for claims whose holder cannot be judged (no name, in-process, Redis unreadable).
    stale_sending = timedelta(seconds=current_app.config["DELIVERY_STALE_SECONDS"])
    cut += db.session.execute(
        update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at <= now - stale_sending)
        .values(status="pending", claimed_by=None).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    due = enqueue_due_deliveries()
    return {"events": len(stale), "cut": cut, "due": due}


def take_back_dead_claims() -> int:
    """Deliveries left `sending` by a worker that is no longer alive go back to pending at once."""
    holders = set(db.session.execute(
        select(Delivery.claimed_by).where(Delivery.status == "sending", Delivery.claimed_by.is_not(None))
        .distinct()).scalars())
    dead = sorted(liveness.dead_holders(holders))
    if not dead:
        return 0
    held = [Delivery.status == "sending", Delivery.claimed_by.in_(dead)]
    ids = list(db.session.execute(select(Delivery.id).where(*held).order_by(Delivery.id)).scalars())
    taken = db.session.execute(
        update(Delivery).where(Delivery.id.in_(ids), *held)
        .values(status="pending", claimed_by=None).execution_options(synchronize_session=False)).rowcount
    logger.warning("took back %s deliveries held by dead worker(s) %s", taken, ", ".join(dead))
    for start in range(0, len(ids), SEND_CHUNK):  # before any backlog: the person has waited long enough
        chunk = ids[start:start + SEND_CHUNK]
        enqueue_after_commit(send_deliveries, chunk, queue_name="notifications", at_front=True,
                             job_id=f"reclaim-{current_tenant_id() or 0}-{chunk[0]}-{chunk[-1]}-{len(chunk)}")
    return taken


# --- reading --------------------------------------------------------------------------------------

def inbox_of(user_id: int, *, cursor_id: int | None = None, limit: int = 50, unread_only: bool = False):
    """A user's inbox across all their communities, newest first (their own rows only)."""
    stmt = select(InboxEntry).where(InboxEntry.user_id == user_id).execution_options(**unscoped())
    if unread_only:
        stmt = stmt.where(InboxEntry.read_at.is_(None))
    if cursor_id:
        stmt = stmt.where(InboxEntry.id < cursor_id)
    rows = list(db.session.execute(stmt.order_by(InboxEntry.id.desc()).limit(limit + 1)).scalars())
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def unread_count(user_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(InboxEntry)
        .where(InboxEntry.user_id == user_id, InboxEntry.read_at.is_(None)).execution_options(**unscoped())
    ).scalar_one()


def mark_read(user_id: int, entry_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the user's entries read; returns how many changed.

    A user may read their own entries in every community, but on PostgreSQL row-level security lets
    a row be written only in its own community's context: so find the communities, then update in each.
    """

    mine = [InboxEntry.user_id == user_id, InboxEntry.read_at.is_(None)]
    if entry_ids is not None:
        mine.append(InboxEntry.id.in_(entry_ids))
    communities = db.session.execute(
        select(InboxEntry.community_id).where(*mine).distinct().execution_options(**unscoped())).scalars().all()
    now, marked = utcnow(), 0
    for community_id in communities:
        with tenant_context(community_id):
            marked += db.session.execute(update(InboxEntry).where(*mine).values(read_at=now)
                                         .execution_options(synchronize_session=False)).rowcount
    return marked


# --- preferences ----------------------------------------------------------------------------------

def preferences_of(user) -> dict[str, dict[str, bool]]:
    """{category: {channel: enabled}} with defaults filled in."""

    saved = {(p.category, p.channel): p.enabled for p in db.session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
    defaults = {}
    for etype in EVENTS.values():
        for channel in etype.channels:
            defaults.setdefault((etype.category, channel), channel in etype.default_on)
    return {category: {channel: saved.get((category, channel), defaults.get((category, channel), False))
                       for channel in channels_list()} for category in CATEGORIES}


def channels_list() -> tuple[str, ...]:

    return CHANNELS


def set_preferences(user, choices: dict[str, dict[str, bool]], *, quiet_start=None, quiet_end=None,
                    quiet_set: bool = False) -> None:

    errors = {}
    for category, by_channel in choices.items():
        if category not in CATEGORIES:
            errors[category] = [_("Unknown category.")]
            continue
        for channel in by_channel:
            if channel not in CHANNELS:
                errors[f"{category}.{channel}"] = [_("Unknown channel.")]
    for name, value in (("quiet_start", quiet_start), ("quiet_end", quiet_end)):
        if value is not None and not (isinstance(value, int) and 0 <= value <= 23):
            errors[name] = [_("Must be between %(a)s and %(b)s.", a=0, b=23)]
    if errors:
        raise ValidationFailed(errors)
    existing = {(p.category, p.channel): p for p in db.session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
    for category, by_channel in choices.items():
        for channel, enabled in by_channel.items():
            pref = existing.get((category, channel))
            if pref is None:
                db.session.add(NotificationPreference(user_id=user.id, category=category, channel=channel,
                                                      enabled=bool(enabled)))
            else:
                pref.enabled = bool(enabled)
    if quiet_set:
        user.quiet_start, user.quiet_end = quiet_start, quiet_end
    db.session.flush()


# --- bounces --------------------------------------------------------------------------------------

MESSAGE_ID = re.compile(r"^<?huzhu-(\d+)-(\d+)-(\d+)-(\w+)@huzhu>?$")


def record_bounce(message_id: str, reason: str) -> int | None:
    """A bounce reported after the server accepted the message: the delivery becomes failed, visibly.

    The Message-ID names the community, event, user and channel, so the bounce finds its delivery
    without any lookup table. Returns the delivery's id, or None for a Message-ID not ours or not known.
    """

    match = MESSAGE_ID.match((message_id or "").strip())
    if not match:
        return None
    community_id, event_id, user_id, channel = int(match[1]) or None, int(match[2]), int(match[3]), match[4]
    with tenant_context(community_id):
        delivery = db.session.execute(select(Delivery).where(
            Delivery.event_id == event_id, Delivery.user_id == user_id, Delivery.channel == channel)
        ).scalar_one_or_none()
        if delivery is None:
            return None
        if delivery.status != "failed":
            delivery.status, delivery.last_error = "failed", f"bounced: {reason}"[:500]
            _count_failure(delivery.community_id, +1)
        delivery_id = delivery.id
        db.session.commit()
    return delivery_id  # a plain id: outside its community the row is not readable (RLS)


@signals.password_reset_requested.connect
def _send_reset_code(user, *, code: str, minutes: int) -> None:
    """An account message belongs to no community: it goes out through the platform's own outbox."""
    emit("account.password_reset", audience=to_users(user.id), payload={"code": code, "minutes": minutes})


def entry_links(entries) -> dict[int, str]:
    """Where each inbox entry leads: its link is relative to its community."""
    ids = {e.community_id for e in entries if e.community_id}
    slugs = dict(db.session.execute(select(Community.id, Community.slug).where(Community.id.in_(ids))).all()) \
        if ids else {}
    links = {}
    for entry in entries:
        if entry.link and entry.community_id in slugs:
            links[entry.id] = f"/c/{slugs[entry.community_id]}{entry.link}"
    return links
