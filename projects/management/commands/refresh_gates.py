"""Recompute every project's stored gate status (after a bulk load, or a change of criteria)."""

from typing import Any

from django.core.management.base import BaseCommand

from projects.services.projects import gate_statuses_refresh


class Command(BaseCommand):
    help = (
        "Recompute each project's stored gate status: since when its next gate has been met, "
        "and the criteria still unmet."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Gate status changed for {gate_statuses_refresh()} projects.")
