"""Who may see a photo: each owning domain says it for its own photos; what nobody registered, nobody sees."""
import logging
from collections.abc import Callable

from tenants.models import Membership

logger = logging.getLogger(__name__)

VIEWERS: dict[str, Callable[[Membership, int, object], bool]] = {}
PUBLIC_OWNERS: dict[str, Callable[[int], bool]] = {}


def viewer(owner_type: str):
    """Register `may_view(membership, owner_id, photo) -> bool` for the photos of one kind of owner."""

    def register(func):
        VIEWERS[owner_type] = func
        return func

    return register


def public_owner(owner_type: str):
    """Register `is_public(owner_id) -> bool`: whether the owner is shown on a public page, where its photos
    marked public may then be seen by visitors."""

    def register(func):
        PUBLIC_OWNERS[owner_type] = func
        return func

    return register


def may_view(membership: Membership | None, photo) -> bool:
    """Whether this member (None: a visitor) may see the photo."""
    if membership is not None:
        rule = VIEWERS.get(photo.owner_type)
        if rule is not None and rule(membership, photo.owner_id, photo):
            return True
    return is_public(photo)


def is_public(photo) -> bool:
    """A photo marked public, of an owner that is itself public."""
    if not photo.public:
        return False
    rule = PUBLIC_OWNERS.get(photo.owner_type)
    return bool(rule is not None and rule(photo.owner_id))
