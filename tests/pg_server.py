"""A throw-away PostgreSQL server for the ledger tests (Debian's ``postgresql`` binaries).

:class:`PgServer` runs ``initdb`` in a temporary folder and ``pg_ctl start`` on a Unix
socket in that folder (no TCP port at all), with a password-protected role ``seeka``
(password :data:`PASSWORD`, which the tests look for in reprs, errors and reports) and
fsync off (the tests kill clients, never the machine).  ``initdb`` refuses to run as root:
under root the server runs as the ``postgres`` user (``runuser``), its folder chowned to
it; as a normal user it runs as that user.  Each test gets a fresh database
(:meth:`PgServer.new_database`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD = "pw-S3cr3t-4a7f"  # looked for in reprs, errors, reports and the ledger
USER = "seeka"
ADMIN = "seeka_admin"
PORT = 5432  # only names the socket file, in a private folder


def bin_dir() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``: ``$PG_BIN``, Debian's newest, or ``$PATH``."""
    env = os.environ.get("PG_BIN")
    if env and (Path(env) / "initdb").exists():
        return Path(env)

    def version(initdb: str) -> int:
        name = Path(initdb).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PgServer:
    """One running server in a temporary folder (see the module docstring)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="seeka-pg-"))  # short: socket paths are
        self.data = self.root / "data"
        self.socket_dir = self.root
        self.as_user: str | None = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
            try:
                info = pwd.getpwnam(self.as_user)
            except KeyError as exc:
                raise RuntimeError("running as root needs a 'postgres' user for initdb") from exc
            os.chown(self.root, info.pw_uid, info.pw_gid)
        os.chmod(self.root, 0o755)

    def _cmd(self, *args: str) -> list[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.as_user, "--", *command] if self.as_user else command

    def _run(self, *args: str) -> None:
        done = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        pwfile = self.root / "admin.pw"
        pwfile.write_text("unused-admin-password\n")
        if self.as_user:
            info = pwd.getpwnam(self.as_user)
            os.chown(pwfile, info.pw_uid, info.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", ADMIN, "--auth=trust", "--no-sync",
            "--encoding=UTF8", "--locale=C", f"--pwfile={pwfile}",
        )  # fmt: skip
        hba = self.data / "pg_hba.conf"
        # the test role must give its password; the admin (fixtures only) is trusted
        hba.write_text(
            f"local all {USER} scram-sha-256\nlocal all {ADMIN} trust\n" + hba.read_text()
        )
        self.pg_ctl_start()
        self.admin(f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}' CREATEDB")

    def pg_ctl_start(self) -> None:
        options = (
            f"-k {self.socket_dir} -c listen_addresses='' -p {PORT} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def admin(self, statement: str, database: str = "postgres") -> str:
        done = subprocess.run(
            [str(self.bindir / "psql"), "-h", str(self.socket_dir), "-p", str(PORT), "-U",
             ADMIN, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", statement],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def url(self, database: str, *, password: bool = True) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"postgresql://{USER}{secret}@/{database}?host={self.socket_dir}&port={PORT}"

    def new_database(self) -> str:
        """A fresh, empty database owned by the test role; its URL (with the password)."""
        name = f"ledger_{uuid.uuid4().hex[:12]}"
        self.admin(f"CREATE DATABASE {name} OWNER {USER} TEMPLATE template0")
        return self.url(name)

    def terminate_clients(self, database: str) -> None:
        """Kill every backend connected to ``database`` (as a crashed network would)."""
        self.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{database}' AND pid <> pg_backend_pid()"
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for_sessions_to_end(target: object, seconds: float = 30.0) -> None:
    """PostgreSQL (``target`` a URL): wait (bounded) until the server has noticed that
    killed clients are gone - their runs' advisory locks go with their sessions.  An SQLite
    target (a path): nothing to wait for."""
    if not isinstance(target, str):
        return
    import psycopg

    query = (
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'seeka_nb ledger' AND pid <> pg_backend_pid()"
    )
    end = time.monotonic() + seconds
    with psycopg.connect(target, autocommit=True) as conn:
        while conn.execute(query).fetchone()[0] and time.monotonic() < end:  # type: ignore[index]
            time.sleep(0.02)
