"""The loads of `make bench`, by logged-in PMO users spread over the seeded projects:
`FloorUser` asks for the floor page alone (the yardstick), `PortfolioUser` the mixed load — 80 %
page reads, 15 % form saves, 5 % transitions and PDF requests. A page read also asks for what
the page loads after itself, as a browser's htmx does (the navigation's count, the home's
overdue list and heat map, the portfolio's totals). Every user logs in first; the statistics
start once the last one has (logins hash a password on purpose, and are not what either load
measures)."""

import html
import json
import os
import random
import re
from datetime import date

import cpu_usage  # scripts/, beside this file (locust puts its folder on the path)
import gevent
from gevent.event import Event
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

MEASURED_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CPU_FILE = os.environ.get("BENCH_CPU_FILE")  # who used the CPU in the window, as JSON
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


# What a page loads after itself (`hx-trigger="load"`); a PDF job's poll waits, and is not one.
# BENCH_LOAD_FRAGMENTS=0 asks for the pages alone (the mix before issue 20's ninth session).
LOADED_AFTER = re.compile(r'hx-get="([^"]+)" hx-trigger="load"')
FRAGMENTS = os.environ.get("BENCH_LOAD_FRAGMENTS", "1") != "0"
ALL_LOGGED_IN = Event()
LOGINS = {"done": 0, "failed": 0}


def end_window(runner, watch: cpu_usage.Watch) -> None:
    if CPU_FILE:
        with open(CPU_FILE, "w") as file:
            json.dump(watch.usage(), file)
    runner.quit()


class LoggedInUser(FastHttpUser):
    abstract = True
    wait_time = between(0.05, 0.3)

    def on_start(self) -> None:
        self.client.get("/login/")
        response = self.client.post(
            "/login/",
            data={
                "username": "pmo",
                "password": "demo-pass-2026",
                "csrfmiddlewaretoken": self.csrf,
            },
            headers={"Referer": self.host + "/login/"},
        )
        LOGINS["done"] += 1
        if "Log out" not in (response.text or ""):
            LOGINS["failed"] += 1
        if LOGINS["done"] == self.environment.parsed_options.num_users:
            # The measured window starts here and lasts BENCH_LOAD_SECONDS; a failed login is
            # an error of the load.
            runner = self.environment.runner
            runner.stats.reset_all()
            watch = cpu_usage.Watch()
            gevent.spawn(watch.run)
            gevent.spawn_later(MEASURED_SECONDS, end_window, runner, watch)
            for _ in range(LOGINS["failed"]):
                events.request.fire(
                    request_type="POST",
                    name="login",
                    response_time=0,
                    response_length=0,
                    exception=RuntimeError("login failed"),
                    context={},
                )
            ALL_LOGGED_IN.set()
        ALL_LOGGED_IN.wait()
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


class FloorUser(LoggedInUser):
    """The floor page alone: what this server and this machine serve at best."""

    @task
    def floor(self) -> None:
        self.client.get("/floor/", name="floor")


class PortfolioUser(LoggedInUser):
    def read(self, path: str, name: str) -> None:
        """The page, then each fragment it loads after itself, named by its address."""
        response = self.client.get(path, name=name)
        for address in LOADED_AFTER.findall(response.text or "") if FRAGMENTS else []:
            address = html.unescape(address)
            self.client.get(
                address,
                headers={"HX-Request": "true"},
                name=f"{address.split('?')[0]} (after {name})",
            )

    @task(16)
    def home(self) -> None:
        self.read("/", "home")

    @task(16)
    def portfolio(self) -> None:
        self.read(f"/projects/?page={random.randint(1, 20)}", "portfolio")

    @task(16)
    def project(self) -> None:
        self.read(f"/projects/{random.choice(PROJECTS)}/", "project")

    @task(16)
    def charter(self) -> None:
        self.read(f"/projects/{random.choice(PROJECTS)}/charter/", "charter")

    @task(16)
    def goals(self) -> None:
        self.read(f"/projects/{random.choice(PROJECTS)}/goals/", "goals")

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
