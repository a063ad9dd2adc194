"""The agents' pages: the dashboard (``livechat/dashboard/``) and its sign-in and sign-out.

The dashboard is a plain Django template and one script (built from ``js/dashboard/``)
that speaks the documented agent protocol over ``ws/livechat/dashboard/``. Anonymous users
are sent to the host's ``LOGIN_URL`` if the host set one that resolves, else to the app's
own sign-in page (``livechat/login/``); a logged-in user who is not an agent (see
:mod:`django_livechat.permissions`) gets 403. Every word the script shows comes from
:func:`dashboard_strings`, through Django's translations.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import NoReverseMatch, Resolver404, get_script_prefix, resolve, reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from django_livechat import permissions
from django_livechat.assets import asset_url
from django_livechat.conf import livechat_settings


def dashboard_strings() -> dict[str, str]:
    """The script's words in the active language; ``{name}`` placeholders are filled in the page."""
    return {
        "stateConnecting": gettext("Connecting…"),
        "stateReconnecting": gettext("Reconnecting…"),
        "stateOnline": gettext("Online"),
        "stateOffline": gettext("Offline — reconnecting"),
        "stateLoggedOut": gettext("Signed out: reload the page to sign in again."),
        "stateForbidden": gettext("Not allowed: this account is not a live chat agent."),
        "unreadCount": gettext("{count} unread"),
        "titleUnread": gettext("({count}) {title}"),
        "open": gettext("Open"),
        "resolved": gettext("Resolved"),
        "assignToMe": gettext("Assign to me"),
        "assignedToYou": gettext("Assigned to you"),
        "resolvedBy": gettext("Resolved by {name}"),
        "reopenedBy": gettext("Reopened by {name}"),
        "resolvedNote": gettext("Resolved"),
        "reopenedByVisitor": gettext("Reopened by the visitor's new message"),
        "roleVisitor": gettext("Visitor"),
        "roleAssistant": gettext("Automatic reply"),
        "botState": gettext("Bot"),
        "waitingState": gettext("Waiting for a person"),
        "botWriting": gettext("writing…"),
        "handoffByVisitor": gettext("The visitor asked for a person."),
        "handoffByBot": gettext("The bot handed the conversation over to a person."),
        "handoffByAgent": gettext("An agent took the conversation over from the bot."),
        "roleAgent": gettext("Agent"),
        "roleSystem": gettext("System"),
        "visitorNumbered": gettext("Visitor {id}"),
        "typingPreview": gettext("typing…"),
        "noMessages": gettext("No messages yet"),
        "previewFrom": gettext("{name}: {message}"),
        "sending": gettext("sending…"),
        "notSent": gettext("not sent"),
        "notSentBecause": gettext("Not sent: {reason}"),
        "retry": gettext("Retry"),
        "theVisitor": gettext("The visitor"),
        "theAutomaticReply": gettext("The automatic reply"),
        "typingOne": gettext("{name} is typing…"),
        "typingMany": gettext("{names} and {last} are typing…"),
        "browserOn": gettext("{browser} on {system}"),
        "anonymous": gettext("Anonymous"),
        "verified": gettext("Verified"),
        "notVerified": gettext("Not verified"),
        "notIdentified": gettext("Not identified"),
        "nobody": gettext("Nobody"),
        "detailName": gettext("Name"),
        "detailIdentifier": gettext("Identifier"),
        "detailEmail": gettext("Email"),
        "detailIdentity": gettext("Identity"),
        "detailPage": gettext("Page"),
        "detailPageTitle": gettext("Page title"),
        "detailLanguage": gettext("Language"),
        "detailBrowser": gettext("Browser"),
        "detailWebsite": gettext("Website"),
        "detailStarted": gettext("Started"),
        "detailStatus": gettext("Status"),
        "detailAssignedTo": gettext("Assigned to"),
        "aVisitor": gettext("A visitor"),
        "newConversation": gettext("New conversation"),
        "newConversationOn": gettext("{visitor} on {website}"),
        "yes": gettext("Yes"),
        "no": gettext("No"),
        "detailConsent": gettext("Consent"),
        "consentGiven": gettext("Given {time}"),
        "detailRating": gettext("Rating"),
        "detailRatingComment": gettext("Rating comment"),
        "ratingValue": gettext("{rating} out of 5"),
        "ratedLabel": gettext("rated {rating} out of 5"),
        "openEarlier": gettext("Earlier conversation of {date}"),
        "attachment": gettext("Attachment"),
        "downloadFile": gettext("Download {name} ({size})"),
        "uploading": gettext("Uploading {name}"),
        "uploadFailed": gettext("Not uploaded"),
        "uploadFailedBecause": gettext("Not uploaded: {reason}"),
        "ratingsByWebsite": gettext("By website"),
        "ratingsByAgent": gettext("By agent"),
        "ratingsName": gettext("Name"),
        "ratingsAverage": gettext("Average"),
        "ratingsCount": gettext("Ratings"),
        "ratingsNone": gettext("No ratings yet."),
        "websiteOpen": gettext("{name}: open"),
        "websiteClosed": gettext("{name}: closed"),
        "preferenceNotSaved": gettext("Your email preference was not saved."),
        # Issue 12: the agent's workspace.
        "send": gettext("Send"),
        "replyLabel": gettext("Reply to the visitor"),
        "replyPlaceholder": gettext(
            "Type your reply — Enter sends, Shift+Enter adds a line, / a canned reply"
        ),
        "addNote": gettext("Add note"),
        "privateNoteLabel": gettext("Private note — only agents see this"),
        "notePlaceholder": gettext("Write a private note for the other agents — Enter adds it"),
        "cannedPersonal": gettext("personal"),
        "cannedNone": gettext("No canned reply matches."),
        "typingReply": gettext("{name} is typing a reply…"),
        "alsoViewing": gettext("Also here: {names}"),
        "viewingNow": gettext("Open now by {names}"),
        "assignedYouBy": gettext("{name} assigned you the conversation with {visitor}."),
        "assignedYouAuto": gettext("You were assigned the conversation with {visitor}."),
        "keyNext": gettext("Next conversation"),
        "keyPrevious": gettext("Previous conversation"),
        "keyOpen": gettext("Open the conversation"),
        "keyReply": gettext("Write a reply"),
        "keyResolve": gettext("Resolve the conversation"),
        "keyAssign": gettext("Assign it to me"),
        "keySearch": gettext("Search"),
        "keyHelp": gettext("Show the keyboard shortcuts"),
        "keyOr": gettext("or"),
    }


def sign_in_url() -> str:
    """The host's ``LOGIN_URL`` if it leads somewhere, else the app's own sign-in page.

    Django's default (``/accounts/login/``) is a 404 in most projects, so ``LOGIN_URL``
    counts only if it reverses and (for a local path) resolves: a project without a login
    page of its own still lets its agents in.
    """
    own = reverse("django_livechat:login")
    try:
        url = str(resolve_url(settings.LOGIN_URL))
    except NoReverseMatch:
        return own
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return url  # another host's sign-in (single sign-on): not ours to check
    prefix = get_script_prefix()
    path = "/" + parts.path[len(prefix) :] if parts.path.startswith(prefix) else parts.path
    try:
        resolve(path)
    except Resolver404:
        return own
    return url


def _assets() -> dict[str, str]:
    return {"css": asset_url("dashboard.css"), "js": asset_url("dashboard.js")}


def _admin_url(user: Any) -> str | None:
    """The admin's index for staff users, if the host has the admin."""
    if not user.is_staff or not apps.is_installed("django.contrib.admin"):
        return None
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    """The agent's inbox and conversation view."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), sign_in_url())
    if not permissions.is_agent(request.user):
        raise PermissionDenied("Only agents may open the live chat dashboard.")
    user: Any = request.user
    config = {
        "socketPath": f"/{livechat_settings.WS_PATH_PREFIX}dashboard/",
        # Agents see each other by full name, else username (visitors never see usernames).
        "agentName": str(user.get_full_name() or "").strip() or str(user.get_username()),
        "typingTimeout": livechat_settings.TYPING_TIMEOUT,
        "reconnectBaseDelay": livechat_settings.RECONNECT_BASE_DELAY,
        "heartbeatInterval": livechat_settings.HEARTBEAT_INTERVAL,
        # The API's root, where the script finds the agent API's attachments and
        # preferences (``agent/conversations/<id>/attachments/``, ``agent/preferences/``).
        "apiRoot": reverse("django_livechat:api-schema").removesuffix("schema/"),
        "strings": dashboard_strings(),
    }
    context = {
        "livechat_config": config,
        "livechat_assets": _assets(),
        "livechat_admin_url": _admin_url(user),
    }
    return render(request, "django_livechat/dashboard.html", context)


class SignInView(LoginView):
    """The agents' own sign-in page, titled "Sign in to live chat"; then the dashboard.

    ``next`` is honoured for safe URLs only (Django's :class:`LoginView` checks the host
    and scheme).
    """

    template_name = "django_livechat/login.html"

    def get_default_redirect_url(self) -> str:
        return reverse("django_livechat:dashboard")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["livechat_assets"] = _assets()
        return context


login = never_cache(SignInView.as_view())


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, with the CSRF token) and go to the sign-in page."""
    auth.logout(request)
    return HttpResponseRedirect(sign_in_url())
