"""Running a search: filters and terms as SQL over the live tables, ranked, with why each photo matched.

Search keeps no index of its own. It reads the tables the capabilities own (``tags``, ``texts``,
``faces``/``people``, ``photo_places``, ``expressions``) at query time, so what consent allows is
exactly what can be found: revoking a capability deletes its rows and, with them, every way to
find a photo through it. The only file search writes is the cache of the tag vocabulary's
vectors (dictionary words, see ``synonyms.py``).

Ranking: people, places, dates and cameras are filters (a photo must match each one said). Each
other term (a tag, a free word, "passport", "smiling"...) gives a photo its best score among the
ways it can match (a tag's probability times the synonym's similarity, a word in its text...);
a photo's score is the mean over the terms, so matching more terms ranks higher, and ties go to
the newest photo. A query of filters only lists the photos that pass them, newest first.

Speed: a handful of indexed queries (``tags_tag``, ``faces_person``, ``photos_taken``) and one
pass over the library's live photos; the text model runs only for free words.
"""

from __future__ import annotations

import functools
import heapq
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from camroll import thresholds
from camroll.config import AppContext
from camroll.search import dates as date_words
from camroll.search import typos
from camroll.search.everyday import EVERYDAY_TAGS, EXPRESSION_WORDS, SCENE_WORDS
from camroll.search.query import (
    BIRTHDAY_WORDS,
    SMILE_WORDS,
    TEXT_FLAG_PHRASES,
    Camera,
    Lexicon,
    Person,
    Query,
    Term,
    fold,
    knows,
    parse,
    unquoted_words,
    words_of,
)
from camroll.store import faces, places
from camroll.store import search as store
from camroll.store.search import Where

FLAG_WORDS = {
    "mrz": "passport or ID card lines (machine-readable zone, check digits valid)",
    "id_document": "words printed on identity documents",
    "payment_card": "a payment card number",
    "iban": "a bank account number (IBAN)",
    "email": "an e-mail address",
    "phone": "a phone number",
}


@dataclass
class Hit:
    photo_id: int
    path: str
    taken_at: str | None
    place: str | None
    score: float
    why: list[str]


@dataclass
class Understood:
    """What the query was read as (shown to the person, so they can rephrase)."""

    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    synonyms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Free word -> the tags it was mapped to, with their similarity."""
    text: list[str] = field(default_factory=list)
    """Words looked for in the photos' text (OCR, title, caption, keywords)."""
    sensitive_text: list[str] = field(default_factory=list)
    smiling: bool = False
    expressions: list[str] = field(default_factory=list)
    """Stored expression labels searched for (sad, surprised...)."""
    scenes: list[str] = field(default_factory=list)
    """Scenes computed from metadata (sunset, sunrise, night, selfie)."""
    birthday: bool = False
    ignored: list[str] = field(default_factory=list)
    corrections: list[dict[str, Any]] = field(default_factory=list)
    """Misspelt words read as library words: {word, to, kind, similarity}."""
    did_you_mean: str | None = None
    """The query as it was read, where a word was corrected ("did you mean ...")."""
    notes: list[str] = field(default_factory=list)
    """What else the reading changed ("No photos from last christmas; showing christmas 2023")."""


@dataclass
class SearchResult:
    query: str
    understood: Understood
    hits: list[Hit]
    total: int
    """Photos that matched, before ``limit``."""

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "understood": asdict(self.understood),
            "hits": [asdict(h) for h in self.hits],
            "total": self.total,
        }


@functools.cache
def _vocabulary_keys() -> dict[tuple[str, ...], str]:
    """The classifier's possible tags as lexicon keys, read once per process (a fixed word list)."""
    from camroll.search.synonyms import vocabulary

    lexicon = Lexicon()
    for tag in vocabulary():
        lexicon.add_tag(tag)
    return lexicon.tags


def library_lexicon(ctx: AppContext) -> Lexicon:
    """:func:`build_lexicon`, kept in the context while the database is unchanged: a web server
    answers many searches between two changes, and listing a 200,000-photo library's cameras,
    places and tags costs tens of milliseconds each time."""
    marker = ctx.db.change_marker()
    cached = ctx.extras.get("search:lexicon")
    if cached is not None and cached[0] == marker:
        return cast(Lexicon, cached[1])
    lexicon = build_lexicon(ctx)
    ctx.extras["search:lexicon"] = (ctx.db.change_marker(), lexicon)
    return lexicon


def build_lexicon(ctx: AppContext) -> Lexicon:
    """What this library's words can name: people with names, its places and cameras, and the tags."""
    from camroll.store.catalog import camera_name

    db, lexicon = ctx.db, Lexicon(tags=dict(_vocabulary_keys()))
    for tag in store.distinct_tags(db):
        lexicon.add_tag(tag)
    for row in store.named_people(db):
        lexicon.add_person(Person(row["id"], row["name"], row["birthday"]))
    for city, region, country in places.distinct_names(db):
        for column, value in (("city", city), ("region", region), ("country", country)):
            if value:
                lexicon.add_place(column, value)
    single_tags = frozenset(k[0] for k in lexicon.tags if len(k) == 1)
    for make, model in store.distinct_cameras(db):
        lexicon.add_camera(Camera(make, model, camera_name(make, model)), single_tags)
    return lexicon


def _library_words(lexicon: Lexicon) -> dict[str, str]:
    """Word -> what it names, for typo tolerance: the words of tags, cameras, places and people's
    names (a name's word wins over a place's, a place's over a tag's), and search's own words."""
    out: dict[str, str] = {}
    own = [*EVERYDAY_TAGS, *EXPRESSION_WORDS, *SCENE_WORDS, *SMILE_WORDS, *BIRTHDAY_WORDS]
    own += [w for phrase in TEXT_FLAG_PHRASES for w in words_of(phrase)]
    for kind, keys in (
        ("camera", [k for k in lexicon.cameras]),
        ("tag", [k for k in lexicon.tags]),
        ("everyday word", [(w,) for w in own]),
        ("place", [k for k in lexicon.places]),
        ("person", [k for k in lexicon.people]),
    ):
        for key in keys:
            for w in key:
                if len(w) >= 3 and w.isalpha():
                    out[w] = kind
    return out


def read_query(ctx: AppContext, query: str, today: date) -> tuple[Query, list[typos.Correction]]:
    """The query parsed with this library's words, misspelt words corrected first."""
    lexicon = library_lexicon(ctx)
    lexicon_words = lexicon.words()
    fixes = typos.corrections(
        unquoted_words(query),
        lambda w: knows(lexicon, w, lexicon_words),
        _library_words(lexicon),
        lambda: _photo_words(ctx),
    )
    parsed = parse(query, lexicon, today, {c.word: c.to for c in fixes})
    _drop_name_echoes(parsed)
    return parsed, fixes


def _photo_words(ctx: AppContext) -> set[str]:
    """The words read from this library's photos, kept in the context while its texts are unchanged."""
    key = store.photo_text_fingerprint(ctx.db)
    cached = ctx.extras.get("search:photo-words")
    if cached is not None and cached[0] == key:
        return set(cached[1])
    words = typos.photo_words(ctx.db, words_of)
    ctx.extras["search:photo-words"] = (key, frozenset(words))
    return words


def _match_expressions(
    ctx: AppContext,
    wanted: list[str],
    where: Where,
    rows: Callable[[list[Any]], list[Any]],
    out: Matches,
) -> None:
    """Faces labelled with a wanted expression first; then faces whose expression was not clear
    enough to label (below its class's calibrated threshold, so photo pages show none) but whose
    most likely class is a wanted one, ranked after every clear one and said to be "perhaps": a
    search box is asked for candidates, a label on a photo page must be right."""
    from camroll.analysis.expressions import UNCLEAR

    faces_found: dict[int, list[tuple[str, float, bool]]] = {}
    for pid, label, score, scores, _t in rows(store.expression_face_rows(ctx.db, [*wanted, UNCLEAR], where)):
        if label != UNCLEAR:
            faces_found.setdefault(pid, []).append((label, float(score), True))
            continue
        probs = json.loads(scores or "{}")
        guess = max(probs, key=lambda k: probs[k]) if isinstance(probs, dict) and probs else None
        if guess in wanted:
            weighted = float(probs[guess]) * thresholds.SEARCH_UNCLEAR_EXPRESSION_WEIGHT
            faces_found.setdefault(pid, []).append((str(guess), weighted, False))
    for pid, found in faces_found.items():
        label, best, clear = max(found, key=lambda f: (f[2], f[1]))
        same = [f for f in found if f[2] == clear]
        article = "an" if label[0] in "aeiou" else "a"
        if not clear:
            why = f"perhaps {article} {label} face (not clear enough to label it)"
        elif len(same) == 1:
            why = f"{article} {label} face ({best:.2f})"
        else:
            why = f"{len(same)} {label} faces (best {best:.2f})"
        _keep_best(out, pid, best, why)


def _drop_name_echoes(q: Query) -> None:
    """A free word that is (nearly) a word of a person the query names is that name said again, not
    a word the photo must show: "ana silvia" where only Ana Silva is known."""
    from rapidfuzz.distance import OSA

    name_words = {w for alts in q.people for p in alts for w in words_of(p.name)}
    keep = []
    for term in q.terms:
        if term.free and any(
            OSA.normalized_similarity(term.word, w) >= thresholds.SEARCH_TYPO_MIN_SIMILARITY for w in name_words
        ):
            q.ignored.append(term.word)
        else:
            keep.append(term)
    q.terms = keep


def _corrected_text(query: str, fixes: list[typos.Correction]) -> str | None:
    if not fixes:
        return None
    by_word = {c.word: c.to for c in fixes}
    return re.sub(r"[\w'\-–]+", lambda m: by_word.get(fold(m[0]), m[0]), query)


def search(ctx: AppContext, query: str, limit: int = 50, today: date | None = None) -> SearchResult:
    """Find photos for a search box's text. ``today`` anchors "yesterday" and "last summer"."""
    parsed, fixes = read_query(ctx, query, today or date.today())
    notes = _latest_with_photos(ctx, parsed)
    synonyms: dict[str, list[dict[str, Any]]] = {}
    free = [t for t in parsed.terms if t.free]
    if free:
        from camroll.search.synonyms import nearest_tags

        near = nearest_tags(ctx, sorted({t.word for t in free}))
        for term in free:
            term.tags = {s.tag: s.similarity for s in near.get(term.word, [])}
            term.via = {s.tag: s.via for s in near.get(term.word, [])}
            synonyms[term.word] = [
                {"tag": s.tag, "similarity": s.similarity, "via": s.via} for s in near.get(term.word, [])
            ]
    understood = _understood(parsed, synonyms)
    understood.corrections = [asdict(c) for c in fixes]
    understood.did_you_mean = _corrected_text(query, fixes)
    understood.notes = notes
    where = _filters(parsed)
    if not parsed.terms:  # filters only: the newest page and a count, both in SQL
        first = store.filtered_newest_first(ctx.db, where, limit)
        scores: dict[int, tuple[float, list[str]]] = {pid: (1.0, []) for pid in first}
        total = len(first) if len(first) < limit else store.filtered_count(ctx.db, where)
    else:
        taken: dict[int, str] = {}
        scores = _scored(ctx, parsed, where, taken, today or date.today())
        first = heapq.nlargest(limit, scores, key=lambda pid: (scores[pid][0], taken.get(pid, "")))
        total = len(scores)
    hits = _hits(ctx, parsed, first, scores)
    return SearchResult(query=query, understood=understood, hits=hits, total=total)


def _understood(q: Query, synonyms: dict[str, list[dict[str, Any]]]) -> Understood:
    u = Understood(ignored=list(q.ignored), synonyms=synonyms)
    u.people = [" or ".join(sorted({p.name for p in alts})) for alts in q.people]
    u.places = [" or ".join(sorted({p.value for p in alts})) for alts in q.places]
    u.dates = [asdict(d) for d in q.dates]
    u.cameras = [" or ".join(sorted({c.name for c in alts})) for alts in q.cameras]
    for t in q.terms:
        if not t.free:
            u.tags += [tag for tag in t.tags if tag not in u.tags]
        u.text += [w for w in t.text if w not in u.text]
        u.sensitive_text += [f for f in t.flags if f not in u.sensitive_text]
        u.smiling |= t.smiling
        u.expressions += [e for e in t.expressions if e not in u.expressions]
        u.scenes += [t.scene] if t.scene and t.scene not in u.scenes else []
        u.birthday |= t.birthday
    return u


def _latest_with_photos(ctx: AppContext, q: Query) -> list[str]:
    """ "last christmas" with no photos means the most recent Christmas that has some (with the
    query's other filters): each "last"/"past" yearly period that finds nothing is replaced by its
    latest earlier occurrence with photos, and a note says so."""
    notes = []
    for k, dr in enumerate(q.dates):
        every = date_words.yearly_in_any_year(dr)
        if every is None or dr.every_year or not dr.label.startswith(("last ", "past ")):
            continue
        others = Query(text=q.text, people=q.people, places=q.places, cameras=q.cameras)
        others.dates = [d for n, d in enumerate(q.dates) if n != k]
        where = _filters(others)
        end = (date.fromisoformat(dr.last) + timedelta(days=1)).isoformat()
        if store.latest_taken(ctx.db, date_words.sql_condition(dr, "p.taken_local"), end, where):
            continue
        found = store.latest_taken(ctx.db, date_words.sql_condition(every, "p.taken_local"), dr.first, where)
        if found is None:
            notes.append(f"No photos from {dr.label} ({dr.first} to {dr.last}), nor from any earlier one.")
            continue
        earlier = date_words.in_year(dr, found)
        q.dates[k] = earlier
        notes.append(
            f"No photos from {dr.label} ({dr.first} to {dr.last}); showing {earlier.label}, the most recent with photos."
        )
    return notes


def _filters(q: Query) -> Where:
    """Live photos passing every filter: each name said (one of the people it may be), one of the
    places, one of the dates and one of the cameras."""
    said_places = sorted({p for alts in q.places for p in alts}, key=lambda p: (p.column, p.value))
    said_cameras = sorted({c for alts in q.cameras for c in alts}, key=lambda c: c.name)
    return store.filters(
        people=[[p.id for p in alts] for alts in q.people],
        places=[(p.column, p.value) for p in said_places],
        dates=[date_words.sql_condition(dr, "p.taken_local") for dr in q.dates],
        cameras=[(c.make, c.model) for c in said_cameras],
    )


class Matches(dict[int, tuple[float, str]]):
    """photo id -> (score, why) for one term."""


def _keep_best(into: Matches, photo_id: int, score: float, why: str) -> None:
    if photo_id not in into or into[photo_id][0] < score:
        into[photo_id] = (score, why)


def _scored(
    ctx: AppContext, q: Query, where: Where, taken: dict[int, str], today: date
) -> dict[int, tuple[float, list[str]]]:
    """Photo id -> (mean of its terms' scores, why); fills ``taken`` (local time, for ties)."""
    total: dict[int, tuple[float, list[str]]] = {}
    for term in q.terms:
        for pid, (score, why) in _term_matches(ctx, q, term, where, taken, today).items():
            s, whys = total.get(pid, (0.0, []))
            total[pid] = (s + score, [*whys, why])
    n = len(q.terms)
    return {pid: (round(s / n, 4), whys) for pid, (s, whys) in total.items()}


def _term_matches(ctx: AppContext, q: Query, term: Term, where: Where, taken: dict[int, str], today: date) -> Matches:
    """Every photo passing the filters that this term finds, with its best score and why."""
    out = Matches()

    def rows(found: list[Any]) -> list[Any]:
        """Rows that start with the photo id and end with its local time: note the time."""
        for r in found:
            taken[r[0]] = r[-1] or ""
        return found

    if term.tags:
        for pid, tag, score, _t in rows(store.tag_rows(ctx.db, list(term.tags), where)):
            weight = term.tags[tag]
            if term.why:
                why = f"tag {tag} ({score:.2f}): '{term.word}' - {term.why}"
            elif weight >= 1.0:
                why = f"tag {tag} ({score:.2f})"
            else:
                via = term.via.get(tag, tag)
                near = f"'{via}'" + (f" (a name of {tag})" if via != tag else "")
                why = f"tag {tag} ({score:.2f}): '{term.word}' is close to {near}, similarity {weight:.2f}"
            _keep_best(out, pid, score * weight, why)
    for words in term.text:
        for pid, why in _text_matches(
            words,
            lambda like: rows(store.text_like_rows(ctx.db, like, where)),
            lambda like: rows(store.caption_like_rows(ctx.db, like, where)),
        ).items():
            _keep_best(out, pid, thresholds.SEARCH_TEXT_MATCH_SCORE, why)
    if term.flags:
        for pid, flags, _t in rows(store.flagged_text_rows(ctx.db, where)):
            kinds = [f["kind"] for f in json.loads(flags) if f["kind"] in term.flags]
            if kinds:
                why = f"'{term.word}': " + "; ".join(FLAG_WORDS.get(k, k) for k in dict.fromkeys(kinds))
                _keep_best(out, pid, thresholds.SEARCH_FLAG_MATCH_SCORE, why)
    if term.smiling:
        smiles: dict[int, list[float]] = {}
        for pid, scores, _t in rows(store.smiling_face_rows(ctx.db, where)):
            happy = json.loads(scores or "{}").get("happy")  # the broadest smile first
            smiles.setdefault(pid, []).append(float(happy) if isinstance(happy, (int, float)) else 1.0)
        for pid, happy_scores in smiles.items():
            n = len(happy_scores)
            _keep_best(out, pid, max(happy_scores), "a smiling face" if n == 1 else f"{n} smiling faces")
    if term.expressions:
        _match_expressions(ctx, list(term.expressions), where, rows, out)
    if term.scene:
        from camroll.search import scenes

        found_scenes = (
            scenes.selfie_matches(ctx.db, where)
            if term.scene == "selfie"
            else scenes.sun_matches(ctx.db, term.scene, where)
        )
        for pid, (score, why, t) in found_scenes.items():
            taken[pid] = t
            _keep_best(out, pid, score, f"'{term.word}': {why}")
    if term.birthday:
        days: dict[int, str] = {}
        for person in _birthday_people(q) or _all_birthdays(ctx):  # the people named, else everyone's
            day = (person.birthday or "")[5:10]
            for pid, t in rows(store.taken_on_day_rows(ctx.db, day, where)):
                _keep_best(out, pid, 1.0, f"taken on {person.name}'s birthday ({day})")
                days[pid] = (t or "")[:10]
        if term.latest:  # "last birthday": the most recent birthday before today that has photos
            before = [d for d in days.values() if d < today.isoformat()]
            latest = max(before, default=None)
            for pid in [pid for pid in out if days.get(pid) != latest]:
                del out[pid]
    return out


def _birthday_people(q: Query) -> list[Person]:
    return [p for alts in q.people for p in alts if p.birthday]


def _all_birthdays(ctx: AppContext) -> list[Person]:
    return [Person(r["id"], r["name"], r["birthday"]) for r in store.named_people(ctx.db, with_birthday=True)]


def _text_matches(
    words: str, texts: Callable[[str], list[Any]], captions: Callable[[str], list[Any]]
) -> dict[int, str]:
    """Photos whose OCR text, title, caption or keywords hold the words (at a word's start, any case
    or accent): photo id -> why. SQL's LIKE narrows, a regular expression on the folded text decides."""
    pattern = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words.split()))
    like = f"%{words.split()[0][:24]}%" if words.split() else "%"
    found: dict[int, str] = {}
    said: list[tuple[int, str, str]] = [(r[0], r[1], "text in the photo") for r in texts(like)]
    for pid, title, description, keywords, _t in captions(like):
        parts = [title or "", description or "", *(str(k) for k in json.loads(keywords or "[]"))]
        said.append((pid, " · ".join(x for x in parts if x), "title, caption or keywords"))
    for pid, text, where in said:
        if pid in found:
            continue
        folded = fold(text)
        m = pattern.search(folded)
        if m:
            a, b = max(0, m.start() - 20), min(len(text), m.end() + 20)
            snippet = " ".join(text[a:b].split())
            found[pid] = f"{where}: '{'…' if a else ''}{snippet}{'…' if b < len(text) else ''}'"
    return found


def _hits(ctx: AppContext, q: Query, ids: list[int], scores: dict[int, tuple[float, list[str]]]) -> list[Hit]:
    """The result rows for the photos ranked first, with the filters' reasons added."""
    if not ids:
        return []
    from camroll.library.metadata import format_offset

    by_id = {r["id"]: r for r in store.hit_rows(ctx.db, ids)}
    hits = []
    for pid in ids:
        r = by_id.get(pid)
        if r is None or r["path"] is None:
            continue
        offset = r["offset_minutes"] if r["offset_minutes"] is not None else r["tz_offset_minutes"]
        taken = r["taken_local"] + (format_offset(offset) if offset is not None else "") if r["taken_local"] else None
        place = ", ".join(x for x in (r["city"], r["country"]) if x) or None
        why = _filter_reasons(ctx, q, r, place) + scores[pid][1]
        hits.append(Hit(photo_id=pid, path=r["path"], taken_at=taken, place=place, score=scores[pid][0], why=why))
    return hits


def _filter_reasons(ctx: AppContext, q: Query, row: Any, place: str | None) -> list[str]:
    from camroll.store.catalog import camera_name

    why = []
    for alts in q.people:
        names = _people_in(ctx, row["id"], alts)
        why.append(f"{' and '.join(names)} in it (face)")
    if q.places and place:
        why.append(f"taken in {place}")
    for dr in q.dates:
        if date_words.contains(dr, row["taken_local"]):
            why.append(f"taken {row['taken_local'][:10]} ({dr.label})")
    if q.cameras:
        why.append(f"taken with {camera_name(row['make'], row['model'])}")
    return why


def _people_in(ctx: AppContext, photo_id: int, alts: list[Person]) -> list[str]:
    present = faces.people_in_photo(ctx.db, photo_id, [p.id for p in alts])
    return [p.name for p in alts if p.id in present] or [alts[0].name]


__all__ = ["Hit", "SearchResult", "Understood", "build_lexicon", "search"]
