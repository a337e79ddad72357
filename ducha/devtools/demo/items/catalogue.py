"""The catalogue the demo items are drawn from: a county government's tasks by the department that would lead
them, the texts its people write at each step (progress, completion reports, opinions, reasons), and the weights
by which the random items are drawn. Plain data; the builder (ducha.devtools.demo.items.builder) uses it."""

from __future__ import annotations

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Confidentiality, SourceType, Urgency

S = ItemStatus
RED, YELLOW, GREEN = "red", "yellow", "green"

# Realistic tasks of a county government, by the department that would lead them. "{town}" is replaced by a
# township's name (a township co-unit's, when there is one).
DEPARTMENT_TITLES: dict[str, list[str]] = {
    "fgw": [
        "加快推进县域重大项目前期工作",
        "做好2027年中央预算内投资项目储备申报",
        "推进县城新型城镇化建设补短板强弱项",
        "落实优化营商环境十项措施",
        "推动工业园区标准厂房建设提速",
        "加快{town}光伏发电项目建设",
    ],
    "jyj": [
        "落实义务教育学校“双减”政策",
        "推进城区学校大班额化解",
        "加快县第二实验小学新建工程",
        "做好农村义务教育学生营养改善计划",
        "解决{town}幼儿园学位紧张问题",
    ],
    "zjj": [
        "推进县城老旧小区改造",
        "加快城市燃气管道老化更新改造",
        "推进保障性租赁住房建设",
        "整治建筑工地扬尘污染",
        "推动已售逾期难交付住宅项目按期交房",
    ],
    "czj": ["加强政府债务风险防范化解", "加快中央直达资金支出进度", "规范政府采购程序"],
    "rsj": ["做好高校毕业生就业服务", "开展根治欠薪冬季专项行动", "推进{town}“家门口”就业服务站建设"],
    "zrzyj": ["推进违法占用耕地问题整改", "推行不动产登记“交房即交证”改革", "做好国土空间规划实施监督"],
    "sthjj": ["落实中央生态环境保护督察反馈问题整改", "推进县城黑臭水体治理", "加强秸秆禁烧和大气污染防治"],
    "jtj": ["加快农村公路提档升级", "优化调整县城公交线路", "整治国省道沿线货车超限超载"],
    "nyncj": ["加快高标准农田建设", "抓好秋冬种生产和粮食安全", "推进{town}农村人居环境整治提升"],
    "slj": ["做好冬春农田水利基本建设", "推进{town}农村供水保障工程", "加强河湖“清四乱”常态化规范化"],
    "swj": ["促进县域商业体系建设", "推动家电以旧换新政策落地见效"],
    "wlj": ["推进县域4A级景区创建", "加强文物安全管理"],
    "wjj": ["推进紧密型县域医共体建设", "做好冬春季传染病防控", "解决县人民医院就医停车难问题"],
    "mzj": ["提升农村敬老院服务水平", "做好困难群众冬季救助工作", "推进{town}社区居家养老服务中心建设"],
    "yjj": ["开展安全生产治本攻坚三年行动", "做好冬季森林防火工作", "开展城镇燃气安全专项整治"],
    "scjgj": [
        "加强校园及周边食品安全监管",
        "开展电动自行车质量安全专项整治",
        "推进个体工商户分型分类精准帮扶",
    ],
    "gaj": ["开展打击治理电信网络诈骗专项行动", "整治城区道路交通秩序"],
    "sfj": ["推进行政执法“三项制度”落实", "开展矛盾纠纷排查化解专项行动"],
    "ybj": ["推进医保基金监管专项整治", "提高城乡居民医保参保率"],
    "xczxj": ["巩固拓展脱贫攻坚成果", "做好防止返贫动态监测帮扶"],
    "sjj": ["推进政务服务“一网通办”", "推动12345热线与110联动对接"],
    "cgj": ["整治城区占道经营和流动摊贩", "推进县城生活垃圾分类", "解决城区停车难问题"],
}

TOWNSHIP_TITLES = [
    "解决{town}农贸市场周边交通拥堵问题",
    "推进{town}集镇环境综合整治",
    "做好{town}防汛备汛和地质灾害防治",
    "加快{town}污水处理设施建设",
    "解决{town}群众反映的饮水安全问题",
    "推进{town}和美乡村示范村建设",
    "化解{town}信访积案",
    "推进{town}撂荒地复耕复种",
]

# What a co-unit typically contributes, by unit code.
CO_UNIT_NOTES = {
    "czj": "负责资金保障",
    "zrzyj": "负责用地保障和规划审批",
    "sthjj": "负责环评审批和环境监管",
    "fgw": "负责项目立项审批",
    "zjj": "负责施工监管",
    "jtj": "负责交通组织",
    "gaj": "负责秩序维护",
    "scjgj": "负责市场监管",
    "rsj": "负责用工保障",
    "sjj": "负责信息系统对接",
}
TOWNSHIP_CO_NOTE = "负责属地组织实施和群众工作"
GENERIC_CO_NOTE = "配合做好相关工作"

REPEAT_SUFFIXES = ["（回头看）", "（第二阶段）", "（整改落实）", "（持续推进）", "（巩固提升）"]

GOALS = [
    "确保年底前全面完成。",
    "确保按期保质完成任务。",
    "切实解决群众急难愁盼问题。",
    "形成可复制可推广的经验做法。",
    "做到件件有着落、事事有回音。",
    "确保取得群众看得见、摸得着的实效。",
]

REQUIREMENTS = [
    "制定具体工作方案，明确责任人、时间表和路线图",
    "建立工作台账，实行销号管理",
    "每月25日前报送阶段性进展情况",
    "办结后及时报送办结报告及佐证材料",
    "主要负责同志亲自研究部署，分管负责同志具体抓落实",
    "涉及群众切身利益的，做好政策解释和舆情应对",
    "对照时间节点倒排工期，确保按期完成",
]

PROGRESS_TEXTS = [
    "已召开专题推进会议{n}次，制定印发工作方案，明确责任分工和时间节点。目前完成总任务量的{p}%。",
    "已完成前期摸底排查，共排查问题{n}个，已整改{m}个，其余正在加快推进。",
    "已组织{n}个工作组分片包干，开展入户走访，收集群众意见建议{m}条，已逐条建立台账。",
    "已与相关单位会商{n}次，就难点问题形成初步解决方案，近期报县政府研究。",
    "已建立工作台账，实行周调度、月通报，目前各项工作按计划推进，完成{p}%。",
    "已开展专项检查{n}次，发现问题{m}个，已督促相关单位限期整改。",
]
# For building works (titles with one of WORKS_WORDS).
WORKS_PROGRESS_TEXTS = [
    "项目已完成立项和可研批复，正在开展施工图设计，预计下月进场施工。",
    "已落实资金{n}0万元，完成招标采购，施工队伍已进场，形象进度约{p}%。",
    "受近期持续降雨影响进度有所滞后，已增加施工人员和设备，确保按期完成。",
    "主体工程已完成{p}%，正在同步推进配套设施建设。",
]
WORKS_WORDS = ("建设", "改造", "工程", "设施", "公路", "厂房", "农田", "管道", "项目")

CO_PROGRESS_TEXTS = [
    "我单位{note}的工作已启动，已安排专人对接牵头单位。",
    "我单位已按分工完成{note}的前期工作，相关材料已报送牵头单位。",
]
CO_FINAL_TEXT = "我单位承担的配合任务（{note}）已全部完成，相关佐证材料已报送牵头单位。"

REPORT_POINTS = [
    "成立工作专班，主要负责同志亲自调度",
    "完成全部建设内容并通过验收",
    "排查出的问题已全部整改到位",
    "建立长效管护机制，明确管护主体和经费来源",
    "群众反映的问题已解决，回访满意率达到98%",
    "相关资金已全部拨付到位",
    "制定出台配套政策文件，形成制度性成果",
]

APPROVE_COMMENTS = ["同意立项，请督查室抓好跟踪督办。", "同意。", "同意立项，按期办结。"]
REJECT_REASONS = [
    "该事项已纳入市级督查计划，为避免重复督查，不再单独立项。",
    "立项依据不充分，请补充相关材料后重新报送。",
    "该事项属部门日常工作职责，不宜作为督查事项立项。",
]
CANCEL_REASONS = [
    "该事项已由市级统一部署推进，撤销县级督办。",
    "因上级政策调整，该事项不再具备办理条件。",
    "经核实，群众反映问题已在立项前解决。",
]
EXTENSION_REASONS = [
    "项目涉及用地报批，需报省级审批，预计无法在原期限内完成，申请延期。",
    "受持续降雨影响，施工进度滞后，申请延期。",
    "需协调多个部门会商，涉及资金调整，申请延期。",
]
HEAD_RETURN_REASONS = [
    "报告内容过于简略，请补充具体数据和佐证材料。",
    "请核实完成情况，附现场照片后重新报送。",
]
REVIEW_RETURN_OPINIONS = [
    "经现场核查，部分整改任务尚未完成，请继续整改后重新报送。",
    "佐证材料不完整，请补充验收资料后重新报送。",
]
REVIEW_ACCEPT_OPINIONS = [
    "经审核，该事项已按要求办结，任务完成、问题解决，同意办结。",
    "经实地核查，办理情况属实，群众反映问题已解决，建议予以办结。",
    "经审核，办结报告内容真实、结论恰当，建议办结。",
]
DISPUTE_TEXTS = ("协办单位对职责分工和资金分担存在不同意见，经多次协商未达成一致，请督查室协调。",)
COORDINATION_TEXT = "经县督查室召集双方协调，明确由牵头单位负责总体推进，协办单位负责相关审批和资金保障。"
RULING_TEXT = "同意督查室协调意见，请各单位按此分工抓好落实。"

SOURCE_WEIGHTS = [
    (SourceType.MEETING_DECISION, 16),
    (SourceType.LEADER_INSTRUCTION, 14),
    (SourceType.WORK_REPORT_TASK, 12),
    (SourceType.POLICY_DOCUMENT, 10),
    (SourceType.PUBLIC_REPORT, 10),
    (SourceType.NPC_SUGGESTION, 9),
    (SourceType.CPPCC_PROPOSAL, 8),
    (SourceType.LEADER_ASSIGNMENT, 6),
    (SourceType.INSPECTION_TOUR, 6),
    (SourceType.LIVELIHOOD_PROJECT, 6),
    (SourceType.OTHER, 3),
]
STATUS_WEIGHTS = [
    (S.DRAFT, 4),
    (S.PENDING_APPROVAL, 5),
    (S.REGISTERED, 4),
    (S.REJECTED, 3),
    (S.ASSIGNED, 12),
    (S.IN_PROGRESS, 30),
    (S.UNDER_REVIEW, 6),
    (S.ACCEPTED, 5),
    (S.CLOSED, 9),
    (S.ARCHIVED, 17),
    (S.CANCELLED, 5),
]
# Among running items: about a quarter overdue, which makes ~10% of all items.
LIGHT_WEIGHTS = [(RED, 22), (YELLOW, 18), (GREEN, 60)]
URGENCY_WEIGHTS = [(Urgency.EXTRA_URGENT, 10), (Urgency.URGENT, 30), (Urgency.NORMAL, 60)]
CONFIDENTIALITY_WEIGHTS = [
    (Confidentiality.SECRET, 3),
    (Confidentiality.PUBLIC, 35),
    (Confidentiality.INTERNAL, 62),
]

LEADERS = {"leader": "陈副县长", "county_head": "林县长"}
