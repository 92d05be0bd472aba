"""A real PostgreSQL server for the tests, started and stopped by them.

Debian's postgresql package provides the binaries (`make test` installs it when running as root
and it is missing). PostgreSQL refuses to run as root, so under root the server runs as the
package's ``postgres`` user, in a data folder it owns under /tmp. The server listens on
127.0.0.1 only, with password (SCRAM) authentication, so wrong credentials are really refused.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port, stop

USER, PASSWORD = "coach", "coach-test-password"


def binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def missing_reason() -> str | None:
    if binaries() is None:
        return ("PostgreSQL is not installed (Debian package postgresql); `make test` installs "
                "it when run as root")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


@dataclass
class PostgresServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    databases: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres", *, password: str = PASSWORD) -> str:
        return f"postgresql+psycopg://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        done = subprocess.run(
            [str(binaries() / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER,
             "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
            env=env, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        stop(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server as an outage would (a fast shutdown: every session is cut off),
        keeping its data folder and port for ``resume``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def resume(self) -> None:
        """Start the halted server again on the same port, over the same data."""
        self.process = _launch(self.folder, self.port)
        _wait_ready(self)


def _as_owner() -> dict[str, object]:
    """subprocess arguments that run a command as the postgres user when we are root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def start() -> PostgresServer:
    """initdb a fresh cluster in /tmp and start it on a free port on 127.0.0.1."""
    bin_dir = binaries()
    assert bin_dir is not None, missing_reason()
    folder = Path(tempfile.mkdtemp(prefix="coach-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    (folder / "pw").write_text(PASSWORD)
    owner = _as_owner()
    if owner:
        for path in (folder, sockets, folder / "pw"):
            os.chown(path, int(owner["user"]), int(owner["group"]))  # type: ignore[call-overload]
    subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A",
                    "scram-sha-256", f"--pwfile={folder / 'pw'}", "-E", "UTF8",
                    "--no-instructions"], check=True, capture_output=True, **owner)  # type: ignore[call-overload]
    port = free_port()
    server = PostgresServer(port, folder, _launch(folder, port))
    try:
        _wait_ready(server)
    except RuntimeError:
        server.stop()
        raise
    return server


def _launch(folder: Path, port: int) -> subprocess.Popen[bytes]:
    """The server on ``port`` over the cluster in ``folder``, its output appended to the log."""
    bin_dir = binaries()
    assert bin_dir is not None, missing_reason()
    log = open(folder / "server.log", "ab")  # noqa: SIM115 - kept open for the server's life
    return subprocess.Popen(
        [str(bin_dir / "postgres"), "-D", str(folder / "data"), "-p", str(port),
         "-k", str(folder / "sockets"), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT, **_as_owner())  # type: ignore[call-overload]


def _wait_ready(server: PostgresServer) -> None:
    bin_dir = binaries()
    assert bin_dir is not None, missing_reason()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("PostgreSQL did not start:\n"
                               + (server.folder / "server.log").read_text(errors="replace"))
        ready = subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p",
                                str(server.port)], capture_output=True)
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not become ready within 60 s")
