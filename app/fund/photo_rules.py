"""Who sees an expense's receipt (a photo or scan): whoever may see the fund's books (the staff, the council)."""
import logging

from app import photos
from app.fund import services
from app.permissions import can
from tenants.models import Membership

logger = logging.getLogger(__name__)


@photos.viewer(services.PHOTO_OWNER)
def may_view_receipt(membership: Membership, owner_id: int, photo) -> bool:
    return services.get_expense(owner_id) is not None and can("fund.view", None, membership)
