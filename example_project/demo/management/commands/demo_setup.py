"""``manage.py demo_setup [--port N]``: the demo website and agent, idempotently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.demo_data import (
    AGENT_PASSWORD,
    AGENT_USERNAME,
    ensure_demo_agent,
    ensure_demo_website,
)


class Command(BaseCommand):
    help = (
        "Create the demo website (allowed on http://127.0.0.1:PORT and http://localhost:PORT) "
        "and the demo agent, or bring existing ones up to date."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="Port the demo server listens on."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = ensure_demo_website(options["port"])
        website = site.website
        if site.created:
            state = "created"
        elif site.added_origins:
            state = f"reused, added {', '.join(site.added_origins)}"
        else:
            state = "reused"
        self.stdout.write(f"Demo website: {website.name} ({website.id}) [{state}]")
        self.stdout.write(f"  allowed origins: {', '.join(website.allowed_origins)}")

        agent = ensure_demo_agent(website)
        if agent.created:
            state = "created"
        elif agent.password_reset:
            state = "reused, password reset"
        else:
            state = "reused"
        self.stdout.write(
            f"Demo agent: username {AGENT_USERNAME!r}, password {AGENT_PASSWORD!r} [{state}]"
        )
