"""The OpenAPI schema of the API (drf-spectacular), served at ``api/schema/``.

It covers this API only, whatever else the host's URLconf holds, and needs nothing in the
host's ``INSTALLED_APPS``, ``REST_FRAMEWORK`` or ``SPECTACULAR_SETTINGS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

import django_livechat

Method = TypeVar("Method", bound=Callable[..., Any])
Endpoint = tuple[str, str, str, Any]


class VisitorTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes :class:`~django_livechat.api.authentication.VisitorTokenAuthentication`."""

    target_class = "django_livechat.api.authentication.VisitorTokenAuthentication"
    name = "visitorToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer"
        )
        scheme["description"] = "The visitor_token that creating the conversation returned."
        return scheme


class RequestValueScheme(OpenApiSerializerFieldExtension):  # type: ignore[no-untyped-call]
    """Describes the request fields the pipeline checks (``_Untouched`` in
    :mod:`~django_livechat.api.serializers`) with their own ``openapi_schema()``, read when
    the schema is made so that it follows the settings (``MAX_MESSAGE_LENGTH``)."""

    target_class = "django_livechat.api.serializers._Untouched"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = self.target.openapi_schema()
        return schema


class LivechatAutoSchema(AutoSchema):
    """The schema class of the API views."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        # The views allow anyone through DRF's permissions only to refuse a missing token
        # themselves: where a token is read, it is required (no anonymous "{}" entry).
        if self.view.get_authenticators():
            return [auth for auth in auths if auth]
        return auths


def documented(**schema: Any) -> Callable[[Method], Method]:
    """``@extend_schema`` for a view method, whatever the host's ``DEFAULT_SCHEMA_CLASS``.

    extend_schema builds on the schema class already named on the method, else on the
    host's ``DEFAULT_SCHEMA_CLASS`` (DRF's own unless the host set drf-spectacular's, and
    that breaks generation); naming :class:`LivechatAutoSchema` here needs no host setting.
    """

    def decorate(method: Method) -> Method:
        method.kwargs = {"schema": LivechatAutoSchema}  # type: ignore[attr-defined]
        return extend_schema(tags=["livechat"], **schema)(method)

    return decorate


def livechat_endpoints(endpoints: list[Endpoint]) -> list[Endpoint]:
    """drf-spectacular preprocessing hook: keep this API's endpoints only."""
    return [
        endpoint
        for endpoint in endpoints
        if isinstance(getattr(endpoint[3].cls, "schema", None), LivechatAutoSchema)
    ]


class SchemaView(SpectacularAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    custom_settings = {
        "TITLE": "django_livechat HTTP API",
        "DESCRIPTION": (
            "The HTTP fallback of the live chat widget: create or rejoin a conversation, "
            "post messages and poll for new ones; and the agents' API (Django session and "
            "CSRF token): list conversations, read them, reply, assign, resolve, reopen and "
            "mark read. Errors have the WebSocket's shape: "
            '{"type": "error", "code": ..., "message": ...}.'
        ),
        "VERSION": django_livechat.__version__,
        "PREPROCESSING_HOOKS": ["django_livechat.api.schema.livechat_endpoints"],
    }
