"""Words for "Why camroll knows this" about facts that came from a cloud export."""

from __future__ import annotations

from typing import Any

from camroll.store import imports as store
from camroll.store.db import Database

_LABELS = {
    "album": "Album",
    "people": "Named there",
    "favorite": "Favourite",
    "taken_at": "Taken (export)",
    "gps": "GPS (export)",
    "title": "Title (export)",
    "description": "Caption (export)",
}


def explain(db: Database, photo_id: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(why-text for the photo's own fields the export filled, keyed taken/place/title/description;
    extra rows ``{"label", "value", "why"}`` for what the export said that is not a photo column,
    or that the file contradicted)."""
    filled: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    key = {"taken_at": "taken", "gps": "place", "title": "title", "description": "description"}
    for f in store.facts_of(db, photo_id):
        service = f["source"].split(":")[0]
        if f["applied"] and f["field"] in key:
            filled[key[f["field"]]] = (
                f"From the {service} export ({f['source']}): the file itself has none. The original is unchanged."
            )
            continue
        value: Any = f["value"]
        text = ", ".join(map(str, value)) if isinstance(value, list) else ("yes" if value is True else str(value))
        if f["file_value"] is not None:
            why = f"The {service} export said this ({f['source']}); the file says {f['file_value']}, and the file wins."
        else:
            why = f"Kept from the {service} export ({f['source']})."
        rows.append({"label": _LABELS.get(f["field"], f["field"]), "value": text, "why": why})
    return filled, rows
