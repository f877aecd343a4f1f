"""Models shipped as PyTorch weights, run with onnxruntime: converted once, then cached.

Why: importing torch costs a worker process about 250 MB before any photo is seen, and the
analysis pool runs one worker per core with every model loaded. Faces, text and nudity already
run on onnxruntime, so a model converted to ONNX adds only its own weights. The conversion runs
once per model version, in a child process (``python -m <exporter> OUT``), so neither the parent
nor the workers ever import torch; the file is written beside a lock and moved into place whole,
so two workers starting together convert it once and never read half a file.

The converted file lives in the user's cache folder (``$CAMROLL_MODEL_CACHE``, else
``$XDG_CACHE_HOME/camroll/models``, else ``~/.cache/camroll/models``), shared by every library of
the user: it is derived from the package's weights, never from a photo, so it holds nothing
personal, and a new library (or a test) does not pay the conversion again.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from camroll.errors import CamrollError


class OnnxExportError(CamrollError, RuntimeError):
    """The one-off conversion of a model to ONNX failed."""


def model_cache() -> Path:
    env = os.environ.get("CAMROLL_MODEL_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "camroll" / "models"


def cached_onnx(name: str, exporter: str) -> Path:
    """Path of ``<model cache>/<name>.onnx``, made by ``python -m exporter OUT`` if missing.

    ``name`` must change whenever the source weights or the conversion change (it carries the
    weights' sha256 prefix and the opset).
    """
    folder = model_cache()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.onnx"
    if target.is_file():
        return target
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.is_file():  # another worker converted it while this one waited
            return target
        partial = folder / f"{name}.onnx.partial"
        done = subprocess.run(
            [sys.executable, "-m", exporter, str(partial)], capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise OnnxExportError(f"converting {name} to ONNX failed: {' / '.join(tail)}")
        os.replace(partial, target)
    return target


def session_providers() -> list[str]:
    """onnxruntime's providers for an analyser's session: CUDA first where a Ray actor was given a
    GPU (``CAMROLL_ONNX_CUDA=1``) and this onnxruntime has the CUDA provider; else the CPU alone,
    as every local run (untested on a GPU here: this machine has none)."""
    import onnxruntime as ort

    if os.environ.get("CAMROLL_ONNX_CUDA") == "1" and "CUDAExecutionProvider" in ort.get_available_providers():
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]
