"""Who may see a photo: each owning domain says it for its own photos; what nobody registered, nobody sees."""
import logging
from collections.abc import Callable

from tenants.models import Membership

logger = logging.getLogger(__name__)

VIEWERS: dict[str, Callable[[Membership, int, object], bool]] = {}
PUBLIC_OWNERS: dict[str, Callable[[int], bool]] = {}


def viewer(owner_type: str):
    """Register `may_view(membership, owner_id, photo) -> bool` for the photos of one kind of owner. The rule
    decides for the owner: a list of its photos asks it once (`visible`)."""

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


def visible(membership: Membership | None, photos: list) -> list:
    """The photos this member (None: a visitor) may see, asking each owner's rule once, not once per photo (a
    record's twenty photos have one owner: one answer)."""
    answers: dict[tuple[str, int], bool] = {}
    kept = []
    for photo in photos:
        key = (photo.owner_type, photo.owner_id)
        if key not in answers:
            rule = VIEWERS.get(photo.owner_type) if membership is not None else None
            answers[key] = bool(rule is not None and rule(membership, photo.owner_id, photo))
        if answers[key] or is_public(photo):
            kept.append(photo)
    return kept


def is_public(photo) -> bool:
    """A photo marked public, of an owner that is itself public."""
    if not photo.public:
        return False
    rule = PUBLIC_OWNERS.get(photo.owner_type)
    return bool(rule is not None and rule(photo.owner_id))
