from django.conf import settings
from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.home, name="home"),
    path("needs-my-action/", views.inbox, name="inbox"),
    path("needs-my-action/count/", views.inbox_count, name="inbox-count"),
    path("needs-my-action/overdue/", views.overdue_panel, name="overdue-panel"),
    path("profile/", views.profile, name="profile"),
    path("delegations/", views.delegation_list, name="delegations"),
    path(
        "delegations/<int:delegation>/revoke/",
        views.delegation_revoke,
        name="delegation-revoke",
    ),
    path("people/", views.person_list, name="people"),
    path("people/invite/", views.person_invite, name="person-invite"),
    path("people/<int:person_id>/", views.person_edit, name="person"),
    path("people/<int:person_id>/deactivate/", views.person_deactivate, name="person-deactivate"),
    path("people/<int:person_id>/reactivate/", views.person_reactivate, name="person-reactivate"),
    path(
        "people/<int:person_id>/invite-again/",
        views.person_invite_again,
        name="person-invite-again",
    ),
    path("projects/<int:pk>/manager/", views.manager_change, name="manager-change"),
    path("projects/", views.portfolio, name="portfolio"),
    path("projects/export.csv", views.portfolio_csv, name="portfolio-csv"),
    path("projects/risks/", views.portfolio_heat_map, name="portfolio-heat-map"),
    path("projects/new/", views.business_case_create, name="business-case-create"),
    path("projects/<int:pk>/", views.project_detail, name="detail"),
    path(
        "projects/<int:pk>/business-case/edit/", views.business_case_edit, name="business-case-edit"
    ),
    path(
        "projects/<int:pk>/business-case/<slug:action>/",
        views.proposal_action,
        name="proposal-action",
    ),
    path("projects/<int:pk>/charter/", views.charter_detail, name="charter"),
    path("projects/<int:pk>/charter/edit/", views.charter_edit, name="charter-edit"),
    path(
        "projects/<int:pk>/charter/revisions/<int:number>/",
        views.charter_revision,
        name="charter-revision",
    ),
    path("projects/<int:pk>/charter/pdf/", views.charter_pdf, name="charter-pdf"),
    path(
        "projects/<int:pk>/charter/revisions/<int:number>/pdf/",
        views.charter_pdf,
        name="charter-revision-pdf",
    ),
    path("projects/<int:pk>/charter/<slug:action>/", views.charter_action, name="charter-action"),
    path("projects/<int:pk>/pdfs/<int:job>/", views.pdf_status, name="pdf-status"),
    path("projects/<int:pk>/pdfs/<int:job>/download/", views.pdf_download, name="pdf-download"),
    path("projects/<int:pk>/goals/", views.goal_list, name="goals"),
    path("projects/<int:pk>/goals/new/", views.goal_form, name="goal-create"),
    path("projects/<int:pk>/goals/<int:goal_pk>/", views.goal_detail, name="goal"),
    path("projects/<int:pk>/goals/<int:goal_pk>/edit/", views.goal_form, name="goal-edit"),
    path("projects/<int:pk>/goals/<int:goal_pk>/archive/", views.goal_archive, name="goal-archive"),
    path(
        "projects/<int:pk>/goals/<int:goal_pk>/measurements/",
        views.measurement_create,
        name="measurement-create",
    ),
    path("projects/<int:pk>/scope/", views.scope_detail, name="scope"),
    path("projects/<int:pk>/scope/edit/", views.scope_edit, name="scope-edit"),
    path("projects/<int:pk>/plan/", views.plan_detail, name="plan"),
    path("projects/<int:pk>/plan/edit/", views.plan_edit, name="plan-edit"),
    path("projects/<int:pk>/plan/forecasts/", views.plan_forecasts, name="plan-forecasts"),
    path("projects/<int:pk>/plan/<slug:action>/", views.plan_action, name="plan-action"),
    path("projects/<int:pk>/changes/", views.changes_tab, name="changes"),
    path(
        "projects/<int:pk>/changes/new/",
        views.change_request_create,
        name="change-request-create",
    ),
    path(
        "projects/<int:pk>/changes/<int:change>/",
        views.change_request_detail,
        name="change-request",
    ),
    path(
        "projects/<int:pk>/changes/<int:change>/<slug:action>/",
        views.change_request_action,
        name="change-request-action",
    ),
    path("projects/<int:pk>/status/", views.status_detail, name="status"),
    path(
        "projects/<int:pk>/status/reports/",
        views.status_report_create,
        name="status-report-create",
    ),
    path(
        "projects/<int:pk>/deliverables/<int:deliverable>/<slug:action>/",
        views.deliverable_action,
        name="deliverable-action",
    ),
    path("projects/<int:pk>/closure/", views.closure_detail, name="closure"),
    path("projects/<int:pk>/closure/edit/", views.closure_edit, name="closure-edit"),
    path("projects/<int:pk>/closure/pdf/", views.closure_pdf, name="closure-pdf"),
    path("projects/<int:pk>/funding/new/", views.funding_create, name="funding-create"),
    path(
        "projects/<int:pk>/funding/<int:funding>/<slug:action>/",
        views.funding_action,
        name="funding-action",
    ),
    path("projects/<int:pk>/sponsor/", views.sponsor_change, name="sponsor-change"),
    path("projects/<int:pk>/stage/<slug:name>/", views.stage_action, name="stage-action"),
    path("projects/<int:pk>/history/", views.project_history, name="history"),
    path("projects/<int:pk>/discussion/<slug:kind>/<int:record>/", views.thread, name="thread"),
    path(
        "projects/<int:pk>/discussion/<slug:kind>/<int:record>/read/",
        views.mentions_read,
        name="mentions-read",
    ),
    path("projects/<int:pk>/comments/<int:comment>/edit/", views.comment_edit, name="comment-edit"),
    path(
        "projects/<int:pk>/comments/<int:comment>/remove/",
        views.comment_remove,
        name="comment-remove",
    ),
    path(
        "projects/<int:pk>/evidence/<slug:kind>/<int:record>/",
        views.attachment_add,
        name="attachment-add",
    ),
    path(
        "projects/<int:pk>/files/<int:attachment>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "projects/<int:pk>/files/<int:attachment>/remove/",
        views.attachment_remove,
        name="attachment-remove",
    ),
]
if settings.BENCH_FLOOR:  # the benchmark's floor page (scripts/bench.py), nowhere else
    urlpatterns.append(path("floor/", views.floor, name="floor"))
