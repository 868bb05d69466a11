"""The building blocks of the year's documents: PDFs whose Chinese text reads back on a machine without a CJK font,
charts that a page shows as an image with its figures in a table (and a PDF draws the same), the registry of the
year's figures, and the contribution record that gathers every unit's year."""
import re

import pytest
from flask import render_template_string

from app import yearbook
from app.contributions.services import Record, record
from app.core import charts, pdf
from app.core.charts import Chart, Series
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory
from tests.pdfs import page_count, text_of

MONTHS = [f"{m}月" for m in range(1, 13)]


def test_a_pdf_in_chinese_reads_back_and_keeps_its_table_chart_and_qr_code(app):
    chart = Chart("全年助餐份数", MONTHS, [Series("午餐", range(12)), Series("晚餐", [3] * 12)])
    doc = pdf.Document("2026年度统计报告", subtitle="槐树社区共建互助联合会", footer="槐树社区")
    doc.heading("一、成员单位").paragraph("本年度新加入成员单位 12 家，合计 135 家。\n第二行")
    doc.table([["类别", "数量"], ["学校", 4], ["企业", 31]]).chart(chart).qr("https://huzhu.example/verify/ABCDE")
    data = doc.bytes()
    text = text_of(data)
    for words in ("2026年度统计报告", "槐树社区共建互助联合会", "一、成员单位", "本年度新加入成员单位", "第二行",
                  "学校", "企业", "31", "全年助餐份数", "午餐", "https://huzhu.example/verify/ABCDE"):
        assert words in text
    assert page_count(data) == 1
    assert b"STSong-Light" in data  # the reader's own font: no font file inside


def test_a_long_document_breaks_into_numbered_pages(app):
    doc = pdf.Document("长文档")
    doc.table([["序号", "名称"]] + [[i, f"第{i}行"] for i in range(120)])
    data = doc.bytes()
    assert page_count(data) >= 3
    assert "第119行" in text_of(data)


def test_a_pdf_response_keeps_a_chinese_file_name(app):
    with app.test_request_context():
        response = pdf.response(b"%PDF-1.4", "证书-2026.pdf", inline=False)
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E8%AF%81%E4%B9%A6-2026.pdf" in disposition


def test_a_chart_is_one_labelled_image_with_its_figures_in_a_table(app):
    chart = Chart("需求满足数（按月）", MONTHS, [Series("已满足", [5, 0, 2.5] + [1] * 9)], kind="line", unit="件")
    with app.test_request_context():
        html = render_template_string('{% from "_charts.html" import chart %}{{ chart(c) }}', c=chart)
    assert 'role="img"' in html and 'aria-label="需求满足数（按月）"' in html
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")  # offline
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td class=\"num\">(.*?)</td></tr>", html)
    assert rows[:3] == [("1月", "5"), ("2月", "0"), ("3月", "2.5")]
    assert "已满足 (件)" in html


def test_chart_values_must_fit_its_labels_and_an_empty_chart_says_so():
    with pytest.raises(ValueError):
        Chart("错", ["a", "b"], [Series("x", [1])])
    assert Chart("空", ["a"], [Series("x", [0])]).empty
    assert charts.nice_top(0) == 1 and charts.nice_top(7, whole=True) == 8 and charts.nice_top(130) == 150
    counts = Chart("活动", ["a", "b"], [Series("x", [3, 6])])
    assert charts.ticks(charts.geometry(counts)[0], charts.whole(counts)) == [0, 2, 4, 6]  # never 1.5 activities
    small = Chart("小", ["a"], [Series("x", [2])])
    assert charts.ticks(charts.geometry(small)[0], True) == [0, 1, 2]
    same = Chart.from_dict(Chart("往返", ["a", "b"], [Series("x", [1, 2])], kind="line").as_dict())
    assert same.kind == "line" and same.series[0].values == (1.0, 2.0)


def test_the_yearbook_gathers_the_domains_parts_in_order_and_freezes_them_as_json(app):
    @yearbook.part("zz_test_second", order=9991, title="第二")
    def _second(year):
        return yearbook.Part(figures=[yearbook.Figure("n", "数目", year, "个", street=True)])

    @yearbook.part("zz_test_first", order=9990, title="第一")
    def _first(year):
        return None if year < 2000 else yearbook.Part(
            figures=[yearbook.Figure("people", "残疾人", 3, "人", street=True, sensitive=True)],
            tables=[yearbook.Table("t", "表", ["甲", "乙"], [["a", 1]])],
            charts=[Chart("图", ["a"], [Series("s", [1])])])

    try:
        with pytest.raises(ValueError):
            yearbook.part("zz_test_first", order=1, title="again")(lambda year: None)
        found = yearbook.parts(2026, names={"zz_test_first", "zz_test_second"})
        assert [(p.name, p.title) for p in found] == [("zz_test_first", "第一"), ("zz_test_second", "第二")]
        assert [f.key for f in yearbook.street_figures(found)] == ["people", "n"]
        assert [p.name for p in yearbook.parts(1999, names={"zz_test_first", "zz_test_second"})] == ["zz_test_second"]
        thawed = yearbook.Part.from_dict(found[0].as_dict())
        assert thawed.figure("people").sensitive and thawed.tables[0].rows == [["a", 1]]
        assert thawed.charts[0].title == "图" and thawed.charts[0].series[0].values == (1.0,)
    finally:
        yearbook.PARTS[:] = [d for d in yearbook.PARTS if not d.name.startswith("zz_test_")]


def test_the_contribution_record_answers_every_unit_asked_for(app, clock):
    clock(2026, 6, 1, 10)
    community = CommunityFactory(slug="record", name="记录社区")
    with tenant_context(community.id):
        unit = units.create_unit({"name": "安静科技公司", "type": "enterprise"})
        found = record(2026, [unit.id])
    assert found == {unit.id: Record()} and found[unit.id].nothing and found[unit.id].average_rating is None
    assert Record.from_dict(Record(matches=2, venue_hours=1.5).as_dict()) == Record(matches=2, venue_hours=1.5)
