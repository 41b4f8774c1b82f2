"""Pure data for the demo-town generator and the tests.

Nothing here touches the database; ``store`` code turns these constants into rows. Article
references follow DESIGN.md: "HH 4" is Heihe article 4, "JM" Jiangmen, "YC" Yancheng,
"BH" Beihai; "JM note" is the Jiangmen drafting notes (seed 002, "5 areas / 12 duties").
"practice" marks figures taken from DESIGN.md's "Figures from practice", not from the seeds.

Conventions
- Unit ``kind`` is ``enums.UnitKind`` ("department" / "service_unit"); ``level`` says which
  name the generator should put in front: "town" (白沙镇 + 司法所) or "county" (海城区 + 教育局).
- A limit is ``[value, unit]`` with an integer value and a unit from ``enums.LimitUnit``
  ("work_hours", "work_days", "natural_hours"). ``urgent`` / ``emergency`` are ``None`` where
  the matter has no shorter variant.
- Every matter has ``admitted`` (ISO date); only withdrawn ones carry ``withdrawn`` — read it
  with ``m.get("withdrawn")``.
- ``TICKET_PHRASES`` templates use only the placeholders ``{road}`` and ``{building}``
  (fill with ``str.format``); ``{building}`` may be an address like "人民路12号3栋" or an
  estate name like "阳光花园".
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------
# 1. Linkage departments (联动部门) and grid service units (网格服务单位)
# ---------------------------------------------------------------------------------------
# JM 5, HH 4, YC 4: linkage departments; HH 4: service units (供水、排水、燃气、供热、供电、物业).
# HH 11: professional grid workers are sent by these departments and units.
UNITS: list[dict[str, Any]] = [
    # --- linkage departments -----------------------------------------------------------
    {"code": "POLICE", "name": "派出所", "name_en": "Police station",
     "kind": "department", "level": "town", "source": "JM 5; HH 4; YC 4"},
    {"code": "CIVIL", "name": "民政办", "name_en": "Civil affairs office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4; YC 4"},
    {"code": "JUSTICE", "name": "司法所", "name_en": "Judicial office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4; YC 4"},
    {"code": "MARKET", "name": "市场监督管理所", "name_en": "Market supervision office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4; YC 4"},
    {"code": "URBAN", "name": "综合行政执法队", "name_en": "Urban management law-enforcement team",
     "kind": "department", "level": "town", "source": "JM 5; HH 4"},
    {"code": "HOUSING", "name": "住房和城乡建设局", "name_en": "Housing and urban-rural development bureau",
     "kind": "department", "level": "county", "source": "JM 5; HH 4"},
    {"code": "ECO", "name": "生态环境分局", "name_en": "Ecology and environment branch bureau",
     "kind": "department", "level": "county", "source": "JM 5; HH 4"},
    {"code": "EMERG", "name": "应急管理办公室", "name_en": "Emergency management office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4"},
    {"code": "HEALTH", "name": "卫生健康局", "name_en": "Health commission bureau",
     "kind": "department", "level": "county", "source": "JM 5; HH 4"},
    # Education is not in the seeds' department lists; schools are exclusive grids (HH 7, BH 7).
    {"code": "EDU", "name": "教育局", "name_en": "Education bureau",
     "kind": "department", "level": "county", "source": "HH 7; BH 7"},
    {"code": "HRSS", "name": "人力资源和社会保障所", "name_en": "Human resources and social security office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4; YC 4"},
    {"code": "LAND", "name": "自然资源所", "name_en": "Natural resources office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4"},
    # Transport is not named in the seeds; it owns rural roads in practice.
    {"code": "TRANSPORT", "name": "交通运输局", "name_en": "Transport bureau",
     "kind": "department", "level": "county", "source": "practice"},
    {"code": "FIRE", "name": "消防救援大队", "name_en": "Fire and rescue brigade",
     "kind": "department", "level": "county", "source": "HH 4"},
    {"code": "PETITION", "name": "信访办", "name_en": "Letters and visits office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4"},
    {"code": "AGRI", "name": "农业农村办", "name_en": "Agriculture and rural affairs office",
     "kind": "department", "level": "town", "source": "JM 5; HH 4"},
    # BH 7 marine exclusive grids; JM 6 fishing ports (渔港码头).
    {"code": "OCEAN", "name": "海洋与渔业局", "name_en": "Ocean and fisheries bureau",
     "kind": "department", "level": "county", "source": "BH 7; JM 6"},
    # --- grid service units (HH 4) ---------------------------------------------------------
    {"code": "WATER", "name": "供水公司", "name_en": "Water supply company",
     "kind": "service_unit", "level": "county", "source": "HH 4"},
    {"code": "DRAIN", "name": "排水管理所", "name_en": "Drainage management office",
     "kind": "service_unit", "level": "county", "source": "HH 4"},
    {"code": "GAS", "name": "燃气公司", "name_en": "Gas company",
     "kind": "service_unit", "level": "county", "source": "HH 4"},
    {"code": "HEAT", "name": "供热公司", "name_en": "District heating company",
     "kind": "service_unit", "level": "county", "source": "HH 4"},
    {"code": "POWER", "name": "供电所", "name_en": "Power supply station",
     "kind": "service_unit", "level": "town", "source": "HH 4"},
    {"code": "PROPERTY", "name": "物业服务公司", "name_en": "Property management company",
     "kind": "service_unit", "level": "town", "source": "HH 4; YC 4"},
    # Telecom is not named in the seeds ("等单位"); carriers keep cables and signal in practice.
    {"code": "TELECOM", "name": "电信分公司", "name_en": "Telecom branch company",
     "kind": "service_unit", "level": "county", "source": "practice"},
]

# ---------------------------------------------------------------------------------------
# 3. Matter classes (事项大类) — letters I and O are skipped so codes never read as 1 / 0.
# ---------------------------------------------------------------------------------------
MATTER_CLASSES = {
    "A": ("城市管理", "Urban management"),  # BH 12(10); YC 10(8) 生态环卫; JM note 城乡治理协管
    "B": ("矛盾纠纷", "Disputes"),  # HH 14(4); YC 10(5); BH 12(5); JM 8(4)
    "C": ("公共安全", "Public safety"),  # HH 14(5); YC 10(3)(4); BH 12(4)(7); JM 8(3)
    "D": ("民生服务", "Livelihood services"),  # HH 4 service units; HH 14(7); YC 10(8); BH 12(9)
    "E": ("市场监管", "Market supervision"),  # JM 5; HH 4; YC 4 市场监督管理
    "F": ("生态环境", "Environment"),  # JM 8(3) 环境污染; YC 10(8) 生态环卫
    "G": ("涉海事务", "Marine affairs"),  # BH 7 涉海专属网格; JM 6 渔港码头
    "H": ("咨询建议", "Consultation & suggestions"),  # BH 16 hotline; HH 14(3)(7)
    "J": ("重点人群", "Key groups & care"),  # HH 14(6); YC 10(6); BH 12(6)(8)(9)
    "K": ("基础信息", "Basic information"),  # HH 14(2); YC 10(1); BH 12(2); JM 8(2)
}

# ---------------------------------------------------------------------------------------
# 2. The matter list (事项清单): HH 14–15, YC 10–12, BH 12–13, JM 8–9, JM note (5 areas /
#    12 duties). Limits follow DESIGN.md "Figures from practice": 数字城管 exposed rubbish
#    4 work hours, road cleaning 2 work hours, illegal building 20 work days; 12345
#    consultations / help 3 work days, complaints / suggestions 13 work days, emergencies the
#    same day; county rule ordinary 2–3 days, key difficult cases 7 days.
#    escalate=True: report at once to the town centre and upward (YC 35, BH 21).
#    Admissions after 2025-01-01 and the withdrawals model the living list (HH 15, BH 13).
# ---------------------------------------------------------------------------------------
MATTERS: list[dict[str, Any]] = [
    # --- A 城市管理 ------------------------------------------------------------------------
    {"code": "A001", "name": "暴露垃圾", "name_en": "Exposed rubbish", "class": "A",
     "default_unit": "URBAN", "limit": [4, "work_hours"], "urgent": [2, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "BH 12(10); YC 10(8)"},
    {"code": "A002", "name": "道路不洁", "name_en": "Unclean road surface", "class": "A",
     "default_unit": "URBAN", "limit": [2, "work_hours"], "urgent": [1, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "BH 12(10); YC 10(8)"},
    {"code": "A003", "name": "违法建设", "name_en": "Illegal construction", "class": "A",
     "default_unit": "URBAN", "limit": [20, "work_days"], "urgent": [5, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "BH 12(10); JM note"},
    {"code": "A004", "name": "占道经营", "name_en": "Street vending on the roadway", "class": "A",
     "default_unit": "URBAN", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "BH 12(10); JM note"},
    {"code": "A005", "name": "乱堆乱放", "name_en": "Materials piled in public space", "class": "A",
     "default_unit": "URBAN", "limit": [2, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "BH 12(10)"},
    {"code": "A006", "name": "井盖缺失", "name_en": "Missing manhole cover", "class": "A",
     "default_unit": "DRAIN", "limit": [4, "work_hours"], "urgent": [2, "work_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4; YC 10(3)"},
    {"code": "A007", "name": "路灯不亮", "name_en": "Street light out", "class": "A",
     "default_unit": "URBAN", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "BH 12(10)"},
    {"code": "A008", "name": "道路破损", "name_en": "Damaged road surface", "class": "A",
     "default_unit": "TRANSPORT", "limit": [5, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(3); BH 12(4)"},
    {"code": "A009", "name": "共享单车乱停放", "name_en": "Shared bikes parked in disorder", "class": "A",
     "default_unit": "URBAN", "limit": [4, "work_hours"], "urgent": [2, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "withdrawn": "2026-06-30",
     "source": "BH 12(10); BH 13 (withdrawn: operators' own dispatch)"},
    {"code": "A010", "name": "村庄环境脏乱", "name_en": "Untidy village environment", "class": "A",
     "default_unit": "AGRI", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-03-01",
     "source": "BH 12(10) 城乡人居环境治理"},
    # --- B 矛盾纠纷 ------------------------------------------------------------------------
    {"code": "B001", "name": "邻里纠纷", "name_en": "Neighbour dispute", "class": "B",
     "default_unit": "JUSTICE", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(4); YC 10(5); JM 8(4)"},
    {"code": "B002", "name": "家庭暴力", "name_en": "Domestic violence", "class": "B",
     "default_unit": "POLICE", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(5)"},
    {"code": "B003", "name": "物业纠纷", "name_en": "Property management dispute", "class": "B",
     "default_unit": "HOUSING", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(8) 住建物管; BH 12(5)"},
    {"code": "B004", "name": "土地权属纠纷", "name_en": "Land ownership dispute", "class": "B",
     "default_unit": "LAND", "limit": [7, "work_days"], "urgent": [3, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(4); BH 12(5)"},
    {"code": "B005", "name": "欠薪投诉", "name_en": "Unpaid wages complaint", "class": "B",
     "default_unit": "HRSS", "limit": [7, "work_days"], "urgent": [3, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(4)(7); BH 12(5)"},
    {"code": "B006", "name": "矛盾纠纷调解", "name_en": "Dispute mediation request", "class": "B",
     "default_unit": "JUSTICE", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "JM 8(4); JM 21; BH 12(5)"},
    {"code": "B007", "name": "重大矛盾纠纷", "name_en": "Major dispute", "class": "B",
     "default_unit": "JUSTICE", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": [2, "natural_hours"], "escalate": True, "admitted": "2025-01-01",
     "source": "YC 35; BH 21"},
    {"code": "B008", "name": "群体性事件苗头", "name_en": "Signs of a mass incident", "class": "B",
     "default_unit": "POLICE", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": True, "admitted": "2025-01-01",
     "source": "YC 35; BH 21"},
    {"code": "B009", "name": "信访矛盾化解", "name_en": "Petition-related dispute", "class": "B",
     "default_unit": "PETITION", "limit": [7, "work_days"], "urgent": [3, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "YC 10(5); JM 21"},
    # --- C 公共安全 ------------------------------------------------------------------------
    {"code": "C001", "name": "消防通道堵塞", "name_en": "Blocked fire lane", "class": "C",
     "default_unit": "FIRE", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(5); YC 10(3)"},
    {"code": "C002", "name": "燃气泄漏隐患", "name_en": "Gas leak hazard", "class": "C",
     "default_unit": "GAS", "limit": [4, "work_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4; HH 14(5)"},
    {"code": "C003", "name": "电动车违规充电", "name_en": "Unsafe e-bike charging", "class": "C",
     "default_unit": "FIRE", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-04-01",
     "source": "HH 14(5); BH 12(4)"},
    {"code": "C004", "name": "群租房隐患", "name_en": "Overcrowded rental hazard", "class": "C",
     "default_unit": "POLICE", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(1)(3); BH 12(4)"},
    {"code": "C005", "name": "火灾险情", "name_en": "Fire outbreak", "class": "C",
     "default_unit": "FIRE", "limit": [4, "natural_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": True, "admitted": "2025-01-01",
     "source": "JM 8(4); YC 35; BH 21"},
    {"code": "C006", "name": "危房隐患", "name_en": "Dangerous building", "class": "C",
     "default_unit": "HOUSING", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": [4, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(3); BH 12(4)"},
    {"code": "C007", "name": "安全生产隐患", "name_en": "Workplace safety hazard", "class": "C",
     "default_unit": "EMERG", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": [4, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(5); YC 10(3)"},
    {"code": "C008", "name": "地质灾害隐患", "name_en": "Geological hazard", "class": "C",
     "default_unit": "LAND", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": [2, "natural_hours"], "escalate": True, "admitted": "2025-01-01",
     "source": "HH 14(5); YC 35"},
    {"code": "C009", "name": "治安隐患线索", "name_en": "Public order lead", "class": "C",
     "default_unit": "POLICE", "limit": [1, "work_days"], "urgent": [2, "natural_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "JM 8(3); HH 14(5); YC 10(3)"},
    {"code": "C010", "name": "突发公共卫生事件", "name_en": "Public health emergency", "class": "C",
     "default_unit": "HEALTH", "limit": [4, "natural_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": True, "admitted": "2025-01-01",
     "source": "HH 14(5); BH 12(7); BH 21"},
    {"code": "C011", "name": "道路积水内涝", "name_en": "Road waterlogging", "class": "C",
     "default_unit": "DRAIN", "limit": [4, "work_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-05-01",
     "source": "HH 4; HH 14(5)"},
    # --- D 民生服务 ------------------------------------------------------------------------
    {"code": "D001", "name": "供水中断", "name_en": "Water supply cut", "class": "D",
     "default_unit": "WATER", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": [2, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4"},
    {"code": "D002", "name": "下水道堵塞", "name_en": "Blocked sewer", "class": "D",
     "default_unit": "DRAIN", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "HH 4"},
    {"code": "D003", "name": "停电故障", "name_en": "Power outage", "class": "D",
     "default_unit": "POWER", "limit": [4, "work_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4"},
    {"code": "D004", "name": "供暖不热", "name_en": "Heating not warm", "class": "D",
     "default_unit": "HEAT", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "HH 4"},
    {"code": "D005", "name": "供热管道泄漏", "name_en": "Heating pipe leak", "class": "D",
     "default_unit": "HEAT", "limit": [4, "work_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4"},
    {"code": "D006", "name": "通信线缆乱拉", "name_en": "Tangled telecom cables", "class": "D",
     "default_unit": "TELECOM", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "withdrawn": "2026-06-30",
     "source": "BH 12(10); BH 13 (withdrawn: carriers' own channel)"},
    {"code": "D007", "name": "物业服务问题", "name_en": "Property service problem", "class": "D",
     "default_unit": "PROPERTY", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 4; YC 10(8) 住建物管"},
    {"code": "D008", "name": "社会救助申请", "name_en": "Social assistance request", "class": "D",
     "default_unit": "CIVIL", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(7); YC 10(8); BH 12(9)"},
    {"code": "D009", "name": "就业帮扶需求", "name_en": "Employment support request", "class": "D",
     "default_unit": "HRSS", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(7); BH 12(9)"},
    {"code": "D010", "name": "入学入托问题", "name_en": "School or nursery enrolment issue", "class": "D",
     "default_unit": "EDU", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-07-01", "source": "BH 12(9)"},
    # --- E 市场监管 ------------------------------------------------------------------------
    {"code": "E001", "name": "食品安全隐患", "name_en": "Food safety hazard", "class": "E",
     "default_unit": "MARKET", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": [4, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(5); BH 12(4)"},
    {"code": "E002", "name": "无证无照经营", "name_en": "Unlicensed business", "class": "E",
     "default_unit": "MARKET", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 5; YC 10(3)"},
    {"code": "E003", "name": "消费投诉", "name_en": "Consumer complaint", "class": "E",
     "default_unit": "MARKET", "limit": [7, "work_days"], "urgent": [3, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "BH 16"},
    {"code": "E004", "name": "药品安全隐患", "name_en": "Drug safety hazard", "class": "E",
     "default_unit": "MARKET", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(5); BH 12(4)"},
    # --- F 生态环境 ------------------------------------------------------------------------
    {"code": "F001", "name": "噪声扰民", "name_en": "Noise nuisance", "class": "F",
     "default_unit": "URBAN", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 8(3); YC 10(8)"},
    {"code": "F002", "name": "施工扬尘", "name_en": "Construction dust", "class": "F",
     "default_unit": "HOUSING", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 8(3); YC 10(8)"},
    {"code": "F003", "name": "餐饮油烟扰民", "name_en": "Restaurant fumes nuisance", "class": "F",
     "default_unit": "URBAN", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 8(3); YC 10(8)"},
    {"code": "F004", "name": "水体污染", "name_en": "Water body pollution", "class": "F",
     "default_unit": "ECO", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": [4, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "JM 8(3)"},
    {"code": "F005", "name": "秸秆露天焚烧", "name_en": "Open burning of straw", "class": "F",
     "default_unit": "ECO", "limit": [4, "work_hours"], "urgent": [2, "natural_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "JM 8(3); BH 12(10)"},
    {"code": "F006", "name": "非法倾倒固废", "name_en": "Illegal waste dumping", "class": "F",
     "default_unit": "ECO", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 8(3)"},
    # --- G 涉海事务 (BH 7; Beihai regulation in force 2025-09-01, BH 24) ----------------------
    {"code": "G001", "name": "船只违规停泊", "name_en": "Boat moored against rules", "class": "G",
     "default_unit": "OCEAN", "limit": [1, "work_days"], "urgent": [4, "work_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-09-01", "source": "BH 7; JM 6"},
    {"code": "G002", "name": "渔船安全隐患", "name_en": "Fishing boat safety hazard", "class": "G",
     "default_unit": "OCEAN", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-09-01", "source": "BH 7; BH 12(4)"},
    {"code": "G003", "name": "海上遇险求助", "name_en": "Distress at sea", "class": "G",
     "default_unit": "OCEAN", "limit": [4, "natural_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": True, "admitted": "2025-09-01",
     "source": "BH 7; BH 21"},
    {"code": "G004", "name": "非法捕捞", "name_en": "Illegal fishing", "class": "G",
     "default_unit": "OCEAN", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-09-01", "source": "BH 7"},
    {"code": "G005", "name": "养殖用海纠纷", "name_en": "Aquaculture sea-use dispute", "class": "G",
     "default_unit": "OCEAN", "limit": [7, "work_days"], "urgent": [3, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-09-01", "source": "BH 7; BH 12(5)"},
    {"code": "G006", "name": "岸滩垃圾", "name_en": "Beach and shore litter", "class": "G",
     "default_unit": "ECO", "limit": [2, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-09-01", "source": "BH 7; BH 12(10)"},
    # --- H 咨询建议 (hotline demand types, BH 16; 12345 practice limits) ---------------------
    {"code": "H001", "name": "政策咨询", "name_en": "Policy consultation", "class": "H",
     "default_unit": "CIVIL", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "HH 14(7); BH 16"},
    {"code": "H002", "name": "群众求助", "name_en": "Request for help", "class": "H",
     "default_unit": "CIVIL", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": [4, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(3); BH 16"},
    {"code": "H003", "name": "法律咨询", "name_en": "Legal consultation", "class": "H",
     "default_unit": "JUSTICE", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "JM 21; YC 25"},
    {"code": "H004", "name": "工作作风投诉", "name_en": "Complaint about official conduct", "class": "H",
     "default_unit": "PETITION", "limit": [13, "work_days"], "urgent": [5, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "BH 16; JM 23(4)"},
    {"code": "H005", "name": "意见建议", "name_en": "Suggestion", "class": "H",
     "default_unit": "PETITION", "limit": [13, "work_days"], "urgent": None,
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "HH 14(3); BH 16"},
    # --- J 重点人群 ------------------------------------------------------------------------
    {"code": "J001", "name": "特殊人群走访", "name_en": "Visit to a key person", "class": "J",
     "default_unit": "JUSTICE", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(6); BH 12(8)"},
    {"code": "J002", "name": "严重精神障碍患者异常", "name_en": "Severe mental disorder patient in crisis",
     "class": "J",
     "default_unit": "HEALTH", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(6); BH 12(8)"},
    {"code": "J003", "name": "吸毒人员异常线索", "name_en": "Drug user lead", "class": "J",
     "default_unit": "POLICE", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(6); BH 12(8)"},
    {"code": "J004", "name": "独居老人关爱", "name_en": "Care for elderly living alone", "class": "J",
     "default_unit": "CIVIL", "limit": [3, "work_days"], "urgent": [1, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(6); BH 12(9)"},
    {"code": "J005", "name": "心理危机干预", "name_en": "Psychological crisis intervention", "class": "J",
     "default_unit": "HEALTH", "limit": [4, "natural_hours"], "urgent": [2, "natural_hours"],
     "emergency": [1, "natural_hours"], "escalate": True, "admitted": "2025-09-01",
     "source": "BH 12(6); BH 21"},
    {"code": "J006", "name": "流浪乞讨人员救助", "name_en": "Aid for homeless people", "class": "J",
     "default_unit": "CIVIL", "limit": [1, "work_days"], "urgent": [4, "natural_hours"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "YC 10(6); HH 14(6)"},
    # --- K 基础信息 ------------------------------------------------------------------------
    {"code": "K001", "name": "实有人口信息变更", "name_en": "Resident information change", "class": "K",
     "default_unit": "POLICE", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01",
     "source": "HH 14(2); YC 10(1); BH 12(2)"},
    {"code": "K002", "name": "出租房屋登记", "name_en": "Rental housing registration", "class": "K",
     "default_unit": "POLICE", "limit": [5, "work_days"], "urgent": [2, "work_days"],
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "source": "YC 10(1); JM 8(2)"},
    {"code": "K003", "name": "单位组织信息变更", "name_en": "Organisation information change", "class": "K",
     "default_unit": "MARKET", "limit": [5, "work_days"], "urgent": None,
     "emergency": None, "escalate": False, "admitted": "2025-01-01", "withdrawn": "2026-06-30",
     "source": "YC 10(1); BH 13 (withdrawn: now shared from registration data, BH 15)"},
]

# ---------------------------------------------------------------------------------------
# 4. Person names
# ---------------------------------------------------------------------------------------
# Common surnames, most common first (national household-registration ranking, roughly).
SURNAMES = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
    "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余",
    "于", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢",
    "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖",
    "石", "金", "韦", "贾", "夏", "付", "方", "邹", "熊", "白",
    "孟", "秦", "邱", "侯", "江", "尹", "薛", "闫", "段", "雷",
    "龙", "黎", "史", "陶", "贺", "毛", "郝", "顾", "龚", "邵",
    "万", "覃", "武", "钱", "戴", "严", "莫", "孔", "向", "常",
]

# Characters common in given names (one or two of them follow the surname).
GIVEN_CHARS = [
    "伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊",
    "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞",
    "平", "刚", "桂", "华", "玉", "兰", "红", "梅", "建", "国",
    "文", "辉", "力", "永", "健", "世", "广", "志", "义", "兴",
    "良", "海", "山", "仁", "波", "宁", "贵", "福", "生", "龙",
    "元", "全", "胜", "学", "祥", "才", "发", "武", "新", "利",
    "清", "飞", "彬", "富", "顺", "信", "子", "鹏", "浩", "宇",
    "轩", "博", "晨", "阳", "俊", "峰", "斌", "琳", "婷", "雪",
    "慧", "莉", "萍", "燕", "玲", "丹", "欣", "悦", "琪", "佳",
    "思", "雨", "梓", "涵", "怡", "嘉", "晓", "春", "秋", "冬",
    "云", "凤", "翠", "珍", "淑", "惠", "倩", "颖", "蕾", "薇",
    "婧", "瑶", "璐", "露", "爽", "彤", "月", "亮", "东", "辰",
    "成", "安", "民", "德", "昌", "荣", "庆", "林", "森", "松",
    "柏", "江", "河", "泉", "金", "鑫", "银", "宝", "凯", "旭",
    "振", "伦", "鸿", "瑞", "祺", "泽", "睿", "哲", "诚", "毅",
    "坤", "航", "帆", "天", "一", "家", "晶", "芬", "蓉", "丰",
]

# ---------------------------------------------------------------------------------------
# 5. Place names: villages (村), communities (社区), estates, roads, buildings
# ---------------------------------------------------------------------------------------
# Community name = part + COMMUNITY_SUFFIXES, e.g. "东华社区"; village = part + "村".
COMMUNITY_NAME_PARTS = [
    "东华", "新村", "紫茶", "城南", "城北", "东湖", "西园", "南山", "北岭", "光明",
    "幸福", "和平", "新华", "建设", "长安", "兴隆", "富民", "永安", "太平", "金沙",
    "银滩", "海湾", "滨江", "龙泉", "凤凰", "青山", "白沙", "红旗", "向阳", "前进",
    "胜利", "团结", "友谊", "桂园", "柳塘", "荷塘", "石桥", "新港", "东风", "朝阳",
    "平安", "锦绣", "文昌", "沙湾", "学府", "站前", "府前", "花园",
]
COMMUNITY_SUFFIXES = ["社区"]

# Rural flavour for villages (HH 7: 自然村 / 村民小组), e.g. "李家村", "王庄村".
VILLAGE_NAME_PARTS = [
    "李家", "王庄", "张屯", "刘家", "大屯", "小河", "河口", "山前", "后沟", "红星",
    "新立", "永丰", "三合", "四方", "五星", "杨树", "榆树", "柳林", "桃园", "石门",
    "长岭", "双河", "东升", "黄泥", "沙坡", "马场", "高岭", "下湾", "上营", "北沟",
    "西岗", "南坪", "东岭", "龙湾", "海头", "沙田",
]
VILLAGE_SUFFIXES = ["村"]

# Residential estates (住宅小区), e.g. "阳光花园", "翠湖家园".
ESTATE_NAME_PARTS = [
    "阳光", "锦绣", "翠湖", "金色", "碧水", "御景", "盛世", "丽景", "东方", "香樟",
    "海韵", "书香", "紫荆", "枫林", "名都", "康乐", "怡景", "明珠", "滨海", "华庭",
]
ESTATE_SUFFIXES = ["小区", "花园", "家园", "苑", "新城", "公寓", "嘉园", "名苑"]

ROAD_NAMES = [
    "人民路", "解放路", "建设路", "中山路", "新华路", "和平路", "胜利路", "文化路",
    "长江路", "黄河路", "朝阳路", "东风路", "工业大道", "迎宾大道", "滨江路", "滨海大道",
    "北京路", "上海路", "光明街", "幸福街", "团结路", "育才路", "学府路", "健康路",
    "站前路", "环城路", "府前路", "青年路", "东华街", "西湖路", "南门街", "北环路",
    "金山路", "银滩路", "海景路", "兴业路", "创业大道", "民主街", "富民路", "振兴路",
    "花园路", "桥头街",
]

# Address: f"{road}{n}号{m}{kind}", e.g. "人民路12号3栋", "建设路8号2号楼".
BUILDING_KINDS = ["栋", "幢", "号楼", "座"]

# ---------------------------------------------------------------------------------------
# 6. Grid kinds
# ---------------------------------------------------------------------------------------
# JM 6, HH 7, YC 7, BH 7: exclusive grids (专属网格).
EXCLUSIVE_GRID_KINDS = [
    ("商务楼宇", "Office tower"),  # JM 6; HH 7; BH 7
    ("产业园区", "Industrial park"),  # JM 6 各类园区; HH 7; YC 7; BH 7
    ("商圈市场", "Shopping district or market"),  # JM 6; HH 7 商厦市场; BH 7
    ("学校", "School"),  # HH 7; BH 7
    ("医院", "Hospital"),  # HH 7; BH 7
    ("企事业单位", "Enterprise or institution"),  # JM 6; HH 7; YC 7; BH 7
    ("行政中心", "Administrative centre"),  # JM 6; HH 7
    ("景区", "Scenic area"),  # BH 7
]

# BH 7: marine exclusive grids (涉海专属网格); JM 6 渔港码头.
MARINE_GRID_KINDS = [
    ("港口码头", "Port and wharf"),  # BH 7 港口
    ("渔港", "Fishing port"),  # JM 6 渔港码头
    ("船舶编组", "Boat group"),  # BH 7 船只编组
    ("水产养殖海域", "Aquaculture sea area"),  # BH 7
    ("海上生产作业区", "Offshore work area"),  # BH 7 相对固定的海上生产作业区域
    ("滩涂作业区", "Tidal-flat work area"),  # BH 7 滩涂生产作业区域
    ("沿海渔村", "Coastal fishing village"),  # practice (JM note: 海域全覆盖)
]

# ---------------------------------------------------------------------------------------
# 7. Ticket titles / descriptions, per matter; placeholders {road} and {building} only.
# ---------------------------------------------------------------------------------------
TICKET_PHRASES = {
    "A001": ["{road}垃圾堆放未清运", "{building}旁垃圾桶满溢，周边散落生活垃圾", "{road}绿化带内有暴露垃圾"],
    "A002": ["{road}路面有泥土洒落未清扫", "{road}人行道落叶、纸屑较多", "{building}门前路面油污未清理"],
    "A003": ["{building}楼顶疑似违规加盖彩钢房", "{road}沿街商铺私自搭建雨棚", "{building}一楼住户违规扩建院墙"],
    "A004": ["{road}路口流动摊贩占道经营", "{road}水果摊占用人行道摆卖", "{building}门口早餐摊占道经营影响通行"],
    "A005": ["{road}人行道堆放建筑材料", "{building}楼下杂物乱堆", "{road}沿街商户货物堆放占道"],
    "A006": ["{road}人行道井盖缺失", "{building}旁雨水井盖破损下陷", "{road}机动车道井盖松动异响"],
    "A007": ["{road}多盏路灯夜间不亮", "{building}附近路灯损坏", "{road}路灯白天常亮"],
    "A008": ["{road}路面坑洼积水", "{road}人行道地砖松动破损", "{building}出入口路面塌陷"],
    "A009": ["{road}地铁口共享单车堆积", "{building}门前共享单车乱停堵塞通道"],
    "A010": ["{road}沿线柴草乱堆", "{building}屋后旱厕脏乱", "村道两侧生活垃圾随意倾倒"],
    "B001": ["{building}上下楼住户因漏水发生纠纷", "{building}邻居因占用公共过道发生争执", "{road}两户居民因宅基地界址发生口角"],
    "B002": ["{building}一住户反映遭受家庭暴力", "{building}住户夫妻争吵有肢体冲突"],
    "B003": ["{building}业主与物业因物业费发生纠纷", "{building}业主反映物业收费不透明", "{building}业主委员会与物业公司交接纠纷"],
    "B004": ["{road}附近两村民小组因土地界址发生争议", "村民反映承包地被他人占用", "{road}旁林地权属存在争议"],
    "B005": ["{building}工地农民工反映被拖欠工资", "{road}一餐馆员工反映拖欠两个月工资", "{building}内企业员工集体反映欠薪"],
    "B006": ["{building}住户申请调解房屋租赁纠纷", "{road}商户与顾客发生纠纷需调解", "{building}居民申请调解赡养纠纷"],
    "B007": ["{road}拆迁补偿纠纷矛盾激化", "{building}住户因债务纠纷情绪激动扬言过激行为", "{road}两家族因土地纠纷发生冲突"],
    "B008": ["{building}门前多名业主聚集反映维权诉求", "{road}工地数十名工人聚集讨薪", "{road}附近村民聚集阻挠施工"],
    "B009": ["{building}居民长期信访诉求需化解", "{road}片区征收遗留问题信访", "群众反映历史遗留问题多次上访"],
    "C001": ["{building}消防通道被车辆占用", "{building}楼道堆放杂物堵塞疏散通道", "{road}商铺后门消防通道被封堵"],
    "C002": ["{building}楼道内闻到燃气异味", "{road}餐饮店燃气管道老化", "{building}住户燃气软管老化未更换"],
    "C003": ["{building}楼道内电动车充电", "{building}住户私拉电线飞线充电", "{building}电动车停放在楼梯间"],
    "C004": ["{building}一套住房隔成多间出租", "{building}群租房人员复杂存在消防隐患", "{road}沿街商铺住人"],
    "C005": ["{building}阳台冒烟疑似起火", "{road}沿街商铺发生火情", "{road}附近山林起火"],
    "C006": ["{building}外墙开裂疑似危房", "{road}老旧民房墙体倾斜", "{building}楼梯扶手及楼板严重破损"],
    "C007": ["{road}小作坊违规存放易燃物品", "{building}内企业安全出口封闭", "{road}工地未设安全防护"],
    "C008": ["{road}旁边坡出现裂缝", "{building}后山疑有滑坡迹象", "{road}路面出现塌陷坑"],
    "C009": ["{building}附近发现可疑人员徘徊", "{road}夜间有人聚集赌博", "{building}有散发邪教宣传品线索"],
    "C010": ["{building}多名住户出现腹泻呕吐症状", "{road}一学校多名学生发热", "{building}发现疑似集中发病情况"],
    "C011": ["{road}路段积水严重车辆无法通行", "{building}地下车库进水", "{road}下穿通道积水"],
    "D001": ["{building}停水未提前通知", "{road}供水管道爆裂导致片区停水", "{building}高层水压不足无法供水"],
    "D002": ["{building}下水道堵塞污水外溢", "{road}排水管道堵塞", "{building}化粪池满溢"],
    "D003": ["{building}突然停电", "{road}片区频繁停电", "{building}单元电表箱故障停电"],
    "D004": ["{building}住户反映暖气不热", "{building}整栋楼暖气温度不达标", "{building}供暖后部分房间暖气不热"],
    "D005": ["{road}供热管道泄漏冒热气", "{building}楼内暖气管道漏水", "{road}检查井冒蒸汽疑似管道破裂"],
    "D006": ["{road}电杆上通信线缆杂乱下垂", "{building}外墙通信线缆乱拉"],
    "D007": ["{building}电梯长期故障物业未维修", "{building}小区门禁损坏", "{building}楼道灯损坏物业不处理"],
    "D008": ["{building}低收入家庭申请最低生活保障", "{building}居民因病致困申请临时救助", "{road}一户困难家庭房屋漏雨求助"],
    "D009": ["{building}失业人员求职登记需求", "{building}残疾人咨询就业帮扶", "{road}返乡人员申请就业培训"],
    "D010": ["{building}随迁子女入学咨询", "{building}居民反映幼儿园学位紧张", "{road}片区学区划分问题反映"],
    "E001": ["{road}小餐馆后厨卫生状况差", "{building}附近流动摊贩销售过期食品", "{road}学校周边小卖部售卖三无食品"],
    "E002": ["{road}沿街门店无照经营", "{building}内私人作坊无证生产", "{road}无证烟花爆竹销售点"],
    "E003": ["{road}超市商品价格与标价不符", "{building}附近培训机构拒不退费", "{road}商户出售商品以次充好"],
    "E004": ["{road}药店销售过期药品", "{building}附近诊所违规售药", "{road}流动人员兜售保健品"],
    "F001": ["{building}附近广场舞音响声音过大", "{road}商铺使用高音喇叭招揽顾客", "{building}工地夜间施工噪声扰民"],
    "F002": ["{road}工地未覆盖扬尘严重", "{building}拆除作业未洒水降尘", "{road}渣土车未密闭沿路撒漏"],
    "F003": ["{building}楼下餐馆油烟直排", "{road}烧烤摊油烟扰民", "{building}饭店排烟管道朝向住户窗口"],
    "F004": ["{road}旁河道水体发黑发臭", "{road}附近企业疑似偷排污水", "{building}附近池塘出现死鱼"],
    "F005": ["{road}旁农田焚烧秸秆", "{road}附近露天焚烧垃圾", "村民在田间焚烧秸秆烟雾较大"],
    "F006": ["{road}旁空地被倾倒建筑垃圾", "{road}沟渠内倾倒工业固废", "夜间有车辆在{road}附近偷倒渣土"],
    "G001": ["渔港内渔船未按规定停泊", "{road}码头船只占用航道停泊", "台风预警期间渔船未进港避风"],
    "G002": ["渔船救生衣配备不足", "{road}码头渔船消防设备过期", "船只未开启定位设备出海"],
    "G003": ["渔船在近海失去动力请求救援", "出海渔民失联家属求助", "{road}海域有人落水"],
    "G004": ["禁渔期有渔船出海作业", "{road}近海发现使用违规网具捕捞", "滩涂有人电鱼"],
    "G005": ["养殖户因养殖海域界址发生纠纷", "{road}滩涂养殖区占用争议", "养殖用海到期续期纠纷"],
    "G006": ["{road}海滩堆积海漂垃圾", "{road}岸滩有废弃渔网泡沫浮球", "退潮后岸滩垃圾未清理"],
    "H001": ["居民咨询高龄津贴申领条件", "{building}居民咨询医保参保政策", "群众咨询老旧小区改造政策"],
    "H002": ["{building}独居老人求助更换门锁", "{building}居民钥匙遗失求助开锁", "{road}行动不便老人求助就医"],
    "H003": ["{building}居民咨询房屋买卖合同问题", "居民咨询遗产继承法律问题", "{road}商户咨询租赁合同违约责任"],
    "H004": ["群众反映办事窗口工作人员态度差", "{building}居民投诉社区办事推诿", "群众反映部门未按时答复诉求"],
    "H005": ["居民建议{road}增设公交站点", "建议{building}增设电动车充电桩", "建议{road}路口增设红绿灯"],
    "J001": ["{building}社区矫正对象定期走访", "{building}刑满释放人员帮教走访", "{road}重点人员近期情况走访"],
    "J002": ["{building}精神障碍患者近期情绪不稳", "{building}患者停药后行为异常", "{road}有精神异常人员滋扰路人"],
    "J003": ["{building}疑似有人吸食毒品", "{building}吸毒人员近期行踪异常"],
    "J004": ["{building}独居老人多日未出门", "{building}独居老人需定期探访", "{road}空巢老人生活困难需帮扶"],
    "J005": ["{building}居民情绪低落有轻生倾向", "{building}楼顶有人情绪激动", "{road}一青少年离家出走情绪异常"],
    "J006": ["{road}桥洞下有流浪人员露宿", "{road}路口有人乞讨", "{building}附近发现走失老人"],
    "K001": ["{building}新增入住人员信息采集", "{building}住户迁出信息更新", "{building}人口信息与实际不符需核实"],
    "K002": ["{building}新增出租房屋未登记", "{building}租客变更需更新登记", "{road}沿街商铺二楼出租住人未登记"],
    "K003": ["{road}新开业商户信息采集", "{building}内企业迁出信息更新"],
}

# ---------------------------------------------------------------------------------------
# 8. Ticket sources (enums.Source) and their rough share in a demo town (BH 16, HH 21).
# ---------------------------------------------------------------------------------------
SOURCES = [
    ("patrol", 45),  # 网格员巡查上报 (HH 21, JM 17)
    ("hotline", 30),  # 12345 政务服务便民热线 (BH 16)
    ("platform", 15),  # 网格化服务管理事项受理平台 / 小程序 (BH 16, YC 34)
    ("walk_in", 5),  # 来访
    ("referral", 5),  # 上级转办 (BH 5)
]
