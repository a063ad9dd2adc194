"""A website's widget look and texts: the template tag and the widget-settings endpoint.

Each value comes from the first that sets it: the template tag's arguments, the website
(its ``widget_*`` fields, edited in the admin), ``LIVECHAT["WIDGET_*"]``, the built-in
texts of :data:`django_livechat.widget_texts.LABELS` (translated in the active language).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Website
from django_livechat.origins import origin_permitted
from django_livechat.pipeline import presence
from django_livechat.pipeline.hours import HOURS_FIELDS, availability
from django_livechat.pipeline.prechat import prechat_config
from django_livechat.pipeline.validation import parse_uuid
from django_livechat.widget_texts import LABELS

#: The website fields and settings behind the texts a website may set: label key,
#: field, setting.
TEXTS = (
    ("title", "widget_title", "WIDGET_TITLE"),
    ("greeting", "widget_greeting", "WIDGET_GREETING"),
    ("awayText", "widget_away_text", "WIDGET_AWAY_TEXT"),
)
#: The fields :func:`website_look_sync` reads.
LOOK_FIELDS = (
    "id",
    "name",
    "is_active",
    "allowed_origins",
    "widget_color",
    "widget_position",
    "widget_theme",
    *(field for _key, field, _setting in TEXTS),
    *HOURS_FIELDS,
    "prechat_enabled",
    "prechat_fields",
    "prechat_consent_text",
)


def widget_look(
    website: Website | None,
    *,
    theme: str | None = None,
    color: str | None = None,
    position: str | None = None,
    labels: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``theme``, ``color``, ``position`` and every label (as text, in the active
    language) of the widget of ``website`` (None: an unknown one, the defaults)."""

    def first(given: str | None, field: str, setting: str) -> Any:
        own = getattr(website, field) if website is not None else ""
        return given or own or getattr(livechat_settings, setting)

    texts = {key: str(value) for key, value in LABELS.items()}
    for key, field, setting in TEXTS:
        text = first(None, field, setting)
        if text:
            texts[key] = text
    texts.update({key: str(value) for key, value in (labels or {}).items()})
    return {
        "theme": first(theme, "widget_theme", "WIDGET_THEME"),
        "color": first(color, "widget_color", "WIDGET_COLOR"),
        "position": first(position, "widget_position", "WIDGET_POSITION"),
        "labels": texts,
    }


def site_owner_config(website: Website | None) -> dict[str, Any]:
    """What the widget needs to know of the website besides its look: ``availability``
    (business hours, now) and its ``prechat`` form (None: no form)."""
    if website is None:
        return {
            "availability": {"open": True, "reply_time": None, "next_open": None},
            "prechat": None,
        }
    return {"availability": availability(website).as_json(), "prechat": prechat_config(website)}


def website_look_sync(website_id: object) -> Website | None:
    """The website's look fields, if it exists (active or not); never raises."""
    wid = parse_uuid(website_id)
    if wid is None:
        return None
    found: Website | None = Website.objects.only(*LOOK_FIELDS).filter(pk=wid).first()
    return found


async def widget_website(website_id: object, *, origin: str | None) -> tuple[Website, int]:
    """The active website a widget-settings request is about, and its ``agents_online``:
    ``INVALID_WEBSITE`` when unknown or inactive, ``FORBIDDEN`` for an ``Origin`` the
    website does not allow (the one origin policy of every transport)."""
    website = await run_in_db_thread(website_look_sync, website_id)
    if website is None or not website.is_active:
        raise ChatError(errors.INVALID_WEBSITE)
    if not origin_permitted(origin, website.allowed_origins):
        raise ChatError(errors.FORBIDDEN, f"Origin {origin} may not embed this website's chat.")
    assert isinstance(website.pk, UUID)
    return website, await presence.agents_online(website.pk)
