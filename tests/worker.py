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

MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log: Path

    def pool_processes(self) -> list[int]:
        """The prefork children that run the tasks (the main process only supervises)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def mails(self) -> list[Message]:
        """Every mail written in full, in order. Django's file backend names a file by the
        second and the id() of its connection, and a connection gone can leave its id to the
        next one: two mails sent in the same second may share a file. Each mail ends with a
        line of 79 dashes, so a file splits into its mails (a mail still being written has no
        such line yet and waits for the next look)."""
        return [
            message_from_bytes(mail)
            for path in sorted(self.mail_dir.iterdir())
            for mail in path.read_bytes().split(MAIL_SEPARATOR)[:-1]
        ]

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
def running_worker(
    tmp_dir: Path,
    broker_url: str | None = None,
    *,
    beat: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[Worker]:
    """A worker process; with `beat`, celery beat runs inside it on the project's schedule;
    `env` adds settings (e.g. how often the schedule fires)."""
    broker_url = broker_url or settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker_url).flushdb()  # no stale messages
    mail_dir = tmp_dir / "mail"
    mail_dir.mkdir(exist_ok=True)
    log = tmp_dir / "worker.log"
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": broker_url,
        **(env or {}),
    }
    name = f"test-{os.getpid()}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", name]
    command += ["--queues", "email,pdf,webhooks", "--concurrency", "1", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle"]
    if beat:
        command += ["--beat", "--schedule", str(tmp_dir / "beat-schedule")]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        with broker(broker_url):
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


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker (one that is down, say).

    Celery lets CELERY_BROKER_URL in the environment win over its configuration, but reads
    the read and write URLs from the configuration first: those are what is switched here.
    """
    app.conf.broker_read_url = app.conf.broker_write_url = url
    app._after_fork()  # drop pooled connections to the previous broker
    try:
        yield
    finally:
        app.conf.broker_read_url = app.conf.broker_write_url = None
        app._after_fork()
