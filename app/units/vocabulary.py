"""Names of unit types and statuses in the user's language, and the words an import sheet may use."""
from flask_babel import lazy_gettext as _l

TYPE_LABELS = {
    "central_body": _l("Central government body"),
    "municipal_body": _l("Municipal body"),
    "district_body": _l("District body"),
    "school": _l("School"),
    "shop": _l("Individual shop"),
    "enterprise": _l("Private enterprise"),
    "property_company": _l("Property company"),
    "park": _l("Park"),
    "cultural_centre": _l("Cultural centre"),
    "clinic": _l("Hospital or clinic"),
    "social_org": _l("Social organisation"),
    "other": _l("Other"),
}

STATUS_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "withdrawn": _l("Withdrawn"),
}

# Sheets kept in Excel say the type in Chinese; both languages and the codes are accepted.
TYPE_ALIASES = {
    "中央单位": "central_body", "中央属单位": "central_body", "中央机关": "central_body",
    "市属单位": "municipal_body", "市属机关": "municipal_body", "市级单位": "municipal_body",
    "区属单位": "district_body", "区属机关": "district_body", "区级单位": "district_body",
    "市区属单位": "district_body",
    "学校": "school", "中小学": "school", "中学": "school", "小学": "school", "中小学校": "school",
    "个体门店": "shop", "个体": "shop", "门店": "shop", "商户": "shop", "个体工商户": "shop",
    "私营企业": "enterprise", "企业": "enterprise", "民营企业": "enterprise", "公司": "enterprise",
    "物业公司": "property_company", "物业": "property_company",
    "公园": "park", "文化馆": "cultural_centre", "文化中心": "cultural_centre",
    "医院": "clinic", "诊所": "clinic", "卫生服务站": "clinic", "医院或诊所": "clinic",
    "社会组织": "social_org", "两新组织": "social_org", "社团": "social_org",
    "其他": "other", "其它": "other",
    "central government body": "central_body", "municipal body": "municipal_body", "district body": "district_body",
    "individual shop": "shop", "private enterprise": "enterprise", "property company": "property_company",
    "cultural centre": "cultural_centre", "hospital or clinic": "clinic", "social organisation": "social_org",
}
STATUS_ALIASES = {"正常": "active", "在册": "active", "活跃": "active", "暂停": "suspended", "已暂停": "suspended",
                  "退出": "withdrawn", "已退出": "withdrawn"}


def type_code(value: str | None) -> str | None:
    """A unit type code from a code, an English label or a Chinese one; None if unknown."""
    key = (value or "").strip()
    if key.lower() in TYPE_LABELS:  # codes, and English labels that are the code: School, Park, Other
        return key.lower()
    return TYPE_ALIASES.get(key) or TYPE_ALIASES.get(key.lower())


def status_code(value: str | None) -> str | None:
    key = (value or "").strip()
    if key in STATUS_LABELS:
        return key
    return STATUS_ALIASES.get(key) or (key.lower() if key.lower() in STATUS_LABELS else None)
