"""A photo someone uploaded, of one owner object (an activity's record, an expense, a case story)."""
import logging
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from tenants.clock import utcnow
from tenants.scoping import TenantScoped

logger = logging.getLogger(__name__)

ALT_MAX = 300
THUMB_EDGE = 400  # as app.core.images.THUMB_EDGE: the thumbnail's longer side, at most


class Photo(TenantScoped, db.Model):
    __tablename__ = "photos"
    __tenant_table_args__ = (Index("ix_photos_owner", "community_id", "owner_type", "owner_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # The file's name under UPLOAD_DIR/<community_id>/: random, never what the uploader called the file.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(ALT_MAX))  # what the picture shows, for those who cannot see it
    consent: Mapped[bool] = mapped_column(Boolean)  # the uploader confirmed the people shown agreed
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    mime: Mapped[str] = mapped_column(String(20), default="image/jpeg")
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)  # the stored (cleaned) file's size
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def extension(self) -> str:
        return "png" if self.mime == "image/png" else "jpg"

    @property
    def thumb_size(self) -> tuple[int, int]:
        """The thumbnail's width and height (for the img element, so the page does not jump as it loads)."""
        scale = min(1.0, THUMB_EDGE / max(self.width, self.height, 1))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))
