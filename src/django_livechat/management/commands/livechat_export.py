"""``manage.py livechat_export --website ID|NAME [--format csv|jsonl] [--output FILE|-]
[--since YYYY-MM-DD] [--until YYYY-MM-DD]``: a website's conversations, streamed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_livechat.data import export
from django_livechat.data.websites import find_website


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Export a website's conversations: CSV with one row per message, or JSON Lines "
        "with one conversation (and its messages) per line. Private notes are not "
        "exported. Progress goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--website", required=True, help="The website's id or name.")
        parser.add_argument("--format", choices=export.FORMATS, default="csv")
        parser.add_argument(
            "--output", default="-", metavar="FILE", help="Where to write; - (the default): stdout."
        )
        parser.add_argument(
            "--since",
            type=_date,
            metavar="YYYY-MM-DD",
            help="Only conversations started on or after this day (the website's time zone).",
        )
        parser.add_argument(
            "--until",
            type=_date,
            metavar="YYYY-MM-DD",
            help="Only conversations started on or before this day.",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=1000,
            metavar="N",
            help="Report progress on stderr every N conversations (0: never).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            website = find_website(options["website"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        since, until = options["since"], options["until"]
        if since and until and since > until:
            raise CommandError("--since is after --until.")
        conversations = export.website_conversations(website, since=since, until=until)
        total = conversations.count()
        every = options["progress_every"]
        quiet = options["verbosity"] < 1
        messages_done = 0

        def progress(done: int, messages: int) -> None:
            nonlocal messages_done
            messages_done = messages
            if not quiet and every > 0 and done % every == 0 and done < total:
                self.stderr.write(f"{done:,} of {total:,} conversations")

        lines = export.export_lines(conversations, options["format"], progress=progress)
        output = options["output"]
        if output == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            self.stdout.flush()
        else:
            try:
                with open(output, "w", encoding="utf-8", newline="") as file:
                    file.writelines(lines)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc}") from None
        if not quiet:
            self.stderr.write(
                f"Exported {total:,} of {total:,} conversations of {website.name} "
                f"({messages_done:,} messages)."
            )
