"""Order status: which orders are purchases to send, by their status column(s) (layer 2).

The ``status`` mapping field takes one column or several.  Each column is read by its name:

- a name mentioning a refund (``Refunded Amount``, ``refund_amount``, ``Reembolso``) holds
  the refunded **amount**: equal to (or above) the order's total means fully refunded, less
  means partially refunded;
- a name mentioning a cancellation (``Cancelled at``, ``Fecha y hora de cancelación``) marks
  the order **cancelled** when it holds a value (``false``/``no``/``0`` do not count);
- any other column holds status **words** (``paid``, ``Shipped - Delivered to Buyer``,
  ``refunded``, ``Cancelada``...), normalised (case, accents, spaces, ``-``/``_``) and
  classified by :data:`WORDS`, then by keywords (``cancel``, ``refund``, ``return``...).

Each order gets the strongest class its columns give (:data:`PRECEDENCE`); rows of one order
whose words fall in different classes hold it back as an error (which one applies is not
known).  The *policy* (``status_policy=``, one entry per class) says what happens:

============================  =========  =============================================
class                         default    other actions
============================  =========  =============================================
``cancelled`` (cancelled,     ``hold``   ``send``
voided, failed, declined...)
``refunded`` (in full)        ``hold``   ``send``
``pending`` (pending, unpaid, ``hold``   ``send``
draft, on hold...)
``partially_refunded``        ``send``   ``net`` (send total − refunded), ``hold``
``unknown`` (words not known) ``send``   ``hold``
============================  =========  =============================================

Held-back orders are ``excluded`` with their own code (``cancelled``, ``voided``,
``failed``, ``declined``, ``refunded``, ``pending``, ``unknown_status``); partially
refunded orders that are sent get a warning naming the refunded amount; unknown words get
one warning listing them (they are never silently treated as paid).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping

import numpy as np

from ..errors import ConfigurationError
from .context import Context
from .grouping import per_order
from .values import to_number, to_text

#: The policy's classes and the actions each allows (the first is the default).
ACTIONS: dict[str, tuple[str, ...]] = {
    "cancelled": ("hold", "send"),
    "refunded": ("hold", "send"),
    "pending": ("hold", "send"),
    "partially_refunded": ("send", "net", "hold"),
    "unknown": ("send", "hold"),
}
DEFAULT_STATUS_POLICY: dict[str, str] = {k: v[0] for k, v in ACTIONS.items()}

# kinds: (class, issue code); index in KINDS is the per-row code, higher = stronger
KINDS: tuple[tuple[str, str], ...] = (
    ("paid", "paid"),
    ("unknown", "unknown_status"),
    ("partially_refunded", "partially_refunded"),
    ("pending", "pending"),
    ("refunded", "refunded"),
    ("cancelled", "abandoned"),
    ("cancelled", "declined"),
    ("cancelled", "failed"),
    ("cancelled", "voided"),
    ("cancelled", "cancelled"),
)
PRECEDENCE = tuple(code for _, code in KINDS)
_K = {code: i for i, code in enumerate(PRECEDENCE)}
PAID, UNKNOWN, PARTIAL, REFUNDED, CANCELLED = (
    _K["paid"],
    _K["unknown_status"],
    _K["partially_refunded"],
    _K["refunded"],
    _K["cancelled"],
)

_W = {
    "paid": "paid payed complete completed closed shipped delivered fulfilled processing "
    "success succeeded successful approved captured settled open active sale sold "
    "pagado pagada pago paga completado completada enviado enviada entregado entregada "
    "aprobado aprobada acreditado abierta abierto cerrada cerrado recibido recibida "
    "confirmado confirmada aprovado aprovada entregue concluido paye expedie livre "
    "bezahlt versendet geliefert abgeschlossen pagato spedito consegnato shipping unshipped "
    "shipped_delivered_to_buyer shipped_out_for_delivery shipped_picked_up",
    "unknown_status": "",
    "partially_refunded": "partially refunded|partial refund|partially returned|"
    "parcialmente reembolsado|reembolso parcial|parcialmente reembolsada|"
    "partiellement rembourse|teilweise erstattet",
    "pending": "pending|unpaid|not paid|awaiting payment|payment pending|draft|"
    "checkout draft|on hold|onhold|authorized|partially paid|pendiente|pendiente de pago|"
    "pendente|aguardando pagamento|en attente|ausstehend|in sospeso|borrador",
    "refunded": "refunded|refund|returned|returned to seller|shipped returned to seller|"
    "shipped rejected by buyer|rejected by buyer|chargeback|charged back|reversed|"
    "reembolsado|reembolsada|devuelto|devuelta|devolvido|rembourse|erstattet|rimborsato",
    "abandoned": "abandoned|abandonado|abandonada|expired|expirado|expirada|vencido",
    "declined": "declined|rejected|denied|rechazado|rechazada|recusado|recusada|refuse|"
    "abgelehnt|rifiutato",
    "failed": "failed|failure|fallido|fallida|falhou|echoue|fehlgeschlagen",
    "voided": "voided|void|anulado|anulada|annule",
    "cancelled": "cancelled|canceled|cancel|cancelada|cancelado|annulled|trash|deleted|"
    "storniert|annullato|eliminado",
}
#: Normalised status word → kind code (see :data:`KINDS`).
WORDS: dict[str, int] = {
    w: _K[code]
    for code, words in _W.items()
    for w in (words.split("|") if "|" in words else words.split())
    if w
} | {w.replace("_", " "): _K["paid"] for w in _W["paid"].split() if "_" in w}
# keyword fallback for phrases not in WORDS, strongest meaning first
_KEYWORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"partial\w* (refund|return)"), PARTIAL),
    (re.compile(r"cancel|annul|storn"), CANCELLED),
    (re.compile(r"refund|return|reembols|devuel|rembours"), REFUNDED),
    (re.compile(r"\bvoid"), _K["voided"]),
    (re.compile(r"\bfail"), _K["failed"]),
    (re.compile(r"declin|reject|rechaz"), _K["declined"]),
    (re.compile(r"pending|unpaid|not paid|awaiting|on hold|draft|pendiente"), _K["pending"]),
)  # no keyword makes a phrase "paid": "Shipped - Lost in Transit" stays unknown (a warning)
_FALSE = frozenset({"", "false", "no", "0", "n", "f", "none", "nan"})


def normalise_status(value: str) -> str:
    """``"Shipped - Delivered to Buyer"`` → ``"shipped delivered to buyer"``."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[\s\-_/.:,;()]+", " ", text).strip()


def classify(word: str) -> int:
    """The kind code of one status value (``UNKNOWN`` when the policy does not know it)."""
    norm = normalise_status(word)
    if norm in WORDS:
        return WORDS[norm]
    for pattern, kind in _KEYWORDS:
        if pattern.search(norm):
            return kind
    return UNKNOWN


def check_policy(policy: Mapping[str, str] | None) -> dict[str, str]:
    """The full policy: defaults overridden by ``policy``; unknown keys/actions refused."""
    out = dict(DEFAULT_STATUS_POLICY)
    for key, action in (policy or {}).items():
        k = str(key).strip().lower().replace("-", "_").replace(" ", "_")
        if k not in ACTIONS:
            raise ConfigurationError(
                f"status_policy key {key!r} is not a status class; use "
                f"{', '.join(ACTIONS)} (e.g. status_policy={{'pending': 'send'}})."
            )
        if action not in ACTIONS[k]:
            raise ConfigurationError(
                f"status_policy[{key!r}]={action!r}: use one of {', '.join(ACTIONS[k])}."
            )
        out[k] = str(action)
    return out


def column_role(column: Hashable) -> str:
    """``refund`` (amount), ``cancel`` (set = cancelled) or ``words``, from its name."""
    name = normalise_status(str(column)).replace(" ", "")
    if any(k in name for k in ("refund", "reembols", "rembours", "erstatt")):
        return "refund"
    if "cancel" in name or "annul" in name:
        return "cancel"
    return "words"


def _word_kinds(ctx: Context, col: Hashable) -> tuple[np.ndarray, dict[int, list[str]]]:
    """Per row, the kind code of its status word (-1 when empty); words seen per kind."""
    text = to_text(ctx.series(col))
    kinds_u = np.array([classify(str(u)) for u in text.uniques], dtype=np.int64)
    seen: dict[int, list[str]] = {}
    for u, k in zip(text.uniques, kinds_u, strict=True):
        seen.setdefault(int(k), []).append(str(u))
    return np.append(kinds_u, -1)[text.codes], seen


def _cancel_kinds(ctx: Context, col: Hashable) -> np.ndarray:
    text = to_text(ctx.series(col))
    set_u = np.array([normalise_status(str(u)) not in _FALSE for u in text.uniques], dtype=bool)
    return np.where(np.append(set_u, False)[text.codes], CANCELLED, -1)


class StatusResult:
    """Per order: kind code (-1 = no status), refunded amount (NaN), words per kind."""

    def __init__(self, kind: np.ndarray, refunded: np.ndarray, words: dict[int, set[str]]):
        self.kind, self.refunded, self.words = kind, refunded, words


def read_status(ctx: Context, first_row: np.ndarray) -> StatusResult | None:
    """Classify every order from its status columns (``None`` when none is mapped)."""
    cols = ctx.cmap.columns("status")
    if not cols:
        return None
    n_orders, codes = ctx.n_orders, ctx.codes
    kind = np.full(n_orders, -1, dtype=np.int64)
    refunded = np.full(n_orders, np.nan)
    conflicted = np.zeros(n_orders, dtype=bool)
    words: dict[int, set[str]] = {}
    for col in cols:
        role = column_role(col)
        if role == "refund":
            nums, bad = to_number(ctx.series(col))
            ctx.error(bad, "status", col, "invalid_number", "refunded amount is not a number")
            refunded = np.where(
                np.isnan(refunded),
                ctx.per_order(
                    "status",
                    col,
                    nums,
                    ~np.isnan(nums),
                    {},
                    fill=np.nan,
                    severity="error",
                    message="refunded amount differs between the rows of one order; "
                    "the order is held back (which one applies is not known)",
                ),
                refunded,
            )
            continue
        if role == "cancel":
            row_kind = _cancel_kinds(ctx, col)
        else:
            row_kind, seen = _word_kinds(ctx, col)
            for k, ws in seen.items():
                words.setdefault(k, set()).update(ws)
        # the strongest kind per order; rows of different classes are a conflict
        sel = (row_kind >= 0) & (codes >= 0)
        strongest = np.full(n_orders, -1, dtype=np.int64)
        np.maximum.at(strongest, codes[sel], row_kind[sel])
        row_class = np.array([_class_index(k) for k in range(len(KINDS))] + [-1])[row_kind]
        res = per_order(codes, row_class, sel, n_orders, fill=-1)
        if res.conflicts.any():
            ctx.error(
                res.conflicts,
                "status",
                col,
                "conflicting_status",
                f"{col!r} puts the rows of this order in different status classes (e.g. "
                "one line cancelled, another paid); the order is held back: which status "
                "applies to the order is not known",
            )
            # held back by the error, not excluded (that would hide the error)
            bad = np.unique(codes[res.conflicts])
            strongest[bad] = -1
            conflicted[bad] = True
        kind = np.maximum(kind, strongest)
    kind[conflicted] = -1
    return StatusResult(kind, refunded, words)


def _class_index(kind: int) -> int:
    return list(ACTIONS).index(KINDS[kind][0]) if KINDS[kind][0] in ACTIONS else -2


def apply_policy(
    ctx: Context,
    result: StatusResult,
    policy: dict[str, str],
    total: np.ndarray | None,
    tol: np.ndarray,
    first_row: np.ndarray,
    excluded: np.ndarray,
) -> np.ndarray | None:
    """Hold back or warn per the policy; returns the net totals (``net`` policy) or None."""
    kind = result.kind.copy()
    refunded = result.refunded
    col = ctx.cmap.columns("status")[0]
    has_refund = ~np.isnan(refunded) & (refunded > 0)
    tot = np.full(len(kind), np.nan) if total is None else total
    full = has_refund & ~np.isnan(tot) & (refunded >= tot - tol) & (tot > 0)
    kind = np.where(full & (kind < REFUNDED), REFUNDED, kind)
    partial = has_refund & ~full & (kind < PARTIAL)
    kind = np.where(partial, PARTIAL, kind)
    new_total: np.ndarray | None = None
    open_ = ~excluded
    for k, (cls, code) in enumerate(KINDS):
        if cls == "paid":
            continue
        orders = np.flatnonzero((kind == k) & open_)
        if not orders.size:
            continue
        action = policy[cls]
        if cls == "unknown":
            vals = sorted(result.words.get(k, set()))
            shown = ", ".join(repr(v) for v in vals[:20]) + (" ..." if len(vals) > 20 else "")
            if action == "hold":
                excluded[orders] = True
                ctx.order_issue(
                    orders,
                    first_row,
                    code=code,
                    severity="excluded",
                    message=f"status not known to the policy (one of {shown}); held back "
                    "by status_policy={'unknown': 'hold'}",
                    name="status",
                    col=col,
                )
            else:
                ctx.log.add(
                    [-1],
                    code=code,
                    severity="warning",
                    field="status",
                    column=col,
                    message=f"{orders.size} order(s) have a status the policy does not know: "
                    f"{shown}. They are sent as purchases; pass "
                    "status_policy={'unknown': 'hold'} to hold them back",
                )
            continue
        if cls == "partially_refunded":
            amounts = [_amount(refunded[o]) for o in orders]
            if action == "hold":
                excluded[orders] = True
                msgs = [
                    f"partially refunded ({a} refunded); held back by "
                    "status_policy={'partially_refunded': 'hold'}"
                    for a in amounts
                ]
                sev = "excluded"
            elif action == "net" and total is not None:
                new_total = tot.copy() if new_total is None else new_total
                net = ~np.isnan(refunded[orders])
                new_total[orders[net]] = tot[orders[net]] - refunded[orders[net]]
                msgs = [
                    f"partially refunded ({a} refunded); sent at its net value "
                    f"{_amount(tot[o] - refunded[o])} (status_policy "
                    "partially_refunded='net')"
                    if not np.isnan(refunded[o])
                    else "partially refunded (amount not given); sent at the order's value"
                    for o, a in zip(orders, amounts, strict=True)
                ]
                sev = "warning"
            else:
                msgs = [
                    f"partially refunded ({a} refunded); sent at the order's value "
                    f"{_amount(tot[o])}. status_policy={{'partially_refunded': 'net'}} "
                    "sends the net value instead"
                    for o, a in zip(orders, amounts, strict=True)
                ]
                sev = "warning"
            ctx.log.add(
                first_row[orders],
                code=code,
                severity=sev,  # type: ignore[arg-type]
                message=msgs,
                field="status",
                column=col,
            )
            continue
        if action == "send":
            continue
        excluded[orders] = True
        what = {
            "refunded": "fully refunded",
            "pending": "not paid (pending, unpaid, draft or on hold)",
        }.get(cls, code)
        ctx.order_issue(
            orders,
            first_row,
            code=code,
            severity="excluded",
            message=f"order is {what} by its status: not a purchase, held back. To send such "
            f"orders anyway: status_policy={{{cls!r}: 'send'}}",
            name="status",
            col=col,
        )
    return new_total


def _amount(value: float) -> str:
    return "an unknown amount" if np.isnan(value) else f"{value:.2f}"


_ROLE_TEXT = {
    "words": "status words",
    "cancel": "set = cancelled",
    "refund": "refunded amount",
}


def status_columns_note(cols: tuple[Hashable, ...]) -> str:
    """How each status column is read (shown by ``mapping()``)."""
    return "; ".join(f"{c} = {_ROLE_TEXT[column_role(c)]}" for c in cols) + (
        "; policy: see status_policy="
    )
