"""Videos are catalogued end to end: kind, duration, time, place, rotation (files built in code)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.conftest import run_cli
from tests.test_isobmff import APPLE_TAGS, movie, udta_text


def test_videos_in_a_scan(tmp_path: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "IMG_0001.MOV").write_bytes(
        movie(b"qt  ", 1, datetime(2019, 5, 12, 14, 4, 33, tzinfo=UTC), 90, tags=APPLE_TAGS)
    )
    (lib / "clip.mp4").write_bytes(
        movie(
            created=datetime(2021, 6, 1, 12, 0, 0, tzinfo=UTC),
            rotation=0,
            udta=(udta_text(b"\xa9xyz", "+38.7223-009.1393+012.500/"),),
        )
    )
    run_cli(home, "scan", str(lib))
    recs = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}

    mov = recs["IMG_0001.MOV"]
    assert (mov["kind"], mov["format"]) == ("video", "mov")
    assert mov["duration"] == 12.345
    assert (mov["width"], mov["height"]) == (1080, 1920), "a 90-degree track matrix shows portrait"
    assert mov["taken_at"] == "2019-05-12T16:04:33+02:00"
    assert mov["taken_at_source"] == "quicktime:creationdate"
    assert mov["camera"] == {"make": "Apple", "model": "iPhone 12"}
    assert mov["gps"]["lat"] == 48.8584 and mov["gps"]["lon"] == 2.2945

    mp4 = recs["clip.mp4"]
    assert (mp4["kind"], mp4["width"], mp4["height"]) == ("video", 1920, 1080)
    assert mp4["taken_at"] == "2021-06-01T12:00:00+00:00" and mp4["taken_at_source"] == "quicktime:mvhd"
    assert mp4["gps"] == {"lat": 38.7223, "lon": -9.1393, "alt": 12.5}

    run_cli(home, "consent", "grant", "places")
    recs = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    assert recs["clip.mp4"]["place"]["city"] == "Lisbon"
    assert recs["IMG_0001.MOV"]["place"]["city"] == "Paris"
    overview = run_cli(home, "summary", "--json")
    assert overview["videos"] == 2
