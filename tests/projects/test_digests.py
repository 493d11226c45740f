"""The daily digest (issue 16): what has waited longer than REMIND_AFTER_DAYS, one e-mail per
person per day however often beat runs the task; the PMO's lists what is overdue anywhere;
a mail server that is down delays it, never loses or doubles it; people can turn it off."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from projects import digests, services
from projects.models import Digest, Profile
from tests.conftest import client_for
from tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _digests_any_hour(settings):
    settings.DIGEST_HOUR = 0  # the tests run at any hour; one of them sets it back


def waiting_since(days: int, manager, sponsor, title: str):
    """A business case submitted `days` ago, waiting for `sponsor` since then."""
    with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
        project = ProjectFactory(title=title, manager=manager, sponsor=sponsor.sponsor_profile)
        services.proposal_submit(proposal=project.proposal, by=manager)
    return project


@pytest.fixture
def waiting(manager, sponsor, sponsor2, pmo):
    """Dana Whitfield has one case waiting 9 days (overdue) and one waiting a day; Lee Park
    one waiting 4 days."""
    waiting_since(9, manager, sponsor, "Old request")
    waiting_since(1, manager, sponsor, "New request")
    waiting_since(4, manager, sponsor2, "Switch request")


def test_each_person_gets_what_has_waited_longer_than_a_few_days(waiting, sponsor, sponsor2, pmo):
    assert digests.send_due() == 3  # Dana, Lee, and the PMO for the overdue one

    by_person = {message.to[0]: message for message in mail.outbox}
    dana = by_person[sponsor.email]
    assert dana.subject == "[Tollgate] 1 item wait for you"
    assert "Old request" in dana.body and "[OVERDUE]" in dana.body
    assert "New request" not in dana.body  # a day old: not yet a reminder
    assert "Switch request" in by_person[sponsor2.email].body
    pmo_digest = by_person[pmo.email]
    assert "Overdue across the portfolio" in pmo_digest.body
    assert "Old request" in pmo_digest.body and "Dana Whitfield, CIO" in pmo_digest.body
    assert "/profile/" in dana.body  # how to turn it off


def test_one_digest_a_day_however_often_it_runs(waiting):
    digests.send_due()
    digests.send_due()
    assert len(mail.outbox) == 3
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        digests.send_due()
    assert len(mail.outbox) == 6  # the next day, the next digest


def test_people_can_turn_it_off(waiting, sponsor):
    client = client_for(sponsor)
    assert client.post(reverse("projects:profile"), {}).status_code == 302  # unticked
    assert Profile.objects.get(user=sponsor).digest is False

    digests.send_due()
    assert sponsor.email not in {message.to[0] for message in mail.outbox}
    page = client.get(reverse("projects:profile")).content.decode()
    assert "Daily digest e-mail" in page


def test_nothing_waiting_nothing_sent(manager, sponsor):
    waiting_since(1, manager, sponsor, "New request")
    assert digests.send_due() == 0
    assert mail.outbox == []
    assert Digest.objects.get(user=sponsor).items == 0  # looked at today: done


def test_before_the_digest_hour_nothing_is_sent(waiting, settings):
    settings.DIGEST_HOUR = 7
    six = timezone.localtime().replace(hour=6, minute=0)
    assert digests.send_due(six) == 0
    assert not Digest.objects.exists()


def test_a_mail_server_that_is_down_delays_the_digest_never_loses_or_doubles_it(
    waiting, settings, sponsor
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(OSError):
        digests.send_due()
    failed = Digest.objects.get(user=sponsor)
    assert (failed.sent_at, failed.attempts) == (None, 1) and "Error" in failed.error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digests.send_due() == 3
    assert digests.send_due() == 0
    sent = Digest.objects.get(user=sponsor)
    assert (sent.attempts, sent.error, sent.sent_at is not None) == (2, "", True)


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_one(manager, sponsor):
    waiting_since(5, manager, sponsor, "Old request")
    today = timezone.localdate()
    start = threading.Barrier(4)
    sent = []

    def race() -> None:
        start.wait()
        try:
            sent.append(digests.digest_send(sponsor, today))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [False, False, False, True]
    assert len(mail.outbox) == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_with_beat_sends_one_digest_per_person_per_day(
    manager, sponsor, sponsor2, pmo, tmp_path
):
    from projects.tasks import send_digests
    from tests.worker import running_worker

    waiting_since(9, manager, sponsor, "Old request")
    waiting_since(4, manager, sponsor2, "Switch request")
    settings = {"DIGEST_CHECK_SECONDS": "0.5", "DIGEST_HOUR": "0"}
    with running_worker(tmp_path, beat=True, env=settings) as worker:
        for _ in range(5):
            send_digests.delay()  # and a few more runs besides beat's
        mails = worker.wait_for_mails(3)
        time.sleep(4)  # eight more beats
        mails = worker.mails()
        log = worker.log.read_text()

    assert sorted(message["To"] for message in mails) == sorted(
        [sponsor.email, sponsor2.email, pmo.email]
    ), log
    assert log.count("projects.tasks.send_digests") >= 10  # it ran, and ran again
    assert Digest.objects.filter(sent_at__isnull=False, items__gt=0).count() == 3
    assert set(Digest.objects.values_list("attempts", flat=True)) == {1}


def test_a_digest_that_cannot_be_sent_does_not_stop_the_others(waiting, sponsor, sponsor2):
    type(sponsor).objects.filter(pk=sponsor.pk).update(email="dana@example.com\nBcc: x@y.z")

    assert digests.send_due() == 2  # Lee Park's and the PMO's
    assert sponsor2.email in {message.to[0] for message in mail.outbox}
    assert "Error" in Digest.objects.get(user=sponsor).error


def test_a_long_list_is_cut_to_the_oldest_in_the_mail(manager, sponsor):
    for n in range(digests.DIGEST_LIMIT + 5):
        waiting_since(5 + n, manager, sponsor, f"Request {n:02d}")

    digests.send_due()
    [mail_to_dana] = [m for m in mail.outbox if m.to == [sponsor.email]]
    assert mail_to_dana.body.count("Business case to decide") == digests.DIGEST_LIMIT
    assert f"the {digests.DIGEST_LIMIT} oldest; Needs my action has them all" in mail_to_dana.body
    assert "Request 29" in mail_to_dana.body and "Request 00" not in mail_to_dana.body
