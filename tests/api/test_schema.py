from __future__ import annotations

import json

from django.test import override_settings
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

from django_livechat.pipeline import validation

OPERATIONS = {
    ("/livechat/api/conversations/", "post"): "livechat_open_conversation",
    ("/livechat/api/messages/", "post"): "livechat_post_message",
    ("/livechat/api/messages/", "get"): "livechat_list_messages",
    ("/livechat/api/websites/{website_id}/widget/", "get"): "livechat_widget_settings",
    ("/livechat/api/contact/", "post"): "livechat_save_contact",
    ("/livechat/api/rating/", "post"): "livechat_rate",
    ("/livechat/api/seen/", "post"): "livechat_seen",
    ("/livechat/api/handoff/", "post"): "livechat_handoff",
    ("/livechat/api/attachments/", "post"): "livechat_post_attachment",
    ("/livechat/api/attachments/{attachment_id}/", "get"): "livechat_get_attachment",
    (
        "/livechat/api/attachments/{attachment_id}/thumbnail/",
        "get",
    ): "livechat_get_attachment_thumbnail",
    ("/livechat/api/agent/ratings/", "get"): "livechat_agent_ratings",
    ("/livechat/api/agent/preferences/", "get"): "livechat_agent_preferences",
    ("/livechat/api/agent/preferences/", "put"): "livechat_agent_set_preferences",
    (
        "/livechat/api/agent/conversations/{conversation_id}/attachments/",
        "post",
    ): "livechat_agent_post_attachment",
    # The agent's workspace (issue 12): notes, labels, canned replies, search, transcripts.
    (
        "/livechat/api/agent/conversations/{conversation_id}/notes/",
        "get",
    ): "livechat_agent_list_notes",
    (
        "/livechat/api/agent/conversations/{conversation_id}/notes/",
        "post",
    ): "livechat_agent_post_note",
    (
        "/livechat/api/agent/conversations/{conversation_id}/labels/",
        "put",
    ): "livechat_agent_set_labels",
    ("/livechat/api/agent/websites/{website_id}/labels/", "get"): "livechat_agent_list_labels",
    ("/livechat/api/agent/websites/{website_id}/labels/", "post"): "livechat_agent_create_label",
    ("/livechat/api/agent/canned/", "get"): "livechat_agent_list_canned",
    ("/livechat/api/agent/canned/", "post"): "livechat_agent_create_canned",
    ("/livechat/api/agent/canned/{reply_id}/", "patch"): "livechat_agent_change_canned",
    ("/livechat/api/agent/canned/{reply_id}/", "delete"): "livechat_agent_delete_canned",
    ("/livechat/api/agent/search/", "get"): "livechat_agent_search",
    (
        "/livechat/api/agent/conversations/{conversation_id}/transcript/",
        "get",
    ): "livechat_agent_transcript",
    # The agents' API (tests/api/test_agent_api.py).
    ("/livechat/api/agent/conversations/", "get"): "livechat_agent_list_conversations",
    (
        "/livechat/api/agent/conversations/{conversation_id}/",
        "get",
    ): "livechat_agent_get_conversation",
    (
        "/livechat/api/agent/conversations/{conversation_id}/messages/",
        "get",
    ): "livechat_agent_list_messages",
    (
        "/livechat/api/agent/conversations/{conversation_id}/messages/",
        "post",
    ): "livechat_agent_post_message",
    (
        "/livechat/api/agent/conversations/{conversation_id}/assign/",
        "post",
    ): "livechat_agent_assign",
    (
        "/livechat/api/agent/conversations/{conversation_id}/resolve/",
        "post",
    ): "livechat_agent_resolve",
    (
        "/livechat/api/agent/conversations/{conversation_id}/reopen/",
        "post",
    ): "livechat_agent_reopen",
    (
        "/livechat/api/agent/conversations/{conversation_id}/read/",
        "post",
    ): "livechat_agent_mark_read",
}


def fetch_schema(api, capsys):
    response = api.get(reverse("django_livechat:api-schema"), {"format": "json"})
    assert response.status_code == 200
    # drf-spectacular prints its warnings and errors to stderr and counts them.
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)
    assert capsys.readouterr().err == ""
    return json.loads(response.content)


def operations(schema):
    return {
        (path, method): operation["operationId"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }


def test_the_schema_is_served(api, capsys):
    schema = fetch_schema(api, capsys)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert operations(schema) == OPERATIONS
    assert schema["info"]["title"] == "django_livechat HTTP API"


def test_yaml_by_default(api):
    response = api.get(reverse("django_livechat:api-schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in response.content


def test_the_schema_describes_the_api(api, capsys):
    schema = fetch_schema(api, capsys)
    paths, components = schema["paths"], schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["visitorToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The visitor_token that creating the conversation returned.",
    }
    messages = paths["/livechat/api/messages/"]
    assert messages["post"]["security"] == [{"visitorToken": []}]
    assert messages["get"]["security"] == [{"visitorToken": []}]
    # The token is never a query parameter; after_seq is the only one.
    assert [p["name"] for p in messages["get"]["parameters"]] == ["after_seq"]
    assert set(messages["post"]["responses"]) == {
        "200",
        "201",
        "400",
        "401",
        "403",
        "413",
        "429",
        "503",
    }
    error = {"$ref": "#/components/schemas/LivechatError"}
    assert messages["post"]["responses"]["429"]["content"]["application/json"]["schema"] == error
    post_body = components["LivechatPostMessageRequest"]
    assert set(post_body["properties"]) == {"message", "client_id"}
    assert post_body["required"] == ["message"]
    create = paths["/livechat/api/conversations/"]["post"]
    assert set(create["responses"]) == {"200", "201", "400", "403", "404", "429"}
    assert components["LivechatOpenConversationRequest"]["required"] == ["website_id"]
    assert set(components["LivechatMessage"]["properties"]) >= {
        "message_id",
        "conversation_id",
        "seq",
        "role",
        "message",
        "client_id",
        "timestamp",
        "is_auto",
    }
    code_enum = components["LivechatError"]["properties"]["code"]["$ref"].rsplit("/", 1)[1]
    assert "RATE_LIMITED" in components[code_enum]["enum"]


def test_request_fields_state_the_rules_the_pipeline_applies(api, capsys, settings):
    """What the pipeline refuses, the schema does not allow (schemathesis holds the API to
    it: tests/fuzz/test_openapi_schema.py)."""
    settings.LIVECHAT = {**settings.LIVECHAT, "MAX_MESSAGE_LENGTH": 321}
    schema = fetch_schema(api, capsys)
    components = schema["components"]["schemas"]
    for name in ("LivechatPostMessageRequest", "LivechatAgentMessageRequest"):
        fields = components[name]["properties"]
        assert fields["message"]["maxLength"] == 321  # the setting, when the schema is served
        assert fields["message"]["pattern"] == f"^{validation.MESSAGE_TEXT}$"
        assert fields["client_id"]["pattern"] == f"^{validation.CLIENT_ID}$"
        assert fields["client_id"]["maxLength"] == validation.MAX_CLIENT_ID_LENGTH
    identifier = components["LivechatOpenConversationRequest"]["properties"]["user_identifier"]
    assert identifier["maxLength"] == validation.MAX_IDENTIFIER_LENGTH
    assert identifier["pattern"] == f"^{validation.STORABLE_TEXT}$"
    assert components["LivechatMarkReadRequest"]["properties"]["seq"]["minimum"] == 0
    inbox = schema["paths"]["/livechat/api/agent/conversations/"]["get"]["parameters"]
    changed_since = next(p for p in inbox if p["name"] == "changed_since")
    assert changed_since["schema"] == {"type": "string", "format": "date-time"}
    # Without a token: 401 (and WWW-Authenticate), a bad one: 403.
    for method in ("get", "post"):
        responses = schema["paths"]["/livechat/api/messages/"][method]["responses"]
        assert "NOT_IDENTIFIED" in responses["401"]["description"]


def test_only_the_chat_api_whatever_else_the_host_has(api, capsys):
    # The host's own views (on DRF's default schema class) stay out, and do not break it.
    with override_settings(ROOT_URLCONF="tests.api.host_urls"):
        schema = fetch_schema(api, capsys)
    assert set(operations(schema)) == {
        (path.replace("/livechat/", "/support/"), method) for path, method in OPERATIONS
    }


def test_no_host_settings_needed(api, capsys):
    host = {"DEFAULT_SCHEMA_CLASS": "rest_framework.schemas.openapi.AutoSchema"}
    with override_settings(REST_FRAMEWORK=host, SPECTACULAR_SETTINGS={}):
        schema = fetch_schema(api, capsys)
    assert operations(schema) == OPERATIONS


def test_drf_spectacular_need_not_be_an_installed_app(api, capsys, settings):
    apps = [app for app in settings.INSTALLED_APPS if app != "drf_spectacular"]
    with override_settings(INSTALLED_APPS=apps):
        schema = fetch_schema(api, capsys)
    assert operations(schema) == OPERATIONS
