"""Request and response bodies of the detector and ingestion endpoints."""

from rest_framework import serializers

from .models import (
    DetectorRun,
    GamingSignal,
    OutcomeSnapshot,
    SignalStatus,
    UsageSource,
)

BIG = 10**15  # far above any real day's figures, far below the column limits


class GamingSignalSerializer(serializers.ModelSerializer):
    workflow_key = serializers.CharField(source="workflow.key", read_only=True)

    class Meta:
        model = GamingSignal
        fields = [
            "id",
            "workflow",
            "workflow_key",
            "signal_type",
            "severity",
            "window_start",
            "window_end",
            "evidence_json",
            "status",
            "triage_note",
            "detected_at",
            "updated_at",
        ]
        read_only_fields = fields


class TriageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SignalStatus.choices)
    note = serializers.CharField(max_length=2000)


class SyncSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="Last day of the recent window; default yesterday."
    )


class DetectorRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = DetectorRun
        fields = [
            "id",
            "as_of",
            "status",
            "source",
            "workflow_count",
            "batch_count",
            "batches_done",
            "findings",
            "signals_created",
            "found_by_type",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


def _delta():
    return serializers.DecimalField(
        max_digits=8, decimal_places=4, required=False, allow_null=True
    )


class OutcomeSnapshotInSerializer(serializers.Serializer):
    baseline_start = serializers.DateField()
    baseline_end = serializers.DateField()
    measurement_start = serializers.DateField()
    measurement_end = serializers.DateField()
    task_completion_delta = _delta()
    validated_time_saved_minutes = serializers.IntegerField(
        min_value=0, max_value=10**9, required=False, allow_null=True
    )
    quality_score_delta = _delta()
    customer_satisfaction_delta = _delta()
    metric_values = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        help_text="Values of other approved outcome metrics, keyed by metric key.",
    )
    evidence_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True
    )


class OutcomeSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutcomeSnapshot
        fields = [
            "id",
            "workflow",
            "baseline_start",
            "baseline_end",
            "measurement_start",
            "measurement_end",
            "task_completion_delta",
            "validated_time_saved_minutes",
            "quality_score_delta",
            "customer_satisfaction_delta",
            "metric_values",
            "evidence_url",
            "created_at",
        ]
        read_only_fields = fields


class DiagnosticDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    tokens_in = serializers.IntegerField(min_value=0, max_value=BIG, default=0)
    tokens_out = serializers.IntegerField(min_value=0, max_value=BIG, default=0)
    cost_usd = serializers.DecimalField(
        max_digits=14, decimal_places=4, min_value=0, default=0
    )
    request_count = serializers.IntegerField(min_value=0, max_value=BIG, default=0)
    contributor_count = serializers.IntegerField(
        min_value=0, max_value=10**6, default=0, help_text="How many people, never who."
    )
    provisional = serializers.BooleanField(default=False)


class DiagnosticsInSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=UsageSource.choices, default="api")
    days = DiagnosticDaySerializer(many=True, allow_empty=False, max_length=1000)


class DiagnosticsResultSerializer(serializers.Serializer):
    workflow = serializers.UUIDField()
    workflow_key = serializers.CharField()
    source = serializers.CharField()
    days_written = serializers.IntegerField()
