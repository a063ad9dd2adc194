"""Finding the website a command names."""

from __future__ import annotations

import uuid

from django_livechat.models import Website


def find_website(value: str) -> Website:
    """The website whose id or (exact) name is ``value``; :class:`LookupError` saying why
    when there is none, or when several share the name."""
    try:
        website_id = uuid.UUID(value.strip())
    except ValueError:
        named = list(Website.objects.filter(name=value.strip())[:2])
        if len(named) > 1:
            raise LookupError(f"Several websites are named {value!r}: give its id.") from None
        if named:
            website: Website = named[0]
            return website
    else:
        found: Website | None = Website.objects.filter(pk=website_id).first()
        if found is not None:
            return found
    raise LookupError(f"No website has the id or name {value!r}.")
