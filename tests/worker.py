"""A real Celery worker process for the task tests: same code, same Redis broker, the test
database, and e-mail written to files the test can read."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from config.celery import app


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log: Path

    def mails(self) -> list[Message]:
        return [message_from_bytes(path.read_bytes()) for path in sorted(self.mail_dir.iterdir())]

    def wait_for_mails(self, count: int, timeout: float = 20) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(mails := self.mails()) >= count:
                return mails
            time.sleep(0.1)
        raise AssertionError(
            f"expected {count} mails, got {len(self.mails())}; worker log:\n{self.log.read_text()}"
        )


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def running_worker(tmp_dir: Path) -> Iterator[Worker]:
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no stale messages
    mail_dir = tmp_dir / "mail"
    mail_dir.mkdir()
    log = tmp_dir / "worker.log"
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CONN_MAX_AGE": "0",
    }
    name = f"test-{os.getpid()}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", name]
    command += ["--queues", "email,pdf", "--concurrency", "1", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(name, process, log)
        yield Worker(process, mail_dir, log)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_ready(name: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited:\n{log.read_text()}")
        if app.control.ping(destination=[name], timeout=0.5):
            return
    raise RuntimeError(f"the Celery worker did not answer within 60 s:\n{log.read_text()}")
