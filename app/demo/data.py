"""Deterministic demo data for "L社区" of "T街道" (a fictional 0.8 km² Beijing community).

Follows the source document: 135 units (13 municipal/district bodies, 3 schools,
63 individual shops, 56 private enterprises), among them a property company whose
staff canteen runs the 养老助残餐桌, a park holding a temple fair (庙会), a cultural
centre and a restaurant near the park. 31 units applied in the first period (2009–2010).

Everything is drawn from ``random.Random(seed)`` so a seed always yields the same data.
Phone prefixes are partitioned (units 136–139, people 130–135/18x, residents 15x)
so units, demo_people() and demo_residents() never share a phone number.
Standard library only.
"""
from __future__ import annotations

import datetime as dt
import random

from app.units.models import UNIT_TYPES  # noqa: E402,F401  (one list of types)

STREET_NAMES = ["柳荫街", "槐树胡同", "银杏路", "枣林街", "榆钱胡同", "石桥街",
                "丁香巷", "海棠胡同", "红星路", "文化街", "鼓楼西巷", "杏花胡同"]

REF_DATE = dt.date(2026, 11, 28)          # "today" for ages in the demo
JOIN_START, FIRST_PERIOD_END, JOIN_END = dt.date(2009, 3, 1), dt.date(2010, 12, 31), dt.date(2026, 6, 30)
FIRST_PERIOD_UNITS = 31

# --- names ---------------------------------------------------------------------------
# Common surnames, most frequent first (duplicates of the top ones weight the draw).
SURNAMES = ("王李张刘陈杨黄赵吴周" * 3 + "徐孙马朱胡郭何高林罗" * 2 +
            "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
            "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
# Given names differ by generation: born before ~1966 vs later.
GIVEN = {
    ("M", "old"): "建国 建华 国强 志强 国华 振华 德明 庆祥 玉林 文华 永生 宝山 长江 树林 福生 金海 "
                  "志刚 立新 卫东 红旗 和平 跃进 援朝 凤山 春生 海 军 勇 明 刚 平 林 忠 义 成 福".split(),
    ("F", "old"): "秀英 桂英 秀兰 玉兰 桂兰 淑珍 凤英 玉珍 秀珍 丽华 红梅 淑兰 素芬 桂芳 玉梅 秀云 "
                  "凤兰 淑英 金凤 爱华 红霞 秀芳 玉华 慧敏 芳 英 兰 珍 琴 华 梅 霞 娟 荣 萍 敏".split(),
    ("M", "young"): "伟 强 磊 军 勇 杰 涛 超 鹏 辉 飞 鑫 波 斌 宇 浩 凯 健 俊 帆 旭 宁 峰 亮 "
                    "子轩 浩然 宇航 志远 俊杰 博文 明轩 思远 文博 一鸣 嘉豪 天宇 晓东 海涛 建伟 立强".split(),
    ("F", "young"): "芳 娜 敏 静 丽 艳 娟 婷 雪 琳 颖 洁 倩 莹 佳 悦 晶 蕾 "
                    "欣怡 子涵 雨桐 佳怡 思琪 梓萱 诗涵 晓燕 丽娜 海燕 雅琴 婉婷 晓敏 春燕 静怡 梦瑶 雨欣".split(),
}


def _name(rng: random.Random, gender: str, birth_year: int) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN[gender, "old" if birth_year < 1966 else "young"])


def _phone(rng: random.Random, prefixes: tuple[str, ...], used: set[str]) -> str:
    while True:
        p = rng.choice(prefixes) + f"{rng.randrange(10**8):08d}"
        if p not in used:
            used.add(p)
            return p


def _date_between(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(a.toordinal(), b.toordinal()))


UNIT_PHONE_PREFIXES = ("136", "137", "138", "139")
PEOPLE_PHONE_PREFIXES = ("130", "131", "132", "133", "135", "180", "181", "186", "187", "188", "189")
RESIDENT_PHONE_PREFIXES = ("150", "151", "152", "153", "155", "156", "157", "158", "159")

# --- units ---------------------------------------------------------------------------
# (name, type, street for address or None, description) -- the 13 bodies of the source.
BODIES = [
    ("区税务局T街道税务所", "district_body", "红星路", "区税务局派驻街道的基层税务所，办理个体户和小微企业涉税事务；可到社区开展纳税政策宣讲。"),
    ("T街道市政管理所", "municipal_body", "石桥街", "负责辖区道路、路灯和排水设施的日常养护；可协助处理楼院积水、路灯损坏等问题。"),
    ("区劳动保障所T街道分所", "district_body", "文化街", "办理就业登记、社保和失业人员再就业服务；可为社区居民提供招聘信息和职业指导。"),
    ("区公安分局T街道派出所", "district_body", "枣林街", "负责辖区治安和户籍管理；可为社区开展防诈骗、消防安全宣传，协助独居老人安全巡查。"),
    ("T街道环境卫生所", "district_body", "榆钱胡同", "负责街巷清扫和垃圾清运；可组织垃圾分类宣传并协助社区大扫除。"),
    ("区园林绿化所T街道管理站", "district_body", "银杏路", "负责辖区公共绿地和行道树养护；可为社区绿化美化提供苗木和技术指导。"),
    ("市供电公司T街道供电所", "municipal_body", "红星路", "负责辖区供电设施运维和用电服务；可为孤寡老人免费检查家庭线路。"),
    ("市自来水集团L社区营业所", "municipal_body", "丁香巷", "办理用水缴费和管网报修；可为困难家庭上门维修水表和管线。"),
    ("区市场监管局T街道市场监管所", "district_body", "文化街", "负责辖区食品安全和市场秩序监管；可为社区开展食品安全和消费维权讲座。"),
    ("区房屋管理所T街道房管站", "district_body", "鼓楼西巷", "负责直管公房的租赁和修缮；可协助老旧楼房的适老化改造。"),
]
PARK = ("L公园", "park", "银杏路", "社区内的综合性公园，每逢春节等传统节日举办庙会；可为社区文体活动、义诊和义卖提供场地。")
CULTURAL_CENTRE = ("区第二文化馆", "cultural_centre", "文化街", "区属公共文化机构，设有排练厅、阅览室和多功能厅；可为社区文艺队提供场地和专业辅导。")
CLINIC = ("L社区卫生服务站", "clinic", "海棠胡同", "提供常见病诊疗、慢病管理和预防接种；可为老年人建立健康档案、上门随访和义诊。")
SCHOOLS = [
    ("北京市柳荫街小学", "柳荫街", "公办完全小学，有学生约九百人；可组织学生志愿者探望社区老人，节假日开放操场。"),
    ("北京市T街道第二实验小学", "杏花胡同", "公办小学，以科技和艺术特色教育见长；可为社区儿童开设课后托管和兴趣课堂。"),
    ("北京市第二百一十三中学", "槐树胡同", "公办完全中学；可组织中学生参加社区志愿服务，寒暑假开放图书馆和体育场地。"),
]
PROPERTY = ("京华物业管理有限公司", "红星路",
            "负责社区多个小区的物业管理，员工食堂可为社区老年人和残疾人提供早、中、晚三餐，"
            "承办养老助残餐桌；还可提供水电维修和上门服务。")
RESTAURANT = ("聚福园饭店", "银杏路", "位于L公园东门对面的中型饭店，主营京味菜；可承办社区百人规模的大型活动和庙会餐饮。")

# (suffix, name style, count, description). Styles: food/craft use the owner's surname, chain uses a brand.
SHOP_TRADES = [
    ("家常菜馆", "food", 4, "京味家常菜馆，午晚两餐堂食外卖；可为行动不便的老人送餐上门。"),
    ("饺子馆", "food", 3, "手工水饺馆；可在节日为社区孤寡老人包饺子、送饺子。"),
    ("面馆", "food", 3, "老北京炸酱面馆；可为社区活动提供平价简餐。"),
    ("包子铺", "food", 2, "早点包子铺；可为环卫工人和独居老人提供爱心早餐。"),
    ("早点铺", "food", 1, "豆浆油条早点铺；可为社区志愿者提供早餐优惠。"),
    ("便利店", "chain", 3, "24小时便利店；可为老人代收快递、代缴水电费。"),
    ("超市", "chain", 3, "社区超市，经营日用百货和生鲜；可为老人免费送货上门。"),
    ("粮油店", "food", 2, "粮油副食店；可为低保家庭提供平价粮油。"),
    ("蔬菜店", "food", 3, "蔬菜零售店；可为社区食堂和老人提供新鲜平价蔬菜。"),
    ("鲜肉店", "food", 1, "鲜肉零售店；可按需为老人分切小份肉品并送货。"),
    ("水果店", "food", 3, "水果店；可在重阳节等节日为社区老人捐赠水果。"),
    ("理发店", "craft", 3, "社区理发店；可定期为高龄和残疾老人上门理发。"),
    ("修鞋铺", "craft", 2, "修鞋配钥匙的小铺；可为社区居民提供免费修补服务日。"),
    ("家电维修部", "craft", 2, "家电维修部；可为困难家庭免费检修家电。"),
    ("自行车修理铺", "craft", 1, "修车铺，修自行车和电动车；可为老人轮椅、助行器做简单维修。"),
    ("开锁配钥匙店", "craft", 1, "公安备案的开锁配钥匙店；可为独居老人提供应急开锁。"),
    ("手机维修店", "craft", 1, "手机维修店；可教老人使用智能手机和健康码等应用。"),
    ("大药房", "chain", 2, "社区药店；可为老人免费测血压、讲解用药常识。"),
    ("烘焙坊", "chain", 2, "面包蛋糕烘焙坊；可为社区老人集体生日会提供蛋糕。"),
    ("糕点铺", "food", 1, "京式糕点铺；可在中秋、春节为社区活动提供点心。"),
    ("干洗店", "chain", 2, "洗衣干洗店；可为失能老人提供上门收送衣物。"),
    ("裁缝铺", "craft", 2, "裁缝铺，改衣做衣；可为社区文艺队缝补演出服装。"),
    ("茶叶店", "food", 2, "茶叶店；可为社区茶话会提供茶叶和场地。"),
    ("五金店", "food", 2, "五金建材店；可为居民小修小补提供工具和配件。"),
    ("文具店", "food", 1, "文具店；可为社区儿童活动捐赠文具。"),
    ("花店", "chain", 1, "鲜花店；可为社区节日活动布置花艺。"),
    ("照相馆", "chain", 1, "照相馆；可为老人拍证件照、上门为行动不便者拍照。"),
    ("眼镜店", "chain", 1, "眼镜店；可为老人免费验光、清洗眼镜。"),
    ("图文打印店", "chain", 1, "复印打字图文店；可为社区印制宣传资料。"),
    ("书店", "chain", 1, "小书店；可为社区读书会提供图书和场地。"),
    ("宠物店", "chain", 1, "宠物用品店；可为社区开展文明养犬宣传。"),
    ("副食店", "food", 1, "老字号副食店，经营油盐酱醋和京味小吃；可为老人电话订货送货。"),
    ("烟酒店", "food", 1, "烟酒副食店；可为社区活动提供饮品。"),
    ("豆腐坊", "food", 1, "手工豆腐坊；可为养老助残餐桌提供豆制品。"),
    ("家政服务部", "chain", 1, "个体家政服务部；可为老人提供保洁、陪护等上门服务。"),
    ("母婴店", "chain", 1, "母婴用品店；可为社区新生儿家庭提供育儿咨询。"),
]
SHOP_BRANDS = ("福满 顺心 康宁 惠民 兴隆 和顺 百姓 万家 鑫源 安康 乐家 好邻居 便民 金穗 "
               "时光 同仁 德顺 吉祥 美好 阳光 小满 春天 知音 欣欣").split()

# (name pattern, count, description). {b} is a two-character brand.
ENTERPRISE_KINDS = [
    ("{b}科技有限公司", 8, "从事软件开发和信息技术服务；可为社区提供电脑维修和老人智能手机培训。"),
    ("{b}网络科技有限公司", 3, "互联网服务公司；可协助社区建设线上服务平台。"),
    ("{b}商贸有限公司", 6, "日用品和食品批发公司；可为社区困难家庭捐赠物资。"),
    ("{b}企业管理咨询有限公司", 3, "管理咨询公司；可为社区社会组织提供项目策划辅导。"),
    ("{b}物流有限公司", 3, "同城物流配送公司；可为社区活动运送物资、帮助老人搬家。"),
    ("{b}建筑装饰工程有限公司", 3, "装饰装修公司；可为老人家庭做适老化改造和无障碍设施安装。"),
    ("{b}广告设计有限公司", 3, "平面和广告设计公司；可为社区设计宣传海报和展板。"),
    ("{b}教育咨询有限公司", 4, "中小学课外辅导机构；可为社区困难家庭子女免费辅导功课。"),
    ("北京市{b}律师事务所", 2, "律师事务所；可定期到社区提供免费法律咨询。"),
    ("{b}会计服务有限公司", 2, "代理记账公司；可为个体户和老人提供税务、社保咨询。"),
    ("{b}家政服务有限公司", 3, "家政服务公司；可为失能老人和残疾人提供助洁、助浴服务。"),
    ("{b}健康管理有限公司", 2, "健康管理公司；可为社区老人开展健康讲座和体检。"),
    ("{b}医疗器械有限公司", 1, "康复器械销售公司；可为残疾人免费租借轮椅和康复器具。"),
    ("{b}文化传媒有限公司", 3, "文化传媒公司；可为社区活动提供策划、摄影和音响设备。"),
    ("{b}餐饮管理有限公司", 2, "团餐配送公司；可为社区老年餐桌配送午餐。"),
    ("{b}房地产经纪有限公司", 2, "房屋租售中介；可为社区提供租房政策咨询。"),
    ("{b}印刷有限公司", 1, "印刷公司；可为社区免费印制宣传册。"),
    ("{b}养老服务有限公司", 1, "居家养老服务公司；可为社区老人提供助餐、助医、陪护服务。"),
    ("{b}汽车服务有限公司", 1, "汽车维修保养公司；可为社区助老出行车辆提供维修。"),
    ("{b}保洁服务有限公司", 1, "保洁公司；可协助社区楼道清理和大扫除。"),
]
ENTERPRISE_BRANDS = ("恒信 博远 中联 华泰 鼎盛 瑞丰 宏达 新桥 广源 永安 众合 天成 泰和 嘉禾 润泽 金桥 "
                     "诚意 卓越 华辰 明德 厚德 盛世 宏图 致远 同心 安信 立德 海纳 融通 精诚 正源 长青 "
                     "信达 德润 远航 鸿运 兴业 晨光 锦程 凯旋 和美 惠通 佳和 开元 丰泽 瑞祥 恒通 明远 "
                     "益民 康泰 春晖 万通 福瑞 清源 智汇 创新 启航 聚力").split()


def demo_units(seed: int = 11) -> list[dict]:
    """135 units in the source's mix; deterministic for a seed."""
    rng = random.Random(seed)
    used_addr: set[str] = set()

    def street_addr(street: str | None = None) -> str:
        while True:
            addr = f"T街道{street or rng.choice(STREET_NAMES)}{rng.randint(1, 88)}号"
            if addr not in used_addr:
                used_addr.add(addr)
                return addr

    def shop_addr() -> str:
        if rng.random() < 0.5:
            return street_addr()
        while True:  # shops on the ground floor (底商) of residential buildings
            addr = f"L社区{rng.randint(1, 24)}号楼底商{rng.randint(1, 8)}号"
            if addr not in used_addr:
                used_addr.add(addr)
                return addr

    units: list[tuple] = []  # (name, type, address, description)
    for name, typ, street, desc in BODIES + [PARK, CULTURAL_CENTRE, CLINIC]:
        units.append((name, typ, street_addr(street), desc))
    park_address = units[len(BODIES)][2]
    for name, street, desc in SCHOOLS:
        units.append((name, "school", street_addr(street), desc))

    shop_names: set[str] = set()
    for suffix, style, count, desc in SHOP_TRADES:
        for _ in range(count):
            while True:
                s = rng.choice(SURNAMES)
                if style == "food":
                    name = rng.choice([f"{s}记{suffix}", f"老{s}{suffix}", f"{s}家{suffix}"])
                elif style == "craft":
                    name = rng.choice([f"{s}记{suffix}", f"{s}师傅{suffix}", f"老{s}{suffix}"])
                else:
                    name = rng.choice(SHOP_BRANDS) + suffix + ("(L社区店)" if rng.random() < 0.25 else "")
                if name not in shop_names:
                    break
            shop_names.add(name)
            units.append((name, "shop", shop_addr(), desc))

    units.append((PROPERTY[0], "property_company", street_addr(PROPERTY[1]), PROPERTY[2]))
    # the restaurant sits a few doors from the park gate
    park_no = int(park_address.split(RESTAURANT[1])[1].rstrip("号"))
    rest_no = park_no + 2
    while f"T街道{RESTAURANT[1]}{rest_no}号" in used_addr:
        rest_no += 2
    rest_addr = f"T街道{RESTAURANT[1]}{rest_no}号"
    used_addr.add(rest_addr)
    units.append((RESTAURANT[0], "enterprise", rest_addr, RESTAURANT[2]))
    brands = rng.sample(ENTERPRISE_BRANDS, sum(k[1] for k in ENTERPRISE_KINDS))
    for pattern, count, desc in ENTERPRISE_KINDS:
        for _ in range(count):
            name = pattern.format(b=brands.pop())
            if not name.startswith("北京") and rng.random() < 0.5:
                name = "北京" + name
            addr = street_addr()
            if rng.random() < 0.4:  # many small firms rent an office floor
                addr += f"{rng.randint(2, 6)}层"
            units.append((name, "enterprise", addr, desc))

    # The 31 first-period members: all bodies, schools, property company and restaurant, plus some others.
    core = [i for i, u in enumerate(units) if u[1] not in ("shop", "enterprise") or u[0] == RESTAURANT[0]]
    others = [i for i in range(len(units)) if i not in core]
    early = set(core) | set(rng.sample(others, FIRST_PERIOD_UNITS - len(core)))

    phones: set[str] = set()
    result = []
    for i, (name, typ, addr, desc) in enumerate(units):
        gender = rng.choice("MF")
        joined = (_date_between(rng, JOIN_START, FIRST_PERIOD_END) if i in early
                  else _date_between(rng, FIRST_PERIOD_END + dt.timedelta(days=1), JOIN_END))
        result.append({
            "name": name, "type": typ, "address": addr,
            "contact_name": _name(rng, gender, rng.randint(1960, 1998)),
            "contact_phone": _phone(rng, UNIT_PHONE_PREFIXES, phones),
            "description": desc, "joined_on": joined,
        })

    counts = {t: sum(u["type"] == t for u in result) for t in UNIT_TYPES}
    bodies = counts["municipal_body"] + counts["district_body"] + counts["park"] + counts["cultural_centre"] + counts["clinic"]
    assert bodies == 13 and counts["school"] == 3 and counts["shop"] == 63
    assert counts["enterprise"] + counts["property_company"] == 56 and counts["property_company"] == 1
    assert len(result) == 135 == len({u["name"] for u in result}) == len({u["address"] for u in result})
    assert sum(u["joined_on"] <= FIRST_PERIOD_END for u in result) == FIRST_PERIOD_UNITS
    return result


# --- people --------------------------------------------------------------------------
def _ages(rng: random.Random, n: int) -> list[int]:
    """Exact quotas so small demos still look right: 35% aged 60+, a fifth of those 80+."""
    n_old = round(n * 0.35)
    n_80 = round(n_old * 0.2)
    ages = ([rng.randint(80, 98) for _ in range(n_80)] + [rng.randint(60, 79) for _ in range(n_old - n_80)]
            + [rng.randint(18, 59) for _ in range(n - n_old)])
    rng.shuffle(ages)
    return ages


def _people(n: int, rng: random.Random, prefixes: tuple[str, ...]) -> list[dict]:
    names: set[str] = set()
    phones: set[str] = set()
    people = []
    for age in _ages(rng, n):
        # birthday such that the person is exactly `age` on REF_DATE
        hi = REF_DATE.replace(year=REF_DATE.year - age)
        lo = REF_DATE.replace(year=REF_DATE.year - age - 1) + dt.timedelta(days=1)
        birth = _date_between(rng, lo, hi)
        gender = rng.choice("FM")
        for _ in range(1000):  # retry on name collision
            name = _name(rng, gender, birth.year)
            if name not in names:
                break
        else:
            raise ValueError(f"cannot make {n} distinct names")
        names.add(name)
        people.append({"name": name, "phone": _phone(rng, prefixes, phones), "gender": gender, "birth_date": birth})
    return people


def demo_people(n: int, seed: int = 7) -> list[dict]:
    """n distinct realistic people: name, phone (unique 11-digit), gender ('F'/'M'), birth_date (date)."""
    return _people(n, random.Random(seed), PEOPLE_PHONE_PREFIXES)


def _age(birth: dt.date) -> int:
    return REF_DATE.year - birth.year - ((REF_DATE.month, REF_DATE.day) < (birth.month, birth.day))


# Shares among disabled people (China's second national disability sample survey).
DISABILITY_SHARES = {"physical": 0.29, "hearing": 0.24, "multiple": 0.16, "visual": 0.14,
                     "mental": 0.07, "intellectual": 0.07, "speech": 0.02}
GRADE_WEIGHTS = {1: 0.15, 2: 0.20, 3: 0.30, 4: 0.35}   # milder grades 3–4 are more common


def _apportion(total: int, shares: dict[str, float]) -> list[str]:
    """Largest-remainder split of `total` items by `shares`."""
    raw = {k: total * v / sum(shares.values()) for k, v in shares.items()}
    out = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[:total - sum(out.values())]:
        out[k] += 1
    return [k for k, c in out.items() for _ in range(c)]


def demo_residents(n: int = 300, seed: int = 5) -> list[dict]:
    """Residents: person fields plus building (1–24 号楼), unit (1–4 单元), room (e.g. '302'), elderly bool (60+),
    living_alone bool (空巢), disability_category ('physical','intellectual','visual','hearing','mental','speech',
    'multiple' or None), disability_grade (1–4 or None), low_income bool (低保)."""
    rng = random.Random(seed)
    residents = _people(n, rng, RESIDENT_PHONE_PREFIXES)
    # six-storey walk-ups, three flats per landing; one flat per resident while they last
    flats = [(b, u, f"{f}0{d}") for b in range(1, 25) for u in range(1, 5) for f in range(1, 7) for d in range(1, 4)]
    homes = rng.sample(flats, n) if n <= len(flats) else [rng.choice(flats) for _ in range(n)]
    for r, (b, u, room) in zip(residents, homes):
        r.update(building=b, unit=u, room=room, elderly=_age(r["birth_date"]) >= 60, living_alone=False,
                 disability_category=None, disability_grade=None, low_income=False)

    elderly = [r for r in residents if r["elderly"]]
    for r in rng.sample(elderly, round(len(elderly) * 0.2)):
        r["living_alone"] = True
    # disability is about twice as likely among the elderly (weighted sampling without replacement)
    keyed = sorted(residents, key=lambda r: rng.random() ** (1 / (2.0 if r["elderly"] else 1.0)), reverse=True)
    categories = _apportion(round(n * 0.063), DISABILITY_SHARES)
    rng.shuffle(categories)
    for r, cat in zip(keyed, categories):
        r["disability_category"] = cat
        r["disability_grade"] = rng.choices(list(GRADE_WEIGHTS), weights=list(GRADE_WEIGHTS.values()))[0]
    for r in rng.sample(residents, round(n * 0.03)):
        r["low_income"] = True
    return residents


# --- public works ----------------------------------------------------------------------------
# Requests the community filed with municipal departments (the fourth docking): (category, title, location,
# department, [(work, unit of measure, planned, done)], status, filed days ago, done days ago, due in days).
PUBLIC_WORKS = [
    ("road", "修补柳荫街3号楼前破损路面", "柳荫街3号楼南侧人行道", "区市政市容管理委员会",
     [("破损路面修补", "m2", 180, 180), ("路缘石更换", "m", 42, 42)], "done", 80, 38, None),
    ("rubbish", "清运银杏路沿线堆积的建筑垃圾", "银杏路L公园东门至红星路口", "区城市管理委员会",
     [("建筑垃圾清运", "truckloads", 12, 12)], "done", 30, 21, None),
    ("drains", "疏通槐树胡同排水管道", "槐树胡同8号至20号", "区水务局",
     [("排水管道疏通", "m", 320, 120), ("检查井盖更换", "pieces", 6, 2)], "in_progress", 25, None, 17),
    ("toilets", "改造石桥街老旧公厕", "石桥街与丁香巷交口公厕", "区环境卫生服务中心",
     [("蹲位改造（含无障碍蹲位）", "pieces", 8, 0), ("地面防滑铺装", "m2", 45, 0)], "filed", 8, None, 120),
    ("trees", "修剪文化街行道树", "文化街全段", "区园林绿化局",
     [("行道树修剪", "pieces", 36, 0)], "draft", None, None, None),
]
