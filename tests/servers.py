"""Helpers for tests that start real servers on 127.0.0.1 (Chroma, llama.cpp, Gradio)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMA = Path(sys.executable).with_name("chroma")
CHROMA_STARTUP_SECONDS = 60


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Ask a server process to end; kill it if it has not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@dataclass
class ChromaServer:
    """Chroma's own server (`chroma run`) over a data folder, on one port for its whole life:
    ``stop`` and ``start`` again bring back the same server at the same URL, ``freeze`` and
    ``thaw`` (SIGSTOP, SIGCONT) make it stop answering without closing its port."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                [str(CHROMA), "run", "--path", str(self.folder / "data"), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + CHROMA_STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}:\n"
                                   + self.log.read_text(errors="replace")[-4000:])
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2) as got:
                    if got.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"chroma run did not answer within {CHROMA_STARTUP_SECONDS} s:\n"
                           + self.log.read_text(errors="replace")[-4000:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()
            stop(self.process, timeout=15)

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
