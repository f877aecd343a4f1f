"""The text survey, measured: which photos it lets through to OCR, which photos with text it would
skip, and what it costs, on every test photo.

    .venv/bin/python -m bench.text_survey [--sides 320,400,480]

For each photo of tests/data/photos (one process, one thread, CPU time), OCR without the survey with the
detector at ``TEXT_DET_MAX_SIDE`` (what camroll reads) and at the whole analysis size (the
full-resolution reference), then the survey at each side given. A photo "has text" when either
OCR reads a line in it. Printed per side: the photos that pass, the photos with text that would
be skipped (and which of them the reference reads), the survey's mean time, and the mean OCR time
the survey would give (survey + the passing share of the 960 px OCR). The machine is shared:
compare the times with each other, not with another run.
"""

from __future__ import annotations

import argparse
import json
import time

from bench.accuracy import PHOTOS
from camroll import thresholds
from camroll.analysis.decode import DecodeError, decode
from camroll.analysis.text import TextAnalyser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sides", default=f"{thresholds.TEXT_SURVEY_SIDE},400,480")
    sides = [int(s) for s in parser.parse_args().sides.split(",")]
    orientation = {r["SourceFile"].removeprefix("./"): r for r in json.loads((PHOTOS / "exiftool.json").read_text())}
    files = sorted(
        p
        for p in PHOTOS.rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".heic", ".heif", ".tiff", ".webp")
    )
    ocr = TextAnalyser(threads=1)
    ocr.surveys = False
    ocr.ensure_loaded()
    detector = ocr._engine._load_det_model()  # type: ignore[no-untyped-call]
    ours, reference, ocr_s = set(), set(), 0.0
    passed: dict[int, set[str]] = {s: set() for s in sides}
    survey_s = dict.fromkeys(sides, 0.0)
    n = 0
    for path in files:
        rel = str(path.relative_to(PHOTOS))
        o = orientation.get(rel, {}).get("EXIF:Orientation", 1)
        try:
            photo = decode(1, "h", str(path), o if isinstance(o, int) else 1, None)
        except DecodeError:
            continue
        n += 1
        detector.limit_side_len = thresholds.ANALYSIS_MAX_SIDE
        if ocr.analyse(photo, {}).lines:
            reference.add(rel)
        detector.limit_side_len = thresholds.TEXT_DET_MAX_SIDE
        start = time.process_time()
        if ocr.analyse(photo, {}).lines:
            ours.add(rel)
        ocr_s += time.process_time() - start
        for side in sides:
            thresholds.TEXT_SURVEY_SIDE = side
            start = time.process_time()
            if ocr.survey(photo.pixels):
                passed[side].add(rel)
            survey_s[side] += time.process_time() - start
    either = ours | reference
    print(
        f"{n} photos; text read in {len(either)} ({len(ours)} at {thresholds.TEXT_DET_MAX_SIDE} px,"
        f" {len(reference)} at {thresholds.ANALYSIS_MAX_SIDE} px); OCR at {thresholds.TEXT_DET_MAX_SIDE} px"
        f" {1000 * ocr_s / n:.0f} ms a photo"
    )
    for side in sides:
        skipped = sorted(either - passed[side])
        cost = survey_s[side] / n + ocr_s / n * len(passed[side]) / n
        print(
            f"survey at {side} px: {1000 * survey_s[side] / n:.0f} ms, passes {len(passed[side])}/{n},"
            f" OCR with it {1000 * cost:.0f} ms a photo; photos with text skipped: {len(skipped)}"
            + "".join(f"\n  {r}{' (the reference reads it)' if r in reference else ''}" for r in skipped)
        )


if __name__ == "__main__":
    main()
