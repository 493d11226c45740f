"""Enqueue webhook deliveries whose attempt is overdue (for cron, where celery beat does not
run)."""

from typing import Any

from django.core.management.base import BaseCommand

from projects.tasks import deliver_due_webhooks


class Command(BaseCommand):
    help = "Enqueue webhook deliveries whose next attempt is due but was never sent."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Enqueued {deliver_due_webhooks()} webhook deliveries.")
