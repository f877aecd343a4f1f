"""Reading a search box: which words are people, places, dates, cameras, tags, and which are free words.

"Ana at the beach last summer" is read as the person Ana, the tag *beach* and the dates of last
summer. The words a query can name come from a :class:`Lexicon` the engine builds from the
library itself (the people a person named, the places and cameras of their photos, the tags the
classifier can give), so parsing is a pure function and tests build a lexicon in code.

Names, places and cameras are *filters*: a photo must match them. Everything else becomes a
:class:`Term` (something to find in a photo: a tag, text, a kind of sensitive text, a smile); a
photo must match at least one term, and more terms rank it higher. Words the lexicon does not know
are *free words*: the engine looks them up in the photos' text and maps them to the nearest tags
with the text-embedding model (the only words the model sees).

Parsing is greedy and longest-first at each position; on a tie a person wins over a date, a
date over a place, a place over a camera, and a camera over a tag ("June 2023" is a date even
where someone is called June, but "June" alone is the person).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from camroll.search.dates import DateRange, parse_date_at
from camroll.search.everyday import EVERYDAY_TAGS, EXPRESSION_WORDS, SCENE_WORDS

STOP_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "with",
        "without",
        "from",
        "for",
        "by",
        "near",
        "into",
        "onto",
        "over",
        "under",
        "me",
        "my",
        "our",
        "us",
        "we",
        "i",
        "you",
        "your",
        "his",
        "her",
        "their",
        "its",
        "it",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "this",
        "that",
        "these",
        "those",
        "some",
        "any",
        "all",
        "photo",
        "photos",
        "picture",
        "pictures",
        "pic",
        "pics",
        "image",
        "images",
        "shot",
        "shots",
        "taken",
        "show",
        "find",
        "search",
        "during",
        "around",
        "about",
        "while",
        "when",
        "where",
        "who",
        "what",
        "which",
    )
)
"""Words that say nothing about which photos: dropped, and never sent to the model."""

TEXT_FLAG_PHRASES: dict[str, tuple[str, ...]] = {
    "passport": ("mrz", "id_document"),
    "passports": ("mrz", "id_document"),
    "id": ("mrz", "id_document"),
    "id card": ("mrz", "id_document"),
    "identity card": ("mrz", "id_document"),
    "identity document": ("mrz", "id_document"),
    "id document": ("mrz", "id_document"),
    "driving licence": ("id_document",),
    "driving license": ("id_document",),
    "driver's license": ("id_document",),
    "credit card": ("payment_card",),
    "bank card": ("payment_card",),
    "debit card": ("payment_card",),
    "payment card": ("payment_card",),
    "card number": ("payment_card",),
    "iban": ("iban",),
    "bank account": ("iban",),
    "email": ("email",),
    "e-mail": ("email",),
    "email address": ("email",),
    "phone number": ("phone",),
    "telephone number": ("phone",),
}
"""Words for the sensitive text the text capability flags (``texts.flags`` kinds)."""

SMILE_WORDS = frozenset({"smiling", "smile", "smiles", "smiley", "happy", "laughing"})
BIRTHDAY_WORDS = frozenset({"birthday", "birthdays", "bday"})

CAMERA_COMMON_WORDS = frozenset(
    (
        "apple",
        "digital",
        "camera",
        "corporation",
        "corp",
        "company",
        "co",
        "ltd",
        "inc",
        "imaging",
        "optical",
        "electronics",
        "mobile",
        "phone",
        "zoom",
        "global",
        "mark",
        "pro",
        "max",
    )
)
"""Words of camera makes and models too common to mean a camera on their own ("apple" is a fruit)."""


def fold(text: str) -> str:
    """Lower case without accents: "Tübingen" and "tubingen" are one word to a search box."""
    folded = text.casefold()
    if folded.isascii():  # most text: nothing to decompose (and 20x faster on a page of OCR text)
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


_TOKEN = re.compile(r"[\w'\-–]+")


def words_of(text: str) -> list[str]:
    """Folded words: letters, digits, inner apostrophes and hyphens ("2023-06", "e-mail", "ana's")."""
    out = []
    for raw in _TOKEN.findall(fold(text)):
        w = raw.strip("'-–")
        if w:
            out.append(w)
    return out


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    birthday: str | None = None


@dataclass(frozen=True)
class Place:
    column: str
    """``city``, ``region`` or ``country`` (of ``photo_places``)."""
    value: str


@dataclass(frozen=True)
class Camera:
    make: str | None
    model: str | None
    name: str


@dataclass
class Lexicon:
    """What words can name in this library. Keys are tuples of folded words."""

    people: dict[tuple[str, ...], list[Person]] = field(default_factory=dict)
    places: dict[tuple[str, ...], list[Place]] = field(default_factory=dict)
    cameras: dict[tuple[str, ...], list[Camera]] = field(default_factory=dict)
    tags: dict[tuple[str, ...], str] = field(default_factory=dict)
    birthdays: list[Person] = field(default_factory=list)
    """Named people with a birthday (for "birthday")."""

    def add_person(self, person: Person) -> None:
        ws = tuple(words_of(person.name))
        keys = {ws} | {(w,) for w in ws if _distinctive(w)}  # "Ana Silva": "ana silva", "ana", "silva"
        for key in keys:
            if key:
                self.people.setdefault(key, []).append(person)
        if person.birthday:
            self.birthdays.append(person)

    def add_place(self, column: str, value: str) -> None:
        ws = tuple(words_of(value))
        keys = {ws}
        if len(ws) > 1 and _distinctive(ws[0]):  # "Frankfurt am Main": "frankfurt"
            keys.add(ws[:1])
        for key in keys:
            if key and Place(column, value) not in self.places.get(key, []):
                self.places.setdefault(key, []).append(Place(column, value))

    def add_camera(self, camera: Camera, tag_words: frozenset[str] = frozenset()) -> None:
        """Every run of up to four words of the camera's name with one telling word in it ("iphone",
        "iphone 7", "eos 5d", "canon"); words that are tags ("camera") are not telling."""
        ws = tuple(words_of(camera.name))
        for i in range(len(ws)):
            for j in range(i + 1, min(len(ws), i + 4) + 1):
                key = ws[i:j]
                telling = any(_distinctive(w) and w not in CAMERA_COMMON_WORDS and w not in tag_words for w in key)
                if telling and camera not in self.cameras.get(key, []):
                    self.cameras.setdefault(key, []).append(camera)

    def words(self) -> frozenset[str]:
        """Every single word of every name, place, camera and tag key (for typo tolerance)."""
        return frozenset(w for table in (self.people, self.places, self.cameras, self.tags) for k in table for w in k)

    def add_tag(self, tag: str) -> None:
        key = tuple(words_of(tag))
        if key:
            self.tags.setdefault(key, tag)


def _distinctive(word: str) -> bool:
    """A word that can stand for a name on its own: three or more characters with a letter, not a
    stop word, not a date word."""
    return len(word) >= 3 and any(c.isalpha() for c in word) and word not in STOP_WORDS


@dataclass
class Term:
    """Something to find in a photo; a photo's score for it is its best match among these ways."""

    word: str
    tags: dict[str, float] = field(default_factory=dict)
    """Tag -> weight (1 for the word itself; the similarity for a synonym)."""
    via: dict[str, str] = field(default_factory=dict)
    """For a free word: tag -> the vocabulary phrase the model found closest ("box tortoise")."""
    text: list[str] = field(default_factory=list)
    """Words or phrases looked for in the photo's text (OCR, title, description, keywords)."""
    flags: tuple[str, ...] = ()
    """Kinds of sensitive text (``texts.flags``): mrz, id_document, payment_card..."""
    smiling: bool = False
    expressions: tuple[str, ...] = ()
    """Stored expression labels (``expressions.label``) a face must have: sad, surprised..."""
    scene: str | None = None
    """A scene computed from metadata: sunset, sunrise, night, selfie (see ``search/scenes.py``)."""
    why: str = ""
    """For a word of ``everyday.EVERYDAY_TAGS``: why it means those tags."""
    birthday: bool = False
    latest: bool = False
    """ "last birthday": only the most recent day (before today) on which the term finds photos."""
    free: bool = False
    """Not a word the library knows: the model maps it to tags."""


@dataclass
class Query:
    text: str
    people: list[list[Person]] = field(default_factory=list)
    """Each name said: the people it may be (a photo must show one of each)."""
    places: list[list[Place]] = field(default_factory=list)
    dates: list[DateRange] = field(default_factory=list)
    cameras: list[list[Camera]] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def free_words(self) -> list[str]:
        return [t.word for t in self.terms if t.free]


def _singular(word: str, known: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
    """ "dogs" -> ("dog",), "ponies" -> ("pony",), "boxes" -> ("box",) when that singular is known."""
    keys = set(known)
    for cut, add in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(cut) and len(word) > len(cut) + 2 and (word[: -len(cut)] + add,) in keys:
            return (word[: -len(cut)] + add,)
    return None


def _longest(table: Mapping[tuple[str, ...], object], words: list[str], i: int, longest: int = 5) -> int:
    for n in range(min(longest, len(words) - i), 0, -1):
        if tuple(words[i : i + n]) in table:
            return n
    return 0


def _possessive(word: str) -> str:
    return word[:-2] if word.endswith("'s") and len(word) > 3 else word


def unquoted_words(text: str) -> list[str]:
    """The folded words of a query outside its "quoted phrases" (which are looked for as written)."""
    return words_of(re.sub(r'"[^"]*"', " ", text))


def knows(lexicon: Lexicon, word: str, lexicon_words: frozenset[str]) -> bool:
    """Whether a (folded) word means something to a query by itself or as part of a phrase: a word
    of a name, place, camera or tag (``lexicon_words``: :meth:`Lexicon.words`), a date word, a stop
    word, or a word of the search's own tables."""
    from camroll.search.dates import DATE_WORDS

    if (
        word in STOP_WORDS
        or word in DATE_WORDS
        or word in SMILE_WORDS
        or word in BIRTHDAY_WORDS
        or word in EVERYDAY_TAGS
        or word in EXPRESSION_WORDS
        or word in SCENE_WORDS
        or any(word in words_of(k) for k in TEXT_FLAG_PHRASES)
    ):
        return True
    plain = _possessive(word)
    for table in (lexicon.people, lexicon.places, lexicon.cameras, lexicon.tags):
        if (plain,) in table or (word,) in table or _singular(word, table) is not None:
            return True
    return word in lexicon_words


def parse(text: str, lexicon: Lexicon, today: date, fix: Mapping[str, str] | None = None) -> Query:
    """Read a search box's text with what this library can name; ``fix`` replaces misspelt words
    (folded word -> the word it was read as, see ``search/typos.py``)."""
    query = Query(text=text)
    quoted = re.findall(r'"([^"]+)"', text)
    for phrase in quoted:  # "exact words": looked for as written, in the photos' text
        query.terms.append(Term(word=phrase, text=[fold(phrase)]))
    words = [(fix or {}).get(w, w) for w in unquoted_words(text)]
    flag_table = {tuple(words_of(k)): v for k, v in TEXT_FLAG_PHRASES.items()}
    i = 0
    while i < len(words):
        plain = [_possessive(w) for w in words]
        date_found = parse_date_at(words, i, today)
        lengths = {
            "person": _longest(lexicon.people, plain, i),
            "date": date_found[1] if date_found else 0,
            "place": _longest(lexicon.places, plain, i),
            "camera": _longest(lexicon.cameras, words, i),
            "flag": _longest(flag_table, words, i),
            "tag": _longest(lexicon.tags, words, i),
        }
        kind = max(lengths, key=lambda k: lengths[k])  # dict order is the tie-break
        n = lengths[kind]
        if words[i] in ("last", "past") and i + 1 < len(words) and words[i + 1] in BIRTHDAY_WORDS:
            query.terms.append(Term(word=f"{words[i]} {words[i + 1]}", birthday=True, latest=True))
            i += 2
            continue
        if (n == 0 or (n == 1 and kind not in ("person", "date", "place"))) and _everyday(query, words[i]):
            i += 1
            continue
        if n == 0:
            _single(query, words[i], lexicon)
            i += 1
            continue
        key = tuple(plain[i : i + n]) if kind in ("person", "place") else tuple(words[i : i + n])
        if kind == "person":
            if lexicon.people[key] not in query.people:  # "arnold schwarzenegger" said as two words
                query.people.append(lexicon.people[key])
        elif kind == "date" and date_found:
            query.dates.append(date_found[0])
        elif kind == "place":
            query.places.append(lexicon.places[key])
        elif kind == "camera":
            query.cameras.append(lexicon.cameras[key])
        elif kind == "flag":
            phrase = " ".join(key)
            query.terms.append(
                Term(word=phrase, text=[phrase] if n > 1 or phrase != "id" else [], flags=flag_table[key])
            )
        else:
            tag = lexicon.tags[key]
            query.terms.append(Term(word=" ".join(key), tags={tag: 1.0}, text=[" ".join(key)]))
        i += n
    return query


def _everyday(query: Query, word: str) -> bool:
    """A word of search's own tables (an everyday word, an expression, a scene): added as its term."""
    if word in EVERYDAY_TAGS:
        tags, why = EVERYDAY_TAGS[word]
        query.terms.append(Term(word=word, tags=dict(tags), text=[word], why=why))
    elif word in EXPRESSION_WORDS:
        query.terms.append(Term(word=word, expressions=EXPRESSION_WORDS[word]))
    elif word in SCENE_WORDS:
        query.terms.append(Term(word=word, scene=SCENE_WORDS[word]))
    else:
        return False
    return True


def _single(query: Query, word: str, lexicon: Lexicon) -> None:
    """A word that starts no known phrase: a plural tag, a smile, a birthday, a stop word or a free word."""
    if word in STOP_WORDS:
        query.ignored.append(word)
    elif (key := _singular(word, lexicon.tags)) is not None:
        query.terms.append(Term(word=word, tags={lexicon.tags[key]: 1.0}, text=[key[0]]))
    elif word in SMILE_WORDS:
        query.terms.append(Term(word=word, smiling=True))
    elif word in BIRTHDAY_WORDS:
        query.terms.append(Term(word=word, birthday=True, text=["birthday"]))
    elif len(word) < 2 or word.isdigit():
        query.ignored.append(word)
    else:
        query.terms.append(Term(word=word, text=[word], free=True))
