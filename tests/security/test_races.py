"""Races on real PostgreSQL between two processes released together by a barrier: each
decision is taken once, the other side hears 409, and nothing is written twice."""

import multiprocessing
import os
from collections import Counter

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse

from lifecycle.models import AuditEntry
from projects import services
from projects.models import CharterRevision, Proposal, ProposalState
from tests.factories import ProjectFactory, SponsorFactory, UserFactory
from tests.security import race_worker

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = int(os.environ.get("RACE_ROUNDS", "200"))


def broker() -> str:
    """The children's own broker: two below the suite's (see tests/parallel.py)."""
    base, number = settings.CELERY_BROKER_URL.rsplit("/", 1)
    return f"{base}/{int(number) - 2}"


def child_env() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {"DATABASE_URL": url, "CELERY_BROKER_URL": broker(), "CONN_MAX_AGE": "0"}


def race(sides: list[tuple[str, list[str], dict]]) -> list[tuple]:
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(len(sides)), spawn.Queue()
    processes = [
        spawn.Process(
            target=race_worker.decide, args=(child_env(), user, urls, data, barrier, results)
        )
        for user, urls, data in sides
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return answers


def test_approve_against_reject_has_one_winner_per_round(capsys):
    redis.Redis.from_url(broker()).flushdb()
    dana = UserFactory(username="dana", email="dana@example.com")
    sponsor = SponsorFactory(user=dana, approval_limit=None)
    projects = ProjectFactory.create_batch(ROUNDS, sponsor=sponsor)
    Proposal.objects.filter(project__in=projects).update(state=ProposalState.SUBMITTED, revision=1)
    approve = [reverse("projects:proposal-action", args=[p.pk, "approve"]) for p in projects]
    reject = [reverse("projects:proposal-action", args=[p.pk, "reject"]) for p in projects]

    answers = dict(
        (tag, codes)
        for _, tag, codes in race(
            [
                ("dana", approve, {"tag": "approve"}),
                ("dana", reject, {"tag": "reject", "comment": "No"}),
            ]
        )
    )

    outcomes = Counter(zip(answers["approve"], answers["reject"], strict=True))
    assert set(outcomes) <= {(302, 409), (409, 302)}, outcomes
    states = Counter(Proposal.objects.filter(project__in=projects).values_list("state", flat=True))
    assert states[ProposalState.APPROVED] == outcomes[(302, 409)]
    assert states[ProposalState.REJECTED] == outcomes[(409, 302)]
    decisions = AuditEntry.objects.filter(action__in=("approve", "reject")).count()
    assert decisions == ROUNDS
    mails = redis.Redis.from_url(broker()).llen("email")
    assert mails == ROUNDS + states[ProposalState.REJECTED]  # a rejection also cancels
    with capsys.disabled():
        print(
            f"\nraces: {ROUNDS} rounds approve × reject: {outcomes[(302, 409)]} approved, "
            f"{outcomes[(409, 302)]} rejected, {ROUNDS} 409 answers, {decisions} audit rows, "
            f"{mails} e-mails"
        )


def test_a_double_click_on_sign_charter_signs_once(filled, manager, sponsor):
    services.charter_submit(charter=filled.charter, by=manager)
    urls = [reverse("projects:charter-action", args=[filled.pk, "sign"])]

    answers = [codes for _, _, codes in race([("sponsor", urls, {}), ("sponsor", urls, {})])]

    assert sorted(code for codes in answers for code in codes) == [302, 409]
    assert CharterRevision.objects.count() == 1
    assert AuditEntry.objects.filter(action="sign").count() == 1
