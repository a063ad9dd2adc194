"""``manage.py livechat_erase_visitor (--identifier ID | --email ADDRESS) [--website ID|NAME]
[--dry-run]``: erase everything about one visitor (a data-protection request)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_livechat.data.erasure import Visitor, erase_visitor
from django_livechat.data.websites import find_website


class Command(BaseCommand):
    help = (
        "Erase a visitor: every conversation of theirs (by the identifier your site gave "
        "them, or by their email address in any case), its messages, private notes, "
        "attachments and files, rating, and the emails to them in the outbox. An email "
        "opt-out is kept (it is their request). Prints what went, or with --dry-run what "
        "would go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--identifier", help="The visitor_identifier, exactly.")
        who.add_argument("--email", help="The visitor's email address (any case).")
        parser.add_argument("--website", help="Only on this website (its id or name).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would go; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        website = None
        if options["website"]:
            try:
                website = find_website(options["website"])
            except LookupError as exc:
                raise CommandError(str(exc)) from None
        try:
            visitor = Visitor(
                identifier=options["identifier"] or "",
                email=options["email"] or "",
                website=website,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        erasure = erase_visitor(visitor, dry_run=dry_run)
        who = visitor.describe()
        where = f" on {website.name}" if website is not None else ""
        for conversation_id, website_name, created_at in erasure.conversations:
            self.stdout.write(f"  conversation {conversation_id} on {website_name}, {created_at}")
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(f"{verb} for {who}{where}: {erasure.removal.describe()}.")
        if erasure.opt_out_kept:
            self.stdout.write(f"Kept: the email opt-out of {visitor.email.strip().lower()}.")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
