"""Admin for the pilot's records: audited edits of requests, read-only logs."""

from django.contrib import admin

from registry.admin import AuditedAdmin, ReadOnlyAdmin

from .models import Escalation, EvidenceRequest, Notification, NotificationPreference


class EscalationInline(admin.TabularInline):
    model = Escalation
    extra = 0
    can_delete = False
    readonly_fields = ["stage", "recipients", "escalated_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(AuditedAdmin):
    list_display = ["workflow", "owner", "status", "due_date", "created_by"]
    list_filter = ["status", "due_date"]
    search_fields = ["workflow__key", "owner__username"]
    list_select_related = ["workflow", "owner", "created_by"]
    raw_id_fields = ["workflow", "owner", "created_by", "answered_by"]
    date_hierarchy = "due_date"
    inlines = [EscalationInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "created_at", "emailed_at", "webhook_status"]
    list_filter = ["kind", "webhook_status"]
    search_fields = ["key"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    raw_id_fields = ["user"]
