"""The mixed load of `make bench`: 80 % page reads, 15 % form saves, 5 % transitions and PDF
requests, by logged-in PMO users spread over the seeded projects."""

import json
import os
import random
from datetime import date

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PROJECTS = json.loads(os.environ.get("BENCH_PROJECTS", "[]"))
# Holding and resuming use every other project, measurements go to the rest: a measurement
# posted to a project the mix itself has put on hold is refused (403, rightly) and would count
# as an error of the mix, not of the server.
HELD = PROJECTS[::2]
MEASURED = set(PROJECTS[1::2])
GOALS = [
    (project, goal)
    for project, goal in json.loads(os.environ.get("BENCH_GOALS", "[]"))
    if project in MEASURED
]
if not HELD or not GOALS:
    raise SystemExit("The load mix needs seeded projects with goals: run it through `make bench`.")


class PortfolioUser(FastHttpUser):
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.get("/login/")
        self.client.post(
            "/login/",
            data={
                "username": "pmo",
                "password": "demo-pass-2026",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers={"Referer": self.host + "/login/"},
        )
        self.held: set[int] = set()

    @property
    def csrf(self) -> str:
        return next(c.value for c in self.client.cookiejar if c.name == "csrftoken")

    def post(self, path: str, data: dict, name: str) -> None:
        with self.client.post(
            path,
            data=data | {"csrfmiddlewaretoken": self.csrf},
            headers={"Referer": self.host + path},
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            # 409: another user held or resumed the project first — the right answer to a race.
            if response.status_code in (200, 302, 409):
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(16)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(16)
    def portfolio(self) -> None:
        self.client.get(f"/projects/?page={random.randint(1, 20)}", name="portfolio")

    @task(16)
    def project(self) -> None:
        self.client.get(f"/projects/{random.choice(PROJECTS)}/", name="project")

    @task(16)
    def charter(self) -> None:
        self.client.get(f"/projects/{random.choice(PROJECTS)}/charter/", name="charter")

    @task(16)
    def goals(self) -> None:
        self.client.get(f"/projects/{random.choice(PROJECTS)}/goals/", name="goals")

    @task(15)
    def add_measurement(self) -> None:
        project, goal = random.choice(GOALS)
        self.post(
            f"/projects/{project}/goals/{goal}/measurements/",
            {"date": date.today().isoformat(), "value": str(random.randint(100, 900)), "note": ""},
            name="add measurement",
        )

    @task(3)
    def hold_or_resume(self) -> None:
        project = random.choice(HELD)
        if project in self.held:
            self.post(f"/projects/{project}/stage/resume/", {}, name="resume")
            self.held.discard(project)
        else:
            self.post(f"/projects/{project}/stage/hold/", {"comment": "Bench"}, name="hold")
            self.held.add(project)

    @task(2)
    def generate_pdf(self) -> None:
        self.post(f"/projects/{random.choice(PROJECTS)}/charter/pdf/", {}, name="generate PDF")
