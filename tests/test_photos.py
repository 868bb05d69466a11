"""Photos people upload: judged by their content, cleaned of EXIF and GPS, limited, described, consented to,
stored with their rows (or not at all) and served only to who may see them."""
import io
from pathlib import Path

import pytest
from flask import Blueprint, redirect, render_template_string, request
from PIL import Image
from sqlalchemy import func, select

from app.core import images
from app.core.extensions import db
from app.core.validation import ValidationFailed
from app.lifecycle import PageForm, unit_of_work
from app.photos import accepts_uploads
from app.photos import services as photos
from app.photos.models import Photo
from tenants.context import tenant_context
from tenants.web import tenant_routes
from tests.factories import PASSWORD, TEST_PHOTO_OWNER, CommunityFactory, image_bytes, member, token_for

GPS_IFD = 0x8825


@pytest.fixture
def app_config():
    # Bare requests (no CSRF tokens to fetch): the configuration of tests/test_tenancy.py, so the app is shared.
    return {"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT_IP": "10000 per minute"}


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def place(app, uploads):
    community = CommunityFactory(slug="alpha", name="阿尔法社区")
    admin = member(community, "admin", "coordinator", name="管理员")
    resident = member(community, "resident", name="居民")
    return {"community": community, "admin": admin, "resident": resident}


def _add(place, files, alts=None, consent=True, owner_id=1, public=False):
    with tenant_context(place["community"].id):
        added = photos.add_photos(TEST_PHOTO_OWNER, owner_id, files, alts if alts is not None else
                                  [f"第 {i + 1} 张" for i in range(len(files))], consent=consent,
                                  actor_id=place["admin"].id, public=public)
        db.session.commit()
        for photo in added:  # read back whole inside the community (row-level security), then let go of them
            db.session.refresh(photo)
            db.session.expunge(photo)
        return added


def _refusal(place, files, **kw) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        _add(place, files, **kw)
    db.session.rollback()
    return refused.value.fields


def _stored(uploads: Path) -> list[Path]:
    return sorted(p for p in uploads.rglob("*") if p.is_file())


def _rows(place) -> int:
    with tenant_context(place["community"].id):
        return db.session.execute(select(func.count()).select_from(Photo)).scalar_one()


def _jpeg_with_gps(size=(40, 20), orientation=None) -> bytes:
    picture = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "HuzhuCam"  # Make
    exif[0x0132] = "2026:11:30 10:00:00"  # DateTime
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 5.0), 3: "E", 4: (121.0, 28.0, 7.0)})
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the upload really carries a position
    return data


# --- judged by content --------------------------------------------------------------------------------

def test_a_png_named_jpg_is_taken_for_what_it_is(place, uploads):
    png = image_bytes((30, 20), fmt="PNG")
    assert images.inspect(png).format == "PNG"
    [photo] = _add(place, [("holiday.jpg", png)])
    assert (photo.width, photo.height) == (30, 20)
    stored = Image.open(photos.file_of(photo))
    assert stored.format == "JPEG" and photo.mime == "image/jpeg"  # no transparency: it becomes a JPEG
    assert "holiday" not in str(photos.file_of(photo))  # the uploader's name never makes the path


def test_a_transparent_png_stays_png(place):
    [photo] = _add(place, [("logo.png", image_bytes((30, 20), color=(0, 0, 0, 0)))])
    assert photo.mime == "image/png" and Image.open(photos.file_of(photo)).format == "PNG"


def test_a_text_file_named_photo_jpg_is_refused(place, uploads):
    fields = _refusal(place, [("photo.jpg", "这不是照片".encode())])
    assert fields["photos.0"] == ["这个文件不是 JPEG 或 PNG 照片，或者文件已损坏。"]
    assert _stored(uploads) == [] and _rows(place) == 0


def test_a_truncated_jpeg_is_refused(place):
    whole = image_bytes((400, 300), fmt="JPEG", quality=95)
    fields = _refusal(place, [("cut.jpg", whole[: len(whole) // 2])])
    assert "photos.0" in fields


def test_other_formats_and_heic_are_refused_with_a_clear_message(place):
    gif = image_bytes((10, 10), fmt="GIF")
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    fields = _refusal(place, [("a.gif", gif), ("b.heic", heic)])
    assert fields["photos.0"] == ["只接受 JPEG 和 PNG 格式的照片。"]
    assert "HEIC" in fields["photos.1"][0]


def test_oversize_by_bytes_and_by_pixels_is_refused(app, place, uploads):
    app.config["UPLOAD_MAX_BYTES"] = 2000
    big = image_bytes((300, 300), fmt="PNG", compress_level=0)
    assert len(big) > 2000
    assert _refusal(place, [("big.png", big)])["photos.0"] == ["这张照片太大：最大 0.00 MB。"]
    app.config["UPLOAD_MAX_BYTES"] = 8 * 1024 * 1024
    app.config["UPLOAD_MAX_PIXELS"] = 100 * 100
    fields = _refusal(place, [("wide.png", image_bytes((101, 100)))])
    assert fields["photos.0"] == ["图片像素过多：最多 10,000 像素。"]
    assert _stored(uploads) == [] and _rows(place) == 0


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    # A PNG header claiming 30000 × 30000 pixels (900 million) with almost no data behind it.
    out = io.BytesIO()
    Image.new("1", (30000, 30000)).save(out, format="PNG")
    with pytest.raises(images.NotAnImage):
        images.inspect(out.getvalue(), max_pixels=40_000_000)


# --- cleaned ------------------------------------------------------------------------------------------

def test_exif_and_gps_are_gone_from_the_stored_files(place):
    [photo] = _add(place, [("trip.jpg", _jpeg_with_gps())])
    for path in (photos.file_of(photo), photos.file_of(photo, thumb=True)):
        raw = path.read_bytes()
        stored = Image.open(path)
        assert not stored.getexif() and not stored.getexif().get_ifd(GPS_IFD)
        assert "exif" not in stored.info and b"Exif" not in raw and b"HuzhuCam" not in raw


def test_the_cameras_orientation_is_applied(place):
    [photo] = _add(place, [("turned.jpg", _jpeg_with_gps((40, 20), orientation=6))])  # taken with the phone upright
    assert (photo.width, photo.height) == (20, 40)
    assert Image.open(photos.file_of(photo)).size == (20, 40)


def test_large_photos_are_resized_and_get_a_thumbnail(place):
    [photo] = _add(place, [("big.jpg", image_bytes((3000, 1500), fmt="JPEG"))])
    assert (photo.width, photo.height) == (2000, 1000)
    assert Image.open(photos.file_of(photo)).size == (2000, 1000)
    assert Image.open(photos.file_of(photo, thumb=True)).size == (400, 200)
    assert photo.thumb_size == (400, 200)
    assert photo.bytes == photos.file_of(photo).stat().st_size


# --- described, consented, limited, whole or nothing --------------------------------------------------

def test_missing_alt_text_and_consent_are_refused(place, uploads):
    fields = _refusal(place, [("a.png", image_bytes()), ("b.png", image_bytes())], alts=["门口合影", "  "],
                      consent=False)
    assert fields == {"alts.1": ["请用几句话说明照片的内容（为看不见照片的人）。"],
                      "consent": ["请确认照片中的人同意被拍摄和展示。"]}
    assert _stored(uploads) == [] and _rows(place) == 0


def test_too_many_files_are_refused_counting_those_already_there(app, place):
    app.config["UPLOAD_MAX_FILES"] = 2
    assert _refusal(place, [(f"{i}.png", image_bytes()) for i in range(3)])["photos"] == ["照片太多：这里最多 2 张。"]
    _add(place, [("one.png", image_bytes())])
    fields = _refusal(place, [("2.png", image_bytes()), ("3.png", image_bytes())])
    assert fields["photos"] == ["照片太多：这里最多 2 张，已有 1 张。"]
    assert _add(place, [("4.png", image_bytes())], owner_id=2)  # another record has its own count


def test_every_problem_is_told_at_once_and_nothing_is_stored(place, uploads):
    good = image_bytes((20, 20), fmt="JPEG")
    fields = _refusal(place, [("ok.jpg", good), ("notes.jpg", b"plain text"), ("ok2.png", image_bytes())],
                      alts=["好", "坏", ""])
    assert set(fields) == {"photos.1", "alts.2"}
    assert _stored(uploads) == [] and _rows(place) == 0


def test_a_rolled_back_transaction_takes_its_files_with_it(place, uploads):
    with tenant_context(place["community"].id):
        photos.add_photos(TEST_PHOTO_OWNER, 1, [("a.png", image_bytes())], ["合影"], consent=True, actor_id=None)
        assert len(_stored(uploads)) == 2  # the photo and its thumbnail, written before the row
        db.session.rollback()
    assert _stored(uploads) == [] and _rows(place) == 0


def test_a_session_that_ends_without_committing_takes_its_files_with_it(place, uploads):
    with tenant_context(place["community"].id):
        photos.add_photos(TEST_PHOTO_OWNER, 1, [("a.png", image_bytes())], ["合影"], consent=True, actor_id=None)
        db.session.remove()  # e.g. a job that failed before its commit
    assert _stored(uploads) == [] and _rows(place) == 0


def test_a_rolled_back_savepoint_takes_its_files_with_it(place, uploads):
    with tenant_context(place["community"].id):
        photos.add_photos(TEST_PHOTO_OWNER, 1, [("kept.png", image_bytes())], ["留下"], consent=True, actor_id=None)
        savepoint = db.session.begin_nested()
        photos.add_photos(TEST_PHOTO_OWNER, 1, [("gone.png", image_bytes())], ["撤回"], consent=True, actor_id=None)
        assert len(_stored(uploads)) == 4
        savepoint.rollback()
        db.session.commit()
    assert len(_stored(uploads)) == 2 and _rows(place) == 1


def test_the_row_and_the_files_are_removed_together(place, uploads):
    [photo] = _add(place, [("a.png", image_bytes())])
    with tenant_context(place["community"].id):
        photos.delete_photo(photos.get_photo(photo.id))
        db.session.rollback()  # the deletion did not happen: the files stay
        assert len(_stored(uploads)) == 2 and _rows(place) == 1
        photos.delete_photo(photos.get_photo(photo.id))
        assert len(_stored(uploads)) == 2  # not before the commit
        db.session.commit()
    assert _stored(uploads) == [] and _rows(place) == 0


def test_photos_of_many_owners_take_one_query(place, count_sql):
    def read(n: int) -> tuple[int, int]:
        owners = list(range(100 + n, 100 + 2 * n))
        for owner in owners:
            _add(place, [("a.png", image_bytes())], owner_id=owner)
        with tenant_context(place["community"].id):
            with count_sql() as statements:
                found = photos.photos_of(TEST_PHOTO_OWNER, owners)
                alts = [p.alt for owner in owners for p in found[owner]]
        return statements(), len(alts)

    assert read(3) == (1, 3)
    assert read(30) == (1, 30)


# --- served to who may see them -----------------------------------------------------------------------

def _client(app, user=None):
    client = app.test_client()
    if user is not None:
        assert client.post("/login", data={"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_photos_are_served_only_to_who_may_see_them(app, place):
    [private] = _add(place, [("a.png", image_bytes((30, 20)))])
    [shown] = _add(place, [("b.png", image_bytes((30, 20)))], owner_id=-1, public=True)  # a public owner
    [unshown] = _add(place, [("c.png", image_bytes((30, 20)))], owner_id=7, public=True)  # an owner not public
    admin, resident, visitor = _client(app, place["admin"]), _client(app, place["resident"]), _client(app)

    answer = admin.get(f"/c/alpha/photos/{private.id}")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert "private" in answer.headers["Cache-Control"] and "public" not in answer.headers["Cache-Control"]
    assert Image.open(io.BytesIO(answer.data)).size == (30, 20)
    thumb = admin.get(f"/c/alpha/photos/{private.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"

    # The owner's rule says admins only; nobody else, signed in or not, learns the photo exists.
    assert resident.get(f"/c/alpha/photos/{private.id}").status_code == 404
    assert visitor.get(f"/c/alpha/photos/{private.id}").status_code == 404
    # Public only when the photo is marked public and its owner is public too.
    assert visitor.get(f"/c/alpha/photos/{shown.id}").status_code == 200
    assert resident.get(f"/c/alpha/photos/{shown.id}/thumb").status_code == 200
    assert visitor.get(f"/c/alpha/photos/{unshown.id}").status_code == 404
    assert admin.get(f"/c/alpha/photos/{unshown.id}").status_code == 200
    assert admin.get("/c/alpha/photos/999999").status_code == 404


def test_an_owner_type_nobody_registered_is_seen_by_nobody(place, app):
    with tenant_context(place["community"].id):
        [photo] = photos.add_photos("nobody_knows", 1, [("a.png", image_bytes())], ["合影"], consent=True,
                                    actor_id=None, public=True)
        db.session.commit()
        photo_id = photo.id
    assert _client(app, place["admin"]).get(f"/c/alpha/photos/{photo_id}").status_code == 404
    assert _client(app).get(f"/c/alpha/photos/{photo_id}").status_code == 404


def test_another_communitys_photo_answers_404(app, place):
    [photo] = _add(place, [("a.png", image_bytes())], owner_id=-1, public=True)
    other = CommunityFactory(slug="beta", name="贝塔社区")
    their_admin = member(other, "admin", name="贝塔管理员")
    client = _client(app, their_admin)
    assert client.get(f"/c/beta/photos/{photo.id}").status_code == 404
    assert client.get(f"/c/beta/photos/{photo.id}/thumb").status_code == 404
    assert _client(app).get(f"/c/beta/photos/{photo.id}").status_code == 404


def test_a_missing_file_answers_404_not_500(app, place):
    [photo] = _add(place, [("a.png", image_bytes())])
    photos.file_of(photo).unlink()
    assert _client(app, place["admin"]).get(f"/c/alpha/photos/{photo.id}").status_code == 404


# --- the upload field on a page (a test-only page: the activities' own pages come later) --------------

PAGE = """{% extends "base.html" %}{% from "macros.html" import photo_upload, photo_gallery %}
{% block content %}<form method="post" enctype="multipart/form-data">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
{{ photo_upload(form.values, form.errors, slots=2) }}<button type="submit">保存</button></form>
{{ photo_gallery(gallery, label="照片") }}{% endblock %}"""


def _test_page(app):
    bp = tenant_routes(Blueprint("photo_test_page", __name__, url_prefix="/c/<slug>/photo-test"))

    @bp.route("/<int:note_id>", methods=["GET", "POST"])
    @accepts_uploads
    def note(note_id):
        form = PageForm(error_key=photos.page_error_key)
        if form.valid:
            files, alts = photos.uploads_from(request.files, request.form)
            photos.add_photos(TEST_PHOTO_OWNER, note_id, files, alts, consent=request.form.get("consent") == "y",
                              actor_id=None)
            return redirect(request.path)
        gallery = photos.photos_of(TEST_PHOTO_OWNER, [note_id])[note_id]
        return render_template_string(PAGE, form=form, gallery=gallery), 422 if form.submitted else 200

    @bp.post("/<int:note_id>/text")
    def text(note_id):  # a form without photos: the ordinary limit
        return redirect(request.path + "?" + "&".join(request.form))

    app.register_blueprint(bp)
    for endpoint in ("photo_test_page.note", "photo_test_page.text"):
        app.view_functions[endpoint] = unit_of_work(app.view_functions[endpoint])


@pytest.mark.own_app
def test_the_upload_field_tells_each_problem_beside_its_photo_and_the_gallery_shows_alt_texts(app, place, uploads):
    _test_page(app)
    client = _client(app, place["admin"])
    empty = client.get("/c/alpha/photo-test/1").get_data(as_text=True)
    assert 'accept="image/jpeg,image/png"' in empty and 'name="photo-1"' in empty and 'name="alt-1"' in empty
    assert "照片中能被认出的人已同意被拍摄和展示。" in empty

    refused = client.post("/c/alpha/photo-test/1", content_type="multipart/form-data", data={
        "photo-0": (io.BytesIO(b"not a picture"), "a.jpg"), "alt-0": "门口",
        "photo-1": (io.BytesIO(image_bytes()), "b.png"), "alt-1": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="photo-0-error"' in page and "这个文件不是 JPEG 或 PNG 照片" in page
    assert 'id="alt-1-error"' in page and 'id="consent-error"' in page
    assert 'value="门口"' in page  # what was typed comes back
    assert _stored(uploads) == [] and _rows(place) == 0

    # With the script, one input sends several photos, each with its alt text field.
    sent = client.post("/c/alpha/photo-test/1", content_type="multipart/form-data", data={
        "photos": [(io.BytesIO(image_bytes((30, 20))), "a.jpg"), (io.BytesIO(_jpeg_with_gps()), "b.jpg")],
        "alt-0": "志愿者在门口合影", "alt-1": "老人领取午餐", "consent": "y"})
    assert sent.status_code == 302
    gallery = client.get("/c/alpha/photo-test/1").get_data(as_text=True)
    assert 'alt="志愿者在门口合影"' in gallery and 'alt="老人领取午餐"' in gallery
    with tenant_context(place["community"].id):
        ids = [p.id for p in photos.photos_of(TEST_PHOTO_OWNER, [1])[1]]
    assert f'/c/alpha/photos/{ids[0]}/thumb' in gallery


def test_the_api_describes_a_photo_to_who_may_see_it(app, place):
    [photo] = _add(place, [("a.png", image_bytes((30, 20)))])
    admin, resident = app.test_client(), app.test_client()
    answer = admin.get(f"/api/v1/c/alpha/photos/{photo.id}", headers=token_for(admin, place["admin"]))
    assert answer.status_code == 200
    assert answer.get_json() | {"uploaded_at": None} == {
        "id": str(photo.id), "alt": "第 1 张", "public": False, "width": 30, "height": 20, "mime": "image/jpeg",
        "url": f"/c/alpha/photos/{photo.id}", "thumbnail_url": f"/c/alpha/photos/{photo.id}/thumb",
        "uploaded_at": None}
    refused = resident.get(f"/api/v1/c/alpha/photos/{photo.id}", headers=token_for(resident, place["resident"]))
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/c/{slug}/photos/{photo_id}" in document["paths"]
    assert "PhotoOut" in document["components"]["schemas"] or "Photo" in document["components"]["schemas"]


@pytest.mark.own_app
def test_upload_routes_take_several_large_photos_and_others_keep_the_small_limit(app, place, uploads, monkeypatch):
    _test_page(app)
    client = _client(app, place["admin"])
    six_mb = b"x" * (6 * 1024 * 1024)  # over MAX_CONTENT_LENGTH (5 MB), within a photo's 8 MB
    taken = client.post("/c/alpha/photo-test/1", content_type="multipart/form-data", data={
        "photo-0": (io.BytesIO(six_mb), "a.jpg"), "alt-0": "门口", "consent": "y"})
    assert taken.status_code == 422 and "这个文件不是 JPEG 或 PNG 照片" in taken.get_data(as_text=True)
    plain = client.post("/c/alpha/photo-test/1/text", content_type="multipart/form-data", data={
        "photo-0": (io.BytesIO(six_mb), "a.jpg")})
    assert plain.status_code == 413 and "提交的内容太大：最多 5 MB。" in plain.get_data(as_text=True)
    api = client.post("/api/v1/auth/tokens", data=six_mb, content_type="application/json")
    assert api.status_code == 413 and api.get_json()["error"] == {
        "code": "too_large", "message": "提交的内容太大：最多 5 MB。", "fields": {}}
    # Past what the photos allowed (one photo of 8 MB here, and the margin for the text): 413, in words.
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES", 1)
    too_many = client.post("/c/alpha/photo-test/1", content_type="multipart/form-data", data={
        "photo-0": (io.BytesIO(six_mb), "a.jpg"), "photo-1": (io.BytesIO(six_mb), "b.jpg")})
    assert too_many.status_code == 413 and "提交的内容太大：最多 9 MB。" in too_many.get_data(as_text=True)
    assert _stored(uploads) == [] and _rows(place) == 0
