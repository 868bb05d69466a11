"""Referral pages: what neighbouring communities of the street ask of us, what we referred to them,
taking one on and withdrawing one."""
import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import services as accounts
from app.core.vocabulary import labels
from app.lifecycle import redirect_refusals_to, retry_when_locked
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
    referral = found(referrals.get_referral(referral_id), "referrals.view")
    item = referrals.described([referral])[0]
    tz = clock.zone()
    contact = accounts.user_contacts([referral.created_by_id]).get(referral.created_by_id)
    return render_template("referrals/detail.html", item=item, r=referral, window=local_window(referral, tz),
                           contact=contact)


@bp.post("/<int:referral_id>/take")
@retry_when_locked
def take(referral_id: int):
    """Take the referral on: a need is registered here and the chosen offer proposed to its unit."""
    referral = found(referrals.get_referral(referral_id), "referrals.take")
    redirect_refusals_to(url_for("referrals.detail", referral_id=referral_id))
    need = referrals.take(referral, actor_id=current_user.id)
    flash(_("Taken on; the need is registered here and the unit is asked."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.post("/<int:referral_id>/withdraw")
@retry_when_locked
def withdraw(referral_id: int):
    referral = found(referrals.get_referral(referral_id), "referrals.withdraw")
    redirect_refusals_to(url_for("referrals.detail", referral_id=referral_id))
    referrals.withdraw(referral, actor_id=current_user.id)
    flash(_("Withdrawn; the need waits here again."), "success")
    return redirect(url_for("referrals.detail", referral_id=referral_id))
