"""How long the analysis plan's consent check takes at 200,000 photos, with scopes stored as keyed
hashes, next to the plain string comparison it replaced.

``consent.allows`` is asked once per photo per capability. Since folder names are sealed, it hashes
(HMAC-SHA256) the photo's path and looks the folders above it up in a per-context cache. The
synthetic library: ``--photos`` paths spread over ``--folders`` folders six levels deep; a ledger
with ``--scopes`` folder grants and revokes for one capability and no grant of everything, the worst
case (every event is looked at for photos no scope covers). The peer is the old rule, ``covers()``
string prefixes over the same events in clear. Each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from camroll.config import AppContext, Config
from camroll.privacy import consent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200_000)
    parser.add_argument("--folders", type=int, default=2_000)
    parser.add_argument("--scopes", type=int, default=20)
    parser.add_argument("--capabilities", type=int, default=9, help="allows() calls per photo, as the plan makes")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folders = [
        f"/home/ana/Pictures/{y}/{m:02d}/event {i}/camera"
        for i, (y, m) in enumerate((2000 + k % 25, 1 + k % 12) for k in range(args.folders))
    ]
    paths = [f"{folders[i % len(folders)]}/IMG_{i:06d}.JPG" for i in range(args.photos)]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext(Config(home=Path(tmp)))
        for i in range(args.scopes):
            scope = consent.path_scope(folders[(i * 97) % len(folders)].rsplit("/", 1)[0])
            consent._append(ctx, "grant" if i % 3 else "revoke", "places", scope, None)
        history = consent.events(ctx, "places")
        plain = [
            consent.Event(e.id, e.at, e.actor, e.action, e.capability, e.scope, e.policy_version, e.note)
            for e in history
        ]
        timings: dict[str, list[float]] = {"keyed hashes (now)": [], "plain paths (before)": []}
        for _ in range(args.runs):
            ctx.extras.pop("ledger:view", None)  # a fresh context: the folder cache starts empty
            consent.events(ctx, "places")
            for label, events in (("keyed hashes (now)", history), ("plain paths (before)", plain)):
                started = time.perf_counter()
                granted = 0
                for path in paths:
                    for _cap in range(args.capabilities):
                        granted += consent.allows(ctx, "places", path, events)
                timings[label].append(time.perf_counter() - started)
                print(f"{label}: {granted} granted", file=sys.stderr)
        ctx.close()
    calls = args.photos * args.capabilities
    print(
        f"| consent check, {args.photos:,} photos x {args.capabilities} capabilities, {args.scopes} scopes | s | µs per call |"
    )
    print("|---|---:|---:|")
    for label, values in timings.items():
        median = statistics.median(values)
        print(f"| {label} | {median:.2f} | {median / calls * 1e6:.2f} |")


if __name__ == "__main__":
    main()
