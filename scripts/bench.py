"""`make bench`: SPEC §8's budgets, measured on this machine, printed as one table and written
to docs/benchmarks.md.

1. Seed a fresh PostgreSQL database with 10,000 projects (scripts/bench_seed.py).
2. Page latency through gunicorn over HTTP, logged in: median and p95 of 200 requests per page,
   each against the floor (a logged-in page that renders the base template and nothing else),
   asked for alternately with the page so both see the same machine: every page within 3× the
   floor's median — as served again while nothing it shows has changed (kept), and built afresh
   (100 requests with `Cache-Control: no-cache`, what the first request after a change costs).
3. SQL queries per page (Django's test client on the same database).
4. Load with locust (under nice), 40 users logged in before the measured window: the floor page
   alone, then the mix of 80 % reads, 15 % form saves, 5 % transitions and PDF requests; the mix
   serves ≥ 0.6 of the floor's requests/s with a p95 ≤ 4× the floor's, without errors; who
   used the CPU in each window (scripts/cpu_usage.py) and the CPU per request.
5. PDFs: a real Celery worker renders the seeded charter (median of 20) beside headless
   Chromium printing the same HTML; the reuse path; the worker's memory over 500 renders.
"""

import csv
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database and Redis databases; overridable when other sessions share the machine.
BENCH_DB = os.environ.get("BENCH_DB", "tollgate_bench")
DATABASE_URL = f"postgres://tollgate:tollgate@127.0.0.1:5432/{BENCH_DB}"
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/11")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
RSS_RENDERS = int(os.environ.get("BENCH_RSS_RENDERS", "500"))
GUNICORN_WORKERS = 3  # 2 cores: one process per core plus one to cover waits on the database
ENV = os.environ | {
    "DATABASE_URL": DATABASE_URL,
    "CELERY_BROKER_URL": BROKER_URL,
    "CACHE_URL": CACHE_URL,
    "SECRET_KEY": "bench-only-secret",
    "DEBUG": "0",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "LOG_LEVEL": "WARNING",
    "MEDIA_ROOT": str(ROOT / "var" / "bench-media"),
    "AXES_FAILURE_LIMIT": "1000",
    "BENCH_FLOOR": "1",  # mounts the floor page
    "PDF_REQUESTS_PER_MINUTE": "100000",  # the load measures throughput, not the rationing
}
os.environ.update(ENV)
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
BIN = Path(sys.executable).parent

import bench_pdf  # noqa: E402  (scripts/, beside this file; reads the settings above)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True
    )


def fresh_database() -> dict[str, float]:
    psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {BENCH_DB} OWNER tollgate")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=ENV, check=True)
    import django

    django.setup()
    from scripts.bench_seed import seed

    return seed()


# -- HTTP ------------------------------------------------------------------------------------


def session_for(username: str) -> Any:
    import requests

    session = requests.Session()
    session.get(f"{BASE}/login/")
    response = session.post(
        f"{BASE}/login/",
        data={
            "username": username,
            "password": "demo-pass-2026",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{BASE}/login/"},
    )
    assert response.ok and "Log out" in response.text, f"could not log in as {username}"
    return session


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


FLOOR = "/floor/"
COUNT = "/needs-my-action/count/"
OVERDUE = "/needs-my-action/overdue/"


def timed(request: Any) -> float:
    started = time.perf_counter()
    request()
    return (time.perf_counter() - started) * 1000


def floor_request(session: Any) -> Any:
    def request() -> None:
        assert session.get(BASE + FLOOR).status_code == 200

    return request


# Asks for the page built afresh, not the one kept since the last change (projects/page_cache.py).
BUILT = {"Cache-Control": "no-cache"}
# What pages load after themselves (htmx), asked for as htmx asks: the heat map and the
# portfolio's totals answer a whole page of their own otherwise.
HEAT_MAP = "/projects/risks/"
SUMMARY = "/projects/summary/"
FRAGMENTS = {COUNT, OVERDUE, HEAT_MAP, SUMMARY}


def headers_for(path: str, headers: dict | None = None) -> dict:
    return ({"HX-Request": "true"} if path in FRAGMENTS else {}) | (headers or {})


def timed_gets(
    session: Any, path: str, count: int, headers: dict | None = None
) -> tuple[list[float], list[float]]:
    """The page's times, and the floor's, asked for alternately: on a machine shared with other
    work, both see the same conditions, so their ratio holds while the absolute figures move."""

    def request() -> None:
        response = session.get(BASE + path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)

    for _ in range(10):  # warm: caches, connections, compiled templates
        request()
    times, floor = [], []
    for _ in range(count):
        times.append(timed(request))
        floor.append(timed(floor_request(session)))
    return times, floor


def timed_decisions(session: Any, project_ids: list[int]) -> tuple[list[float], list[float]]:
    times, floor = [], []
    for pk in project_ids:

        def request(pk: int = pk) -> None:
            response = session.post(
                f"{BASE}/projects/{pk}/business-case/approve/",
                data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "comment": ""},
                headers={"Referer": BASE},
                allow_redirects=False,
            )
            assert response.status_code == 302, (pk, response.status_code)

        times.append(timed(request))
        floor.append(timed(floor_request(session)))
    return times, floor


def start_gunicorn() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(GUNICORN_WORKERS),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    import requests

    for _ in range(100):
        try:
            if requests.get(f"{BASE}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def pages(project: Any, charter_project: Any) -> list[tuple[str, str, str]]:
    return [
        ("floor (logged-in base template)", "sponsor", FLOOR),
        ("home, sponsor", "sponsor", "/"),
        ("home, manager", "manager", "/"),
        ("home, PMO", "pmo", "/"),
        ("home, PMO: overdue across the portfolio (loaded after it)", "pmo", OVERDUE),
        ("home, PMO: risk heat map (loaded after it)", "pmo", HEAT_MAP),
        ("needs my action, sponsor", "sponsor", "/needs-my-action/"),
        ("needs my action, manager", "manager", "/needs-my-action/"),
        ("needs my action count (navigation)", "sponsor", COUNT),
        ("portfolio, page 1 of 50", "pmo", "/projects/"),
        ("portfolio, filtered by text (100 match)", "pmo", "/projects/?q=project+012"),
        ("portfolio board", "pmo", "/projects/?view=board"),
        ("portfolio: totals and risk heat map (loaded after it)", "pmo", SUMMARY),
        ("project detail", "pmo", f"/projects/{project.pk}/"),
        ("charter page", "pmo", f"/projects/{charter_project.pk}/charter/"),
        ("goals page", "pmo", f"/projects/{charter_project.pk}/goals/"),
    ]


def query_counts(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    """Each page's queries: kept (served again) / built afresh."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for label, username, path in rows:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        client.get(path, headers=headers_for(path))
        with CaptureQueriesContext(connection) as kept:
            client.get(path, headers=headers_for(path))
        with CaptureQueriesContext(connection) as built:
            client.get(path, headers=headers_for(path, BUILT))
        kept_count, built_count = len(kept), len(built)
        counts[label] = (
            f"{kept_count} / {built_count}" if kept_count != built_count else str(kept_count)
        )
    return counts


# -- Load ------------------------------------------------------------------------------------


def load(user_class: str, project_ids: list[int], goal_ids: list[tuple[int, int]]) -> dict:
    """One load of scripts/locustfile.py: `FloorUser` (the floor page alone) or `PortfolioUser`
    (the mix), 40 users logged in before the measured window of LOAD_SECONDS. Locust runs with
    a lower CPU priority (nice), so it takes less from the server on the same cores."""
    users = int(os.environ.get("BENCH_LOAD_USERS", "40"))
    with tempfile.TemporaryDirectory() as scratch:
        env = ENV | {
            "BENCH_PROJECTS": json.dumps(project_ids),
            "BENCH_GOALS": json.dumps(goal_ids),
            "BENCH_LOAD_SECONDS": str(LOAD_SECONDS),
            "BENCH_CPU_FILE": f"{scratch}/cpu.json",
        }
        subprocess.run(
            [
                "nice",
                "-n",
                "10",
                str(BIN / "locust"),
                "-f",
                str(ROOT / "scripts" / "locustfile.py"),
                "--headless",
                "--host",
                BASE,
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",  # an upper bound: the locustfile stops LOAD_SECONDS after the logins
                f"{LOAD_SECONDS + 120}s",
                "--csv",
                f"{scratch}/load",
                "--only-summary",
                "--loglevel",
                "WARNING",
                user_class,
            ],
            cwd=ROOT,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        with open(f"{scratch}/load_stats.csv") as stats:
            rows = list(csv.DictReader(stats))
        total = next(row for row in rows if row["Name"] == "Aggregated")
        # What pages load after themselves (locustfile: named "… (after <page>)").
        fragments = sum(float(row["Requests/s"]) for row in rows if " (after " in row["Name"])
        with open(f"{scratch}/load_failures.csv") as failures:
            failed = [
                f"{row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error'][:80]}"
                for row in csv.DictReader(failures)
            ]
        with open(f"{scratch}/cpu.json") as cpu:
            cores = json.load(cpu)
    return {
        "users": users,
        "rps": float(total["Requests/s"]),
        "fragments_rps": fragments,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "p50": float(total["50%"]),
        "p95": float(total["95%"]),
        "p99": float(total["99%"]),
        "failed": failed,
        "cores": cores,  # busy on average in the window: "machine" and each process group
    }


# -- PDFs ------------------------------------------------------------------------------------


def start_worker() -> subprocess.Popen:
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            "pdf",
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "-n",
            "bench@localhost",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=ENV,
    )
    time.sleep(8)  # starts, imports WeasyPrint and warms up
    return worker


def child_of(pid: int) -> int | None:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                return int(stat.parent.name)
        except (OSError, ValueError, IndexError):
            continue
    return None


def rss_mb(pid: int | None) -> float:
    if pid is None:
        return 0.0
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status)[1]) / 1024


def render_jobs(charter_project: Any, by: Any, count: int) -> list[Any]:
    """Render `count` distinct versions of the seeded charter through the worker, one by one."""
    import copy as copying

    from projects import tasks
    from projects.models import PdfJob
    from projects.services import pdfs

    base = pdfs.charter_pdf_input(charter_project.charter)
    done = []
    for n in range(count):
        render_input = copying.deepcopy(base)
        render_input["charter"]["objectives"] += f" (render {n}, {time.time()})"
        job = PdfJob.objects.create(
            project=charter_project,
            kind="charter",
            title=f"Bench {n}",
            document=render_input,
            source_sha256=pdfs.input_sha256(render_input),
            requested_by=by,
        )
        tasks.enqueue(tasks.render_pdf, job.pk)
        while (job := PdfJob.objects.get(pk=job.pk)).status not in ("ready", "failed"):
            time.sleep(0.02)
        assert job.status == "ready", job.error
        done.append(job)
    return done


def side_by_side(html: str, css: str, count: int) -> tuple[list[float], list[float]]:
    """WeasyPrint and headless Chromium printing the same charter HTML to PDF, both warm, taken
    in turns (as the pages are with the floor) so both see the same machine: WeasyPrint in this
    process, HTML to a PDF file, its garbage collected after each render and outside the time
    (the worker collects after the job is ready, projects/pdf.py); Chromium resident,
    set_content + pdf, with our stylesheet inlined."""
    from playwright.sync_api import sync_playwright

    from projects import pdf

    pdf.warm_up()
    styled = html.replace("</head>", f"<style>{css}</style></head>")
    weasy, chromium = [], []
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        target = Path(scratch) / "charter.pdf"
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        page.set_content(styled)
        page.pdf(format="A4")  # warm, like the WeasyPrint worker
        pdf.write_pdf(html, target)
        for _ in range(count):
            with pdf.collecting_after():
                started = time.perf_counter()
                pdf.write_pdf(html, target)
                weasy.append(time.perf_counter() - started)
            started = time.perf_counter()
            page.set_content(styled)
            page.pdf(format="A4", display_header_footer=True)
            chromium.append(time.perf_counter() - started)
        browser.close()
    return weasy, chromium


def pdf_figures(charter_project: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from projects import pdf, rendering
    from projects.services import pdfs

    manager = get_user_model().objects.get(pk=charter_project.manager_id)
    worker = start_worker()
    try:
        # Issue 20, part 3, through gunicorn and the worker together: sign POST → stored
        # file, and Generate PDF click → Download PDF in the page (scripts/bench_pdf.py).
        server = start_gunicorn()
        try:
            ready = bench_pdf.measure(BASE)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        jobs = render_jobs(charter_project, manager, 20)
        weasy = [job.render_seconds for job in jobs]
        html = pdf.render_html(rendering.TEMPLATES["charter"], rendering.render_context(jobs[0]))
        css = (ROOT / "static" / pdf.PDF_STYLESHEET).read_text()
        same_html, chromium = side_by_side(html, css, 20)
        first = pdfs.charter_pdf_request(project=charter_project, by=manager)
        reuse = []
        for _ in range(20):
            started = time.perf_counter()
            again = pdfs.charter_pdf_request(project=charter_project, by=manager)
            reuse.append(time.perf_counter() - started)
            assert again.pk == first.pk
        child = child_of(worker.pid)
        rss_before = rss_mb(child)
        peak = rss_before
        for start in range(0, RSS_RENDERS, 50):
            render_jobs(charter_project, manager, min(50, RSS_RENDERS - start))
            peak = max(peak, rss_mb(child_of(worker.pid)))
        rss_after = rss_mb(child_of(worker.pid))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    return {
        "weasy_median": statistics.median(weasy),
        "weasy_html_median": statistics.median(same_html),
        "chromium_median": statistics.median(chromium),
        "reuse_median": statistics.median(reuse),
        "rss_before": rss_before,
        "rss_after": rss_after,
        "rss_peak": peak,
        "pages": len(jobs[0].file.open("rb").read().split(b"/Type /Page\n")) - 1,
        "ready": ready,
    }


# -- Report ----------------------------------------------------------------------------------


def main() -> None:
    started = time.perf_counter()
    say("seeding a fresh database with 10,000 projects…")
    seeding = fresh_database()
    say(f"seeded in {seeding['total']:.0f} s")

    from projects.models import Project, ProposalState

    submitted = list(
        Project.objects.filter(
            proposal__state=ProposalState.SUBMITTED, sponsor__user__username="sponsor"
        ).values_list("pk", flat=True)[: REQUESTS + 50]
    )
    charter_project = Project.objects.filter(title__startswith="Bench", stage="defining").first()
    detail_project = Project.objects.filter(title__startswith="Bench", stage="planning").first()
    rows = pages(detail_project, charter_project)

    counts = query_counts(rows)
    # With DEBUG off gunicorn serves only collected static files (htmx polls the PDF jobs).
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    say("starting gunicorn…")
    server = start_gunicorn()
    try:
        sessions = {user: session_for(user) for user in ("sponsor", "manager", "pmo")}
        latency = {}  # label: (the page's times, the floor's asked for in between)
        built = {}  # the same, each page built afresh (a forced reload)
        for label, user, path in rows[1:]:
            latency[label] = timed_gets(sessions[user], path, REQUESTS, headers_for(path))
            built[label] = timed_gets(sessions[user], path, REQUESTS // 2, headers_for(path, BUILT))
            page, floor = (statistics.median(times) for times in latency[label])
            fresh, fresh_floor = (statistics.median(times) for times in built[label])
            say(
                f"{label}: median {page:.1f} ms, {page / floor:.1f}× the floor ({floor:.1f}); "
                f"built afresh {fresh:.1f} ms, {fresh / fresh_floor:.1f}×"
            )
        latency["decision POST (approve)"] = timed_decisions(
            sessions["sponsor"], submitted[:REQUESTS]
        )
        say("load test…")
        from projects.models import Goal

        others = list(
            Project.objects.filter(title__startswith="Bench", stage="defining").values_list(
                "pk", flat=True
            )[:500]
        )
        goal_ids = list(Goal.objects.filter(project__in=others).values_list("project", "pk"))
        load_figures = {
            "floor": load("FloorUser", others, goal_ids),
            "mixed": load("PortfolioUser", others, goal_ids),
        }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    say("PDFs…")
    pdf_result = pdf_figures(charter_project)
    report(seeding, latency, built, counts, load_figures, pdf_result, time.perf_counter() - started)


PAGE_RATIO = 3  # every page's median ≤ 3× the floor's, measured in the same run
LOAD_THROUGHPUT_RATIO = 0.6  # the mix serves ≥ 0.6 of the floor's requests/s
LOAD_P95_RATIO = 4  # and its p95 stays ≤ 4× the floor's p95


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def cores_busy(load: dict) -> str:
    cores = load["cores"]
    groups = (cores.get(group, 0.0) for group in ("web", "database", "load"))
    return " / ".join(f"{value:.2f}" for value in (cores["machine"], *groups))


def per_request(load: dict, group: str = "machine") -> float:
    """Milliseconds of CPU per request served in the window."""
    return load["cores"].get(group, 0.0) * 1000 / load["rps"] if load["rps"] else 0.0


def cpu_per_request(load: dict) -> str:
    return f"{per_request(load):.1f} / {per_request(load, 'web'):.1f}"


def report(
    seeding: dict,
    latency: dict,
    built: dict,
    counts: dict,
    load: dict,
    pdfs: dict,
    elapsed: float,
) -> None:
    all_floor = [ms for _, floor in latency.values() for ms in floor]
    lines = [
        f"Machine: {os.cpu_count()} cores (the server, PostgreSQL and the load share them).",
        "",
        "Each page twice: as it is served again while nothing it shows has changed (kept, "
        "projects/page_cache.py), and built afresh (a forced reload: `Cache-Control: no-cache`), "
        "which is what the first request after any change costs.",
        "",
        "| page | median ms | p95 ms | × its floor | built afresh: median ms | × its floor "
        f"| queries (kept / built) | budget: ≤ {PAGE_RATIO}× floor (kept; built) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    floor_label = "floor (logged-in base template), asked for between every page request"
    median, p95 = statistics.median(all_floor), percentile(all_floor, 0.95)
    queries = counts.get("floor (logged-in base template)", "—")
    lines.append(f"| {floor_label} | {median:.1f} | {p95:.1f} | 1.0 | — | — | {queries} | — |")
    for label, (times, floor) in latency.items():
        median, p95 = statistics.median(times), percentile(times, 0.95)
        ratio = median / statistics.median(floor)
        budget = verdict(ratio <= PAGE_RATIO)
        fresh, fresh_ratio = "—", "—"
        if label in built:
            fresh_times, fresh_floor = built[label]
            fresh_median = statistics.median(fresh_times)
            fresh_ratio_value = fresh_median / statistics.median(fresh_floor)
            fresh, fresh_ratio = f"{fresh_median:.1f}", f"{fresh_ratio_value:.1f}"
            budget += f"; {verdict(fresh_ratio_value <= PAGE_RATIO)}"
        queries = counts.get(label, "—")
        lines.append(
            f"| {label} | {median:.1f} | {p95:.1f} | {ratio:.1f} | {fresh} | {fresh_ratio} "
            f"| {queries} | {budget} |"
        )
    alone, mixed = load["floor"], load["mixed"]
    throughput = mixed["rps"] / alone["rps"] if alone["rps"] else 0.0
    p95_ratio = mixed["p95"] / alone["p95"] if alone["p95"] else float("inf")
    errors = alone["failures"] + mixed["failures"]
    users = f"{mixed['users']} users, {LOAD_SECONDS} s after the logins, "
    users += f"{GUNICORN_WORKERS} gunicorn workers, locust under nice"
    weasy, chrome = pdfs["weasy_html_median"], pdfs["chromium_median"]
    from django.conf import settings

    memory_limit = settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD / 1024
    rss = f"{pdfs['rss_before']:.0f} / {pdfs['rss_after']:.0f} / {pdfs['rss_peak']:.0f} MB"
    lines += [
        "",
        f"| load ({users}) | floor page alone | mixed: 80 % reads, 15 % saves, 5 % transitions "
        "and PDFs | mixed ÷ floor | budget |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| requests/s | {alone['rps']:.1f} | {mixed['rps']:.1f} | {throughput:.2f} "
        f"| ≥ {LOAD_THROUGHPUT_RATIO}: {verdict(throughput >= LOAD_THROUGHPUT_RATIO)} |",
        f"| … of which pages and posts / what the pages load after themselves (htmx) | | "
        f"{mixed['rps'] - mixed['fragments_rps']:.1f} / {mixed['fragments_rps']:.1f} | | |",
        f"| p50 / p95 / p99 ms | {alone['p50']:.0f} / {alone['p95']:.0f} / {alone['p99']:.0f} "
        f"| {mixed['p50']:.0f} / {mixed['p95']:.0f} / {mixed['p99']:.0f} | p95 {p95_ratio:.2f} "
        f"| p95 ≤ {LOAD_P95_RATIO}×: {verdict(p95_ratio <= LOAD_P95_RATIO)} |",
        f"| errors | {alone['failures']} of {alone['requests']} "
        f"| {mixed['failures']} of {mixed['requests']} | "
        f"| 0: {verdict(not errors)} |",
        f"| CPU busy, cores of {os.cpu_count()}: the machine / gunicorn / PostgreSQL / locust "
        f"| {cores_busy(alone)} | {cores_busy(mixed)} | | |",
        f"| CPU per request, ms: the machine's / gunicorn's | {cpu_per_request(alone)} "
        f"| {cpu_per_request(mixed)} | {per_request(mixed) / per_request(alone):.2f} | |",
    ]
    if errors:
        lines.append(f"| failed | {'; '.join(alone['failed'] + mixed['failed'])} | | | |")
    lines += [
        "",
        "| charter PDF: 15 stakeholders, 12 milestones, 10 risks | figure | budget |",
        "| --- | ---: | --- |",
        f"| WeasyPrint, warm, the same HTML to a PDF file, median of 20 | {weasy:.3f} s | |",
        "| headless Chromium, resident, set_content + pdf, median of 20 (in turns with "
        f"WeasyPrint) | {chrome:.3f} s | |",
        f"| WeasyPrint ÷ Chromium | {weasy / chrome:.2f} | ≤ 2: {verdict(weasy <= 2 * chrome)} |",
        "| the job in the worker, median of 20 (claim → stored: the HTML built from the "
        f"revision, the PDF, the file stored, two transactions) | {pdfs['weasy_median']:.3f} s "
        "| |",
        # pdf_figures asserts that each request for the unchanged revision got the same job
        f"| unchanged revision (reuse), median of 20 | {pdfs['reuse_median'] * 1000:.1f} ms "
        "| no render: met |",
        f"| worker RSS warm / after {RSS_RENDERS} renders / peak | {rss} "
        f"| < {memory_limit:.0f} MB (recycled above): {verdict(pdfs['rss_peak'] < memory_limit)} |",
        "",
        bench_pdf.table(pdfs["ready"]),
        "",
        f"Seeding: {seeding['total']:.0f} s. Whole run: {elapsed / 60:.1f} min.",
    ]
    table = "\n".join(lines)
    print("\n" + table + "\n", flush=True)
    machine = (
        f"{platform.node()}: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.platform()}"
    )
    results = ROOT / "docs" / "benchmark-results.md"
    results.write_text(
        f"# Latest `make bench` run\n\nDate: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  \n"
        f"Machine: {machine}  \nCommand: `make bench`\n\n{table}\n"
    )
    say(f"written to {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
