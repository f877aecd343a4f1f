"""An export's facts fill a photo's fields again after its file is read again (issue 13).

When camroll's metadata reader improves (``METADATA_VERSION``), every file is read again and its
row rewritten from what the file says: a Takeout photo whose time and place came only from the
export's JSON would lose them. The facts that filled a field at import (``applied``) fill it
again, by the import's own rule: only where the file still has nothing (a time from the file's
mtime or name counts as nothing). Where the better reader now finds the file's own value, the
file wins, as it would have at import. The person's edits are applied after this and win over both.
"""

from __future__ import annotations

from datetime import datetime

from camroll.library.imports.importer import WEAK_TIME_SOURCES, local_time
from camroll.store import imports as store
from camroll.store.db import Connection


def reapply(conn: Connection, photo_id: int) -> list[str]:
    """Fill the photo's empty fields from its applied export facts; the fields filled."""
    facts = store.applied_facts(conn, photo_id)
    if not facts:
        return []
    cur = store.photo_columns(conn, photo_id)
    filled = []
    lat, lon = cur["gps_lat"], cur["gps_lon"]
    if "gps" in facts and lat is None:
        (lat, lon), _source = facts["gps"][0], facts["gps"][1]
        store.set_gps(conn, photo_id, float(lat), float(lon))
        filled.append("gps")
    if "taken_at" in facts and (cur["taken_local"] is None or cur["taken_at_source"] in WEAK_TIME_SOURCES):
        instant, source = facts["taken_at"]
        local, offset = local_time(datetime.fromisoformat(instant), lat, lon)
        store.set_taken(conn, photo_id, local, offset, source)
        filled.append("taken_at")
    for column in ("title", "description"):
        if column in facts and not cur[column]:
            store.set_text(conn, photo_id, column, str(facts[column][0]))
            filled.append(column)
    return filled
