"""A real PostgreSQL server for the tests: `initdb` and `pg_ctl` in a temporary folder, on a
free loopback port, as an unprivileged user.

PostgreSQL refuses to run as root: when the tests run as root (CI does), the data folder is
given to the `postgres` system user (Debian's package creates it) and every command runs
through `runuser -u postgres --`. `PgServer.unavailable()` says why a server cannot start
here (no initdb, no psycopg, root without a postgres user); tests skip with that reason.

The server trusts local connections for the superuser `frugal` except for the role
`secretive`, which needs a password (for the tests that check credentials stay out of every
output).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

BIN_DIRS = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
SECRET = "s3cret-Pa55word"


def _tool(name: str) -> str | None:
    for folder in BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """One PostgreSQL cluster in `folder`; `url(db)` gives a postgresql:// URL into it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.user = "frugal"
        self._as: list[str] = []
        if os.geteuid() == 0:
            self._as = ["runuser", "-u", "postgres", "--"]

    @staticmethod
    def unavailable() -> str | None:
        """Why no server can be started here, or None."""
        try:
            import psycopg  # noqa: F401
        except ImportError:
            return "psycopg is not installed (pip install 'frugal-ai[postgresql]')"
        if _tool("initdb") is None or _tool("pg_ctl") is None:
            return "PostgreSQL's initdb/pg_ctl are not installed (Debian: apt-get install postgresql)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no 'postgres' system user to run PostgreSQL as"
            if shutil.which("runuser") is None:
                return "running as root without runuser to start PostgreSQL as the postgres user"
        return None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self._as, *args], check=check, capture_output=True, text=True, timeout=120)

    def init(self) -> "PgServer":
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._as:  # the data folder belongs to postgres (the folder's parents must let it through)
            shutil.chown(self.folder, "postgres")
        pwfile = self.folder / "pw"
        pwfile.write_text(SECRET + "\n")
        if self._as:
            shutil.chown(pwfile, "postgres")
        self._run(_tool("initdb") or "initdb", "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        hba = self.data / "pg_hba.conf"
        hba.write_text("host all secretive 127.0.0.1/32 scram-sha-256\n"
                       "host all all 127.0.0.1/32 trust\nlocal all all trust\n")
        self.start()
        self.psql("CREATE ROLE secretive LOGIN SUPERUSER PASSWORD '%s'" % SECRET)
        return self

    def start(self) -> None:
        """Start the server (again); it keeps its port."""
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60")
        self._run(_tool("pg_ctl") or "pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        r = self._run(_tool("pg_ctl") or "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
                      check=False)
        if r.returncode != 0 and "Is server running?" not in r.stderr:
            raise RuntimeError(f"pg_ctl stop failed: {r.stdout} {r.stderr}")

    def psql(self, sql: str, db: str = "postgres") -> str:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            cur = conn.execute(sql)
            return str(cur.fetchall()) if cur.description else ""

    def url(self, db: str = "postgres", *, user: str | None = None, password: str | None = None) -> str:
        auth = user or self.user
        if password is not None:
            auth += f":{password}"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self.psql(f"CREATE DATABASE {name}")
        return name

    def query(self, db: str, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            return conn.execute(sql).fetchall()
