"""The widget's texts, translated on the server.

The keys are those of ``DEFAULT_LABELS`` in ``js/widget/config.js`` (a test compares the
two); the template tag and the widget-settings endpoint send them in the page's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

#: The widget's texts, translated on the server (keys as in ``js/widget/config.js``).
LABELS: dict[str, Any] = {
    "openChat": _("Open chat"),
    "closeChat": _("Close chat"),
    "title": _("Chat with us"),
    "greeting": _("Hi! Ask us anything and we will answer here."),
    "inputLabel": _("Type your message"),
    "placeholder": _("Type your message…"),
    "send": _("Send"),
    "online": _("Online"),
    "connecting": _("Connecting…"),
    "offline": _("Offline"),
    "away": _("Away"),
    "awayText": _("No one is here right now. Leave a message and we will reply as soon as we can."),
    "typing": _("Support is typing…"),
    "sending": _("Sending…"),
    "failed": _("Not delivered."),
    "retry": _("Retry"),
    "soundOn": _("Turn sound on"),
    "soundOff": _("Turn sound off"),
    "unread": _("{count} unread"),
    "resolved": _("This conversation was marked resolved."),
    "reopened": _("This conversation was reopened."),
    "refused": _("The chat is not available on this site."),
    "error": _("Something went wrong. Please try again."),
    "auto": _("Automatic reply"),
    "charsLeft": _("{count} characters left"),
    "tooLong": _("This message is too long: at most {max} characters."),
    "empty": _("Type a message first."),
}
