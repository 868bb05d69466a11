"""Meal table API: /api/v1/c/<slug>/meals — plans, orders, a canteen's settings, manifest and statement."""
import logging
from datetime import date

from flask_login import current_user
from flask_smorest import Blueprint

from app.core import spreadsheet
from app.core.apidoc import collection_schema
from app.meals import schemas, services
from app.permissions import can, found, require
from app.residents.services import find_resident, get_resident
from tenants import clock
from tenants.web import tenant_routes

logger = logging.getLogger(__name__)

blp = tenant_routes(Blueprint("meals_api", __name__, url_prefix="/api/v1/c/<slug>/meals",
                              description="The meal table (养老助残餐桌): meal plans, daily orders, manifests, "
                                          "deliveries and monthly statements"))
PlanList = collection_schema(schemas.PlanOut, "MealPlanList")
OrderList = collection_schema(schemas.OrderOut, "MealOrderList")
XLSX = spreadsheet.XLSX


def own_residents() -> list[int] | None:
    return services.held_residents(current_user.id, everyone=can("meals.confirm_plan"))


@blp.get("/plans")
@blp.arguments(schemas.PlanListArgs, location="query")
@blp.response(200, PlanList)
def list_plans(args):
    require("meals.view")
    items, next_cursor = services.list_plans(**args, resident_ids=own_residents())
    return {"items": items, "next_cursor": next_cursor}


@blp.post("/plans")
@blp.arguments(schemas.PlanIn)
@blp.response(201, schemas.PlanOut)
def create_plan(args):
    """Staff make a plan active at once; a resident (or their family account) asks and staff confirm."""
    resident = get_resident(int(args["resident_id"]))
    require("meals.request_plan", resident)
    return services.request_plan(args, actor_id=current_user.id, confirm=can("meals.confirm_plan"))


@blp.get("/plans/<int:plan_id>")
@blp.response(200, schemas.PlanOut)
def get_plan(plan_id: int):
    return found(services.get_plan(plan_id), "meals.plan")


@blp.post("/plans/<int:plan_id>/confirm")
@blp.response(200, schemas.PlanOut)
def confirm_plan(plan_id: int):
    plan = found(services.get_plan(plan_id), "meals.plan")
    require("meals.confirm_plan")
    services.confirm_plan(plan, actor_id=current_user.id)
    return plan


@blp.post("/plans/<int:plan_id>/decline")
@blp.arguments(schemas.DecideIn)
@blp.response(200, schemas.PlanOut)
def decline_plan(args, plan_id: int):
    plan = found(services.get_plan(plan_id), "meals.plan")
    require("meals.confirm_plan")
    services.decline_plan(plan, actor_id=current_user.id, note=args["note"])
    return plan


@blp.post("/plans/<int:plan_id>/end")
@blp.arguments(schemas.PlanEndIn)
@blp.response(200, schemas.PlanOut)
def end_plan(args, plan_id: int):
    """Stop the plan after a day; meals already final stay."""
    plan = found(services.get_plan(plan_id), "meals.plan")
    services.end_plan(plan, args["ends_on"], actor_id=current_user.id)
    return plan


@blp.get("/orders")
@blp.arguments(schemas.OrderListArgs, location="query")
@blp.response(200, OrderList)
def list_orders(args):
    require("meals.view")
    items = services.list_orders(**args, resident_ids=own_residents())
    return {"items": services.with_cancellable(items), "next_cursor": None}


@blp.post("/orders/<int:order_id>/cancel")
@blp.response(200, schemas.OrderOut)
def cancel_order(order_id: int):
    """Skip this meal; refused after the cutoff (the day before, at the canteen's time)."""
    order = found(services.get_order(order_id), "meals.plan")
    services.cancel_order(order, actor_id=current_user.id)
    return services.with_cancellable([order])[0]


@blp.post("/orders/<int:order_id>/restore")
@blp.response(200, schemas.OrderOut)
def restore_order(order_id: int):
    order = found(services.get_order(order_id), "meals.plan")
    services.restore_order(order, actor_id=current_user.id)
    return services.with_cancellable([order])[0]


@blp.post("/orders/<int:order_id>/delivery")
@blp.arguments(schemas.DeliveryIn)
@blp.response(200, schemas.OrderOut)
def mark_delivery(args, order_id: int):
    """The canteen marks the meal delivered (or eaten in) or missed, on or after its day; with `day` (the
    manifest's), a meal of another day is refused. A one-off meal delivered delivers its match."""
    order = found(services.get_order(order_id))
    require("meals.canteen", services.get_canteen(order.offer_id))
    services.mark_delivery(order, args["outcome"], actor_id=current_user.id, note=args["note"], day=args["day"])
    return services.with_cancellable([order])[0]


@blp.get("/canteens/<int:offer_id>/settings")
@blp.response(200, schemas.SettingsOut)
def get_settings(offer_id: int):
    return services.settings_of(found(services.get_canteen(offer_id), "meals.canteen"))


@blp.put("/canteens/<int:offer_id>/settings")
@blp.arguments(schemas.SettingsIn)
@blp.response(200, schemas.SettingsOut)
def put_settings(args, offer_id: int):
    """The price list per meal and eligibility group, and the cancellation cutoff."""
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    require("offers.edit", offer)
    return services.save_settings(offer, args)


@blp.get("/canteens/<int:offer_id>/manifest")
@blp.arguments(schemas.DayArgs, location="query")
@blp.response(200, schemas.ManifestOut)
def get_manifest(args, offer_id: int):
    """Meals of a day per slot and mode, and who eats where (name, address, diet notes only)."""
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    return services.manifest(offer, args["day"] or clock.today())


@blp.get("/canteens/<int:offer_id>/manifest.xlsx")
@blp.arguments(schemas.DayArgs, location="query")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def get_manifest_xlsx(args, offer_id: int):
    offer = found(services.get_canteen(offer_id), "meals.canteen")
    day: date = args["day"] or clock.today()
    return spreadsheet.xlsx_download(services.manifest_xlsx(services.manifest(offer, day)),
                                  f"manifest-{offer.id}-{day}.xlsx")


@blp.get("/canteens/<int:offer_id>/statement")
@blp.arguments(schemas.MonthArgs, location="query")
@blp.response(200, schemas.CanteenStatementOut)
def get_canteen_statement(args, offer_id: int):
    return services.canteen_statement(found(services.get_canteen(offer_id), "meals.canteen"), args["month"])


@blp.get("/residents/<int:resident_id>/statement")
@blp.arguments(schemas.MonthArgs, location="query")
@blp.response(200, schemas.ResidentStatementOut)
def get_resident_statement(args, resident_id: int):
    resident = found(find_resident(resident_id), "meals.statement")
    return services.resident_statement(resident, args["month"])


@blp.get("/missed")
@blp.arguments(schemas.MissedArgs, location="query")
@blp.response(200, OrderList)
def list_missed(args):
    """Missed meals of the last days and meals the canteen had no place for: the coordinator's list."""
    require("meals.missed")
    return {"items": services.with_cancellable([order for order, _r, _o in services.missed(days=args["days"])]),
            "next_cursor": None}
