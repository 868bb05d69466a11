"""A list answered through `row_dumper` says exactly what its schema's `dump` says, field for field."""
from app.core.apidoc import row_dumper
from app.core.extensions import db
from app.units import schemas, services
from tenants.context import tenant_context
from tests.factories import CommunityFactory, api, member, token_for


def test_the_units_list_rows_are_the_schemas_dump(app, client):
    community = CommunityFactory()
    admin = member(community, "admin", name="管理员")
    rep = member(community, "unit", name="张师傅")
    with tenant_context(community.id):
        shop = services.create_unit({"name": "张记包子铺", "type": "shop", "address": "柳荫街3号",
                                     "contact_phone": "13900001111", "description": "早点\n可送餐"})
        services.create_unit({"name": "柳荫小学", "type": "school"})
        services.add_representative(shop, rep.id)
        db.session.commit()
        units, _cursor = services.list_units()
        fast = row_dumper(schemas.UnitOut)
        assert [fast(u) for u in units] == schemas.UnitOut(many=True).dump(units)
    body = client.get(api(community, "/units"), headers=token_for(client, admin)).get_json()
    assert [u["name"] for u in body["items"]] == ["柳荫小学", "张记包子铺"]  # pinyin order
    shop_row = body["items"][1]
    assert shop_row["representatives"] == [{"id": str(rep.id), "name": "张师傅"}]
    assert shop_row["created_at"].endswith("+00:00") and body["next_cursor"] is None
