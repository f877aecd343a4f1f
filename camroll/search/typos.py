"""Typo tolerance: a word nobody in the library uses, close to one it does, is read as that one.

"Schwarzeneger", "lisbn", "beahc": a search box gets misspellings, and a misspelt word found
nothing. Before a query is parsed, each of its words that the library cannot name and that is not
an English word is compared (``rapidfuzz``, optimal string alignment: a swap of two neighbouring
letters is one edit) with the words the library *can* name: people's names, places, tags, the
everyday words of :mod:`camroll.search.everyday`, and the words read from photos (OCR text,
titles, captions, keywords). The closest one at or above ``thresholds.SEARCH_TYPO_MIN_SIMILARITY``
replaces it, and the result says so ("did you mean ...").

A word that is a whole word of the text model's vocabulary (BERT's 30,522 word pieces: "puppy",
"seaside") is corrected only to a person's name ("anna" for the Ana someone named: names are
words of that vocabulary too): it is a real word, and the model maps it to tags by meaning, which
is better than by spelling ("puppy" is one letter from "poppy"). So a misspelling that is itself a
common English word ("beech" for "beach") is not caught, and a real word one letter from a name
said in the library ("sand" where someone is called Sandy) is read as the name, with a "did you
mean" saying so: known limits.

Memory: the words read from photos are collected only for a search with a word to correct, in
pages (see :func:`camroll.store.search.photo_text_batches`), as a set of at most
``thresholds.SEARCH_TYPO_MAX_PHOTO_WORDS`` distinct words; on a library with more, the first ones
found are kept and the rest are not offered as corrections. The set is kept in the AppContext
(the web app's process) beside a fingerprint of the texts (rows, last id, total length): a new,
changed or deleted text (a revoked consent) makes the next search collect them again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from camroll import thresholds
from camroll.store import search as store
from camroll.store.db import Database

KIND_ORDER = ("person", "place", "tag", "everyday word", "camera", "photo text")
"""On equal similarity, a correction to a person's name wins over a place, a place over a tag..."""


@dataclass(frozen=True)
class Correction:
    word: str
    """What was typed (folded)."""
    to: str
    """The word it was read as."""
    kind: str
    """What the word names in this library: one of :data:`KIND_ORDER`."""
    similarity: float
    """rapidfuzz's normalised OSA similarity, 0 to 1."""


def photo_words(db: Database, words_of: Callable[[str], list[str]]) -> set[str]:
    """Distinct words of three or more letters read from photos, at most
    ``SEARCH_TYPO_MAX_PHOTO_WORDS`` of them."""
    found: set[str] = set()
    cap = thresholds.SEARCH_TYPO_MAX_PHOTO_WORDS
    for batch in store.photo_text_batches(db):
        words = {w for w in words_of("\n".join(batch)) if len(w) >= 3 and w.isalpha()}  # one pass a page
        found.update(list(words - found)[: cap - len(found)])
        if len(found) >= cap:
            break
    return found


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole words of the text model's tokenizer vocabulary (no ``##`` pieces, letters only), or an
    empty set when the model package cannot be read (then every unknown word may be corrected)."""
    import json

    from camroll.analysis.base import ModelFileError, package_file
    from camroll.search.synonyms import MODEL_PACKAGE, TOKENIZER_FILE, TOKENIZER_SHA256

    try:
        path = package_file(MODEL_PACKAGE, TOKENIZER_FILE, TOKENIZER_SHA256)
    except (ModelFileError, OSError):
        return frozenset()
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isalpha() and w.islower())


def closest(word: str, candidates: dict[str, str]) -> Correction | None:
    """The candidate (word -> kind) most similar to ``word`` at or above the threshold, or None."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    cutoff = thresholds.SEARCH_TYPO_MIN_SIMILARITY
    found = process.extract(word, list(candidates), scorer=OSA.normalized_similarity, score_cutoff=cutoff, limit=20)
    if not found:
        return None
    best = max(s for _w, s, _i in found)
    ties = sorted((w for w, s, _i in found if s == best), key=lambda w: (KIND_ORDER.index(candidates[w]), w))
    return Correction(word, ties[0], candidates[ties[0]], round(float(best), 3))


def corrections(
    words: Iterable[str],
    known: Callable[[str], bool],
    library: dict[str, str],
    more_words: Callable[[], set[str]],
) -> list[Correction]:
    """Corrections for the words ``known`` rejects: each word of at least
    ``SEARCH_TYPO_MIN_LENGTH`` letters, not an English word, not read in any photo, compared with
    ``library`` (word -> kind) and the words read from photos (``more_words``, asked for at most
    once, and only when a word needs it)."""
    out: list[Correction] = []
    photo: set[str] | None = None
    english = None
    for word in dict.fromkeys(words):
        if len(word) < thresholds.SEARCH_TYPO_MIN_LENGTH or not word.isalpha() or known(word):
            continue
        if english is None:
            english = english_words()
        if word in english:  # a real word: only a person's name may stand in for it ("anna" for Ana)
            found = closest(word, {w: kind for w, kind in library.items() if kind == "person"})
            if found is not None:
                out.append(found)
            continue
        if photo is None:
            photo = more_words()
        if word in photo:
            continue
        candidates = {w: "photo text" for w in photo if abs(len(w) - len(word)) <= 3}
        candidates.update(library)
        found = closest(word, candidates)
        if found is not None:
            out.append(found)
    return out
