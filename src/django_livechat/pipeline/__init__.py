"""The message pipeline: the one path every transport takes, visitors' and agents'.

validate → store (idempotent by ``client_id``, gap-free ``seq``, the automatic reply in
the same transaction when the responder is inline) → send the finished frames to the
conversation's sockets and its website's dashboards, one event per group → run any other
responder and deliver its reply. Consumers and HTTP views parse and authorize, then call
in here; the pipeline never imports a transport. Refusals raise
:class:`~django_livechat.errors.ChatError`.

One module per concern:

* :mod:`.validation`: input limits and checks; :mod:`.frames`: every wire shape;
* :mod:`.sessions`: visitor tokens, origins, opening and rejoining conversations;
* :mod:`.visitor`: the visitor's flow; :mod:`.agent`: the agent's actions;
  :mod:`.inbox`: what agents read;
* :mod:`.access`: grants re-checked on open sockets when they change;
* :mod:`.events`: group membership and live delivery; :mod:`.typing`: typing
  indicators; :mod:`.replies`: the responder runner and reply recovery;
  :mod:`.writes`: storing with errors the protocol knows; :mod:`.background`: tasks;
  :mod:`.presence`: which agents have a dashboard open (and where), told to the visitors
  and the agents; :mod:`.assignment`: the assignee's checks and round robin;
  :mod:`.attachments`: files sent as messages;
  :mod:`.look`: a website's widget look and texts; :mod:`.hours`: business hours;
* :mod:`.prechat`: the pre-chat form; :mod:`.contact`: a visitor's email address;
  :mod:`.rating`: satisfaction ratings; :mod:`.resume`: resume links in emails;
  :mod:`.seen`: how far the visitor has seen their conversation (email follow-up).
* :mod:`.search`: agents' search across their conversations.
* :mod:`.notes`: agents' private notes; :mod:`.canned`: canned replies;
  :mod:`.labels`: conversations' labels.
* :mod:`.streams`: streamed automatic replies running in this process;
  :mod:`.handoff`: a conversation going from the responder to a person.

The public calls are re-exported here, so transports import ``pipeline`` only.
"""

from __future__ import annotations

from django_livechat.pipeline.access import (
    LoggedOut,
    announce_to_agents,
    announce_to_visitors,
    recheck_agent,
    recheck_visitor,
    refollow,
)
from django_livechat.pipeline.agent import (
    ME,
    AgentPostResult,
    agent_heartbeat,
    agent_typing,
    agents_online_frames,
    assign_conversation,
    follow,
    mark_read,
    post_agent_message,
    reopen_conversation,
    resolve_conversation,
    unfollow,
    view_conversation,
)
from django_livechat.pipeline.attachments import Upload, open_attachment
from django_livechat.pipeline.background import drain, spawn
from django_livechat.pipeline.canned import create_canned, delete_canned, list_canned, update_canned
from django_livechat.pipeline.contact import save_contact
from django_livechat.pipeline.events import report_gap, stats
from django_livechat.pipeline.frames import display_name, message_data
from django_livechat.pipeline.handoff import HandedOver, hand_over
from django_livechat.pipeline.hours import Availability, availability, website_availability
from django_livechat.pipeline.inbox import (
    AgentSession,
    Inbox,
    NotAnAgent,
    agent_conversation,
    agent_history,
    authorize_agent,
    list_conversations,
)
from django_livechat.pipeline.labels import create_label, list_labels, set_labels
from django_livechat.pipeline.look import site_owner_config, widget_look, widget_website
from django_livechat.pipeline.notes import NoteResult, add_note, list_notes
from django_livechat.pipeline.prechat import prechat_config
from django_livechat.pipeline.presence import agents_online
from django_livechat.pipeline.rating import rate, ratings_summary
from django_livechat.pipeline.replies import recover_once
from django_livechat.pipeline.resume import make_resume_token
from django_livechat.pipeline.search import search
from django_livechat.pipeline.seen import mark_seen
from django_livechat.pipeline.sessions import (
    VisitorSession,
    identity_verified,
    open_conversation,
    session_from_token,
)
from django_livechat.pipeline.validation import (
    clean_client_id,
    clean_text,
    parse_uuid,
)
from django_livechat.pipeline.visitor import (
    Outgoing,
    PostResult,
    heartbeat,
    history,
    identify,
    leave,
    messages_after,
    poll,
    post_visitor_message,
    request_handoff,
    visitor_typing,
)

__all__ = [
    "ME",
    "AgentPostResult",
    "AgentSession",
    "Availability",
    "HandedOver",
    "Inbox",
    "LoggedOut",
    "NotAnAgent",
    "NoteResult",
    "Outgoing",
    "PostResult",
    "Upload",
    "VisitorSession",
    "add_note",
    "agent_conversation",
    "agent_heartbeat",
    "agent_history",
    "agent_typing",
    "agents_online",
    "agents_online_frames",
    "announce_to_agents",
    "announce_to_visitors",
    "assign_conversation",
    "authorize_agent",
    "availability",
    "clean_client_id",
    "clean_text",
    "create_canned",
    "create_label",
    "delete_canned",
    "display_name",
    "drain",
    "follow",
    "hand_over",
    "heartbeat",
    "history",
    "identify",
    "identity_verified",
    "leave",
    "list_canned",
    "list_conversations",
    "list_labels",
    "list_notes",
    "make_resume_token",
    "mark_read",
    "mark_seen",
    "message_data",
    "messages_after",
    "open_attachment",
    "open_conversation",
    "parse_uuid",
    "poll",
    "post_agent_message",
    "post_visitor_message",
    "prechat_config",
    "rate",
    "ratings_summary",
    "recheck_agent",
    "recheck_visitor",
    "recover_once",
    "refollow",
    "reopen_conversation",
    "report_gap",
    "request_handoff",
    "resolve_conversation",
    "save_contact",
    "search",
    "session_from_token",
    "set_labels",
    "site_owner_config",
    "spawn",
    "stats",
    "unfollow",
    "update_canned",
    "view_conversation",
    "visitor_typing",
    "website_availability",
    "widget_look",
    "widget_website",
]
