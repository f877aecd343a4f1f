"""The catalog at scale, in small: ``camroll photos`` streams, and a rescan does no work for
files that did not change, however many there are (bench/library_scale.py measures the 200,000).
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from camroll.config import AppContext
from camroll.library import scan as scan_module
from camroll.library.scan import scan, walk
from camroll.store import catalog
from camroll.store import scan as store_scan
from camroll.store.db import now_iso

TINY = "exif/ianare/camera/Fujifilm_FinePix6900ZOOM.jpg"
"""A real 4 kB JPEG with EXIF: copies with distinct trailing bytes are distinct photos."""


def _insert_rows(ctx: AppContext, n: int) -> None:
    """``n`` live photos written straight into the catalog (rows, no files)."""
    now = now_iso()
    with ctx.db.transaction() as conn:
        root = conn.execute(
            "INSERT INTO roots (path, path_bytes, added_at) VALUES ('/r', x'2f72', ?)", (now,)
        ).lastrowid
        conn.executemany(
            "INSERT INTO photos (id, hash, format, kind, size, width, height, taken_local, taken_at_source,"
            " make, model, metadata_version, created_at) VALUES (?, ?, 'jpeg', 'photo', 1000, 4, 3, ?,"
            " 'exif:DateTimeOriginal', 'Canon', 'Canon EOS 6D', 1, ?)",
            [(i, f"{i:064x}", f"20{i % 20:02d}-01-01T00:00:00", now) for i in range(1, n + 1)],
        )
        conn.executemany(
            "INSERT INTO files (root_id, path_bytes, path, size, mtime_ns, photo_id, state, first_seen, scanned_at)"
            " VALUES (?, ?, ?, 1000, 0, ?, 'ok', ?, ?)",
            [(root, f"/r/IMG_{i:06d}.jpg".encode(), f"/r/IMG_{i:06d}.jpg", i, now, now) for i in range(1, n + 1)],
        )


def _peak_while_listing(ctx: AppContext) -> tuple[int, int]:
    """(records seen, peak bytes Python allocated while going through every record)."""
    gc.collect()
    tracemalloc.start()
    try:
        seen = sum(1 for _ in catalog.iter_photo_records(ctx))
        return seen, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_photo_records_stream_in_memory_that_does_not_grow_with_the_library(ctx: AppContext) -> None:
    _insert_rows(ctx, 1_000)
    seen_small, small = _peak_while_listing(ctx)
    with ctx.db.transaction() as conn:
        conn.execute("DELETE FROM files")
        conn.execute("DELETE FROM photos")
        conn.execute("DELETE FROM roots")
    _insert_rows(ctx, 8_000)
    seen_large, large = _peak_while_listing(ctx)
    assert (seen_small, seen_large) == (1_000, 8_000)
    # a list of every record grows eightfold here (~1 kB a record); a page at a time stays flat
    assert large < 1.5 * small, f"peak {small / 1e6:.1f} MB at 1,000 records, {large / 1e6:.1f} MB at 8,000"


def test_photos_json_is_the_list_written_element_by_element(
    ctx: AppContext, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from camroll.cli.library import _stream_json_list

    _insert_rows(ctx, 700)  # more than one page
    records = catalog.photo_records(ctx)
    _stream_json_list(catalog.iter_photo_records(ctx))
    assert capsys.readouterr().out == json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    assert len(records) == 700
    _stream_json_list(iter([]))
    assert json.loads(capsys.readouterr().out) == []


def _library(root: Path, photos_dir: Path, folders: int, per_folder: int) -> list[Path]:
    data = (photos_dir / TINY).read_bytes()
    out = []
    for f in range(folders):
        folder = root / f"20{f:02d}" / "01"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            path = folder / f"IMG_{i:04d}.jpg"
            path.write_bytes(data + b"unique-%d-%d" % (f, i))
            out.append(path)
    return out


def test_a_rescan_compares_thousands_of_unchanged_files_without_opening_one(
    ctx: AppContext, tmp_path: Path, photos_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = tmp_path / "lib"
    files = _library(lib, photos_dir, folders=6, per_folder=500)
    first = scan(ctx, [str(lib)], workers=1)
    assert first.new_photos == len(files) == 3000 and first.failed == 0
    opened: list[Any] = []
    asked: list[tuple[bytes, bytes]] = []
    real_read, real_known = scan_module.read_file, store_scan.known_in
    monkeypatch.setattr(scan_module, "read_file", lambda found: opened.append(found) or real_read(found))

    def counting_known_in(db: Any, low: bytes, high: bytes, *args: Any) -> list[store_scan.Known]:
        asked.append((low, high))
        return real_known(db, low, high, *args)

    monkeypatch.setattr(store_scan, "known_in", counting_known_in)
    again = scan(ctx, [str(lib)], workers=1)
    assert opened == [] and again.unchanged == 3000 and again.read == 0 and again.removed == 0
    assert len(asked) <= 3000 // 2048 + 2, "the catalog is asked a chunk at a time, not a file at a time"

    # a file changed inside a folder: the folder's mtime does not move, the file is read again
    changed = files[1234]
    folder_mtime = changed.parent.stat().st_mtime_ns
    changed.write_bytes(changed.read_bytes() + b"edited")
    assert changed.parent.stat().st_mtime_ns == folder_mtime
    gone, added = files[10], lib / "2003" / "02" / "new.jpg"
    gone.unlink()
    added.parent.mkdir(parents=True)
    added.write_bytes((photos_dir / TINY).read_bytes() + b"new")
    opened.clear()
    third = scan(ctx, [str(lib)], workers=1)
    assert sorted(f.path_bytes for f in opened) == sorted([os.fsencode(changed), os.fsencode(added)])
    assert third.unchanged == 2998 and third.removed == 1 and third.new_photos == 2


def test_the_walk_comes_in_the_byte_order_of_paths(tmp_path: Path) -> None:
    """The rescan merges the walk with the catalog's index: both must sort the same way, with
    names around '/' ('-' and '.' sort before it, '0' after)."""
    for rel in ("a-b.jpg", "a.jpg", "a/x.jpg", "a/b/c.jpg", "a0.jpg", "B.JPG", "a/b.jpg", "é.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    paths = [p for p, _st in walk(os.fsencode(tmp_path), lambda p, m: None)]
    assert len(paths) == 8 and paths == sorted(paths)


def test_a_folder_named_like_the_scanned_one_is_not_marked_gone(
    ctx: AppContext, tmp_path: Path, photos_dir: Path
) -> None:
    """Scanning ``lib`` must not touch ``lib-2``'s files, which sort between ``lib`` and
    ``lib/`` in the catalog's index."""
    one, two = tmp_path / "lib", tmp_path / "lib-2"
    _library(one, photos_dir, folders=1, per_folder=3)
    _library(two, photos_dir, folders=1, per_folder=3)
    scan(ctx, [str(two)], workers=1)
    assert scan(ctx, [str(one)], workers=1).removed == 0
    assert scan(ctx, [str(two)], workers=1).unchanged == 3
