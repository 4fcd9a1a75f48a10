"""Benchmark: email validation over distinct addresses (email-validator, no DNS).

Run by hand:  python benchmarks/bench_emails.py [--distinct 200000]

Compares ``seeka_nb.core.identity.emails``' per-value function (the validator once per
distinct domain for plain ASCII local parts, once per distinct address otherwise) with
calling ``email_validator.validate_email`` on every distinct address, measured in the same
run on the same addresses (5% internationalised, 2% invalid).
"""

from __future__ import annotations

import argparse
import time

import email_validator
import numpy as np

from seeka_nb.core.identity import _checked_email, _email_values


def addresses(n: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    domains = ["gmail.com", "yahoo.com", "example.com", "münchen.de", "outlook.fr"]
    out = []
    for i in range(n):
        local = f"cust_{i:08x}" if i % 20 else f"tést{i}"
        if i % 50 == 0:
            local = f"a..b{i}"
        out.append(f"{local}@{domains[int(rng.integers(0, len(domains)))]}")
    return np.array(out, dtype=object)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distinct", type=int, default=200_000)
    n = parser.parse_args().distinct
    values = addresses(n)
    _checked_email.cache_clear()
    start = time.perf_counter()
    out, invalid = _email_values(values)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    reference = []
    for v in values:
        try:
            checked = email_validator.validate_email(v, check_deliverability=False, strict=True)
            reference.append(str(checked.normalized).lower())
        except email_validator.EmailNotValidError:
            reference.append(None)
    naive = time.perf_counter() - start
    assert list(out) == reference, "the fast path must decide as the validator"
    print(f"{n:,} distinct addresses, {int(invalid.sum()):,} invalid")
    print(f"seeka_nb emails(): {ours:.2f} s ({n / ours:,.0f}/s)")
    print(f"validate_email per address: {naive:.2f} s ({n / naive:,.0f}/s)")
    print(f"ratio: {naive / ours:.1f}x faster, same answers")


if __name__ == "__main__":
    main()
