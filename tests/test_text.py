"""Text in photos: the sensitive-text finders on many strings, then OCR end to end on photos made
here (text drawn with a TrueType font onto a real photo, saved as JPEG, decoded like any photo),
offline, and a report of what OCR reads on the real test photos."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from camroll.analysis import text_flags as tf
from camroll.analysis.base import ModelFileError
from camroll.analysis.decode import Decoded, DecodeError, decode
from camroll.analysis.text import MODELS, TextAnalyser, TextResult

MIGRATION = Path(__file__).resolve().parents[1] / "camroll" / "store" / "migrations" / "0002_analysis.sql"


def kinds(lines: str | list[str]) -> list[str]:
    return [f["kind"] for f in tf.find_flags([lines] if isinstance(lines, str) else lines)]


# --- checksums and MRZ check digits, computed here independently -----------------------------


def icao(field: str) -> str:
    values = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    return str(sum(values[c] * w for c, w in zip(field, [7, 3, 1] * 20, strict=False)) % 10)


def fake_td3(doc: str = "X12345678", issuer: str = "UTO", dob: str = "850317", expiry: str = "310101") -> list[str]:
    """A made-up passport MRZ (Utopia, ICAO's fictional state) with correct check digits."""
    line1 = f"P<{issuer}MUSTER<<ERIKA<JANE".ljust(44, "<")
    personal = "<" * 14
    body = f"{doc}{icao(doc)}{issuer}{dob}{icao(dob)}F{expiry}{icao(expiry)}{personal}<"
    composite = body[0:10] + body[13:20] + body[21:43]
    return [line1, body + icao(composite)]


def fake_td1(surname: str = "MUSTERMANN") -> list[str]:
    doc, dob, expiry = "AB1234567", "900101", "300101"
    line1 = f"I<UTO{doc}{icao(doc)}".ljust(30, "<")
    line2 = f"{dob}{icao(dob)}M{expiry}{icao(expiry)}UTO".ljust(29, "<")
    line2 += icao(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2, f"{surname}<<MAX".ljust(30, "<")]


def test_icao_check_digits_match_the_published_specimen() -> None:
    # ICAO 9303 part 4, specimen passport of Anna Maria Eriksson (Utopia).
    assert [tf.check_digit(f) for f in ("L898902C3", "740812", "120415", "ZE184226B<<<<<")] == ["6", "2", "9", "1"]
    assert tf.check_digit("L898902C36" + "7408122" + "1204159ZE184226B<<<<<1") == "0"
    assert icao("L898902C3") == "6"


def test_mrz_found_with_check_digits() -> None:
    specimen = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"]
    assert tf.mrz(specimen) == [{"kind": "mrz", "evidence": "TD3 passport MRZ, issuer UTO, 5/5 check digits valid"}]
    assert "4/4 check digits valid" in tf.mrz(fake_td3())[0]["evidence"]
    assert "TD1 identity document MRZ, issuer UTO, 4/4" in tf.mrz(fake_td1())[0]["evidence"]
    assert len(tf.mrz(fake_td1("PETERSEN"))) == 1  # a names line that starts like a header is not a second MRZ
    td2 = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"]
    assert "TD2" in tf.mrz(td2)[0]["evidence"] and "4/4" in tf.mrz(td2)[0]["evidence"]
    # OCR's usual slips: spaces inside, O read as 0 in the issuer, a filler '<' lost.
    ocr = ["P<UT0ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<", "L898902C3 6UTO7408122F1204159ZE184226B<<<<<10"]
    assert "5/5" in tf.mrz(ocr)[0]["evidence"]
    assert tf.mrz(fake_td3()[1:])[0]["evidence"].startswith("TD3 MRZ data line")  # data line alone, verified


def test_not_an_mrz() -> None:
    assert tf.mrz(["HAPPY<<BIRTHDAY", "1234567890"]) == []
    assert tf.mrz(["X<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"]) == []  # no such document code
    broken = fake_td3()[1]
    broken = broken[:9] + str((int(broken[9]) + 1) % 10) + broken[10:19] + str((int(broken[19]) + 1) % 10) + broken[20:]
    assert tf.mrz([broken]) == []  # a data line alone with wrong check digits
    assert tf.mrz(["P<UTOERIKSSON<<ANNA"]) == []  # far too short


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "6011 0009 9013 9424",
        "3566 0020 2036 0505",
        "2223 0031 2200 3222",
        "4000 0566 5566 5556",
        "Card no. 5105 1051 0510 5100 valid 08/29",
    ],
)
def test_payment_cards(number: str) -> None:
    flags = tf.find_flags([number])
    assert [f["kind"] for f in flags] == ["payment_card"]
    digits = re.sub(r"\D", "", number.split("valid")[0])
    assert flags[0]["evidence"] == f"card number ending {digits[-4:]}"
    assert digits[:-4] not in json.dumps(flags)  # never more than the last 4 digits


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1112",
        "5500 0000 0000 0005",
        "1234 5678 9012 3456",
        "0000 0000 0000 0000",
        "4006381333931",
        "12 34 56 78 90 12 34 56",
        "Total 1.299,00 EUR",
        "Order 2024-03-12 4111",
    ],
)
def test_not_payment_cards(text: str) -> None:
    assert "payment_card" not in kinds(text)


def test_luhn() -> None:
    assert tf.luhn_ok("79927398713") and not tf.luhn_ok("79927398710")


@pytest.mark.parametrize(
    "text",
    [
        "IBAN: DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 32",
        "FR1420041010050500013M02606",
        "NL91ABNA0417164300 BIC ABNANL2A",
        "CH93 0076 2011 6238 5295 7",
    ],
)
def test_ibans(text: str) -> None:
    flags = tf.find_flags([text])
    assert [f["kind"] for f in flags] == ["iban"]
    assert flags[0]["evidence"].endswith(re.sub(r"\s", "", text.split("IBAN: ")[-1].split(" BIC")[0])[-4:])


@pytest.mark.parametrize(
    "text", ["DE89 3704 0044 0532 0130 01", "GB82 WEST 1234 5698 7654 33", "AB12 CDEF GHIJ KLMN OP"]
)
def test_not_ibans(text: str) -> None:
    assert "iban" not in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tel. +49 30 1234567",
        "+33 (0)1 23 45 67 89",
        "+44 20 7946 0958",
        "0049 30 12345678",
        "+1-212-555-0187",
        "Call (212) 555-1234 today",
        "212.555.1234",
        "1-800-555-0199",
        "0171 2345678",
        "030/1234567",
        "020 7946 0958",
        "06 12 34 56 78",
        "06.12.34.56.78",
        "Telefon: 089 123456",
        "Mobil 01761234567",
        "Tel 030/1234567 am 12.03.2024",
    ],
)
def test_phones(text: str) -> None:
    flags = tf.find_flags([text])
    assert [f["kind"] for f in flags] == ["phone"], flags
    assert re.sub(r"\D", "", text)[:-2] not in flags[0]["evidence"].replace("…", "")


@pytest.mark.parametrize(
    "text",
    [
        "12.03.2024",
        "2024-03-12",
        "03/12/2024 10:30",
        "01-02-2024 10:30",
        "12.03.2024 - 15.03.2024",
        "Price 1.299,00 EUR",
        "$1,299.99",
        "€ 12,50",
        "Open 09:00-18:00",
        "Happy Birthday 2024",
        "1999-2024",
        "Est. 1887",
        "10115 Berlin",
        "ISBN 978-3-16-148410-0",
        "v2.10.3",
        "Room 1204",
        "50% off 3 for 2",
    ],
)
def test_not_phones(text: str) -> None:
    assert tf.find_flags([text]) == []


def test_emails() -> None:
    assert tf.find_flags(["Mail: Jane.Doe+photos@Example.co.uk"]) == [
        {"kind": "email", "evidence": "J***@example.co.uk"}
    ]
    assert kinds("jane.doe @ example.com") == ["email"]  # OCR spaces around @
    for text in ["@camroll", "user@localhost", "a@b", "foo@bar.", "1.5 @ 3.00"]:
        assert kinds(text) == [], text


def test_id_document_words() -> None:
    for text in [
        "PASSPORT",
        "Reisepass",
        "CARTE NATIONALE D’IDENTITÉ",
        "Personalausweis",
        "Führerschein",
        "DRIVING LICENCE",
        "Driver's License",
        "Permis de conduire",
        "Identity Card",
        "rijbewijs",
    ]:
        assert kinds(text) == ["id_document"], text
    for text in ["valid card", "passports office", "Identity", "licence to thrill", "passe-partout"]:
        assert kinds(text) == [], text


def test_flags_across_lines_and_once_each() -> None:
    lines = ["ANNA ERIKSSON", "anna@example.org", "anna@example.org", "Tel +46 8 123 456 78", "Paris, France"]
    assert kinds(lines) == ["email", "phone"]
    assert kinds(["Tel", "+46 8 123 456 78"]) == ["phone"]


# --- OCR end to end ---------------------------------------------------------------------------


def _font(mono: bool) -> str:
    name = "DejaVuSansMono.ttf" if mono else "DejaVuSans.ttf"
    try:
        listed = subprocess.run(["fc-list", ":", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    candidates = [line.split(":")[0] for line in listed.splitlines()] + [
        str(p) for p in Path("/usr/share/fonts").rglob("*.ttf")
    ]
    for path in candidates:
        if Path(path).name == name:
            return path
    raise AssertionError(f"no TrueType font {name}: `make test` installs Debian's fonts-dejavu-core")


@pytest.fixture(scope="module")
def ocr() -> TextAnalyser:
    analyser = TextAnalyser(threads=2)
    analyser.ensure_loaded()
    return analyser


def _photo(
    tmp_path: Path, photos: Path, lines: list[str], mono: bool = False, size: int = 56
) -> tuple[Path, list[Any]]:
    """Lines of text on a light sign over a real beach photo, 1600 x 1200 (so decoding scales it
    to 1280 x 960 and boxes must be scaled back). Returns the JPEG and each line's drawn box."""
    img = Image.open(photos / "scenes" / "beach" / "beach_sand.jpg").convert("RGB").resize((1600, 1200))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(_font(mono), size)
    boxes: list[tuple[float, float, float, float]] = []
    y: float = 240
    for line in lines:
        boxes.append(draw.textbbox((160, y), line, font=font))
        y = boxes[-1][3] + size // 2
    draw.rectangle((120, 200, max(b[2] for b in boxes) + 40, y + 20), fill=(243, 238, 224))
    for line, box in zip(lines, boxes, strict=True):
        draw.text((160, box[1] - (draw.textbbox((160, 0), line, font=font)[1])), line, fill=(30, 28, 35), font=font)
    path = tmp_path / "photo.jpg"
    img.save(path, quality=88)
    return path, boxes


def _squash(s: str) -> str:
    return re.sub(r"\s", "", s).lower()


def _read(ocr: TextAnalyser, path: Path) -> TextResult:
    return ocr.analyse(decode(7, "hash", str(path), orientation=1, size=None), {})


def test_ocr_reads_text_on_a_photo_with_displayed_boxes(ocr: TextAnalyser, tmp_path: Path, photos_dir: Path) -> None:
    path, drawn = _photo(tmp_path, photos_dir, ["Happy Birthday 2024", "Paris, France"], size=64)
    result = _read(ocr, path)
    assert [_squash(x.text) for x in result.lines] == ["happybirthday2024", "paris,france"]
    assert result.text.lower().replace(" ", "") == "happybirthday2024\nparis,france"
    assert result.flags == []  # a year is not a phone number
    for line, box in zip(result.lines, drawn, strict=True):
        x, y, w, h = line.box  # displayed (1600 x 1200) pixels, not the 1280 px analysis pixels
        assert abs(x - box[0]) < 25 and abs(y - box[1]) < 25 and abs(x + w - box[2]) < 25 and abs(y + h - box[3]) < 25
        assert line.score > 0.9


def test_ocr_flags_a_passport(ocr: TextAnalyser, tmp_path: Path, photos_dir: Path) -> None:
    mrz = fake_td3()
    path, _ = _photo(tmp_path, photos_dir, ["PASSPORT / PASSEPORT", "MUSTER, ERIKA", *mrz], mono=True, size=30)
    result = _read(ocr, path)
    squashed = [_squash(x.text).upper().replace("O", "0") for x in result.lines]
    assert _squash(mrz[1]).upper().replace("O", "0") in squashed
    found = [(f["kind"], f["evidence"]) for f in result.flags]
    assert ("mrz", "TD3 passport MRZ, issuer UTO, 4/4 check digits valid") in found
    assert [e for k, e in found if k == "id_document"] == ["the words 'passport'", "the words 'passeport'"]
    assert "X12345678" not in json.dumps(result.flags)


def test_ocr_flags_contact_details_and_cards(ocr: TextAnalyser, tmp_path: Path, photos_dir: Path) -> None:
    lines = ["Anna Eriksson", "anna.eriksson@example.org", "Tel. +46 8 123 456 78", "4111 1111 1111 1111"]
    result = _read(ocr, _photo(tmp_path, photos_dir, lines, size=48)[0])
    assert "anna.eriksson@example.org" in [_squash(x.text) for x in result.lines]
    assert result.flags == [
        {"kind": "email", "evidence": "a***@example.org"},
        {"kind": "payment_card", "evidence": "card number ending 1111"},
        {"kind": "phone", "evidence": "phone number +46…78"},
    ]


def test_photo_without_text_stores_an_empty_row(ocr: TextAnalyser, photos_dir: Path) -> None:
    result = _read(ocr, photos_dir / "scenes" / "lime" / "limes.jpg")
    assert result.text == "" and result.lines == [] and result.flags == []
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATION.read_text(encoding="utf-8"))
    TextAnalyser.store(conn, 5, result, TextAnalyser.version)
    assert conn.execute("SELECT text, lines, flags, model FROM texts WHERE photo_id = 5").fetchall() == [
        ("", "[]", "[]", TextAnalyser.version)
    ]


def test_store_round_trip_replaces_the_row(ocr: TextAnalyser, tmp_path: Path, photos_dir: Path) -> None:
    result = _read(ocr, _photo(tmp_path, photos_dir, ["Reisepass", "Grüße aus München"])[0])
    conn = sqlite3.connect(":memory:")
    conn.executescript(MIGRATION.read_text(encoding="utf-8"))
    TextAnalyser.store(conn, 9, TextResult("old"), "old-version")
    TextAnalyser.store(conn, 9, result, TextAnalyser.version)
    rows = conn.execute("SELECT text, lines, flags, model FROM texts").fetchall()
    assert len(rows) == 1
    text, lines, flags, model = rows[0]
    assert "münchen" in text.lower() and model == TextAnalyser.version
    assert [x["text"] for x in json.loads(lines)] == [x.text for x in result.lines]
    assert all(len(x["box"]) == 4 and 0 < x["score"] <= 1 for x in json.loads(lines))
    assert json.loads(flags) == [{"kind": "id_document", "evidence": "the words 'reisepass'"}]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No network and no rapidocr download, whatever the code tries."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from rapidocr.utils.download_file import DownloadFile

    monkeypatch.setattr(DownloadFile, "run", classmethod(refuse))
    yield


def test_loads_and_reads_offline(offline: None, tmp_path: Path, photos_dir: Path) -> None:
    analyser = TextAnalyser(threads=1)
    result = _read(analyser, _photo(tmp_path, photos_dir, ["Paris, France"])[0])
    assert [_squash(x.text) for x in result.lines] == ["paris,france"]


def test_model_file_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(MODELS, "rec", (MODELS["rec"][0], "0" * 64))
    with pytest.raises(ModelFileError, match="sha256"):
        TextAnalyser().load()


def test_report_text_on_real_photos(ocr: TextAnalyser, photos_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Not a benchmark of accuracy: prints what OCR reads (run with -s), asserts only that no
    number-like flag is raised on ordinary photos."""
    truth = {r["SourceFile"].removeprefix("./"): r for r in json.loads((photos_dir / "exiftool.json").read_text())}
    files = sorted(p for folder in ("scenes", "exif") for p in (photos_dir / folder).rglob("*") if p.is_file())
    report, times = [], []
    for path in files:
        rel = str(path.relative_to(photos_dir))
        orientation = truth.get(rel, {}).get("EXIF:Orientation", 1)
        try:
            photo = decode(1, "h", str(path), orientation if isinstance(orientation, int) else 1, None)
        except DecodeError:
            continue
        start = time.perf_counter()
        result = ocr.analyse(photo, {})
        times.append(time.perf_counter() - start)
        if result.lines:
            report.append(f"{rel}: {' | '.join(x.text for x in result.lines)} {result.flags or ''}")
        assert not [f for f in result.flags if f["kind"] in ("payment_card", "iban", "mrz", "phone")], rel
    with capsys.disabled():
        print(f"\nOCR on {len(times)} real photos, {sum(times) / len(times) * 1000:.0f} ms each on average:")
        print("\n".join(report))


# --- the survey: a photo is read only where the detector, at low resolution, sees some text ---

READ_AT_FULL_RESOLUTION = [
    *(f"exif/ianare/orientation/{kind}_{n}.jpg" for kind in ("landscape", "portrait") for n in range(1, 9)),
    *("exif/broken/ianare_image00971.jpg", "exif/broken/ianare_image01088.jpg", "exif/exifr/issue-fast-exif-2.jpg"),
    *("exif/ianare/tiff/Arbitro.tiff", "exif/ianare/tiff/Jobagent.tiff", "exif/photoprism/IMG_4120.JPG"),
    *("exif/photoprism/altitude.jpg", "exif/photoprism/digikam.jpg", "exif/photoprism/notebook.jpg"),
    *("expressions/contempt/Natalie_Coughlin_0003.jpg", "expressions/neutral/Peter_Albertsen_0001.jpg"),
    *("expressions/sadness/Jayamadhuri_182.jpg", "faces/_groups/deepface_couple.jpg", "faces/deepface_p01/img1.jpg"),
    *("faces/deepface_p01/img2.jpg", "faces/deepface_p01/img6.jpg", "faces/deepface_p03/img50.jpg"),
    *("faces/deepface_p04/img58.jpg", "faces/deepface_p05/img17.jpg", "faces/deepface_p06/img67.jpg"),
]
"""The 36 test photos in which OCR with its detector at the whole analysis size (1280 px, no
survey) reads at least one line (``python -m bench.text_survey``)."""


def test_survey_lets_through_every_photo_full_resolution_ocr_reads(ocr: TextAnalyser, photos_dir: Path) -> None:
    truth = {r["SourceFile"].removeprefix("./"): r for r in json.loads((photos_dir / "exiftool.json").read_text())}
    skipped = []
    for rel in READ_AT_FULL_RESOLUTION:
        orientation = truth.get(rel, {}).get("EXIF:Orientation", 1)
        photo = decode(1, "h", str(photos_dir / rel), orientation if isinstance(orientation, int) else 1, None)
        if not ocr.survey(photo.pixels):
            skipped.append(rel)
    assert skipped == []


def test_survey_skips_a_photo_without_text_and_passes_drawn_text(
    ocr: TextAnalyser, tmp_path: Path, photos_dir: Path
) -> None:
    sky = np.zeros((960, 1280, 3), np.uint8)
    sky[:] = np.linspace(90, 200, 960, dtype=np.uint8)[:, None, None]  # a smooth gradient, no edges
    assert not ocr.survey(sky)
    assert ocr.analyse(Decoded(1, "h", sky, 1.0, 1280, 960), {}) == TextResult("")
    path, _ = _photo(tmp_path, photos_dir, ["Paris, France"], size=40)
    assert ocr.survey(decode(7, "hash", str(path), orientation=1, size=None).pixels)
    assert ocr.survey(sky[:24])  # a strip too thin to survey is read, not skipped
