"""A Ray cluster on this machine, for the Ray tests and ``bench.scale_out``: a head and more nodes
started with ``ray start``, token authentication on, usage stats, metrics and the dashboard off,
stopped (``ray stop --force``) on the way out.

Ray 2.60 binds its GCS and raylets to every interface, whatever ``--node-ip-address`` says (it
turns a loopback address into the machine's own), so such a cluster is reachable from the network
while it runs, behind its token: docs/scale-out.md says how to confine a real one.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RAY = str(Path(sys.executable).parent / "ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_cluster(nodes: int = 2, cpus: int = 1, gpus: int = 0) -> Iterator[tuple[str, dict[str, str]]]:
    """(address, environment for a driver) of a cluster of ``nodes`` nodes of ``cpus`` CPUs each,
    the last also declaring ``gpus`` GPUs (Ray's resource: an actor asking for one is placed there,
    whether the machine has the device or not) and one CPU more for each."""
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay short
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_enable_metrics_collection": "0",
    }
    common = [f"--num-cpus={cpus}", "--disable-usage-stats"]
    try:
        head = subprocess.run(
            [
                RAY,
                "start",
                "--head",
                f"--port={_free_port()}",
                "--include-dashboard=false",
                f"--temp-dir={temp}",
                *common,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        if head.returncode != 0:
            raise RuntimeError(f"ray start --head failed: {head.stdout}{head.stderr}")
        address = next(
            line.split("--address=")[1].strip().strip("'\"")
            for line in (head.stdout + head.stderr).splitlines()
            if "ray start --address=" in line
        )
        for n in range(nodes - 1):
            last = n == nodes - 2
            extra = [f"--num-cpus={cpus + gpus}", f"--num-gpus={gpus}"] if last and gpus else [f"--num-cpus={cpus}"]
            node = subprocess.run(
                [RAY, "start", f"--address={address}", "--disable-usage-stats", *extra],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
            if node.returncode != 0:
                raise RuntimeError(f"ray start --address failed: {node.stdout}{node.stderr}")
        yield address, env
    finally:
        subprocess.run([RAY, "stop", "--force"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)
