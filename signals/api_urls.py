"""API routes of the detector and of ingestion, included under /metric-gate/."""

from django.urls import path

from . import api

SIGNAL = "gaming-signals/<str:signal_id>"

urlpatterns = [
    path(
        "gaming-signals/sync",
        api.GamingSignalSyncView.as_view(),
        name="gaming-signals-sync",
    ),
    path(
        "gaming-signals/runs/<str:run_id>",
        api.DetectorRunView.as_view(),
        name="detector-run",
    ),
    path("gaming-signals", api.GamingSignalsView.as_view(), name="gaming-signals"),
    path(SIGNAL, api.GamingSignalDetailView.as_view(), name="gaming-signal-detail"),
    path(
        f"{SIGNAL}/triage",
        api.GamingSignalTriageView.as_view(),
        name="gaming-signal-triage",
    ),
    path(
        "workflows/<str:ref>/outcomes",
        api.WorkflowOutcomesView.as_view(),
        name="workflow-outcomes",
    ),
    path(
        "workflows/<str:ref>/diagnostics",
        api.WorkflowDiagnosticsView.as_view(),
        name="workflow-diagnostics",
    ),
]
