"""Say whether the pilot meets the acceptance; exit 1 naming every gap when not."""

from django.core.management.base import BaseCommand, CommandError

from pilot.readiness import check_readiness


class Command(BaseCommand):
    help = (
        "Check the pilot against the seed's acceptance: every allowed metric "
        "complete, every pilot workflow's evidence answered."
    )

    def handle(self, *args, **options):
        report = check_readiness()

        for gap in report.metric_gaps:
            self.stdout.write(f"metric {gap.key}: missing {', '.join(gap.missing)}")
        for gap in report.workflow_gaps:
            self.stdout.write(f"workflow {gap.key}: missing {', '.join(gap.missing)}")
        if report.too_few_workflows:
            self.stdout.write(
                f"pilot has {len(report.workflows_checked)} workflows, "
                f"needs {report.min_workflows}"
            )

        if not report.ready:
            raise CommandError("The pilot is not ready.")
        self.stdout.write(
            self.style.SUCCESS(
                f"The pilot is ready: {len(report.metrics_checked)} metrics, "
                f"{len(report.workflows_checked)} workflows."
            )
        )
