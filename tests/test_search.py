"""Search: dates in words, reading a query, ranking with reasons, consent, speed, and accuracy on real photos.

Unit tests build their libraries in code (rows inserted straight into the catalog tables, as the
capabilities would have written them). The end-to-end tests use the analysed real photos: each
scene label is searched by a synonym written here *before* any result was seen, and every city
of the photos with GPS is searched by its name. ``pytest tests/test_search.py -s`` prints the
figures docs/search.md reports.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli
from test_no_network import RUN_CLI

from camroll.config import AppContext, Config
from camroll.privacy import consent
from camroll.search import dates, synonyms
from camroll.search.engine import build_lexicon, search
from camroll.search.query import Camera, Lexicon, Person, parse
from tests.conftest import copy_home

TODAY = date(2026, 11, 26)  # a Thursday


# --- dates -------------------------------------------------------------------------------------


def _one(text: str, today: date = TODAY) -> tuple[str, str, bool]:
    (found,) = dates.parse_dates(text, today)
    return found.first, found.last, found.every_year


def test_dates_in_words() -> None:
    assert _one("2023") == ("2023-01-01", "2023-12-31", False)
    assert _one("June 2023") == _one("2023-06") == ("2023-06-01", "2023-06-30", False)
    assert _one("2024-02") == ("2024-02-01", "2024-02-29", False)
    assert _one("2023-06-15") == ("2023-06-15", "2023-06-15", False)
    assert _one("yesterday") == ("2026-11-25", "2026-11-25", False)
    assert _one("today") == ("2026-11-26", "2026-11-26", False)
    assert _one("last week") == ("2026-11-16", "2026-11-22", False)
    assert _one("last month") == ("2026-10-01", "2026-10-31", False)
    assert _one("last year") == ("2025-01-01", "2025-12-31", False)
    assert _one("christmas 2023") == ("2023-12-24", "2023-12-26", False)
    assert _one("winter 2023") == ("2023-12-01", "2024-02-29", False)
    assert _one("2019-2021") == _one("2019 to 2021") == ("2019-01-01", "2021-12-31", False)
    assert _one("3 days ago") == ("2026-11-23", "2026-11-23", False)
    assert _one("1990s") == ("1990-01-01", "1999-12-31", False)


def test_last_summer_is_the_latest_summer_that_is_over() -> None:
    assert _one("last summer") == ("2026-06-01", "2026-08-31", False)  # in November: this year's
    assert _one("last summer", date(2026, 7, 10)) == ("2025-06-01", "2025-08-31", False)  # in July: a year ago
    assert _one("this summer", date(2026, 7, 10)) == ("2026-06-01", "2026-08-31", False)
    assert _one("last winter", date(2026, 1, 10)) == ("2024-12-01", "2025-02-28", False)  # this one is not over
    assert _one("last christmas") == ("2025-12-24", "2025-12-26", False)
    assert _one("last christmas", date(2026, 12, 30)) == ("2026-12-24", "2026-12-26", False)


def test_words_without_a_year_mean_every_year() -> None:
    assert _one("christmas") == ("12-24", "12-26", True)
    assert _one("june") == ("06-01", "06-30", True)
    winter = dates.parse_dates("winter", TODAY)[0]
    assert dates.contains(winter, "2019-12-31T23:00:00") and dates.contains(winter, "2020-01-15T10:00:00")
    assert not dates.contains(winter, "2020-03-01T10:00:00")
    assert dates.parse_dates("may", TODAY) == [], "'may' alone is a verb far more often than a month"


def test_sql_and_python_date_checks_agree(ctx: AppContext) -> None:
    days = [
        "2019-12-31T23:59:59",
        "2020-01-01T00:00:00",
        "2020-06-30T12:00:00",
        "2020-07-01T00:00:00",
        "2023-12-25T08:00:00",
        "2024-02-29T10:00:00",
    ]
    ranges = [
        r
        for text in ("2020", "june 2020", "christmas", "winter", "june", "winter 2023")
        for r in dates.parse_dates(text, TODAY)
    ]
    for dr in ranges:
        sql, params = dates.sql_condition(dr, "t")
        values = ",".join(["(?)"] * len(days))
        in_sql = {
            r[0]
            for r in ctx.db.query(
                f"SELECT t FROM (SELECT column1 AS t FROM (VALUES {values})) WHERE {sql}", [*days, *params]
            )
        }
        assert in_sql == {d for d in days if dates.contains(dr, d)}, dr


# --- reading a query ---------------------------------------------------------------------------


def _lexicon() -> Lexicon:
    lex = Lexicon()
    for tag in ("dog", "beach", "cake", "hot dog", "camera", "horse"):
        lex.add_tag(tag)
    lex.add_person(Person(1, "Ana Silva", "1990-05-17"))
    lex.add_person(Person(2, "June"))
    lex.add_place("city", "Lisbon")
    lex.add_place("country", "Portugal")
    lex.add_place("city", "Frankfurt am Main")
    tags = frozenset({"dog", "beach", "cake", "camera", "horse"})
    lex.add_camera(Camera("Apple", "iPhone 7", "Apple iPhone 7"), tags)
    lex.add_camera(Camera("Canon", "Canon EOS 6D", "Canon EOS 6D"), tags)
    lex.add_camera(Camera("KODAK", "KODAK DIGITAL CAMERA", "KODAK DIGITAL CAMERA"), tags)
    return lex


def test_a_query_is_read_as_people_places_dates_and_tags() -> None:
    q = parse("Ana at the beach last summer", _lexicon(), TODAY)
    assert [[p.name for p in alts] for alts in q.people] == [["Ana Silva"]]
    assert [(d.label, d.first, d.last) for d in q.dates] == [("last summer", "2026-06-01", "2026-08-31")]
    assert [t.tags for t in q.terms] == [{"beach": 1.0}]
    assert q.free_words == [] and set(q.ignored) == {"at", "the"}

    q = parse("Lisbon 2023", _lexicon(), TODAY)
    assert [p.value for alts in q.places for p in alts] == ["Lisbon"] and q.dates[0].label == "2023" and not q.terms

    q = parse("frankfurt, portugal", _lexicon(), TODAY)
    assert [[p.value for p in alts] for alts in q.places] == [["Frankfurt am Main"], ["Portugal"]]


def test_longest_phrase_wins_and_ties_go_to_people() -> None:
    lex = _lexicon()
    assert parse("June", lex, TODAY).people and not parse("June", lex, TODAY).dates
    q = parse("june 2023", lex, TODAY)
    assert not q.people and q.dates[0].first == "2023-06-01"
    assert [t.tags for t in parse("hot dog", lex, TODAY).terms] == [{"hot dog": 1.0}]
    assert [t.tags for t in parse("dogs and horses", lex, TODAY).terms] == [{"dog": 1.0}, {"horse": 1.0}]
    assert [p.name for alts in parse("ana's birthday", lex, TODAY).people for p in alts] == ["Ana Silva"]


def test_cameras_by_telling_words_only() -> None:
    lex = _lexicon()
    assert [c.name for alts in parse("iphone", lex, TODAY).cameras for c in alts] == ["Apple iPhone 7"]
    assert [c.name for alts in parse("canon eos 6d", lex, TODAY).cameras for c in alts] == ["Canon EOS 6D"]
    assert not parse("apple", lex, TODAY).cameras, "an apple is a fruit first"
    q = parse("camera", lex, TODAY)
    assert not q.cameras and q.terms[0].tags == {"camera": 1.0}, "a tag word is not a camera's name"
    assert parse("kodak", lex, TODAY).cameras


def test_free_words_and_sensitive_text() -> None:
    q = parse('passport "happy birthday" seaside', _lexicon(), TODAY)
    kinds = {t.word: t for t in q.terms}
    assert set(kinds["passport"].flags) == {"mrz", "id_document"}
    assert kinds["happy birthday"].text == ["happy birthday"] and not kinds["happy birthday"].free
    assert q.free_words == ["seaside"]
    assert parse("smiling", _lexicon(), TODAY).terms[0].smiling
    assert parse("credit card", _lexicon(), TODAY).terms[0].flags == ("payment_card",)


# --- the engine on a library built in code ----------------------------------------------------


def add_photos(ctx: AppContext, photos: list[dict[str, Any]]) -> list[int]:
    """Insert photos as scan and analysis would have: a file each, and the given derived rows.

    Keys: taken (local ISO time), make, model, city/country, tags {tag: score}, text, flags [kinds],
    people [(person_id, name)], smiling, expression (each face's label), title, gps (lat, lon),
    offset (minutes), lens, size (width, height), face (width, height of each face, pixels)."""
    db, now = ctx.db, "2026-11-26T00:00:00+00:00"
    ids = []
    with db.transaction() as conn:
        root = conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES ('/p', ?, ?)", (os.urandom(8), now)
        ).lastrowid
        for n, ph in enumerate(photos):
            lat, lon = ph.get("gps", (None, None))
            width, height = ph.get("size", (None, None))
            cur = conn.execute(
                "INSERT INTO photos (hash, format, kind, size, taken_local, make, model, title, metadata_version,"
                " created_at, gps_lat, gps_lon, offset_minutes, lens, width, height)"
                " VALUES (?, 'jpeg', 'photo', 1, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                (
                    os.urandom(16).hex(),
                    ph.get("taken"),
                    ph.get("make"),
                    ph.get("model"),
                    ph.get("title"),
                    now,
                    lat,
                    lon,
                    ph.get("offset"),
                    ph.get("lens"),
                    width,
                    height,
                ),
            )
            pid = int(cur.lastrowid or 0)
            ids.append(pid)
            path = ph.get("path", f"/p/{root}-{n}.jpg")
            conn.execute(
                "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen,"
                " scanned_at) VALUES (?, ?, ?, 1, 0, ?, ?, ?, ?)",
                (root, path.encode(), path, pid, ph.get("state", "ok"), now, now),
            )
            if "city" in ph or "country" in ph:
                conn.execute(
                    "INSERT INTO photo_places (photo_id, city, country, source, updated_at) VALUES (?, ?, ?, 'auto', ?)",
                    (pid, ph.get("city"), ph.get("country"), now),
                )
            conn.executemany(
                "INSERT INTO tags (photo_id, tag, score, evidence, model) VALUES (?, ?, ?, '', 't')",
                [(pid, t, s) for t, s in ph.get("tags", {}).items()],
            )
            if "text" in ph or "flags" in ph:
                flags = json.dumps([{"kind": k, "evidence": "x"} for k in ph.get("flags", [])])
                conn.execute(
                    "INSERT INTO texts (photo_id, text, lines, flags, model) VALUES (?, ?, '[]', ?, 't')",
                    (pid, ph.get("text", ""), flags),
                )
            for person_id, name, *birthday in ph.get("people", []):
                conn.execute(
                    "INSERT OR IGNORE INTO people (id, name, birthday, created_at) VALUES (?, ?, ?, ?)",
                    (person_id, name, birthday[0] if birthday else None, now),
                )
                face_w, face_h = ph.get("face", (1, 1))
                face = conn.execute(
                    "INSERT INTO faces (photo_id, x, y, w, h, score, landmarks, model, person_id)"
                    " VALUES (?, 0, 0, ?, ?, 1, '[]', 't', ?)",
                    (pid, face_w, face_h, person_id),
                ).lastrowid
                if ph.get("smiling") or ph.get("expression"):
                    conn.execute(
                        "INSERT INTO expressions (face_id, photo_id, label, score, smiling, scores, model)"
                        " VALUES (?, ?, ?, 0.9, ?, '{}', 't')",
                        (face, pid, ph.get("expression", "happy"), int(bool(ph.get("smiling")))),
                    )
    return ids


ANA = (1, "Ana", "1990-05-17")
BEN = (2, "Ben")


@pytest.fixture
def small(ctx: AppContext) -> list[int]:
    return add_photos(
        ctx,
        [
            {
                "taken": "2026-07-14T15:00:00",
                "city": "Lisbon",
                "country": "Portugal",
                "tags": {"beach": 0.9, "sea": 0.6},
                "people": [ANA],
                "make": "Apple",
                "model": "iPhone 7",
                "smiling": True,
            },  # 0
            {
                "taken": "2026-07-15T10:00:00",
                "city": "Lisbon",
                "country": "Portugal",
                "tags": {"beach": 0.5},
                "people": [BEN],
            },  # 1
            {"taken": "2025-07-14T15:00:00", "tags": {"beach": 0.95}, "people": [ANA]},  # 2
            {
                "taken": "2023-05-17T18:00:00",
                "city": "Porto",
                "country": "Portugal",
                "people": [ANA],
                "text": "HAPPY BIRTHDAY ANA",
                "tags": {"dessert": 0.4},
            },  # 3
            {
                "taken": "2023-03-02T09:00:00",
                "text": "P<PRTSILVA<<ANA",
                "flags": ["mrz"],
                "tags": {"document": 0.7},
            },  # 4
            {
                "taken": "2023-08-01T09:00:00",
                "city": "Lisbon",
                "country": "Portugal",
                "tags": {"dog": 0.8},
                "make": "Canon",
                "model": "Canon EOS 6D",
                "title": "Rex at the park",
            },  # 5
            {
                "taken": "2023-08-02T09:00:00",
                "city": "Lisbon",
                "country": "Portugal",
                "tags": {"dog": 0.9},
                "state": "missing",
            },  # 6: file gone
        ],
    )


def _ids(result: Any, small: list[int]) -> list[int]:
    return [small.index(h.photo_id) for h in result.hits]


def test_filters_and_terms_together_with_reasons(ctx: AppContext, small: list[int]) -> None:
    result = search(ctx, "Ana at the beach last summer", today=TODAY)
    assert _ids(result, small) == [0]
    assert result.hits[0].why == ["Ana in it (face)", "taken 2026-07-14 (last summer)", "tag beach (0.90)"]
    assert result.understood.people == ["Ana"] and result.understood.tags == ["beach"]
    assert _ids(search(ctx, "ana beach", today=TODAY), small) == [2, 0], "ranked by the tag's score"
    assert _ids(search(ctx, "beach", today=TODAY), small) == [2, 0, 1]


def test_filters_only_list_newest_first_and_skip_missing_files(ctx: AppContext, small: list[int]) -> None:
    assert _ids(search(ctx, "Lisbon 2023", today=TODAY), small) == [5]
    assert _ids(search(ctx, "Lisbon", today=TODAY), small) == [1, 0, 5]
    assert _ids(search(ctx, "portugal", today=TODAY), small) == [1, 0, 5, 3]
    hit = search(ctx, "iphone", today=TODAY).hits[0]
    assert hit.why == ["taken with Apple iPhone 7"] and hit.place == "Lisbon, Portugal" and hit.path.endswith(".jpg")
    assert search(ctx, "dog", today=TODAY).total == 1, "photo 6 has no readable file left"


def test_text_passport_smiles_and_birthdays(ctx: AppContext, small: list[int]) -> None:
    passport = search(ctx, "passport", today=TODAY)
    assert _ids(passport, small) == [4] and "machine-readable zone" in passport.hits[0].why[0]
    assert _ids(search(ctx, "smiling", today=TODAY), small) == [0]
    birthday = search(ctx, "ana birthday", today=TODAY)
    assert _ids(birthday, small) == [3]
    assert "taken on Ana's birthday (05-17)" in birthday.hits[0].why
    assert _ids(search(ctx, '"happy birthday"', today=TODAY), small) == [3]
    assert "title, caption or keywords: 'Rex at the park'" in search(ctx, '"park"', today=TODAY).hits[0].why[0]


def test_search_reads_only_what_consent_left(library_copy: Path) -> None:
    ctx = AppContext(Config(home=library_copy))
    city = ctx.db.scalar("SELECT city FROM photo_places WHERE city IS NOT NULL ORDER BY photo_id LIMIT 1")
    assert search(ctx, city).hits and search(ctx, "dog").hits
    consent.revoke(ctx, "places")
    consent.revoke(ctx, "tags")
    lexicon = build_lexicon(ctx)
    assert not lexicon.places and (city.lower(),) not in lexicon.places
    assert not search(ctx, "dog").hits, "the tags are gone with their consent, so is finding by them"
    ctx.close()


# --- forgiving search (issue 15) -----------------------------------------------------------------


def test_misspelt_tags_places_and_names_are_read_as_the_library_words(ctx: AppContext, small: list[int]) -> None:
    beach = search(ctx, "beahc", today=TODAY)
    assert _ids(beach, small) == [2, 0, 1], "the same photos as 'beach'"
    assert beach.understood.did_you_mean == "beach" and beach.understood.tags == ["beach"]
    assert beach.understood.corrections == [{"word": "beahc", "to": "beach", "kind": "tag", "similarity": 0.8}]
    lisbon = search(ctx, "Lisbn 2023", today=TODAY)
    assert _ids(lisbon, small) == [5] and lisbon.understood.did_you_mean == "lisbon 2023"
    assert lisbon.understood.places == ["Lisbon"]
    name = search(ctx, "Anna beach", today=TODAY)
    assert name.understood.people == ["Ana"] and name.understood.text == ["beach"], "the name is not asked as text"
    assert _ids(name, small) == [2, 0]


def test_a_name_said_with_a_typo_is_not_also_asked_as_text(ctx: AppContext) -> None:
    ids = add_photos(ctx, [{"people": [(3, "Arnold Schwarzenegger")]}, {"text": "Schwarzeneger"}])
    result = search(ctx, "arnold schwarzeneger")
    assert result.understood.people == ["Arnold Schwarzenegger"] and not result.understood.text, (
        "a word in a photo, yet the name"
    )
    assert [h.photo_id for h in result.hits] == [ids[0]]
    result = search(ctx, "arnold schwarzenegerr")  # read in no photo: corrected to the name
    assert [h.photo_id for h in result.hits] == [ids[0]] and not result.understood.synonyms


def test_real_words_and_exact_words_are_not_corrected(ctx: AppContext, small: list[int]) -> None:
    exact = search(ctx, "beach", today=TODAY)
    assert exact.understood.did_you_mean is None and not exact.understood.corrections
    assert search(ctx, '"beahc"', today=TODAY).understood.did_you_mean is None, "quoted words are as written"
    assert search(ctx, "peach", today=TODAY).understood.did_you_mean is None, "an English word is not a typo"
    assert search(ctx, "zzzzqqq", today=TODAY).understood.did_you_mean is None, "nothing close: no guess"
    assert search(ctx, "Rex", today=TODAY).understood.did_you_mean is None, "short words are never corrected"


def test_a_word_read_in_a_photo_can_be_the_correction(ctx: AppContext, small: list[int]) -> None:
    result = search(ctx, "birthdya", today=TODAY)
    assert result.understood.did_you_mean == "birthday" and _ids(result, small) == [3]


def test_expressions_are_searchable_by_their_words(ctx: AppContext) -> None:
    ids = add_photos(
        ctx,
        [
            {"taken": "2024-01-01T10:00:00", "people": [ANA], "expression": "sad"},
            {"taken": "2024-01-02T10:00:00", "people": [BEN], "expression": "surprised"},
            {"taken": "2024-01-03T10:00:00", "people": [ANA], "expression": "happy", "smiling": True},
            {"taken": "2024-01-04T10:00:00", "people": [BEN]},  # no clear expression stored
        ],
    )
    assert [h.photo_id for h in search(ctx, "sad").hits] == [ids[0]]
    assert [h.photo_id for h in search(ctx, "unhappy").hits] == [ids[0]]
    surprised = search(ctx, "surprised ben")
    assert [h.photo_id for h in surprised.hits] == [ids[1]] and surprised.hits[0].why[-1] == "a surprised face (0.90)"
    assert [h.photo_id for h in search(ctx, "laughing").hits] == [ids[2]]
    assert not search(ctx, "angry").hits and search(ctx, "scared").understood.expressions == ["fearful"]


def test_last_christmas_is_the_latest_christmas_with_photos(ctx: AppContext) -> None:
    ids = add_photos(
        ctx,
        [
            {"taken": "2023-12-25T10:00:00", "people": [ANA]},
            {"taken": "2022-12-24T10:00:00", "people": [BEN]},
            {"taken": "2024-07-01T10:00:00"},
        ],
    )
    result = search(ctx, "last christmas", today=TODAY)
    assert [h.photo_id for h in result.hits] == [ids[0]]
    assert result.understood.notes == [
        "No photos from last christmas (2025-12-24 to 2025-12-26); showing christmas 2023, the most recent with photos."
    ]
    assert [h.photo_id for h in search(ctx, "ben last christmas", today=TODAY).hits] == [ids[1]], "with Ben in it"
    summer = search(ctx, "last summer", today=TODAY)
    assert [h.photo_id for h in summer.hits] == [ids[2]] and "summer 2024" in summer.understood.notes[0]
    assert not search(ctx, "christmas 2025", today=TODAY).hits, "a year said is kept"


def test_last_birthday_is_the_latest_one_with_photos(ctx: AppContext) -> None:
    ids = add_photos(
        ctx,
        [
            {"taken": "2024-05-17T10:00:00", "people": [ANA]},
            {"taken": "2022-05-17T10:00:00", "people": [ANA]},
            {"taken": "2024-06-01T10:00:00", "people": [ANA]},
        ],
    )
    assert [h.photo_id for h in search(ctx, "ana's last birthday", today=TODAY).hits] == [ids[0]]
    assert {h.photo_id for h in search(ctx, "ana birthday", today=TODAY).hits} == {ids[0], ids[1]}


def test_everyday_words_map_to_the_tags_that_show_them(ctx: AppContext) -> None:
    from camroll.search.everyday import EVERYDAY_TAGS

    ids = add_photos(ctx, [{"tags": {"parachute": 0.8}}, {"tags": {"kite": 0.9}}, {"tags": {"alp": 0.7}}])
    kite = search(ctx, "kite")
    assert [h.photo_id for h in kite.hits] == [ids[0]], "a person's kite, not ImageNet's bird"
    assert "a kite flying is classified as a parachute" in kite.hits[0].why[0]
    assert [h.photo_id for h in search(ctx, "hike").hits] == [ids[2]]
    vocabulary = set(synonyms.vocabulary())
    assert {t for tags, _why in EVERYDAY_TAGS.values() for t in tags} <= vocabulary, "only tags the classifier gives"


def test_sunset_sunrise_and_night_from_time_and_place(ctx: AppContext) -> None:
    lisbon = (38.72, -9.14)  # 21 June 2023: sunrise 06:12, sunset 21:05 local (UTC+1)
    ids = add_photos(
        ctx,
        [
            {"taken": "2023-06-21T21:00:00", "gps": lisbon, "offset": 60},
            {"taken": "2023-06-21T06:20:00", "gps": lisbon, "offset": 60},
            {"taken": "2023-06-21T14:00:00", "gps": lisbon, "offset": 60},
            {"taken": "2023-06-21T23:30:00", "gps": lisbon, "offset": 60},
            {"taken": "2023-06-21T23:00:00"},  # no GPS: night by the clock only
            {"taken": "2023-06-21T21:00:00", "gps": lisbon},  # no UTC offset: the sun cannot be placed
        ],
    )
    sunset = search(ctx, "sunset")
    assert [h.photo_id for h in sunset.hits] == [ids[0]] and "setting in the west" in sunset.hits[0].why[0]
    assert [h.photo_id for h in search(ctx, "sunrise").hits] == [ids[1]]
    assert [h.photo_id for h in search(ctx, "night").hits] == [ids[3], ids[4]], (
        "the sun's word first, the clock's after"
    )


def test_selfie_is_a_large_face_from_a_front_camera(ctx: AppContext) -> None:
    front, back = "iPhone 12 front camera 2.71mm f/2.2", "iPhone 12 back camera 4.2mm f/1.6"
    ids = add_photos(
        ctx,
        [
            {"lens": front, "size": (3024, 4032), "face": (1200, 1500), "people": [ANA]},
            {"lens": front, "size": (3024, 4032), "face": (200, 250), "people": [BEN]},
            {"lens": back, "size": (3024, 4032), "face": (1200, 1500), "people": [ANA]},
        ],
    )
    selfie = search(ctx, "selfie")
    assert [h.photo_id for h in selfie.hits] == [ids[0]] and "front camera" in selfie.hits[0].why[0]


# --- speed ---------------------------------------------------------------------------------------


def synthetic_library(ctx: AppContext, n: int = 10_000) -> None:
    """A library of ``n`` photos over 10 years, 40 cities, 8 cameras, 30 people, 3 tags each, text on 1 in 10."""
    words = [
        "dog",
        "cat",
        "beach",
        "sea",
        "car",
        "food",
        "pizza",
        "mountain",
        "building",
        "flower",
        "bird",
        "church",
        "boat",
        "bicycle",
        "book",
        "phone",
        "computer",
        "drink",
        "coffee",
        "snow",
    ]
    cities = [(f"Town{i}", ["Portugal", "Spain", "France", "Germany"][i % 4]) for i in range(40)]
    cameras = [
        ("Apple", "iPhone 7"),
        ("Apple", "iPhone SE"),
        ("Canon", "Canon EOS 6D"),
        ("NIKON", "NIKON D800E"),
        ("samsung", "SM-G930F"),
        ("SONY", "ILCE-7M3"),
        ("Google", "Pixel 6"),
        ("FUJIFILM", "X-T3"),
    ]
    people = [(i + 1, f"Person{i}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}") for i in range(30)]
    rng, photos = random.Random(6), []
    for i in range(n):
        ph: dict[str, Any] = {
            "taken": f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00",
            "tags": {w: round(rng.uniform(0.2, 1.0), 3) for w in rng.sample(words, 3)},
            "make": (cam := rng.choice(cameras))[0],
            "model": cam[1],
        }
        if rng.random() < 0.6:
            ph["city"], ph["country"] = rng.choice(cities)
        if rng.random() < 0.1:
            ph["text"] = f"receipt number {i} total {i % 97} euro cafe"
        if rng.random() < 0.4:
            ph["people"] = rng.sample(people, rng.randint(1, 3))
            ph["smiling"] = rng.random() < 0.5
        photos.append(ph)
    add_photos(ctx, photos)


QUERIES = [
    "dog",
    "Person3 at the beach last summer",
    "Town7 2019",
    "Portugal 2021",
    "iphone",
    "canon eos 6d",
    "dogs and cats",
    "receipt",
    "smiling Person5",
    "christmas",
    "june 2018",
    "beach sea",
    "pizza food",
    "Person1 Person2",
    "2016",
    "coffee in Spain",
]
FREE_QUERIES = [
    "puppy",
    "seaside",
    "kitten 2019",
    "automobile in Spain",
    "Person4 beverage",
    "blossom",
    "receipt",
    "ocean last summer",
]


def time_queries(ctx: AppContext, queries: list[str], rounds: int) -> dict[str, float]:
    """Median and 95th percentile of ``search`` over the queries, in milliseconds: wall-clock time,
    and this process's CPU time (what the search itself costs on a machine busy with other work)."""
    search(ctx, queries[0])  # the lexicon's word tables are read once per process
    wall, cpu = [], []
    for _ in range(rounds):
        for q in queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            search(ctx, q, limit=50, today=TODAY)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)

    def p95(xs: list[float]) -> float:
        return round(sorted(xs)[max(0, int(0.95 * len(xs)) - 1)], 1)

    return {
        "n": len(wall),
        "median_ms": round(statistics.median(wall), 1),
        "p95_ms": p95(wall),
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": p95(cpu),
    }


def test_a_search_on_ten_thousand_photos_is_quick(tmp_path: Path) -> None:
    ctx = AppContext(Config(home=tmp_path / "big"))
    synthetic_library(ctx)
    result = search(ctx, "Person3 at the beach in 2019", today=TODAY)
    assert result.hits and all("Person3 in it (face)" in h.why and h.taken_at.startswith("2019") for h in result.hits)
    timing = time_queries(ctx, QUERIES, rounds=4)
    print("synthetic 10,000 photos, known words only:", timing)
    assert timing["p95_ms"] < 1500, "the target is 300 ms; this bound only catches a lost index on a busy machine"
    synonyms.nearest_tags(ctx, ["warm-up"])  # loads the model and the vocabulary once
    timing = time_queries(ctx, FREE_QUERIES, rounds=2)
    print("synthetic 10,000 photos, one free word each (one model call):", timing)
    ctx.close()


# --- the real photos ------------------------------------------------------------------------------

SCENE_SYNONYMS = {
    "beach": "seaside",
    "building": "architecture",
    "cat": "kitten",
    "clock": "timepiece",
    "dog": "puppy",
    "eagle": "raptor",
    "elephant": "pachyderm",
    "ferriswheel": "fairground",
    "giraffe": "safari",
    "horses": "pony",
    "jellyfish": "medusa",
    "lime": "citrus",
    "peacock": "peafowl",
    "turtle": "tortoise",
}
"""One word per scene label that is not the label, written before any search was run."""


@pytest.fixture(scope="module")
def search_home(analysed_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """A copy of the analysed library that search may write its vocabulary cache into."""
    home = tmp_path_factory.mktemp("search") / "home"
    copy_home(analysed_library, home)
    ctx = AppContext(Config(home=home))
    yield ctx
    ctx.close()


def _scene_labels(photos_dir: Path) -> dict[str, set[str]]:
    with open(photos_dir / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    out: dict[str, set[str]] = {}
    for r in rows:
        if r["scene"]:
            out.setdefault(r["scene"], set()).add(str((photos_dir / r["relative_path"]).resolve()))
    return out


LABEL_WORDS = {label: {"ferriswheel": "ferris wheel"}.get(label, label) for label in SCENE_SYNONYMS}
"""The labels themselves, for scale: what the tags allow at best."""


def measure_synonyms(ctx: AppContext, photos_dir: Path, queries: dict[str, str]) -> dict[str, Any]:
    labels = _scene_labels(photos_dir)
    per_label, found, relevant_shown, shown = {}, 0, 0, 0
    for label, word in queries.items():
        result = search(ctx, word, limit=10)
        top = [str(Path(h.path).resolve()) for h in result.hits]
        right = [p for p in top if p in labels[label]]
        per_label[label] = {
            "query": word,
            "found": len(right),
            "of": len(labels[label]),
            "returned": len(top),
            "mapped_to": [s["tag"] for s in result.understood.synonyms.get(word, [])],
        }
        found += bool(right)
        relevant_shown += len(right)
        shown += len(top)
    return {
        "labels": len(queries),
        "hit_rate_at_10": round(found / len(queries), 3),
        "precision_of_returned": round(relevant_shown / shown, 3) if shown else None,
        "recall_at_10": round(relevant_shown / sum(len(v) for v in labels.values()), 3),
        "per_label": per_label,
    }


def test_scene_photos_are_found_by_synonyms_of_their_labels(search_home: AppContext, photos_dir: Path) -> None:
    assert set(SCENE_SYNONYMS) == set(_scene_labels(photos_dir)), "one synonym for every scene label"
    result = measure_synonyms(search_home, photos_dir, SCENE_SYNONYMS)
    print(json.dumps(result, indent=1))
    itself = measure_synonyms(search_home, photos_dir, LABEL_WORDS)
    print(
        "the label words themselves:",
        {k: v for k, v in itself.items() if k != "per_label"},
        {k: v["found"] for k, v in itself["per_label"].items()},
    )
    per = result["per_label"]
    assert per["dog"]["found"] >= 1 and per["beach"]["found"] >= 1, "the issue's own examples: puppy, seaside"
    assert result["hit_rate_at_10"] >= 0.35, "measured 6 of 14 (docs/search.md); this floor catches a broken mapping"


def test_photos_with_gps_are_found_by_their_city(search_home: AppContext) -> None:
    rows = search_home.db.query(
        "SELECT city, group_concat(photo_id) FROM photo_places WHERE city IS NOT NULL GROUP BY city"
    )
    assert len(rows) >= 10
    exact = 0
    for city, ids in rows:
        want = {int(i) for i in ids.split(",")}
        got = {h.photo_id for h in search(search_home, city, limit=1000).hits}
        exact += got == want
    print(f"cities: {exact} of {len(rows)} found exactly (every photo of the city, no other)")
    assert exact == len(rows)


def test_timing_on_the_analysed_library(search_home: AppContext) -> None:
    queries = [
        "dog",
        "Berlin",
        "germany 2019",
        "iphone",
        "canon eos",
        "smiling",
        "cat 2016",
        "suit",
        "passport",
        "christmas",
        "seaside",
        "puppy",
        "architecture",
        "citrus",
    ]
    synonyms.nearest_tags(search_home, ["warm-up"])  # loads the model and the vocabulary once
    timing = time_queries(search_home, queries, rounds=15)
    print("analysed library (306 photos), with free words:", timing)
    assert timing["median_ms"] < 1000


def test_cli_search_prints_json_and_a_table(search_home: AppContext) -> None:
    home = search_home.config.home
    out = run_cli(home, "search", "Berlin", "--json")
    assert set(out) >= {"query", "understood", "hits"} and out["understood"]["places"] == ["Berlin"]
    assert out["hits"] and set(out["hits"][0]) == {"photo_id", "path", "taken_at", "place", "score", "why"}
    text = run_cli(home, "search", "Berlin", "--limit", "1").stdout
    assert "Read as: place Berlin" in text and "photo found in" in text and "Berlin, Germany" in text


HEAVY = ("torch", "transformers", "sentence_transformers")
"""What ``camroll search`` must never import: about 10 s of a cold search went to them."""


def test_search_with_the_model_makes_no_network_connection_and_imports_no_torch(library_copy: Path) -> None:
    """A fresh process, sockets refused: the model loads from its package (converted to ONNX
    first, in a child, if this user's cache lacks it) and the vocabulary is embedded (no cache in
    this copy); not one connection is attempted, and torch and transformers are never imported."""
    log, imported = library_copy.parent / "attempts.log", library_copy.parent / "imported.txt"
    env = {**os.environ, "CAMROLL_NET_LOG": str(log), "CAMROLL_HOME": str(library_copy)}
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("TRANSFORMERS_OFFLINE", None)
    shutil.rmtree(library_copy / "cache" / "search", ignore_errors=True)
    code = RUN_CLI.replace(
        "main()\n",
        f"try:\n    main()\nfinally:\n    open({str(imported)!r}, 'w').write("
        f"' '.join(m for m in {HEAVY!r} if m in sys.modules))\n",
    )
    run = subprocess.run(
        [sys.executable, "-c", code, "search", "puppy", "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout)
    assert [s["tag"] for s in out["understood"]["synonyms"]["puppy"]][:1] == ["dog"]
    assert not log.exists(), log.read_text()
    assert imported.read_text() == "", f"camroll search imported {imported.read_text()}"
    cached = [p.name for p in (library_copy / "cache" / "search").glob("tag-vectors-*.npy")]
    assert len(cached) == 1 and cached[0].startswith(f"tag-vectors-{synonyms.ONNX_NAME}-"), (
        "named by the converted model"
    )


EMBEDDED = [
    "puppy",
    "seaside",
    "kitten",
    "a dog running on the beach",
    "Golden Retriever",
    "café au lait",
    "naïve résumé",
    "tortoise",
    "mud puppy",
    "ferris wheel",
    "",
    "x",
    "Ana at the beach last summer",
    "timepiece",
    "citrus",
    "  spaced   words ",
    "日本語の写真",
    "UPPER CASE",
    "hot-dog!!",
    "a very long sentence " * 100,
]
"""Words and phrases for the ONNX-vs-sentence-transformers check: short, long (past the 256
tokens where both truncate), empty, accented, not Latin, punctuated."""


def test_onnx_vectors_match_sentence_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The converted model, the tokenizers package and numpy pooling give sentence-transformers'
    vectors, alone or in a batch of mixed lengths (padding must not leak into the mean)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    from camroll.analysis.base import package_file

    weights = package_file(synonyms.MODEL_PACKAGE, synonyms.MODEL_FILE, synonyms.MODEL_SHA256)
    reference = SentenceTransformer(str(weights.parent), device="cpu", local_files_only=True)
    want = reference.encode(EMBEDDED, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
    got = synonyms.encode(EMBEDDED, batch_size=8)
    assert got.shape == (len(EMBEDDED), 384) and got.dtype == np.float32
    assert float(np.abs(got - want).max()) < 1e-4
    alone = np.stack([synonyms.encode([w])[0] for w in EMBEDDED])
    assert float(np.abs(alone - want).max()) < 1e-4
    assert float(got[0] @ got[2]) > float(got[0] @ got[13]), "puppy is nearer kitten than timepiece"
