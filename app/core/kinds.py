"""Kinds of need and offer, and how each kind counts capacity."""
from flask_babel import lazy_gettext as _l

KINDS = ("meal", "venue", "job", "training", "rehab", "legal", "health", "volunteer", "public_works", "other")
KIND_LABELS = {
    "meal": _l("Meals (助餐)"), "venue": _l("Venue (场地)"), "job": _l("Job (就业)"), "training": _l("Training (培训)"),
    "rehab": _l("Rehabilitation and assistive devices (康复辅具)"), "legal": _l("Legal aid (法律援助)"),
    "health": _l("Health check (体检)"), "volunteer": _l("Volunteer help (志愿服务)"),
    "public_works": _l("Public works (市政)"), "other": _l("Other"),
}
MEAL_SLOTS = ("breakfast", "lunch", "dinner")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT_LABELS = {"breakfast": _l("Breakfast"), "lunch": _l("Lunch"), "dinner": _l("Dinner")}

# How capacity is counted: per day and meal slot, per day for venues (headcount), or once in all.
CAPACITY_PER = {"meal": "slot", "venue": "day"}
CAPACITY_UNIT_LABELS = {"meal": _l("meals per slot per day"), "venue": _l("people at a time"),
                        "job": _l("positions"), "training": _l("seats")}


def occurrence_key(kind: str, day, slot: str | None) -> str:
    """Which capacity counter a booking uses: a meal slot of a day, a venue's day, or the whole offer."""
    per = CAPACITY_PER.get(kind)
    if per == "slot":
        return f"{day.isoformat()}:{slot}"
    if per == "day":
        return day.isoformat()
    return "all"
