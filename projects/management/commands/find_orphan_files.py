"""List evidence out of step with storage (for cron, where celery beat does not run)."""

from typing import Any

from django.core.management.base import BaseCommand

from projects.evidence import find_orphans


class Command(BaseCommand):
    help = "List stored evidence files no attachment names, and attachments whose file is gone."

    def handle(self, *args: Any, **options: Any) -> None:
        found = find_orphans()
        for name in found.files:
            self.stdout.write(f"stored, named by no attachment: {name}")
        for pk in found.rows:
            self.stdout.write(f"attachment {pk}: its file is gone from storage")
        self.stdout.write(
            f"{len(found.files)} stray files, {len(found.rows)} attachments without a file."
        )
