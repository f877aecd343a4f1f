"""Files that broke the library (issue 10): each one costs itself alone, is named with its
reason, and a rescan retries it. Every file here is built in code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from camroll.library import scan as scan_module
from camroll.library.formats import InflateLimit, inflate, read_container
from camroll.library.metadata import extract
from tests.conftest import REPO, run_cli
from tests.hostile import exif_ztxt, jpeg, png, tiff, xmp_itxt, xmp_packet, zeros_deflated


def _records(home: Path) -> dict[str, dict[str, Any]]:
    return {os.path.basename(r["path"]): r for r in run_cli(home, "photos", "--json")}


def _scan_json(home: Path, *paths: Path) -> dict[str, Any]:
    return run_cli(home, "scan", *map(str, paths), "--no-analyze", "--quiet", "--json")  # type: ignore[no-any-return]


def _meta(data: bytes, name: str = "x.jpg") -> Any:
    return extract(read_container(data, os.path.splitext(name)[1]), name, 1.6e9)


# --- one value never stops a scan --------------------------------------------------------------


def test_a_rating_beyond_64_bits_costs_that_value_alone(tmp_path: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    (lib / "huge-rating.jpg").write_bytes(jpeg(xmp=xmp_packet(xmp_Rating="9223372036854775808")))
    (lib / "good.jpg").write_bytes(jpeg({"0th": {271: b"Canon"}}))
    _scan_json(home, lib)
    recs = _records(home)
    assert recs["good.jpg"]["state"] == "ok"
    bad = recs["huge-rating.jpg"]
    assert bad["state"] == "problem" and bad["rating"] is None
    assert any("rating" in e and "ignored" in e for e in bad["errors"]), bad["errors"]
    _scan_json(home, lib)  # a rescan goes through too


def test_a_value_the_catalog_refuses_costs_one_file_and_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a value no validation foresaw fails that file alone (its savepoint), named with why."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    for i in range(3):
        (lib / f"p{i}.jpg").write_bytes(jpeg({"0th": {271: f"Cam{i}".encode()}}))
    real_extract = scan_module.extract

    def poisoned(container: Any, name: str, mtime: float) -> Any:
        m = real_extract(container, name, mtime)
        if name == "p1.jpg":
            m.rating = 1 << 64  # as if validation had a hole
        return m

    monkeypatch.setattr(scan_module, "extract", poisoned)
    summary = _scan_json(home, lib)
    assert summary["failed"] == 1 and summary["new_photos"] == 2
    assert summary["failures"][0][0].endswith("p1.jpg") and "could not be catalogued" in summary["failures"][0][1][0]
    recs = _records(home)
    assert recs["p0.jpg"]["state"] == recs["p2.jpg"]["state"] == "ok" and recs["p1.jpg"]["state"] == "failed"
    monkeypatch.setattr(scan_module, "extract", real_extract)
    summary = _scan_json(home, lib)
    assert summary["read"] == 1 and summary["failed"] == 0  # the failed file, and only it, read again
    assert _records(home)["p1.jpg"]["state"] == "ok"


# --- extreme dates -----------------------------------------------------------------------------


def _extreme_library(tmp_path: Path) -> tuple[Path, Path]:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    gps = {1: b"N", 2: ((38, 1), (43, 1), (0, 1)), 3: b"W", 4: ((9, 1), (8, 1), (0, 1))}
    (lib / "year-1.jpg").write_bytes(jpeg({"Exif": {36867: b"0001:01:01 00:00:00", 36881: b"+14:00"}, "GPS": gps}))
    (lib / "year-9999.jpg").write_bytes(jpeg({"Exif": {36867: b"9999:12:31 23:59:59", 36881: b"-12:00"}, "GPS": gps}))
    for minute in range(3):  # an event's worth of ordinary photos beside them
        exif = {"Exif": {36867: f"2020:05:01 21:0{minute}:00".encode(), 36881: b"+01:00"}, "GPS": gps}
        (lib / f"normal{minute}.jpg").write_bytes(jpeg(exif, size=(64 + minute, 48)))
    _scan_json(home, lib)
    return lib, home


def test_extreme_dates_are_kept_flagged_and_make_no_moments(tmp_path: Path) -> None:
    _lib, home = _extreme_library(tmp_path)
    recs = _records(home)
    assert recs["year-1.jpg"]["taken_at"] == "0001-01-01T00:00:00+14:00"  # kept as read
    assert "before 1826" in recs["year-1.jpg"]["taken_at_implausible"]
    assert recs["year-9999.jpg"]["taken_at"] == "9999-12-31T23:59:59-12:00"
    assert "future" in recs["year-9999.jpg"]["taken_at_implausible"]
    assert recs["normal0.jpg"]["taken_at_implausible"] is None
    assert any("not used for moments" in e for e in recs["year-1.jpg"]["errors"])
    assert run_cli(home, "summary", "--json")["date_range"] == ["2020-05-01", "2020-05-01"]
    run_cli(home, "consent", "grant", "places")
    moments = run_cli(home, "moments", "--json")
    ids = {pid for m in moments for pid in m["photo_ids"]}
    assert recs["year-1.jpg"]["id"] not in ids and recs["year-9999.jpg"]["id"] not in ids
    assert recs["normal0.jpg"]["id"] in ids
    run_cli(home, "home", "--json")


def test_extreme_dates_do_not_break_the_web_moments_page(tmp_path: Path) -> None:
    from camroll.config import Config
    from camroll.web.app import create_app
    from tests.test_web import browser

    _lib, home = _extreme_library(tmp_path)
    with browser(create_app(Config(home=home, workers=1))) as client:
        assert client.get("/moments").status_code == 200


# --- memory ------------------------------------------------------------------------------------


def test_inflate_is_bounded() -> None:
    assert inflate(zeros_deflated(1000), limit=1000) == b"\x00" * 1000
    with pytest.raises(InflateLimit):
        inflate(zeros_deflated(1001), limit=1000)


@pytest.fixture(scope="module")
def gib_of_zeros() -> bytes:
    """A 1 MB zlib stream that expands to 1 GiB."""
    return zeros_deflated(1 << 30)


def test_a_png_text_bomb_does_not_blow_up_the_scan(tmp_path: Path, gib_of_zeros: bytes) -> None:
    """Peak memory of a whole scan process, measured by the kernel, stays far below the GiB."""
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "xmp-bomb.png").write_bytes(png(16, 16, xmp_itxt(gib_of_zeros, compressed=True)))
    (lib / "exif-bomb.png").write_bytes(png(16, 16, exif_ztxt(gib_of_zeros)))
    (lib / "good.jpg").write_bytes(jpeg())
    assert (lib / "xmp-bomb.png").stat().st_size < 2 << 20
    script = textwrap.dedent(f"""
        import json, resource, sys
        from typer.testing import CliRunner
        from camroll.cli import app
        r = CliRunner().invoke(app, ["scan", {str(lib)!r}, "--no-analyze", "--quiet", "--json",
                                     "--home", {str(tmp_path / "home")!r}], catch_exceptions=False)
        # VmHWM, not RUSAGE_SELF: Linux carries ru_maxrss across exec (from the pytest process).
        hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
        print(json.dumps({{"code": r.exit_code, "out": r.stdout, "rss_kb": hwm,
                          "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    peak_mb = max(result["rss_kb"], result["children_kb"]) / 1024
    assert peak_mb < 600, f"scan peaked at {peak_mb:.0f} MB"
    recs = _records(tmp_path / "home")
    for name in ("xmp-bomb.png", "exif-bomb.png"):
        assert recs[name]["state"] == "problem"
        assert any("decompression bomb" in e for e in recs[name]["errors"]), recs[name]["errors"]
    assert recs["good.jpg"]["state"] == "ok"


def test_an_xmp_packet_over_the_cap_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    from camroll import thresholds

    monkeypatch.setattr(thresholds, "MAX_XMP_BYTES", 1000)
    m = _meta(jpeg(xmp=xmp_packet(dc_title="x" * 2000, xmp_Rating="3")))
    assert m.rating is None and any("over the" in e and "XMP" in e for e in m.errors)


def test_a_bomb_is_never_decoded_by_analysis_thumbnails_or_sharing(tmp_path: Path, ctx: Any) -> None:
    """The scan calls a 60000 x 60000 PNG a decompression bomb; no later stage decodes it."""
    from camroll.analysis.decode import DecodeError, decode
    from camroll.library.scan import scan
    from camroll.sharing import strip
    from camroll.web import thumbs

    lib = tmp_path / "lib"
    lib.mkdir()
    bomb = lib / "bomb.png"
    bomb.write_bytes(png(60_000, 60_000))
    scan(ctx, [str(lib)])
    row = ctx.db.query("SELECT id, hash, width, height FROM photos")[0]
    assert (row["width"], row["height"]) == (60_000, 60_000)
    with pytest.raises(DecodeError, match="decompression bomb"):
        decode(row["id"], row["hash"], str(bomb), 1, (60_000, 60_000))
    with pytest.raises(DecodeError, match="decompression bomb"):  # the header decides, whatever the catalog says
        decode(row["id"], row["hash"], str(bomb), 1, None)
    assert thumbs.thumbnail(ctx, row["id"], thumbs.SIDES[0]) is None
    with pytest.raises(strip.ShareError, match="decompression bomb"):
        strip.load_pixels(str(bomb), 1, (60_000, 60_000))


def test_a_357_megapixel_png_is_refused_too() -> None:
    """Pillow's own check fires only at twice MAX_IMAGE_PIXELS; camroll's limit is the limit."""
    from camroll.analysis.decode import DecodeError, decode

    with pytest.raises(DecodeError, match="decompression bomb"):
        decode(1, "h", "/nonexistent", 1, (18_900, 18_900))


def test_pillow_errors_name_the_file_not_a_buffer(tmp_path: Path) -> None:
    from camroll.analysis.decode import DecodeError, decode

    odd = tmp_path / "holiday.png"
    odd.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(DecodeError) as caught:
        decode(1, "h", str(odd), 1, None)
    assert "BytesIO" not in str(caught.value) and "holiday.png" in str(caught.value)


# --- scan robustness ---------------------------------------------------------------------------


def test_a_fifo_is_refused_never_opened(tmp_path: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    os.mkfifo(lib / "pipe.jpg")
    os.mkfifo(tmp_path / "arg.jpg")
    (lib / "good.jpg").write_bytes(jpeg())
    script = textwrap.dedent(f"""
        from typer.testing import CliRunner
        from camroll.cli import app
        r = CliRunner().invoke(app, ["scan", {str(lib)!r}, {str(tmp_path / "arg.jpg")!r}, "--no-analyze",
                                     "--quiet", "--json", "--home", {str(home)!r}], catch_exceptions=False)
        print(r.stdout)
        raise SystemExit(r.exit_code)
    """)
    # A blocked open would hang: the subprocess's timeout turns that into a failure, not a stuck suite.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    failures = {os.path.basename(p): errs for p, errs in summary["failures"]}
    assert "FIFO" in failures["pipe.jpg"][0] and "FIFO" in failures["arg.jpg"][0]
    assert _records(home)["good.jpg"]["state"] == "ok"


def test_a_fifo_swapped_in_after_the_walk_is_not_read(tmp_path: Path) -> None:
    """The reader itself refuses a FIFO (opened non-blocking, checked before any read); in a
    daemon thread, so a blocking open fails this test instead of hanging the suite."""
    import threading

    path = tmp_path / "race.jpg"
    os.mkfifo(path)
    results: list[Any] = []
    reader = threading.Thread(
        target=lambda: results.append(scan_module.read_file(scan_module.Found(os.fsencode(path), 0, 0, 1))), daemon=True
    )
    reader.start()
    reader.join(60)
    assert results, "read_file blocked opening a FIFO"
    assert results[0].meta is None and "FIFO" in results[0].errors[0]


def test_a_file_cut_short_while_read_does_not_kill_the_scan(tmp_path: Path) -> None:
    """A large file truncated during the read: with mmap this was SIGBUS, the process dead."""
    big = tmp_path / "big.jpg"
    data = jpeg()
    big.write_bytes(data[:-2] + os.urandom(3 << 20) + data[-2:])
    script = textwrap.dedent(f"""
        import hashlib, os
        from camroll import thresholds
        from camroll.library import scan
        thresholds.MAX_FILE_BYTES_IN_MEMORY = 1 << 20
        real = hashlib.sha256
        def cut_then_hash(*args):
            os.truncate({str(big)!r}, 1000)  # the file shrinks under the reader
            return real(*args)
        scan.hashlib.sha256 = cut_then_hash
        st = os.stat({str(big)!r})
        r = scan.read_file(scan.Found(os.fsencode({str(big)!r}), st.st_size, st.st_mtime_ns, 1))
        print(r.errors)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, f"reader died with {done.returncode}: {done.stderr[-1000:]}"
    assert "changed while it was read" in done.stdout


def test_large_files_are_read_without_mmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_FILE_BYTES_IN_MEMORY: the same hash and metadata, from chunks; a movie's media
    data is skipped, not read into memory."""
    import hashlib

    from camroll import thresholds
    from tests.test_isobmff import box, movie

    monkeypatch.setattr(thresholds, "MAX_FILE_BYTES_IN_MEMORY", 1 << 16)
    monkeypatch.setattr(thresholds, "SCAN_READ_CHUNK_BYTES", 4096)
    photo = tmp_path / "big.jpg"
    photo.write_bytes(jpeg({"0th": {271: b"Canon"}}, size=(900, 900)) + b"\0" * (1 << 17))
    clip = tmp_path / "big.mp4"
    clip.write_bytes(movie(tail=(box(b"mdat", os.urandom(1 << 18)),)))
    for path in (photo, clip):
        st = path.stat()
        r = scan_module.read_file(scan_module.Found(os.fsencode(path), st.st_size, st.st_mtime_ns, 1))
        assert r.hash == hashlib.sha256(path.read_bytes()).hexdigest() and not r.errors
        whole = extract(read_container(path.read_bytes(), path.suffix), path.name, st.st_mtime_ns / 1e9)
        assert r.meta == whole
    assert whole.kind == "video" and whole.duration == 12.345 and whole.width == 1080


# --- smaller defects ---------------------------------------------------------------------------


def test_exact_copies_state_and_errors_agree(tmp_path: Path) -> None:
    """A copy with a lying extension has its own note; 'problem' always comes with its errors."""
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    data = jpeg({"0th": {271: b"Canon"}})
    (lib / "a.jpg").write_bytes(data)
    (lib / "b.png").write_bytes(data)
    (lib / "c.jpg").write_bytes(data)
    _scan_json(home, lib)
    recs = _records(home)
    for rec in recs.values():
        assert (rec["state"] == "problem") == bool(rec["errors"]), rec
    assert recs["b.png"]["state"] == "problem" and "does not match" in recs["b.png"]["errors"][0]
    assert recs["c.jpg"]["state"] == "ok" and recs["c.jpg"]["duplicate_kind"] == "exact"


@pytest.mark.parametrize("ref", [b"X", b"Q", b"NE"])
def test_gps_references_other_than_nsew_are_dropped(ref: bytes) -> None:
    gps = {1: ref, 2: ((10, 1), (0, 1), (0, 1)), 3: b"W", 4: ((20, 1), (0, 1), (0, 1))}
    m = _meta(jpeg({"GPS": gps}))
    assert m.gps_lat is None and m.gps_lon is None
    assert any("GPSLatitudeRef" in e and "N/S/E/W" in e for e in m.errors), m.errors


def test_gps_references_that_are_right_still_work() -> None:
    gps = {1: b"S", 2: ((10, 1), (0, 1), (0, 1)), 3: b"W", 4: ((20, 1), (0, 1), (0, 1))}
    m = _meta(jpeg({"GPS": gps}))
    assert (m.gps_lat, m.gps_lon) == (-10.0, -20.0) and not m.errors


@pytest.mark.parametrize(
    "packet",
    [
        b"<x:xmpmeta><rdf:RDF>",
        b"garbage without a root",
        b"<rdf:RDF><dc:title></b></rdf:RDF>",
        b"<x:xmpmeta>Rating=&bad;</x:xmpmeta>",
    ],
)
def test_malformed_xmp_is_reported(packet: bytes) -> None:
    """(A packet with a root element but nothing camroll reads is not parsed, for speed, so its
    inner errors go unreported: it costs nothing either way.)"""
    m = _meta(jpeg(xmp=packet))
    assert any("XMP is malformed" in e for e in m.errors), m.errors


def test_a_tiff_without_a_size_is_reported() -> None:
    m = _meta(tiff([(0x010F, 2, 4, b"Cam\x00")]), "scan.tif")
    assert m.width is None and any("does not say its image size" in e for e in m.errors), m.errors


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    lib, home = tmp_path / "lib", tmp_path / "home"
    lib.mkdir()
    evil = b"EOS\n5D\x1b[2J\x1b]0;pwned\x07\x9b31m\xe2\x80\xae"
    (lib / "evil.jpg").write_bytes(
        jpeg(
            {"0th": {271: b"Can\non", 272: evil, 270: b"line1\r\nline2\x00"}},
            xmp=xmp_packet(dc_title="a&#10;b&#133;c&#8238;d"),
        )
    )
    _scan_json(home, lib)
    rec = _records(home)["evil.jpg"]
    for text in (rec["camera"]["make"], rec["camera"]["model"], rec["description"], rec["title"]):
        assert text and not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in text), text
    assert rec["camera"]["make"] == "Can on"
    out = run_cli(home, "photos").stdout
    assert "\x1b" not in out and "pwned" not in out.split("\n")[0]
