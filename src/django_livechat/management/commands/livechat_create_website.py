"""``manage.py livechat_create_website NAME --origin URL [--origin URL ...]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_livechat.models import Website
from django_livechat.origins import normalize_origin


class Command(BaseCommand):
    help = (
        "Create an active website allowed to embed the chat widget from the given origins. "
        "Prints the website's UUID alone on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Display name of the website.")
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            dest="origins",
            metavar="URL",
            help="An origin (scheme://host[:port]) allowed to embed the widget. Repeatable.",
        )
        parser.add_argument(
            "--auto-response",
            default="",
            help="Auto-response text for this website (defaults to LIVECHAT's).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("The website name must not be empty.")
        max_length = int(Website._meta.get_field("name").max_length or 0)  # type: ignore[union-attr]
        if len(name) > max_length:
            raise CommandError(f"The website name is too long ({max_length} characters at most).")
        origins: list[str] = []
        for raw in options["origins"]:
            try:
                origin = normalize_origin(raw)
            except ValueError as exc:
                raise CommandError(f"Bad --origin: {exc}") from None
            if origin not in origins:
                origins.append(origin)
        if not origins:
            self.stderr.write(
                "Warning: no --origin given; the widget cannot be embedded until origins "
                "are added in the admin."
            )
        website = Website.objects.create(
            name=name, allowed_origins=origins, auto_response_text=options["auto_response"]
        )
        if options["verbosity"] >= 1:
            self.stdout.write(f"Created website {website.name!r} for {', '.join(origins) or '-'}")
        self.stdout.write(str(website.id))
