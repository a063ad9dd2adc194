"""``livechat_export``: a website's conversations as CSV or JSON Lines, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from django_livechat.data import export
from django_livechat.models import Conversation, Message
from tests.data.conftest import attach, chat, note
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db

MAY_1 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)


def run(*args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("livechat_export", *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def shop():
    website = make_website(name="Shop", time_zone="UTC")
    sam = make_user("sam", first_name="Sam")
    first = chat(
        website,
        "Hello",
        "Hi, how can I help?",
        at=MAY_1,
        agent=sam,
        visitor_name="Ada",
        visitor_email="ada@example.com",
        visitor_identifier="ada-1",
    )
    attach(first, "photo.png", thumbnail=True)
    note(first, "secret agents' note", author=sam)
    chat(website, '=HYPERLINK("http://evil")', at=MAY_1 + dt.timedelta(days=2))
    chat(make_website(name="Blog"), "Not this website", at=MAY_1)
    return website


def test_csv_has_one_row_per_message(shop):
    out, err = run("--website", "Shop")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(export.CSV_COLUMNS)
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [(r["seq"], r["role"], r["content"]) for r in body] == [
        ("1", "user", "Hello"),
        ("2", "agent", "Hi, how can I help?"),
        ("3", "user", ""),
        # A formula is defused for spreadsheets.
        ("1", "user", '\'=HYPERLINK("http://evil")'),
    ]
    first = body[0]
    assert (first["website"], first["visitor_name"], first["visitor_email"]) == (
        "Shop",
        "Ada",
        "ada@example.com",
    )
    assert first["visitor_identifier"] == "ada-1" and first["sender"] == "Ada"
    assert body[1]["sender"] == "Sam"
    assert first["created_at"] == "2026-05-01T09:00:00+00:00"
    assert body[2]["attachment"] == "photo.png"
    assert "secret" not in out and "Not this website" not in out
    assert "Exported 2 of 2 conversations of Shop (4 messages)." in err


def test_jsonl_has_one_conversation_per_line(shop):
    out, _ = run("--website", str(shop.pk), "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [len(line["messages"]) for line in lines] == [3, 1]
    first = lines[0]
    assert first["visitor_email"] == "ada@example.com"
    assert first["messages"][2]["attachment"]["name"] == "photo.png"
    assert "notes" not in first and "secret" not in out


def test_since_and_until_are_days_of_the_start(shop, tmp_path):
    target = tmp_path / "out.jsonl"
    run("--website", "Shop", "--format", "jsonl", "--since", "2026-05-02", "--output", str(target))
    (only,) = target.read_text(encoding="utf-8").splitlines()
    assert json.loads(only)["messages"][0]["content"].startswith("=HYPERLINK")
    out, _ = run("--website", "Shop", "--format", "jsonl", "--until", "2026-05-01")
    assert len(out.splitlines()) == 1 and "Hello" in out
    out, _ = run("--website", "Shop", "--since", "2026-05-01", "--until", "2026-05-03")
    assert len(list(csv.reader(io.StringIO(out)))) == 5


def test_bad_arguments():
    make_website(name="Twin")
    make_website(name="Twin")
    with pytest.raises(CommandError, match="Several websites"):
        run("--website", "Twin")
    with pytest.raises(CommandError, match="No website"):
        run("--website", "Nowhere")
    with pytest.raises(CommandError, match="not a date"):
        run("--website", "Twin", "--since", "May 1st")
    website = make_website(name="Solo")
    with pytest.raises(CommandError, match="after --until"):
        run("--website", str(website.pk), "--since", "2026-05-02", "--until", "2026-05-01")


def test_a_large_export_is_complete_with_progress():
    website = make_website(name="Busy")
    conversations = Conversation.objects.bulk_create(
        Conversation(website=website, visitor_identifier=f"v{i}", last_seq=8) for i in range(250)
    )
    Message.objects.bulk_create(
        Message(conversation=c, seq=seq, role="user", content=f"{c.visitor_identifier}/{seq}")
        for c in conversations
        for seq in range(1, 9)
    )
    out, err = run("--website", "Busy", "--progress-every", "100")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2000
    assert {r["content"] for r in rows} == {f"v{i}/{s}" for i in range(250) for s in range(1, 9)}
    assert err.splitlines() == [
        "100 of 250 conversations",
        "200 of 250 conversations",
        "Exported 250 of 250 conversations of Busy (2,000 messages).",
    ]
    out, _ = run("--website", "Busy", "--format", "jsonl", "--verbosity", "0")
    assert sum(len(json.loads(line)["messages"]) for line in out.splitlines()) == 2000


def test_the_export_reads_with_an_iterator(shop, monkeypatch):
    chunk_sizes = []
    original = type(Conversation.objects.all()).iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(type(Conversation.objects.all()), "iterator", spy)
    run("--website", "Shop")
    assert chunk_sizes == [export.CHUNK_SIZE]
