"""Real services for the tests that need them: a private Redis server, an SMTP server, worker processes.

A private redis-server (not the shared one) lets a test stop and restart Redis; aiosmtpd is a real
SMTP server on localhost that records every message it accepts.
"""
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise RuntimeError("redis-server is not installed (Debian package redis-server)")
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis

        client = Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        wait_until(lambda: _safe(client.ping), 10, what="redis-server to answer")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _safe(fn):
    try:
        return fn()
    except Exception:
        return False


class RecordingHandler:
    """Accepts mail and keeps it; can refuse addresses, fail for a while, or be slow."""

    def __init__(self):
        self.messages = []
        self.refuse = set()  # 550 for these recipients
        self.transient = False  # 451 for every message while true
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.transient:
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        for rcpt in envelope.rcpt_tos:
            self.messages.append({"to": rcpt, "message_id": str(message["Message-ID"]),
                                  "subject": str(message["Subject"]), "language": str(message["Content-Language"]),
                                  "message": message})
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def reset(self):
        """A new handler for the next test: no messages, refusals, failures or delay carried over. A session
        still open (a slow reply an earlier test gave up on) keeps the handler it started with."""
        self.handler = self.controller.handler = RecordingHandler()

    @property
    def messages(self):
        return self.handler.messages


class WorkerProcess:
    """`huzhu worker` in its own process, as in production; SIGKILL-able."""

    def __init__(self, env: dict, queues=("notifications", "default")):
        self.env = {**os.environ, **env}
        self.queues = queues
        self.process = None

    def start(self):
        (ROOT / "instance").mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", *self.queues], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=open(ROOT / "instance" / "test-worker.log", "ab"))
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
