"""Photos people upload, checked and cleaned: pure functions of the bytes, no domain, no tenant (Pillow).

`inspect` judges a file by its content — never by its name or the type the browser declared — and refuses
what is not a whole JPEG or PNG, and pictures whose pixel count would explode in memory (decompression
bombs). `clean` re-encodes the picture: every EXIF field (the GPS position, the camera, the time), XMP and
ICC block is dropped because only the pixels are written again; the orientation the camera recorded is
applied first, so the picture still stands the right way up. HEIC (iPhone) is refused with a clear message:
its decoder (pillow-heif) is a large native wheel the product does not carry; phones send JPEG when asked
through `accept="image/jpeg,image/png"`.
"""
import io
import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
DEFAULT_MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a bomb or nothing a phone takes
MAX_EDGE = 2000  # the stored picture's longer side, at most
THUMB_EDGE = 400  # the thumbnail's longer side, at most
JPEG_QUALITY = 85


class NotAnImage(ValueError):
    """The bytes are not a picture this product takes; `str(error)` says why, in the user's language."""


@dataclass(frozen=True)
class ImageFacts:
    format: str  # "JPEG" or "PNG", as read from the content
    mime: str
    width: int
    height: int
    has_alpha: bool


def _looks_like_heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim")


def _open(data: bytes) -> Image.Image:
    """Open the bytes lazily: Pillow reads the header (format, size) and decodes nothing yet."""
    return Image.open(io.BytesIO(data))


def _too_large(max_pixels: int) -> NotAnImage:
    return NotAnImage(_("The picture has too many pixels: at most %(n)s.", n=f"{max_pixels:,}"))


def inspect(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageFacts:
    """What the bytes are, from their content; raises NotAnImage with a message a person understands."""
    if not data:
        raise NotAnImage(_("The file is empty."))
    if _looks_like_heic(data):
        raise NotAnImage(_("HEIC photos are not accepted yet: send the photo as JPEG or PNG "
                           "(on an iPhone: Settings › Camera › Formats › Most Compatible)."))
    try:
        image = _open(data)
        if image.format not in FORMATS:
            raise NotAnImage(_("Only JPEG and PNG photos are accepted."))
        # The configured bomb limit, checked on the header before a single pixel is decoded (Pillow's own
        # Image.MAX_IMAGE_PIXELS still stands behind it for anything larger).
        if image.width * image.height > max_pixels:
            raise _too_large(max_pixels)
        image.verify()  # the structure, the checksums of PNG chunks
        image = _open(data)  # verify() leaves the image unusable: open it again and decode it whole
        image.load()
    except NotAnImage:
        raise
    except Image.DecompressionBombError:
        raise _too_large(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        # Not a picture at all, or one cut short (a truncated upload) or damaged.
        raise NotAnImage(_("This file is not a JPEG or PNG photo, or it is damaged.")) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return ImageFacts(format=image.format, mime=FORMATS[image.format], width=image.width, height=image.height,
                      has_alpha=has_alpha)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    mime: str
    extension: str  # "jpg" or "png"


def _encode(image: Image.Image, keep_png: bool) -> bytes:
    out = io.BytesIO()
    if keep_png:
        image.save(out, format="PNG", optimize=True)
    else:
        image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def clean(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_edge: int = MAX_EDGE,
          thumb_edge: int = THUMB_EDGE) -> CleanImage:
    """The picture upright, at most `max_edge` on its longer side, re-encoded without any metadata, and its
    thumbnail. JPEG out; a PNG with transparency stays PNG (JPEG has none). Raises NotAnImage as inspect."""
    facts = inspect(data, max_pixels=max_pixels)
    image = _open(data)
    image = ImageOps.exif_transpose(image)  # apply the camera's orientation before its EXIF is dropped
    keep_png = facts.format == "PNG" and facts.has_alpha
    image = image.convert("RGBA" if keep_png else "RGB")
    image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    # Only the pixels go on: a new image from them carries no info, EXIF, XMP or ICC block of the upload.
    image = Image.frombytes(image.mode, image.size, image.tobytes())
    thumb = image.copy()
    thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)
    return CleanImage(data=_encode(image, keep_png), thumbnail=_encode(thumb, keep_png), width=image.width,
                      height=image.height, mime="image/png" if keep_png else "image/jpeg",
                      extension="png" if keep_png else "jpg")
