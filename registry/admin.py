"""Django admin for the registry, and the audited admin base every app uses.

The admin is for superusers fixing data. Every save or delete made here is
attributed to the superuser with source `admin`; on governed models the change
form and the delete pages ask for the reason that goes into the audit trail.
"""

import logging

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import access
from .audit import GovernedModel, audit_context
from .choices import Source, Use
from .models import (
    AuditChainHead,
    AuditEvent,
    Metric,
    MetricException,
    Workflow,
    WorkflowGroupObjectPermission,
    WorkflowUserObjectPermission,
)

logger = logging.getLogger(__name__)

REASON_FIELD = "audit_reason"
DEFAULT_REASON = "data fix in the Django admin"


class ReasonForm(forms.ModelForm):
    """A change form that also asks why, for the audit trail."""

    audit_reason = forms.CharField(
        label=_("Reason for this change"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_("Recorded in the audit trail and history with your name."),
    )

    def clean_audit_reason(self):
        reason = self.cleaned_data[REASON_FIELD].strip()
        if not reason:
            raise forms.ValidationError(_("Say why you are making this change."))
        return reason


class AuditedAdmin(SimpleHistoryAdmin):
    """Saves and deletes attributed to the superuser with source `admin`.

    Governed models (see `registry.audit.GovernedModel`) get the required reason
    field; other models record the default reason.
    """

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        self.asks_reason = issubclass(model, GovernedModel)
        if self.asks_reason:
            # Django's delete pages plus the reason field the audit trail needs.
            self.delete_confirmation_template = (
                "admin/registry/audited_delete_confirmation.html"
            )
            self.delete_selected_confirmation_template = (
                "admin/registry/audited_delete_selected_confirmation.html"
            )

    def get_form(self, request, obj=None, **kwargs):
        if self.asks_reason and not issubclass(self.form, ReasonForm):
            kwargs.setdefault("form", type("AuditedForm", (ReasonForm, self.form), {}))
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.asks_reason:
            return fieldsets
        # The reason always comes last, in a section of its own.
        cleaned = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != REASON_FIELD]})
            for name, opts in fieldsets
        ]
        return [*cleaned, (_("Audit"), {"fields": [REASON_FIELD]})]

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get(REASON_FIELD) or DEFAULT_REASON
        # The block, not a stamp, so inline rows and history rows see it too.
        with audit_context(actor=request.user, source=Source.ADMIN, reason=reason):
            super().save_model(request, obj, form, change)
        logger.info(
            "admin saved %s %s user=%s", obj._meta.label, obj.pk, request.user.pk
        )

    def save_related(self, request, form, formsets, change):
        # Inline rows keep history too; give them the form's reason and source.
        reason = form.cleaned_data.get(REASON_FIELD) or DEFAULT_REASON
        with audit_context(actor=request.user, source=Source.ADMIN, reason=reason):
            super().save_related(request, form, formsets, change)

    def delete_view(self, request, object_id, extra_context=None):
        if (
            request.method == "POST"
            and self.asks_reason
            and not _delete_reason(request)
        ):
            messages.error(request, _("Give a reason for the deletion."))
            return HttpResponseRedirect(request.get_full_path())
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        reason = _delete_reason(request) or DEFAULT_REASON
        pk = obj.pk
        with audit_context(actor=request.user, source=Source.ADMIN, reason=reason):
            obj.delete()
        logger.info("admin deleted %s %s user=%s", obj._meta.label, pk, request.user.pk)

    def delete_queryset(self, request, queryset):
        reason = _delete_reason(request) or DEFAULT_REASON
        with audit_context(actor=request.user, source=Source.ADMIN, reason=reason):
            # GovernedQuerySet.delete deletes (and audits) one record at a time.
            queryset.delete()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.asks_reason and "delete_selected" in actions:
            actions["delete_selected"] = (
                delete_selected_with_reason,
                "delete_selected",
                delete_selected.short_description,
            )
        return actions


def _delete_reason(request):
    return request.POST.get(REASON_FIELD, "").strip()


def delete_selected_with_reason(modeladmin, request, queryset):
    """Django's bulk delete, shown again until the superuser gives a reason."""
    if request.POST.get("post") and not _delete_reason(request):
        messages.error(request, _("Give a reason for the deletion."))
        request.POST = request.POST.copy()
        request.POST.pop("post")
    return delete_selected(modeladmin, request, queryset)


class UsesField(forms.MultipleChoiceField):
    """A list of uses from the fixed vocabulary, picked with checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Use.choices, required=False, **kwargs)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records: visible to superusers, never changed here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Registry ----------------------------------------------------------------


@admin.register(Workflow)
class WorkflowAdmin(AuditedAdmin):
    list_display = ["key", "name", "team", "owner", "is_pilot", "created_at"]
    list_filter = ["is_pilot", "team"]
    search_fields = ["key", "name", "team", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The primary owner must also hold the object permission that lists it.
        access.grant_workflow(obj.owner, obj)


class MetricForm(forms.ModelForm):
    allowed_use = UsesField(label=_("Allowed uses"))
    prohibited_use = UsesField(label=_("Prohibited uses"))


@admin.register(Metric)
class MetricAdmin(AuditedAdmin):
    form = MetricForm
    list_display = ["key", "name", "kind", "policy_status", "owner", "updated_at"]
    list_filter = ["policy_status", "kind"]
    search_fields = ["key", "name", "rationale"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    date_hierarchy = "updated_at"
    fieldsets = [
        (None, {"fields": ["key", "name", "kind", "unit", "owner"]}),
        (_("Policy"), {"fields": ["policy_status", "allowed_use", "prohibited_use"]}),
        (
            _("Definition"),
            {
                "fields": [
                    "rationale",
                    "formula",
                    "data_source",
                    "baseline",
                    "quality_threshold",
                    "anti_gaming_check",
                    "snapshot_field",
                ]
            },
        ),
    ]


@admin.register(MetricException)
class MetricExceptionAdmin(AuditedAdmin):
    list_display = [
        "metric",
        "requested_use",
        "risk_tier",
        "status",
        "expires_at",
        "requested_by",
        "approved_by",
    ]
    list_filter = ["status", "risk_tier", "requested_use"]
    search_fields = ["metric__key", "audit_note", "requested_by__username"]
    list_select_related = ["metric", "requested_by", "approved_by"]
    raw_id_fields = ["requested_by", "approved_by"]
    date_hierarchy = "expires_at"


@admin.register(WorkflowUserObjectPermission)
class WorkflowUserPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "user", "permission"]
    list_filter = ["permission"]
    search_fields = ["content_object__key", "user__username"]
    list_select_related = ["content_object", "user", "permission"]
    raw_id_fields = ["user", "content_object"]


@admin.register(WorkflowGroupObjectPermission)
class WorkflowGroupPermissionAdmin(admin.ModelAdmin):
    list_display = ["content_object", "group", "permission"]
    list_filter = ["permission", "group"]
    search_fields = ["content_object__key", "group__name"]
    list_select_related = ["content_object", "group", "permission"]
    raw_id_fields = ["content_object"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "actor_username",
        "action",
        "object_type",
        "object_repr",
        "previous_state",
        "next_state",
        "source",
    ]
    list_filter = ["source", "action", "object_type"]
    search_fields = ["actor_username", "object_id", "object_repr", "reason"]
    date_hierarchy = "created_at"
    ordering = ["-id"]


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["id", "last_event_id", "event_count", "last_hash"]
