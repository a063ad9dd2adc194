"""Signals a host can connect to, e.g. to send e-mails, webhooks or notifications.

Both are sent after the row is committed, from a worker thread (never the event loop),
so receivers may use the ORM; keep them quick or hand the work to a task queue.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent with ``sender=Conversation``, ``conversation``.
conversation_created = Signal()

#: Sent with ``sender=Message``, ``message``, ``role`` (``message.role``) and
#: ``conversation_id``, once per stored message (a repeated ``client_id`` sends nothing).
message_stored = Signal()
