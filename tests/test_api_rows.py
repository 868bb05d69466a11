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


def test_values_not_already_json_go_through_their_field_as_dump_does():
    """The fast path copies only values that already have the field's type: an int in a String field still
    becomes text, a bool in an Integer field a number, a missing value stays null."""
    from types import SimpleNamespace

    from marshmallow import Schema, fields

    class Row(Schema):
        label = fields.String()
        count = fields.Integer()
        flag = fields.Boolean()
        note = fields.String(allow_none=True)

    rows = [SimpleNamespace(label=7, count=True, flag=1, note=None),
            SimpleNamespace(label="七", count=3, flag=False, note="备注")]
    assert [row_dumper(Row)(r) for r in rows] == Row(many=True).dump(rows)
    assert row_dumper(Row)(rows[0]) == {"label": "7", "count": 1, "flag": True, "note": None}
