"""The twelve real exports read with polars give byte-identical request bodies to the pandas
path (issue 16): text-first (no type inference) and with polars' inferred types.

The reference is ``read_orders(path, repair_mojibake=False)``: polars frames are taken as
they are, so a double-encoded name in the file is sent as the file holds it (the pandas path
with ``read_orders``' default repairs it; one file, Etsy's, has such names).
"""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import polars as pl
import pytest
from fixture_paths import REPO

import seeka_nb
from seeka_nb.adapters.polars_frames import TEXT_FIELDS_AT_RISK


def _real_expect() -> ModuleType:
    """``tests/core/real_expect.py`` (shared with core tests): the files, the analyst's calls."""
    module = sys.modules.get("real_expect")
    if module is None:
        path = REPO / "tests" / "core" / "real_expect.py"
        spec = importlib.util.spec_from_file_location("real_expect", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["real_expect"] = module
        spec.loader.exec_module(module)
    return module


_EXPECT = _real_expect()
CALLS, REAL, REAL2 = _EXPECT.CALLS, _EXPECT.REAL, _EXPECT.REAL2
FILES = [("real", n) for n in REAL] + [("real2", n) for n in REAL2]


@pytest.fixture
def folders(real_data: Path, real2_data: Path) -> dict[str, Path]:
    return {"real": real_data, "real2": real2_data}


def read_both(path: Path, *, infer: bool) -> tuple[pd.DataFrame, pl.DataFrame]:
    """The pandas reference, and the same file read by polars (UTF-8, the file's delimiter)."""
    reference = seeka_nb.read_orders(path, repair_mojibake=False)
    found = reference.attrs["seeka_nb"]
    text = path.read_bytes().decode(found["encoding"])
    options: dict = {"separator": found["delimiter"]}
    if infer:
        options["infer_schema_length"] = None  # every row: polars then never fails mid-file
    else:
        options["infer_schema_length"] = 0  # all text (infer_schema=False on polars >= 1.2)
    return reference, pl.read_csv(io.BytesIO(text.encode()), **options)


def _visible(issues: pd.DataFrame) -> pd.DataFrame:
    """Issues without this path's own warnings, with positions as the row labels."""
    kept = issues[issues["code"] != "number_typed_text"].reset_index(drop=True)
    return kept.astype({"row": object})


@pytest.mark.parametrize(("folder", "name"), FILES, ids=[n for _, n in FILES])
def test_text_first_bodies_are_byte_identical(folders: dict, folder: str, name: str) -> None:
    reference, frame = read_both(folders[folder] / name, infer=False)
    assert all(dtype == pl.String for dtype in frame.dtypes)
    expected = reference.seeka.to_events(**CALLS[name])
    got = frame.seeka.to_events(**CALLS[name])
    assert isinstance(got, seeka_nb.Events)
    assert got.preset == expected.preset  # detected from the header, as read_orders does
    bodies = list(got.encoded_batches())
    assert bodies and bodies == list(expected.encoded_batches())
    assert got.summary() == expected.summary()
    pd.testing.assert_frame_equal(got.issues, expected.issues)  # text: no typed warnings
    pd.testing.assert_frame_equal(got.duplicates(), expected.duplicates())
    assert got.mapping.fields == expected.mapping.fields


@pytest.mark.parametrize(("folder", "name"), FILES, ids=[n for _, n in FILES])
def test_inferred_types_give_the_same_bodies(folders: dict, folder: str, name: str) -> None:
    """polars' own types (Int64 ids, Float64 money, Boolean flags...) change nothing sent on
    these exports; number-typed identifier/phone/postcode columns are warned about."""
    reference, frame = read_both(folders[folder] / name, infer=True)
    assert any(dtype != pl.String for dtype in frame.dtypes)  # inference did type something
    expected = reference.seeka.to_events(**CALLS[name])
    got = frame.seeka.to_events(**CALLS[name])
    assert list(got.encoded_batches()) == list(expected.encoded_batches())
    assert got.summary()["orders"] == expected.summary()["orders"]
    pd.testing.assert_frame_equal(_visible(got.issues), _visible(expected.issues))
    warned = got.issues[got.issues["code"] == "number_typed_text"]
    assert set(warned["field"]) <= set(TEXT_FIELDS_AT_RISK)
    assert all(frame.schema[c].is_numeric() for c in warned["column"])
    direct = {  # number-typed columns the events read as they are
        c
        for field in TEXT_FIELDS_AT_RISK
        for c in got.mapping.columns(field)
        if c in frame.schema and frame.schema[c].is_numeric()
    }
    assert direct <= set(warned["column"])


def test_a_number_typed_postcode_is_warned_about(real_data: Path) -> None:
    """Tiendanube's postal code is read by polars as Int64: a zero-led code would be lost."""
    _, frame = read_both(real_data / "tiendanube_ventas_Contak-cpu.csv", infer=True)
    assert frame.schema["Código postal"] == pl.Int64
    issues = frame.seeka.to_events(**CALLS["tiendanube_ventas_Contak-cpu.csv"]).issues
    warned = issues[issues["code"] == "number_typed_text"]
    assert list(warned["column"]) == ["Código postal"] or "Código postal" in set(warned["column"])
    row = warned[warned["column"] == "Código postal"].iloc[0]
    assert row["severity"] == "warning" and row["field"] == "postcode"
    assert "schema_overrides" in row["message"]
