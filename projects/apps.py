from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        # The rulebook: every named rule the state machines, services and pages ask.
        import projects.rules  # noqa: F401
        from projects.page_cache import release, watch_writes
        from projects.permissions import connect_signals
        from projects.roles import ensure_groups
        from projects.timestamps import read_quickly

        # After migrate, when the permissions exist: the role groups (projects/roles.py).
        post_migrate.connect(ensure_groups, sender=self)
        # A change to groups or permissions invalidates the cached permission sets.
        connect_signals()
        # Any write to the database invalidates the kept pages.
        connection_created.connect(watch_writes, dispatch_uid="page-cache-writes")
        # Moments read by Python's ISO parser, not psycopg's in Python (projects/timestamps.py).
        connection_created.connect(read_quickly, dispatch_uid="timestamps-read-quickly")
        release()  # this release's digest, taken before any page is kept
