"""The benchmark's database: prepared before a phase, read back after it.

The work runs in a helper process, ``python -m bench.database`` with the same environment
as the server of the phase's backend (Django set up with ``bench.settings``), so the load
generator itself never loads Django and one run can use SQLite and PostgreSQL side by
side. :func:`prepare` and :func:`export` are the load generator's side; ``main`` the
helper's.

* ``prepare``: migrate; create a website whose allowed origin the clients send and,
  with ``--agent``, an agent (a user with ``reply_conversation`` among the website's
  agents) and a logged-in session for them, whose key is the dashboard's cookie.
* ``export``: every conversation of a website with its ``last_seq``, and every message
  (conversation, seq, role, client_id, message_id), as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

ORIGIN = "http://bench.localhost:8000"
HELPER_TIMEOUT = 300.0


class DatabaseError(RuntimeError):
    """The helper process failed."""


# ---------------------------------------------------------------- the load generator's side


def prepare(env: dict[str, str], cwd: Path, name: str, *, agent: bool = False) -> dict[str, Any]:
    """Migrate and create a website (and an agent's session); return their ids."""
    command = ["prepare", "--name", name] + (["--agent"] if agent else [])
    return _helper(env, cwd, command)


def export(env: dict[str, str], cwd: Path, website_id: str, out: Path) -> dict[str, Any]:
    """What the database holds for ``website_id`` (see :func:`_export`)."""
    _helper(env, cwd, ["export", "--website", website_id, "--out", str(out)])
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _helper(env: dict[str, str], cwd: Path, command: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.database", *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HELPER_TIMEOUT,
    )
    if done.returncode != 0:
        raise DatabaseError(f"bench.database {command[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the helper's side


def _prepare(name: str, agent: bool) -> dict[str, Any]:
    from django.core.management import call_command

    from django_livechat.models import Website

    call_command("migrate", verbosity=0, interactive=False)
    website = Website.objects.create(name=name, allowed_origins=[ORIGIN])
    result: dict[str, Any] = {"website_id": str(website.id)}
    if agent:
        result.update(_agent_session(website))
    return result


def _agent_session(website: Any) -> dict[str, Any]:
    """An agent of ``website`` and a session that has them logged in (as a login would)."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Permission
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.create_user(
        username=f"bench-agent-{uuid.uuid4().hex[:8]}", first_name="Bench", last_name="Agent"
    )
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="django_livechat", codename="reply_conversation"
        )
    )
    website.agents.add(user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"agent_id": user.pk, "session_key": session.session_key}


def _export(website_id: str) -> dict[str, Any]:
    from django_livechat.models import Conversation, Message

    conversations = {
        str(pk): last_seq
        for pk, last_seq in Conversation.objects.filter(website_id=website_id).values_list(
            "id", "last_seq"
        )
    }
    rows = (
        Message.objects.filter(conversation__website_id=website_id)
        .order_by("conversation_id", "seq")
        .values_list("conversation_id", "seq", "role", "client_id", "id")
    )
    messages = [
        [str(conversation), seq, role, client_id, str(pk)]
        for conversation, seq, role, client_id, pk in rows.iterator(chunk_size=10_000)
    ]
    return {"conversations": conversations, "messages": messages}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.database")
    commands = parser.add_subparsers(dest="command", required=True)
    prepare_parser = commands.add_parser("prepare")
    prepare_parser.add_argument("--name", required=True)
    prepare_parser.add_argument("--agent", action="store_true")
    export_parser = commands.add_parser("export")
    export_parser.add_argument("--website", required=True)
    export_parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "prepare":
        print(json.dumps(_prepare(args.name, args.agent)))
    else:
        data = _export(args.website)
        args.out.write_text(json.dumps(data))
        print(json.dumps({"conversations": len(data["conversations"])}))


if __name__ == "__main__":
    main()
