"""Real face prints for the people-at-scale bench, computed once and cached in a temp folder.

    .venv/bin/python -m bench.people_prints

Every photo of tests/data/photos/faces and expressions is augmented (mirror x scale x brightness,
each saved and reopened as a JPEG at one of two qualities) and run through camroll's own face
analyser (CenterFace + dlib's 5 points + the dlib ResNet print on onnxruntime): the prints are what
camroll would store for those images. A print's ``source`` is (photo, face index in the original):
every augmentation of one source face is one person; ``identity`` is the MANIFEST label of the
photo (faces/ only; '' for expressions/, whose people are unlabelled).
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from camroll.analysis.decode import Decoded
from camroll.analysis.faces import FaceAnalyser

PHOTOS = (Path(__file__).resolve().parents[1] / "tests" / "data" / "photos").resolve()
CACHE = Path(tempfile.gettempdir()) / "camroll-people-scale" / "prints-v2.npz"
MIRROR = (False, True)
SCALE = (1.0, 0.7, 0.5)
BRIGHTNESS = (0.75, 1.0, 1.3)
QUALITY = (92, 55)  # alternated over the other variants: 2 x 3 x 3 = 18 variants per photo


def variants() -> list[tuple[bool, float, float, int]]:
    return [
        (m, s, b, QUALITY[i % len(QUALITY)]) for i, (m, s, b) in enumerate(itertools.product(MIRROR, SCALE, BRIGHTNESS))
    ]


def augment(img: Image.Image, mirror: bool, scale: float, brightness: float, quality: int) -> np.ndarray:
    if mirror:
        img = ImageOps.mirror(img)
    if scale != 1.0:
        img = img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.LANCZOS
        )
    if brightness != 1.0:
        img = ImageEnhance.Brightness(img).enhance(brightness)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def photos() -> list[tuple[Path, str]]:
    with open(PHOTOS / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [
        (PHOTOS / r["relative_path"], r["identity"])
        for r in rows
        if r["relative_path"].startswith(("faces/", "expressions/"))
    ]


def _match(boxes: np.ndarray, reference: np.ndarray) -> list[int]:
    """Index of the reference face each box is (nearest centre), in original-photo coordinates."""
    if len(reference) == 0:
        return [-1] * len(boxes)
    centres = (reference[:, :2] + reference[:, 2:]) / 2
    out = []
    for b in boxes:
        c = (b[:2] + b[2:]) / 2
        d = np.linalg.norm(centres - c, axis=1)
        size = float(reference[int(d.argmin()), 2] - reference[int(d.argmin()), 0])
        out.append(int(d.argmin()) if d.min() < 0.5 * size else -1)
    return out


def load(verbose: bool = True) -> dict[str, np.ndarray]:
    """prints (n x 128 float32), source (n, int: one per original face), identity (n, str),
    variant (n, int), photo (n, int: the original photo); computed on the first call (a few minutes), then read from the cache."""
    if CACHE.exists():
        with np.load(CACHE) as z:
            return {k: z[k] for k in z.files}
    analyser = FaceAnalyser(threads=2)
    analyser.ensure_loaded()
    prints: list[np.ndarray] = []
    source: list[int] = []
    identity: list[str] = []
    variant: list[int] = []
    photo: list[int] = []
    started = time.perf_counter()
    listed = photos()
    next_source = 0
    for n, (path, label) in enumerate(listed):
        original = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        ref_boxes, _, _ = analyser.detect(np.asarray(original))
        first = next_source
        next_source += max(1, len(ref_boxes))
        for v, (mirror, scale, brightness, quality) in enumerate(variants()):
            pixels = augment(original, mirror, scale, brightness, quality)
            h, w = pixels.shape[:2]
            result = analyser.analyse(Decoded(-1, "", pixels, 1.0, w, h), {})
            got = [f for f in result.faces if f.embedding is not None]
            boxes = np.array([[f.box[0], f.box[1], f.box[0] + f.box[2], f.box[1] + f.box[3]] for f in got]).reshape(
                -1, 4
            )
            boxes = boxes / scale
            if mirror:
                boxes[:, [0, 2]] = original.width - boxes[:, [2, 0]]
            for f, ref in zip(got, _match(boxes, ref_boxes), strict=True):
                if ref < 0:
                    continue
                prints.append(np.frombuffer(f.embedding or b"", np.float32))
                source.append(first + ref)
                identity.append(label)
                variant.append(v)
                photo.append(n)
        if verbose and n % 20 == 0:
            print(
                f"  prints: {n + 1}/{len(listed)} photos, {len(prints)} prints, {time.perf_counter() - started:.0f} s"
            )
    out = {
        "prints": np.stack(prints).astype(np.float32),
        "source": np.array(source, np.int64),
        "identity": np.array(identity),
        "variant": np.array(variant, np.int64),
        "photo": np.array(photo, np.int64),
    }
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    np.savez(CACHE, **out)  # type: ignore[arg-type]
    return out


if __name__ == "__main__":
    data = load()
    print(f"{len(data['prints'])} prints of {len(set(data['source'].tolist()))} source faces, cached at {CACHE}")
