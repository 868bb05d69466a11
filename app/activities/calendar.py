"""The public calendar of activities: what a visitor may see of the community's public activities (a month back,
three months ahead) — title, kind, time, place or venue with its accessibility facts, the organising unit, the
places left; for a closed one its record text and the photos marked public. Never anyone's name or phone.

Also the rule that lets visitors see an activity's photos marked public: the activity is public and shown."""
import logging
from collections import defaultdict
from datetime import timedelta

from flask_babel import gettext as _

from app.activities import services
from app.activities.models import SHOWN, Activity
from app.activities.vocabulary import KIND_LABELS
from app.core.fields import as_utc
from app.photos import registry as photo_rules
from app.photos import services as photos
from app.units import services as units
from app.venues import services as venues
from tenants import clock

logger = logging.getLogger(__name__)

DAYS_BACK, DAYS_AHEAD = 30, 90


@photo_rules.public_owner(services.PHOTO_OWNER)
def activity_is_public(activity_id: int) -> bool:
    """A visitor may see an activity's photos marked public while the activity is public and shown."""
    activity = services.get_activity(activity_id)
    return activity is not None and bool(activity.public) and activity.status in SHOWN


def shown_activity(activity_id: int) -> Activity | None:
    """The activity when the public calendar shows it (None otherwise: a private or proposed one is not found)."""
    return services.get_activity(activity_id) if activity_is_public(activity_id) else None


def public_activities() -> list[Activity]:
    now = clock.utcnow()
    return services.list_activities(public_only=True, since=now - timedelta(days=DAYS_BACK),
                                    until=now + timedelta(days=DAYS_AHEAD), limit=500)


def calendar_rows(activities: list[Activity]) -> list[dict]:
    """The activities by month and day (community time), each with what the page shows — in a fixed number of
    queries however many there are (the venues, the unit names, the photos: one each)."""
    venue_by_id = {v.id: v for v in venues.venues_of(a.venue_id for a in activities if a.venue_id)}
    unit_names = units.names_of(a.organiser_unit_id for a in activities if a.organiser_unit_id)
    closed = [a.id for a in activities if a.status == "closed"]
    pictures = photos.photos_of(services.PHOTO_OWNER, closed) if closed else {}
    months: dict = defaultdict(lambda: defaultdict(list))
    for activity in activities:
        starts, ends = services.local(activity.starts_at), services.local(activity.ends_at)
        venue = venue_by_id.get(activity.venue_id)
        months[(starts.year, starts.month)][starts.date()].append({
            "activity": activity, "starts": starts, "ends": ends, "kind": KIND_LABELS.get(activity.kind, activity.kind),
            "venue": venue, "place": venue.name if venue else activity.place,
            "unit": unit_names.get(activity.organiser_unit_id) if activity.organiser_unit_id else None,
            "free": activity.free_places if activity.status in ("approved", "scheduled") else None,
            "record": activity.record_text if activity.status == "closed" else "",
            "photos": [p for p in pictures.get(activity.id, []) if p.public] if activity.status == "closed" else [],
        })
    return [{"year": y, "month": m, "days": sorted(days.items())} for (y, m), days in sorted(months.items())]


def ical_feed(activities: list[Activity], *, name: str, host: str, page_url: str) -> bytes:
    """Public activities as iCalendar (RFC 5545): times in UTC, where, a link to the calendar; no one's name."""
    from icalendar import Calendar, Event  # a feed's library, needed only here

    venue_by_id = {v.id: v for v in venues.venues_of(a.venue_id for a in activities if a.venue_id)}
    now = clock.utcnow()
    feed = Calendar()
    feed.add("prodid", "-//Huzhu//activities//ZH")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", name)
    feed.add("x-wr-timezone", str(clock.zone()))
    for activity in activities:
        venue = venue_by_id.get(activity.venue_id)
        event = Event()
        event.add("uid", f"activity-{activity.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", as_utc(activity.starts_at))
        event.add("dtend", as_utc(activity.ends_at))
        event.add("summary", activity.title)
        event.add("location", venue.name if venue else (activity.place or _("To be announced")))
        event.add("categories", [str(KIND_LABELS.get(activity.kind, activity.kind))])
        event.add("url", f"{page_url}#activity-{activity.id}")
        feed.add_component(event)
    return feed.to_ical()
