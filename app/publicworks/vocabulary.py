"""Words for the public works pages: categories, units of measure, statuses and moves in the reader's language."""
from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "road": _l("Road (道路)"), "drains": _l("Drains (排水)"), "toilets": _l("Public toilets (公厕)"),
    "rubbish": _l("Rubbish removal (垃圾清运)"), "trees": _l("Trees and green (绿化)"),
    "lighting": _l("Street lighting (路灯)"), "other": _l("Other"),
}
MEASURE_LABELS = {"m2": _l("m²"), "m": _l("m"), "pieces": _l("pieces"), "truckloads": _l("truckloads")}
STATUS_LABELS = {
    "draft": _l("Draft"), "filed": _l("Filed with the department"), "in_progress": _l("Work in progress"),
    "done": _l("Done"), "rejected": _l("Rejected by the department"), "cancelled": _l("Withdrawn by the community"),
}
MOVE_LABELS = {"filed": _l("File with the department"), "in_progress": _l("The department started work"),
               "done": _l("Mark as done"), "rejected": _l("The department rejected it"),
               "cancelled": _l("Withdraw the request")}
# Departments a community usually deals with, offered as suggestions; any other name may be typed in.
DEPARTMENTS = ("区市政市容管理委员会", "区城市管理委员会", "区水务局", "区环境卫生服务中心", "区园林绿化局",
               "区住房和城乡建设委员会", "区城管执法局", "街道办事处", "供电公司")


def labels() -> dict:
    return {"CATEGORY_LABELS": CATEGORY_LABELS, "MEASURE_LABELS": MEASURE_LABELS, "PW_STATUS_LABELS": STATUS_LABELS,
            "PW_MOVE_LABELS": MOVE_LABELS, "DEPARTMENTS": DEPARTMENTS}
