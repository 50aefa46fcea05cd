"""UI strings in Simplified Chinese (default) and English; status labels and colours, one legend."""

from __future__ import annotations

STATUS = {  # one rule, one legend, used everywhere
    "ahead": ("快于序时", "Ahead", "#2E7D32"),
    "on_pace": ("接近序时", "Near pace", "#7CB342"),  # up to 5 points behind: near, not on
    "behind": ("滞后序时", "Behind", "#EF8F00"),
    "serious": ("严重滞后", "Seriously behind", "#C62828"),
    "no_quota": ("无任务", "No quota", "#9E9E9E"),
    "met": ("已达标", "Met", "#2E7D32"),
    "not_met": ("未达标", "Not met", "#C62828"),
}

T = {
    "app_title": ("转移就业调度看板", "Transfer-Employment Dispatch Dashboard"),
    "overview": ("调度总览", "Dispatch overview"),
    "year": ("年度", "Year"),
    "snapshot": ("数据截至", "Snapshot"),
    "data_as_of": ("数据截至{d}", "Data as of {d}"),
    "area": ("区域", "Area"),
    "prefecture": ("地市", "Prefecture"),
    "county": ("县区", "County"),
    "township": ("乡镇", "Township"),
    "all": ("（全部）", "(all)"),
    "language": ("语言 / Language", "Language / 语言"),
    "meeting": ("投屏模式", "Meeting mode"),
    "actual": ("完成", "Actual"),
    "quota": ("任务", "Quota"),
    "quota_source": ("任务来源", "Quota source"),
    "minimum": ("下限", "Minimum"),
    "completion": ("完成率", "Completion"),
    "time_progress": ("序时进度", "Time elapsed"),
    "seasonal": ("季节进度", "Seasonal pace"),
    "gap": ("较序时(百分点)", "Gap (pp)"),
    "new_week": ("本周净增", "Net change this week"),
    "new_week_help": (
        "与上周快照相比的净变化：本周累计减上周累计（更正、删除会使其变小）。周变动页另按记录统计新增记录（条）。",
        "The net change against last week's snapshot: this week's total minus last week's (corrections and "
        "removals lower it). The week-to-week page counts new records apart.",
    ),
    "vs_last_week": ("较上周", "vs last week"),
    "yoy": ("同比", "Year on year"),
    "new_week_short": ("本周净增", "This week"),  # meeting mode's cards: a line at 1280 px
    "yoy_short": ("同比", "YoY"),
    "status": ("状态", "Status"),
    "rank": ("排名", "Rank"),
    "unit": ("单位", "Unit"),
    "no_quota": ("无任务", "No quota"),
    "ranking": ("各单位进度排名", "Ranking of units"),
    "laggards": ("进度滞后单位", "Units behind schedule"),
    "no_laggards": ("没有滞后于序时进度的单位。", "No unit is behind schedule."),
    "trend": ("累计进度", "Cumulative progress"),
    "needed_year_end_help": (
        "下限 × 年度转移就业任务 − 已有组织转移人数：完成全年任务时组织化率达到下限所需。",
        "Minimum × the year's total quota − organized so far: what the floor implies once the year's quota is met.",
    ),
    "status_uses": ("状态依据", "Status is judged against"),
    "pace_linear": ("序时进度（时间进度）", "linear time elapsed"),
    "pace_seasonal": ("季节进度（上年同期完成比例）", "seasonal pace (last year's share by this week)"),
    "projection": ("按近4周速度预计", "Projected at the last 4 weeks' rate"),
    "required": ("按期完成每周需新增", "Needed per week to finish on time"),
    "ranking_metric": ("排名指标", "Rank by"),
    "open_unit": ("选中一行可进入下一级。", "Select a row to open that unit."),
    "this_year": ("本年", "This year"),
    "last_year": ("上年", "Last year"),
    "linear_line": ("序时进度线", "Linear pace"),
    "seasonal_line": ("季节进度线", "Seasonal pace"),
    "projection_line": ("预计", "Projection"),
    "target_line": ("年度任务", "Annual quota"),
    "week": ("周", "Week"),
    "no_data": ("暂无数据", "No data"),
    "unknown_area": ("未找到区域代码 {code}，已显示本辖区。", "Unknown area code {code}; showing your own area."),
    "snapshot_fallback": ("{want} 无数据快照，已显示此前最近的 {got}。", "No snapshot on {want}; showing the nearest earlier one, {got}."),
    "no_snapshot": (
        "尚无数据。请在“导入台账”页面导入各县区台账。",
        "No data yet. Load the counties' ledgers on the Load ledger page.",
    ),
    "demo_banner": (
        "演示数据：按真实行政区划与公开任务生成的模拟台账，非真实个人信息。",
        "Demo data: a simulated ledger on the real hierarchy and published targets; no real persons.",
    ),
    "no_village": ("（未填村居）", "(no village)"),
    "previous": ("上周", "Previous week"),
    "recent_rate": ("近4周周均新增", "Average weekly increase, last 4 weeks"),
    "more_laggards": ("其余{n}项", "{n} more"),
    "download_csv": ("下载数据(CSV)", "Download data (CSV)"),
    "download_xlsx": ("下载Excel", "Download Excel"),
    "slices": ("分析切片（分析页）", "Slices (analyst pages)"),
    "slice_channels": ("组织方式", "Channels"),
    "slice_group": ("重点群体", "Key group"),
    "slices_help": (
        "切片只作用于分析页和明细；调度总览始终为全部人员。",
        "Slices apply to the analyst pages and records; the overview always counts everyone.",
    ),
    "slice_active": ("当前切片：{s}", "Slice in force: {s}"),
    "nav_dispatch": ("调度", "Dispatch"),
    "nav_analysis": ("专班分析", "Analysis"),
    "records": ("明细记录", "Records"),
    "channels": ("组织化与渠道", "Organized share & channels"),
    "destinations": ("去向分布", "Destinations"),
    "industries": ("行业与就业来源", "Industries & job sources"),
    "groups": ("重点群体", "Key groups"),
    "duration_income": ("务工时长与收入", "Duration & income"),
    "changes": ("周变动", "Week-to-week changes"),
    "persons": ("人数", "Persons"),
    "placements": ("记录数", "Placements"),
    "income": ("劳务收入(万元)", "Income (yuan)"),  # a sum over persons: 万元 (exports.wan)
    "per_capita": ("人均收入(元)", "Per capita (yuan)"),
    "share": ("占比", "Share"),
    "org_share": ("组织化率", "Organized share"),
    "table_view": ("数据表", "Table"),
    "quality": ("数据质量", "Data quality"),
    "nav_admin": ("管理", "Administration"),
    "upload": ("导入台账", "Load ledger"),
    "reported": ("填报指标", "Reported figures"),
    "quotas": ("目标任务", "Quotas"),
    "bulletin": ("调度通报下载", "Download the bulletin"),
    "charts_png": ("图表(PNG)", "Charts (PNG)"),
    "subsidies": ("补贴测算", "Subsidies"),
    "users": ("用户管理", "Users"),
    "followup": ("督办事项", "Follow-up"),
    "audit": ("审计日志", "Audit log"),
    "login_title": ("登录", "Sign in"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "login": ("登录", "Sign in"),
    "login_sso": ("政务单点登录", "Government single sign-on"),
    "logout": ("退出登录", "Sign out"),
    "login_help": (
        "账号由系统管理员在“用户管理”页面开设。连续输错将暂时锁定。",
        "Accounts are created by the administrator on the Users page. Repeated failures lock the name for a while.",
    ),
    "session_expired": ("会话已过期，请重新登录。", "Your session has expired: please sign in again."),
    "account_disabled": ("账号已停用或不存在，请联系管理员。", "The account is disabled or gone: contact the administrator."),
    "sso_unmapped": (
        "单点登录成功，但该账号尚未授权使用本系统，请联系管理员开通。",
        "Signed in through SSO, but this account has no access yet: ask the administrator.",
    ),
    "demo_mode": (
        "演示模式：数据为模拟生成，无需登录，全部数据可见。正式部署请关闭演示模式并开设账号。",
        "Demo mode: simulated data, no login, everything visible. Turn it off and create accounts for real use.",
    ),
    "signed_in_as": ("{name}（{role}）· {area}", "{name} ({role}) · {area}"),
    "no_permission_area": ("无权限：{code} 不在您的管辖范围（{own}）内。", "No permission: {code} is outside your area ({own})."),
    "no_permission_page": ("无权限：您的角色（{role}）不能使用此页面。", "No permission: your role ({role}) cannot use this page."),
    "snapshot_broken": (
        "{day} 的数据文件已损坏，无法读取；其他周次不受影响。请管理员重新导入该周台账。",
        "The data files of {day} are damaged and cannot be read; other weeks are unaffected. "
        "An administrator should ingest that week again.",
    ),
    "submissions": ("报送情况", "Submissions"),
    "back_home": ("回到本辖区", "Back to my area"),
    "open_records_tip": ("点击查看这些人员的明细记录", "Open the records of these persons"),
    "open_breakdown_tip": ("点击查看分渠道构成", "Open the breakdown by channel"),
    "records_hidden": (
        "人员明细仅对分析员、县乡工作人员和管理员开放。",
        "Person-level lists are for analysts, local staff and administrators.",
    ),
}


def pick(lang: str):
    """A page's own strings, written where they are used as (中文, English) pairs: `L = pick(lang)`, `L("…", "…")`.
    Strings shared by several pages are keys of `T` (`t(key, lang)`); these two are the only ways text is chosen."""
    return (lambda zh, en: zh) if lang == "zh" else (lambda zh, en: en)


def colon(lang: str) -> str:
    """Chinese text takes full-width punctuation, English its own: "状态依据：" but "Status: "."""
    return "：" if lang == "zh" else ": "


def paren(s: str, lang: str) -> str:
    return f"（{s}）" if lang == "zh" else f" ({s})"


def listing(lang: str) -> str:
    """Between the items of a list in running text: "；" in Chinese, "; " in English."""
    return "；" if lang == "zh" else "; "


def gap(lang: str) -> str:
    """Between items on one line: an ideographic space around the dot in Chinese, plain spaces in English."""
    return "　·　" if lang == "zh" else " · "


def t(key: str, lang: str = "zh", **kw) -> str:
    zh, en = T[key]
    s = zh if lang == "zh" else en
    return s.format(**kw) if kw else s


def status_label(s: str | None, lang: str = "zh") -> str:
    if s is None:
        return "—"
    zh, en, _ = STATUS[s]
    return zh if lang == "zh" else en


def status_expr(col: str = "status", lang: str = "zh"):
    """`status_label` as a polars expression."""
    from tracker.labels import pairs

    return pairs(col, STATUS, lang)


def status_color(s: str | None) -> str:
    return STATUS.get(s or "no_quota")[2]
