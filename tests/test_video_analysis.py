"""Videos are analysed through one of their frames: faces and tags of a clip are found and stored."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from tests.conftest import run_cli


def _clip(path: Path, photo: Path, seconds: float = 2.0, fps: int = 10) -> None:
    """An H.264 clip that shows ``photo`` for ``seconds``."""
    img = Image.open(photo).convert("RGB")
    img = img.resize((img.width // 2 * 2, img.height // 2 * 2))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = img.width, img.height, "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.asarray(img), format="rgb24")
        for _ in range(int(seconds * fps)):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


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
