"""A photo's file and its thumbnail, streamed only to who may see it (app/photos/registry.py): members the
owning domain lets in, and visitors when the photo is marked public and its owner is public too. Anything
else answers 404, as if there were no such photo."""
import logging

from flask import Blueprint, send_file

from app.permissions import found
from app.photos import services, uploads
from tenants.web import public, tenant_routes

logger = logging.getLogger(__name__)

bp = tenant_routes(Blueprint("photos", __name__, url_prefix="/c/<slug>/photos"))
bp.app_url_value_preprocessor(uploads.raise_limit)  # the upload routes' larger body limit, app-wide


def _send(photo_id: int, thumb: bool):
    photo = found(services.visible_photo(photo_id))
    response = send_file(found(services.file_of(photo, thumb=thumb)), mimetype=photo.mime, conditional=True,
                         etag=True, max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True  # shared caches must never keep one person's view of a photo
    return response


@bp.get("/<int:photo_id>")
@public
def photo(photo_id: int):
    return _send(photo_id, thumb=False)


@bp.get("/<int:photo_id>/thumb")
@public
def thumb(photo_id: int):
    return _send(photo_id, thumb=True)
