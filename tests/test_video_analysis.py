"""Videos are analysed through their keyframes (spread and at cuts): faces, tags and text of a clip
are found, with the time code of the frame, and the people in a video are the people of photos."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from tests.conftest import run_cli


def _clip(path: Path, photo: Path, seconds: float = 2.0, fps: int = 10) -> None:
    """An H.264 clip that shows ``photo`` for ``seconds``."""
    _scenes(path, [Image.open(photo)], seconds, fps)


def test_faces_and_tags_are_found_in_a_video(tmp_path: Path, photos_dir: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    group = sorted((photos_dir / "faces" / "_groups").glob("*.jpg"))[0]
    _clip(lib / "party.mp4", group)
    _clip(lib / "dog.mp4", sorted((photos_dir / "scenes" / "dog").glob("*.jpg"))[0])
    (lib / "broken.mp4").write_bytes((lib / "party.mp4").read_bytes()[:2000])  # cut short
    run_cli(home, "scan", str(lib), "--no-analyze")
    run_cli(home, "consent", "grant", "faces", "tags")
    run_cli(home, "analyze", "--workers", "1", "--quiet")
    recs = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    assert recs["party.mp4"]["kind"] == "video"
    assert recs["party.mp4"]["faces"] >= 2, "the faces of the group photo shown in the clip"
    # Tags come from a clip of a dog: a group of faces rightly gets none since tags are shown only
    # above measured thresholds (docs/models.md).
    assert "dog" in [t["tag"] for t in recs["dog.mp4"]["tags"]], "tags from the clip's frame"
    failed = run_cli(home, "photos", "--json", "--failed")
    assert any(Path(r["path"]).name == "broken.mp4" for r in failed) or recs.get("broken.mp4", {}).get("errors")


def _scenes(path: Path, scenes: list[Image.Image], seconds: float = 2.0, fps: int = 10) -> None:
    """An H.264 clip of ``scenes`` one after another, each filling a 640 x 480 frame for
    ``seconds``, with a keyframe every second as a phone writes them."""
    from PIL import ImageOps

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        stream.codec_context.gop_size = fps
        for scene in scenes:
            canvas = ImageOps.fit(scene.convert("RGB"), (640, 480))
            frame = av.VideoFrame.from_ndarray(np.asarray(canvas), format="rgb24")
            for _ in range(int(seconds * fps)):
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _sign(words: str) -> Image.Image:
    from PIL import ImageDraw, ImageFont

    img = Image.new("RGB", (640, 480), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 64)
    ImageDraw.Draw(img).text((40, 200), words, fill="black", font=font)
    return img


def test_each_scene_of_a_video_is_looked_at(tmp_path: Path, photos_dir: Path) -> None:
    """A clip of a face, then a dog, then a sign: the frames chosen reach every scene."""
    from camroll.analysis.keyframes import keyframes

    face = Image.open(photos_dir / "faces" / "deepface_p01" / "img1.jpg")
    dog = Image.open(photos_dir / "scenes" / "dog" / "dog_orange.jpg")
    clip = tmp_path / "three.mp4"
    _scenes(clip, [face, dog, _sign("MUSEUM")])
    chosen = keyframes(str(clip), 640)
    times = [k.at_s for k in chosen]
    assert times == sorted(times) and len(chosen) <= 8
    for start in (0.0, 2.0, 4.0):
        assert any(start <= t < start + 2.0 for t in times), (start, times)
    assert "scene" in {k.why for k in chosen}, "the cuts at 2 s and 4 s are found as cuts"


def test_people_tags_and_text_are_found_in_a_video_with_their_time_codes(tmp_path: Path, photos_dir: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    p01 = photos_dir / "faces" / "deepface_p01"
    for name in ("img2.jpg", "img4.jpg", "img5.jpg", "img6.jpg"):  # the same person in photos
        (lib / name).write_bytes((p01 / name).read_bytes())
    dog = Image.open(photos_dir / "scenes" / "dog" / "dog_orange.jpg")
    _scenes(lib / "visit.mp4", [dog, Image.open(p01 / "img1.jpg"), _sign("MUSEUM")])
    run_cli(home, "scan", str(lib), "--no-analyze")
    run_cli(home, "consent", "grant", "faces", "people", "tags", "text")
    run_cli(home, "analyze", "--workers", "1", "--quiet")
    recs = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    video = recs["visit.mp4"]
    assert video["faces"] == 1, "one face, however many frames show it"
    assert "dog" in [t["tag"] for t in video["tags"]]
    assert "MUSEUM" in video["text"]["text"]
    found = video["found_at"]
    assert 0.0 <= found["tags"]["dog"] < 2.0
    assert 2.0 <= found["faces"][0]["at_s"] < 4.0
    assert any(4.0 <= line["at_s"] < 6.0 and "MUSEUM" in line["text"] for line in found["text"])
    # The person in the video is the person of the photos: people are found in videos.
    person = found["faces"][0]["person_id"]
    assert person is not None
    for name in ("img2.jpg", "img4.jpg"):
        assert [p["id"] for p in recs[name]["people"]] == [person], name
    # The photo page says when in the video each was seen.
    from fastapi.testclient import TestClient

    from camroll.config import Config
    from camroll.web.app import create_app

    with TestClient(create_app(Config(home=home, workers=1)), base_url="http://127.0.0.1") as client:
        page = client.get(f"/photo/{video['id']}").text
    assert "at 0:02 in the video" in page or "at 0:03 in the video" in page  # the face
    assert "at 0:04 in the video" in page or "at 0:05 in the video" in page  # the sign
