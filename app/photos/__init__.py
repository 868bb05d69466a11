"""Photos people upload (an activity's record, a receipt, a case story): checked by content, cleaned of
their metadata, stored under UPLOAD_DIR per community and served only to who may see them.

The domain a photo belongs to says who that is: `@photos.viewer("activity_record")` registers
`may_view(membership, owner_id, photo) -> bool` (nobody else: default deny), and `@photos.public_owner(...)`
registers `is_public(owner_id) -> bool` for owners whose public photos visitors may see on public pages.

A view that takes photos is marked `@photos.accepts_uploads` (under its route): its requests may be as large
as the photos allowed (app/photos/uploads.py); every other route keeps MAX_CONTENT_LENGTH.
"""
from app.photos.registry import is_public, may_view, public_owner, viewer
from app.photos.uploads import accepts_uploads, upload_limit

__all__ = ["accepts_uploads", "is_public", "may_view", "public_owner", "upload_limit", "viewer"]
