"""Writing a large JSON answer without building it twice in memory.

``json.dumps(..., indent=1)`` of a 200,000-photo report is an 87 MB string made from millions of
small pieces, all held at once: the report's memory peaked at 1.1 GB there, twice what building
the report took. :func:`write_json` walks the outer levels of dicts and lists itself and writes
each piece as soon as it is made; only the leaves (a finding's list of photo ids, a place) are
encoded whole, by the C encoder. The output is the same JSON value: outer levels indented, leaves
on one line.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

OUTER_LEVELS = 3
"""How deep the writer walks before a value is encoded whole: the report's top level, its
findings and each finding's fields. Deeper values are small or flat (lists of ids)."""


def write_json(value: Any, out: TextIO | None = None) -> None:
    """Write ``value`` as JSON, and a newline, to ``out`` (standard output by default)."""
    stream = out if out is not None else sys.stdout
    _write(value, stream, 0)
    stream.write("\n")


def _write(value: Any, out: TextIO, depth: int) -> None:
    if depth >= OUTER_LEVELS or not isinstance(value, (dict, list, tuple)) or not value:
        out.write(json.dumps(value, ensure_ascii=False))
        return
    pad = "\n" + " " * (depth + 1)
    if isinstance(value, dict):
        out.write("{")
        for i, (key, item) in enumerate(value.items()):
            out.write(("," if i else "") + pad + json.dumps(str(key), ensure_ascii=False) + ": ")
            _write(item, out, depth + 1)
        out.write("\n" + " " * depth + "}")
    else:
        out.write("[")
        for i, item in enumerate(value):
            out.write(("," if i else "") + pad)
            _write(item, out, depth + 1)
        out.write("\n" + " " * depth + "]")
