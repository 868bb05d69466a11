"""Every page on a 360×740 phone in large text, opened by who may open it: none may scroll sideways, and the
page's own content starts on the first screen (the header and the menu leave it room).

The pages come from Flask's URL map with real objects (tests/walk.py), so a new page is walked too.
"""
import pytest

from app.core.extensions import db
from tests.e2e.conftest import ARTIFACTS, log_in, settle
from tests.walk import APP_CONFIG, ROLES, page_urls, world

WIDTH, HEIGHT = 360, 740
PHONE = {"viewport": {"width": WIDTH, "height": HEIGHT}, "device_scale_factor": 1, "is_mobile": True,
         "has_touch": True}
# In large text the header (brand, tools and the folded menu) may take at most this much of the first screen.
HEADER_MAX = HEIGHT * 0.4
# Pages others are fixing may be named here with the reason, so that the walk stays strict everywhere else.
KNOWN_WIDE: dict[str, str] = {}


@pytest.fixture
def app_config():
    return APP_CONFIG


WIDE = """(limit) => [...document.querySelectorAll('body *')]
    .filter(e => e.getClientRects().length)
    .filter(e => Math.max(e.getBoundingClientRect().right,
                          e.getBoundingClientRect().left + e.scrollWidth) > limit + 0.5)
    .filter(e => !e.closest('.visually-hidden, .skip-link, .table-wrap'))
    .slice(0, 4)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} → ${Math.round(e.getBoundingClientRect().right)}px`)"""


def test_every_page_fits_a_phone_in_large_text(app, clock, new_context):
    made = world(app, clock)
    for user in made["people"].values():
        if user is not None:
            user.large_text = True
    db.session.commit()
    logins = {role: user.email if user is not None else None for role, user in made["people"].items()}
    urls = page_urls(app, made)
    settle()
    phones = {}
    for role in ROLES:
        phone = new_context(**PHONE).new_page()
        if logins[role] is not None:
            log_in(phone, logins[role])
        else:
            phone.goto("/login")
            phone.locator("button[name=size][value=large]").click()
        phones[role] = phone
    too_wide, crowded, unopened = [], [], []
    for url in urls:
        for role in ROLES:  # the first who may open the page (not sent elsewhere) reads it
            phone = phones[role]
            response = phone.goto(url)
            if (response.status == 200 and response.request.redirected_from is None
                    and response.headers.get("content-type", "").startswith("text/html")):
                break
        else:
            unopened.append(url)
            continue
        facts = phone.evaluate("""() => ({large: document.documentElement.classList.contains('text-large'),
            width: document.documentElement.scrollWidth,
            top: Math.round(document.querySelector('main').getBoundingClientRect().top + window.scrollY)})""")
        assert facts["large"], f"{url} is not in large text for the {role}"
        name = url.strip("/").replace("/", "_") or "root"
        if facts["width"] > WIDTH and url not in KNOWN_WIDE:
            ARTIFACTS.mkdir(exist_ok=True)
            phone.screenshot(path=str(ARTIFACTS / f"FAILED-wide-{name}.png"), full_page=True)
            too_wide.append(f"{url} ({role}) is {facts['width']}px wide: {phone.evaluate(WIDE, WIDTH)}")
        if facts["top"] > HEADER_MAX:
            crowded.append(f"{url} ({role}): the content starts at {facts['top']}px of {HEIGHT}")
    assert not too_wide + crowded, ("pages wider than the phone in large text:\n" + "\n".join(too_wide) +
                                    "\nthe header fills the first screen:\n" + "\n".join(crowded))
    assert not unopened, f"pages nobody could open: {unopened}"
    assert len(urls) >= 50
