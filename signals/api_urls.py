"""API routes of the detector and of ingestion, included under /metric-gate/."""

from django.urls import path  # noqa: F401

urlpatterns = []
