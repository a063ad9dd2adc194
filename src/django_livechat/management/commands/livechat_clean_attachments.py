"""``manage.py livechat_clean_attachments [--dry-run]``: delete abandoned uploads.

An upload whose server process died before its message was stored leaves an attachment
row without a message, and its files. Each server process deletes those older than
``LIVECHAT["ATTACHMENT_PENDING_MAX_AGE"]`` now and then; this command does it at once
(for a cron job, or after a crash), through the storage API like the server.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_livechat.pipeline import attachments


class Command(BaseCommand):
    help = (
        "Delete attachments whose message was never stored (the upload's process died), "
        "with their files, once older than LIVECHAT['ATTACHMENT_PENDING_MAX_AGE']."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be deleted; change nothing.",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        swept = attachments.sweep(dry_run=dry_run, limit=None)
        verbose = options["verbosity"] > 1 or dry_run
        if verbose:
            for row in swept.deleted:
                names = ", ".join(name for name in (row.file.name, row.thumbnail.name) if name)
                self.stdout.write(
                    f"{row.pk} ({row.status}, {row.created_at:%Y-%m-%d %H:%M}): {names}"
                )
        if options["verbosity"] > 0:
            count = len(swept.deleted)
            verb = "Would delete" if dry_run else "Deleted"
            self.stdout.write(f"{verb} {count} abandoned attachment{'' if count == 1 else 's'}.")
            if swept.linked:
                linked = len(swept.linked)
                verb = "Would link" if dry_run else "Linked"
                self.stdout.write(
                    f"{verb} {linked} attachment{'' if linked == 1 else 's'} to the message "
                    "stored for it."
                )
