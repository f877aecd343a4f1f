"""The consent ledger and the registry: nothing derived before consent, revoking deletes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from camroll import capabilities
from camroll.config import AppContext
from camroll.library.places import update_places
from camroll.library.scan import scan
from camroll.privacy import consent
from tests.conftest import run_cli

GPS_FOLDER = "exif/photoprism"


def test_scanning_a_folder_is_recorded_as_consent_to_catalog_it(ctx: AppContext, photos_dir: Path) -> None:
    scan(ctx, [str(photos_dir / GPS_FOLDER)], workers=1)
    [event] = consent.events(ctx, "metadata")
    assert event.action == "grant" and event.scope == f"path:{photos_dir / GPS_FOLDER}"
    assert event.policy_version and event.note == "camroll scan"
    scan(ctx, [str(photos_dir / GPS_FOLDER)], workers=1)
    assert len(consent.events(ctx, "metadata")) == 1, "a rescan does not repeat the grant"


def test_no_place_is_named_before_consent_and_revoking_deletes_them(ctx: AppContext, photos_dir: Path) -> None:
    scan(ctx, [str(photos_dir / GPS_FOLDER)], workers=1)
    with_gps = ctx.db.scalar("SELECT count(*) FROM photos WHERE gps_lat IS NOT NULL")
    assert with_gps >= 8
    assert update_places(ctx) == 0
    assert ctx.db.scalar("SELECT count(*) FROM photo_places") == 0

    consent.grant(ctx, "places")
    assert update_places(ctx) == with_gps
    assert ctx.db.scalar("SELECT count(*) FROM photo_places WHERE city IS NOT NULL") == with_gps

    [report] = consent.revoke(ctx, "places")
    assert report.rows == {"photo_places": with_gps}
    assert ctx.db.scalar("SELECT count(*) FROM photo_places") == 0
    assert update_places(ctx) == 0, "revoked means never again, until granted again"


def test_scoped_grants_and_revokes(ctx: AppContext, photos_dir: Path) -> None:
    a, b = photos_dir / "exif/photoprism", photos_dir / "exif/exifr"
    scan(ctx, [str(a), str(b)], workers=1)
    consent.grant(ctx, "places", consent.path_scope(a))
    update_places(ctx)
    placed = {r[0] for r in ctx.db.query("SELECT f.path FROM photo_places pp JOIN files f ON f.photo_id = pp.photo_id")}
    assert placed and all(p.startswith(str(a) + "/") for p in placed)

    consent.grant(ctx, "places")
    consent.revoke(ctx, "places", consent.path_scope(a))
    assert not consent.allows(ctx, "places", str(a / "x.jpg"))
    assert consent.allows(ctx, "places", str(b / "x.jpg"))
    assert consent.revoked_within(ctx, "places") == [consent.path_scope(a)]
    update_places(ctx)
    placed = {r[0] for r in ctx.db.query("SELECT f.path FROM photo_places pp JOIN files f ON f.photo_id = pp.photo_id")}
    assert placed and all(p.startswith(str(b) + "/") for p in placed)


def test_revoking_metadata_for_a_folder_forgets_it_and_what_depends_on_it(ctx: AppContext, photos_dir: Path) -> None:
    a, b = photos_dir / "exif/photoprism", photos_dir / "exif/exifr"
    scan(ctx, [str(a), str(b)], workers=1)
    consent.grant(ctx, "places")
    update_places(ctx)
    reports = consent.revoke(ctx, "metadata", consent.path_scope(a))
    assert [r.capability for r in reports] == ["places", "metadata"], "dependents are purged first"
    assert reports[1].rows["files"] == len(list(a.iterdir()))
    left = [r[0] for r in ctx.db.query("SELECT path FROM files")]
    assert left and all(p.startswith(str(b)) for p in left)
    assert ctx.db.scalar("SELECT count(*) FROM photos") == len(left)


def test_the_ledger_is_append_only(ctx: AppContext) -> None:
    consent.grant(ctx, "places")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("UPDATE consent_events SET action = 'revoke'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ctx.db.conn.execute("DELETE FROM consent_events")


def test_every_capability_explains_itself() -> None:
    """The consent screen is derived from the registry: each entry must say what it reads and
    learns in a full sentence, and depend only on capabilities that exist."""
    for cap in capabilities.REGISTRY:
        assert cap.reads.endswith(".") and len(cap.reads) > 40, cap.id
        assert cap.learns.endswith(".") and len(cap.learns) > 40, cap.id
        assert all(dep in capabilities.BY_ID for dep in cap.depends_on), cap.id
        assert cap.granted_by_scan or cap.analyser or cap.job, f"{cap.id} has no way to be derived"


def test_cli_consent_round_trip(tmp_path: Path, photos_dir: Path) -> None:
    home = tmp_path / "home"
    run_cli(home, "scan", str(photos_dir / GPS_FOLDER))
    status = {c["id"]: c for c in run_cli(home, "consent", "status", "--json")}
    assert status["metadata"]["granted"] and not status["places"]["granted"]
    records = run_cli(home, "photos", "--json")
    assert all(r["place"] is None for r in records)
    out = run_cli(home, "consent", "grant", "places")
    assert "granted" in out.output
    records = run_cli(home, "photos", "--json")
    assert any(r["place"] for r in records)
    revoked = run_cli(home, "consent", "revoke", "places", "--json")
    assert revoked[0]["capability"] == "places" and revoked[0]["total"] > 0
    assert all(r["place"] is None for r in run_cli(home, "photos", "--json"))
    assert "deleted" in run_cli(home, "consent", "revoke", "places").output
