"""How camroll writes a time-zone offset, shared by every layer that prints a local time.

A pure function at the bottom of the layers: the catalog (store), the metadata reader (library)
and the front ends all write ``taken_at`` as the local time plus this offset, so none of them
needs to import the others to agree on it.
"""

from __future__ import annotations


def format_offset(minutes: int) -> str:
    """``+02:00`` for 120, ``-03:30`` for -210: the ISO 8601 offset of ``minutes`` east of UTC."""
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
