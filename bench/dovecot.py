"""A throw-away Dovecot IMAP server for the tests and the inbound benchmark.

Debian's `dovecot-imapd`, started with a config file of its own in a temporary folder: plain
login over 127.0.0.1 on a free port, one passwd-file user, maildir under the folder. Nothing
system-wide is read or changed. As root, Dovecot's own `dovecot` and `dovenull` users (created
by the package) run the mail and login processes: Dovecot refuses to run them as root.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return Path(DOVECOT).exists()


class Dovecot:
    user = "samverka"
    password = "imap-test-secret"

    def __init__(self, folder: str | Path | None = None):
        self._own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="dovecot-"))
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, mailbox: str = "INBOX") -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/{mailbox}"

    def _config(self) -> str:
        if os.getuid() == 0:
            internal, login = "dovecot", "dovenull"
            uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
            uid, gid = os.getuid(), os.getgid()
        group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
        f = self.folder
        for sub in ("run", "state", "mail", "home"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            # Dovecot's users read the passwd file and write the mail folders.
            f.chmod(0o755)
            for sub in ("mail", "home"):
                os.chown(f / sub, uid, gid)
        (f / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        return f"""
base_dir = {f}/run
state_dir = {f}/state
log_path = {f}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
mail_location = maildir:{f}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {f}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={f}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""

    def start(self, timeout: float = 20.0) -> Dovecot:
        conf = self.folder / "dovecot.conf"
        conf.write_text(self._config())
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                    s.settimeout(2)
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)
