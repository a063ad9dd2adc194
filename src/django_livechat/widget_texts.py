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
    "closedText": _("We are closed now. Leave a message and we will answer when we are back."),
    "replyTime": _("We usually reply within {time}."),
    "uploadAttach": _("Attach a file"),
    "prechatIntro": _("Please tell us a little about yourself before the chat starts."),
    "prechatName": _("Your name"),
    "prechatEmail": _("Your email address"),
    "prechatStart": _("Start the chat"),
    "prechatChoose": _("Choose…"),
    "prechatRequired": _("This field is required."),
    "prechatEmailInvalid": _("Enter a valid email address."),
    "prechatTooLong": _("This is too long: at most {max} characters."),
    "prechatInvalid": _("Please correct the marked fields."),
    "contactPrompt": _("Leave your email address and we will reply there."),
    "contactEmail": _("Your email address"),
    "contactSave": _("Save"),
    "contactDismiss": _("No, thanks"),
    "contactSaved": _("Thank you. We will reply to {email}."),
    "ratingQuestion": _("How was this conversation?"),
    "ratingStar": _("{count} out of 5"),
    "ratingComment": _("Add a comment (optional)"),
    "ratingSend": _("Send rating"),
    "ratingChoose": _("Choose a rating first."),
    "ratingThanks": _("Thank you for your rating."),
    "uploadProgress": _("Uploading {name}"),
    "uploadTooLarge": _("This file is too large to send."),
    "uploadType": _("This type of file cannot be sent."),
    "uploadRejected": _("This file was rejected."),
    "uploadFailed": _("The file could not be sent."),
    "handoffAsk": _("Talk to a person"),
    "handoffNote": _("A person will answer here."),
}
