"""Reasons and labels in the reader's language: "距离 350 米 · 午餐余量 12 份 · 评分 4.8"."""
from flask_babel import gettext as _

from app.core.kinds import SLOT_LABELS


def reason_text(reason: dict) -> str:
    code = reason.get("code")
    if code == "distance":
        return _("%(m)s m away", m=reason["m"])
    if code == "left":
        if reason.get("kind") == "meal" and reason.get("slot"):
            return _("%(slot)s: %(n)s meals left", slot=SLOT_LABELS.get(reason["slot"], reason["slot"]),
                     n=reason["n"])
        return _("%(n)s places left", n=reason["n"])
    if code == "rating":
        return _("rated %(r)s", r=reason["r"])
    if code == "neighbour":
        return _("neighbouring community %(name)s", name=reason.get("community", ""))
    if code == "priority":
        return _("priority resident")
    return code or ""


def reasons_text(reasons: list) -> str:
    return " · ".join(reason_text(r) for r in reasons)
