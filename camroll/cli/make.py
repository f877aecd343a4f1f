"""`camroll make ...`: creations from moments and photos (collages, videos, filtered copies).

The commands themselves live beside this module, one module per kind of creation
(:mod:`camroll.cli.make_images`, :mod:`camroll.cli.make_video`), and register on ``make_app``.
"""

from __future__ import annotations

import typer

make_app = typer.Typer(
    help="Make collages, videos and filtered copies from your moments and photos.", no_args_is_help=True
)
