"""The export as one zip to download from the web (a phone's browser cannot be given a folder).

:func:`camroll.report.export.export` writes the folder exactly as ``camroll export`` does (no face
prints: the web never offers biometric data in clear); this packs it into one zip under the
library home and removes the folder. The zip is recorded as a creation made from every photo
with every capability it holds data of, so removing any photo or revoking any of those consents
deletes it, as it deletes a collage: an export must not outlive what it copied.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from camroll import capabilities
from camroll.config import AppContext
from camroll.creations import records
from camroll.privacy import consent
from camroll.report.export import ExportResult, export
from camroll.store import photos as store_photos


def export_zip(
    ctx: AppContext, advance: Callable[[str, int | None], None] = lambda step, total: None
) -> tuple[int, Path, ExportResult]:
    """(creation id, zip path, what was exported)."""
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    base = records.output_dir(ctx, None)
    folder = records.unique_path(base, f"camroll-export-{stamp}", "")
    result = export(ctx, folder, False, advance)
    target = records.unique_path(base, folder.name, ".zip")
    partial = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, arcname=str(Path(folder.name) / path.relative_to(folder)))
    partial.chmod(0o600)
    partial.replace(target)
    shutil.rmtree(folder, ignore_errors=True)
    used = [c.id for c in capabilities.REGISTRY if consent.active_scopes(ctx, c.id)]
    creation_id = records.record(
        ctx,
        "export",
        target,
        store_photos.all_ids(ctx.db),
        capabilities=used,
        title="Everything camroll knows",
        params={"face_prints": False},
    )
    return creation_id, target, result
