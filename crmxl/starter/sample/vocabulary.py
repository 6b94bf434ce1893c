"""The sample's vocabulary: the team, places, trades, names, and the texts records are made of."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from crmxl.model.schema import Channel, DecisionRole, IssueType, Role, Source, Stage, YesNo
from crmxl.model.settings import DEFAULT_INDUSTRIES

# name, role, team, regions, industries, active, lead cap
TEAM: tuple[tuple[str, str, str, str, str, str, int | None], ...] = (
    ("张伟", Role.MANAGER, "华东组", "华东、华南", "", YesNo.YES, None),
    ("王芳", Role.MANAGER, "华北组", "华北、华中、西南、西北、东北", "", YesNo.YES, None),
    ("刘洋", Role.ADMIN, "", "", "", YesNo.YES, None),
    ("李娜", Role.REP, "华东组", "华东", "制造业、互联网", YesNo.YES, 20),
    ("陈静", Role.REP, "华东组", "华东、华南", "金融、零售、医疗", YesNo.YES, 20),
    ("杨磊", Role.REP, "华东组", "华南", "制造业、物流", YesNo.YES, 3),
    ("赵敏", Role.REP, "华北组", "华北、东北", "政府及公共事业、教育、医疗", YesNo.YES, 20),
    ("黄强", Role.REP, "华北组", "华中、西南", "能源、建筑、制造业", YesNo.YES, 20),
    ("周杰", Role.REP, "华北组", "西北", "能源、建筑", YesNo.NO, 20),
)

#: Where ``crmxl todo --send`` mails each person's agenda (销售团队 邮箱).
TEAM_EMAILS: dict[str, str] = {
    "张伟": "zhang.wei@example.com",
    "王芳": "wang.fang@example.com",
    "刘洋": "liu.yang@example.com",
    "李娜": "li.na@example.com",
    "陈静": "chen.jing@example.com",
    "杨磊": "yang.lei@example.com",
    "赵敏": "zhao.min@example.com",
    "黄强": "huang.qiang@example.com",
}

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
    ("采购经理", DecisionRole.INFLUENCER),
    ("IT经理", DecisionRole.INFLUENCER),
    ("财务经理", DecisionRole.INFLUENCER),
    ("项目经理", DecisionRole.USER),
    ("行政主管", DecisionRole.USER),
    ("工程师", DecisionRole.USER),
    ("总经理助理", DecisionRole.OTHER),
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
    (Source.WEBSITE_FORM, 18),
    (Source.TRADE_SHOW, 20),
    (Source.REFERRAL, 16),
    (Source.PHONE_INQUIRY, 12),
    (Source.SOCIAL_MEDIA, 8),
    (Source.COLD_VISIT, 8),
    (Source.PARTNER, 10),
    (Source.PUBLIC_INFORMATION, 6),
    (Source.OTHER, 2),
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
    Stage.PROSPECT: (
        "首次电话沟通，介绍公司产品，客户愿意了解方案",
        "发送产品手册和同行业案例，客户表示会转给技术部门",
        "微信沟通，了解客户现有系统和主要痛点",
        "展会后回访，客户对智能排产模块感兴趣",
    ),
    Stage.INTERESTED: (
        "上门拜访，演示产品功能，客户技术团队参与讨论",
        "视频会议讨论方案细节，客户提出需要分期付款",
        "微信沟通报价，客户认为价格偏高，需要内部评估",
        "与采购总监沟通商务条款，对交付周期有要求",
        "客户内部立项评审中，约定评审后再沟通",
    ),
    Stage.CUSTOMER: (
        "回访使用情况，客户反馈系统运行稳定",
        "节日问候并同步新版本功能",
        "沟通续约事宜，客户希望增加培训服务",
        "季度业务回顾，讨论下季度扩容计划",
        "处理发票问题，财务已确认",
        "了解客户新项目需求，预算待内部审批",
    ),
    Stage.LOST: (
        "合同到期沟通续约，客户表示预算收紧",
        "客户已选择其他供应商，保持联系",
    ),
}

FEEDBACK = ("认可方案方向", "价格需再谈", "需要内部讨论", "对服务满意", "关注交付周期", "", "")

AGREED = ("下周提供详细报价", "安排技术交流", "先试用一个月", "", "", "")

NEXT_ACTIONS = ("发送报价单", "安排产品演示", "准备合同草稿", "电话回访", "发送案例资料", "")

CHANNEL_WEIGHTS = (
    (Channel.PHONE, 30),
    (Channel.WECHAT, 28),
    (Channel.IN_PERSON, 16),
    (Channel.VIDEO_CALL, 10),
    (Channel.EMAIL, 10),
    (Channel.INSTANT_MESSAGE, 3),
    (Channel.TRADE_SHOW, 2),
    (Channel.OTHER, 1),
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
    IssueType.COMPLAINT: (
        ("实施顾问多次未按约定时间到场", "更换顾问并书面道歉"),
        ("产品质量问题，部分设备到货损坏", "尽快换货"),
        ("客服电话长时间无人接听", "明确服务对接人"),
    ),
    IssueType.DELIVERY_PROBLEM: (
        ("交付延迟一周，影响客户上线计划", "给出明确交付时间"),
        ("系统导出数据错误，财务对账不一致", "当天修复并重新导出"),
        ("发货数量与订单不符", "补发缺少的货物"),
    ),
    IssueType.AFTER_SALES: (
        ("系统升级后部分报表无法打开", "恢复报表功能"),
        ("设备异响，需要上门检修", "安排工程师上门"),
        ("账号权限配置错误", "调整权限"),
    ),
    IssueType.INQUIRY: (
        ("咨询新版本功能和升级费用", "提供升级方案和报价"),
        ("咨询发票开具流程", "说明开票流程"),
        ("咨询增加用户数的价格", "提供报价"),
    ),
}

DEPARTMENTS: dict[str, tuple[str, ...]] = {
    IssueType.COMPLAINT: ("售后部", "运营部"),
    IssueType.DELIVERY_PROBLEM: ("运营部", "物流部", "技术支持部"),
    IssueType.AFTER_SALES: ("售后部", "技术支持部"),
    IssueType.INQUIRY: ("销售部", "财务部"),
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


def weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def work_time(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on ``day`` (9:00-18:55, five-minute steps)."""
    return at(day, rng.randint(9, 18), rng.choice(range(0, 60, 5)))


def mobile_number(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def person(rng: random.Random) -> tuple[str, str, str]:
    """(name, surname pinyin, given pinyin)."""
    surname, s_py = rng.choice(SURNAMES)
    given, g_py = rng.choice(GIVEN)
    return surname + given, s_py, g_py


def round_amount(value: float, step: int = 1000) -> float:
    return float(max(step, round(value / step) * step))


def team_role(name: str) -> str:
    return next(role for n, role, *_ in TEAM if n == name)


def regions_of(name: str) -> str:
    return next(regions for n, _r, _t, regions, *_ in TEAM if n == name)
