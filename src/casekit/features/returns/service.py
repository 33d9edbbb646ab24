"""Read-only services behind `registers`, `alerts` and `settlement-check`: read the cases
through the repository loader, call the pure modules, and format text for people or JSON/CSV
for scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from casekit.errors import Refused, UsageError
from casekit.features.returns import view
from casekit.features.returns.money import text as money_text
from casekit.i18n import _, is_chinese, ngettext
from casekit.render.labels import kind_label
from casekit.render.output import table, to_csv, to_json, truncate
from casekit.service.env import Env

if TYPE_CHECKING:
    from casekit.features.returns.registers import Column


def _cases(env: Env, **filters: Any) -> list[Mapping[str, Any]]:
    """The readable cases matching `CaseFilter.of` filters: the index reads just those."""
    from casekit.index.reader import CaseFilter, read_cases

    docs, _problems = read_cases(env.root, where=CaseFilter.of(**filters), with_problems=False)
    return [doc.data for doc in docs]


def _returns(env: Env) -> list[Mapping[str, Any]]:
    """The cases of the returns kind: all that registers and alerts count."""
    from casekit.features.returns.settings import settings_for

    return _cases(env, kinds={settings_for(env.config).kind})


def registers(env: Env, name: str, *, month: str | None, output: str, day: str | None = None) -> str:
    from casekit.core import words
    from casekit.features.returns.registers import REGISTER_NAMES, build_register

    try:
        name = words.resolve(
            words.labelled(REGISTER_NAMES, _("{word} is not a register; use one of {choices}")), name
        )
    except words.UnknownWord as exc:
        raise UsageError(str(exc)) from None
    if name == "cancellations":
        return _cancellation_register(env, day=day, month=month, output=output)
    if day is not None:
        raise UsageError(
            _("--date is for the cancellations register; the {name} register takes --month").format(name=name)
        )
    if month is not None:
        try:
            year, number = view.parse_month(month)
        except ValueError as exc:
            raise UsageError(_("--month: {exc}").format(exc=exc)) from None
        month = f"{year:04d}-{number:02d}"
    register = build_register(name, _returns(env), env.config, month)
    if output == "json":
        return to_json(register.as_json())
    if output == "csv":
        return _register_csv(register)
    heading = _register_title(register) + (f" {month}" if month else "")
    if not register.rows:
        return heading + "\n" + _("no entries")
    body = [
        [
            money_text(row.get(c.key)) if c.money else truncate(str(row.get(c.key) or ""), 24)
            for c in register.columns
        ]
        for row in register.rows
    ]
    lines = [heading, table(body, _column_headers(register.columns))]
    count = len(register.rows)
    summary = [ngettext("{count} entry", "{count} entries", count).format(count=count)]
    labels = dict(zip([c.key for c in register.columns], _column_headers(register.columns), strict=True))
    labels["outstanding"] = _("not topped up")
    summary += [f"{labels.get(k, k)} {money_text(v)}" for k, v in register.totals.items()]
    lines.append("; ".join(summary))
    return "\n".join(lines)


def _cancellation_register(env: Env, *, day: str | None, month: str | None, output: str) -> str:
    """退订日台账: the bookings made on one day (default: today)."""
    from casekit.features.returns.cancellations import cancellation_settings
    from casekit.features.returns.registers import cancellation_register

    if month is not None:
        raise UsageError(_("the cancellations register is kept by day: pass --date YYYY-MM-DD, not --month"))
    config = env.config
    on = _day_option(env, day, "--date")
    settings = cancellation_settings(config)
    if settings is None:
        raise Refused(_("this repository's casekit.yaml has no cancellations: section; see docs/returns.md"))
    register = cancellation_register(_cases(env, kinds={settings.kind}), config, on)
    if output == "json":
        return to_json({**register.as_json(), "date": on.isoformat()})
    keys = [c.key for c in register.columns]
    if output == "csv":
        return _register_csv(register)
    heading = f"{_register_title(register)} {on.isoformat()}"
    if not register.rows:
        return heading + "\n" + _("no bookings that day (当日无退订预约)")
    body = [
        [truncate(str(row.get(k) if row.get(k) is not None else ""), 20) for k in keys]
        for row in register.rows
    ]
    count = len(register.rows)
    done: dict[str, int] = {}
    for row in register.rows:
        done[row["status"]] = done.get(row["status"], 0) + 1
    summary = "; ".join(f"{label} {n}" for label, n in done.items())
    return "\n".join(
        [
            heading,
            table(body, _column_headers(register.columns)),
            ngettext("{count} booking: {summary}", "{count} bookings: {summary}", count).format(
                count=count, summary=summary
            ),
        ]
    )


def _register_title(register: Any) -> str:
    """A register's name: in Chinese alone, or in Chinese and English for English readers."""
    return register.zh if is_chinese() else f"{register.zh} {register.en}"


def _register_csv(register: Any) -> str:
    """A register as CSV: its header names the columns in Chinese for Chinese readers (as
    the handbooks' registers do), by their keys for English ones; one line per row."""
    keys = [c.key for c in register.columns]
    if not is_chinese():
        return to_csv(register.rows, keys).rstrip("\n")
    headers = [c.zh for c in register.columns]
    rows = [
        {header: row.get(key) for header, key in zip(headers, keys, strict=True)} for row in register.rows
    ]
    return to_csv(rows, headers).rstrip("\n")


def _kind_word(config: Any, kind: str) -> str:
    """A case kind as settlement-check shows it: its label for Chinese readers, its name
    (the word the commands take) for English ones."""
    return kind_label(config, kind) if is_chinese() else kind


def _state_word(case: Any) -> str:
    """A case's state as settlement-check shows it: its label for Chinese readers, its
    name for English ones."""
    return str(case.status_label if is_chinese() else case.status)


def _day_option(env: Env, text: str | None, option: str) -> date:
    """The day a `--date`/`--as-of` option names (YYYY-MM-DD), today when not given."""
    if text is None:
        return env.now(env.config.tz).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            _("{option} {text!r} is not a date; write it as YYYY-MM-DD").format(option=option, text=text)
        ) from None


def alerts(env: Env, *, as_of: str | None, output: str) -> str:
    from casekit.features.returns.alerts import SCOPES, quality_alerts
    from casekit.features.returns.settings import settings_for

    config = env.config
    day = _day_option(env, as_of, "--as-of")
    found = quality_alerts(_returns(env), config, day)
    if output == "json":
        return to_json([a.as_json() for a in found])
    settings = settings_for(config)
    window = _("{customers}+ customers within {days} days up to {day}").format(
        customers=settings.alert_min_customers, days=settings.alert_window_days, day=day.isoformat()
    )
    if not found:
        return _("no quality alerts ({window})").format(window=window)
    if output == "csv":
        rows = [{**a.as_json(), "cases": ";".join(a.cases), "items": ";".join(a.items)} for a in found]
        return to_csv(rows, ["scope", "key", "customers", "first", "last", "items", "cases"]).rstrip("\n")
    body = [
        [
            SCOPES[a.scope].zh if is_chinese() else f"{SCOPES[a.scope].zh} {SCOPES[a.scope].en}",
            a.key,
            a.customers,
            truncate("、".join(a.items), 20),
            f"{a.first.isoformat()} – {a.last.isoformat()}",
            ", ".join(a.cases),
        ]
        for a in found
    ]
    headers = [_("范围 Scope"), _("编码 Key"), _("客户数 Customers"), _("商品 Items")]
    headers += [_("期间 Reported"), _("工单 Cases")]
    return _("质量预警 Quality alerts ({window})").format(window=window) + "\n" + table(body, headers)


def extensions(env: Env, *, as_of: str | None, within: int | None, output: str) -> str:
    """延长期将到: open returns whose order extension ends soon (or has ended)."""
    from casekit.features.returns.extensions import lapsing
    from casekit.features.returns.settings import settings_for

    config = env.config
    day = _day_option(env, as_of, "--as-of")
    if within is not None and within < 0:
        raise UsageError(_("--within must be 0 or more days"))
    found = lapsing(_returns(env), config, day, within)
    if output == "json":
        return to_json([lapse.as_json() for lapse in found])
    keys = [
        "case_id",
        "order_no",
        "merchant",
        "customer",
        "status",
        "extended_until",
        "days_left",
        "assignee",
    ]
    if output == "csv":
        return to_csv([lapse.as_json() for lapse in found], keys).rstrip("\n")
    days = settings_for(config).extension_warn_days if within is None else within
    heading = _("交易延长期将到 Order extensions ending within {days} days of {day}").format(
        days=days, day=day.isoformat()
    )
    if not found:
        return heading + "\n" + _("none (无)")
    body = [
        [
            lapse.case_id,
            lapse.order_no,
            truncate(lapse.merchant, 16),
            lapse.customer,
            lapse.status_label,
            lapse.until.isoformat(),
            _("已过期{days}天").format(days=-lapse.days_left)
            if lapse.days_left < 0
            else _("剩{days}天").format(days=lapse.days_left),
            lapse.assignee,
        ]
        for lapse in found
    ]
    headers = [_("工单 Case"), _("订单号 Order"), _("商家 Merchant"), _("客户 Customer"), _("状态 Status")]
    headers += [_("延长至 Until"), _("剩余 Left"), _("处理人 Handler")]
    return "\n".join(
        [
            heading,
            table(body, headers),
            _("再次延长交易时间或尽快完成退换货 / extend the order again or finish the return"),
        ]
    )


def settlement_check(env: Env, merchant: str, *, order: str | None, output: str) -> str:
    from casekit.features.returns.settlement import merchants, settlement_check

    if not merchant.strip():
        raise UsageError(_("name the merchant, e.g. casekit settlement-check 优品服饰旗舰店"))
    from casekit.features.returns.cancellations import cancellation_settings
    from casekit.index.reader import final_states

    # Cases not in a final state can hold an order up, and so can a cancellation whatever
    # its state (settlement_check decides).
    chosen = {str(c.get("id")): c for c in _cases(env, unfinished=final_states(env.config))}
    bookings = cancellation_settings(env.config)
    if bookings is not None:
        chosen |= {str(c.get("id")): c for c in _cases(env, kinds={bookings.kind})}
    result = settlement_check(chosen.values(), env.config, merchant)
    if order is not None:
        held = result.blocked.get(order.strip())
        if held:
            ids = ", ".join(
                _("{case_id} ({kind}, {state}: {why})").format(
                    case_id=c.id, kind=_kind_word(env.config, c.kind), state=_state_word(c), why=c.why
                )
                if c.kind == (bookings.kind if bookings else None)
                else _("open {case_id} ({kind}, {state})").format(
                    case_id=c.id, kind=_kind_word(env.config, c.kind), state=_state_word(c)
                )
                for c in held
            )
            raise Refused(
                _("order {order} of {merchant} cannot be settled: {ids}").format(
                    order=order, merchant=result.merchant, ids=ids
                )
            )
        if output == "json":
            return to_json({"merchant": result.merchant, "order_no": order.strip(), "can_settle": True})
        return _(
            "order {order} of {merchant} has no open complaint or return and no cancellation: "
            "it can be settled"
        ).format(order=order.strip(), merchant=result.merchant)
    if output == "json":
        return to_json(result.as_json())
    rows = [
        {"order_no": order_no, **c.as_json()} for order_no, cases_ in result.blocked.items() for c in cases_
    ] + [{"order_no": "", **c.as_json()} for c in result.without_order]
    if output == "csv":
        return to_csv(rows, ["order_no", "id", "kind", "status", "why", "opened_at", "title"]).rstrip("\n")
    if not rows:
        known = merchants(_cases(env))  # every case, for the hint
        if not any(m.casefold() == result.merchant.casefold() for m in known):
            if known:
                return _("no case names the merchant {merchant}; merchants named in cases: {known}").format(
                    merchant=result.merchant, known=", ".join(known)
                )
            return _("no case names the merchant {merchant}").format(merchant=result.merchant)
        return _("{merchant}: no open complaint or return; every order can be settled").format(
            merchant=result.merchant
        )
    body = [
        [
            r["order_no"] or _("(no order number)"),
            r["id"],
            kind_label(env.config, r["kind"]),
            r["status_label"],
            r["why"],
            str(r["opened_at"])[:16].replace("T", " "),
            truncate(str(r["title"]), 28),
        ]
        for r in rows
    ]
    held_orders = len(result.blocked)
    lines = [
        ngettext(
            "{merchant}: {count} order cannot be settled (open complaint or return, or a cancellation)",
            "{merchant}: {count} orders cannot be settled (open complaint or return, or a cancellation)",
            held_orders,
        ).format(merchant=result.merchant, count=held_orders),
        table(
            body,
            [_("Order"), _("Case"), _("Kind"), _("Status"), _("Why"), _("Opened"), _("Title")],
        ),
    ]
    if result.without_order:
        lines.append(
            _("{count} open case(s) name no order number; set order_no so the order is held").format(
                count=len(result.without_order)
            )
        )
    return "\n".join(lines)


def _column_headers(columns: Sequence[Column]) -> list[str]:
    """A register's column headers in the user's language (its CSV keeps the keys)."""
    from casekit.i18n import label

    return [label({"zh": c.zh, "en": c.en}, c.key) for c in columns]
