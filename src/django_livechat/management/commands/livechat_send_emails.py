"""``manage.py livechat_send_emails [--digest] [--every SECONDS]``: send the due emails.

For a cron job or a worker when ``LIVECHAT["EMAIL_SENDER_ENABLED"]`` is False (it may run
beside the server processes' own senders too: each email is claimed by one of them).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from django_livechat.notifications import sender


class Command(BaseCommand):
    help = (
        "Send the chat's emails that are due now (unseen replies to visitors, new "
        "conversations to agents); with --digest, the agents' daily digests that are due too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digest",
            action="store_true",
            help="Also make the daily digests that are due (from EMAIL_DIGEST_HOUR on).",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep running, sending every SECONDS (a worker); stop it with Ctrl+C.",
        )

    def handle(self, *args: Any, digest: bool, every: float | None, **options: Any) -> None:
        while True:
            sent = sender.run_once(digests=digest)
            if options["verbosity"] > 0 and (sent or every is None):
                self.stdout.write(f"Sent {sent} email{'' if sent == 1 else 's'}.")
            if every is None:
                return
            time.sleep(max(every, 0.1))
