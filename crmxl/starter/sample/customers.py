"""Demo data for ``crmxl init --sample``: a plausible sales team and two years of its CRM.

The sample is what a new user sees first, so it must look like a real team's workbook and, run
through ``validate``, ``refresh``, ``todo``, ``assign`` and ``report``, show something in every
list. It is built around *scenarios* (a customer whose last-12-month amount is exactly the A
threshold, a complaint past its response deadline, a lead no one may take ...) placed among
about 200 ordinary customers, and it carries a handful of *deliberate problems* (:class:`Problem`)
that ``validate`` should report; everything else is valid.

Everything is deterministic for a given ``seed`` and ``as_of``, and every date is relative to
``as_of`` so the scenarios hold whenever the sample is made. Values are canonical (Chinese enum
values, real dates and numbers); :mod:`crmxl.starter.templates` writes them in the workbook's language.
Auto (computed) columns are left blank for ``refresh``, except one 客户等级 that records the tier
of a previous refresh, so that "tier fell" has something to compare with.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from crmxl.model.schema import LEADS, SHEETS_BY_KEY
from crmxl.model.settings import DEFAULT_INDUSTRIES, DEFAULT_REGIONS, Settings

#: The as-of moment of the bundled ``sample_data/crm-sample.xlsx`` (a date alone: its start).
SAMPLE_AS_OF = datetime(2026, 11, 20)
SAMPLE_SEED = 20261120

Row = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    """One deliberate problem in the sample: where it is and what ``validate`` should say."""

    sheet: str  # sheet key
    row: int  # 0-based index into Sample.rows[sheet]; the Excel row is row + 2
    column: str  # column key
    severity: str  # "error" or "warning"
    zh: str
    en: str

    def describe(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Sample:
    """The demo data: rows per sheet key, the deliberate problems and the scenario records."""

    as_of: datetime
    seed: int
    rows: dict[str, list[Row]]
    problems: list[Problem] = field(default_factory=list)
    #: scenario name -> the ID of the record that plays it (a customer, issue, need or lead ID)
    scenarios: dict[str, str] = field(default_factory=dict)

    def count(self, sheet_key: str) -> int:
        return len(self.rows.get(sheet_key, []))


# ------------------------------------------------------------------------------ the team

# name, role, team, regions, industries, active, lead cap
TEAM: tuple[tuple[str, str, str, str, str, str, int | None], ...] = (
    ("张伟", "销售经理", "华东组", "华东、华南", "", "是", None),
    ("王芳", "销售经理", "华北组", "华北、华中、西南、西北、东北", "", "是", None),
    ("刘洋", "管理员", "", "", "", "是", None),
    ("李娜", "销售专员", "华东组", "华东", "制造业、互联网", "是", 20),
    ("陈静", "销售专员", "华东组", "华东、华南", "金融、零售、医疗", "是", 20),
    ("杨磊", "销售专员", "华东组", "华南", "制造业、物流", "是", 3),
    ("赵敏", "销售专员", "华北组", "华北、东北", "政府及公共事业、教育、医疗", "是", 20),
    ("黄强", "销售专员", "华北组", "华中、西南", "能源、建筑、制造业", "是", 20),
    ("周杰", "销售专员", "华北组", "西北", "能源、建筑", "否", 20),
)
#: Who owns customers in each region (first is the usual owner).
REGION_OWNERS: dict[str, tuple[str, ...]] = {
    "华东": ("李娜", "陈静", "张伟"),
    "华南": ("杨磊", "陈静"),
    "华北": ("赵敏", "王芳"),
    "东北": ("赵敏",),
    "华中": ("黄强",),
    "西南": ("黄强", "王芳"),
    "西北": ("周杰",),
}
#: A name that is not in the team (a deliberate problem).
STRANGER = "王小明"

# ------------------------------------------------------------------------------ word pools

CITIES: dict[str, tuple[tuple[str, str], ...]] = {  # region -> (city, area code)
    "华东": (
        ("上海", "021"),
        ("杭州", "0571"),
        ("南京", "025"),
        ("苏州", "0512"),
        ("宁波", "0574"),
        ("合肥", "0551"),
        ("无锡", "0510"),
        ("济南", "0531"),
        ("青岛", "0532"),
        ("厦门", "0592"),
        ("福州", "0591"),
    ),
    "华南": (
        ("广州", "020"),
        ("深圳", "0755"),
        ("东莞", "0769"),
        ("佛山", "0757"),
        ("珠海", "0756"),
        ("南宁", "0771"),
        ("海口", "0898"),
    ),
    "华北": (
        ("北京", "010"),
        ("天津", "022"),
        ("石家庄", "0311"),
        ("太原", "0351"),
        ("呼和浩特", "0471"),
    ),
    "华中": (("武汉", "027"), ("长沙", "0731"), ("郑州", "0371"), ("南昌", "0791")),
    "西南": (("成都", "028"), ("重庆", "023"), ("昆明", "0871"), ("贵阳", "0851")),
    "西北": (("西安", "029"), ("兰州", "0931"), ("银川", "0951"), ("乌鲁木齐", "0991")),
    "东北": (("沈阳", "024"), ("大连", "0411"), ("长春", "0431"), ("哈尔滨", "0451")),
}
REGION_WEIGHTS = {"华东": 34, "华南": 20, "华北": 18, "华中": 10, "西南": 8, "西北": 4, "东北": 6}

WORDS: tuple[tuple[str, str], ...] = (
    ("恒泰", "hengtai"),
    ("瑞丰", "ruifeng"),
    ("宏达", "hongda"),
    ("鼎盛", "dingsheng"),
    ("天成", "tiancheng"),
    ("博远", "boyuan"),
    ("嘉禾", "jiahe"),
    ("新锐", "xinrui"),
    ("金桥", "jinqiao"),
    ("远航", "yuanhang"),
    ("明德", "mingde"),
    ("润泽", "runze"),
    ("汇通", "huitong"),
    ("启明", "qiming"),
    ("众诚", "zhongcheng"),
    ("亿联", "yilian"),
    ("盛世", "shengshi"),
    ("同创", "tongchuang"),
    ("海纳", "haina"),
    ("安泰", "antai"),
    ("蓝海", "lanhai"),
    ("云帆", "yunfan"),
    ("智达", "zhida"),
    ("恒源", "hengyuan"),
    ("德润", "derun"),
    ("凯旋", "kaixuan"),
    ("宏图", "hongtu"),
    ("华腾", "huateng"),
    ("中科", "zhongke"),
    ("华信", "huaxin"),
    ("星辰", "xingchen"),
    ("精诚", "jingcheng"),
    ("通达", "tongda"),
    ("万象", "wanxiang"),
    ("永信", "yongxin"),
    ("长风", "changfeng"),
    ("青禾", "qinghe"),
    ("立方", "lifang"),
)

# industry -> (name part, domain part, main business)
TRADES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "制造业": (
        ("精密机械", "jm", "数控机床零部件加工"),
        ("电子科技", "dz", "工业控制电子模块"),
        ("汽车零部件", "auto", "汽车底盘与制动零部件"),
        ("新材料", "xcl", "高分子复合材料"),
        ("智能装备", "zn", "自动化产线与机器人集成"),
    ),
    "互联网": (
        ("网络科技", "net", "企业级SaaS服务"),
        ("信息技术", "it", "系统集成与IT运维"),
        ("数字科技", "digital", "数字营销与数据分析"),
        ("软件", "soft", "行业管理软件开发"),
    ),
    "金融": (
        ("融资租赁", "leasing", "设备融资租赁"),
        ("投资管理", "invest", "股权投资与资产管理"),
        ("保险经纪", "ins", "企业财产与团体保险经纪"),
        ("商业保理", "factoring", "供应链金融"),
    ),
    "医疗": (
        ("医疗器械", "med", "医用影像设备销售与维护"),
        ("生物医药", "bio", "创新药研发"),
        ("健康管理", "health", "企业员工健康管理"),
    ),
    "教育": (
        ("教育科技", "edu", "在线教育平台"),
        ("职业培训", "training", "职业技能培训"),
        ("文化传播", "culture", "企业培训与会务"),
    ),
    "零售": (
        ("商贸", "trade", "日用消费品批发"),
        ("连锁超市", "mart", "社区连锁超市"),
        ("电子商务", "ec", "跨境电商"),
        ("百货", "dept", "百货零售"),
    ),
    "物流": (
        ("物流", "logistics", "城际零担物流"),
        ("供应链管理", "scm", "供应链一体化服务"),
        ("国际货运代理", "freight", "国际货运代理"),
        ("仓储服务", "wh", "冷链仓储"),
    ),
    "能源": (
        ("新能源", "newenergy", "储能系统集成"),
        ("光伏科技", "solar", "分布式光伏电站"),
        ("电力工程", "power", "输变电工程施工"),
        ("燃气", "gas", "城市燃气供应"),
    ),
    "建筑": (
        ("建筑工程", "build", "房建与市政工程施工"),
        ("装饰工程", "deco", "公共建筑装饰"),
        ("工程设计", "design", "建筑与结构设计"),
        ("建材", "bm", "绿色建材生产"),
    ),
    "政府及公共事业": (
        ("水务", "water", "城市供排水"),
        ("公交", "bus", "城市公共交通运营"),
        ("城市建设投资", "ctjs", "城市基础设施投资建设"),
        ("环保", "env", "垃圾处理与环境卫生"),
    ),
    "其他": (
        ("企业管理咨询", "consult", "管理咨询"),
        ("广告", "ad", "广告策划与投放"),
        ("会展服务", "expo", "会议会展服务"),
    ),
}
INDUSTRIES = tuple(i for i in DEFAULT_INDUSTRIES if i in TRADES)
ENDINGS = (
    ("有限公司", 62),
    ("股份有限公司", 12),
    ("有限责任公司", 8),
    ("集团有限公司", 8),
)

_SURNAME_PINYIN = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo "
    "zheng liang xie song tang xu han feng deng cao peng zeng xiao tian dong yuan pan "
    "jiang cai yu du ye cheng su wei lv ding shen yao lu jiang cui zhong tan lu fan jin "
    "shi liao jia xia fang bai zou meng xiong qin qiu yin xue duan lei hou long shi tao "
    "he gu mao hao gong shao wan qian yan dai kong tang"
)
SURNAMES: tuple[tuple[str, str], ...] = tuple(
    zip(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈姚卢姜崔钟谭陆范金石廖贾夏方白邹孟熊秦邱尹薛段雷侯龙史陶贺顾毛郝龚邵万钱严戴孔汤",
        _SURNAME_PINYIN.split(),
        strict=True,
    )
)
GIVEN: tuple[tuple[str, str], ...] = (
    ("伟", "wei"),
    ("芳", "fang"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("霞", "xia"),
    ("平", "ping"),
    ("刚", "gang"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
    ("文博", "wenbo"),
    ("思远", "siyuan"),
    ("雨桐", "yutong"),
    ("子涵", "zihan"),
    ("浩然", "haoran"),
    ("嘉怡", "jiayi"),
    ("俊杰", "junjie"),
    ("婷婷", "tingting"),
    ("鹏", "peng"),
    ("慧", "hui"),
    ("宇", "yu"),
    ("欣", "xin"),
    ("晨", "chen"),
    ("凯", "kai"),
    ("琳", "lin"),
    ("国栋", "guodong"),
    ("秀兰", "xiulan"),
    ("立新", "lixin"),
)
DECIDER_TITLES = ("总经理", "董事长", "副总经理", "采购总监", "运营总监", "技术总监", "CEO")
OTHER_TITLES = (
    ("采购经理", "影响者"),
    ("IT经理", "影响者"),
    ("财务经理", "影响者"),
    ("项目经理", "使用者"),
    ("行政主管", "使用者"),
    ("工程师", "使用者"),
    ("总经理助理", "其他"),
)
PERSONALITIES = (
    "注重细节",
    "决策谨慎，需多轮论证",
    "性格爽快",
    "重视性价比",
    "技术背景，关注参数",
    "偏好微信沟通",
    "时间观念强",
    "重视长期合作",
    "",
    "",
)
INTERESTS = ("高尔夫", "羽毛球", "茶道", "摄影", "马拉松", "钓鱼", "书法", "自驾游", "", "", "")
MAIL_HOSTS = ("qq.com", "163.com", "126.com")
DISTRICTS = ("高新区", "经济技术开发区", "工业园区", "新区", "滨江区", "城东区")
ROADS = (
    "科技路",
    "创业大道",
    "人民路",
    "建设路",
    "长江路",
    "中山路",
    "学府路",
    "滨江大道",
    "金融街",
)
EXPOS = ("工业博览会", "行业展", "数字经济大会", "供应链峰会", "采购交易会")
SOURCES_WEIGHTED = (
    ("官网表单", 18),
    ("展会", 20),
    ("客户推荐", 16),
    ("电话咨询", 12),
    ("社交媒体", 8),
    ("陌拜", 8),
    ("合作伙伴", 10),
    ("公开信息", 6),
    ("其他", 2),
)
TAGS = ("高意向", "预算50万+", "竞品A客户", "决策链长", "价格敏感", "续约重点", "老客户转介绍", "")
BUDGETS: tuple[str | float, ...] = ("50-100万", "30万以内", "100万以上", 200_000, 500_000, "", "")
PRODUCTS = (
    "ERP实施服务",
    "智能仓储系统",
    "年度运维服务",
    "数据分析平台订阅",
    "定制开发",
    "培训服务",
    "硬件设备采购",
    "SaaS年费",
)
PAYMENT_TERMS = ("一次性付款", "预付30%，验收后付70%", "分三期付款", "月结30天", "季度结算")

SUMMARIES: dict[str, tuple[str, ...]] = {
    "潜在": (
        "首次电话沟通，介绍公司产品，客户愿意了解方案",
        "发送产品手册和同行业案例，客户表示会转给技术部门",
        "微信沟通，了解客户现有系统和主要痛点",
        "展会后回访，客户对智能排产模块感兴趣",
    ),
    "意向": (
        "上门拜访，演示产品功能，客户技术团队参与讨论",
        "视频会议讨论方案细节，客户提出需要分期付款",
        "微信沟通报价，客户认为价格偏高，需要内部评估",
        "与采购总监沟通商务条款，对交付周期有要求",
        "客户内部立项评审中，约定评审后再沟通",
    ),
    "成交": (
        "回访使用情况，客户反馈系统运行稳定",
        "节日问候并同步新版本功能",
        "沟通续约事宜，客户希望增加培训服务",
        "季度业务回顾，讨论下季度扩容计划",
        "处理发票问题，财务已确认",
        "了解客户新项目需求，预算待内部审批",
    ),
    "流失": (
        "合同到期沟通续约，客户表示预算收紧",
        "客户已选择其他供应商，保持联系",
    ),
}
FEEDBACK = ("认可方案方向", "价格需再谈", "需要内部讨论", "对服务满意", "关注交付周期", "", "")
AGREED = ("下周提供详细报价", "安排技术交流", "先试用一个月", "", "", "")
NEXT_ACTIONS = ("发送报价单", "安排产品演示", "准备合同草稿", "电话回访", "发送案例资料", "")
CHANNEL_WEIGHTS = (
    ("电话", 30),
    ("微信", 28),
    ("面谈", 16),
    ("视频会议", 10),
    ("邮件", 10),
    ("即时通讯", 3),
    ("展会", 2),
    ("其他", 1),
)
NEED_DESCRIPTIONS = (
    ("需要降低原材料采购成本", "集采平台，对接多家供应商", "采购成本降低15%"),
    ("仓库出入库效率低，希望上线条码管理", "智能仓储系统一期", "出入库效率提升30%"),
    ("销售数据分散，管理层看不到实时报表", "数据分析平台", "周报自动生成"),
    ("现有ERP系统老旧，计划替换", "ERP升级实施", "财务月结提前3天"),
    ("新工厂投产，需要产线监控", "MES产线监控模块", "设备稼动率可视化"),
    ("员工培训分散，希望统一线上学习", "企业学习平台", "培训覆盖率100%"),
    ("后续可能有扩产需求", "产能规划咨询", "支撑产能翻倍"),
)
ISSUE_TEXTS: dict[str, tuple[tuple[str, str], ...]] = {
    "投诉": (
        ("实施顾问多次未按约定时间到场", "更换顾问并书面道歉"),
        ("产品质量问题，部分设备到货损坏", "尽快换货"),
        ("客服电话长时间无人接听", "明确服务对接人"),
    ),
    "合作异常": (
        ("交付延迟一周，影响客户上线计划", "给出明确交付时间"),
        ("系统导出数据错误，财务对账不一致", "当天修复并重新导出"),
        ("发货数量与订单不符", "补发缺少的货物"),
    ),
    "售后问题": (
        ("系统升级后部分报表无法打开", "恢复报表功能"),
        ("设备异响，需要上门检修", "安排工程师上门"),
        ("账号权限配置错误", "调整权限"),
    ),
    "咨询": (
        ("咨询新版本功能和升级费用", "提供升级方案和报价"),
        ("咨询发票开具流程", "说明开票流程"),
        ("咨询增加用户数的价格", "提供报价"),
    ),
}
DEPARTMENTS = {
    "投诉": ("售后部", "运营部"),
    "合作异常": ("运营部", "物流部", "技术支持部"),
    "售后问题": ("售后部", "技术支持部"),
    "咨询": ("销售部", "财务部"),
}
OUTCOMES = ("已更换备件，客户确认恢复", "已修复并回访确认", "已提供书面说明", "已补发，客户签收")
LEAD_NEEDS = (
    "了解仓储管理系统",
    "年底前上线销售管理系统",
    "需要数据分析平台报价",
    "咨询设备维保服务",
    "计划替换现有ERP",
    "需要员工培训平台",
    "寻找物流供应链服务商",
)


# ------------------------------------------------------------------------------ helpers


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _work_time(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on ``day`` (9:00-18:55, five-minute steps)."""
    return _at(day, rng.randint(9, 18), rng.choice(range(0, 60, 5)))


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _person(rng: random.Random) -> tuple[str, str, str]:
    """(name, surname pinyin, given pinyin)."""
    surname, s_py = rng.choice(SURNAMES)
    given, g_py = rng.choice(GIVEN)
    return surname + given, s_py, g_py


def _round_amount(value: float, step: int = 1000) -> float:
    return float(max(step, round(value / step) * step))


# ------------------------------------------------------------------------------ plans


@dataclass
class _Plan:
    """What one customer should look like; turned into rows by :class:`_Builder`."""

    key: str  # scenario name, or "" for an ordinary customer
    stage: str
    region: str
    industry: str
    owner: str
    first_contact: date
    created: date | None = None
    deals: list[tuple[int, float]] = field(default_factory=list)  # (days before as_of, amount)
    next_in: int | None = None  # wanted 下次跟进 relative to as_of (days); None: no constraint
    via_next_date: bool = False  # reach next_in through the latest record's 下次跟进日期
    last_days_ago: int | None = None  # explicit last contact (days before as_of)
    no_follow_ups: bool = False
    terminated_days_ago: int | None = None
    leader: bool = False
    tier_override: str = ""
    notes: str = ""
    prev_tier: str = ""  # a 客户等级 left by an earlier refresh
    name: str = ""
    decider_left: bool = False
    birthday_in: int | None = None  # a contact's birthday this many days after as_of
    anniversary_in: int | None = None
    cid: str = ""
    row: Row = field(default_factory=dict)


class _Builder:
    """Builds the sample; one instance per call of :func:`build_sample`."""

    def __init__(self, as_of: datetime, seed: int) -> None:
        self.seed = seed
        self.as_of = as_of
        self.today = as_of.date()
        self.rng = random.Random(seed)
        self.settings = Settings()
        self.rows: dict[str, list[Row]] = {s: [] for s in SHEETS_BY_KEY if s != "settings"}
        self.problems: list[tuple[str, Row, str, str, str, str]] = []
        self.scenarios: dict[str, str] = {}
        self.used_names: set[str] = set()
        self.contacts_by_customer: dict[str, list[Row]] = {}
        self.plans: list[_Plan] = []

    # -------------------------------------------------------------------- small pieces

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def problem(self, sheet: str, row: Row, column: str, severity: str, zh: str, en: str) -> None:
        self.problems.append((sheet, row, column, severity, zh, en))

    def tier_for(self, amount: float, leader: bool) -> str:
        """The tier the default settings give (only to aim the follow-up dates)."""
        if leader:
            return self.settings.tiers[0]
        for letter in self.settings.tiers[:-1]:
            if amount >= self.settings.thresholds[letter]:
                return letter
        return self.settings.tiers[-1]

    def trailing(self, plan: _Plan) -> float:
        return sum(a for days, a in plan.deals if 0 <= days < 365)

    def cadence(self, plan: _Plan) -> int:
        tier = plan.tier_override or self.tier_for(self.trailing(plan), plan.leader)
        return self.settings.cadence(tier, plan.stage) or 30

    def company_name(self, region: str, industry: str) -> tuple[str, str, str]:
        """(name, web domain, main business), unique within the sample."""
        rng = self.rng
        for _ in range(200):
            city, _code = rng.choice(CITIES[region])
            word, w_py = rng.choice(WORDS)
            trade, t_py, business = rng.choice(TRADES[industry])
            if industry == "政府及公共事业":
                ending = rng.choice(("集团有限公司", "有限公司"))
                city = city + "市"
            elif industry == "制造业" and rng.random() < 0.08:
                ending = "厂"
            else:
                ending = _weighted(rng, ENDINGS)
            name = f"{city}{word}{trade}{ending}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, f"{w_py}{t_py}.com", business
        raise AssertionError("ran out of company names")

    def city_of(self, name: str, region: str) -> tuple[str, str]:
        for city, code in CITIES[region]:
            if name.startswith(city):
                return city, code
        return CITIES[region][0]

    # -------------------------------------------------------------------- plans

    def ordinary_plan(self) -> _Plan:
        rng = self.rng
        region = _weighted(rng, tuple(REGION_WEIGHTS.items()))
        industry = rng.choice(INDUSTRIES)
        owner = rng.choice(REGION_OWNERS[region])
        stage = _weighted(rng, (("成交", 42), ("意向", 20), ("潜在", 28), ("流失", 10)))
        plan = _Plan("", stage, region, industry, owner, self.today)
        if stage == "成交":
            plan.first_contact = self.day(rng.randint(200, 1000))
            bucket = _weighted(rng, (("A", 14), ("B", 34), ("C", 46), ("none", 6)))
            if bucket == "A":
                amounts = [rng.uniform(250_000, 900_000) for _ in range(rng.randint(1, 3))]
                while sum(amounts) < 520_000:
                    amounts.append(rng.uniform(100_000, 300_000))
            elif bucket == "B":
                amounts = [rng.uniform(110_000, 420_000)]
            elif bucket == "C":
                amounts = [rng.uniform(8_000, 90_000)]
            else:
                amounts = []
            for amount in amounts:
                plan.deals.append((rng.randint(5, 360), _round_amount(amount)))
            if bucket == "none" or rng.random() < 0.5:  # an older contract too
                plan.deals.append(
                    (rng.randint(380, 700), _round_amount(rng.uniform(20_000, 400_000)))
                )
        elif stage == "意向":
            plan.first_contact = self.day(rng.randint(20, 300))
        elif stage == "潜在":
            plan.first_contact = self.day(rng.randint(3, 150))
        else:
            plan.first_contact = self.day(rng.randint(400, 1000))
            plan.deals.append((rng.randint(400, 700), _round_amount(rng.uniform(20_000, 300_000))))
            plan.terminated_days_ago = rng.randint(120, 330)
        if stage != "流失":
            cadence = self.cadence(plan)
            bucket = _weighted(
                rng, (("ok", 64), ("soon", 12), ("today", 2), ("late", 16), ("very late", 6))
            )
            due_soon = self.settings.due_soon_days
            if bucket == "ok":
                low = min(due_soon + 1, cadence - 1)
                plan.next_in = rng.randint(low, cadence - 1)
            elif bucket == "soon":
                plan.next_in = rng.randint(1, due_soon)
            elif bucket == "today":
                plan.next_in = 0
            elif bucket == "late":
                plan.next_in = -rng.randint(1, min(cadence, 20))
            else:
                plan.next_in = -rng.randint(cadence + 1, cadence + 40)
            plan.via_next_date = rng.random() < 0.3
        return plan

    def scenario_plans(self) -> list[_Plan]:
        """The customers that make each rule of SPEC section 2 show up."""
        a, b = self.settings.thresholds["A"], self.settings.thresholds["B"]
        abcd = {"B": 50_000.0, "C": 10_000.0}  # the ABCD scheme's B and C thresholds
        p: list[_Plan] = []

        def add(key: str, stage: str, region: str, industry: str, owner: str, first: int) -> _Plan:
            plan = _Plan(key, stage, region, industry, owner, self.day(first))
            p.append(plan)
            return plan

        x = add("tier-a-exactly", "成交", "华东", "制造业", "张伟", 700)
        x.deals = [(200, a - 200_000), (30, 200_000.0), (500, 150_000.0)]
        x.next_in = 12
        x = add("tier-365-days", "成交", "华东", "互联网", "李娜", 800)
        x.deals = [(364, 450_000.0), (365, 80_000.0), (60, 30_000.0)]
        x.prev_tier = "A"  # the deal of 365 days ago counted yesterday
        x.next_in = 9
        x = add("tier-b-exactly", "成交", "华南", "物流", "杨磊", 420)
        x.deals = [(100, b - 40_000), (20, 40_000.0)]
        x.next_in = 6
        x = add("tier-abcd-b-exactly", "成交", "华北", "教育", "赵敏", 300)
        x.deals = [(45, abcd["B"])]
        x.next_in = 15
        x = add("tier-abcd-c-exactly", "成交", "华中", "建筑", "黄强", 260)
        x.deals = [(80, abcd["C"])]
        x.next_in = 20
        x = add("tier-abcd-d", "成交", "西南", "零售", "黄强", 240)
        x.deals = [(150, 8_800.0)]
        x.next_in = 11
        x = add("industry-leader", "成交", "华北", "能源", "王芳", 500)
        x.leader = True
        x.deals = [(90, 60_000.0)]
        x.next_in = 18
        x = add("tier-override", "成交", "华东", "金融", "陈静", 600)
        x.deals = [(120, 20_000.0)]
        x.tier_override = "A"
        x.notes = "集团总部客户，2027年框架协议谈判中（王芳批准定为A级）"
        x.next_in = 25
        x = add("tier-override-no-note", "成交", "华南", "零售", "陈静", 350)
        x.deals = [(70, 30_000.0)]
        x.tier_override = "B"
        x.next_in = 8
        x = add("stage-to-won", "意向", "华东", "医疗", "陈静", 90)
        x.deals = [(10, 180_000.0)]
        x.next_in = 10
        x = add("stage-to-lost", "成交", "华中", "能源", "黄强", 900)
        x.deals = [(500, 260_000.0)]
        x.terminated_days_ago = 125
        x.next_in = 5
        x = add("terminated-recently", "成交", "东北", "制造业", "赵敏", 800)
        x.deals = [(300, 90_000.0)]
        x.terminated_days_ago = 40
        x.next_in = 16
        x = add("overdue-beyond-cadence", "成交", "华东", "零售", "李娜", 400)
        x.deals = [(140, 150_000.0)]
        x.last_days_ago = 45
        x = add("overdue-within-cadence", "成交", "华南", "制造业", "杨磊", 300)
        x.deals = [(200, 40_000.0)]
        x.last_days_ago = 33
        x = add("due-today", "成交", "华北", "政府及公共事业", "赵敏", 380)
        x.deals = [(180, 70_000.0)]
        x.last_days_ago = 30
        x = add("due-soon", "成交", "西南", "建筑", "黄强", 330)
        x.deals = [(50, 120_000.0)]
        x.last_days_ago = 12
        x = add("next-date-missed", "成交", "华东", "互联网", "张伟", 650)
        x.deals = [(75, 620_000.0)]
        x.last_days_ago = 5
        x.next_in = -2
        x.via_next_date = True
        x = add("prospect-overdue", "潜在", "华东", "教育", "李娜", 40)
        x.last_days_ago = 9
        x = add("new-today", "潜在", "华南", "互联网", "陈静", 0)
        x.no_follow_ups = True
        x = add("new-yesterday", "潜在", "华东", "制造业", "李娜", 1)
        x.no_follow_ups = True
        x = add("new-not-contacted", "潜在", "华中", "物流", "黄强", 4)
        x.no_follow_ups = True
        x = add("lost", "流失", "西北", "能源", "周杰", 900)
        x.deals = [(520, 210_000.0)]
        x.terminated_days_ago = 240
        x = add("decision-maker-left", "成交", "华东", "制造业", "李娜", 720)
        x.deals = [(160, 240_000.0)]
        x.decider_left = True
        x.next_in = 7
        x = add("complaint-breached", "成交", "华南", "医疗", "陈静", 500)
        x.deals = [(110, 95_000.0)]
        x.next_in = 14
        x = add("open-inquiry", "成交", "华北", "金融", "王芳", 460)
        x.deals = [(210, 130_000.0)]
        x.next_in = 5
        x = add("no-deal-12-months", "成交", "华东", "物流", "陈静", 800)
        x.deals = [(430, 85_000.0)]
        x.next_in = 19
        x = add("late-record", "意向", "华北", "制造业", "赵敏", 60)
        x.created = self.day(57)
        x.next_in = 20
        x = add("birthday", "成交", "华东", "金融", "张伟", 560)
        x.deals = [(40, 310_000.0)]
        x.birthday_in = self.settings.reminder_days
        x.next_in = 21
        x = add("anniversary", "成交", "西南", "医疗", "黄强", 450)
        x.deals = [(95, 56_000.0)]
        x.anniversary_in = self.settings.reminder_days
        x.next_in = 13
        x = add("abbreviated-name", "意向", "华东", "互联网", "李娜", 80)
        x.name = "杭州云帆网络"
        x.next_in = 17
        x = add("abbreviated-name-2", "潜在", "华南", "物流", "杨磊", 25)
        x.name = "蓝海物流"
        x.next_in = 5
        x = add("english-name", "成交", "华东", "零售", "陈静", 390)
        x.name = "Shanghai Bluesky Trading Co., Ltd."
        x.deals = [(130, 75_000.0)]
        x.next_in = 26
        return p

    # -------------------------------------------------------------------- customers

    def customer_row(self, plan: _Plan) -> Row:
        rng = self.rng
        if plan.name:
            name, domain = plan.name, ""
            business = TRADES[plan.industry][0][2]
            self.used_names.add(name)
        else:
            name, domain, business = self.company_name(plan.region, plan.industry)
        city, _code = self.city_of(name, plan.region)
        created = plan.created or min(
            plan.first_contact + timedelta(days=rng.choice((0, 0, 0, 1))), self.today
        )
        source = _weighted(rng, SOURCES_WEIGHTED)
        detail = ""
        if source == "展会":
            shown = plan.first_contact
            detail = (
                f"展会-{shown.year}年{shown.month}月{rng.choice(CITIES['华东'])[0]}"
                f"{rng.choice(EXPOS)}-展位{rng.choice('ABCDE')}{rng.randint(1, 40)}"
            )
        elif source == "客户推荐" and self.plans:
            detail = "客户推荐"
        elif source == "合作伙伴":
            detail = f"合作伙伴-{rng.choice(('华东渠道商', '华南代理商', '系统集成商'))}"
        elif source == "官网表单":
            detail = rng.choice(("官网表单-产品试用申请", "官网表单-白皮书下载", ""))
        founded = date(rng.randint(1995, 2020), rng.randint(1, 12), rng.randint(1, 28))
        if plan.anniversary_in is not None:
            target = self.today + timedelta(days=plan.anniversary_in)
            founded = target.replace(year=target.year - 15)
        trailing = self.trailing(plan)
        row: Row = {
            "customer_id": plan.cid,
            "name": name,
            "industry": plan.industry,
            "region": plan.region,
            "employees": rng.choice((30, 50, 80, 120, 200, 350, 600, 1200, 3000, 8000)),
            "revenue": float(rng.choice((500, 1200, 3000, 8000, 20_000, 50_000, 150_000))) * 10_000,
            "address": f"{city}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            "founded": founded,
            "website": f"www.{domain}" if domain and rng.random() < 0.7 else "",
            "main_business": business,
            "source": source,
            "source_detail": detail,
            "first_contact": plan.first_contact,
            "created": created,
            "stage": plan.stage,
            "leader": "是" if plan.leader else ("否" if rng.random() < 0.5 else ""),
            "tier_override": plan.tier_override,
            "annual_amount": _round_amount(trailing, 10_000)
            if trailing and rng.random() < 0.6
            else None,
            "budget": rng.choice(BUDGETS) if plan.stage in ("潜在", "意向") else "",
            "terminated_on": self.day(plan.terminated_days_ago)
            if plan.terminated_days_ago is not None
            else None,
            "owner": plan.owner,
            "tags": "，".join(dict.fromkeys(t for t in rng.sample(TAGS, 2) if t)),
            "notes": plan.notes,
        }
        if plan.prev_tier:
            row["tier"] = plan.prev_tier
        if plan.stage == "流失":
            row["notes"] = rng.choice(("合同到期未续约", "客户改用竞品", "客户业务调整，暂停合作"))
        return row

    # -------------------------------------------------------------------- contacts

    def contacts_for(self, plan: _Plan, customer: Row) -> list[Row]:
        rng = self.rng
        _city, area = self.city_of(customer["name"], plan.region)
        count = 1 if plan.stage == "潜在" else rng.choice((1, 2, 2, 3))
        rows: list[Row] = []
        for i in range(count):
            name, s_py, g_py = _person(rng)
            if i == 0:
                title, role = rng.choice(DECIDER_TITLES), "决策人"
            else:
                title, role = rng.choice(OTHER_TITLES)
            mobile = _mobile(rng)
            style = rng.random()
            if style < 0.08:
                mobile = f"{area}-{rng.randint(20_000_000, 89_999_999)}"
            elif style < 0.14:
                mobile = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
            elif style < 0.18:
                mobile = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
            domain = customer["website"].removeprefix("www.") or rng.choice(MAIL_HOSTS)
            email = f"{g_py}.{s_py}@{domain}" if rng.random() < 0.7 else ""
            wechat = ""
            if rng.random() < 0.6:
                wechat = (
                    f"wx_{s_py}{g_py}{rng.randint(1, 99)}"
                    if rng.random() < 0.6
                    else mobile
                    if mobile.isdigit()
                    else f"{s_py}_{g_py}"
                )
            birthday: Any = ""
            if rng.random() < 0.55:
                month, dd = rng.randint(1, 12), rng.randint(1, 28)
                if rng.random() < 0.5:
                    birthday = f"{month:02d}-{dd:02d}"
                else:
                    birthday = date(rng.randint(1965, 1993), month, dd)
            left = role != "决策人" and rng.random() < 0.06
            rows.append(
                {
                    "customer_id": customer["customer_id"],
                    "name": name,
                    "title": title,
                    "mobile": mobile,
                    "wechat": wechat,
                    "email": email,
                    "preferred_channel": rng.choice(("电话", "微信", "微信", "邮件", "面谈")),
                    "decision_role": role,
                    "personality": rng.choice(PERSONALITIES),
                    "interests": rng.choice(INTERESTS),
                    "birthday": birthday,
                    "employment": "离职" if left else "在职",
                    "notes": "已离职，后续对接其同事" if left else "",
                }
            )
        if plan.decider_left:
            rows[0]["employment"] = "离职"
            rows[0]["notes"] = "已于上月离职，新任负责人待确认"
        if plan.birthday_in is not None:
            soon = self.today + timedelta(days=plan.birthday_in)
            rows[0]["birthday"] = f"{soon.month:02d}-{soon.day:02d}"
        return rows

    # -------------------------------------------------------------------- follow-ups

    def follow_ups_for(self, plan: _Plan, customer: Row, contacts: list[Row]) -> list[Row]:
        rng = self.rng
        if plan.no_follow_ups:
            return []
        cadence = self.cadence(plan)
        next_date: date | None = None
        if plan.stage == "流失":
            assert plan.terminated_days_ago is not None
            last = self.day(plan.terminated_days_ago + rng.randint(0, 20))
        elif plan.last_days_ago is not None:
            last = self.day(plan.last_days_ago)
            if plan.next_in is not None:
                next_date = self.today + timedelta(days=plan.next_in)
        else:
            assert plan.next_in is not None
            target = self.today + timedelta(days=plan.next_in)
            if plan.via_next_date:
                back = rng.randint(max(1, plan.next_in + 1), max(cadence, plan.next_in + 1))
                last = target - timedelta(days=back)
                next_date = target
            else:
                last = target - timedelta(days=cadence)
        last = min(last, self.today - timedelta(days=1))
        if last < plan.first_contact:
            plan.first_contact = last
            customer["first_contact"] = customer["created"] = last
        # earlier conversations, spread between first contact (or 18 months ago) and the last one
        start = max(plan.first_contact, self.today - timedelta(days=540))
        wanted = {"成交": (3, 7), "意向": (2, 5), "潜在": (0, 2), "流失": (1, 4)}[plan.stage]
        span = (last - start).days
        days = sorted(
            {start + timedelta(days=rng.randint(0, span - 1)) for _ in range(rng.randint(*wanted))}
            if span > 1
            else set()
        )
        days.append(last)
        rows: list[Row] = []
        names = [c["name"] for c in contacts]
        colleagues = [n for n, *_ in TEAM if n != plan.owner and _team_role(n) != "管理员"]
        for i, day in enumerate(days):
            when = _work_time(rng, day)
            channel = _weighted(rng, CHANNEL_WEIGHTS)
            entered: datetime | None = when + timedelta(minutes=rng.randint(20, 360))
            roll = rng.random()
            if roll < 0.18:
                entered = None
            elif roll < 0.23 and (self.today - day).days > 5:
                entered = when + timedelta(hours=rng.randint(26, 80))
            if entered is not None:
                entered = min(entered, self.as_of - timedelta(minutes=5))
            latest = i == len(days) - 1
            row: Row = {
                "record_id": "",
                "customer_id": customer["customer_id"],
                "date": when,
                "channel": channel,
                "contact": rng.choice(names) if names else "",
                "participants": f"{plan.owner}、{rng.choice(colleagues)}"
                if channel in ("面谈", "视频会议") and rng.random() < 0.5
                else plan.owner,
                "summary": rng.choice(SUMMARIES[plan.stage]),
                "feedback": rng.choice(FEEDBACK),
                "agreed": rng.choice(AGREED),
                "next_action": rng.choice(NEXT_ACTIONS),
                "next_date": next_date if latest else None,
                "recorded_by": plan.owner,
                "entered_at": entered,
            }
            if not latest and rng.random() < 0.4:
                row["next_date"] = day + timedelta(days=rng.choice((3, 7, 14)))
            rows.append(row)
        return rows

    # -------------------------------------------------------------------- the whole sample

    def build(self) -> Sample:
        rng = self.rng
        plans = self.scenario_plans()
        ordinary = 200 - len(plans)
        plans += [self.ordinary_plan() for _ in range(ordinary)]
        for plan in plans:  # nobody signs before we first met them
            if plan.deals:
                oldest = max(days for days, _ in plan.deals)
                plan.first_contact = min(plan.first_contact, self.day(oldest + 30))
        # IDs follow the order the customers were entered, as in a real file
        plans.sort(key=lambda pl: (pl.created or pl.first_contact, pl.key, rng.random()))
        for n, plan in enumerate(plans, start=1):
            plan.cid = f"C{n:04d}"
            if plan.key:
                self.scenarios[plan.key] = plan.cid
        self.plans = plans
        follow_ups: list[Row] = []
        for plan in plans:
            customer = self.customer_row(plan)
            plan.row = customer
            contacts = self.contacts_for(plan, customer)
            self.contacts_by_customer[plan.cid] = contacts
            follow_ups += self.follow_ups_for(plan, customer, contacts)
            self.rows["customers"].append(customer)
            self.rows["contacts"].extend(contacts)
        follow_ups.sort(key=lambda r: (r["date"], r["customer_id"]))
        for n, row in enumerate(follow_ups, start=1):
            row["record_id"] = f"GJ{n:05d}"
        self.rows["follow_ups"] = follow_ups
        self.transactions()
        self.needs()
        self.issues()
        self.leads()
        self.team()
        self.referrals()
        self.extras()
        self.deliberate_problems()
        return self.finish()

    def referrals(self) -> None:
        """Name the referring customer in 来源说明 for referrals."""
        won = [r["name"] for r in self.rows["customers"] if r["stage"] == "成交"]
        for row in self.rows["customers"]:
            if row["source_detail"] == "客户推荐":
                referrer = self.rng.choice([n for n in won if n != row["name"]])
                row["source_detail"] = f"客户推荐-{referrer}"

    def transactions(self) -> None:
        rng = self.rng
        rows: list[Row] = []
        for plan in self.plans:
            for days_ago, amount in plan.deals:
                signed = self.day(days_ago)
                paid = (
                    "已付清"
                    if days_ago > 120
                    else _weighted(rng, (("未付", 2), ("部分付款", 3), ("已付清", 3)))
                )
                rows.append(
                    {
                        "contract_id": "",
                        "customer_id": plan.cid,
                        "signed_on": signed,
                        "amount": amount,
                        "product": rng.choice(PRODUCTS),
                        "payment_terms": rng.choice(PAYMENT_TERMS),
                        "payment_status": paid,
                        "ends_on": signed + timedelta(days=365),
                    }
                )
        rows.sort(key=lambda r: (r["signed_on"], r["customer_id"]))
        per_year: dict[int, int] = {}
        for row in rows:
            year = row["signed_on"].year
            per_year[year] = per_year.get(year, 0) + 1
            row["contract_id"] = f"HT{year}-{per_year[year]:03d}"
        self.rows["transactions"] = rows

    def needs(self) -> None:
        rng = self.rng
        rows: list[Row] = []
        candidates = [p for p in self.plans if p.stage in ("意向", "成交") and not p.key]
        chosen = rng.sample(candidates, min(55, len(candidates)))
        chosen.sort(key=lambda p: p.cid)
        due = self.settings.need_follow_up_days
        # (scenario, days since the proposal went out, status)
        special = [
            ("need-due-today", due, "已提交"),
            ("need-overdue", due + 2, "已提交"),
            ("need-fresh", 1, "已提交"),
            ("need-confirmed", due, "已确认"),
        ]
        for i, plan in enumerate(chosen):
            description, solution, effect = rng.choice(NEED_DESCRIPTIONS)
            status = _weighted(
                rng, (("待评估", 14), ("方案中", 18), ("已提交", 8), ("已确认", 34), ("已关闭", 16))
            )
            sent: date | None = None
            key = ""
            if i < len(special):
                key, ago, status = special[i]
                sent = self.day(ago)
            elif status == "已提交":
                sent = self.day(rng.randint(0, due - 1))
            elif status in ("已确认", "已关闭"):
                sent = self.day(rng.randint(20, 300))
            budget = _round_amount(rng.uniform(50_000, 800_000), 10_000)
            quote = _round_amount(budget * rng.uniform(0.8, 1.1), 1000) if sent else None
            row: Row = {
                "need_id": "",
                "customer_id": plan.cid,
                "description": description,
                "kind": "潜在需求" if "可能" in description else "明确需求",
                "priority": rng.choice(("高", "中", "中", "低")),
                "budget": budget if rng.random() < 0.7 else None,
                "wanted_by": self.today + timedelta(days=rng.randint(15, 180)),
                "solution": solution if status != "待评估" else "",
                "expected_effect": effect if status != "待评估" else "",
                "quote": quote,
                "lead_time": rng.choice(("1个月", "6周", "2个月", "3个月")) if sent else "",
                "proposal_sent": sent,
                "status": status,
                "owner": plan.owner,
            }
            rows.append(row)
            if key:
                row["_key"] = key
        for n, row in enumerate(rows, start=1):
            row["need_id"] = f"XQ{n:04d}"
            key = row.pop("_key", "")
            if key:
                self.scenarios[key] = row["need_id"]
        self.rows["needs"] = rows

    def issue(self, plan: _Plan, kind: str, logged: datetime, **times: Any) -> Row:
        rng = self.rng
        text, ask = rng.choice(ISSUE_TEXTS[kind])
        return {
            "issue_id": "",
            "customer_id": plan.cid,
            "logged_at": logged,
            "type": kind,
            "description": text,
            "ask": ask,
            "urgency": "高" if kind in ("投诉", "合作异常") else rng.choice(("中", "低")),
            "department": rng.choice(DEPARTMENTS[kind]),
            "owner": plan.owner,
            "first_response_at": times.get("response"),
            "plan_at": times.get("planned"),
            "resolved_at": times.get("resolved"),
            "status": times.get("status", "待处理"),
            "outcome": times.get("outcome", ""),
            "satisfaction": times.get("satisfaction"),
        }

    def issues(self) -> None:
        rng = self.rng
        sla = self.settings.sla_hours
        won = [p for p in self.plans if p.stage in ("成交", "流失") and not p.key]
        rows: list[tuple[str, Row]] = []
        satisfactions = [5, 4, 3, 2, 1]
        for _ in range(34):
            plan = rng.choice(won)
            kind = _weighted(rng, (("咨询", 40), ("售后问题", 30), ("投诉", 15), ("合作异常", 15)))
            logged = _work_time(rng, self.day(rng.randint(10, 540)))
            resp_h, plan_h = sla[kind]
            late = rng.random() < 0.2
            response = logged + timedelta(
                hours=resp_h * rng.uniform(1.3, 3) if late else resp_h * rng.uniform(0.2, 0.9)
            )
            planned = logged + timedelta(
                hours=plan_h * rng.uniform(0.3, 0.95) if not late else plan_h * rng.uniform(1.1, 2)
            )
            resolved = planned + timedelta(hours=rng.randint(2, 72))
            score = (
                satisfactions.pop()
                if satisfactions
                else (rng.choice((2, 3)) if late else rng.choice((4, 5, 5)))
            )
            rows.append(
                (
                    "",
                    self.issue(
                        plan,
                        kind,
                        logged,
                        response=response,
                        planned=planned,
                        resolved=resolved,
                        status=rng.choice(("已解决", "已关闭")),
                        outcome=rng.choice(OUTCOMES),
                        satisfaction=score,
                    ),
                )
            )
        by_key = {p.key: p for p in self.plans if p.key}
        now = self.as_of
        h = timedelta(hours=1)
        m = timedelta(minutes=1)
        breached = by_key["complaint-breached"]
        rows += [
            ("issue-response-breached", self.issue(breached, "投诉", now - 5 * h)),
            (
                "issue-response-due-soon",
                self.issue(by_key["tier-b-exactly"], "合作异常", now - 50 * m),
            ),
            (
                "issue-inquiry-due-soon",
                self.issue(by_key["open-inquiry"], "咨询", now - (3 * h + 20 * m)),
            ),
            ("issue-running", self.issue(by_key["due-soon"], "售后问题", now - 30 * m)),
            (
                "issue-plan-breached",
                self.issue(
                    by_key["tier-a-exactly"],
                    "售后问题",
                    now - 30 * h,
                    response=now - 29 * h,
                    status="处理中",
                ),
            ),
            (
                "issue-plan-due-soon",
                self.issue(
                    by_key["industry-leader"],
                    "投诉",
                    now - 20 * h,
                    response=now - 18 * h - 30 * m,
                    status="处理中",
                ),
            ),
            (
                "issue-response-late",
                self.issue(
                    by_key["tier-365-days"],
                    "合作异常",
                    now - 72 * h,
                    response=now - 69 * h,
                    planned=now - 68 * h - 30 * m,
                    resolved=now - 52 * h,
                    status="已解决",
                    outcome="已修复并重新导出数据",
                    satisfaction=3,
                ),
            ),
            (
                "issue-resolved-late",
                self.issue(
                    by_key["decision-maker-left"],
                    "投诉",
                    now - 12 * 24 * h,
                    response=now - 12 * 24 * h + h,
                    planned=now - 12 * 24 * h + 30 * h,
                    resolved=now - 12 * 24 * h + 50 * h,
                    status="已关闭",
                    outcome="已更换备件，客户确认恢复",
                    satisfaction=2,
                ),
            ),
            (
                "issue-met",
                self.issue(
                    by_key["birthday"],
                    "咨询",
                    now - 26 * h,
                    response=now - 25 * h,
                    planned=now - 10 * h,
                    resolved=now - 8 * h,
                    status="已解决",
                    outcome="已提供升级方案和报价",
                    satisfaction=5,
                ),
            ),
        ]
        day = self.day(8)
        rows.append(
            (
                "issue-resolved-before-logged",
                self.issue(
                    by_key["anniversary"],
                    "售后问题",
                    _at(day, 14),
                    response=_at(day, 15),
                    planned=_at(day, 17),
                    resolved=_at(day, 10),  # typed 10:00 for 次日10:00
                    status="已解决",
                    outcome="已修复并回访确认",
                    satisfaction=4,
                ),
            )
        )
        rows.sort(key=lambda kr: kr[1]["logged_at"])
        for n, (key, row) in enumerate(rows, start=1):
            row["issue_id"] = f"WT{n:04d}"
            if key:
                self.scenarios[key] = row["issue_id"]
        self.rows["issues"] = [row for _, row in rows]
        bad = next(r for k, r in rows if k == "issue-resolved-before-logged")
        self.problem(
            "issues",
            bad,
            "resolved_at",
            "error",
            "解决时间早于登记时间（应为次日10:00）",
            "Resolved before it was logged (meant the next day 10:00)",
        )

    def leads(self) -> None:
        rng = self.rng
        now = self.as_of
        h = timedelta(hours=1)
        m = timedelta(minutes=1)
        rows: list[tuple[str, Row]] = []
        by_key = {p.key: p for p in self.plans if p.key}

        def lead(key: str, captured: datetime, region: str, industry: str, **more: Any) -> Row:
            name, _s, _g = _person(rng)
            company = (
                more.pop("company", None)
                or self.company_name(region if region in CITIES else "华东", industry)[0]
            )
            source = more.pop("source", None) or _weighted(rng, SOURCES_WEIGHTED[:6])
            row: Row = {
                "lead_id": "",
                "captured_at": captured,
                "source": source,
                "source_detail": "官网表单-免费试用" if source == "官网表单" else "",
                "company": company,
                "contact": name,
                "phone": more.pop("phone", None) or _mobile(rng),
                "email": "",
                "region": region,
                "industry": industry,
                "need": rng.choice(LEAD_NEEDS),
                "budget": _round_amount(rng.uniform(50_000, 500_000), 10_000)
                if rng.random() < 0.5
                else None,
                "assigned_to": "",
                "assigned_at": None,
                "assignment_reason": "",
                "confirmed_at": None,
                "status": "待分配",
                "invalid_reason": "",
                "converted_customer_id": "",
            }
            row.update(more)
            rows.append((key, row))
            return row

        def assigned(who: str, at: datetime, why: str = "") -> dict[str, Any]:
            return {
                "assigned_to": who,
                "assigned_at": at,
                "assignment_reason": why or f"区域匹配：{_regions_of(who)}",
            }

        # waiting for `assign`
        lead("lead-industry-match", now - 2 * h, "华东", "制造业")
        lead("lead-no-industry-match", now - 3 * h, "华东", "教育")
        lead("lead-cap-reached", now - 90 * m, "华南", "物流")
        lead("lead-no-owner", now - 5 * h, "西北", "能源")
        lead("lead-north", now - 4 * h, "华北", "医疗")
        lead("lead-southwest", now - 6 * h, "西南", "建筑")
        dup_contact = self.contacts_by_customer[by_key["tier-a-exactly"].cid][0]
        lead(
            "lead-duplicate-phone",
            now - 7 * h,
            "华东",
            "制造业",
            phone=str(dup_contact["mobile"]),
            contact=dup_contact["name"],
        )
        lead(
            "lead-duplicate-company",
            now - 26 * h,
            "华北",
            "金融",
            company=by_key["open-inquiry"].row["name"],
        )
        lead(
            "lead-reviewed-back",
            now - 30 * h,
            "华中",
            "能源",
            invalid_reason="原分配行业不符，管理员审核后退回重新分配",
        )
        lead("lead-region-unknown", now - 8 * h, "待确认", "零售")
        # assigned, waiting for confirmation
        lead(
            "lead-awaiting",
            now - 40 * m,
            "华东",
            "互联网",
            status="待确认",
            **assigned("李娜", now - 20 * m),
        )
        lead(
            "lead-confirm-overdue",
            now - 5 * h,
            "华北",
            "教育",
            status="待确认",
            **assigned("赵敏", now - 3 * h),
        )
        # 杨磊 is at his lead cap (3 open leads)
        for i in range(3):
            lead(
                f"lead-cap-{i + 1}",
                now - (50 + 20 * i) * h,
                "华南",
                "制造业",
                status="待确认" if i == 0 else "有效",
                confirmed_at=None if i == 0 else now - (47 + 20 * i) * h,
                **assigned("杨磊", now - (48 + 20 * i) * h, "区域匹配：华南；行业匹配：制造业"),
            )
        # history
        for _ in range(6):
            who = rng.choice(("李娜", "陈静", "赵敏", "黄强"))
            region = _regions_of(who).split("、")[0]
            at = now - timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 8))
            lead(
                "",
                at - 2 * h,
                region,
                rng.choice(INDUSTRIES),
                status="有效",
                confirmed_at=at + 30 * m,
                **assigned(who, at),
            )
        lead(
            "lead-invalid",
            now - 10 * 24 * h,
            "华南",
            "零售",
            status="无效",
            invalid_reason="空号",
            confirmed_at=now - 10 * 24 * h + 3 * h,
            **assigned("陈静", now - 10 * 24 * h + 2 * h),
        )
        lead(
            "lead-invalid-2",
            now - 15 * 24 * h,
            "华东",
            "其他",
            status="无效",
            invalid_reason="非目标行业，仅咨询招聘",
            confirmed_at=now - 15 * 24 * h + 40 * m,
            **assigned("李娜", now - 15 * 24 * h + 30 * m),
        )
        new = by_key["new-today"]
        lead(
            "lead-converted",
            now - 20 * h,
            new.region,
            new.industry,
            company=new.row["name"],
            status="已转化",
            converted_customer_id=new.cid,
            confirmed_at=now - 18 * h,
            **assigned(new.owner, now - 19 * h, "区域匹配：华南；行业匹配：互联网"),
        )
        rows.sort(key=lambda kr: kr[1]["captured_at"])
        stamp = self.today.strftime("%y%m")
        for n, (key, row) in enumerate(rows, start=1):
            row["lead_id"] = f"XS{stamp}{n:03d}"
            if key:
                self.scenarios[key] = row["lead_id"]
            if row["email"] == "" and rng.random() < 0.4:
                row["email"] = f"contact{n}@{rng.choice(MAIL_HOSTS)}"
        self.rows["leads"] = [row for _, row in rows]
        unknown = next(r for k, r in rows if k == "lead-region-unknown")
        self.problem(
            "leads",
            unknown,
            "region",
            "warning",
            "区域填了占位“待确认”，无法自动分配",
            "Region is a placeholder (待确认 / TBD); the lead cannot be assigned",
        )

    def team(self) -> None:
        self.rows["team"] = [
            {
                "name": name,
                "role": role,
                "team": team,
                "regions": regions,
                "industries": industries,
                "active": active,
                "lead_cap": cap,
            }
            for name, role, team, regions, industries, active, cap in TEAM
        ]

    def extras(self) -> None:
        """Birthdays later this week and a second decision maker who left."""
        rng = self.rng
        ordinary = [p for p in self.plans if not p.key and p.stage == "成交"]
        for offset, plan in zip((2, 4, 6), rng.sample(ordinary, 3), strict=True):
            soon = self.today + timedelta(days=offset)
            contact = self.contacts_by_customer[plan.cid][-1]
            contact["birthday"] = date(rng.randint(1970, 1990), soon.month, soon.day)
        plan = rng.choice([p for p in ordinary if len(self.contacts_by_customer[p.cid]) > 1])
        decider = self.contacts_by_customer[plan.cid][0]
        decider.update(employment="离职", notes="已离职，接任者尚未对接")

    def deliberate_problems(self) -> None:
        """The handful of problems ``validate`` should find (everything else is valid)."""
        rng = self.rng
        by_key = {p.key: p for p in self.plans if p.key}
        for key in ("abbreviated-name", "abbreviated-name-2"):
            self.problem(
                "customers",
                by_key[key].row,
                "name",
                "warning",
                "客户名称是简称，缺少“有限公司”等法人后缀",
                "Customer name is an abbreviation without a legal-entity ending",
            )
        self.problem(
            "customers",
            by_key["late-record"].row,
            "created",
            "warning",
            "建档日期晚于首次接触3天（超过24小时）",
            "Created 3 days after first contact (more than 24 hours)",
        )
        self.problem(
            "customers",
            by_key["tier-override-no-note"].row,
            "tier_override",
            "warning",
            "手动等级未在备注说明原因",
            "Tier override without a reason in Notes",
        )
        ordinary = [p for p in self.plans if not p.key and p.stage != "流失"]
        picks = rng.sample(ordinary, 5)
        picks[0].row["address"] = "待核实"
        self.problem(
            "customers",
            picks[0].row,
            "address",
            "warning",
            "注册地址待核实（占位）",
            "Address is a placeholder (待核实 / TBC)",
        )
        picks[1].row["employees"] = "待确认"
        self.problem(
            "customers",
            picks[1].row,
            "employees",
            "warning",
            "企业规模待确认（占位）",
            "Employees is a placeholder (待确认 / TBD)",
        )
        # contacts
        no_way = self.contacts_by_customer[picks[2].cid][0]
        no_way.update(mobile="", wechat="", email="", notes="名片遗失，联系方式待补")
        self.problem(
            "contacts",
            no_way,
            "mobile",
            "error",
            "手机、微信、邮箱都没有填",
            "No mobile, WeChat or e-mail",
        )
        no_area = self.contacts_by_customer[picks[3].cid][0]
        no_area["mobile"] = "6234 5678"
        self.problem(
            "contacts",
            no_area,
            "mobile",
            "error",
            "座机号码缺少区号",
            "Landline without its area code",
        )
        # two mobiles stored as numbers: fine, and must not show in E-notation
        numeric = [
            c
            for p in ordinary[:40]
            for c in self.contacts_by_customer[p.cid]
            if isinstance(c["mobile"], str) and c["mobile"].isdigit() and len(c["mobile"]) == 11
        ]
        for contact in numeric[:2]:
            contact["mobile"] = int(contact["mobile"])
        # follow-ups
        future = dict(self.rows["follow_ups"][-1])
        target = picks[4]
        future.update(
            record_id=f"GJ{len(self.rows['follow_ups']) + 1:05d}",
            customer_id=target.cid,
            date=_at(self.today + timedelta(days=2), 14, 30),
            channel="面谈",
            contact=self.contacts_by_customer[target.cid][0]["name"],
            participants=target.owner,
            summary="预约上门拜访，演示新版本（计划中，尚未发生）",
            feedback="",
            agreed="",
            next_action="",
            next_date=None,
            recorded_by=target.owner,
            entered_at=self.as_of - timedelta(hours=2),
        )
        self.rows["follow_ups"].append(future)
        self.problem(
            "follow_ups",
            future,
            "date",
            "error",
            "沟通日期在未来（把计划中的拜访当成了沟通记录）",
            "Date in the future (a planned visit logged as done)",
        )
        stranger = next(
            r
            for r in reversed(self.rows["follow_ups"][:-1])
            if r["recorded_by"] != "周杰" and r["customer_id"] != target.cid
        )
        stranger["recorded_by"] = STRANGER
        stranger["participants"] = STRANGER
        self.problem(
            "follow_ups",
            stranger,
            "recorded_by",
            "warning",
            f"记录人“{STRANGER}”不在销售团队中",
            f"Recorded by {STRANGER}, who is not in the team",
        )
        # transactions
        orphan = dict(self.rows["transactions"][-1])
        orphan.update(
            contract_id=f"HT{self.today.year}-{999:03d}",
            customer_id=f"C{len(self.plans) + 50:04d}",
            amount=46_000.0,
            payment_status="未付",
            signed_on=self.day(12),
            ends_on=self.day(12) + timedelta(days=365),
        )
        self.rows["transactions"].append(orphan)
        self.problem(
            "transactions",
            orphan,
            "customer_id",
            "error",
            "客户编号在客户档案中不存在",
            "Customer ID not in the customer file",
        )

    def finish(self) -> Sample:
        problems: list[Problem] = []
        for sheet, row, column, severity, zh, en in self.problems:
            index = next(i for i, r in enumerate(self.rows[sheet]) if r is row)
            problems.append(Problem(sheet, index, column, severity, zh, en))
        problems.sort(key=lambda p: (list(SHEETS_BY_KEY).index(p.sheet), p.row))
        rows = {k: v for k, v in self.rows.items() if v}
        return Sample(self.as_of, self.seed, rows, problems, dict(sorted(self.scenarios.items())))


def _team_role(name: str) -> str:
    return next(role for n, role, *_ in TEAM if n == name)


def _regions_of(name: str) -> str:
    return next(regions for n, _r, _t, regions, *_ in TEAM if n == name)


def build_sample(as_of: datetime | None = None, seed: int = SAMPLE_SEED) -> Sample:
    """The demo data as of ``as_of`` (default: now, to the minute)."""
    moment = as_of or datetime.now().replace(second=0, microsecond=0)
    return _Builder(moment, seed).build()


# ------------------------------------------------------------------------------ leads CSV

CSV_COLUMNS = (
    "lead_id",
    "captured_at",
    "source",
    "source_detail",
    "company",
    "contact",
    "phone",
    "email",
    "region",
    "industry",
    "need",
    "budget",
)


def leads_csv(
    as_of: datetime | None = None, seed: int = SAMPLE_SEED
) -> tuple[list[str], list[list[str]]]:
    """About 30 new leads as a web form would export them: (Chinese headers, rows of text).

    One lead is a customer the sample already has (same company and phone), one is the same
    form sent twice, one budget is written ``50万``; all else is new and valid.
    """
    sample = build_sample(as_of, seed)
    rng = random.Random(seed + 1)
    builder = _Builder(sample.as_of, seed + 2)
    builder.used_names = {r["name"] for r in sample.rows["customers"]}
    header = [LEADS.column(k).zh for k in CSV_COLUMNS]
    regions = [r for r in DEFAULT_REGIONS if r != "西北"]
    rows: list[list[str]] = []
    start = sample.as_of - timedelta(hours=30)
    for n in range(28):
        region = rng.choice(regions)
        industry = rng.choice(INDUSTRIES)
        company = builder.company_name(region, industry)[0]
        name, s_py, g_py = _person(rng)
        phone = _mobile(rng)
        if n % 7 == 3:
            phone = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
        budget = rng.choice(("50万", "30万", "100万", "200000", "￥80,000", "", ""))
        captured = start + timedelta(minutes=rng.randint(0, 29 * 60))
        rows.append(
            [
                "",
                captured.strftime("%Y-%m-%d %H:%M"),
                rng.choice(("官网表单", "展会", "电话咨询", "社交媒体", "合作伙伴")),
                "",
                company,
                name,
                phone,
                f"{g_py}.{s_py}@{rng.choice(MAIL_HOSTS)}" if rng.random() < 0.6 else "",
                region,
                industry,
                rng.choice(LEAD_NEEDS) if n != 5 else "-急需，本月内上线（客户原话）",
                budget,
            ]
        )
    # a customer we already have, and a form sent twice
    known = next(
        r for r in sample.rows["customers"] if r["customer_id"] == sample.scenarios["tier-365-days"]
    )
    contact = next(c for c in sample.rows["contacts"] if c["customer_id"] == known["customer_id"])
    rows.append(
        [
            "",
            (sample.as_of - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
            "官网表单",
            "官网表单-产品试用申请",
            known["name"],
            contact["name"],
            str(contact["mobile"]),
            "",
            known["region"],
            known["industry"],
            "想了解新版本",
            "",
        ]
    )
    rows.append(list(rows[10]))
    rows.sort(key=lambda r: r[1])
    for n, row in enumerate(rows, start=1):
        row[0] = f"XS{sample.as_of.strftime('%y%m')}{100 + n:03d}"
    return header, rows


def write_leads_csv(path: Path, encoding: str = "utf-8-sig", as_of: datetime | None = None) -> None:
    """Write :func:`leads_csv` as Excel on Windows saves CSV (CRLF line ends)."""
    header, rows = leads_csv(as_of)
    with path.open("w", encoding=encoding, newline="", errors="strict") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
