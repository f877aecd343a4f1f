"""Analysis on a Ray cluster (``camroll analyze --ray ADDRESS|auto``): the same plan, other hands.

The driver (this process) plans from the consent ledger exactly as for a local run and stays the
one writer; :func:`outcomes` only replaces :func:`camroll.analysis.pipeline._outcomes`, the step
that turns planned jobs into outcomes. A Ray actor is a worker process on some node: it loads
models once (as a local worker does) and runs the very same ``_Worker.run`` on each job it is
handed, so a worker never decides what it may analyse and results are those of a local run.

**Photo bytes.** An actor reads the photo from its path when the node sees that file with the
size the driver sees (a NAS mounted at the same path on every node); otherwise it asks, and the
driver sends the bytes, one photo at a time per actor, up to ``thresholds.RAY_SEND_MAX_BYTES``.

**Files an analyser writes** (face crops) are written by the actor into a private temporary
folder and come back with the outcome; the driver puts them in the library's cache. Where the
capability seals them, the driver seals them: the key never leaves this machine.

**A node or actor dying** costs nothing: the photo it held goes to another actor (Ray restarts
the dead one); a photo that kills actors ``RAY_PHOTO_ATTEMPTS`` times is recorded as failed with
the reason, like ``workers.stream``'s ``on_lost``, and the next run retries it. A photo still
running after ``ANALYSIS_PHOTO_TIMEOUT_S`` kills its actor, the same way.

**Nothing leaves the cluster:** usage stats and metrics collection are switched off in the
environment before Ray is imported (``RAY_USAGE_STATS_ENABLED=0``, ``RAY_enable_metrics_collection=0``),
and the dashboard is not started (``include_dashboard=False``).

Ray is imported here only, lazily, by ``camroll analyze --ray``: nothing else pays for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

from camroll import thresholds
from camroll.analysis.pipeline import Job, Outcome, _Worker, lost_photo
from camroll.errors import CamrollError
from camroll.privacy.crypto import Sealer

SEAL_ON_DRIVER = b"camroll-seal-on-driver\0"
"""Marks a file an actor wrote in clear that the driver must seal before keeping it."""

QUIET_RAY = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_enable_metrics_collection": "0"}
"""Set before ``import ray`` (and inherited by the Ray processes a local run starts)."""


class RayError(CamrollError):
    """The Ray cluster could not be reached or used; the message says why."""


class _SealOnDriver(Sealer):
    """Stands in for a capability's sealer inside an actor: the file's name says "sealed" as in a
    local run, its content is marked, and the driver seals it with the real key."""

    def __init__(self, key: str) -> None:
        super().__init__(Path("/nonexistent"), b"")
        self.key = key

    def seal(self, data: bytes, label: bytes = b"") -> bytes:
        if label:
            raise ValueError("sealing with a label is not supported on a Ray actor")
        return SEAL_ON_DRIVER + self.key.encode() + b"\0" + data


Files = list[tuple[str, bytes]]
"""Files an actor wrote for one photo: (path relative to the cache folder, content)."""


class PhotoActor:
    """One Ray actor: a ``_Worker`` with its own temporary cache folder (wrapped by ``ray.remote``)."""

    def __init__(self, threads: int, keys: list[str], want_cache: bool, gpu: bool) -> None:
        if gpu:
            os.environ["CAMROLL_ONNX_CUDA"] = "1"  # onnx_cache.session_providers reads it
        self.folder = Path(tempfile.mkdtemp(prefix="camroll-ray-")) if want_cache else None
        self.worker = _Worker(threads, self.folder, {k: _SealOnDriver(k) for k in keys})

    def pid(self) -> int:
        return os.getpid()

    def device(self) -> str:
        """Where this actor's models run: ``"cuda"`` when it was given a GPU and its node's
        onnxruntime has the CUDA provider, else ``"cpu"`` (:func:`session_providers`)."""
        from camroll.analysis.onnx_cache import session_providers

        return "cuda" if session_providers()[0] == "CUDAExecutionProvider" else "cpu"

    def run(self, job: Job, size: int, data: bytes | None) -> tuple[str, Outcome | None, Files]:
        """``("need-bytes", None, [])`` when this node cannot see the photo and no bytes came."""
        scratch: Path | None = None
        if data is not None:
            scratch = Path(tempfile.mkdtemp(prefix="camroll-photo-"))
            local = scratch / Path(job.path).name  # the name keeps its suffix: decode looks at it
            local.write_bytes(data)
            job.path = str(local)
        elif size >= 0 and not _visible(job.path, size):  # size -1: the driver cannot read it either
            return "need-bytes", None, []
        try:
            outcome = self.worker.run(job)
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
        return "done", outcome, self._written()

    def _written(self) -> Files:
        if self.folder is None:
            return []
        files: Files = []
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file()):
            files.append((str(path.relative_to(self.folder)), path.read_bytes()))
            path.unlink()
        return files


def _visible(path: str, size: int) -> bool:
    try:
        return os.stat(os.fsencode(path)).st_size == size
    except OSError:
        return False


def connect(address: str) -> Any:
    """``ray`` connected to ``address`` (``auto``: the cluster ``ray start`` made on this machine)."""
    for name, value in QUIET_RAY.items():
        os.environ.setdefault(name, value)
    import ray

    if not ray.is_initialized():
        try:
            ray.init(
                address=address,
                include_dashboard=False,
                configure_logging=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
            )
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise RayError(f"cannot connect to the Ray cluster at {address}: {e}") from e
    return ray


def _store(files: Files, cache_dir: Path | None, sealers: dict[str, Sealer]) -> None:
    """Put an actor's files in the library's cache, sealing the marked ones (the driver writes)."""
    if cache_dir is None:
        return
    for relative, data in files:
        target = (cache_dir / relative).resolve()
        if cache_dir.resolve() not in target.parents:
            continue  # an actor names files inside the cache, never elsewhere
        if data.startswith(SEAL_ON_DRIVER):
            key, _, clear = data[len(SEAL_ON_DRIVER) :].partition(b"\0")
            data = sealers[key.decode()].seal(clear)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class _Task:
    def __init__(self, job: Job, size: int) -> None:
        self.job, self.size, self.deaths, self.send = job, size, 0, False
        self.started = 0.0


def outcomes(
    jobs: Iterable[Job],
    address: str,
    workers: int | None,
    cache_dir: Path | None,
    sealers: dict[str, Sealer],
    devices: dict[str, int] | None = None,
) -> Generator[Outcome, None, None]:
    """Outcomes of ``jobs`` analysed by actors of the cluster at ``address``, in completion order.
    ``devices`` is filled once every actor has started: how many actors ran, how many were given
    a GPU, and on how many of those the models really run on it (onnxruntime's CUDA provider
    present on that node); a GPU actor without it runs on the CPU, so a person can see which."""
    ray = connect(address)
    from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

    resources = ray.cluster_resources()
    cpus, gpus = int(resources.get("CPU", 0)), int(resources.get("GPU", 0))
    count = max(1, workers or cpus or 1)
    remote = ray.remote(PhotoActor)
    actors = []
    for n in range(count):
        gpu = n < gpus
        options: dict[str, Any] = {"num_cpus": 1, "max_restarts": -1, "max_task_retries": 0}
        if gpu:
            options["num_gpus"] = 1
        actors.append(remote.options(**options).remote(1, sorted(sealers), cache_dir is not None, gpu))
    # Asked once, alongside the first photos (an actor answers in order, after it has started).
    asked = {actors[n].device.remote(): n < gpus for n in range(count)}
    source: Iterator[Job] = iter(jobs)
    again: list[_Task] = []
    running: dict[Any, tuple[int, _Task]] = {}  # object ref -> (actor index, task)
    idle = list(range(count))

    def submit(n: int, task: _Task) -> None:
        data = None
        if task.send:
            with open(os.fsencode(task.job.path), "rb") as f:
                data = f.read()
        task.started = time.monotonic()
        running[actors[n].run.remote(task.job, task.size, data)] = (n, task)

    def died(task: _Task, reason: str) -> Outcome | None:
        task.deaths += 1
        if task.deaths >= thresholds.RAY_PHOTO_ATTEMPTS:
            return lost_photo(task.job, f"{reason} ({task.deaths} times)")
        again.append(task)
        return None

    # Ray's driver prints what its nodes report ("(raylet) A worker died...") to standard output,
    # which belongs to the command's own answer (`--json`): it goes to standard error meanwhile.
    quiet_stdout = contextlib.redirect_stdout(sys.stderr)
    quiet_stdout.__enter__()
    try:
        while True:
            while idle:
                task = again.pop(0) if again else _next(source)
                if task is None:
                    break
                if task.send and task.size > thresholds.RAY_SEND_MAX_BYTES:
                    yield _too_large(task)
                    continue
                submit(idle.pop(), task)
            if not running:
                return
            done, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
            now = time.monotonic()
            for ref, (n, task) in list(running.items()):
                if ref not in done and now - task.started > thresholds.ANALYSIS_PHOTO_TIMEOUT_S:
                    ray.kill(actors[n], no_restart=False)  # hung: Ray starts it again
                    done.append(ref)
            for ref in done:
                n, task = running.pop(ref)
                idle.append(n)
                try:
                    status, outcome, files = ray.get(ref, timeout=5.0)
                except (RayActorError, GetTimeoutError) as e:
                    lost = died(task, f"died or hung on a cluster node: {type(e).__name__}")
                    if lost is not None:
                        yield lost
                    continue
                except RayTaskError as e:
                    yield lost_photo(task.job, f"failed: {e.cause!r}")
                    continue
                if status == "need-bytes":
                    task.send = True
                    again.insert(0, task)
                    continue
                assert outcome is not None
                _store(files, cache_dir, sealers)
                yield outcome
    finally:
        if devices is not None:
            devices.update(_devices(ray, asked))
        for actor in actors:
            ray.kill(actor, no_restart=True)
        quiet_stdout.__exit__(None, None, None)


def _devices(ray: Any, asked: dict[Any, bool]) -> dict[str, int]:
    """What the actors said of their device (see :func:`outcomes`); an actor that never answered
    (killed before it started) is counted without it."""
    from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

    ready, _ = ray.wait(list(asked), num_returns=len(asked), timeout=5.0)
    answers: dict[Any, str] = {}
    for ref in ready:
        try:
            answers[ref] = ray.get(ref, timeout=1.0)
        except (RayActorError, GetTimeoutError, RayTaskError):  # it died before answering
            continue
    return {
        "actors": len(asked),
        "given_a_gpu": sum(asked.values()),
        "on_cuda": sum(1 for ref, gpu in asked.items() if gpu and answers.get(ref) == "cuda"),
    }


def _next(source: Iterator[Job]) -> _Task | None:
    job = next(source, None)
    if job is None:
        return None
    try:
        size = os.stat(os.fsencode(job.path)).st_size
    except OSError:
        size = -1  # the actor will not find it either; decoding reports the reason
    return _Task(job, size)


def _too_large(task: _Task) -> Outcome:
    cap = thresholds.RAY_SEND_MAX_BYTES // 1_000_000
    what = f"is not visible on the cluster node and is larger than {cap} MB, the most the driver sends"
    return Outcome(task.job.photo_id, errors={c: f"the photo {what}" for c in task.job.caps})
