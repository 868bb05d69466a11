"""The demo's good cases: three published stories with drawn photos (one public each) and the property company's
help with the public works, counted in its record; the public story pages name no demo resident."""
from sqlalchemy import select

from app.cases import services as cases
from app.contributions import services as contributions
from app.core.extensions import db
from app.demo.data import demo_residents
from app.publicworks.models import PublicWorksHelper, PublicWorksRequest
from app.units.models import Unit
from tenants.context import tenant_context
from tenants.models import Community


def test_the_demo_publishes_good_cases_and_the_property_companys_help(app, runner, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    result = runner.invoke(args=["demo", "--quiet"])
    assert result.exit_code == 0, result.output
    community_id = Community.by_slug("demo").id
    with tenant_context(community_id):
        stories = cases.stories(cases.published())
        titles = {s["case"].title for s in stories}
        assert {"京华物业食堂为残疾老人送上热饭", "学校礼堂借给残疾人康复训练", "物业员工清理银杏路盲道"} <= titles
        assert all(len(s["photos"]) == 1 and s["photos"][0].alt for s in stories)
        blind_path = next(s for s in stories if s["case"].title == "物业员工清理银杏路盲道")
        assert blind_path["link"]["type"] == "public_works"
        company = db.session.execute(select(Unit.id).where(Unit.name == "京华物业管理有限公司")).scalar_one()
        done_years = db.session.execute(
            select(PublicWorksRequest.done_on).join(PublicWorksHelper, PublicWorksHelper.request_id ==
                                                    PublicWorksRequest.id)
            .where(PublicWorksHelper.unit_id == company)).scalars().all()
        assert len(done_years) == 2
        year = done_years[0].year
        assert contributions.record(year, [company])[company].public_works >= 1
        ids = [s["case"].id for s in stories]
    visitor = app.test_client()
    pages = "".join(visitor.get(f"/c/demo/cases/{case_id}").get_data(as_text=True) for case_id in ids)
    assert "京华物业管理有限公司" in pages
    for person in demo_residents(300):
        assert person["name"] not in pages and person["phone"] not in pages
    again = runner.invoke(args=["demo", "--quiet"])
    assert again.exit_code == 0
    with tenant_context(community_id):
        assert len(cases.published()) == len(ids)
