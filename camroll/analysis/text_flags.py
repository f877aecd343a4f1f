"""Sensitive text in a photo: what the privacy exposure report warns about before a photo is shared.

Pure functions over the OCR lines of one photo, no model. Each finder looks for one kind of data
that should not leave the library by accident: e-mail addresses, phone numbers, payment card
numbers, IBANs, the machine-readable zone (MRZ) of a passport or ID card, and words printed on
identity documents. Every finder prefers a checksum or a strict shape to a loose pattern, because
a report that flags every price tag and date is ignored: card numbers must pass Luhn, IBANs
mod-97, MRZ data lines their ICAO 9303 check digits; phone numbers need an international prefix,
a national trunk "0", the North American 3-3-4 shape or a "Tel" label, and never overlap a date,
a time or a card number.

A flag is ``{"kind", "evidence"}``. The evidence says what was seen so a person can judge it, but
is masked: never a full number or address (a card shows its last 4 digits only).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Tunable numbers (to move to camroll/thresholds.py).
CARD_DIGITS = (13, 19)  # ISO/IEC 7812 primary account numbers are 13 to 19 digits long
PHONE_DIGITS = (8, 15)  # E.164: at most 15 digits with the country code; fewer is more often a sum or a score
NATIONAL_PHONE_DIGITS = (9, 12)  # with the trunk 0: "030 1234567" (10), "020 7946 0958" (11)
LABELLED_PHONE_DIGITS = (6, 15)  # after "Tel:", shorter local numbers are phones too
MRZ_LENGTH_SLACK = 2  # OCR drops or adds a '<' in long filler runs; lines this close still count
MRZ_DATA_LINE_MIN_VERIFIED = 3  # a data line read without its header line needs 3 of its 4-5 check digits

Flag = dict[str, str]

_SEP = r"[ \t]?[-.][ \t]?|[ \t]"  # one separator between digit groups (never a newline)
EMAIL = re.compile(r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]*)[ \t]?@[ \t]?((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})\b")
_NO_NUM_BEFORE = r"(?<!\d)(?<!\d[.,])"  # not the tail of a longer number or of a decimal
_NO_NUM_AFTER = r"(?!\d|[.,]\d)"
CARD = re.compile(_NO_NUM_BEFORE + r"(?:\d{1,7}(?:[ \t]?-[ \t]?\d{1,7}|[ \t]\d{1,7})+|\d{15,19})" + _NO_NUM_AFTER)
INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:\d|" + _SEP + r"|\(\d{1,4}\))*\d")
NANP_PHONE = re.compile(r"(?<![\d+])(?:1[ \t.-]?)?(?:\([2-9]\d\d\)[ \t]?|[2-9]\d\d[ \t.-]?)[2-9]\d\d[ \t.-]\d{4}(?!\d)")
NATIONAL_PHONE = re.compile(
    r"(?<![\w+.,])(?:\(0\d{1,5}\)[ \t]?|0\d{1,5}(?:[ \t]?/[ \t]?|[ \t-])?)\d{2,}(?:[ \t-]\d{2,})*(?![\d,])"
    r"|(?<![\w+.,])0[1-9](?:[ .]\d\d){4}(?![\d.,])"
)
LABELLED_PHONE = re.compile(
    r"(?i)\b(?:tel|t[eé]l[eé]phone|telefon|tel[eé]fono|phone|mobile?|mob|cell|handy|fax|tlf|gsm)"
    r"\.?[ \t]*[:.]?[ \t]*(\+?[\d(][\d \t().\-/]{4,}\d)"
)
DATE = re.compile(
    r"(?<![\d./-])(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2})(?!\d|[./-]\d)"
)
TIME = re.compile(r"(?<!\d)\d{1,2}[:h]\d{2}(?::\d{2})?(?!\d)")
IBAN = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{2}(?:[ \t]?[A-Z0-9]){11,32})")

# Registry lengths (SWIFT IBAN registry); a country not listed is checked by mod-97 alone.
IBAN_LENGTHS = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BI": 27,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DJ": 27,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FK": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HN": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "LY": 25,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MN": 20,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NI": 28,
    "NL": 18,
    "NO": 15,
    "OM": 23,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "RU": 33,
    "SA": 24,
    "SC": 31,
    "SD": 18,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "SO": 23,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
    "YE": 30,
}

# Printed on identity documents (compared without accents, case or extra spaces).
ID_WORDS = (
    "passport",
    "passeport",
    "reisepass",
    "pasaporte",
    "passaporto",
    "paspoort",
    "paszport",
    "passaporte",
    "identity card",
    "id card",
    "national identity",
    "carte d'identite",
    "carte nationale d'identite",
    "personalausweis",
    "identitatskarte",
    "documento nacional de identidad",
    "documento de identidad",
    "carta d'identita",
    "carta di identita",
    "identiteitskaart",
    "identiteitsbewijs",
    "dowod osobisty",
    "cartao de cidadao",
    "driving licence",
    "driving license",
    "driver's license",
    "drivers license",
    "driver license",
    "fuhrerschein",
    "permis de conduire",
    "permiso de conducir",
    "permiso de conduccion",
    "licencia de conducir",
    "patente di guida",
    "rijbewijs",
    "prawo jazdy",
    "residence permit",
    "aufenthaltstitel",
    "titre de sejour",
    "permesso di soggiorno",
    "social security",
)
_ID_WORD = re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in ID_WORDS) + r")\b")


def find_flags(lines: Iterable[str]) -> list[Flag]:
    """All sensitive-text flags in one photo's OCR lines, each kind and evidence once."""
    lines = [line.strip() for line in lines]
    text = "\n".join(lines)
    found: list[Flag] = []
    for flag in [*emails(text), *payment_cards(text), *ibans(text), *phones(text), *mrz(lines), *id_words(text)]:
        if flag not in found:
            found.append(flag)
    return found


def emails(text: str) -> list[Flag]:
    return [{"kind": "email", "evidence": f"{m[1][0]}***@{m[2].lower()}"} for m in EMAIL.finditer(text)]


# --- numbers with a checksum -----------------------------------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _card_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each card number: the longest run of whole digit groups (of 3 or
    more digits each: cards print 4-4-4-4, 4-6-5, 4-6-4) with 13-19 digits, an issuer digit 2-6
    (banking, travel and retail cards) and a valid Luhn check digit."""
    out: list[tuple[int, int, str]] = []
    for run in CARD.finditer(text):
        groups = [(run.start() + g.start(), run.start() + g.end(), g[0]) for g in re.finditer(r"\d+", run[0])]
        i = 0
        while i < len(groups):
            for j in range(len(groups) - 1, i - 1, -1):
                digits = "".join(g[2] for g in groups[i : j + 1])
                if (
                    CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1]
                    and digits[0] in "23456"
                    and all(len(g[2]) >= 3 for g in groups[i : j + 1])
                    and luhn_ok(digits)
                ):
                    out.append((groups[i][0], groups[j][1], digits))
                    i = j
                    break
            i += 1
    return out


def payment_cards(text: str) -> list[Flag]:
    return [{"kind": "payment_card", "evidence": f"card number ending {d[-4:]}"} for _s, _e, d in _card_spans(text)]


def iban_ok(iban: str) -> bool:
    if not iban.isalnum() or not iban.isascii():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, iban): the registry length for the country (or 15-34 characters where the
    country is not listed) and mod-97 == 1 (ISO 13616)."""
    out = []
    for m in IBAN.finditer(text):
        chars = [(m.start() + i, c) for i, c in enumerate(m[1]) if not c.isspace()]
        known = IBAN_LENGTHS.get(m[1][:2])
        for n in [known] if known else range(min(len(chars), 34), 14, -1):
            value = "".join(c for _i, c in chars[:n])
            if len(chars) >= n and iban_ok(value):
                out.append((m.start(), chars[n - 1][0] + 1, value))
                break
    return out


def ibans(text: str) -> list[Flag]:
    return [{"kind": "iban", "evidence": f"{v[:2]} IBAN ending {v[-4:]}"} for _s, _e, v in _iban_spans(text)]


# --- phone numbers ---------------------------------------------------------------------------


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        chars[s:e] = "#" * (e - s)
    return "".join(chars)


def phones(text: str) -> list[Flag]:
    """Phone numbers with an international prefix, a national trunk 0, the North American 3-3-4
    shape, or a phone label. Dates, times, card numbers and IBANs are blanked out first, so a
    phone pattern can neither match them nor run into them."""
    spans = [(m.start(), m.end()) for rx in (DATE, TIME) for m in rx.finditer(text)]
    spans += [(s, e) for s, e, _v in [*_card_spans(text), *_iban_spans(text)]]
    masked = _mask(text, spans)
    taken: list[tuple[int, int]] = []
    out: list[Flag] = []

    def add(start: int, end: int, raw: str, digits_range: tuple[int, int]) -> None:
        digits = re.sub(r"\D", "", raw)
        if not digits_range[0] <= len(digits) <= digits_range[1] or any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        first = re.split(r"[ \t.()/-]", raw.strip(), maxsplit=1)[0]
        intl = raw.lstrip().startswith(("+", "00"))
        prefix = (first if len(first) <= 4 else "+" + digits[:2]) if intl else ""
        out.append({"kind": "phone", "evidence": f"phone number {prefix}…{digits[-2:]}"})

    for m in LABELLED_PHONE.finditer(masked):
        raw = m[1].rstrip(" \t-./(")
        add(m.start(1), m.start(1) + len(raw), raw, LABELLED_PHONE_DIGITS)
    for rx, digits_range in (
        (INTL_PHONE, PHONE_DIGITS),
        (NANP_PHONE, (10, 11)),
        (NATIONAL_PHONE, NATIONAL_PHONE_DIGITS),
    ):
        for m in rx.finditer(masked):
            add(m.start(), m.end(), m[0], digits_range)
    return out


# --- ICAO 9303 machine-readable zones --------------------------------------------------------

MRZ_FORMATS = (("TD3", 44), ("TD2", 36), ("TD1", 30))  # characters per line: passports, visas/IDs, ID cards
_MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")
_HEADER = re.compile(r"^[PIACV][A-Z<][A-Z<]{3}")  # document code, type, issuing state
_TO_DIGIT = str.maketrans("OQDIZSBG", "00012586")  # OCR's letters for digits, in numeric fields only
_TO_LETTER = str.maketrans("0125846", "OIZSBAG")  # and digits for letters, in the issuing state


def check_digit(field: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 over digits, letters A=10..Z=35 and '<'=0."""
    total = 0
    for i, c in enumerate(field):
        v = 0 if c == "<" else int(c) if c.isdigit() else ord(c) - 55
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def _normalise_mrz(line: str) -> str:
    s = re.sub(r"\s", "", line.upper()).replace("«", "<<").replace("‹", "<").replace("≤", "<")
    return s if _MRZ_CHARS.match(s) else ""


def _num(s: str) -> str:
    return s.translate(_TO_DIGIT)


def _verify(fields: list[tuple[str, str]]) -> tuple[int, int]:
    """(verified, checked) over (field, check digit) pairs."""
    return sum(check_digit(value) == _num(digit) for value, digit in fields), len(fields)


def _data_line(l2: str, n: int) -> tuple[int, int]:
    """Check digits of a TD3 (44) or TD2 (36) data line: document number, birth date, expiry,
    TD3's personal number where present, and the composite."""
    fields = [(l2[0:9], l2[9]), (_num(l2[13:19]), l2[19]), (_num(l2[21:27]), l2[27])]
    if n == 44 and (l2[42] != "<" or l2[28:42].strip("<")):
        fields.append((l2[28:42], l2[42]))
    fields.append((l2[0:10] + _num(l2[13:20]) + _num(l2[21:28]) + l2[28 : n - 1], l2[n - 1]))
    return _verify(fields)


def _td1(l1: str, l2: str) -> tuple[int, int]:
    return _verify(
        [
            (l1[5:14], l1[14]),
            (_num(l2[0:6]), l2[6]),
            (_num(l2[8:14]), l2[14]),
            (l1[5:30] + _num(l2[0:7]) + _num(l2[8:15]) + l2[18:29], l2[29]),
        ]
    )


def mrz(lines: list[str]) -> list[Flag]:
    """Passport, ID card and visa machine-readable zones (ICAO 9303 TD1, TD2, TD3).

        A header line (document code, issuing state, '<<' fillers, the right length give or take
        MRZ_LENGTH_SLACK) is an MRZ; its data line's check digits are verified where OCR read it at
        exactly the right length. A data line alone counts only if MRZ_DATA_LINE_MIN_VERIFIED of its
    check digits verify (a random line passes one in ten)."""
    norm = [_normalise_mrz(x) for x in lines]
    out: list[Flag] = []
    skip: set[int] = set()  # lines already read as part of an MRZ
    for i, line in enumerate(norm):
        nxt = norm[i + 1] if i + 1 < len(norm) else ""
        if i in skip or not line:
            continue
        head = line[:2] + line[2:5].translate(_TO_LETTER) + line[5:]  # the issuing state is letters
        for fmt, n in MRZ_FORMATS:
            if _HEADER.match(head) and "<<" in head and abs(len(head) - n) <= MRZ_LENGTH_SLACK:
                doc = {"P": "passport", "V": "visa"}.get(head[0], "identity document")
                issuer = head[2:5].replace("<", "") or "?"
                if fmt == "TD1":
                    verified, checked = _td1(line, nxt) if len(line) == len(nxt) == n else (0, 0)
                else:
                    verified, checked = _data_line(nxt, n) if len(nxt) == n else (0, 0)
                detail = f"{verified}/{checked} check digits valid" if checked else "data line not read"
                out.append({"kind": "mrz", "evidence": f"{fmt} {doc} MRZ, issuer {issuer}, {detail}"})
                skip.update((i + 1, i + 2) if fmt == "TD1" else (i + 1,))  # TD1 has a third (names) line
                break
            if len(line) == n and fmt != "TD1":
                verified, checked = _data_line(line, n)
                if verified >= MRZ_DATA_LINE_MIN_VERIFIED:
                    out.append(
                        {"kind": "mrz", "evidence": f"{fmt} MRZ data line, {verified}/{checked} check digits valid"}
                    )
                    break
    return out


# --- words printed on identity documents -----------------------------------------------------


def _fold(text: str) -> str:
    s = unicodedata.normalize("NFKD", text.replace("’", "'").replace("`", "'"))
    return re.sub(r"\s+", " ", "".join(c for c in s if not unicodedata.combining(c))).lower()


def id_words(text: str) -> list[Flag]:
    seen = dict.fromkeys(m[0] for m in _ID_WORD.finditer(_fold(text)))
    return [{"kind": "id_document", "evidence": f"the words '{w}'"} for w in seen]
