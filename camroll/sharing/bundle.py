"""Safe copies made from the web: written, checked, and handed over as one zip to download.

A phone's browser cannot be given a folder, so the web's share writes the copies exactly as
``camroll share`` does (:func:`camroll.sharing.share.share`: new JPEGs from the pixels, metadata
stripped, faces masked, each read back and verified) into a folder of its own under the library
home, packs them into one zip beside it, and removes the loose copies. The zip is recorded as a
creation made from those photos, so it is listed with the other creations, downloaded from there,
and deleted with the photos or the consents it used, like a collage.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from camroll.config import AppContext
from camroll.creations import records
from camroll.sharing.share import ShareOptions, ShareResult, share
from camroll.store import creations as creation_rows


@dataclass
class Bundle:
    creation_id: int | None
    """The zip's creation record; None when no copy could be made."""
    zip_path: Path | None
    result: ShareResult


def share_as_zip(
    ctx: AppContext, photo_ids: list[int], options: ShareOptions, advance: Callable[[], None] = lambda: None
) -> Bundle:
    """Safe copies of ``photo_ids`` in one zip under ``<home>/creations``, recorded as a creation."""
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    base = records.output_dir(ctx, None)
    folder = records.unique_path(base, f"safe-copies-{stamp}", "")
    result = share(ctx, [str(p) for p in photo_ids], folder, options, advance)
    if not result.copies:
        shutil.rmtree(folder, ignore_errors=True)
        return Bundle(None, None, result)
    target = records.unique_path(base, folder.name, ".zip")
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as zf:  # JPEGs: nothing to gain
        for copy in result.copies:
            zf.write(copy.path, arcname=Path(copy.path).name)
    partial.chmod(0o600)
    partial.replace(target)
    for copy in result.copies:  # each loose copy was recorded by share(): the zip stands for them now
        creation_rows.delete_of_kind_at(ctx.db, "share", copy.path)
    shutil.rmtree(folder, ignore_errors=True)
    caps = [] if options.keep_faces else ["faces", "people"]  # as each copy's own record says
    if options.keep_place:
        caps.append("places")
    creation_id = records.record(
        ctx,
        "share",
        target,
        [c.photo_id for c in result.copies],
        capabilities=caps,
        title=f"{len(result.copies)} safe {'copy' if len(result.copies) == 1 else 'copies'}",
        params={
            "keep_time": options.keep_time,
            "keep_place": options.keep_place,
            "mask": "none" if options.keep_faces else options.mask,
            "people_visible": len(options.persons),
        },
    )
    return Bundle(creation_id, target, result)
