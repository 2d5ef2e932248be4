from registry.audit import verify_chain
from registry.models import AuditEvent, Metric

from .factories import MetricFactory, ProposalFactory


def test_seed_registry_is_present(db):
    assert Metric.objects.get(key="token_consumption").policy_status == "blocked"


def test_factories_write_audited_rows(db):
    MetricFactory()
    ProposalFactory()
    assert AuditEvent.objects.count() >= 10
    assert verify_chain() is None


def test_deferred_state_fields_load_without_recursion(db):
    metric = Metric.objects.only("key").get(key="prompt_count")
    assert metric.policy_status == "blocked"
