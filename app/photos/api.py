"""Photos API: /api/v1/c/<slug>/photos/<id> — what a photo is (its alt text, size, addresses of the picture and
its thumbnail), to who may see it. Photos are added through their owner's endpoints (an activity's record)."""
import logging

from flask_smorest import Blueprint

from app.permissions import found
from app.photos import schemas, services
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("photos_api", __name__, url_prefix="/api/v1/c/<slug>/photos",
                              description="Photos people uploaded (activity records, receipts, case stories): "
                                          "checked, stripped of EXIF and GPS, each with its alt text"))


@blp.get("/<int:photo_id>")
@blp.response(200, schemas.PhotoOut)
def get_photo(photo_id: int):
    """One photo, when the owning record lets the member see it (404 otherwise)."""
    return found(services.visible_photo(photo_id))
