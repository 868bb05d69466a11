"""Yearly review API: /api/v1/c/<slug>/reviews — the council's review of the member units, one a year: every
unit's year of contribution and a decision (keep, warn, drop) with its reason; closing makes them take effect."""
import logging

from flask_login import current_user
from flask_smorest import Blueprint

from app.core.apidoc import collection_schema
from app.permissions import found, require
from app.reviews import schemas, services
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("reviews_api", __name__, url_prefix="/api/v1/c/<slug>/reviews",
                              description="The council's yearly review of the member units (年度评议): each unit's "
                                          "matches served, ratings, meals served and offers; keep / warn / drop"))
ReviewList = collection_schema(schemas.ReviewOut, "ReviewList")


def _review(review_id: int, action: str):
    return found(services.get_review(review_id), action)


@blp.get("")
@blp.response(200, ReviewList)
def list_reviews():
    """Every review, the latest year first (council and staff)."""
    require("reviews.view")
    return {"items": services.list_reviews(), "next_cursor": None}


@blp.post("")
@blp.arguments(schemas.ReviewOpenIn)
@blp.response(201, schemas.ReviewDetailOut)
@blp.alt_response(409, description="The year already has a review")
def open_review(args):
    """Open the year's review: every unit active now is listed (the list is frozen). 422 for a year before 2000 or
    after the current one, 409 when the year already has its review."""
    require("reviews.run")
    return services.detail(services.open_review(args["year"], actor_id=current_user.id))


@blp.get("/<int:review_id>")
@blp.response(200, schemas.ReviewDetailOut)
def get_review(review_id: int):
    """A review with its units: their figures for the year (live while it is open, as stored at closing after),
    the flagged ones (nothing in the year) and the decisions."""
    return services.detail(_review(review_id, "reviews.view"))


@blp.post("/<int:review_id>/entries/<int:entry_id>")
@blp.arguments(schemas.DecisionIn)
@blp.response(200, schemas.ReviewEntryOut)
@blp.alt_response(409, description="The review is closed")
def decide(args, review_id: int, entry_id: int):
    """Decide on one unit: keep, warn or drop; warn and drop need a reason (422 without). It may be changed while
    the review is open (409 once it is closed); it takes effect when the review closes."""
    review = _review(review_id, "reviews.run")
    entry = found(services.get_entry(review, entry_id))
    services.decide(review, entry, args["decision"], args["reason"], actor_id=current_user.id)
    return next(row for row in services.entry_rows(review) if row["id"] == entry.id)


@blp.post("/<int:review_id>/close")
@blp.response(200, schemas.ReviewDetailOut)
@blp.alt_response(409, description="Units are still undecided, or the review is already closed")
def close(review_id: int):
    """Close the review when every unit is decided (409 otherwise): the figures are stored with each entry, a
    dropped unit is withdrawn (its offers close) and its representatives and the staff told, a warned unit's
    representatives told."""
    review = _review(review_id, "reviews.run")
    services.close_review(review, actor_id=current_user.id)
    return services.detail(review)
