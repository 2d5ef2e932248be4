"""The cost overview: token cost per workflow, as cost context only."""

from django.shortcuts import render

from console import selectors
from console.views.common import console_view


@console_view("view_cost_overview")
def cost_overview(request):
    return render(
        request,
        "console/cost_overview.html",
        {"costs": selectors.cost_overview(request.user)},
    )
