"""Journey: on a phone in large text, a coordinator chooses two photos at once; one "what it shows" field appears
per photo, named after its file; after saving, the thumbnails show with their descriptions; nothing scrolls sideways.
(The page is a test-only one: the activities' record pages that use the upload field come later.)"""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll
from tests.factories import CommunityFactory, member
from tests.test_photos import _test_page


def _jpeg(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def photo_page(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    _test_page(app)
    community = CommunityFactory(slug="alpha", name="阿尔法社区")
    coordinator = member(community, "admin", "coordinator", name="钱协调", email="coord@alpha.example")
    coordinator.large_text = True  # 360 px in large text: the field and the gallery must still fit
    settle()
    return "/c/alpha/photo-test/1"


@pytest.mark.own_app
def test_two_photos_chosen_at_once_each_get_their_description(photo_page, new_context):
    phone = new_context(**PHONE).new_page()
    log_in(phone, "coord@alpha.example")
    phone.goto(photo_page)
    no_sideways_scroll(phone, "the upload field")
    # The script replaced the fixed slots with one input that takes several photos.
    expect(phone.locator("#photo-0")).to_be_hidden()
    expect(phone.locator("#alt-0")).to_be_hidden()
    phone.get_by_label(T("Choose the photos")).set_input_files([
        {"name": "门口.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((200, 40, 40))},
        {"name": "午餐.jpg", "mimeType": "image/jpeg", "buffer": _jpeg((40, 40, 200))},
    ])
    first, second = phone.locator("#alt-0"), phone.locator("#alt-1")
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    expect(phone.locator("label[for=alt-1]")).to_contain_text("午餐.jpg")
    first.fill("志愿者在门口合影")
    second.fill("老人领取午餐")
    phone.get_by_label(T("The people who can be recognised in these photos agreed to be photographed and shown.")) \
        .check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_role("img", name="志愿者在门口合影")).to_be_visible()
    expect(phone.get_by_role("img", name="老人领取午餐")).to_be_visible()
    loaded = phone.evaluate("[...document.querySelectorAll('.photo-gallery img')].every(i => i.naturalWidth > 0)")
    assert loaded  # the thumbnails really came from the photo route
    no_sideways_scroll(phone, "the gallery")
