"""Mojibake: double-encoded UTF-8 (``MontrÃ©al``) is repaired and reported per column."""

from __future__ import annotations

import json

from seeka_nb.adapters.readers import read_orders

ROWS = [
    ("1001", "MontrÃ©al", "RaÃ¢n HÃ\xa0", "nÂ° 76"),
    ("1002", "ZÃ¼rich", "Zoé", "Rue â€œOakâ€\x9d"),
    ("1003", "Montréal", "NÃºÃ±ez", "plain"),
    ("1004", "MontrÃ©al", "", "Ã© and Â are fine alone: Ã, Â"),
]
REPAIRED = [
    ("1001", "Montréal", "Raân Hà", "n° 76"),
    ("1002", "Zürich", "Zoé", "Rue “Oak”"),
    ("1003", "Montréal", "Núñez", "plain"),
    ("1004", "Montréal", None, "é and Â are fine alone: Ã, Â"),
]


def export(tmp_path):
    lines = ["Order ID\tShip City\tFirst Name\tStreet 2"]
    lines += ["\t".join(r) for r in ROWS]
    path = tmp_path / "etsy.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def test_mojibake_is_repaired_and_counted_per_column(tmp_path):
    df = read_orders(export(tmp_path))
    assert df["Ship City"].tolist() == [r[1] for r in REPAIRED]
    assert df["First Name"].fillna("<empty>").tolist() == ["Raân Hà", "Zoé", "Núñez", "<empty>"]
    assert df["Street 2"].tolist()[:3] == [r[3] for r in REPAIRED][:3]
    marker = df.attrs["seeka_nb"]
    assert marker["mojibake"] == {"Ship City": 3, "First Name": 2, "Street 2": 3}
    assert marker["mojibake_repaired"] is True
    assert "Montr" not in json.dumps(marker)  # counts, never values


def test_mojibake_report_only_keeps_cells_as_written(tmp_path):
    df = read_orders(export(tmp_path), repair_mojibake=False)
    assert df["Ship City"].tolist() == [r[1] for r in ROWS]
    assert df.attrs["seeka_nb"]["mojibake"]["Ship City"] == 3
    assert df.attrs["seeka_nb"]["mojibake_repaired"] is False


def test_mojibake_clean_text_is_untouched_and_unreported(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_bytes("Order ID,City,Note\n1,Montréal,Â la carte\n2,São Paulo,Ã\n".encode())
    df = read_orders(path)
    assert df["City"].tolist() == ["Montréal", "São Paulo"]
    assert df["Note"].tolist() == ["Â la carte", "Ã"]
    assert "mojibake" not in df.attrs["seeka_nb"]


def test_mojibake_in_the_real_etsy_export(real2_data):
    df = read_orders(real2_data / "etsy_sold_orders_2023_Epicrae.csv")
    assert df.attrs["seeka_nb"]["mojibake"]["Ship City"] == 4  # MontrÃ©al, RÄ«ga...
    cities = set(df["Ship City"].dropna())
    assert {"Montréal", "Zürich", "Ingré", "Rīga"} <= cities
    assert not any("Ã" in c for c in cities)
