"""Commendation pages: the campaigns (council and staff), a new campaign, one campaign with its formula, its frozen
evidence scored, its nominations, its ballot and results; the weights; a nomination with its citation; a unit's
awards with their certificates. The today page, the council's home and the digest say what waits; the yearbook
has the year's awards."""
import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import yearbook
from app.accounts import services as accounts
from app.ballots import services as ballots
from app.commendations import schemas, services
from app.commendations.certificate import certificate_pdf
from app.commendations.vocabulary import CATEGORY_SUGGESTIONS, HISTORY_LABELS, STATUS_LABELS, fact_label
from app.core import pdf
from app.fund import links
from app.lifecycle import PageForm, redirect_refusals_to
from app.permissions import can, found, require
from app.sections import digest, section
from app.units import services as units
from tenants import clock
from tenants.web import current_community, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("commendations", __name__, url_prefix="/c/<slug>/commendations"))


@bp.context_processor
def _labels():
    return {"COMMENDATION_STATUS": STATUS_LABELS, "COMMENDATION_HISTORY": HISTORY_LABELS, "fact_label": fact_label,
            "FACTS": services.facts()}


def verify_url(award) -> str:
    return url_for("honours.verify", certificate_code=award.code, _external=True)


# --- what waits -----------------------------------------------------------------------------------

WAITING = (("commendations_nominating", _l("Commendations waiting for nominations")),
           ("commendations_ballot_due", _l("Commendations with a ballot to open")),
           ("commendations_to_announce", _l("Commendation results to announce")))


def _waiting() -> dict | None:
    counts = services.counts()
    rows = [{"key": key, "label": str(label), "count": counts[key]} for key, label in WAITING if counts[key]]
    if not rows:
        return None
    return {"rows": rows, "count": sum(r["count"] for r in rows), "title": _("Commendations")}


def _items(context: dict) -> dict:
    return {"title": context["title"], "url": url_for("commendations.index"), "count": context["count"],
            "items": [{"id": r["key"], "title": r["label"], "count": r["count"]} for r in context["rows"]]}


@section("commendations", page="today", order=70, template="commendations/_today.html",
         permission="commendations.announce", data=_items)
def _today():
    """Staff: a campaign waiting for nominations, a ballot to open, results to announce."""
    return _waiting()


@section("commendations", page="council", order=40, template="commendations/_today.html",
         permission="commendations.run", data=_items)
def _council_home():
    return _waiting()


@section("commendations", page="unit", order=80, template="commendations/_unit_home.html", permission="home.unit")
def _unit_home():
    """A unit's desk: the awards of the units it represents, with their certificates."""
    mine = services.awards_of_units(units.represented_unit_ids(current_user.id))
    return {"mine": mine} if mine else None


@digest
def _digest_counts():
    return services.counts()


def _street_figures(awards: int) -> list[yearbook.Figure]:
    return [yearbook.Figure("awards", _("Units commended"), awards, _("units"), street=True)] if awards else []


def _street(year: int) -> yearbook.StreetQuery:
    """The street's figure alone: the year's announced awards counted (services.awards_of_year_select)."""
    return yearbook.StreetQuery(services.awards_of_year_select(year), lambda row: _street_figures(int(row[0] or 0)))


@yearbook.part("commendations", order=90, title=_l("Commendations"), street=_street)
def _yearbook(year: int) -> yearbook.Part | None:
    """The year's announced awards: category, unit, votes."""
    roll = services.honour_roll(year)
    if not roll:
        return None
    rows = [[entry["campaign"].category, award.unit_name, award.votes]
            for y in roll for entry in y["categories"] for award in entry["awards"]]
    return yearbook.Part(
        figures=[*_street_figures(len(rows)),
                 yearbook.Figure("award_categories", _("Award categories"), len(roll[0]["categories"]))],
        tables=[yearbook.Table("awards", _("Awards of the year"), [_("Award"), _("Unit"), _("Votes")], rows)])


@links.kind("award", label=_l("Award"))
def _award_link(award_id: int) -> links.Linked | None:
    """What a fund expense that pays for an award names: the award and its campaign's page."""
    award = services.get_award(award_id)
    if award is None:
        return None
    campaign = services.get(award.campaign_id)
    return links.Linked(f"{campaign.title} · {award.unit_name}", f"/commendations/{award.campaign_id}")


# --- the campaigns --------------------------------------------------------------------------------

@bp.get("/")
def index():
    """The council's and the staff's campaigns (newest first); a unit's own awards and certificates."""
    if not can("commendations.view") and not can("commendations.mine"):
        require("commendations.view")
    campaigns, next_cursor, counts = [], None, {}
    if can("commendations.view"):
        campaigns, next_cursor = services.page_campaigns(cursor=request.args.get("cursor") or None, limit=50)
        counts = services.nomination_counts(c.id for c in campaigns)
    mine = services.awards_of_units(units.represented_unit_ids(current_user.id)) \
        if can("commendations.mine") else []
    return render_template("commendations/index.html", campaigns=campaigns, next_cursor=next_cursor,
                           nomination_counts=counts, mine=mine)


@bp.route("/new", methods=["GET", "POST"])
def new():
    require("commendations.run")
    form = PageForm(schemas.CampaignIn, initial={"year": clock.today().year, "awards": 3, "max_choices": 3})
    if form.valid:
        campaign = services.create(actor_id=current_user.id, **form.data)
        flash(_("Campaign “%(title)s” created. Check the formula, then open it.", title=campaign.title), "success")
        return redirect(url_for("commendations.weights", campaign_id=campaign.id))
    return render_template("commendations/new.html", values=form.values, errors=form.errors,
                           suggestions=[str(s) for s in CATEGORY_SUGGESTIONS])


def _campaign(campaign_id: int, action: str = "commendations.view"):
    return found(services.get(campaign_id), action)


def _render(campaign, *, ballot_form: PageForm | None = None):
    noms = services.nominations(campaign)
    # A ballot past its close is closed on reading (the job may not have run yet): the results show at once.
    ballot = ballots.get_current(campaign.ballot_id) if campaign.ballot_id else None
    awards = services.awards_of(campaign)
    rows = services.scores(campaign)
    changes = services.history_of(campaign)
    nominated = {n.unit_id for n in noms}
    return render_template(
        "commendations/detail.html", campaign=campaign, changes=changes, nominations=noms, ballot=ballot,
        scores=rows, nominated=nominated, results=services.results(campaign), awards=awards,
        formula=services.formula(campaign), formula_text=services.formula_text(campaign),
        names={r["unit_id"]: r["name"] for r in rows},
        actors=accounts.user_names([c.actor_id for c in changes] + [n.nominated_by_id for n in noms]),
        ballot_values=ballot_form.values if ballot_form else {"days": 7, "secret": True, "quorum_pct": 50},
        ballot_errors=ballot_form.errors if ballot_form else {},
        run=can("commendations.run"), nominate=can("commendations.nominate"),
        announce=can("commendations.announce"))


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int):
    return _render(_campaign(campaign_id))


def _back(campaign_id: int) -> str:
    url = url_for("commendations.detail", campaign_id=campaign_id)
    redirect_refusals_to(url)
    return url


@bp.route("/<int:campaign_id>/weights", methods=["GET", "POST"])
def weights(campaign_id: int):
    """The formula: one weight per fact, the awards and the choices per voter; re-scoring reads the same snapshot."""
    campaign = _campaign(campaign_id, "commendations.run")
    initial = {key: campaign.weights.get(key, 0) for key in services.facts()}
    initial |= {"awards": campaign.awards, "max_choices": campaign.max_choices}
    form = PageForm(schemas.WeightsForm, initial=initial)
    if form.valid:
        data = dict(form.data)
        services.update(campaign, awards=data.pop("awards"), max_choices=data.pop("max_choices"),
                        actor_id=current_user.id)
        services.set_weights(campaign, data, actor_id=current_user.id)
        flash(_("The formula is saved; the scores follow it."), "success")
        return redirect(url_for("commendations.detail", campaign_id=campaign_id, _anchor="scores"))
    return render_template("commendations/weights.html", campaign=campaign, values=form.values, errors=form.errors,
                           formula_text=services.formula_text(campaign))


@bp.post("/<int:campaign_id>/open")
def open_campaign(campaign_id: int):
    campaign = _campaign(campaign_id, "commendations.run")
    url = _back(campaign_id)
    services.open_campaign(campaign, actor_id=current_user.id)
    flash(_("The campaign is open; every member is told."), "success")
    return redirect(url)


@bp.post("/<int:campaign_id>/score")
def score(campaign_id: int):
    campaign = _campaign(campaign_id, "commendations.run")
    url = _back(campaign_id)
    services.score(campaign, actor_id=current_user.id)
    flash(_("The evidence is frozen and scored; nominations are open."), "success")
    return redirect(url + "#scores")


@bp.post("/<int:campaign_id>/refresh")
def refresh(campaign_id: int):
    campaign = _campaign(campaign_id, "commendations.run")
    url = _back(campaign_id)
    services.refresh(campaign, actor_id=current_user.id)
    flash(_("A new snapshot of the evidence is taken."), "success")
    return redirect(url + "#scores")


@bp.route("/<int:campaign_id>/nominate", methods=["GET", "POST"])
def nominate(campaign_id: int):
    """Nominate a unit of the evidence with a citation (推荐理由)."""
    campaign = _campaign(campaign_id, "commendations.nominate")
    if campaign.status != "scored":
        flash(_("Nominations are open once the campaign is scored and until the ballot opens."), "error")
        return redirect(url_for("commendations.detail", campaign_id=campaign_id))
    form = PageForm(schemas.NominationIn, initial={"unit_id": request.args.get("unit_id", "")})
    if form.valid:
        services.nominate(campaign, actor_id=current_user.id, **form.data)
        flash(_("The nomination is recorded."), "success")
        return redirect(url_for("commendations.detail", campaign_id=campaign_id, _anchor="nominations"))
    taken = {n.unit_id for n in services.nominations(campaign)}
    choices = [r for r in services.scores(campaign) if r["unit_id"] not in taken]
    return render_template("commendations/nominate.html", campaign=campaign, choices=choices, values=form.values,
                           errors=form.errors)


@bp.post("/<int:campaign_id>/nominations/<int:nomination_id>/withdraw")
def withdraw(campaign_id: int, nomination_id: int):
    campaign = _campaign(campaign_id, "commendations.run")
    nomination = found(services.get_nomination(nomination_id))
    if nomination.campaign_id != campaign.id:
        found(None)
    url = _back(campaign_id)
    services.withdraw_nomination(campaign, nomination, actor_id=current_user.id)
    flash(_("The nomination is withdrawn."), "success")
    return redirect(url + "#nominations")


@bp.post("/<int:campaign_id>/ballot")
def open_ballot(campaign_id: int):
    campaign = _campaign(campaign_id, "commendations.run")
    _back(campaign_id)
    form = PageForm(schemas.CommendationBallotIn, shows_refusals=False)
    if not form.valid:
        return _render(campaign, ballot_form=form), 422
    ballot = services.open_ballot(campaign, actor_id=current_user.id, **form.data)
    flash(_("The ballot is open; the council and the representatives are asked to vote."), "success")
    return redirect(url_for("ballots.show", ballot_id=ballot.id))


@bp.post("/<int:campaign_id>/announce")
def announce(campaign_id: int):
    campaign = _campaign(campaign_id, "commendations.announce")
    url = _back(campaign_id)
    made = services.announce(campaign, actor_id=current_user.id)
    flash(_("%(n)s awards announced; the honour roll shows them and every member is told.", n=len(made)), "success")
    return redirect(url + "#awards")


@bp.get("/awards/<int:award_id>/certificate.pdf")
def certificate(award_id: int):
    award = found(services.get_award(award_id), "commendations.certificate")
    campaign = services.get(award.campaign_id)
    data = certificate_pdf(award, campaign, community=current_community().name, verify_url=verify_url(award))
    return pdf.response(data, f"certificate-{award.number}.pdf")
