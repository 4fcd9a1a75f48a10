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
            "EventStream",
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
            "consent",
            "preset_names",
            "read_orders",
            "sample_orders",
            "stream_orders",
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
    if int(pd.__version__.split(".")[0]) >= 3:  # pandas 2 caches the accessor on the frame
        assert first is not second  # pandas rebuilds it; nothing may be cached on it
    assert vars(first).keys() == {"_df"}
    assert {"mapping", "to_events", "check_duplicates"} <= set(dir(first))


def test_version_is_a_string() -> None:
    assert isinstance(seeka_nb.__version__, str) and seeka_nb.__version__.count(".") >= 1


def test_consent_is_a_public_module() -> None:
    from seeka_nb import consent
    from seeka_nb.core import consent as core_consent

    assert sorted(consent.__all__) == sorted(core_consent.__all__)
    assert {"decode_tc", "validate_tc", "check_tc_strings", "TCString"} <= set(consent.__all__)
    for name in consent.__all__:
        assert getattr(consent, name) is getattr(core_consent, name), name


def test_dir_shows_only_public_names() -> None:
    names = dir(seeka_nb)
    assert "annotations" not in names and "PackageNotFoundError" not in names
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    assert set(seeka_nb.__all__) <= set(names) and "widgets" in names
