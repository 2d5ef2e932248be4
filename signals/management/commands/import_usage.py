"""import_usage PATH --format FORMAT [--mapping FILE] [--skip-bad-rows]"""

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from registry.errors import InvalidInput
from signals.importers import FORMATS, ImportRejected, RowError, import_usage


class Command(BaseCommand):
    help = "Import token usage from the CSV format or a vendor export."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument(
            "--mapping", help="JSON or CSV file mapping vendor ids to workflow keys"
        )
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="import the good rows of a file that has bad ones",
        )

    def handle(self, *args, **options):
        try:
            report = import_usage(
                options["path"],
                format=options["format"],
                mapping_path=options["mapping"],
                skip_bad_rows=options["skip_bad_rows"],
                progress=self._progress,
            )
        except ImportRejected as error:
            for row in error.bad_rows:
                self.stderr.write(str(row))
            raise CommandError(
                f"{len(error.bad_rows)} bad row(s) in {options['path']}; nothing "
                "was imported. Fix them, or pass --skip-bad-rows."
            ) from error
        except (InvalidInput, RowError, OSError) as error:
            raise CommandError(str(error)) from error

        for row in report.bad_rows:
            self.stderr.write(f"skipped {row}")
        self.stdout.write(
            f"Imported {report.days_written} workflow-days for {report.workflows} "
            f"workflow(s) from {report.rows_read} row(s); "
            f"skipped {len(report.bad_rows)}."
        )

    def _progress(self, rows):
        """A progress bar on a terminal; plain iteration when piped or tested."""
        interactive = getattr(self.stdout, "isatty", lambda: False)()
        return tqdm(
            rows, desc="rows", unit="row", file=sys.stderr, disable=not interactive
        )
