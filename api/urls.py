"""Routes of the JSON API under /metric-gate/, without trailing slashes."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .views import (
    audit,
    exceptions,
    fallback,
    me,
    metrics,
    performance,
    proposals,
    scorecard,
    workflows,
)

app_name = "api"

SCORECARD = "performance-scorecards/<str:scorecard_id>"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("me", me.MeView.as_view(), name="me"),
    # Workflows and their scorecard.
    path("workflows", workflows.WorkflowsView.as_view(), name="workflows"),
    path(
        "workflows/<str:ref>",
        workflows.WorkflowDetailView.as_view(),
        name="workflow-detail",
    ),
    path("scorecard", scorecard.ScorecardView.as_view(), name="scorecard"),
    # The registry.
    path("metrics", metrics.MetricsView.as_view(), name="metrics"),
    path("metrics/<str:key>", metrics.MetricDetailView.as_view(), name="metric-detail"),
    path(
        "metrics/<str:key>/rollback",
        metrics.MetricRollbackView.as_view(),
        name="metric-rollback",
    ),
    # Proposals and reviews.
    path("proposals", proposals.ProposalsView.as_view(), name="proposals"),
    path(
        "proposals/<str:proposal_id>",
        proposals.ProposalDetailView.as_view(),
        name="proposal-detail",
    ),
    path(
        "proposals/<str:proposal_id>/revise",
        proposals.ProposalReviseView.as_view(),
        name="proposal-revise",
    ),
    path("reviews", proposals.ReviewsView.as_view(), name="reviews"),
    # Exceptions.
    path("exceptions", exceptions.ExceptionsView.as_view(), name="exceptions"),
    path(
        "exceptions/<str:exception_id>",
        exceptions.ExceptionDetailView.as_view(),
        name="exception-detail",
    ),
    path(
        "exceptions/<str:exception_id>/approve",
        exceptions.ExceptionApproveView.as_view(),
        name="exception-approve",
    ),
    path(
        "exceptions/<str:exception_id>/reject",
        exceptions.ExceptionRejectView.as_view(),
        name="exception-reject",
    ),
    path(
        "exceptions/<str:exception_id>/revoke",
        exceptions.ExceptionRevokeView.as_view(),
        name="exception-revoke",
    ),
    # Performance scorecards.
    path(
        "performance-scorecards",
        performance.PerformanceScorecardsView.as_view(),
        name="performance-scorecards",
    ),
    path(
        SCORECARD,
        performance.PerformanceScorecardDetailView.as_view(),
        name="performance-scorecard-detail",
    ),
    path(
        f"{SCORECARD}/metrics",
        performance.ScorecardMetricsView.as_view(),
        name="performance-scorecard-metrics",
    ),
    path(
        f"{SCORECARD}/metrics/<str:key>",
        performance.ScorecardMetricView.as_view(),
        name="performance-scorecard-metric",
    ),
    path(
        f"{SCORECARD}/approve",
        performance.ScorecardApproveView.as_view(),
        name="performance-scorecard-approve",
    ),
    path(
        f"{SCORECARD}/export",
        performance.ScorecardExportView.as_view(),
        name="performance-scorecard-export",
    ),
    # The audit trail.
    path("audit-events", audit.AuditEventsView.as_view(), name="audit-events"),
    # The detector's and ingestion's routes.
    path("", include("signals.api_urls")),
    # Last: anything else under /metric-gate/ is a JSON 404, not an HTML page.
    re_path(r"^(?P<rest>.*)$", fallback.not_found, name="not-found"),
]
