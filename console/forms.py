"""Forms of the console: they parse input; the services decide and write."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registry.choices import PolicyStatus, RiskTier, Source, Use
from reviews.models import Decision, ExportFormat
from signals.models import SignalStatus, SignalType


def apply_error(form, error):
    """Show a refused write on the form: on its fields when named, else on top."""
    fields = error.extra.get("fields") if hasattr(error, "extra") else None
    placed = False
    for name, messages in (fields or {}).items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, f"{error.detail} ({error.code})")


class ConsoleForm(forms.Form):
    """Labels without a trailing colon: they sit above their fields."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _blank_choice(choices, label):
    return [("", label), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


# --- Filters ---------------------------------------------------------------------


class RegistryFilterForm(ConsoleForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank_choice(PolicyStatus.choices, _("Any status")),
    )
    use = forms.ChoiceField(
        label=_("Allowed for use"),
        required=False,
        choices=_blank_choice(Use.choices, _("Any use")),
        help_text=_("Lists what the gate allows for this use today."),
    )
    q = forms.CharField(label=_("Key or name contains"), required=False)


class SignalFilterForm(ConsoleForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank_choice(SignalStatus.choices, _("Any status")),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        required=False,
        choices=_blank_choice(RiskTier.choices, _("Any severity")),
    )
    signal_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=_blank_choice(SignalType.choices, _("Any type")),
    )
    workflow = forms.CharField(label=_("Workflow key"), required=False)


class AuditFilterForm(ConsoleForm):
    object = forms.CharField(
        label=_("Object"),
        required=False,
        help_text=_("A type such as registry.metric, an id, or a name."),
    )
    actor = forms.CharField(label=_("Actor (username)"), required=False)
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=_blank_choice(Source.choices, _("Any source")),
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Until"), required=False, widget=DateInput())


# --- Proposals and reviews -----------------------------------------------------


class ProposalForm(ConsoleForm):
    workflow = forms.ChoiceField(label=_("Workflow"))
    metric_key = forms.SlugField(label=_("Metric key"), max_length=80)
    name = forms.CharField(label=_("Name"), max_length=200)
    formula = forms.CharField(label=_("Formula"), required=False, widget=forms.Textarea)
    data_source = forms.CharField(label=_("Data source"), required=False)
    proposed_uses = forms.MultipleChoiceField(
        label=_("Proposed uses"),
        choices=Use.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    baseline = forms.CharField(
        label=_("Baseline"), required=False, widget=forms.Textarea
    )
    owner = forms.CharField(label=_("Metric owner"), required=False)
    quality_rubric = forms.CharField(
        label=_("Quality rubric"), required=False, widget=forms.Textarea
    )
    anti_gaming_rule = forms.CharField(
        label=_("Anti-gaming rule"), required=False, widget=forms.Textarea
    )
    evidence_url = forms.URLField(
        label=_("Evidence URL"), required=False, assume_scheme="https"
    )

    def __init__(self, *args, workflows=(), revising=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workflow"].choices = [(w.key, str(w.name)) for w in workflows]
        if revising:
            # A revision keeps its workflow and key; only the content changes.
            del self.fields["workflow"]
            del self.fields["metric_key"]


class ReviewForm(ConsoleForm):
    """A governance decision: three scores and a reason, all required."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)
    outcome_linkage_score = forms.IntegerField(
        label=_("Outcome linkage score"),
        min_value=0,
        max_value=100,
    )
    gaming_risk_score = forms.IntegerField(
        label=_("Gaming risk score"),
        min_value=0,
        max_value=100,
    )
    data_quality_score = forms.IntegerField(
        label=_("Data quality score"),
        min_value=0,
        max_value=100,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request so the thresholds read in the user's language.
        at_least = _("0 to 100; approval needs at least %(n)s.")
        at_most = _("0 to 100; approval needs at most %(n)s.")
        fields = self.fields
        fields["outcome_linkage_score"].help_text = at_least % {
            "n": settings.REVIEW_MIN_OUTCOME_LINKAGE
        }
        fields["gaming_risk_score"].help_text = at_most % {
            "n": settings.REVIEW_MAX_GAMING_RISK
        }
        fields["data_quality_score"].help_text = at_least % {
            "n": settings.REVIEW_MIN_DATA_QUALITY
        }


# --- Outcomes ------------------------------------------------------------------


class OutcomeSnapshotForm(ConsoleForm):
    baseline_start = forms.DateField(label=_("Baseline start"), widget=DateInput())
    baseline_end = forms.DateField(label=_("Baseline end"), widget=DateInput())
    measurement_start = forms.DateField(
        label=_("Measurement start"), widget=DateInput()
    )
    measurement_end = forms.DateField(label=_("Measurement end"), widget=DateInput())
    task_completion_delta = forms.DecimalField(
        label=_("Task completion delta"), required=False, max_digits=8, decimal_places=4
    )
    validated_time_saved_minutes = forms.IntegerField(
        label=_("Validated time saved (minutes)"), required=False, min_value=0
    )
    quality_score_delta = forms.DecimalField(
        label=_("Quality score delta"), required=False, max_digits=8, decimal_places=4
    )
    customer_satisfaction_delta = forms.DecimalField(
        label=_("Customer satisfaction delta (optional)"),
        required=False,
        max_digits=8,
        decimal_places=4,
    )
    evidence_url = forms.URLField(
        label=_("Evidence URL"), required=False, assume_scheme="https"
    )

    VALUE_PREFIX = "value__"

    def __init__(self, *args, metrics=(), **kwargs):
        """Add one field per approved outcome metric kept in metric_values."""
        super().__init__(*args, **kwargs)
        for metric in metrics:
            self.fields[f"{self.VALUE_PREFIX}{metric.key}"] = forms.DecimalField(
                label=metric.name, required=False, max_digits=14, decimal_places=4
            )

    def snapshot_fields(self):
        """The cleaned data as the service takes it, extra metrics in metric_values."""
        data = dict(self.cleaned_data)
        values = {}
        for name in list(data):
            if name.startswith(self.VALUE_PREFIX):
                value = data.pop(name)
                if value is not None:
                    values[name.removeprefix(self.VALUE_PREFIX)] = value
        data["metric_values"] = values
        return data

    def clean(self):
        data = super().clean()
        order = [
            ("baseline_start", "baseline_end"),
            ("baseline_end", "measurement_start"),
            ("measurement_start", "measurement_end"),
        ]
        for earlier, later in order:
            first, second = data.get(earlier), data.get(later)
            if first and second and first > second:
                self.add_error(later, _("This date comes before the one it follows."))
        return data


# --- Performance scorecards -------------------------------------------------


class PerformanceScorecardForm(ConsoleForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    subject = forms.CharField(
        label=_("Reviewed role or person"), max_length=200, required=False
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period ends before it starts."))
        return data


class AddScorecardMetricForm(ConsoleForm):
    """The HR selector; the choices are what the gate allows for reviews.

    The field accepts any key on purpose: a forged post of a metric that is not
    offered reaches the service, so the gate itself refuses it with its code.
    """

    metric_key = forms.CharField(label=_("Metric"), widget=forms.Select)

    def __init__(self, *args, metrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(m.key, f"{m.name} ({m.key})") for m in metrics]
        self.fields["metric_key"].widget.choices = choices


class ReasonForm(ConsoleForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea)


class OptionalReasonForm(ConsoleForm):
    reason = forms.CharField(label=_("Note"), widget=forms.Textarea, required=False)


class ExportForm(ConsoleForm):
    fmt = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices)


# --- Exceptions and signals ------------------------------------------------


class ExceptionRequestForm(ConsoleForm):
    metric_key = forms.ChoiceField(label=_("Metric"))
    requested_use = forms.ChoiceField(label=_("Requested use"))
    risk_tier = forms.ChoiceField(label=_("Risk tier"), choices=RiskTier.choices)
    audit_note = forms.CharField(label=_("Audit note"), widget=forms.Textarea)
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        widget=DateTimeInput(),
    )

    def __init__(self, *args, metrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric_key"].choices = [
            (m.key, f"{m.name} ({m.key})") for m in metrics
        ]
        self.fields["expires_at"].help_text = _("At most %(days)s days ahead.") % {
            "days": settings.EXCEPTION_MAX_DAYS
        }
        self.fields["requested_use"].choices = [
            (value, label)
            for value, label in Use.choices
            if value not in settings.GATE_NON_WAIVABLE_USES
        ]


class TriageForm(ConsoleForm):
    status = forms.ChoiceField(label=_("New status"), choices=SignalStatus.choices)
    note = forms.CharField(label=_("Triage note"), widget=forms.Textarea)
