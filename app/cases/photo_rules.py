"""Who sees a case's photos: the staff and the units it names; visitors see those marked public while the case
is published (on its public page and the honour roll)."""
import logging

from app import photos
from app.cases import services
from app.cases.models import PHOTO_OWNER
from app.permissions import can
from tenants.models import Membership

logger = logging.getLogger(__name__)


@photos.viewer(PHOTO_OWNER)
def may_view_case_photo(membership: Membership, owner_id: int, photo) -> bool:
    case = services.get_case(owner_id)
    return case is not None and can("cases.view", case, membership)


@photos.public_owner(PHOTO_OWNER)
def case_is_public(owner_id: int) -> bool:
    return services.published_case(owner_id) is not None
