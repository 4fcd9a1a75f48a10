# ruff: noqa: E501
"""Encodings: strict UTF-8 first, then a charset-normalizer guess that comes out right for
Shift-JIS/cp932, GB18030 and the Windows-125x code pages, reported in ``df.attrs``.

Each file is generated here (tmp_path): a realistic export of a few rows, written in the
code page a shop in that country would use.  (A file mixing several European languages in
one legacy code page can still be guessed wrong; the guess is flagged in attrs.)
"""

from __future__ import annotations

import random

import pytest

from seeka_nb.adapters.encodings import guess_encoding
from seeka_nb.adapters.readers import SAMPLE_SIZE, read_orders

EXPORTS = {  # one country's shop each: (code page, customers' names, cities)
    "ja": ("cp932", "山田太郎|佐藤花子|髙橋一郎|鈴木次郎|田中美咲", "東京都千代田区丸の内①|大阪府大阪市北区梅田|札幌市"),
    "zh": ("gb18030", "张伟|王芳|李娜|刘洋|陈静|𠀋先生", "北京市朝阳区建国路88号|上海市浦东新区世纪大道|广州市天河区"),
    "fr": ("cp1252", "Zoé Lefèvre|Jérôme Garçon|Hélène Dubœuf|Noël Crépin", "Besançon|Orléans|Épinal|Nîmes"),
    "es": ("cp1252", "Iñaki Peña|José Núñez|Ángel Muñoz|Begoña Ortíz", "Logroño|Córdoba|Málaga|Ávila"),
    "de": ("cp1252", "Jürgen Müller|Anna Weiß|Björn Schäfer|Käthe Hößl", "Köln|München|Düsseldorf|Lübeck"),
    "pt": ("cp1252", "João Gonçalves|Inês Conceição|Luís Simões", "São Paulo|Évora|Setúbal|Guimarães"),
    "pl": ("cp1250", "Łukasz Wiśniewski|Małgorzata Żółkiewska|Paweł Gęsiński", "Łódź|Kraków|Gdańsk|Poznań"),
    "cs": ("cp1250", "Jiří Novák|Zdeněk Dvořák|Růžena Šťastná|Petr Černý", "Plzeň|České Budějovice|Brno"),
    "hu": ("cp1250", "Győző Kővári|Erzsébet Szőke|Ödön Fülöp|Zoltán Hegedűs", "Győr|Pécs|Székesfehérvár"),
    "ru": ("cp1251", "Иван Петров|Мария Смирнова|Алексей Кузнецов", "Москва|Санкт-Петербург|Новосибирск"),
    "el": ("cp1253", "Γιώργος Παπαδόπουλος|Μαρία Κωνσταντίνου|Νίκος Γεωργίου", "Αθήνα|Θεσσαλονίκη|Πάτρα"),
    "tr": ("cp1254", "Ayşe Yılmaz|Mehmet Öztürk|Çağrı Güneş|İsmail Kılıç", "İstanbul|İzmir|Eskişehir|Muğla"),
}  # fmt: skip


def export_text(country: str, rows: int, seed: int) -> str:
    names, cities = (part.split("|") for part in EXPORTS[country][1:])
    rnd = random.Random(seed)
    lines = ["Order ID;Name;City;Email;Total"]
    for i in range(rows):
        lines.append(
            f"{1000 + i};{rnd.choice(names)};{rnd.choice(cities)};c{i}@example.com;"
            f"{rnd.randint(1, 99)}.{rnd.randint(0, 99):02d}"
        )
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("country", sorted(EXPORTS))
def test_encodings_legacy_code_pages_come_out_right(tmp_path, country, rows):
    encoding = EXPORTS[country][0]
    for seed in range(3):
        text = export_text(country, rows, seed)
        path = tmp_path / f"{encoding}-{seed}.csv"
        path.write_bytes(text.encode(encoding))
        df = read_orders(path)
        marker = df.attrs["seeka_nb"]
        assert marker["encoding"] == encoding
        assert marker["encoding_guessed"] is True  # a guess is reported as one
        expected = [line.split(";") for line in text.splitlines()[1:]]
        assert df["Name"].tolist() == [r[1] for r in expected]
        assert df["City"].tolist() == [r[2] for r in expected]
        assert df["Order ID"].tolist() == [r[0] for r in expected]


def test_encodings_shift_jis_is_widened_to_cp932(tmp_path):
    """Plain Shift-JIS bytes are read as cp932, so NEC/IBM extensions later still decode."""
    text = "注文番号,氏名,住所\n1001,山田太郎,東京都\n" + "".join(
        f"{1002 + i},佐藤花子,大阪府\n" for i in range(SAMPLE_SIZE // 20)
    )
    text += "9999,髙橋一郎,港区①丁目\n"  # cp932-only characters after the sample
    path = tmp_path / "sjis.csv"
    path.write_bytes(text.encode("cp932"))
    df = read_orders(path)
    assert df.attrs["seeka_nb"]["encoding"] == "cp932"
    assert df["氏名"].iloc[-1] == "髙橋一郎" and df["住所"].iloc[-1] == "港区①丁目"


def test_encodings_utf8_with_and_without_bom_is_never_a_guess(tmp_path):
    text = "Order ID,City\n1,Zürich\n2,東京\n"
    for raw, name in ((text.encode(), "utf-8"), (b"\xef\xbb\xbf" + text.encode(), "utf-8-sig")):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(raw)
        df = read_orders(path)
        assert df.attrs["seeka_nb"]["encoding"] == name
        assert "encoding_guessed" not in df.attrs["seeka_nb"]
        assert df["City"].tolist() == ["Zürich", "東京"]


def test_encodings_a_non_utf8_byte_after_the_sample_makes_the_whole_file_guessed(tmp_path):
    filler = "".join(f"{i};Kraków;Łódź\n" for i in range(SAMPLE_SIZE // 10))
    text = "Order ID;City;Street\n" + filler.replace("ó", "o").replace("Ł", "L").replace("ź", "z")
    raw = text.encode("ascii") + "999;Wałbrzych;Zażółć gęślą jaźń\n".encode("cp1250")
    path = tmp_path / "late.csv"
    path.write_bytes(raw)
    df = read_orders(path)
    assert df.attrs["seeka_nb"]["encoding"] == "cp1250"
    assert df.attrs["seeka_nb"]["encoding_guessed"] is True
    assert df["City"].iloc[-1] == "Wałbrzych"


def test_encodings_identical_text_reports_the_usual_code_page():
    """Bytes that cp1250 and cp1252 decode alike are reported as cp1252, the common one."""
    raw = "Name;City\nAnna Weiß;Köln\nJörg Bäcker;Düsseldorf\n".encode("cp1252")
    assert guess_encoding(raw).name == "cp1252"


class FakeMatch:
    """What charset-normalizer answers, reduced to the attributes the guess reads."""

    def __init__(self, encoding: str, language: str) -> None:
        self.encoding, self.language = encoding, language
        self.could_be_from_charset = [encoding]
        self.chaos, self.coherence = 0.0, 0.5


@pytest.mark.parametrize(
    ("answer", "language", "text", "widened"),
    [
        ("shift_jis", "Japanese", "注文番号,氏名\n1,山田太郎\n", "cp932"),
        ("gbk", "Chinese", "订单号,姓名\n1,张伟\n", "gb18030"),
        ("gb2312", "Chinese", "订单号,姓名\n1,张伟\n", "gb18030"),
    ],
)
def test_encodings_narrow_answers_are_widened_to_what_exporters_write(
    monkeypatch, answer, language, text, widened
):
    """A Shift-JIS/GBK answer would fail on ① or 𠀋 later in the file: use the superset."""
    import seeka_nb.adapters.encodings as encodings

    monkeypatch.setattr(encodings, "from_bytes", lambda data: [FakeMatch(answer, language)])
    assert guess_encoding(text.encode(widened)).name == widened
