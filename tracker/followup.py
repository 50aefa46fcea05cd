"""督办 (follow-up) on lagging units: who may do what, the gap then and now, and the items in the store.

An item names a unit, its metric(s), an instruction, the responsible unit and person and a due date, and keeps
the gap at opening (from `tracker.dispatch.evaluate`, the same rules as the overview). Staff of the responsible
unit reply with measures taken; a leader or an administrator closes it with a note, never silently. Every week
the item shows the gap then and now and whether the unit is still 滞后. Every change goes to the audit log.

The rules are small pure functions (tested with parameters); the store functions below them are the only
writers; `open_items(area)` is what the overview shows.
"""

from __future__ import annotations

import datetime as dt
import time

import polars as pl
import sqlalchemy as sa

from tracker import audit, dispatch, store
from tracker.catalogue import METRICS

OPEN, CLOSED, OVERDUE = "open", "closed", "overdue"
STATES = {OPEN: ("督办中", "Open"), OVERDUE: ("已逾期", "Overdue"), CLOSED: ("已办结", "Closed")}
OPENERS = ("leader", "admin")  # open and close; staff reply; analysts read
MAX_TEXT = 2000  # an instruction, a reply or a note: text only, a few paragraphs at most
GAP_FIELDS = ("actual", "quota", "completion", "expected", "gap", "status", "shortfall", "needed")


class FollowupError(ValueError):
    """A refused action, with the reason in both languages (zh / en)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# --- rules (pure) -------------------------------------------------------------------------------------------


def may_open(user, unit: str) -> bool:
    return user.role in OPENERS and user.covers(unit)


def may_close(user, item: dict) -> bool:
    return user.role in OPENERS and user.covers(item["unit"])


def may_reply(user, item: dict) -> bool:
    """Staff of the responsible unit (or of a unit above it): the people who took the measures."""
    return user.role == "staff" and user.covers(item["owner_unit"]) and item["status"] == OPEN


def may_read(user, item: dict) -> bool:
    return user.covers(item["unit"]) or user.covers(item["owner_unit"])


def state_of(status: str, due: dt.date, today: dt.date) -> str:
    """open, overdue (open after its due date) or closed."""
    if status == CLOSED:
        return CLOSED
    return OVERDUE if today > due else OPEN


def lagging(status: str | None) -> bool:
    """Behind schedule or below a minimum: the statuses the laggard list shows."""
    return status in dispatch.LAG_ORDER


def gap_of(row: dict | None) -> dict:
    """The part of an evaluated unit-metric row that the item keeps (JSON-safe)."""
    row = row or {}
    return {k: row.get(k) for k in GAP_FIELDS}


def change(then: dict, now: dict) -> dict:
    """The gap at opening against the gap now, for one metric: points gained (positive = closer to pace), the
    shortfall reduced (persons or yuan; for a minimum share, organized placements still needed), whether the
    unit has moved out of 滞后."""

    def diff(a, b):
        return None if a is None or b is None else b - a

    short_then = then.get("shortfall") if then.get("shortfall") is not None else then.get("needed")
    short_now = now.get("shortfall") if now.get("shortfall") is not None else now.get("needed")
    reduced = diff(short_now, short_then)  # then − now: positive when the gap shrank
    return {
        "gap_then": then.get("gap"),
        "gap_now": now.get("gap"),
        "points_gained": diff(then.get("gap"), now.get("gap")),
        "short_then": short_then,
        "short_now": short_now,
        "short_reduced": reduced,
        "lagging_then": lagging(then.get("status")),
        "lagging_now": lagging(now.get("status")),
        "moved_out": lagging(then.get("status")) and not lagging(now.get("status")),
    }


def check_text(text: str, zh: str, en: str) -> str:
    """Required, bounded, and with any ID number masked: an instruction or a reply is no place for one."""
    from tracker.ids import redact

    text = redact((text or "").strip())
    if not text:
        raise FollowupError(f"请填写{zh}。", f"Please enter the {en}.")
    if len(text) > MAX_TEXT:
        raise FollowupError(f"{zh}不能超过{MAX_TEXT}字。", f"The {en} is longer than {MAX_TEXT} characters.")
    return text


def check_open(metrics: list[str], due: dt.date, today: dt.date) -> None:
    if not metrics:
        raise FollowupError("请选择督办指标。", "Choose at least one metric.")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise FollowupError(f"未知指标：{'、'.join(unknown)}", f"Unknown metric: {', '.join(unknown)}")
    if due < today:
        raise FollowupError("办结期限不能早于今天。", "The due date cannot be in the past.")


# --- the store ----------------------------------------------------------------------------------------------


def _item(r) -> dict:
    return dict(r._mapping)


def get(item_id: int) -> dict | None:
    with store.engine().connect() as c:
        r = c.execute(sa.select(store.followups).where(store.followups.c.id == item_id)).first()
    return _item(r) if r else None


def open_item(
    user,
    unit: str,
    metrics: list[str],
    instruction: str,
    owner_unit: str,
    owner_person: str,
    due: dt.date,
    snapshot: dt.date,
    gaps: dict[str, dict],
    today: dt.date,
    now: float | None = None,
) -> int:
    """A new item; `gaps` is metric -> `gap_of(evaluated row)` at `snapshot`."""
    if not may_open(user, unit):
        raise FollowupError("只有本辖区的领导和管理员可以发起督办。", "Only leaders and administrators of the area can open an item.")
    if not owner_unit.startswith(unit):
        raise FollowupError("责任单位须为被督办单位或其下级。", "The responsible unit must be the unit or one below it.")
    instruction = check_text(instruction, "督办要求", "instruction")
    check_open(metrics, due, today)
    now = time.time() if now is None else now
    with store.engine().begin() as c:
        item_id = c.execute(
            store.followups.insert().values(
                unit=unit,
                metrics=list(metrics),
                instruction=instruction,
                owner_unit=owner_unit,
                owner_person=(owner_person or "").strip()[:200],
                due=due,
                snapshot=snapshot,
                gap_at_open={m: gap_of(gaps.get(m)) for m in metrics},
                status=OPEN,
                opened_by=user.username,
                opened_at=now,
            )
        ).inserted_primary_key[0]
        c.execute(store.followup_events.insert().values(item_id=item_id, kind="open", who=user.username, at=now, text=instruction))
    audit.log(user.username, "followup_open", unit, f"#{item_id} {','.join(metrics)} due {due.isoformat()}")
    return int(item_id)


def reply(user, item_id: int, text: str, now: float | None = None) -> None:
    item = get(item_id)
    if item is None or not may_reply(user, item):
        raise FollowupError(
            "只有责任单位的工作人员可以回复未办结的督办事项。", "Only staff of the responsible unit can reply to an open item."
        )
    text = check_text(text, "整改措施", "measures taken")
    with store.engine().begin() as c:
        c.execute(
            store.followup_events.insert().values(
                item_id=item_id, kind="reply", who=user.username, at=time.time() if now is None else now, text=text
            )
        )
    audit.log(user.username, "followup_reply", item["unit"], f"#{item_id}")


def close(user, item_id: int, note: str, now: float | None = None) -> None:
    item = get(item_id)
    if item is None or not may_close(user, item):
        raise FollowupError("只有本辖区的领导和管理员可以办结督办事项。", "Only leaders and administrators of the area can close an item.")
    if item["status"] == CLOSED:
        raise FollowupError("该事项已办结。", "This item is already closed.")
    note = check_text(note, "办结意见", "closing note")
    now = time.time() if now is None else now
    with store.engine().begin() as c:
        done = c.execute(
            store.followups.update()
            .where(store.followups.c.id == item_id, store.followups.c.status == OPEN)  # closed once, even by two at once
            .values(status=CLOSED, closed_by=user.username, closed_at=now, close_note=note)
        ).rowcount
        if not done:
            raise FollowupError("该事项已办结。", "This item is already closed.")
        c.execute(store.followup_events.insert().values(item_id=item_id, kind="close", who=user.username, at=now, text=note))
    audit.log(user.username, "followup_close", item["unit"], f"#{item_id}")


def history(item_id: int) -> list[dict]:
    e = store.followup_events
    with store.engine().connect() as c:
        return [dict(r._mapping) for r in c.execute(sa.select(e).where(e.c.item_id == item_id).order_by(e.c.at, e.c.id))]


ITEM_SCHEMA = {
    "id": pl.Int64,
    "unit": pl.String,
    "metrics": pl.List(pl.String),
    "instruction": pl.String,
    "owner_unit": pl.String,
    "owner_person": pl.String,
    "due": pl.Date,
    "snapshot": pl.Date,
    "status": pl.String,
    "state": pl.String,
    "opened_by": pl.String,
    "opened_at": pl.Datetime("us", "Asia/Shanghai"),
    "closed_at": pl.Datetime("us", "Asia/Shanghai"),
    "close_note": pl.String,
    "replies": pl.Int64,
    "last_reply_at": pl.Datetime("us", "Asia/Shanghai"),
}


def items(area: str, today: dt.date, status: str | None = None) -> pl.DataFrame:
    """Items of units in the area (the area itself and every unit below it) or with a responsible unit in it,
    overdue first, then by due date.
    `status`: None for all, or open / overdue / closed."""
    f, e = store.followups, store.followup_events
    replies = (
        sa.select(e.c.item_id, sa.func.count().label("replies"), sa.func.max(e.c.at).label("last_reply"))
        .where(e.c.kind == "reply")
        .group_by(e.c.item_id)
        .subquery()
    )
    q = (
        sa.select(f, sa.func.coalesce(replies.c.replies, 0).label("replies"), replies.c.last_reply)
        .outerjoin(replies, replies.c.item_id == f.c.id)
        # the area's units, and items whose responsible unit is here (a township answering for its county's item)
        .where(sa.or_(f.c.unit.startswith(area, autoescape=True), f.c.owner_unit.startswith(area, autoescape=True)))
        .order_by(f.c.due, f.c.id)
    )
    with store.engine().connect() as c:
        rows = [dict(r._mapping) for r in c.execute(q)]

    def stamp(x):
        return None if x is None else dt.datetime.fromtimestamp(x, dt.UTC)

    out = [
        {k: r[k] for k in ("id", "unit", "owner_unit", "owner_person", "instruction", "due", "snapshot", "status", "opened_by")}
        | {
            "metrics": list(r["metrics"]),
            "state": state_of(r["status"], r["due"], today),
            "opened_at": stamp(r["opened_at"]),
            "closed_at": stamp(r["closed_at"]),
            "close_note": r["close_note"],
            "replies": r["replies"],
            "last_reply_at": stamp(r["last_reply"]),
        }
        for r in rows
    ]
    df = pl.DataFrame(
        out,
        schema={
            **ITEM_SCHEMA,
            "opened_at": pl.Datetime("us", "UTC"),
            "closed_at": pl.Datetime("us", "UTC"),
            "last_reply_at": pl.Datetime("us", "UTC"),
        },
    )
    df = df.with_columns(pl.col(c).dt.convert_time_zone("Asia/Shanghai") for c in ("opened_at", "closed_at", "last_reply_at"))
    if status:
        df = df.filter(pl.col("state") == status)
    order = {OVERDUE: 0, OPEN: 1, CLOSED: 2}
    return df.sort(pl.col("state").replace_strict(order, return_dtype=pl.Int8), "due", "id").select(list(ITEM_SCHEMA))


def open_items(area: str, today: dt.date | None = None) -> pl.DataFrame:
    """Open and overdue items for the area and its children (the overview's list), overdue first."""
    from tracker import settings

    df = items(area, today or settings.today())
    return df.filter(pl.col("state") != CLOSED)


# --- the gap now, from the same rules as the overview ------------------------------------------------------


def gaps_now(unit: str, snapshot: dt.date, metrics: list[str], dates: list[dt.date] | None = None) -> dict[str, dict]:
    """metric -> gap_of(the unit's evaluated row) at a snapshot."""
    d = dispatch.resolve_dates(snapshot, dates)
    ev = dispatch.evaluate(unit, d, dispatch.measures(unit, d), dispatch.quotas(unit, snapshot.year), metrics=list(metrics))
    rows = {r["metric"]: r for r in ev.filter(pl.col("is_area")).iter_rows(named=True)}
    return {m: gap_of(rows.get(m)) for m in metrics}


def progress(item: dict, snapshot: dt.date, dates: list[dt.date] | None = None) -> pl.DataFrame:
    """One row per metric of the item: the gap at opening, at `snapshot`, and the change (see `change`)."""
    now = gaps_now(item["unit"], snapshot, item["metrics"], dates)
    then = item["gap_at_open"] if "gap_at_open" in item else (get(item["id"]) or {}).get("gap_at_open", {})
    rows = [
        {"metric": m, "status_then": then.get(m, {}).get("status"), "status_now": now[m].get("status")} | change(then.get(m, {}), now[m])
        for m in item["metrics"]
    ]
    return pl.DataFrame(
        rows,
        schema_overrides={
            "gap_then": pl.Float64,
            "gap_now": pl.Float64,
            "points_gained": pl.Float64,
            "short_then": pl.Float64,
            "short_now": pl.Float64,
            "short_reduced": pl.Float64,
        },
    )


def weekly(item: dict, dates: list[dt.date]) -> pl.DataFrame:
    """Week by week since the item was opened: per metric, the gap and whether the unit was 滞后 that week."""
    weeks = [d for d in dates if item["snapshot"] <= d]
    rows = []
    for w in weeks:
        for m, g in gaps_now(item["unit"], w, item["metrics"], dates).items():
            rows.append(
                {
                    "week": w,
                    "metric": m,
                    "gap": g.get("gap"),
                    "shortfall": g.get("shortfall"),
                    "needed": g.get("needed"),
                    "status": g.get("status"),
                    "lagging": lagging(g.get("status")),
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "week": pl.Date,
            "metric": pl.String,
            "gap": pl.Float64,
            "shortfall": pl.Float64,
            "needed": pl.Float64,
            "status": pl.String,
            "lagging": pl.Boolean,
        },
    )


# --- words and tables for people (pure) --------------------------------------------------------------------


def shortfall_text(metric: str, g: dict, lang: str) -> str:
    """The gap in the metric's own unit: persons or yuan short of pace, or organized placements still needed."""
    from tracker import fmt

    met = METRICS[metric]
    if g.get("needed") is not None:
        if g["needed"] <= 0:
            return "—"
        return met.needed_label(lang) + ("" if lang == "zh" else ": ") + fmt.count(g["needed"], lang, met.unit_zh)
    if g.get("shortfall") is None or g["shortfall"] <= 0:
        return "—"
    v = fmt.value(met.kind, g["shortfall"], lang, met.unit_zh) if met.kind in ("count", "money") else str(g["shortfall"])
    return ("差" if lang == "zh" else "short ") + v


def gap_text(metric: str, g: dict, lang: str) -> str:
    """One line per metric: 转移就业人数：严重滞后，低于序时进度26.8个百分点，差2人."""
    from tracker import fmt
    from tracker.i18n import colon, status_label

    met = METRICS[metric]
    if g.get("status") in (None, "no_quota"):
        return met.label(lang) + colon(lang) + ("无任务" if lang == "zh" else "no quota")
    sep = "，" if lang == "zh" else ", "
    gap = fmt.points(g.get("gap"), lang) if met.quota_kind != "minimum" else fmt.short_points(g.get("gap"), lang)
    return met.label(lang) + colon(lang) + sep.join([status_label(g["status"], lang), gap, shortfall_text(metric, g, lang)])


def beijing(ts: float) -> str:
    """A stored time (epoch seconds) as Beijing time, to the minute: how the history lists it."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromtimestamp(ts, ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


HEADERS = {
    "id": ("编号", "No."),
    "unit": ("被督办单位", "Unit"),
    "metrics": ("督办指标", "Metrics"),
    "instruction": ("督办要求", "Instruction"),
    "owner_unit": ("责任单位", "Responsible unit"),
    "owner_person": ("责任人", "Responsible person"),
    "due": ("办结期限", "Due"),
    "state": ("状态", "Status"),
    "replies": ("回复次数", "Replies"),
    "opened_by": ("发起人", "Opened by"),
    "snapshot": ("发起周", "Opened in week"),
    "close_note": ("办结意见", "Closing note"),
}


def table(df: pl.DataFrame, name_expr, lang: str) -> pl.DataFrame:
    """The items as a person reads them: names, metric labels, status words, dates; Chinese or English headers.
    `name_expr(col)` names units (the hierarchy's `name_expr`, or the page's scope-aware namer)."""
    i = 0 if lang == "zh" else 1
    labels = {k: m.label(lang) for k, m in METRICS.items()}
    sep = "、" if lang == "zh" else ", "
    out = df.select(
        pl.col("id"),
        name_expr("unit"),
        pl.col("metrics").list.eval(pl.element().replace_strict(labels, default=pl.element())).list.join(sep).alias("metrics"),
        "instruction",
        name_expr("owner_unit"),
        "owner_person",
        pl.col("due").dt.strftime("%Y-%m-%d"),
        pl.col("state").replace_strict({k: v[i] for k, v in STATES.items()}, return_dtype=pl.String),
        "replies",
        "opened_by",
        pl.col("snapshot").dt.strftime("%Y-%m-%d"),
        pl.col("close_note").fill_null(""),
    )
    return out.rename({k: v[i] for k, v in HEADERS.items()})


def workbook(df: pl.DataFrame, name_expr, lang: str, area_name: str, day: dt.date) -> bytes:
    """The list in official style (title, borders, sign-off line) for printing and filing."""
    from tracker.exports import document_xlsx

    title = f"{area_name}转移就业督办事项清单（截至{day.isoformat()}）" if lang == "zh" else f"Follow-up items, {area_name}, as of {day}"
    footer = (
        "填表单位（盖章）：            审核人：            填表人：            填表日期："
        if lang == "zh"
        else "Unit (seal):    Checked by:    Prepared by:    Date:"
    )
    return document_xlsx(
        "督办事项" if lang == "zh" else "Follow-up",
        title,
        table(df, name_expr, lang),
        footer=footer,
        formats={HEADERS["id"][0 if lang == "zh" else 1]: "0"},
    )


# --- the bulletin's section 上期督办事项进展 -------------------------------------------------------------------


def progress_sentence(unit_name: str, item: dict, prog: list[dict], lang: str, today: dt.date) -> str:
    """One item's progress in a sentence for the bulletin (pure): per metric the gap then and now, then the
    replies, the due date and whether it is overdue, or the closing note."""
    from tracker import fmt

    zh = lang == "zh"
    parts = []
    for r in prog:
        met = METRICS[r["metric"]]
        key = "needed" if met.quota_kind == "minimum" else "shortfall"  # a share floor: organized placements needed
        then = {"gap": r["gap_then"], "status": r["status_then"], key: r["short_then"]}
        now = {"gap": r["gap_now"], "status": r["status_now"], key: r["short_now"]}
        moved = ("，已脱离滞后" if zh else ", no longer lagging") if r["moved_out"] else ""
        red = r["short_reduced"]
        if red and met.kind in ("count", "money"):
            word = ("缺口缩小" if red > 0 else "缺口扩大") if zh else ("gap down " if red > 0 else "gap up ")
            moved = f"{'，' if zh else ', '}{word}{fmt.value(met.kind, abs(red), lang, met.unit_zh)}" + moved
        if zh:
            parts.append(f"{met.zh}督办时{_status_gap(r['metric'], then, lang)}，本周{_status_gap(r['metric'], now, lang)}{moved}")
        else:
            parts.append(f"{met.en}: {_status_gap(r['metric'], then, lang)} then, {_status_gap(r['metric'], now, lang)} now{moved}")
    replies = item.get("replies", 0)
    if item["status"] == CLOSED:
        tail = f"已办结：{item.get('close_note') or ''}" if zh else f"closed: {item.get('close_note') or ''}"
    else:
        late = state_of(item["status"], item["due"], today) == OVERDUE
        tail = (
            f"回复{replies}次，期限{fmt.date(item['due'], lang)}" + ("，已逾期" if late else "")
            if zh
            else f"{replies} replies, due {fmt.date(item['due'], lang)}" + (", overdue" if late else "")
        )
    return f"{unit_name}：" + "；".join(parts) + f"；{tail}。" if zh else f"{unit_name}: " + "; ".join(parts) + f"; {tail}."


def _status_gap(metric: str, g: dict, lang: str) -> str:
    from tracker.i18n import status_label

    if g.get("status") in (None, "no_quota"):
        return "无任务" if lang == "zh" else "no quota"
    short = shortfall_text(metric, g, lang)
    return status_label(g["status"], lang) + ("" if short == "—" else ("，" if lang == "zh" else ", ") + short)


def bulletin_lines(area: str, snapshot: dt.date, name, lang: str, today: dt.date | None = None) -> list[str]:
    """上期督办事项进展: items of the area opened before this week's snapshot that are still open or were closed in
    the last seven days, one sentence each (overdue first). `name(code)` gives a unit's name."""
    from tracker import settings

    today = today or settings.today()
    df = items(area, today).filter(pl.col("snapshot") < snapshot)
    from zoneinfo import ZoneInfo

    week_ago = dt.datetime.combine(snapshot - dt.timedelta(days=7), dt.time(), ZoneInfo("Asia/Shanghai"))
    df = df.filter((pl.col("status") == OPEN) | (pl.col("closed_at") >= pl.lit(week_ago, dtype=pl.Datetime("us", "Asia/Shanghai"))))
    out = []
    for it in df.iter_rows(named=True):
        prog = progress(get(it["id"]), snapshot).iter_rows(named=True)
        out.append(progress_sentence(name(it["unit"]), it, list(prog), lang, today))
    return out
