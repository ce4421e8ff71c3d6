"""A throw-away Dovecot: self-contained config in a temp dir, every user name its own Maildir."""

from __future__ import annotations

import grp
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.servers import apt_install, free_port, is_root, unprivileged_user

PASSWORD = "geheim"
PACKAGES = ("dovecot-imapd", "dovecot-lmtpd")
# Mail processes may not run as root; `dovecot` exists once the package is installed.
ROOT_MAIL_USERS = ("dovecot", "nobody")

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
{users}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  {chroot}
}}
service anvil {{
  {chroot}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {lmtp_port}
  }}
}}
protocol lmtp {{
  # LMTP recipients are addresses; the IMAP user is the local part.
  auth_username_format = %Ln
}}
"""


def binaries_present() -> bool:
    return all(Path(p).exists() for p in ("/usr/sbin/dovecot", "/usr/lib/dovecot/imap",
                                          "/usr/lib/dovecot/lmtp"))


def ensure_installed() -> None:
    """Install Dovecot from Debian when missing; skip the test when that is impossible."""
    if binaries_present():
        return
    if not is_root():
        pytest.skip(f"Dovecot is not installed and only root can install it: "
                    f"apt-get install -y {' '.join(PACKAGES)}")
    apt_install(*PACKAGES)


@dataclass
class Dovecot:
    """One running Dovecot; `stop()` ends it, `halt()` and `resume()` restart it as it was."""

    host: str
    imap_port: int
    lmtp_port: int
    directory: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        path = self.directory / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server and every process it started, as `systemctl restart` does (an imap
        process whose master is gone would serve its client on for a while); config and mail
        stay."""
        if self.process.poll() is None:
            children = _children(self.process.pid)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            for pid in children:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def resume(self) -> None:
        """Start a halted server again on the same ports with the same mailboxes."""
        if self.process.poll() is None:
            return
        self.process = _launch(self.directory / "dovecot.conf")
        _wait_for_greeting(self)

    def account(self) -> ImapAccount:
        """A user nobody has used before, so each test starts with an empty mailbox."""
        return ImapAccount(self.host, self.imap_port, self.lmtp_port,
                           f"u{uuid.uuid4().hex[:12]}", PASSWORD)


def start() -> Dovecot:
    ensure_installed()
    directory = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-"))
    imap_port, lmtp_port = free_port(), free_port()
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, imap_port, lmtp_port))
    server = Dovecot("127.0.0.1", imap_port, lmtp_port, directory, _launch(config))
    try:
        _wait_for_greeting(server)
    except BaseException:
        server.stop()
        raise
    return server


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _launch(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _config(directory: Path, imap_port: int, lmtp_port: int) -> str:
    mail_user = unprivileged_user(ROOT_MAIL_USERS)
    (directory / "mail").mkdir()
    if is_root():
        # mkdtemp makes 0700; the unprivileged mail processes must reach their Maildirs.
        directory.chmod(0o755)
        os.chown(directory / "mail", mail_user.pw_uid, mail_user.pw_gid)
        users, chroot = "", ""
    else:
        # Unprivileged, Dovecot can neither switch users nor chown sockets to group `dovecot`.
        group = grp.getgrgid(mail_user.pw_gid).gr_name
        users = (f"default_internal_user = {mail_user.pw_name}\n"
                 f"default_login_user = {mail_user.pw_name}\n"
                 f"default_internal_group = {group}")
        chroot = "chroot ="
    return CONFIG.format(dir=directory, users=users, chroot=chroot, password=PASSWORD,
                         uid=mail_user.pw_uid, gid=mail_user.pw_gid,
                         imap_port=imap_port, lmtp_port=lmtp_port)


def _wait_for_greeting(server: Dovecot, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"dovecot exited with {server.process.returncode}:\n{server.log()}")
        try:
            with socket.create_connection((server.host, server.imap_port), timeout=2) as sock:
                if sock.recv(200).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not greet within {timeout} s:\n{server.log()}")


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox on the test Dovecot, with helpers to put mail in and look at it."""

    host: str
    port: int
    lmtp_port: int
    user: str
    password: str

    @property
    def address(self) -> str:
        return f"{self.user}@localhost"

    def client(self) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def deliver_lmtp(self, raw: bytes, mail_from: str = "") -> None:
        """Deliver as an MTA does, so `Return-Path` shows the envelope sender (`<>` for bounces)."""
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=30) as lmtp:
            refused = lmtp.sendmail(mail_from, [self.address], raw)
        assert not refused, refused

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def fetch_all(self, folder: str = "INBOX") -> list[bytes]:
        """Every message in the folder, in UID order."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = sorted(client.search("ALL"))
            bodies = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [bodies[uid][b"BODY[]"] for uid in uids]

    def folders(self) -> list[str]:
        with self.client() as client:
            return sorted(name for _, _, name in client.list_folders())
