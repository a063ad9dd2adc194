"""The agents' search (issue 12): on PostgreSQL, a GIN index of the messages' text as
full-text search reads it (``to_tsvector('simple', content)``). Other databases get
nothing: their search reads the text itself (see ``django_livechat.pipeline.search``).

Building the index locks writes to the messages table while it runs. On a large table,
create it beforehand without the lock (outside a transaction)::

    CREATE INDEX CONCURRENTLY IF NOT EXISTS livechat_message_search_idx
        ON django_livechat_message USING gin (to_tsvector('simple', content));

and this migration finds it there.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEX = "livechat_message_search_idx"


def create_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    message = apps.get_model("django_livechat", "Message")._meta
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {quote(message.db_table)} "
        f"USING gin (to_tsvector('simple', {quote(message.get_field('content').column)}))"
    )


def drop_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("django_livechat", "0008_agent_workspace"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
