"""The German, French and Spanish catalogs: complete, compiled, and used by the widget.

The catalogs are read with the small PO reader below rather than GNU gettext, so that
these tests need no ``msgfmt``; only the test of ``scripts/messages --check`` does.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django.conf.locale
import pytest
from django.http import HttpRequest, HttpResponse
from django.template import RequestContext, Template
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import translation

from django_livechat.widget_texts import LABELS
from tests.factories import SHOP_ORIGIN, make_user, make_website

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "django_livechat" / "locale"
LANGUAGES = ("de", "fr", "es")
# How each language says a few of the widget's texts, to see the catalogs in use.
EXPECTED_SEND = {"de": "Senden", "fr": "Envoyer", "es": "Enviar"}
# {name} and {} (not JSON examples such as {"mon": ...}), %(name)s, %s, HTML tags.
PLACEHOLDER = re.compile(r"\{\w*\}|%\([^)]+\)[a-z]|%[a-z%]|</?[a-zA-Z][^>]*>")
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$')
ESCAPE = re.compile(r"\\(.)")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
NEEDS_GETTEXT = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgattrib", "msgfmt")),
    reason="GNU gettext (xgettext, msgmerge, msgattrib, msgfmt) is not installed",
)

WEBSITE_ID = "8f0c4a52-9a6e-4d39-a1b4-2f0c5e3d7a10"
# Django's documented order: LocaleMiddleware after sessions, before CommonMiddleware.
LOCALIZED_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
]
AUTHENTICATED_MIDDLEWARE = ["django.contrib.auth.middleware.AuthenticationMiddleware"]


@dataclass
class Entry:
    """One message of a ``.po`` file."""

    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags


def unquote(text: str) -> str:
    return ESCAPE.sub(lambda match: ESCAPES.get(match.group(1), match.group(0)), text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """The entries of a ``.po`` file, the header (``msgid ""``) first; obsolete ones left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("", 0)

    def append(name: str, index: int, text: str) -> None:
        assert entry is not None
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        else:
            setattr(entry, name, (getattr(entry, name) or "") + text)

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#~"):
            entry = None if not line else entry
            continue
        if line.startswith("#"):
            if entry is None or entry.msgstr:
                entry = Entry()
                entries.append(entry)
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        match = KEYWORD.match(line)
        if match:
            name, index, text = match.group(1), match.group(2), match.group(3)
            if entry is None or (entry.msgstr and not name.startswith("msgstr")):
                entry = Entry()
                entries.append(entry)
            target = ("msgstr", int(index or 0)) if name.startswith("msgstr") else (name, 0)
            append(*target, unquote(text))
        elif line.startswith('"') and entry is not None:
            append(*target, unquote(line))
        else:
            raise AssertionError(f"{path}:{number}: cannot read {line!r}")
    return entries


def catalog(language: str) -> list[Entry]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def messages(language: str) -> list[Entry]:
    return [entry for entry in catalog(language) if entry.msgid]


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


def po_as_mo_catalog(entries: list[Entry]) -> dict[Any, str]:
    """What ``msgfmt`` puts in the ``.mo``, as :class:`gettext.GNUTranslations` reads it."""
    compiled: dict[Any, str] = {}
    for entry in entries:
        if entry.fuzzy or not entry.translated:
            continue
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            compiled[key] = entry.msgstr[0]
        else:
            compiled.update({(key, index): text for index, text in entry.msgstr.items()})
    return compiled


def without_creation_date(compiled: dict[Any, str]) -> dict[Any, str]:
    # msgfmt 0.20 and later leave this header line out of the .mo, older ones keep it.
    header = re.sub(r"^POT-Creation-Date: .*\n", "", compiled.get("", ""), flags=re.MULTILINE)
    return {**compiled, "": header}


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Iterator[None]:
    # LocaleMiddleware activates the request's language in this thread and leaves it.
    yield
    translation.deactivate()


def page_with_the_widget(request: HttpRequest) -> HttpResponse:
    template = Template('{% load django_livechat %}{% livechat_widget "' + WEBSITE_ID + '" %}')
    return HttpResponse(template.render(RequestContext(request)))


# The pages the request tests get (ROOT_URLCONF = this module).
urlpatterns = [
    path("page/", page_with_the_widget),
    path("livechat/", include("django_livechat.urls")),
]


def widget_labels(response: HttpResponse) -> dict[str, str]:
    match = re.search(
        r'<script id="django-livechat-config" type="application/json"[^>]*>(.*?)</script>',
        response.content.decode(),
    )
    assert match, response.content
    labels: dict[str, str] = json.loads(match.group(1))["labels"]
    return labels


def test_the_reader_reads_plurals_contexts_flags_and_continuations(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        '#, fuzzy, python-brace-format\nmsgid "{n} day"\nmsgid_plural ""\n"{n} days"\n'
        'msgstr[0] "{n} Tag"\nmsgstr[1] "{n} Tage"\n\n'
        'msgctxt "verb"\nmsgid "Open"\nmsgstr "Öffnen \\"jetzt\\""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Weg"\n',
        encoding="utf-8",
    )
    header, plural, context = read_po(po)
    assert header.msgstr == {0: "Language: de\n"}
    assert (plural.msgid_plural, plural.msgstr, plural.fuzzy) == (
        "{n} days",
        {0: "{n} Tag", 1: "{n} Tage"},
        True,
    )
    assert (context.msgctxt, context.msgstr[0]) == ("verb", 'Öffnen "jetzt"')


PLURAL_FORMS = {
    "de": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "es": "nplurals=3; plural=n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_has_its_language_and_plural_forms(language):
    header = catalog(language)[0]
    assert header.msgid == "" and not header.fuzzy
    fields = dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if line)
    assert fields["Language"] == language
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == PLURAL_FORMS[language]
    # The same formula as Django's own catalog, so that both plural the same way. Spanish
    # is the exception: Django 5.2 ships the three-form formula, 4.2 and 6.0 the two-form
    # one; ours is the three-form one, and gettext keeps a catalog per formula, so it
    # works beside either.
    django_po = Path(django.conf.locale.__file__).parent / language / "LC_MESSAGES" / "django.po"
    django_header = read_po(django_po)[0].msgstr[0]
    if language != "es":
        assert f"Plural-Forms: {fields['Plural-Forms']}\n" in django_header


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    entries = messages(language)
    assert len(entries) >= len(LABELS)
    untranslated = [entry.msgid for entry in entries if not entry.translated]
    fuzzy = [entry.msgid for entry in entries if entry.fuzzy]
    assert not untranslated, f"{language}: not translated: {untranslated}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_markup(language):
    wrong = []
    for entry in messages(language):
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr[0]) != placeholders(entry.msgid):
                wrong.append((entry.msgid, entry.msgstr[0]))
            continue
        # A singular form may leave the number out ("one day"); together they keep all.
        allowed = placeholders(entry.msgid) | placeholders(entry.msgid_plural)
        forms = [placeholders(text) for text in entry.msgstr.values()]
        if any(form - allowed for form in forms) or set(allowed) != set().union(*forms):
            wrong.append((entry.msgid, entry.msgstr))
    assert not wrong, f"{language}: placeholders differ: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_is_current(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = without_creation_date(gettext.GNUTranslations(mo)._catalog)
    expected = without_creation_date(po_as_mo_catalog(catalog(language)))
    assert compiled.keys() == expected.keys(), "run scripts/messages"
    assert compiled == expected, "run scripts/messages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_widget_label_is_translated(language):
    translated = {entry.msgid: entry.msgstr[0] for entry in messages(language) if entry.translated}
    missing = [str(text) for text in LABELS.values() if str(text) not in translated]
    assert not missing, f"{language}: widget labels missing: {missing}"
    # Words that are the same in the language ("Online" in German) are fine; all of them are not.
    assert sum(translated[str(text)] != str(text) for text in LABELS.values()) > len(LABELS) // 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_labels_follow_the_active_language(language):
    with translation.override(language):
        assert str(LABELS["send"]) == EXPECTED_SEND[language]
    with translation.override("en"):
        assert str(LABELS["send"]) == "Send"


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tag_renders_the_labels_in_the_request_language(settings, language):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = LOCALIZED_MIDDLEWARE
    response = Client().get("/page/", headers={"accept-language": f"{language},en;q=0.5"})
    labels = widget_labels(response)
    assert labels["send"] == EXPECTED_SEND[language]
    with translation.override(language):
        assert {key: labels[key] for key in LABELS} == {k: str(v) for k, v in LABELS.items()}
    assert response.headers["Content-Language"] == language


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_without_locale_middleware_the_tag_uses_language_code():
    response = Client().get("/page/", headers={"accept-language": "de"})
    assert widget_labels(response)["send"] == "Send"
    with override_settings(LANGUAGE_CODE="fr"):
        response = Client().get("/page/", headers={"accept-language": "de"})
    assert widget_labels(response)["send"] == "Envoyer"


# The endpoint reads the website on the app's database thread: commit it first.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_widget_settings_endpoint_answers_in_the_accept_language(language):
    website = make_website()
    url = reverse("django_livechat:api-widget-settings", args=[website.pk])
    response = Client().get(
        url, headers={"accept-language": f"{language},en;q=0.5", "origin": SHOP_ORIGIN}
    )
    assert response.status_code == 200, response.content
    labels = response.json()["labels"]
    assert labels["send"] == EXPECTED_SEND[language]
    with translation.override(language):
        assert {key: labels[key] for key in LABELS} == {k: str(v) for k, v in LABELS.items()}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_dashboard_text_is_translated(language):
    from django_livechat.views import dashboard_strings

    translated = {entry.msgid for entry in messages(language) if entry.translated}
    with translation.override("en"):
        english = dashboard_strings()
    missing = sorted(text for text in english.values() if text not in translated)
    assert not missing, f"{language}: dashboard texts missing: {missing}"
    with translation.override(language):
        assert dashboard_strings()["assignToMe"] != english["assignToMe"]


@pytest.mark.django_db
def test_the_dashboard_page_is_in_the_agent_request_language(settings):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*LOCALIZED_MIDDLEWARE, *AUTHENTICATED_MIDDLEWARE]
    client = Client()
    client.force_login(make_user("ana"))
    response = client.get(reverse("django_livechat:dashboard"), headers={"accept-language": "de"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert "Noch keine Unterhaltungen." in html
    match = re.search(r'id="livechat-dashboard-config"[^>]*>(.*?)</script>', html)
    assert match, html
    assert json.loads(match.group(1))["strings"]["assignToMe"] == "Mir zuweisen"


def run_messages(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(root / "scripts" / "messages"), *arguments],
        # This interpreter's environment (a tox env too), not necessarily .venv.
        env={**os.environ, "LIVECHAT_VENV": sys.prefix},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@NEEDS_GETTEXT
def test_scripts_messages_check_finds_the_catalogs_current():
    result = run_messages(ROOT, "--check")
    assert result.returncode == 0, result.stderr


@NEEDS_GETTEXT
def test_scripts_messages_adds_new_strings_and_keeps_the_translations(tmp_path):
    # A copy of what the script reads, so that the checkout is left alone.
    for name in ("scripts/messages", "tests/__init__.py", "tests/settings.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    app = tmp_path / "src" / "django_livechat"
    shutil.copytree(
        ROOT / "src" / "django_livechat", app, ignore=shutil.ignore_patterns("__pycache__")
    )
    (app / "added_for_the_test.py").write_text(
        'from django.utils.translation import gettext_lazy as _\n\nTEXT = _("A brand-new text")\n',
        encoding="utf-8",
    )
    (app / "static" / "added_for_the_test.html").write_text(
        '{% load i18n %}{% translate "Not from static/" %}', encoding="utf-8"
    )
    assert run_messages(tmp_path, "--check").returncode == 1

    result = run_messages(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "untranslated" in result.stdout
    for language in LANGUAGES:
        entries = {
            entry.msgid: entry
            for entry in read_po(app / "locale" / language / "LC_MESSAGES" / "django.po")
        }
        assert entries["A brand-new text"].msgstr == {0: ""}
        assert "Not from static/" not in entries
        assert entries["Send"].msgstr[0] == EXPECTED_SEND[language]
    assert run_messages(tmp_path, "--check").returncode == 0
