"""The trash (issue 14): `camroll delete` moves a photo's file into <home>/trash/ byte for byte and
the photo leaves the library; `camroll trash restore` puts it back where it was and catalogues it
again; the sweep destroys only what was deleted more than TRASH_KEEP_DAYS ago; a rescan never
catalogues the trash, even from a library folder that holds the home; and a tampered path or a
link in place of a folder cannot make a delete, restore or empty touch anything outside the home
or the library folder. Real photos from tests/data/photos, copied into a library in tmp_path."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from camroll import thresholds
from camroll.cli import app
from camroll.config import AppContext, Config
from camroll.library import trash
from camroll.library.scan import scan
from camroll.privacy.retention import sweep
from camroll.privacy.trash import TrashError
from camroll.store import trash as store
from camroll.web.app import create_app
from tests.conftest import PHOTOS, catalog, run_cli
from tests.test_curation import _day
from tests.test_web import browser, token

pytestmark = pytest.mark.photos
DAY = 86400


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _library(folder: Path) -> dict[str, Path]:
    """Four real photos: two at the top, two in a subfolder (so the trash keeps a folder)."""
    picked = sorted((PHOTOS / "scenes").rglob("*.jpg"))[:4]
    assert len(picked) == 4
    (folder / "2019" / "beach").mkdir(parents=True)
    out = {}
    for i, p in enumerate(picked):
        dest = folder / p.name if i < 2 else folder / "2019" / "beach" / p.name
        shutil.copyfile(p, dest)
        out[p.name] = dest
    return out


def _ids(home: Path) -> dict[str, int]:
    return {os.path.basename(r["path"]): int(r["id"]) for r in run_cli(home, "photos", "--json") if r["path"]}


def _every_file(*roots: Path) -> dict[str, int]:
    """sha256 -> how many files hold those bytes, under these folders."""
    seen: dict[str, int] = {}
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                if name.lower().endswith(".jpg"):
                    h = _sha(Path(dirpath) / name)
                    seen[h] = seen.get(h, 0) + 1
    return seen


def test_delete_moves_the_file_whole_and_restore_brings_it_back(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    name, original = next((n, p) for n, p in files.items() if p.parent.name == "beach")
    digest, inode = _sha(original), original.stat().st_ino
    before = _every_file(lib)

    result = CliRunner().invoke(app, ["delete", str(original), "--home", str(home)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "Move 1 photo to the trash" in result.output and "kept 30 days" in result.output

    # Moved, not copied and unlinked: the same inode, the same bytes, under the same relative path.
    held = home / "trash" / "2019" / "beach" / name
    assert not original.exists() and held.is_file()
    assert _sha(held) == digest and held.stat().st_ino == inode
    assert _every_file(lib, home / "trash") == before  # nothing is gone: every byte is somewhere
    # The photo left the library: the list, the timeline and search.
    assert ids[name] not in _ids(home).values() and len(_ids(home)) == 3
    hits = run_cli(home, "search", "iPhone", "--json")["hits"] + run_cli(home, "search", "2019", "--json")["hits"]
    assert all(h["photo_id"] != ids[name] and h["path"] != str(original) for h in hits)
    with browser(create_app(Config(home=home, workers=1))) as c:
        page = c.get("/").text
        other = next(n for n in ids if n != name)
        assert f'href="/photo/{ids[name]}"' not in page and f'href="/photo/{ids[other]}"' in page
        assert c.get(f"/photo/{ids[name]}").status_code == 404
        assert name in c.get("/trash").text
    listed = run_cli(home, "trash", "--json")
    assert [(r["original"], r["days_left"], r["hash"]) for r in listed] == [(str(original), 30, digest)]

    # Restore by its original path: back at the same path, the same bytes, catalogued again.
    run_cli(home, "trash", "restore", str(original))
    assert original.is_file() and _sha(original) == digest and not held.exists()
    assert not (home / "trash").exists()  # emptied folders go too
    assert name in _ids(home) and run_cli(home, "trash", "--json") == []
    kinds = [e["kind"] for e in run_cli(home, "audit", "--json")]
    assert kinds.count("trash.delete") == 1 and kinds.count("trash.restore") == 1


def test_restore_never_overwrites_and_empty_destroys(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    (a, pa), (b, pb) = sorted(files.items())[:2]
    digest = _sha(pa)
    run_cli(home, "delete", str(ids[a]), str(ids[b]), "--yes")
    pa.write_bytes(b"a new file with the old name")  # the person put something else there
    restored = run_cli(home, "trash", "restore", str(pa), "--json")
    again = pa.with_name(f"{pa.stem} (2){pa.suffix}")
    assert restored["restored"] == [[str(pa), str(again)]]
    assert pa.read_bytes() == b"a new file with the old name" and _sha(again) == digest
    # Empty: destroyed for good, the library untouched.
    assert run_cli(home, "trash", "empty", "--yes", "--json") == {"destroyed": 1, "items": 1}
    assert not pb.exists() and not (home / "trash").exists() and run_cli(home, "trash", "--json") == []
    result = CliRunner().invoke(app, ["trash", "empty", "--home", str(home)])
    assert result.exit_code == 2 and "--yes" in result.output


def test_the_sweep_destroys_only_what_is_past_its_days(ctx: AppContext, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    files = _library(lib)
    scan(ctx, [str(lib)])
    ids = {os.path.basename(r[1]): int(r[0]) for r in ctx.db.query("SELECT photo_id, path FROM files")}
    old, new = sorted(files)[:2]
    now = time.time()
    at = datetime.fromtimestamp(now - 20 * DAY, UTC).isoformat(timespec="seconds")
    held_old = Path(trash.delete_photos(ctx, [ids[old]], at=at).files[0][1])  # deleted 20 days ago
    held_new = Path(trash.delete_photos(ctx, [ids[new]]).files[0][1])
    assert held_old.is_file() and held_new.is_file()
    stray = ctx.config.home / "trash" / "left-by-a-crash.jpg"  # a file no item owns: dated by its age
    stray.write_bytes(b"x")

    soon = sweep(ctx, force=True, now=now + 9 * DAY)  # 29 and 9 days: nothing is due
    assert soon.destroyed["trash"] == 0 and len(store.items(ctx.db)) == 2
    later = sweep(ctx, force=True, now=now + 11 * DAY)  # 31 days for the old one
    assert later.destroyed["trash"] == 1
    assert [os.path.basename(i.original_path) for i in store.items(ctx.db)] == [new]
    assert not held_old.exists() and held_new.exists() and stray.exists()
    last = sweep(ctx, force=True, now=now + (thresholds.TRASH_KEEP_DAYS + 1) * DAY)
    assert last.destroyed["trash"] == 2 and store.items(ctx.db) == [] and not stray.exists()
    assert all(files[n].is_file() for n in sorted(files)[2:])  # the library is untouched


def test_a_rescan_never_catalogues_the_trash(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    _library(lib)
    home = lib / "camroll-home"  # a library folder that holds camroll's home
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    assert len(ids) == 4
    name = sorted(ids)[0]
    run_cli(home, "delete", str(ids[name]), "--yes")
    assert len(list((home / "trash").rglob(name))) == 1
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    rows = run_cli(home, "photos", "--json")
    assert len(rows) == 3 and not [r for r in rows if "trash" in (r["path"] or "")]
    # Even a link to the trash from inside the library is not walked.
    (lib / "shortcut").symlink_to(home / "trash")
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    assert len(run_cli(home, "photos", "--json")) == 3
    # Nor is anything else camroll writes in its home (caches, creations), but what an import
    # copied into it is the person's own photos.
    some = next(p for p in lib.rglob("*.jpg") if "camroll-home" not in str(p))
    for folder in ("cache/thumbs", "creations", "imports/takeout"):
        (home / folder).mkdir(parents=True, exist_ok=True)
        (home / folder / "copy.jpg").write_bytes(some.read_bytes() + folder.encode())  # a copy of its own
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    found = [r["path"] for r in run_cli(home, "photos", "--json") if "camroll-home" in (r["path"] or "")]
    assert [Path(p).parent.name for p in found] == ["takeout"], found


def _tree(root: Path) -> set[str]:
    return {str(p) for p in root.rglob("*")}


def test_hostile_paths_and_links_cannot_lead_outside(tmp_path: Path) -> None:
    home, lib, outside = tmp_path / "home", tmp_path / "lib", tmp_path / "outside"
    files = _library(lib)
    outside.mkdir()
    ctx = AppContext(Config(home=home, workers=1))
    try:
        scan(ctx, [str(lib)])
        ids = {os.path.basename(r[1]): int(r[0]) for r in ctx.db.query("SELECT photo_id, path FROM files")}
        top = sorted(n for n, p in files.items() if p.parent == lib)
        beach = sorted(n for n, p in files.items() if p.parent.name == "beach")

        # 1. A stored path that climbs out of its library folder: refused, nothing moved.
        victim = outside / top[0]
        shutil.copyfile(files[top[0]], victim)
        con = catalog(home)
        climbing = os.fsencode(lib) + b"/2019/../../outside/" + top[0].encode()
        con.execute("UPDATE files SET path_bytes = ? WHERE photo_id = ?", (climbing, ids[top[0]]))
        con.commit()
        report = trash.delete_photos(ctx, [ids[top[0]]])
        assert report.deleted == [] and "leave its folder" in report.refused[0][1]
        assert victim.is_file() and files[top[0]].is_file() and not (home / "trash").exists()

        # 2. A link in place of the trash folder: refused, never followed.
        (home / "trash").symlink_to(outside)
        report = trash.delete_photos(ctx, [ids[top[1]]])
        assert report.deleted == [] and "trash folder" in report.refused[0][1]
        assert files[top[1]].is_file() and _tree(outside) == {str(victim)}
        (home / "trash").unlink()

        # 3. A link in place of a folder inside the trash: refused too.
        (home / "trash").mkdir(mode=0o700)
        (home / "trash" / "2019").symlink_to(outside)
        report = trash.delete_photos(ctx, [ids[beach[0]]])
        assert report.deleted == [] and files[beach[0]].is_file() and _tree(outside) == {str(victim)}
        (home / "trash" / "2019").unlink()

        # 4. Restore where a library folder was swapped for a link: refused, stays in the trash.
        assert trash.delete_photos(ctx, [ids[beach[1]]]).deleted == [ids[beach[1]]]
        shutil.rmtree(lib / "2019")
        (lib / "2019").symlink_to(outside)
        item = store.items(ctx.db)[0]
        report2 = trash.restore(ctx, [item])
        assert report2.restored == [] and "link" in report2.refused[0][1]
        assert _tree(outside) == {str(victim)} and (home / "trash" / "2019" / "beach" / beach[1]).is_file()
        (lib / "2019").unlink()

        # 5. A tampered trash row (where it came from, where it waits) cannot make restore or
        #    empty write or delete outside: restore refuses, empty forgets the row, touching nothing.
        con.execute("UPDATE trash SET original_bytes = ?", (os.fsencode(lib) + b"/../outside/evil.jpg",))
        con.commit()
        report3 = trash.restore(ctx, store.items(ctx.db))
        assert report3.restored == [] and not (outside / "evil.jpg").exists()
        (home / "keep.txt").write_text("a file of the home beside the trash")  # camroll.db on SQLite
        con.execute("UPDATE trash SET trash_rel = ?", (b"../keep.txt",))
        con.commit()
        with pytest.raises(TrashError):
            trash.safe_parts(b"../camroll.db")
        assert trash.empty(ctx, store.items(ctx.db)) == 0
        assert (home / "keep.txt").is_file() and store.items(ctx.db) == []
        con.close()
    finally:
        ctx.close()


def test_days_left() -> None:
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    at = (now - timedelta(days=29, hours=1)).isoformat(timespec="seconds")
    assert trash.days_left(at, now.timestamp()) == 1
    assert trash.days_left((now - timedelta(days=40)).isoformat(timespec="seconds"), now.timestamp()) == 0


def test_across_file_systems_the_file_is_copied_checked_then_unlinked(tmp_path: Path) -> None:
    """A home on another file system (/dev/shm, a tmpfs): no hard link is possible, so the file is
    copied, flushed and hashed before its original name goes; the same again on the way back."""
    lib = tmp_path / "lib"
    files = _library(lib)
    shm = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        home = shm / "home"
        assert os.stat(shm).st_dev != os.stat(tmp_path).st_dev
        run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
        name = sorted(files)[0]
        digest, mtime = _sha(files[name]), files[name].stat().st_mtime_ns
        moved = run_cli(home, "delete", str(files[name]), "--yes", "--json")
        held = Path(moved["files"][0][1])
        assert not files[name].exists() and _sha(held) == digest and held.stat().st_mtime_ns == mtime
        assert not [p for p in held.parent.iterdir() if "camroll-tmp" in p.name]  # no staging copy left
        run_cli(home, "trash", "restore", "--all")
        assert _sha(files[name]) == digest and not held.exists() and name in _ids(home)
    finally:
        shutil.rmtree(shm)


def test_a_deleted_photo_leaves_its_moment_and_a_second_one_of_that_name_waits_beside_it(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    _day(lib, 6)  # six photos a minute apart: one moment
    run_cli(home, "scan", str(lib), "--workers", "1", "--no-analyze", "--quiet")
    ids = _ids(home)
    assert any(ids["p2.jpg"] in m["photo_ids"] for m in run_cli(home, "moments", "--json"))
    first = _sha(lib / "p2.jpg")
    run_cli(home, "delete", str(lib / "p2.jpg"), "--yes")
    assert not any(ids["p2.jpg"] in m["photo_ids"] for m in run_cli(home, "moments", "--json"))
    # Another p2.jpg, deleted too: it waits beside the first under a suffixed name.
    Image.new("RGB", (90, 60), (200, 20, 20)).save(lib / "p2.jpg", "JPEG")
    run_cli(home, "scan", str(lib), "--workers", "1", "--no-analyze", "--quiet")
    second = _sha(lib / "p2.jpg")
    run_cli(home, "delete", str(lib / "p2.jpg"), "--yes")
    assert {_sha(home / "trash" / "p2.jpg"), _sha(home / "trash" / "p2 (2).jpg")} == {first, second}
    # Both come back; the second one to arrive finds the name taken and gets a suffix.
    run_cli(home, "trash", "restore", "--all")
    assert {_sha(lib / "p2.jpg"), _sha(lib / "p2 (2).jpg")} == {first, second}
    assert {"p2.jpg", "p2 (2).jpg"} <= set(_ids(home))


def test_the_web_deletes_only_for_its_own_pages(tmp_path: Path) -> None:
    """A delete, restore or empty sent without the page's token, or by another site's page, is
    refused and moves nothing."""
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    name = sorted(ids)[0]
    with browser(create_app(Config(home=home, workers=1))) as c:
        good = token(c, f"/photo/{ids[name]}")
        for data, headers in (
            ({}, {}),
            ({"csrf": "forged"}, {}),
            ({"csrf": good}, {"origin": "http://evil.example"}),
        ):
            r = c.post(f"/photo/{ids[name]}/delete", data=data, headers=headers, follow_redirects=False)
            assert r.status_code == 403, (data, headers)
            assert files[name].is_file()
        r = c.post(f"/photo/{ids[name]}/delete", data={"csrf": good}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/trash?deleted=1" and not files[name].exists()
        item = run_cli(home, "trash", "--json")[0]["id"]
        for url in (f"/trash/{item}/restore", f"/trash/{item}/destroy", "/trash/empty"):
            r = c.post(url, data={"csrf": good}, headers={"origin": "http://evil.example"}, follow_redirects=False)
            assert r.status_code == 403 and len(run_cli(home, "trash", "--json")) == 1
        assert c.post("/trash/999/restore", data={"csrf": good}).status_code == 404
        # The Trash page's preview is made from the file in the trash and kept nowhere.
        digest = run_cli(home, "trash", "--json")[0]["hash"]
        shown = c.get(f"/trash/{item}/preview.jpg")
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert shown.headers["cache-control"] == "no-store" and shown.content[:2] == b"\xff\xd8"
        assert not [p for p in (home / "cache").rglob("*") if digest in p.name]
        r = c.post(f"/trash/{item}/destroy", data={"csrf": good}, follow_redirects=False)
        assert r.status_code == 303 and run_cli(home, "trash", "--json") == [] and not files[name].exists()


def test_a_read_only_folder_keeps_its_photo_and_the_trash_keeps_no_copy(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    ids = _ids(home)
    name = sorted(n for n, p in files.items() if p.parent.name == "beach")[0]
    folder = files[name].parent
    folder.chmod(0o555)
    immutable = os.geteuid() == 0  # root may unlink in a 0555 folder: make it immutable instead
    if immutable:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        result = CliRunner().invoke(app, ["delete", str(ids[name]), "--yes", "--home", str(home)])
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
    assert result.exit_code == 1 and "cannot be changed" in result.output
    assert files[name].is_file() and name in _ids(home)
    assert run_cli(home, "trash", "--json") == [] and not list((home / "trash").rglob("*.jpg"))


def test_a_live_photo_goes_to_the_trash_whole_and_comes_back_a_pair(tmp_path: Path) -> None:
    from tests.test_apple_live import CID, apple_exif, apple_maker_note, jpeg_with_exif, live_mov

    home, lib = tmp_path / "home", tmp_path / "lib"
    lib.mkdir()
    dog = sorted((PHOTOS / "scenes" / "dog").glob("*.jpg"))[0]
    (lib / "IMG_0001.JPG").write_bytes(jpeg_with_exif(dog.read_bytes(), apple_exif(apple_maker_note(CID.encode()))))
    live_mov(lib / "IMG_0001.MOV", dog, CID)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    assert any(r["clip_of"] for r in run_cli(home, "photos", "--json"))  # one item: a still and its MOV
    moved = run_cli(home, "delete", str(lib / "IMG_0001.JPG"), "--yes", "--json")
    assert len(moved["deleted"]) == 2 and sorted(p.name for p in (home / "trash").iterdir()) == [
        "IMG_0001.JPG",
        "IMG_0001.MOV",
    ]
    assert run_cli(home, "photos", "--json") == [] and list(lib.iterdir()) == []
    run_cli(home, "trash", "restore", "--all")
    records = {Path(r["path"]).name: r for r in run_cli(home, "photos", "--json")}
    assert records["IMG_0001.MOV"]["clip_of"] == str(lib / "IMG_0001.JPG")
