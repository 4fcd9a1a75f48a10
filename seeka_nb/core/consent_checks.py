"""TCF consent strings in a conversion: checked once per distinct value (layer 2, pure).

Seeka's ``privacy.tcfConsentString`` *replaces* the consent it holds for the identity, so a
string with an error (malformed, pre-2.2 policy, forbidden legitimate interest...) holds
its order back; warnings are reported and the order is sent.  The pure core has no clock:
checks about "created in the future" need ``now`` and are left to callers that have one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConsentError
from .consent import ConsentIssue, check_tc_strings, validate_tc
from .issues import IssueLog
from .values import Coded


def check_consent_column(text: Coded, log: IssueLog, column: object) -> None:
    """Issue rows for every row whose consent string has problems (errors hold back)."""
    if len(text.uniques) == 0:
        return
    results = check_tc_strings([str(u) for u in text.uniques])
    found = [(u, issue) for u, issues in enumerate(results) for issue in issues]
    if not found:
        return
    table = pd.DataFrame({"u": [u for u, _ in found], "k": range(len(found))})
    rows = pd.DataFrame({"pos": np.flatnonzero(text.present), "u": text.codes[text.present]}).merge(
        table, on="u"
    )
    for k, group in rows.groupby("k", sort=True):
        issue = found[int(k)][1]  # type: ignore[arg-type]
        log.add(
            group["pos"].to_numpy(),
            code=f"consent_{issue.code}",
            severity=issue.severity,
            field="tcfConsentString",
            column=column,
            message=_message(issue),
        )


def check_consent_value(tc_string: object) -> tuple[str, list[ConsentIssue]]:
    """A caller-given string: the stripped string and its warnings; errors raise."""
    if not isinstance(tc_string, str):
        raise ConsentError(f"A TCF consent string must be text, not {type(tc_string).__name__}.")
    value = tc_string.strip()
    issues = validate_tc(value)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise ConsentError(
            "This TCF consent string cannot be sent (Seeka would replace the customer's "
            "consent with it): "
            + "; ".join(i.message for i in errors)
            + ". Copy a current string from your CMP."
        )
    return value, [i for i in issues if i.severity != "error"]


def warn_frame(log: IssueLog, warnings: list[ConsentIssue]) -> None:
    """Warnings about a caller-given consent string, as frame-level issue rows."""
    for issue in warnings:
        log.add(
            [-1],
            code=f"consent_{issue.code}",
            severity="warning",
            field="tcfConsentString",
            message=_message(issue),
        )


def _message(issue: ConsentIssue) -> str:
    held = " (the order is held back)" if issue.severity == "error" else ""
    return f"TCF consent string: {issue.message}{held}"
