"""Referral pages: what neighbouring communities of the street ask of us, what we referred to them,
taking one on and withdrawing one."""
import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.core.database import retry_when_locked
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.core.vocabulary import labels
from app.needs.services import local_window
from app.permissions import found, require
from app.referrals import services as referrals
from app.sections import section
from tenants import clock
from tenants.street import street_of
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("referrals", __name__, url_prefix="/c/<slug>/referrals"))


@bp.context_processor
def _labels():
    return labels()


@section("referral", page="need", order=10, template="referrals/_need.html", permission="matching.propose")
def _need_part(need):
    referral = referrals.live_referral_of(need)
    return None if referral is None else labels() | {"referral": referral}


@section("referrals", page="today", order=20, template="referrals/_today.html", permission="matching.confirm")
def _today():
    return labels() | {"referrals": referrals.incoming()}


def _referral_or_404(referral_id: int, action: str = "referrals.view"):
    return found(referrals.get_referral(referral_id), action)


@bp.get("/")
def index():
    """Incoming (from the neighbours of the street) and outgoing (referred from here), newest first."""
    require("referrals.view")
    return render_template("referrals/index.html",
                           incoming=referrals.described(referrals.list_referrals(box="incoming")),
                           outgoing=referrals.described(referrals.list_referrals(box="outgoing")),
                           has_street=street_of(current_community().id) is not None)


@bp.get("/<int:referral_id>")
def detail(referral_id: int):
    referral = _referral_or_404(referral_id)
    item = referrals.described([referral])[0]
    tz = clock.zone()
    contact = accounts.user_contacts([referral.created_by_id]).get(referral.created_by_id)
    return render_template("referrals/detail.html", item=item, r=referral, window=local_window(referral, tz),
                           contact=contact)


def _act(referral_id: int, step, done: str, action: str):
    @retry_when_locked
    def run():
        referral = _referral_or_404(referral_id, action)
        result = step(referral)
        db.session.commit()
        return result

    try:
        result = run()
        flash(done, "success")
        return result
    except (Conflict, ValidationFailed) as err:
        db.session.rollback()
        flash(getattr(err, "message", None) or "; ".join(m for ms in err.fields.values() for m in ms), "error")
        return None


@bp.post("/<int:referral_id>/take")
def take(referral_id: int):
    """Take the referral on: a need is registered here and the chosen offer proposed to its unit."""
    need = _act(referral_id, lambda r: referrals.take(r, actor_id=current_user.id),
                _("Taken on; the need is registered here and the unit is asked."), "referrals.take")
    if need is not None:
        return redirect(url_for("needs.detail", need_id=need.id))
    return redirect(url_for("referrals.detail", referral_id=referral_id))


@bp.post("/<int:referral_id>/withdraw")
def withdraw(referral_id: int):
    _act(referral_id, lambda r: referrals.withdraw(r, actor_id=current_user.id),
         _("Withdrawn; the need waits here again."), "referrals.withdraw")
    return redirect(url_for("referrals.detail", referral_id=referral_id))

