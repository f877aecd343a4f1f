"""Music a person keeps beside their photos, offered for memory videos made from the web.

A browser cannot name a file on the server, and a form must never be able to name any file it
likes: the web offers only the audio files found here, under the library's own folders, and
accepts back only one of them. The walk is bounded (depth and entries) so a huge library answers
in a moment; what it did not reach, the CLI's ``--music FILE`` still takes.
"""

from __future__ import annotations

import os
from pathlib import Path

from camroll import thresholds

AUDIO_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".opus"})


def music_files(roots: list[str]) -> list[Path]:
    """Audio files under ``roots``, at most ``thresholds.WEB_MUSIC_MAX_FILES``, by name."""
    found: list[Path] = []
    seen = 0
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            continue
        stack = [(base, 0)]
        while stack and seen < thresholds.WEB_MUSIC_MAX_ENTRIES:
            folder, depth = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                seen += 1
                if entry.is_dir(follow_symlinks=False) and depth < thresholds.WEB_MUSIC_MAX_DEPTH:
                    stack.append((Path(entry.path), depth + 1))
                elif entry.is_file(follow_symlinks=False) and Path(entry.name).suffix.lower() in AUDIO_EXTENSIONS:
                    found.append(Path(entry.path))
    return sorted(found, key=lambda p: p.name.lower())[: thresholds.WEB_MUSIC_MAX_FILES]
