"""What the door pages read besides the rules in services.py: a registrant's place on the waiting list, the
registrations one account holds for an activity, and the QR code a place carries (inline SVG)."""
import logging

import segno
from sqlalchemy import func, or_, select

from app.activities.models import Registration
from app.core.extensions import db
from app.residents.models import Resident

logger = logging.getLogger(__name__)


def waiting_position(registration: Registration) -> int | None:
    """Where a waiting registrant stands on the list (1: the next to be offered a place)."""
    if registration.status != "waiting":
        return None
    ahead = db.session.execute(select(func.count()).select_from(Registration).where(
        Registration.activity_id == registration.activity_id, Registration.status == "waiting",
        Registration.id < registration.id)).scalar_one()
    return ahead + 1


def held_for(activity_id: int, user_id: int) -> list[Registration]:
    """The registrations of one activity this account signed up or holds as a resident (themself, family),
    newest first — one query."""
    held = select(Resident.id).where(Resident.account_id == user_id)
    return list(db.session.execute(select(Registration).where(
        Registration.activity_id == activity_id,
        or_(Registration.registered_by_id == user_id, Registration.resident_id.in_(held)))
        .order_by(Registration.id.desc())).scalars())


def is_registrant(activity_id: int, user_id: int) -> bool:
    """Whether the account signed someone up for the activity, or is the account of a resident signed up."""
    held = select(Resident.id).where(Resident.account_id == user_id)
    return db.session.execute(select(Registration.id).where(
        Registration.activity_id == activity_id,
        or_(Registration.registered_by_id == user_id, Registration.resident_id.in_(held))).limit(1)).first() \
        is not None


def qr_svg(content: str, *, label: str, css_class: str = "qr") -> str:
    """The QR code of `content` as an inline <svg> that scales with its box (a viewBox, no inline styles: the
    page's CSP), named for screen readers by `label`."""
    svg = segno.make(content, error="m").svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True,
                                                    svgclass=css_class, lineclass=None)
    safe = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{safe}" focusable="false" ', 1)


def code_from(typed: str) -> str:
    """What the door's scanner or keyboard sent: the code itself, or the whole address the QR code opens."""
    typed = (typed or "").strip()
    if "/check-in/" in typed:
        typed = typed.rsplit("/check-in/", 1)[1]
    return typed.split("?", 1)[0].split("#", 1)[0].strip("/ ")
