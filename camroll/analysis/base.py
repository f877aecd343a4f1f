"""The one small interface every per-photo analyser implements.

An analyser is created in each worker process, loads its model lazily on first use (and checks
the model file's sha256, so a swapped or corrupted file is refused rather than trusted), analyses
one decoded photo at a time, and returns a small picklable result. Writing the result is a
separate static step, :meth:`Analyser.store`, which runs in the parent, the one writer.

Analysers never touch the database while analysing and never read files other than the photo's
pixels they are handed and their own model files.
"""

from __future__ import annotations

import hashlib
import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from camroll.analysis.decode import Decoded
from camroll.errors import CamrollError
from camroll.privacy.crypto import Sealer
from camroll.store.db import Connection

VIDEO_FRAMES_VERSION = "+frames-v1"
"""Appended to the version of a video's results from every frame (``Analyser.version_for``)."""


class ModelFileError(CamrollError, RuntimeError):
    """A model file is missing or is not the file camroll was tested with."""


def package_file(package: str, relative: str, sha256: str) -> Path:
    """Path of a model file shipped inside an installed package, after checking its sha256.

    The package's own code (often heavy, sometimes with download logic, sometimes importing the
    removed ``pkg_resources``) is never run just to find its weights.
    """
    spec = importlib.util.find_spec(package)  # finds the folder without running the package's code
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"package {package} is not installed (make setup installs it)")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelFileError(f"model file {relative} is missing from package {package}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ModelFileError(f"model file {package}/{relative} has sha256 {digest[:12]}..., expected {sha256[:12]}...")
    return path


def cpu_session(model: str | bytes, threads: int) -> Any:
    """An onnxruntime CPU session, as every analyser wants it: ``threads`` intra-op threads, one
    inter-op, warnings only, and no memory arena. The arena keeps the largest buffers a model ever
    needed for the life of the worker; the analysis pool runs several models per worker, one
    worker per core, and the peak memory goal is for all of them together."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3
    options.enable_cpu_mem_arena = False
    from camroll.analysis.onnx_cache import session_providers  # CUDA on a Ray actor given a GPU

    return ort.InferenceSession(model, options, providers=session_providers())


class Analyser(ABC):
    """Base class: subclasses set ``capability`` and ``version`` and implement the two steps."""

    capability: ClassVar[str]
    version: ClassVar[str]
    """Changes whenever the model or its use changes: results of another version are redone."""
    needs: ClassVar[tuple[str, ...]] = ()
    """Capabilities whose results for the same photo this analyser reads (run before it)."""
    every_frame: ClassVar[bool] = False
    """Looks at every analysed frame of a video (``analyse_video``, with time codes), not only
    the one ``VIDEO_FRAME_AT`` of the way through."""

    def __init__(self, threads: int = 1, cache_dir: Path | None = None, sealer: Sealer | None = None) -> None:
        self.threads = threads
        self.cache_dir = cache_dir
        """Where an analyser may write derived files (face crops), named by the photo's hash."""
        self.sealer = sealer
        """For a capability with a ``key``: seals the files it writes (the writer seals rows)."""
        self._loaded = False

    def ensure_loaded(self) -> None:
        if not self._loaded:
            self.load()
            self._loaded = True

    def load(self) -> None:  # noqa: B027 - optional hook: analysers without a model need nothing
        """Load models (called once per worker, on the first photo)."""

    @abstractmethod
    def analyse(self, photo: Decoded, upstream: dict[str, Any]) -> Any:
        """Analyse one photo. ``upstream`` holds this photo's results of ``needs``."""

    def analyse_video(self, video: Decoded, upstream: dict[str, Any]) -> Any:
        """Analyse a video whose chosen frames are ``video.frames`` (each with its ``at_s``).
        An analyser with ``every_frame`` merges what it finds in each; the others look at
        ``video`` itself, one frame."""
        return self.analyse(video, upstream)

    @classmethod
    def version_for(cls, kind: str) -> str:
        """The version recorded for a result on a photo or a video: a video's results from
        every frame are a version of their own, so videos analysed through one frame before
        are analysed again (and photos are not)."""
        return cls.version + VIDEO_FRAMES_VERSION if kind == "video" and cls.every_frame else cls.version

    @classmethod
    def seal(cls, result: Any, sealer: Callable[[bytes], bytes]) -> Any:
        """Encrypt what must not rest in clear (face prints) before ``store``; runs in the writer."""
        return result

    @classmethod
    def stored(cls, conn: Connection, photo_id: int) -> Any:
        """This capability's stored result for a photo, as ``analyse`` returned it, for an analyser
        that ``needs`` it when only that analyser runs again (None: not supported)."""
        return None

    @staticmethod
    @abstractmethod
    def store(conn: Connection, photo_id: int, result: Any, version: str) -> None:
        """Write one photo's result, replacing any earlier one (runs in the writer)."""
