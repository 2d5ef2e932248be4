"""The console's pages; each view states its permission where it is defined."""

from django.contrib.auth import views as auth_views
from django.urls import path

from console.views import (
    audit,
    exceptions,
    finance,
    home,
    performance,
    proposals,
    registry,
    signals,
    workflows,
)

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Registry
    path("registry/", registry.registry_list, name="registry"),
    path("registry/<slug:key>/", registry.metric_detail, name="metric_detail"),
    path(
        "registry/<slug:key>/rollback/",
        registry.metric_rollback,
        name="metric_rollback",
    ),
    # Proposals and reviews
    path("proposals/", proposals.proposal_list, name="proposals"),
    path("proposals/new/", proposals.proposal_new, name="proposal_new"),
    path(
        "proposals/<uuid:proposal_id>/",
        proposals.proposal_detail,
        name="proposal_detail",
    ),
    path("reviews/", proposals.review_queue, name="review_queue"),
    path("reviews/<uuid:proposal_id>/", proposals.review_form, name="review_form"),
    # Workflows
    path("workflows/", workflows.workflow_list, name="workflows"),
    path(
        "workflows/<str:ref>/",
        workflows.workflow_scorecard_page,
        name="workflow_scorecard",
    ),
    path(
        "workflows/<str:ref>/outcomes/new/",
        workflows.outcome_new,
        name="outcome_new",
    ),
    # Performance scorecards
    path("performance/", performance.performance_list, name="performance_list"),
    path("performance/new/", performance.performance_new, name="performance_new"),
    path(
        "performance/<uuid:scorecard_id>/",
        performance.performance_detail,
        name="performance_detail",
    ),
    path(
        "performance/<uuid:scorecard_id>/metrics/",
        performance.performance_add_metric,
        name="performance_add_metric",
    ),
    path(
        "performance/<uuid:scorecard_id>/metrics/<slug:key>/remove/",
        performance.performance_remove_metric,
        name="performance_remove_metric",
    ),
    path(
        "performance/<uuid:scorecard_id>/approve/",
        performance.performance_approve,
        name="performance_approve",
    ),
    path(
        "performance/<uuid:scorecard_id>/export/<str:fmt>/",
        performance.performance_export,
        name="performance_export",
    ),
    path(
        "performance/<uuid:scorecard_id>/exports/<uuid:export_id>/",
        performance.performance_export_download,
        name="performance_export_download",
    ),
    # Exceptions
    path("exceptions/", exceptions.exception_list, name="exceptions"),
    path("exceptions/new/", exceptions.exception_new, name="exception_new"),
    path(
        "exceptions/<uuid:exception_id>/<str:decision>/",
        exceptions.exception_decide,
        name="exception_decide",
    ),
    # Gaming signals
    path("signals/", signals.signal_list, name="signals"),
    path("signals/<uuid:signal_id>/", signals.signal_detail, name="signal_detail"),
    # Finance and audit
    path("costs/", finance.cost_overview, name="cost_overview"),
    path("audit/", audit.audit_log, name="audit_log"),
]
