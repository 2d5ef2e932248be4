"""What every console view shares: login, refusals as 404/403, paging."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404

from registry import access
from registry.errors import NotFound, PermissionRefused

WEB = "web"
PAGE_SIZE = 50


def console_view(action=None):
    """Require login, and the role-wide `action` when given.

    Objects outside the user's rights (`NotFound`) become a 404 page and
    refusals on what they may see (`PermissionRefused`) a 403 page.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                if action:
                    access.check(request.user, action)
                return view(request, *args, **kwargs)
            except NotFound as error:
                raise Http404(error.detail) from error
            except PermissionRefused as error:
                raise PermissionDenied(error.detail) from error

        return login_required(wrapper)

    return decorate


def paginate(request, items, per_page=PAGE_SIZE):
    """Return the page of `items` the `page` query parameter asks for."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request):
    """The current filters as a query string, to carry them across pages."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def refusal_message(error):
    """The sentence shown for a refused write, with its machine code."""
    return f"{error.detail} ({error.code})"
