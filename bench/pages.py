"""Console page speed: the scorecard and registry pages against a trivial page.

Run alone with `python -m bench.pages [--metrics N] [--rounds N]`: it builds a
scratch test database, fills it, measures and drops it. ./scripts/bench calls
`measure_pages()` inside its own prepared Django environment instead.

Every page is requested once per round, in turn, so all of them see the same
machine load; the report gives each page's median time as a ratio to the
trivial page's median, and its SQL query count.
"""

import argparse
import os
import statistics
import time

from .common import ensure_metrics, fill_workflow

TRIVIAL = "login"
BENCH_USER = "bench-console-governance"
BENCH_WORKFLOW = "bench-console-workflow"


def _ensure_world():
    """A governance user and one workflow with 90 days of cost and outcomes."""
    from django.contrib.auth.models import Group, User

    from registry.access import grant_workflow
    from registry.choices import Role
    from registry.models import Workflow

    user, _ = User.objects.get_or_create(username=BENCH_USER)
    user.groups.add(Group.objects.get(name=Role.GOVERNANCE))
    owner, _ = User.objects.get_or_create(username=f"{BENCH_USER}-owner")
    owner.groups.add(Group.objects.get(name=Role.TEAM_OWNER))
    workflow, created = Workflow.objects.get_or_create(
        key=BENCH_WORKFLOW, defaults={"name": "Bench", "team": "Bench", "owner": owner}
    )
    if not created:
        return user, workflow
    grant_workflow(owner, workflow)

    fill_workflow(workflow)
    return user, workflow


def _pages(workflow):
    from django.urls import reverse

    return {
        "trivial (login page)": (reverse(TRIVIAL), False),
        "registry": (reverse("registry"), True),
        "registry ?use=performance_review": (
            reverse("registry") + "?use=performance_review",
            True,
        ),
        "workflow scorecard": (
            reverse("workflow_scorecard", args=[workflow.key]),
            True,
        ),
    }


def _timed_get(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, len(queries)


def measure_pages(*, metrics=2000, rounds=30):
    """Measure the pages side by side; return {page: {median_ms, ratio, queries}}."""
    from django.test import Client

    ensure_metrics(metrics, prefix="bench_page_metric", reason="bench: console pages")
    user, workflow = _ensure_world()
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(user)
    pages = _pages(workflow)

    times = {name: [] for name in pages}
    queries = {}
    for round_number in range(rounds + 1):
        for name, (url, needs_login) in pages.items():
            elapsed, count = _timed_get(signed_in if needs_login else anonymous, url)
            if round_number:  # the first round only warms caches up
                times[name].append(elapsed)
            queries[name] = count

    base = statistics.median(times["trivial (login page)"])
    return {
        name: {
            "median_ms": round(statistics.median(samples) * 1000, 2),
            "ratio": round(statistics.median(samples) / base, 2),
            "queries": queries[name],
        }
        for name, samples in times.items()
    }


def report(results, *, metrics, out=print):
    out(f"console pages at {metrics} metrics (median of rounds, ratio to trivial)")
    for name, row in results.items():
        out(
            f"  {name:<36} {row['median_ms']:>9.2f} ms  x{row['ratio']:<7} "
            f"{row['queries']} queries"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=30)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricgate.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = measure_pages(metrics=options.metrics, rounds=options.rounds)
        report(results, metrics=options.metrics)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
