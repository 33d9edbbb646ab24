"""The `returns:` section of casekit.yaml: parsed with defaults, and checked for `validate`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from casekit.core.config import Config, Finding, KeyPath, KindSpec, once_per_config
from casekit.core.fields import CENT
from casekit.i18n import _

SECTION = "returns"
LEGS = ("back", "out")  # back: customer -> shop; out: shop -> customer
LANGS = ("zh", "en")

# Field and type names the rules read. A team may relabel them, not rename them.
RETURN_TYPE = "return_type"
REASON = "reason"
TYPE_RETURN = "return"
TYPE_EXCHANGE = "exchange"
TYPE_PARTIAL = "partial-refund"
TYPE_RESEND = "resend"
TYPE_REFUND_ONLY = "refund-only"
TYPE_EXTRA = "extra-item"  # 多发: an item sent by mistake, asked back or left with the customer
EXTENDED_UNTIL = "order_extended_until"  # the day an agreed return extends the order to (延长交易时间)

# How a customer pays an exchange's difference, when the config does not say.
DEFAULT_DIFFERENCE_PAYMENT = {
    "zh": "请通过店铺的补差价链接拍下对应金额",
    "en": "please pay it through the shop's price-difference link",
}


def _default_legs() -> dict[str, tuple[str, ...]]:
    return {
        TYPE_RETURN: ("back",),
        TYPE_EXCHANGE: ("back", "out"),
        TYPE_PARTIAL: (),
        TYPE_RESEND: ("out",),
        TYPE_REFUND_ONLY: (),
        TYPE_EXTRA: ("back",),
    }


@dataclass(frozen=True)
class ReturnSettings:
    """The returns rules in force; every value has the default casekit ships."""

    kind: str = "return"
    shop_pays: tuple[str, ...] = (
        "quality",
        "not-as-described",
        "wrong-item",
        "missing-item",
        "extra-item",
        "courier-damage",
        "lost-parcel",
    )
    customer_pays: tuple[str, ...] = ("changed-mind",)
    standard_postage: Decimal = Decimal("10.00")
    legs: Mapping[str, tuple[str, ...]] = field(default_factory=_default_legs)
    quality_reasons: tuple[str, ...] = ("quality",)
    evidence_required_for: tuple[str, ...] = ("quality",)
    quality_claim_days: int = 3
    order_extension_days: int = 10  # 确定好退换后，给客人的交易时间延长10天 (001)
    extension_warn_days: int = 2  # the daily list shows open returns whose extension ends within this
    # States in which the extension no longer matters: the refund or the goods are out.
    extension_done_states: tuple[str, ...] = ("refunded", "reshipped", "kept")
    alert_min_customers: int = 3
    alert_window_days: int = 7
    wrong_shipment_reasons: tuple[str, ...] = ("wrong-item", "missing-item", "extra-item")
    parcel_claim_reasons: tuple[str, ...] = ("courier-damage", "lost-parcel")
    # What a script tells a customer who owes an exchange's difference, per language.
    difference_payment: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DIFFERENCE_PAYMENT))

    def postage_payer(self, reason: Any) -> str | None:
        """'shop' or 'customer' for a reason, None when the config does not say."""
        if reason in self.shop_pays:
            return "shop"
        if reason in self.customer_pays:
            return "customer"
        return None


def _strings(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return default


def _positive_int(value: Any, default: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return default


def _money(value: Any, default: Decimal) -> Decimal:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        amount = Decimal(value)
        if amount.is_finite() and amount >= 0 and amount == amount.quantize(CENT):
            return amount.quantize(CENT)
    return default


def _section(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_settings(raw: Any) -> ReturnSettings:
    """Settings from the raw section; a bad value falls back to its default (and
    `check_section` reports it)."""
    base = ReturnSettings()
    section = _section(raw)
    postage = _section(section.get("postage"))
    alerts = _section(section.get("alerts"))
    registers = _section(section.get("registers"))
    payment = dict(base.difference_payment)
    raw_payment = section.get("difference_payment")
    if isinstance(raw_payment, str):
        payment = {"zh": raw_payment, "en": raw_payment}
    elif isinstance(raw_payment, Mapping):
        payment |= {str(k): v for k, v in raw_payment.items() if k in LANGS and isinstance(v, str) and v}
    legs = dict(base.legs)
    for name, ways in _section(postage.get("legs")).items():
        legs[str(name)] = tuple(w for w in _strings(ways, ()) if w in LEGS)
    return ReturnSettings(
        kind=str(section.get("kind", base.kind)),
        shop_pays=_strings(postage.get("shop_pays"), base.shop_pays),
        customer_pays=_strings(postage.get("customer_pays"), base.customer_pays),
        standard_postage=_money(postage.get("standard_amount"), base.standard_postage),
        legs=legs,
        quality_reasons=_strings(section.get("quality_reasons"), base.quality_reasons),
        evidence_required_for=_strings(section.get("evidence_required_for"), base.evidence_required_for),
        quality_claim_days=_positive_int(section.get("quality_claim_days"), base.quality_claim_days),
        order_extension_days=_positive_int(section.get("order_extension_days"), base.order_extension_days),
        extension_warn_days=_positive_int(section.get("extension_warn_days"), base.extension_warn_days),
        extension_done_states=_strings(section.get("extension_done_states"), base.extension_done_states),
        alert_min_customers=_positive_int(alerts.get("min_customers"), base.alert_min_customers),
        alert_window_days=_positive_int(alerts.get("window_days"), base.alert_window_days),
        wrong_shipment_reasons=_strings(registers.get("wrong_shipment"), base.wrong_shipment_reasons),
        parcel_claim_reasons=_strings(registers.get("parcel_claims"), base.parcel_claim_reasons),
        difference_payment=payment,
    )


@once_per_config
def settings_for(config: Config) -> ReturnSettings:
    """The returns settings of a loaded config (parsed once per config)."""
    return parse_settings(config.section(SECTION))


_KEYS = {
    "kind",
    "postage",
    "quality_reasons",
    "evidence_required_for",
    "quality_claim_days",
    "order_extension_days",
    "extension_warn_days",
    "extension_done_states",
    "alerts",
    "registers",
    "difference_payment",
}


def check_section(value: Any, config: Config) -> list[Finding]:
    """Problems in the `returns:` section, as (key path under `returns`, message)."""
    if not isinstance(value, Mapping):
        return [([], _("must be a mapping; see docs/returns.md"))]
    problems: list[Finding] = []
    for key in value:
        if key not in _KEYS:
            problems.append(
                ([key], _("unknown key; known keys are {keys}").format(keys=", ".join(sorted(_KEYS))))
            )
    kind_name = str(value.get("kind", ReturnSettings.kind))
    kind = config.kinds.get(kind_name)
    if kind is None:
        return [
            *problems,
            (
                ["kind"],
                _("no case kind {kind_name!r}; kinds are {kinds}").format(
                    kind_name=kind_name, kinds=", ".join(config.kinds)
                ),
            ),
        ]
    reasons = _enum_values(kind, REASON)
    types = _enum_values(kind, RETURN_TYPE)
    for name, values in ((REASON, reasons), (RETURN_TYPE, types)):
        if values is None:
            problems.append(
                (
                    ["kind"],
                    _("kind {kind_name!r} needs an enum field {name!r} for the returns rules").format(
                        kind_name=kind_name, name=name
                    ),
                )
            )
    reasons = reasons or set()
    types = types or set()

    def reason_list(path: KeyPath, raw: Any) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            problems.append((path, _("must be a list of reasons, e.g. [quality]")))
            return []
        for item in raw:
            if reasons and item not in reasons:
                problems.append(
                    (
                        path,
                        _("{item!r} is not a reason; reasons are {reasons}").format(
                            item=item, reasons=", ".join(sorted(reasons))
                        ),
                    )
                )
        return list(raw)

    postage = value.get("postage")
    if postage is not None and not isinstance(postage, Mapping):
        problems.append(
            (["postage"], _("must be a mapping with shop_pays, customer_pays, standard_amount, legs"))
        )
        postage = {}
    postage = postage or {}
    for key in postage:
        if key not in ("shop_pays", "customer_pays", "standard_amount", "legs"):
            problems.append(
                (["postage", key], _("unknown key; use shop_pays, customer_pays, standard_amount, legs"))
            )
    shop = reason_list(["postage", "shop_pays"], postage.get("shop_pays"))
    customer = reason_list(["postage", "customer_pays"], postage.get("customer_pays"))
    for both in sorted(set(shop) & set(customer)):
        problems.append(
            (
                ["postage", "customer_pays"],
                _("{both!r} cannot be paid by both the shop and the customer").format(both=both),
            )
        )
    if "standard_amount" in postage:
        amount = postage["standard_amount"]
        if _money(amount, Decimal(-1)) < 0:
            problems.append(
                (["postage", "standard_amount"], _("must be an amount such as 10.00 (yuan, two places)"))
            )
    legs = postage.get("legs")
    if legs is not None:
        if not isinstance(legs, Mapping):
            problems.append(
                (["postage", "legs"], _("must map each return type to the ways it ships, [back, out]"))
            )
        else:
            for type_name, ways in legs.items():
                path: KeyPath = ["postage", "legs", type_name]
                if types and type_name not in types:
                    problems.append(
                        (
                            path,
                            _("{type_name!r} is not a return type; types are {types}").format(
                                type_name=type_name, types=", ".join(sorted(types))
                            ),
                        )
                    )
                if not isinstance(ways, list) or any(w not in LEGS for w in ways):
                    problems.append(
                        (path, _("list the ways it ships: back (customer to shop), out (shop to customer)"))
                    )
    for key in ("quality_reasons", "evidence_required_for"):
        reason_list([key], value.get(key))
    done = value.get("extension_done_states")
    if done is not None:
        if not isinstance(done, list) or not all(isinstance(v, str) for v in done):
            problems.append(
                (
                    ["extension_done_states"],
                    _("must be a list of {kind_name} states").format(kind_name=kind_name),
                )
            )
        else:
            for item in done:
                if item not in kind.states:
                    problems.append(
                        (
                            ["extension_done_states"],
                            _("{item!r} is not a {kind_name} state; use {states}").format(
                                item=item, kind_name=kind_name, states=", ".join(kind.states)
                            ),
                        )
                    )
    for key in ("quality_claim_days", "order_extension_days", "extension_warn_days"):
        if key in value and _positive_int(value[key], 0) == 0:
            problems.append(([key], _("must be a whole number of days, 1 or more")))
    alerts = value.get("alerts")
    if alerts is not None:
        if not isinstance(alerts, Mapping):
            problems.append((["alerts"], _("must be a mapping with min_customers and window_days")))
        else:
            for key in alerts:
                if key not in ("min_customers", "window_days"):
                    problems.append((["alerts", key], _("unknown key; use min_customers, window_days")))
                elif _positive_int(alerts[key], 0) == 0:
                    problems.append((["alerts", key], _("must be a whole number, 1 or more")))
    registers = value.get("registers")
    if registers is not None:
        if not isinstance(registers, Mapping):
            problems.append((["registers"], _("must be a mapping with wrong_shipment and parcel_claims")))
        else:
            for key in registers:
                if key not in ("wrong_shipment", "parcel_claims"):
                    problems.append((["registers", key], _("unknown key; use wrong_shipment, parcel_claims")))
                else:
                    reason_list(["registers", key], registers[key])
    payment = value.get("difference_payment")
    if payment is not None and not isinstance(payment, str):
        if not isinstance(payment, Mapping) or not payment:
            problems.append((["difference_payment"], _("must be text, or {zh: ..., en: ...}")))
        else:
            for lang, text in payment.items():
                if lang not in LANGS or not isinstance(text, str) or not text.strip():
                    problems.append(
                        (["difference_payment", lang], _("give the text per language: {zh: ..., en: ...}"))
                    )
    return problems


def _enum_values(kind: KindSpec, name: str) -> set[str] | None:
    spec = kind.fields.get(name)
    if spec is None or spec.type != "enum":
        return None
    return set(spec.values)
