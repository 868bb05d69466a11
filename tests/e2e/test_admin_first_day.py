"""Journey: the community admin's first day (JOURNEYS.md), in a real browser.

Logs in, sees the community home, imports the member units from an Excel sheet with one wrong row,
skips it, finds a unit, corrects its phone, and adds the coordinator by mobile number.
"""
import io
import re

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in

HEADER = ["单位名称", "单位类型", "地址", "联系人", "联系电话"]
GOOD_ROWS = [
    ["柳荫街便民超市", "个体门店", "柳荫街12号", "王芳", "13800000001"],
    ["前海小学", "学校", "前海西街5号", "李校长", 13800000002],  # Excel keeps typed phone numbers as numbers
    ["龙头井社区卫生服务站", "卫生服务站", "龙头井街3号", "陈医生", "010-66180000"],
    ["前海物业公司", "物业公司", "前海北沿8号", "周经理", "13800000004"],
]
BAD_ROW = ["什刹海文创有限公司", "外星单位", "羊房胡同2号", "孙女士", "13800000005"]


def units_sheet() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "会员单位"
    sheet.append(HEADER)
    for row in GOOD_ROWS[:2] + [BAD_ROW] + GOOD_ROWS[2:]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def community_menu(page):
    return page.get_by_role("navigation", name=T("Community menu"))


def test_admin_first_day(page, admin_world, new_context):
    # 1. Log in with the account the operator made; a single community means landing on its home.
    log_in(page, admin_world.login)
    expect(page).to_have_url(re.compile(rf"/c/{admin_world.slug}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_contain_text("柳荫社区")
    figures = page.get_by_role("region", name=T("At a glance"))
    # Counts of units, open needs and this month's activities: none yet.
    for figure in ("Member units", "Open needs", "Activities this month"):
        expect(figures.locator("div", has=page.get_by_text(T(figure))).locator("dd")).to_have_text("0")
    expect(page.get_by_role("region", name=T("What needs attention"))).to_be_visible()

    # 2. Units → import from Excel.
    community_menu(page).get_by_role("link", name=T("Units")).click()
    expect(page).to_have_url(re.compile(r"/units/$"))
    expect(page.get_by_text(T("No units yet."))).to_be_visible()
    page.get_by_role("link", name=T("Import from Excel")).click()
    page.get_by_label(T("File")).set_input_files(
        {"name": "会员单位.xlsx", "buffer": units_sheet(),
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name=T("Upload and preview")).click()

    # The preview: five rows, one wrong, marked on the row and on the cell, nothing saved yet.
    expect(page.get_by_role("heading", level=1)).to_contain_text("会员单位.xlsx")
    expect(page.get_by_role("status").filter(has_text=re.compile("5"))).to_have_text(
        T("%(total)s rows: %(valid)s ready, %(invalid)s with errors.", total=5, valid=4, invalid=1))
    preview = page.get_by_role("table", name=T("Rows of the file"))
    for title in HEADER:  # the columns carry the sheet's own (Chinese) titles
        expect(preview.get_by_role("columnheader", name=title, exact=True)).to_be_visible()
    bad = preview.get_by_role("row").filter(has_text=BAD_ROW[0])
    expect(bad).to_have_class(re.compile(r"\brow-error\b"))
    expect(bad).to_contain_text(T("Unknown unit type “%(value)s”.", exact=False, value="外星单位"))
    expect(bad.locator(".cell-error")).to_have_text("外星单位")
    expect(preview.locator("tbody tr.row-error")).to_have_count(1)
    expect(preview.locator("tbody tr")).to_have_count(5)

    page.get_by_role("button", name=T("Import the %(n)s correct rows and skip the rest", n=4)).click()
    expect(page).to_have_url(re.compile(r"/units/$"))
    expect(page.get_by_role("status")).to_contain_text(
        T("%(created)s units imported, %(skipped)s rows skipped.", exact=False, created=4, skipped=1))
    registry = page.get_by_role("table", name=T("Member units"))
    for name, *_ in GOOD_ROWS:
        expect(registry.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(registry.get_by_role("link", name=BAD_ROW[0])).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text("4")

    # 3. Search by part of the name, open the unit.
    search = page.get_by_role("search", name=T("Search units"))
    search.get_by_label(T("Search")).fill("便民")
    search.get_by_role("button", name=T("Search")).click()
    expect(page).to_have_url(re.compile(r"q="))
    expect(registry.locator("tbody tr")).to_have_count(1)
    registry.get_by_role("link", name="柳荫街便民超市").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("柳荫街便民超市")
    expect(page.get_by_role("link", name="13800000001")).to_have_attribute("href", "tel:13800000001")

    # 4. Edit its phone.
    page.get_by_role("link", name=T("Edit")).click()
    phone = page.get_by_label(T("Contact phone"))
    expect(phone).to_have_value("13800000001")
    phone.fill("13911112222")
    page.get_by_role("button", name=T("Save")).click()
    expect(page.get_by_role("status")).to_contain_text(T("Saved.", exact=False))
    expect(page.get_by_role("link", name="13911112222")).to_have_attribute("href", "tel:13911112222")

    # 5. Members: add the coordinator by mobile number; a one-time password is shown once.
    community_menu(page).get_by_role("link", name=T("Members")).click()
    add = page.get_by_role("region", name=T("Add a member"))
    add.get_by_label(T("E-mail or mobile number")).fill("13912345678")
    add.get_by_label(T("Name (for a new account)")).fill("钱协调")
    add.get_by_label(T("Resident")).uncheck()
    add.get_by_label(T("Coordinator")).check()
    add.get_by_role("button", name=T("Add")).click()
    flashes = page.get_by_role("status")
    expect(flashes).to_contain_text(T("Member added.", exact=False))
    one_time = T("A new account was made; give the person this one-time password: %(pw)s", exact=False,
                  pw=re.compile(r"(hz-\S+)"))
    expect(flashes).to_contain_text(one_time)
    password = next(group for group in one_time.search(flashes.inner_text()).groups() if group)
    row = page.get_by_role("table", name=T("Members")).get_by_role("row").filter(has_text="钱协调")
    expect(row).to_contain_text("13912345678")
    expect(row.get_by_label(T("Coordinator"))).to_be_checked()
    expect(row.get_by_label(T("Resident"))).not_to_be_checked()

    # The message is shown once: reloading the page does not show the password again.
    page.reload()
    expect(page.get_by_text(password)).to_have_count(0)

    # The home page counts the units now.
    community_menu(page).get_by_role("link", name=T("Home")).click()
    expect(page.get_by_role("region", name=T("At a glance")).get_by_role("link", name="4", exact=True)).to_be_visible()

    # The coordinator can log in on their own phone with that password.
    coordinator = new_context().new_page()
    log_in(coordinator, "13912345678", password)
    expect(coordinator).to_have_url(re.compile(rf"/c/{admin_world.slug}/$"))
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text("柳荫社区")
