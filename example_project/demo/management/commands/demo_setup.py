"""``manage.py demo_setup [--port N]``: the demo website, agent and admin, idempotently."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.demo_data import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    AGENT_PASSWORD,
    AGENT_USERNAME,
    UserSetup,
    ensure_demo_admin,
    ensure_demo_agent,
    ensure_demo_website,
    ensure_demo_workspace,
    ensure_help_website,
    ensure_prechat_website,
)


class Command(BaseCommand):
    help = (
        "Create the demo website (allowed on http://127.0.0.1:PORT and http://localhost:PORT), "
        "the pre-chat demo website (a pre-chat form and business hours), the help centre "
        "demo website (its chat answered by a bot), the demo agent "
        "and the demo admin (a superuser), or bring existing ones up to date."
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
        labels, canned = ensure_demo_workspace(website)
        self.stdout.write(
            f"  labels and canned replies (type / in the dashboard's reply box): "
            f"{labels} and {canned} added"
        )
        shop = ensure_prechat_website(options["port"])
        self.stdout.write(
            f"Pre-chat demo website: {shop.website.name} ({shop.website.id}) "
            f"[{'created' if shop.created else 'reused'}], on the /prechat/ page"
        )

        help_centre = ensure_help_website(options["port"])
        self.stdout.write(
            f"Help centre demo website: {help_centre.website.name} ({help_centre.website.id}) "
            f"[{'created' if help_centre.created else 'reused'}], on the /help/ pages, "
            f"answered by the bot {help_centre.website.responder}"
        )

        agent = ensure_demo_agent(website, shop.website, help_centre.website)
        self.stdout.write(
            f"Demo agent: username {AGENT_USERNAME!r}, password {AGENT_PASSWORD!r} "
            f"[{user_state(agent)}]"
        )
        admin = ensure_demo_admin()
        self.stdout.write(
            f"Demo admin: username {ADMIN_USERNAME!r}, password {ADMIN_PASSWORD!r} "
            f"[{user_state(admin)}]"
        )


def user_state(setup: UserSetup) -> str:
    if setup.created:
        return "created"
    if setup.password_reset:
        return "reused, password reset"
    return "reused"
