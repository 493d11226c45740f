"""Pages and actions, one module per concept. Views are short: find the project the user may
see, ask the rule whether to show a form, validate it, call a service, answer. The rules are
projects/rules.py's; refusals rise to projects/middleware.py."""

from projects.views.charters import (
    charter_action,
    charter_detail,
    charter_edit,
    charter_pdf,
    charter_revision,
    pdf_download,
    pdf_status,
)
from projects.views.definition import (
    goal_archive,
    goal_detail,
    goal_form,
    goal_list,
    measurement_create,
    scope_detail,
    scope_edit,
)
from projects.views.delivery import (
    closure_detail,
    closure_edit,
    closure_pdf,
    deliverable_action,
    plan_action,
    plan_detail,
    plan_edit,
    status_detail,
    status_report_create,
)
from projects.views.projects import (
    floor,
    funding_create,
    healthz,
    home,
    portfolio,
    portfolio_csv,
    portfolio_heat_map,
    project_history,
    stage_action,
)
from projects.views.proposals import (
    business_case_create,
    business_case_edit,
    project_detail,
    proposal_action,
)

__all__ = [
    "business_case_create",
    "business_case_edit",
    "charter_action",
    "charter_detail",
    "charter_edit",
    "charter_pdf",
    "charter_revision",
    "closure_detail",
    "closure_edit",
    "closure_pdf",
    "deliverable_action",
    "floor",
    "funding_create",
    "goal_archive",
    "goal_detail",
    "goal_form",
    "goal_list",
    "healthz",
    "home",
    "measurement_create",
    "pdf_download",
    "pdf_status",
    "plan_action",
    "plan_detail",
    "plan_edit",
    "portfolio",
    "portfolio_csv",
    "portfolio_heat_map",
    "project_detail",
    "project_history",
    "proposal_action",
    "scope_detail",
    "scope_edit",
    "stage_action",
    "status_detail",
    "status_report_create",
]
