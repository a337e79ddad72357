"""The demo world: the demo county (示范县), its units and named accounts. Shared by `ducha demo` and the test
suite, so that tests speak of the same people a user meets on a fresh install (office, leader, fgw, fgw_head, …).
It is the ground every app's demo part (ducha.devtools.demo.parts) builds on."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _

from ducha.orgs.models import Role, Unit, UnitKind, UnitLevel, User
from ducha.orgs.services import unit_create, user_create

DEMO_PASSWORD = "Ducha@2026"
# How the demo world is recognised in the database.
COUNTY_NAME = "示范县人民政府"

DEPARTMENTS = [
    ("县发展和改革局", "发改局", "fgw"),
    ("县教育局", "教育局", "jyj"),
    ("县住房和城乡建设局", "住建局", "zjj"),
    ("县财政局", "财政局", "czj"),
    ("县人力资源和社会保障局", "人社局", "rsj"),
    ("县自然资源局", "自然资源局", "zrzyj"),
    ("县生态环境分局", "生态环境分局", "sthjj"),
    ("县交通运输局", "交通运输局", "jtj"),
    ("县农业农村局", "农业农村局", "nyncj"),
    ("县水利局", "水利局", "slj"),
    ("县商务局", "商务局", "swj"),
    ("县文化和旅游局", "文旅局", "wlj"),
    ("县卫生健康局", "卫健局", "wjj"),
    ("县民政局", "民政局", "mzj"),
    ("县应急管理局", "应急管理局", "yjj"),
    ("县市场监督管理局", "市场监管局", "scjgj"),
    ("县公安局", "公安局", "gaj"),
    ("县司法局", "司法局", "sfj"),
    ("县医疗保障局", "医保局", "ybj"),
    ("县乡村振兴局", "乡村振兴局", "xczxj"),
    ("县数据局", "数据局", "sjj"),
    ("县城市管理综合执法局", "城管局", "cgj"),
]

TOWNSHIPS = [
    ("城关镇", "cgz"),
    ("东湖镇", "dhz"),
    ("西山镇", "xsz"),
    ("南桥镇", "nqz"),
    ("北塘镇", "btz"),
    ("青石乡", "qsx"),
    ("白云乡", "byx"),
    ("柳林乡", "llx"),
    ("河口镇", "hkz"),
    ("龙泉镇", "lqz"),
    ("金沙乡", "jsx"),
    ("桃源乡", "tyx"),
]


@dataclass
class DemoWorld:
    city: Unit
    city_office: Unit
    county: Unit
    general_office: Unit
    supervision_office: Unit
    departments: dict[str, Unit]  # by account code: "fgw", "jyj", …
    townships: dict[str, Unit]  # by account code: "cgz", …
    users: dict[str, User]  # by username

    def user(self, username: str) -> User:
        return self.users[username]


@functools.cache
def _password_hash() -> str:
    # One hash for every demo account: hashing ~80 passwords one by one takes most of `ducha demo`'s time.
    return make_password(DEMO_PASSWORD)


def _person(
    users: dict[str, User],
    username: str,
    unit: Unit,
    roles: list[str],
    full_name: str,
    title: str,
    *,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> None:
    users[username] = user_create(
        username=username,
        password=None,
        password_hash=_password_hash(),
        unit=unit,
        roles=roles,
        full_name=full_name,
        title=title,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )


@transaction.atomic
def demo_world_create() -> DemoWorld:
    """Create the demo county's units and accounts. Call on an empty database (see demo_world_exists)."""
    city = unit_create(
        name="示范市人民政府", short_name="示范市", level=UnitLevel.CITY, kind=UnitKind.GOVERNMENT
    )
    city_general = unit_create(
        name="示范市人民政府办公室", level=UnitLevel.CITY, kind=UnitKind.GENERAL_OFFICE, parent=city
    )
    city_office = unit_create(
        name="示范市人民政府督查室",
        level=UnitLevel.CITY,
        kind=UnitKind.SUPERVISION_OFFICE,
        parent=city_general,
    )
    county = unit_create(
        name=COUNTY_NAME,
        short_name="示范县",
        level=UnitLevel.COUNTY,
        kind=UnitKind.GOVERNMENT,
        parent=city,
    )
    general_office = unit_create(
        name="示范县人民政府办公室",
        short_name="县政府办",
        level=UnitLevel.COUNTY,
        kind=UnitKind.GENERAL_OFFICE,
        parent=county,
    )
    supervision_office = unit_create(
        name="示范县人民政府督查室",
        short_name="县督查室",
        level=UnitLevel.COUNTY,
        kind=UnitKind.SUPERVISION_OFFICE,
        parent=general_office,
    )
    departments = {
        code: unit_create(
            name=name,
            short_name=short,
            level=UnitLevel.COUNTY,
            kind=UnitKind.DEPARTMENT,
            parent=county,
            sort_order=index,
        )
        for index, (name, short, code) in enumerate(DEPARTMENTS)
    }
    townships = {
        code: unit_create(
            name=f"{name}人民政府",
            short_name=name,
            level=UnitLevel.TOWNSHIP,
            kind=UnitKind.GOVERNMENT,
            parent=county,
            sort_order=index,
        )
        for index, (name, code) in enumerate(TOWNSHIPS)
    }

    users: dict[str, User] = {}
    _person(
        users,
        "admin",
        general_office,
        [Role.ADMIN],
        "系统管理员",
        "信息中心",
        is_staff=True,
        is_superuser=True,
    )
    # 安全审计员 (等保): reads the audit log and changes nothing; in no unit, so no unit's work is theirs.
    users["auditor"] = user_create(
        username="auditor",
        password=None,
        password_hash=_password_hash(),
        unit=None,
        roles=[Role.AUDITOR],
        full_name="审计员",
        title="安全审计员",
    )
    _person(users, "office", supervision_office, [Role.OFFICE], "周督查", "督查室主任")
    _person(users, "office2", supervision_office, [Role.OFFICE], "吴明", "督查室科员")
    _person(users, "leader", county, [Role.LEADER], "陈副县长", "分管副县长")
    _person(users, "county_head", county, [Role.LEADER], "林县长", "县长")
    _person(users, "city_office", city_office, [Role.OFFICE], "孙督查", "市政府督查室科长")
    _person(users, "city_leader", city, [Role.LEADER], "马副市长", "示范市副市长")
    _person(users, "fgw", departments["fgw"], [Role.HANDLER], "王伟", "发改局综合股科员")
    _person(users, "fgw_head", departments["fgw"], [Role.UNIT_HEAD], "李建国", "发改局局长")
    _person(users, "jyj", departments["jyj"], [Role.HANDLER], "张敏", "教育局办公室科员")
    _person(users, "jyj_head", departments["jyj"], [Role.UNIT_HEAD], "刘芳", "教育局局长")
    _person(users, "zjj", departments["zjj"], [Role.HANDLER], "赵磊", "住建局科员")
    _person(users, "zjj_head", departments["zjj"], [Role.UNIT_HEAD], "钱涛", "住建局局长")
    _person(users, "cgz", townships["cgz"], [Role.HANDLER], "何静", "城关镇党政办科员")
    _person(users, "cgz_head", townships["cgz"], [Role.UNIT_HEAD], "郑强", "城关镇镇长")
    for code, unit in [*departments.items(), *townships.items()]:
        short = unit.short_name or unit.name
        _person(users, f"{code}_liaison", unit, [Role.LIAISON], f"{short}联络员", "督查联络员")
        if f"{code}_head" not in users:  # every unit has a head to check its completion reports
            head_title = "镇长" if short.endswith("镇") else "乡长" if short.endswith("乡") else "主要负责人"
            _person(users, f"{code}_head", unit, [Role.UNIT_HEAD], f"{short}{head_title}", head_title)
    return DemoWorld(
        city=city,
        city_office=city_office,
        county=county,
        general_office=general_office,
        supervision_office=supervision_office,
        departments=departments,
        townships=townships,
        users=users,
    )


def demo_world_exists() -> bool:
    return Unit.objects.filter(name=COUNTY_NAME).exists()


def demo_world_load() -> DemoWorld:
    """The demo world as it is in the database (after demo_world_create)."""
    county = Unit.objects.get(name=COUNTY_NAME)
    city = county.parent
    assert city is not None
    by_name = {unit.name: unit for unit in Unit.objects.all()}
    return DemoWorld(
        city=city,
        city_office=by_name["示范市人民政府督查室"],
        county=county,
        general_office=by_name["示范县人民政府办公室"],
        supervision_office=by_name["示范县人民政府督查室"],
        departments={code: by_name[name] for name, _short, code in DEPARTMENTS},
        townships={code: by_name[f"{name}人民政府"] for name, code in TOWNSHIPS},
        users={user.username: user for user in User.objects.select_related("unit", "unit__government")},
    )


def units_count() -> int:
    """How many units the database holds (the demo's summary line)."""
    return Unit.objects.count()


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _roles(user: User) -> str:
    return "、".join(str(role.label) for role in Role if role.value in user.roles)


def account_table(world: DemoWorld) -> list[str]:
    """The demo accounts as lines of an aligned table: username, name, unit, roles, password."""
    header = [_("Username"), _("Name"), _("Unit"), _("Roles"), _("Password")]
    rows = [
        [
            user.username,
            user.display_name,
            (user.unit.short_name or user.unit.name) if user.unit else "",
            _roles(user),
            DEMO_PASSWORD,
        ]
        for user in world.users.values()
    ]
    widths = [max(_width(row[column]) for row in [header, *rows]) for column in range(len(header))]
    lines = []
    for index, row in enumerate([header, *rows]):
        lines.append("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines
