"""Enqueue PDF jobs that are stuck (for cron, where celery beat does not run)."""

from typing import Any

from django.core.management.base import BaseCommand

from projects.tasks import requeue_stuck_pdfs


class Command(BaseCommand):
    help = "Enqueue PDF jobs left queued (the broker was down) or rendering past the time limit."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Re-queued {requeue_stuck_pdfs()} PDF jobs.")
