"""Who sees the photos of an activity's record: the staff, its organisers and its registrants (those who signed
someone up, and the residents signed up). Public ones on the public calendar are the calendar's rule."""
import logging

from app import photos
from app.activities import door, services
from app.permissions import can
from tenants.models import Membership

logger = logging.getLogger(__name__)


@photos.viewer(services.PHOTO_OWNER)
def may_view_record_photo(membership: Membership, owner_id: int, photo) -> bool:
    activity = services.get_activity(owner_id)
    if activity is None:
        return False
    return can("activities.organise", activity, membership) or door.is_registrant(activity.id, membership.user_id)
