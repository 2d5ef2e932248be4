"""Template helpers for the console: navigation, badges, time left, SVG charts."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from console.navigation import nav_links

register = template.Library()


@register.inclusion_tag("console/_nav.html", takes_context=True)
def console_nav(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"links": []}
    return {"links": nav_links(request.user, request.path)}


@register.simple_tag
def badge(value, label=None):
    """A coloured badge for a status; `label` is the human text (choice label).

    A simple tag, not an inclusion tag: list pages draw hundreds of these.
    """
    return format_html('<span class="badge badge-{}">{}</span>', value, label or value)


@register.simple_tag
def time_left(moment, now=None):
    """Say how long until `moment` in days or hours, or that it has passed."""
    now = now or timezone.now()
    seconds = (moment - now).total_seconds()
    if seconds <= 0:
        return _("expired")
    days = int(seconds // 86400)
    if days >= 1:
        return ngettext("%(count)d day left", "%(count)d days left", days) % {
            "count": days
        }
    hours = max(1, int(seconds // 3600))
    return ngettext("%(count)d hour left", "%(count)d hours left", hours) % {
        "count": hours
    }


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template."""
    return mapping.get(key) if mapping else None
