"""The cloud audit: what an export shows the service holds, and how to delete it there.

Built only from the export itself (and which of its files camroll already had). The deletion
paths are the services' own menus as documented by them at the time of writing (docs/imports.md
says which we could not check)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from camroll.library.imports.common import Facts

DELETE_PATHS: dict[str, list[str]] = {
    "takeout": [
        "Google Photos (photos.google.com): select the photos → Delete (trash can) → Move to trash;"
        " then Trash → Empty trash (otherwise kept 60 days).",
        "Albums shared with others keep copies others saved; shared albums: album → ⋮ → Delete album.",
        "Your Takeout archive itself: delete the zips from where Takeout put them (Drive, Dropbox...)"
        " once the import is checked; Takeout's download page keeps them about 7 days.",
        "Whole account data: myaccount.google.com → Data & privacy → Delete a Google service → Google Photos"
        " (check docs/imports.md: we could not verify this menu on a live account).",
    ],
    "meta": [
        "Facebook: Settings & privacy → Settings → Accounts Centre → Your information and permissions →"
        " Access your information / Download your information; photos are deleted per post or album:"
        " Profile → Photos → the photo → ⋯ → Delete photo; an album: Albums → the album → ⋯ → Delete album.",
        "Activity log (Profile → ⋯ → Activity log → Your posts) lists posts to delete in bulk"
        " (Manage activity → Trash; trash empties after 30 days).",
        "Whole account: Accounts Centre → Personal details → Account ownership and control →"
        " Deactivation or deletion → Delete account (we could not verify every step on a live account).",
    ],
    "apple": [
        "iCloud Photos: on icloud.com/photos or in Photos on the Mac, select → Delete; then"
        " Recently Deleted → Delete All (otherwise kept 30 days).",
        "To stop syncing first: Settings → [your name] → iCloud → Photos → Sync this iPhone off;"
        " turning it off on every device before deleting keeps local copies.",
        "Whole data: privacy.apple.com → Request to delete your account (we could not verify every step).",
    ],
}


def _precision(lat: float, lon: float) -> int:
    """Decimal places given: 4 places is about 11 m, 2 about 1 km."""
    return max(
        len(repr(lat).split(".")[-1]) if "." in repr(lat) else 0,
        len(repr(lon).split(".")[-1]) if "." in repr(lon) else 0,
    )


def cloud_audit(service: str, facts: dict[str, Facts], hashes: dict[str, str], already: set[str]) -> dict[str, Any]:
    """Counts, time span, places (with precision), people named, devices, upload IPs, overlap with
    what camroll already had, and the service's own deletion paths."""
    times = sorted(f.taken_at for f in facts.values() if f.taken_at is not None)
    places = [(f.lat, f.lon) for f in facts.values() if f.lat is not None and f.lon is not None]
    precision = Counter(_precision(lat, lon) for lat, lon in places if lat is not None and lon is not None)
    people = Counter(n for f in facts.values() for n in f.people)
    devices = Counter(str(f.extra["device"]) for f in facts.values() if f.extra.get("device"))
    ips = Counter(str(f.extra["upload_ip"]) for f in facts.values() if f.extra.get("upload_ip"))
    albums = Counter(a for f in facts.values() for a in f.albums)
    return {
        "service": service,
        "items": len(facts),
        "with_time": len(times),
        "first": times[0].isoformat() if times else None,
        "last": times[-1].isoformat() if times else None,
        "with_place": len(places),
        "place_precision_decimals": {str(k): v for k, v in sorted(precision.items())},
        "people_named": dict(people.most_common()),
        "devices": dict(devices.most_common()),
        "upload_ips": dict(ips.most_common()),
        "albums": dict(albums.most_common()),
        "favorites": sum(1 for f in facts.values() if f.favorite),
        "described": sum(1 for f in facts.values() if f.description),
        "also_in_camroll": sum(1 for h in set(hashes.values()) if h in already),
        "delete_there": DELETE_PATHS[service],
    }
