"""The role groups a fresh installation starts with.

Roles across the portfolio are Django permissions granted through groups (seeded after every
migrate, editable in the admin), so the PMO can hand them out without code:
`projects.view_portfolio` makes a PMO member, `projects.add_project` lets a user write
business cases. Sponsors are users with a `Sponsor` profile. What each role may do to which
record, and when, is the rulebook's: projects/rules.py.
"""

# The groups a fresh installation starts with; the PMO may change them in the admin.
PMO_GROUP = "PMO"
MANAGERS_GROUP = "Project managers"
SPONSORS_GROUP = "Sponsors"
VIEWERS_GROUP = "Viewers"
GROUP_PERMISSIONS = {
    PMO_GROUP: [
        "projects.view_portfolio",
        "projects.add_project",
        "projects.view_project",
        "projects.change_project",
        "projects.view_proposal",
        "projects.view_funding",
        "projects.view_sponsor",
        "projects.add_sponsor",
        "projects.change_sponsor",
        "projects.view_membership",
        "projects.add_membership",
        "projects.change_membership",
        "projects.delete_membership",
        "lifecycle.view_auditentry",
        "projects.view_notificationfailure",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    ],
    MANAGERS_GROUP: ["projects.add_project"],
    SPONSORS_GROUP: [],
    VIEWERS_GROUP: [],
}


def ensure_groups(**kwargs: object) -> None:
    """Create the role groups with their permissions; run after every migrate."""
    from django.contrib.auth.models import Group, Permission

    for name, permissions in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
