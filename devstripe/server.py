"""Start devstripe in a subprocess, for tests and scripts. Imports neither localstripe nor
aiohttp, so test processes stay free of them."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Handle:
    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    _owns_data_dir: bool = field(default=False, repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def start(
    port: int | None = None,
    data_dir: Path | str | None = None,
    webhook_delay: float = 0.0,
    persist: bool = True,
) -> Handle:
    """Run `python -m devstripe` on 127.0.0.1 (a free port unless given) with its state in
    `data_dir` (a new temporary directory, removed on stop, unless given), or only in
    memory with `persist=False` (tests, benchmarks); return once it answers."""
    port = port or free_port()
    owns = data_dir is None
    directory = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp("-devstripe"))
    directory.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [
            sys.executable,
            "-m",
            "devstripe",
            "--port",
            str(port),
            *(["--data", str(directory / "devstripe.pickle")] if persist else []),
            "--webhook-delay",
            str(webhook_delay),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    handle = Handle(f"http://127.0.0.1:{port}", port, directory, process, owns)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            handle.stop()
            raise RuntimeError(f"devstripe exited with {process.returncode} on port {port}")
        health = f"{handle.url}/_devstripe/health"
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError),
            urllib.request.urlopen(health, timeout=1),  # noqa: S310 (http to 127.0.0.1)
        ):
            return handle
        time.sleep(0.1)
    handle.stop()
    raise RuntimeError(f"devstripe did not answer on port {port} within 20 s")
