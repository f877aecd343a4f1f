"""Erasure proof: after each kind of deletion, no trace of what was deleted is left in camroll's files.

The scan reads the raw bytes of the database file and its write-ahead log (free pages included),
every file under the caches (names and contents) and every creation, and looks for the deleted
photo's content hash, its path, the words read in it, its face prints (as stored, sealed, and as
the plain vectors they seal) and the names given to its people.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from camroll.config import AppContext, Config
from camroll.creations.records import record
from camroll.people import edit
from camroll.privacy import consent
from camroll.privacy.removal import Exclusions, clear_exclusions, forget_person
from tests.conftest import catalog, run_cli


@dataclass
class Traces:
    """What must vanish, by kind, as bytes."""

    photo_id: int
    hash: bytes
    path: bytes
    text: list[bytes] = field(default_factory=list)
    sealed_prints: list[bytes] = field(default_factory=list)
    plain_prints: list[bytes] = field(default_factory=list)
    crops: list[str] = field(default_factory=list)

    def of(self, *kinds: str) -> list[tuple[str, bytes]]:
        out: list[tuple[str, bytes]] = []
        for kind in kinds:
            value = getattr(self, kind)
            out += [(kind, v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, bytes)]
        return out


pytestmark = pytest.mark.sqlite_only  # it reads the bytes of camroll.db* (tests/test_pg_purge.py: PostgreSQL's pages)


@contextmanager
def _ctx(home: Path) -> Iterator[AppContext]:
    context = AppContext(Config(home=home, workers=1))
    try:
        yield context
    finally:
        context.close()


def _traces(ctx: AppContext) -> Traces:
    """The photo with a face and the most words read in it (words no other photo shows)."""
    pid, photo_hash, path = ctx.db.query(
        "SELECT p.id, p.hash, (SELECT path FROM files WHERE photo_id = p.id ORDER BY id LIMIT 1) FROM photos p"
        " JOIN texts t ON t.photo_id = p.id WHERE EXISTS (SELECT 1 FROM faces WHERE photo_id = p.id)"
        " ORDER BY length(t.text) DESC LIMIT 1"
    )[0]
    traces = Traces(pid, photo_hash.encode(), path.encode())
    for line in ctx.db.scalar("SELECT text FROM texts WHERE photo_id = ?", (pid,)).splitlines():
        if len(line.strip()) >= 6 and not ctx.db.scalar(
            "SELECT 1 FROM texts WHERE photo_id != ? AND instr(text, ?) > 0", (pid, line.strip())
        ):
            traces.text.append(line.strip().encode())
    sealer = ctx.sealer("biometric")
    for blob, thumb in ctx.db.query("SELECT embedding, thumb FROM faces WHERE photo_id = ?", (pid,)):
        traces.sealed_prints.append(bytes(blob))
        traces.plain_prints.append(sealer.open(bytes(blob)))
        if thumb:
            traces.crops.append(thumb)
    assert traces.text and traces.sealed_prints and traces.crops, "the test needs a photo with text and a face"
    return traces


def _haystack(home: Path, extra: list[Path]) -> list[tuple[str, bytes]]:
    """(where, bytes) of everything camroll keeps beside the originals."""
    out = [(p.name, p.read_bytes()) for p in sorted(home.glob("camroll.db*"))]
    for folder in [home / "cache", home / "creations", *extra]:
        for p in sorted(folder.rglob("*")) if folder.exists() else []:
            if p.is_file():
                out.append((str(p), p.name.encode() + b"\0" + p.read_bytes()))
    return out


def _found(home: Path, needles: list[tuple[str, bytes]], extra: list[Path] = []) -> list[str]:  # noqa: B006
    hay = _haystack(home, extra)
    return [f"{kind} {needle[:24]!r} in {where}" for kind, needle in needles for where, data in hay if needle in data]


def _make_creations(ctx: AppContext, home: Path, traces: Traces) -> list[Path]:
    """A report (names the photo, its words) and a collage made with face data from the photo."""
    report = home / "creations" / "report.html"
    run_cli(home, "report", "--html", str(report))
    collage = home / "creations" / "collage.jpg"
    collage.write_bytes(b"JPEG..." + traces.path)
    record(ctx, "collage", collage, [traces.photo_id], capabilities=["faces"])
    return [report, collage]


def test_the_scan_finds_what_is_there(library_copy: Path) -> None:
    """The proof is only worth something if the same scan finds the traces before the deletion."""
    with _ctx(library_copy) as ctx:
        traces = _traces(ctx)
        ctx.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        found = _found(library_copy, traces.of("hash", "path", "text", "sealed_prints"))
        kinds = {f.split()[0] for f in found}
        assert kinds == {"hash", "path", "text", "sealed_prints"}, found
        assert any(traces.crops[0] in f for f in _found(library_copy, traces.of("hash")))
        assert not _found(library_copy, traces.of("plain_prints")), "face prints rest sealed"


def test_revoking_text_and_faces(library_copy: Path) -> None:
    with _ctx(library_copy) as ctx:
        traces = _traces(ctx)
        made = _make_creations(ctx, library_copy, traces)
        consent.revoke(ctx, "text")
        assert not _found(library_copy, traces.of("text")), "the words read in the photo survive revoking text"
        assert not made[0].exists(), "the report used text: it goes with it"
        assert made[1].exists(), "the collage used no text"
        consent.revoke(ctx, "faces")
        assert not _found(library_copy, traces.of("sealed_prints", "plain_prints"))
        assert not (library_copy / "cache" / "faces").exists() or not list((library_copy / "cache" / "faces").iterdir())
        assert not made[1].exists()
        assert not (library_copy / "keys" / "biometric.key").exists(), "the face key is shredded"


def test_removing_a_photo(library_copy: Path, tmp_path: Path) -> None:
    with _ctx(library_copy) as ctx:
        traces = _traces(ctx)
        made = _make_creations(ctx, library_copy, traces)
        outside = tmp_path / "elsewhere" / "report.html"  # a creation outside CAMROLL_HOME goes too
        run_cli(library_copy, "report", "--html", str(outside))
        before = int(ctx.db.scalar("SELECT count(*) FROM photos"))
        result = run_cli(library_copy, "remove", str(traces.photo_id), "--json")
        assert result["removed"] == [traces.photo_id] and result["total"] > 0
        assert not _found(
            library_copy, traces.of("hash", "path", "text", "sealed_prints", "plain_prints"), [outside.parent]
        )
        assert not any(p.exists() for p in [*made, outside])
        assert ctx.db.scalar("SELECT count(*) FROM photos") == before - 1
        assert not set(traces.crops) & _names(library_copy / "cache")
        # remembered without its hash: a rescan skips it, nobody can read the list without the key
        assert Exclusions.load(ctx).covers(traces.hash.decode()) and len(Exclusions.load(ctx)) == 1
        assert not Exclusions.load(ctx).covers("0" * 64)
        assert clear_exclusions(ctx) == 1 and not (library_copy / "keys" / "removed.key").exists()
        assert not Exclusions.load(ctx).covers(traces.hash.decode())
        assert run_cli(library_copy, "audit", "verify", "--json")["intact"]


def test_removing_a_person(library_copy: Path) -> None:
    with _ctx(library_copy) as ctx:
        traces = _traces(ctx)
        person = ctx.db.scalar(
            "SELECT person_id FROM faces WHERE photo_id = ? AND person_id IS NOT NULL", (traces.photo_id,)
        )
        edit.name(ctx, person, "Zebulon Quintessa")
        prints = [bytes(r[0]) for r in ctx.db.query("SELECT embedding FROM faces WHERE person_id = ?", (person,))]
        plain = [ctx.sealer("biometric").open(p) for p in prints]
        crops = [r[0] for r in ctx.db.query("SELECT thumb FROM faces WHERE person_id = ?", (person,))]
        others = int(ctx.db.scalar("SELECT count(*) FROM faces WHERE person_id IS NOT ? ", (person,)))
        _make_creations(ctx, library_copy, traces)
        report = forget_person(ctx, person)
        assert report.rows["faces"] == len(prints) and report.rows["people"] == 1
        needles = [("name", b"Zebulon Quintessa")] + [("sealed", p) for p in prints] + [("plain", p) for p in plain]
        assert not _found(library_copy, needles)
        assert not set(crops) & _names(library_copy / "cache")
        assert ctx.db.scalar("SELECT count(*) FROM faces") == others, "everyone else's faces stay"
        assert ctx.db.scalar("SELECT 1 FROM photos WHERE id = ?", (traces.photo_id,)) == 1, "the photo stays"


def test_forgetting_everything(library_copy: Path) -> None:
    with _ctx(library_copy) as ctx:
        traces = _traces(ctx)
        made = _make_creations(ctx, library_copy, traces)
    run_cli(library_copy, "forget", "--yes")
    assert not _found(library_copy, traces.of("hash", "path", "text", "sealed_prints", "plain_prints"))
    assert not any(p.exists() for p in made)
    db = catalog(library_copy)
    assert db.execute("SELECT count(*) FROM photos").fetchone()[0] == 0
    db.close()


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.rglob("*")} if folder.exists() else set()
