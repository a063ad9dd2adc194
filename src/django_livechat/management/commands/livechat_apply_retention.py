"""``manage.py livechat_apply_retention [--dry-run] [--website ID|NAME]``: delete the
conversations quiet for longer than their website keeps them (run it daily, from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_livechat.data.deletion import Removal
from django_livechat.data.retention import apply_retention
from django_livechat.data.websites import find_website
from django_livechat.models import Website


class Command(BaseCommand):
    help = (
        "Delete the conversations (with their messages, notes, attachments and files) "
        "whose last message is older than their website's retention_days, or "
        "LIVECHAT['RETENTION_DAYS'] for the websites without one. Websites with neither "
        "keep everything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be deleted; delete nothing."
        )
        parser.add_argument("--website", help="Only this website (its id or name).")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        website = None
        if options["website"]:
            try:
                website = find_website(options["website"])
            except LookupError as exc:
                raise CommandError(str(exc)) from None
        verbose = options["verbosity"] >= 2

        def on_batch(site: Website, removal: Removal) -> None:
            if verbose:
                self.stdout.write(f"  {site.name}: deleted {removal.describe()}")

        results = apply_retention(website=website, dry_run=dry_run, on_batch=on_batch)
        if not results:
            self.stdout.write(
                "No website limits how long it keeps conversations: nothing to delete."
            )
            return
        verb = "would delete" if dry_run else "deleted"
        for result in results:
            self.stdout.write(
                f"{result.website.name} (keeps {result.days:,} days): {verb} "
                f"{result.removal.describe()}."
            )
        if dry_run:
            self.stdout.write("Dry run: nothing was deleted.")
