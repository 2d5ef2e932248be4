"""Forms of the pilot pages; they parse input, the services decide."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import access

from .models import EvidenceItem


class WorkflowChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.key}) — {obj.owner.get_username()}"


class CreateRequestsForm(forms.Form):
    """Governance asks several workflows' owners for the same items at once."""

    workflows = WorkflowChoiceField(
        label=_("Pilot workflows"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each workflow's owner gets one request."),
    )
    items = forms.MultipleChoiceField(
        label=_("What to ask for"),
        choices=EvidenceItem.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(EvidenceItem.values),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(
        label=_("Note to the owners"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workflows"].queryset = (
            access.visible_workflows(user).select_related("owner").order_by("key")
        )
        self.fields["due_date"].initial = timezone.localdate() + timezone.timedelta(
            days=7
        )

    def clean_due_date(self):
        due_date = self.cleaned_data["due_date"]
        if due_date < timezone.localdate():
            raise forms.ValidationError(_("The due date must be today or later."))
        return due_date


ANSWER_WIDGETS = {
    EvidenceItem.BASELINE: forms.Textarea(attrs={"rows": 3}),
    EvidenceItem.QUALITY_RUBRIC: forms.Textarea(attrs={"rows": 3}),
}

ANSWER_HELP = {
    EvidenceItem.BASELINE: _("The before-AI figure and the period it covers."),
    EvidenceItem.OUTCOME_METRIC: _(
        "Completion rate, time saved, defects or customer outcome — not usage."
    ),
    EvidenceItem.QUALITY_RUBRIC: _("How quality is sampled and scored."),
    EvidenceItem.DATA_SOURCE: _("The system the figures come from."),
    EvidenceItem.EVIDENCE_URL: _("A link to the sample or review evidence."),
}


class AnswerForm(forms.Form):
    """One field per asked item, filled with what the owner already answered."""

    def __init__(self, *args, evidence_request, **kwargs):
        super().__init__(*args, **kwargs)
        for item in evidence_request.items:
            self.fields[item] = self._field(
                item, evidence_request.answers.get(item, "")
            )

    @staticmethod
    def _field(item, current):
        label = EvidenceItem(item).label
        common = {
            "label": label,
            "required": False,
            "initial": current,
            "help_text": ANSWER_HELP[item],
        }
        if item == EvidenceItem.EVIDENCE_URL:
            return forms.URLField(assume_scheme="https", max_length=500, **common)
        widget = ANSWER_WIDGETS.get(item, forms.TextInput)
        return forms.CharField(max_length=4000, widget=widget, **common)

    def clean(self):
        cleaned = super().clean()
        if not any(str(value or "").strip() for value in cleaned.values()):
            raise forms.ValidationError(_("Fill in at least one item."))
        return cleaned


class CloseRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why close it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of my notifications"), choices=settings.LANGUAGES
    )
