"""The pre-chat form: what a website asks before a visitor's first message, checked here.

A website with ``prechat_enabled`` hands the widget its form (:func:`prechat_config`):
the visitor's name, their email (required), a consent checkbox when the website has a
``prechat_consent_text``, and up to five custom fields. The widget sends the answers with
the ``identify`` that opens the conversation; :func:`clean_prechat` checks them against the
website's form and refuses them with ``INVALID_PRECHAT``, one message per field.

The server stores what it is given and does not insist on the form: a visitor the host
identified (``setUser``) never sees it, and a client that sends no ``prechat`` still gets
its conversation. Showing the form is the widget's part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from django_livechat import errors
from django_livechat.errors import ChatError
from django_livechat.models import Website
from django_livechat.pipeline.validation import FORM_TEXT

_FORM_TEXT = re.compile(FORM_TEXT)

MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
#: Characters of a custom answer, per field type.
MAX_ANSWER_LENGTH = {"text": 200, "textarea": 2000, "select": 200}


@dataclass(frozen=True)
class PrechatAnswers:
    """Checked answers: the visitor's name and email, and the ``prechat`` JSON to store
    (custom answers by field name, ``consent_at`` when consent was given)."""

    name: str = ""
    email: str = ""
    prechat: dict[str, Any] = field(default_factory=dict)


def prechat_config(website: Website) -> dict[str, Any] | None:
    """The form the widget shows, or None when the website has none."""
    if not website.prechat_enabled:
        return None
    return {
        "fields": list(website.prechat_fields or []),
        "consent_text": website.prechat_consent_text or None,
        "email_required": True,
    }


def is_email(value: object) -> bool:
    """Whether ``value`` is an email address (Django's rules) of at most 254 characters."""
    if not isinstance(value, str) or len(value) > MAX_EMAIL_LENGTH:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def clean_text(value: object, limit: int) -> tuple[str, str | None]:
    """``value`` stripped, and what is wrong with it (None: nothing)."""
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", _("Enter text.")
    # Checked as sent, before stripping, so that the API schema's maxLength and pattern
    # (validation.FORM_TEXT) state exactly what passes.
    if len(value) > limit:
        return "", _("Enter at most %(limit)d characters.") % {"limit": limit}
    if not _FORM_TEXT.fullmatch(value) or not _encodable(value):
        return "", _("Enter text without control characters.")
    return value.strip(), None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")  # a lone surrogate (a JSON "\\ud800") is not
    except UnicodeEncodeError:
        return False
    return True


def clean_prechat(website: Website, value: object) -> PrechatAnswers:
    """The answers of ``value`` (``{"name", "email", "consent", "fields"}``) to the
    website's form; ``INVALID_PRECHAT`` with ``fields`` naming each problem."""
    if value is None:
        return PrechatAnswers()
    if not isinstance(value, dict):
        raise ChatError(errors.INVALID_MESSAGE, "prechat must be an object.")
    enabled = website.prechat_enabled
    problems: dict[str, str] = {}
    name, problem = clean_text(value.get("name"), MAX_NAME_LENGTH)
    if problem:
        problems["name"] = problem
    email, problem = clean_text(value.get("email"), MAX_EMAIL_LENGTH)
    if problem:
        problems["email"] = problem
    elif email and not is_email(email):
        problems["email"] = _("Enter a valid email address.")
    elif enabled and not email:
        problems["email"] = _("Enter your email address.")
    prechat: dict[str, Any] = {}
    consent = value.get("consent", False)
    if not isinstance(consent, bool):
        problems["consent"] = _("Answer with true or false.")
    elif enabled and website.prechat_consent_text:
        if consent:
            prechat["consent_at"] = timezone.now().isoformat()
        else:
            problems["consent"] = _("Please agree to continue.")
    answers = value.get("fields", {})
    if answers is None:
        answers = {}
    if not isinstance(answers, dict):
        raise ChatError(errors.INVALID_MESSAGE, "prechat.fields must be an object.")
    for question in website.prechat_fields or [] if enabled else []:
        answer, problem = _clean_answer(question, answers.get(question["name"]))
        if problem:
            problems[question["name"]] = problem
        elif answer not in ("", False, None):
            prechat[question["name"]] = answer
    if problems:
        error = ChatError(errors.INVALID_PRECHAT)
        error.fields = problems
        raise error
    return PrechatAnswers(name, email, prechat)


def _clean_answer(question: dict[str, Any], value: object) -> tuple[object, str | None]:
    """One custom answer and what is wrong with it (None: nothing)."""
    kind, required = question.get("type"), bool(question.get("required"))
    if kind == "checkbox":
        if value is None:
            value = False
        if not isinstance(value, bool):
            return None, _("Answer with true or false.")
        if required and not value:
            return None, _("Please tick this box.")
        return value, None
    text, problem = clean_text(value, MAX_ANSWER_LENGTH.get(str(kind), 200))
    if problem:
        return None, problem
    if not text:
        return "", _("This field is required.") if required else None
    if kind == "select" and text not in (question.get("options") or []):
        return None, _("Choose one of the options.")
    return text, None
