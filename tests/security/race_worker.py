"""One side of a race, in its own process: log in, then at each round wait at the barrier and
post the decision. Run by test_races.py with multiprocessing's spawn start method."""

import os


def decide(env: dict, username: str, urls: list[str], data: dict, barrier, results) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    answers = []
    for url in urls:
        barrier.wait(timeout=60)
        answers.append(client.post(url, data).status_code)
    connection.close()
    results.put((username, data.get("tag"), answers))
