"""sync_gaming_signals [--date YYYY-MM-DD]: one detector run, as the nightly task."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from signals.detector import start_run


class Command(BaseCommand):
    help = "Run the gaming detector once for a day (default: yesterday)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="last day of the recent window, YYYY-MM-DD")

    def handle(self, *args, **options):
        as_of = None
        if options["date"]:
            try:
                as_of = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must be YYYY-MM-DD: {error}") from error

        run = start_run(as_of=as_of, source="cli")
        if run.finished_at:
            self.stdout.write(
                f"Run {run.pk} for {run.as_of}: {run.workflow_count} workflows in "
                f"{run.batch_count} batches, {run.findings} finding(s), "
                f"{run.signals_created} new signal(s)."
            )
        else:
            self.stdout.write(
                f"Run {run.pk} for {run.as_of} queued: {run.batch_count} batches "
                "for the workers."
            )
