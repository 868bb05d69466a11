"""Adding, finding and deleting photos. The rules: every file checked by its content and cleaned before
anything is stored, an alt text and the uploader's confirmation of consent for each, limits on size and
count; every problem told at once, per file, and nothing saved when anything is wrong."""
import logging
import secrets
from collections import defaultdict

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import images
from app.core.extensions import db
from app.core.validation import ValidationFailed, text_problems
from app.photos import storage
from app.photos.models import ALT_MAX, Photo
from app.photos.registry import may_view
from tenants.context import current_tenant_id
from tenants.web import current_membership

logger = logging.getLogger(__name__)


def _limits() -> tuple[int, int, int]:
    config = current_app.config
    return config["UPLOAD_MAX_BYTES"], config["UPLOAD_MAX_FILES"], config["UPLOAD_MAX_PIXELS"]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}" if size >= 1024 * 1024 else f"{size / (1024 * 1024):.2f}"


def add_photos(owner_type: str, owner_id: int, files: list[tuple[str, bytes]], alts: list[str], consent: bool,
               actor_id: int | None, public: bool = False) -> list[Photo]:
    """Store the photos of one owner. `files` are (the name the uploader gave, the bytes) — the name is never
    used, the content decides; `alts[i]` describes `files[i]`. Refuses with messages under `photos` (the
    whole upload), `photos.<i>` (a file), `alts.<i>` and `consent`; stores nothing then."""
    max_bytes, max_files, max_pixels = _limits()
    errors: dict[str, list[str]] = {}
    if not files:
        errors["photos"] = [_("Choose at least one photo.")]
    else:
        already = db.session.execute(select(func.count()).select_from(Photo).where(
            Photo.owner_type == owner_type, Photo.owner_id == owner_id)).scalar_one()
        if already + len(files) > max_files:
            errors["photos"] = [_("Too many photos: at most %(n)s here.", n=max_files) if not already else
                                _("Too many photos: at most %(n)s here, and %(already)s are already there.",
                                  n=max_files, already=already)]
    cleaned: list[images.CleanImage] = []
    for i, (_name, data) in enumerate(files):
        if len(data) > max_bytes:
            errors[f"photos.{i}"] = [_("This photo is too large: at most %(mb)s MB.", mb=_megabytes(max_bytes))]
            continue
        try:
            cleaned.append(images.clean(data, max_pixels=max_pixels))
        except images.NotAnImage as refusal:
            errors[f"photos.{i}"] = [str(refusal)]
    alts = [(alt or "").strip() for alt in alts] + [""] * max(0, len(files) - len(alts))
    for i in range(len(files)):
        problems = text_problems(alts[i], max_length=ALT_MAX)
        if not alts[i]:
            problems = [_("Say in a few words what the photo shows (for those who cannot see it).")]
        if problems:
            errors[f"alts.{i}"] = problems
    if files and not consent:
        errors["consent"] = [_("Confirm that the people in the photos agreed to be photographed and shown.")]
    if errors:
        raise ValidationFailed(errors)
    community_id = current_tenant_id()
    photos = []
    for i, picture in enumerate(cleaned):
        key = secrets.token_hex(16)
        storage.write(db.session, storage.path_of(community_id, key, picture.extension), picture.data)
        storage.write(db.session, storage.path_of(community_id, key, picture.extension, thumb=True),
                      picture.thumbnail)
        photo = Photo(key=key, owner_type=owner_type, owner_id=owner_id, alt=alts[i], consent=True,
                      public=bool(public), mime=picture.mime, width=picture.width, height=picture.height,
                      bytes=len(picture.data), uploaded_by_id=actor_id)
        db.session.add(photo)
        photos.append(photo)
    db.session.flush()
    logger.debug("photos added", extra={"owner_type": owner_type, "owner_id": owner_id, "count": len(photos)})
    return photos


def get_photo(photo_id: int) -> Photo | None:
    return db.session.execute(select(Photo).where(Photo.id == photo_id)).scalar_one_or_none()


def visible_photo(photo_id: int) -> Photo | None:
    """The photo when the current member (or visitor) may see it; None otherwise, as if it did not exist."""
    photo = get_photo(photo_id)
    if photo is None or not may_view(current_membership(), photo):
        return None
    return photo


def photos_of(owner_type: str, owner_ids) -> dict[int, list[Photo]]:
    """The photos of many owners of one type, in one query: {owner_id: [photos in upload order]}."""
    ids = list(set(owner_ids))
    found: dict[int, list[Photo]] = defaultdict(list)
    if not ids:
        return found
    rows = db.session.execute(select(Photo).where(Photo.owner_type == owner_type, Photo.owner_id.in_(ids))
                              .order_by(Photo.owner_id, Photo.id)).scalars()
    for photo in rows:
        found[photo.owner_id].append(photo)
    return found


def set_public(photo: Photo, public: bool) -> Photo:
    photo.public = bool(public)
    db.session.flush()
    return photo


def delete_photo(photo: Photo) -> None:
    """The row now; its files once the deletion has committed."""
    community_id, key, extension = photo.community_id, photo.key, photo.extension
    db.session.delete(photo)
    db.session.flush()
    storage.remove_after_commit(db.session, storage.path_of(community_id, key, extension),
                                storage.path_of(community_id, key, extension, thumb=True))


def file_of(photo: Photo, thumb: bool = False):
    """The stored file (None when it is missing on disk: the page answers 404, never a 500)."""
    path = storage.path_of(photo.community_id, photo.key, photo.extension, thumb=thumb)
    return path if path.is_file() else None


def page_error_key(key: str) -> str:
    """Where a refusal's message goes on a page of templates/macros.html `photo_upload`: "photos.2" beside the
    input photo-2, "alts.2" beside alt-2 (other fields by their first part, as PageForm does)."""
    parts = str(key).split(".")
    if len(parts) == 2 and parts[1].isdigit() and parts[0] in ("photos", "alts"):
        return f"{'photo' if parts[0] == 'photos' else 'alt'}-{parts[1]}"
    return parts[0]


def uploads_from(files, form, max_slots: int | None = None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """What a page's upload field sent (templates/macros.html `photo_upload`): the files of the `photos`
    input (several at once with a script) or of the `photo-<i>` inputs (one each without), in order, each
    with its `alt-<i>`. Empty file inputs are skipped; the alt texts follow their files."""
    chosen: list[tuple[str, bytes]] = []
    alts: list[str] = []
    multiple = [f for f in files.getlist("photos") if f and f.filename]
    if multiple:
        for i, upload in enumerate(multiple):
            chosen.append((upload.filename, upload.read()))
            alts.append(form.get(f"alt-{i}", ""))
        return chosen, alts
    slots = max_slots or current_app.config["UPLOAD_MAX_FILES"]
    for i in range(slots):
        upload = files.get(f"photo-{i}")
        if upload is not None and upload.filename:
            chosen.append((upload.filename, upload.read()))
            alts.append(form.get(f"alt-{i}", ""))
    return chosen, alts
