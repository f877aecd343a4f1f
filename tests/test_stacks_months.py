"""The timeline's month index counts what the timeline shows (issue 14): a stack is one item, its
top, so it counts once, in its top's month, never once per photo under it. Real photos, scanned:
the library of tests/test_stacks.py (a HEIC and its JPEG export, a burst of five in May 2022, two
photos in no stack) and a burst across the end of May whose top (a favourite) is in June.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from camroll.config import AppContext, Config
from camroll.library import stacks
from camroll.web.app import create_app
from tests.conftest import run_cli
from tests.test_stacks import PHOTOS, _jpeg, _library
from tests.test_web import browser

_MONTH_LINK = re.compile(r'<a href="/\?month=([0-9-]*)">[^<]*<span class="muted">(\d+)</span></a>')
_SECTION = re.compile(r'<section class="month">\s*<h2>([^<]*)</h2>(.*?)</section>', re.S)
_THUMB = re.compile(r'<img src="/thumb/(\d+)\.jpg"')


def _month_end_burst(lib: Path) -> dict[str, Path]:
    """Three frames from one camera 0.4 s apart across midnight of 31 May: two in May, one in June."""
    (lib / "midnight").mkdir()
    out = {}
    for i, (when, sub) in enumerate(
        [("2022:05:31 23:59:59", "500"), ("2022:05:31 23:59:59", "900"), ("2022:06:01 00:00:00", "300")]
    ):
        out[f"NYE_{i}.JPG"] = lib / "midnight" / f"NYE_{i}.JPG"
        _jpeg(PHOTOS / "scenes/cat/cat_black.jpg", out[f"NYE_{i}.JPG"], "FUJIFILM", "X-T4", when, sub, shift=2 * i)
    return out


def _shown_per_month(client: object) -> Counter[str]:
    """What the timeline shows in each month, page after page (its heading's name -> items)."""
    shown: Counter[str] = Counter()
    url: str | None = "/"
    while url:
        page = client.get(url).text  # type: ignore[attr-defined]
        for name, body in _SECTION.findall(page):
            shown[name] += len(_THUMB.findall(body))
        nxt = re.search(r'rel="next" href="([^"]+)"', page)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    return shown


def test_a_stack_counts_once_in_its_top_s_month(tmp_path: Path) -> None:
    home, lib = tmp_path / "home", tmp_path / "lib"
    files = _library(lib) | _month_end_burst(lib)
    run_cli(home, "scan", str(lib), "--no-analyze", "--quiet", "--workers", "1")
    run_cli(home, "favourite", str(files["NYE_2.JPG"]))  # the June frame is the top
    found = run_cli(home, "stacks", "--json")
    assert sorted(len(s["members"]) for s in found) == [2, 3, 5], found

    with browser(create_app(Config(home=home, workers=1))) as client:
        page = client.get("/").text
        index = {m: int(n) for m, n in _MONTH_LINK.findall(page)}
        # May 2022: the burst of five is one item, the other camera's shot and DSC_0009 two more;
        # the two May frames of the midnight burst are under its top, which is in June.
        assert index["2022-05"] == 3, index
        assert index["2022-06"] == 1, index
        total = int(re.search(r'<h1>Library <span class="muted count">([\d,]+) photos', page).group(1))  # type: ignore[union-attr]
        assert total == sum(index.values()) == 12 - (2 - 1) - (5 - 1) - (3 - 1)
        # Each month's count is what its part of the timeline shows.
        shown = _shown_per_month(client)
        months = {m["name"]: m["count"] for m in _index(home)}
        assert shown == Counter(months), (shown, months)


def _index(home: Path) -> list[dict[str, object]]:
    from camroll.web import routes_library

    ctx = AppContext(Config(home=home, workers=1))
    try:
        return routes_library.month_index(ctx, stacks.timeline_view(stacks.find_stacks(ctx)))
    finally:
        ctx.close()


def _member(i: int, taken_local: str | None) -> stacks.Member:
    return stacks.Member(i, f"/p/{i}.jpg", "jpeg", 1, 100, None, False, taken_local, None, {"burst"})


def test_month_counts_leave_out_the_photos_under_a_top_in_their_own_month() -> None:
    """From the stacks already found, no pass over the library: each photo under a top is taken
    off its own month; a month left with nothing goes; an undated one (a near duplicate) too."""
    across = stacks.Stack(1, [_member(3, "2022-06-01T00:00:00.3"), _member(1, "2022-05-31T23:59:59.5")])
    undated = stacks.Stack(4, [_member(5, "2021-02-02T10:00:00"), _member(4, None)])
    view = stacks.timeline_view([across, undated])
    assert view.hidden == {1, 4} and view.hidden_by_month == {"2022-05": 1, None: 1}
    counts = [("2022-06", 1), ("2022-05", 1), ("2021-02", 1), (None, 2)]
    assert view.month_counts(counts) == [("2022-06", 1), ("2021-02", 1), (None, 1)]
