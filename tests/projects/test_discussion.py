"""Discussion on a project's records (SPEC §10): threads, @mentions, corrections, removals."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from lifecycle.errors import NotNow, TransitionForbidden
from lifecycle.models import AuditEntry
from lifecycle.stages import Stage
from projects.models import Comment, Mention, Profile, Project
from projects.selectors.inbox import needs_action
from projects.services import discussion
from projects.tasks import send_notification
from tests.conftest import BUILT, client_for


def thread_url(project, kind="business-case", record=None):
    record = record or project.proposal
    return reverse("projects:thread", args=[project.pk, kind, record.pk])


def post_comment(user, project, body, **kwargs):
    return client_for(user).post(thread_url(project, **kwargs), {"body": body})


def test_a_member_comments_on_the_business_case_and_everyone_on_it_reads_it(
    project, member, manager, sponsor, pmo
):
    answer = post_comment(member, project, "Who signs off the budget?\nAnd when?")

    comment = Comment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"#comment-{comment.pk}")
    for reader in (manager, sponsor, pmo, member):
        page = client_for(reader).get(reverse("projects:detail", args=[project.pk]))
        assert "Who signs off the budget?<br>And when?" in page.content.decode()


def test_comments_are_text_with_safe_links_never_markup(project, member, manager):
    post_comment(member, project, "<script>alert(1)</script> see https://example.com/q?a=1&b=2")

    page = client_for(manager).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://example.com/q?a=1&amp;b=2" rel="nofollow">' in page


def test_the_thread_is_newest_last(project, member, manager):
    post_comment(member, project, "First")
    post_comment(manager, project, "Second")
    page = client_for(member).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert page.index("First") < page.index("Second")


def test_someone_outside_the_project_gets_404_on_its_threads(project, viewer, manager2):
    for outsider in (viewer, manager2):
        assert client_for(outsider).get(thread_url(project)).status_code == 404
        assert post_comment(outsider, project, "Hello").status_code == 404
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "Write something first."), ("x" * 10000, "at most 5000 characters")],
)
def test_an_empty_or_overlong_comment_is_refused_and_nothing_is_written(
    project, member, body, message
):
    answer = post_comment(member, project, body)

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Comment.objects.exists() and not AuditEntry.objects.filter(record="Discussion")


def test_a_mention_by_username_or_name_waits_in_needs_my_action_until_answered(
    project, member, manager, sponsor
):
    posted = discussion.comment_add(
        record=project.proposal, by=manager, body="@sponsor and @Sam Reed: is the quote fine?"
    )

    assert {user.pk for user in posted.mentioned} == {sponsor.pk, member.pk}
    inbox = needs_action(sponsor)
    [item] = [item for item in inbox.items if item.wait.key == "mention"]
    assert item.what == "Mentioned by Alex Moreno on the business case"
    assert item.url.endswith(f"#comment-{posted.comment.pk}")
    assert item.reason == "@sponsor and @Sam Reed: is the quote fine?"

    discussion.comment_add(record=project.proposal, by=sponsor, body="Yes, go ahead.")
    assert not [item for item in needs_action(sponsor).items if item.wait.key == "mention"]
    assert Mention.objects.get(user=member).answered_at is None  # Sam has not answered


def test_marking_mentions_read_takes_them_out_of_needs_my_action(project, member, manager):
    discussion.comment_add(record=project.proposal, by=manager, body="FYI @member")
    answer = client_for(member).post(
        reverse("projects:mentions-read", args=[project.pk, "business-case", project.proposal.pk])
    )
    assert answer.status_code == 302
    assert not [item for item in needs_action(member).items if item.wait.key == "mention"]


def test_mentioning_someone_outside_the_project_tells_nobody_and_reveals_nothing(
    project, manager, viewer
):
    known = client_for(manager).post(thread_url(project), {"body": "@viewer look"}, follow=True)
    unknown = client_for(manager).post(thread_url(project), {"body": "@nobody look"}, follow=True)

    assert not Mention.objects.exists()
    told = "mentions reach only the people of this project"
    assert f"Nobody was notified for @viewer: {told}" in known.content.decode()
    assert f"Nobody was notified for @nobody: {told}" in unknown.content.decode()


def test_the_mentioned_person_gets_an_email_after_the_commit(
    project, manager, sponsor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        posted = discussion.comment_add(
            record=project.proposal, by=manager, body="@sponsor the quote is attached"
        )
    assert len(callbacks) == 1  # the announcement waits for the commit
    entry = AuditEntry.objects.get(event="comment.added")

    assert send_notification(entry.pk) == 1
    [mail] = mailoutbox
    assert mail.to == [sponsor.email]
    assert mail.subject == (
        "[Tollgate] Alex Moreno mentioned you on the business case of Customer portal redesign"
    )
    assert "the quote is attached" in mail.body
    assert f"#comment-{posted.comment.pk}" in mail.body


def test_no_email_for_someone_who_turned_mention_emails_off(project, manager, sponsor, mailoutbox):
    Profile.objects.create(user=sponsor, mention_emails=False)
    discussion.comment_add(record=project.proposal, by=manager, body="@sponsor see this")
    entry = AuditEntry.objects.get(event="comment.added")

    assert send_notification(entry.pk) == 0
    assert mailoutbox == []
    assert [i for i in needs_action(sponsor).items if i.wait.key == "mention"]  # still waits


def test_an_author_edits_within_15_minutes_and_not_after(project, member, manager):
    posted = discussion.comment_add(record=project.proposal, by=member, body="Typo hree")
    url = reverse("projects:comment-edit", args=[project.pk, posted.comment.pk])

    assert client_for(manager).post(url, {"body": "Not mine"}).status_code == 403
    assert client_for(member).post(url, {"body": "Typo here @manager"}).status_code == 302
    comment = Comment.objects.get()
    assert (comment.body, comment.edited_at is not None) == ("Typo here @manager", True)
    assert Mention.objects.get().user == manager  # newly mentioned: told
    edited = AuditEntry.objects.get(event="comment.edited")
    assert edited.data["before"] == "Typo hree"

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        answer = client_for(member).post(url, {"body": "Too late"})
    assert answer.status_code == 409
    assert Comment.objects.get().body == "Typo here @manager"


def test_removing_a_comment_leaves_a_marker_and_history_keeps_the_text(
    project, member, manager, pmo
):
    posted = discussion.comment_add(record=project.proposal, by=member, body="Secret @manager")
    url = reverse("projects:comment-remove", args=[project.pk, posted.comment.pk])

    assert client_for(manager).post(url).status_code == 403  # not the author, not the PMO
    assert client_for(pmo).post(url).status_code == 302

    page = client_for(member).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Comment removed by Morgan Ellis" in page and "Secret" not in page
    history = client_for(member).get(reverse("projects:history", args=[project.pk]))
    assert "Written by Sam Reed: Secret @manager" in history.content.decode()
    assert not [i for i in needs_action(manager).items if i.wait.key == "mention"]
    assert client_for(pmo).post(url).status_code == 409  # removed already


@pytest.mark.parametrize("stage", [Stage.CLOSED, Stage.CANCELLED])
def test_a_closed_or_cancelled_projects_threads_are_kept_as_they_were(project, member, stage):
    Project.objects.filter(pk=project.pk).update(stage=stage)
    with pytest.raises(NotNow):
        discussion.comment_add(record=project.proposal, by=member, body="Late")
    assert post_comment(member, project, "Late").status_code == 409
    page = client_for(member).get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "Add comment" not in page


def test_threads_on_every_discussed_record(delivering, manager, sponsor):
    from projects.services import delivery

    report = delivery.status_report_add(
        project=delivering,
        by=manager,
        date=timezone.localdate(),
        schedule="green",
        budget="amber",
        scope="green",
        summary="On track",
    )
    records = {
        "business-case": delivering.proposal,
        "charter": delivering.charter,
        "plan": delivering.plan,
        "deliverable": delivering.deliverables.first(),
        "status-report": report,
        "goal": delivering.goals.first(),
    }
    for kind, record in records.items():
        assert (
            post_comment(
                sponsor, delivering, f"On the {kind}", kind=kind, record=record
            ).status_code
            == 302
        )
        page = client_for(manager).get(thread_url(delivering, kind, record))
        assert page.status_code == 200 and f"On the {kind}" in page.content.decode()
    status = client_for(manager).get(reverse("projects:status", args=[delivering.pk]))
    assert "Discussion (1) and evidence (0)" in status.content.decode()


def test_the_comment_box_asks_whom_it_may_mention_at_the_first_at_sign(
    project, member, manager, sponsor, pmo, viewer
):
    """Pages that show a thread do not carry the project's people: the comment box asks for
    them (JSON) when its first "@" is typed — only where its reader may comment now."""
    url = reverse(
        "projects:mention-people", args=[project.pk, "business-case", project.proposal.pk]
    )
    page = client_for(manager).get(reverse("projects:detail", args=[project.pk])).content
    assert f'data-mentions="{url}"'.encode() in page
    assert b'"username": "sponsor"' not in page

    people = client_for(manager).get(url).json()
    assert {"username": sponsor.username, "name": sponsor.get_full_name()} in people
    assert {person["username"] for person in people} >= {
        manager.username,
        member.username,
        pmo.username,
    }
    assert client_for(viewer).get(url).status_code == 404  # outside the project
    Project.objects.filter(pk=project.pk).update(stage=Stage.CLOSED)
    assert client_for(member).get(url).status_code == 409  # nobody comments on a closed one


def test_only_people_who_see_the_project_comment(project, viewer):
    with pytest.raises(TransitionForbidden):
        discussion.comment_add(record=project.proposal, by=viewer, body="Hi")


def test_the_thread_costs_the_same_queries_however_long(
    project, member, manager, django_assert_max_num_queries
):
    url = reverse("projects:detail", args=[project.pk])
    client = client_for(manager)

    def queries() -> int:
        with django_assert_max_num_queries(80) as captured:
            assert client.get(url, **BUILT).status_code == 200  # not a kept page
        return len(captured)

    discussion.comment_add(record=project.proposal, by=member, body="One @manager")
    queries()  # the first request fills the permission cache
    few = queries()
    for number in range(12):
        discussion.comment_add(record=project.proposal, by=member, body=f"More {number} @manager")
    assert queries() == few
