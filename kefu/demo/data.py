"""The demo shop as data: organisation, catalogue, places. The stories live in `scripts.py`."""

from __future__ import annotations

from typing import Any

from kefu.auth.models import Role, TeamKind
from kefu.channels.models import ChannelKind
from kefu.parties.models import PartyKind

WORKSPACE_KEY = "demo"
SHOP_NAME = "Lumière Home 璐米家居"
# Printed by `kefu demo` for every login: it guards nothing but sample data.
DEMO_PASSWORD = "lumiere-demo-2026"  # noqa: S105
MAIL_DOMAIN = "lumiere.example"
SEED = 11

# How many staff of each role; the first of each role is a printed login.
STAFF_PER_ROLE: dict[Role, int] = {
    Role.agent: 14,
    Role.team_lead: 6,
    Role.supervisor: 3,
    Role.admin: 2,
    Role.analyst: 2,
}
# The printed logins, admin last: `kefu demo` puts the last token into its curl example.
LOGIN_ROLES = (Role.agent, Role.team_lead, Role.supervisor, Role.analyst, Role.admin)

# (name, kind, description, agents in the team, index of the supervisor who oversees it)
TEAMS: list[tuple[str, TeamKind, str, int, int]] = [
    ("售前咨询组", TeamKind.frontline, "官网、App 与社群的售前咨询和订单答疑", 4, 0),
    ("售后服务组", TeamKind.after_sales, "退款、退换货、投诉与补偿", 4, 0),
    ("物流跟进组", TeamKind.logistics, "与承运商对接：延误、破损、丢件", 2, 1),
    ("仓储协同组", TeamKind.warehouse, "发货、错发漏发、库存与超卖核查", 1, 1),
    ("跨境专员组", TeamKind.cross_border, "跨境进口商品：清关、实名认证、税费", 2, 2),
    ("质检品控组", TeamKind.quality, "商品质量问题的判定、供应商追责", 1, 2),
]

# (name, description); the team kinds whose agents get the skill, at levels 2–5
SKILLS: list[tuple[str, str, tuple[TeamKind, ...]]] = [
    ("英语", "语言：英文客户接待", (TeamKind.cross_border, TeamKind.frontline)),
    ("日语", "语言：日文客户与日本进口商品", (TeamKind.cross_border,)),
    ("粤语", "语言：粤语电话接待", (TeamKind.after_sales,)),
    ("售后处理", "退款、退换货、补偿方案", (TeamKind.after_sales, TeamKind.quality)),
    ("物流协调", "承运商工单与理赔", (TeamKind.logistics, TeamKind.warehouse)),
    ("跨境清关", "报关、实名认证、跨境税费", (TeamKind.cross_border,)),
    ("VIP 服务", "SVIP 与 VIP3 客户专席", (TeamKind.frontline, TeamKind.after_sales)),
]

PARTIES: list[dict[str, Any]] = [
    {
        "kind": PartyKind.supplier,
        "name": "佛山森木家具有限公司",
        "code": "SUP-SENMU",
        "titles": ("客户经理", "售后主管"),
    },
    {
        "kind": PartyKind.supplier,
        "name": "景德镇瓷韵陶瓷有限公司",
        "code": "SUP-CIYUN",
        "titles": ("销售经理",),
    },
    {
        "kind": PartyKind.supplier,
        "name": "南通棉语家纺有限公司",
        "code": "SUP-MIANYU",
        "titles": ("品控主管",),
    },
    {
        "kind": PartyKind.carrier,
        "name": "顺丰速运",
        "code": "SF",
        "titles": ("大客户专员", "网点主管"),
    },
    {"kind": PartyKind.carrier, "name": "中通快递", "code": "ZTO", "titles": ("客服经理",)},
    {"kind": PartyKind.carrier, "name": "京东物流", "code": "JD", "titles": ("项目经理",)},
    {
        "kind": PartyKind.merchant,
        "name": "北欧风尚家居专营店",
        "code": "M-NORDIC",
        "titles": ("店长", "运营"),
    },
    {
        "kind": PartyKind.merchant,
        "name": "东京生活馆（跨境）",
        "code": "M-TOKYO",
        "titles": ("跨境运营",),
    },
]

CHANNELS: list[tuple[ChannelKind, str]] = [
    (ChannelKind.web_chat, "官网在线客服"),
    (ChannelKind.app, "璐米家居 App"),
    (ChannelKind.email, "客服邮箱 service@lumiere.example"),
    (ChannelKind.phone, "400-820-1688 客服热线"),
    (ChannelKind.web_form, "售后申请表单"),
    (ChannelKind.community, "会员福利群（微信）"),
]

CARRIERS = ("顺丰速运", "中通快递", "京东物流")

TICKET_TYPES: list[dict[str, Any]] = [
    {
        "key": "refund",
        "name": "退款",
        "fields": [
            {"key": "amount", "label": "退款金额（元）", "type": "number", "required": True},
            {
                "key": "reason",
                "label": "退款原因",
                "type": "select",
                "required": True,
                "options": ["质量问题", "七天无理由", "发错货", "物流破损", "价格保护", "其他"],
            },
            {
                "key": "refund_to",
                "label": "退款方式",
                "type": "select",
                "options": ["原路退回", "账户余额"],
            },
        ],
    },
    {
        "key": "logistics_exception",
        "name": "物流异常",
        "fields": [
            {"key": "carrier", "label": "承运商", "type": "select", "options": list(CARRIERS)},
            {"key": "tracking_no", "label": "运单号", "type": "text", "required": True},
            {
                "key": "exception",
                "label": "异常类型",
                "type": "select",
                "required": True,
                "options": ["长时间未更新", "包裹破损", "疑似丢件", "派送地址错误"],
            },
        ],
    },
    {
        "key": "customs",
        "name": "跨境清关",
        "fields": [
            {"key": "declaration_no", "label": "报关单号", "type": "text", "required": True},
            {"key": "id_verified", "label": "订购人已实名认证", "type": "boolean"},
            {
                "key": "hold_reason",
                "label": "暂扣原因",
                "type": "select",
                "options": ["身份信息未认证", "超出个人年度限额", "申报信息不符"],
            },
        ],
    },
    {
        "key": "exchange",
        "name": "换货",
        "fields": [
            {
                "key": "reason",
                "label": "换货原因",
                "type": "select",
                "options": ["颜色/款式不符", "尺寸不符", "质量问题"],
            },
            {"key": "new_sku", "label": "换货 SKU", "type": "text"},
        ],
    },
    {
        "key": "complaint",
        "name": "投诉",
        "fields": [
            # Root cause per ticket: the thermometer that names the department that caused it.
            {
                "key": "department",
                "label": "责任部门",
                "type": "select",
                "options": ["客服", "仓储", "物流", "采购", "商家"],
            },
            {
                "key": "severity",
                "label": "严重程度",
                "type": "select",
                "options": ["一般", "严重", "重大"],
            },
        ],
    },
    {
        "key": "installation",
        "name": "上门安装",
        "fields": [
            {"key": "appointment", "label": "预约日期", "type": "date"},
            {"key": "address_confirmed", "label": "地址已确认", "type": "boolean"},
        ],
    },
]

# (sku, title, price in fen, cross-border import)
CATALOG: list[tuple[str, str, int, bool]] = [
    ("LM-FUR-1001", "北欧白橡木实木餐桌 1.4m", 239900, False),
    ("LM-FUR-1002", "白橡木餐椅（两把装）", 119800, False),
    ("LM-FUR-1003", "科技布三人位沙发 烟灰色", 429900, False),
    ("LM-FUR-1004", "懒人豆袋沙发", 89900, False),
    ("LM-FUR-1005", "胡桃木电视柜 1.8m", 199900, False),
    ("LM-BED-2001", "泰国天然乳胶床垫 1.8m", 329900, False),
    ("LM-BED-2002", "60 支长绒棉四件套 1.8m 床", 45900, False),
    ("LM-BED-2003", "慢回弹记忆棉枕", 19900, False),
    ("LM-BED-2004", "水洗真丝空调被", 69900, False),
    ("LM-BED-2005", "纯棉华夫格毛巾浴巾套装", 12900, False),
    ("LM-KIT-3001", "景德镇釉下彩餐具 16 件套", 32900, False),
    ("LM-KIT-3002", "304 不锈钢炒锅 32cm", 39900, False),
    ("LM-KIT-3003", "玻璃密封保鲜盒 10 件套", 9900, False),
    ("LM-KIT-3004", "手冲咖啡壶套装", 25900, False),
    ("LM-KIT-3005", "竹制砧板三件套", 8900, False),
    ("LM-DEC-4001", "新西兰羊毛手工地毯 160×230", 129900, False),
    ("LM-DEC-4002", "高遮光棉麻窗帘 2.8m×2.7m", 36800, False),
    ("LM-DEC-4003", "大豆蜡香薰蜡烛礼盒", 8900, False),
    ("LM-DEC-4004", "极简金属落地灯", 59900, False),
    ("LM-DEC-4005", "北欧陶瓷花瓶三件套", 15900, False),
    ("LM-STO-5001", "可折叠布艺收纳箱（三只装）", 6900, False),
    ("LM-STO-5002", "实木翻斗鞋柜", 79900, False),
    ("LM-STO-5003", "衣柜分层收纳架", 4900, False),
    ("LM-CLN-6001", "无线手持吸尘器", 149900, False),
    ("LM-CLN-6002", "超细纤维平板拖把套装", 12900, False),
    ("LM-CB-7001", "日本进口南部铁器铸铁锅 22cm", 89900, True),
    ("LM-CB-7002", "德国进口不锈钢刀具五件套", 139900, True),
    ("LM-CB-7003", "丹麦进口羊毛毯", 79900, True),
    ("LM-CB-7004", "日本进口有田烧茶具套装", 68800, True),
    ("LM-CB-7005", "瑞典进口记忆棉床垫 1.8m", 599900, True),
]

# (province, city, district, streets); a municipality's city repeats the province and is not written
REGIONS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("浙江省", "杭州市", "西湖区", ("文三路", "古墩路", "天目山路")),
    ("上海市", "上海市", "浦东新区", ("张杨路", "世纪大道", "锦绣路")),
    ("北京市", "北京市", "朝阳区", ("望京街", "建国路", "朝阳北路")),
    ("广东省", "深圳市", "南山区", ("科技园南路", "南海大道", "后海大道")),
    ("广东省", "广州市", "天河区", ("天河路", "体育西路", "华夏路")),
    ("江苏省", "南京市", "鼓楼区", ("中山北路", "湖南路")),
    ("江苏省", "苏州市", "姑苏区", ("干将西路", "人民路")),
    ("四川省", "成都市", "武侯区", ("人民南路四段", "科华北路")),
    ("湖北省", "武汉市", "洪山区", ("珞喻路", "光谷大道")),
    ("陕西省", "西安市", "雁塔区", ("小寨西路", "科技路")),
    ("福建省", "厦门市", "思明区", ("湖滨南路", "莲前西路")),
    ("山东省", "青岛市", "市南区", ("香港中路", "闽江路")),
    ("天津市", "天津市", "和平区", ("南京路", "滨江道")),
    ("湖南省", "长沙市", "岳麓区", ("麓山南路", "枫林三路")),
    ("重庆市", "重庆市", "渝北区", ("新南路", "红锦大道")),
]
ESTATES = (
    "阳光花园",
    "锦绣华庭",
    "万科城",
    "翠苑一区",
    "融创府",
    "金地格林小城",
    "保利香槟国际",
    "绿城桂花园",
)

# Tier weights: most customers are regular; a few are SVIP.
TIERS: list[tuple[str, int]] = [
    ("regular", 20),
    ("vip1", 10),
    ("vip2", 8),
    ("vip3", 5),
    ("svip", 4),
]
CUSTOMER_TAGS = (
    "老客户",
    "高价值",
    "退货较多",
    "跨境购",
    "企业采购",
    "价格敏感",
    "社群活跃",
    "新客",
)
MAIL_HOSTS = ("qq.com", "163.com", "126.com", "foxmail.com", "outlook.com", "sina.com")
