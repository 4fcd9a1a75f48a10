"""The public API is pinned: names cannot drift without this test changing."""

from __future__ import annotations

import pandas as pd

import seeka_nb
from seeka_nb import errors


def test_all_is_pinned() -> None:
    assert sorted(seeka_nb.__all__) == sorted(
        [
            "AuthenticationError",
            "ColumnMapping",
            "ConfigurationError",
            "ConsentError",
            "Credentials",
            "Events",
            "Ledger",
            "LedgerError",
            "MappingError",
            "Preset",
            "Sandbox",
            "SeekaError",
            "SendError",
            "SendInterrupted",
            "SendReport",
            "ValidationError",
            "__version__",
            "preset_names",
            "read_orders",
            "sample_orders",
        ]
    )
    for name in seeka_nb.__all__:
        assert hasattr(seeka_nb, name), name


def test_every_error_derives_from_seeka_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.SeekaError)


def test_accessor_is_registered_and_stateless() -> None:
    df = pd.DataFrame({"order_id": ["1"], "time": ["2025-01-01T00:00:00Z"]})
    first, second = df.seeka, df.seeka
    assert first is not second  # pandas rebuilds it; nothing may be cached on it
    assert vars(first).keys() == {"_df"}
    assert {"mapping", "to_events", "check_duplicates"} <= set(dir(first))


def test_version_is_a_string() -> None:
    assert isinstance(seeka_nb.__version__, str) and seeka_nb.__version__.count(".") >= 1
