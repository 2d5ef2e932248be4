"""Every console URL, as every role and anonymously, against a table.

A URL pattern added to console/urls.py without a row here fails the sweep, so
no page can ship without its permissions being stated and tested.
"""

import pytest
from django.urls import reverse

from console.urls import urlpatterns

from .factories_console import console_world

ROLES = ("anonymous", "team_owner", "governance", "finance", "hr")


def everyone(status):
    return dict.fromkeys(ROLES[1:], status)


def only(status, *roles, others=403):
    expected = dict.fromkeys(ROLES[1:], others)
    expected.update(dict.fromkeys(roles, status))
    return expected


# name -> {variant: {role: status of a GET}}; the variant picks the object:
# "own" lies in the team owner's workflow, "other" in a workflow they don't own.
EXPECTED = {
    "home": {"": everyone(200)},
    "registry": {"": everyone(200)},
    "metric_detail": {
        "approved": everyone(200),
        "blocked": {**everyone(200), "hr": 404},
    },
    "metric_rollback": {"approved": only(200, "governance")},
    "proposals": {"": only(200, "team_owner")},
    "proposal_new": {"": only(200, "team_owner")},
    "proposal_detail": {
        "own": only(200, "team_owner", "governance", others=404),
        "other": only(200, "governance", others=404),
    },
    "review_queue": {"": only(200, "governance")},
    "review_form": {"own": only(200, "governance")},
    "workflows": {"": everyone(200)},
    "workflow_scorecard": {
        "own": everyone(200),
        "other": {**everyone(200), "team_owner": 404},
    },
    "outcome_new": {
        "own": only(200, "team_owner", "governance"),
        "other": {**only(200, "governance"), "team_owner": 404},
    },
    "performance_list": {"": only(200, "hr", "governance")},
    "performance_new": {"": only(200, "hr")},
    "performance_detail": {"": only(200, "hr", "governance")},
    "performance_add_metric": {"": only(405, "hr")},
    "performance_remove_metric": {"": only(405, "hr")},
    "performance_approve": {"": only(405, "governance")},
    "performance_export": {"": only(405, "hr", "governance")},
    "performance_export_download": {"": only(200, "hr", "governance")},
    "exceptions": {"": everyone(200)},
    "exception_new": {"": only(200, "team_owner", "finance", "hr")},
    "exception_decide": {"": only(405, "governance")},
    "signals": {"": only(200, "team_owner", "governance")},
    "signal_detail": {
        "own": only(200, "team_owner", "governance"),
        "other": {**only(200, "governance"), "team_owner": 404},
    },
    "cost_overview": {"": only(200, "finance", "governance")},
    "audit_log": {"": only(200, "governance")},
}

# Pages anyone may open without logging in: not part of the login sweep.
PUBLIC = {"login": 200, "logout": 405}


def _kwargs(name, variant, world, workflow, other_workflow):
    """The URL arguments of page `name` for the object `variant` names."""
    scorecard = world["scorecard"]
    by_name = {
        "metric_detail": {"key": "task_completion_rate"},
        "metric_rollback": {"key": world["metric"].key},
        "proposal_detail": {"proposal_id": world.get(f"proposal_{variant}", None)},
        "review_form": {"proposal_id": world["proposal_own"].pk},
        "workflow_scorecard": {
            "ref": (workflow if variant == "own" else other_workflow).key
        },
        "outcome_new": {"ref": (workflow if variant == "own" else other_workflow).key},
        "performance_detail": {"scorecard_id": scorecard.pk},
        "performance_add_metric": {"scorecard_id": scorecard.pk},
        "performance_remove_metric": {
            "scorecard_id": scorecard.pk,
            "key": "task_completion_rate",
        },
        "performance_approve": {"scorecard_id": scorecard.pk},
        "performance_export": {"scorecard_id": scorecard.pk, "fmt": "csv"},
        "performance_export_download": {
            "scorecard_id": scorecard.pk,
            "export_id": world["export"].pk,
        },
        "exception_decide": {
            "exception_id": world["exception"].pk,
            "decision": "approve",
        },
        "signal_detail": {"signal_id": world.get(f"signal_{variant}")},
    }
    kwargs = dict(by_name.get(name, {}))
    if name == "metric_detail" and variant == "blocked":
        kwargs["key"] = "token_consumption"
    for key, value in kwargs.items():
        kwargs[key] = getattr(value, "pk", value)
    return kwargs


def _cases():
    for name, variants in EXPECTED.items():
        for variant, by_role in variants.items():
            yield name, variant, {"anonymous": 302, **by_role}


def test_every_console_url_has_an_expectation():
    names = {pattern.name for pattern in urlpatterns}
    assert names - set(PUBLIC) == set(EXPECTED)


@pytest.fixture
def world(governance, hr, workflow, other_workflow):
    return console_world(
        governance=governance, hr=hr, workflow=workflow, other_workflow=other_workflow
    )


@pytest.fixture
def users(team_owner, governance, finance, hr):
    return {
        "anonymous": None,
        "team_owner": team_owner,
        "governance": governance,
        "finance": finance,
        "hr": hr,
    }


def test_console_urls_answer_each_role_as_the_table_says(
    client, world, users, workflow, other_workflow
):
    wrong = []
    for name, variant, by_role in _cases():
        url = reverse(
            name, kwargs=_kwargs(name, variant, world, workflow, other_workflow)
        )
        for role, expected in by_role.items():
            client.logout()
            if users[role] is not None:
                client.force_login(users[role])
            response = client.get(url)
            if response.status_code != expected:
                wrong.append(f"{role} GET {name}[{variant}] -> {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_anonymous_is_sent_to_login_with_the_page_to_return_to(client, workflow):
    url = reverse("workflow_scorecard", kwargs={"ref": workflow.key})

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "status"), PUBLIC.items())
def test_public_pages_open_without_login(client, db, name, status):
    assert client.get(reverse(name)).status_code == status
