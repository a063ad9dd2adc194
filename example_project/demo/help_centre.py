"""The demo help centre's pages (served at ``/help/``) and the BM25 search over them.

The pages are plain data so that the site's views and its bot (:mod:`demo.bots`) read the
same text: what the bot answers is what the page says, and its answer links to the page.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rank_bm25 import BM25Okapi


@dataclass(frozen=True)
class HelpPage:
    """One article: ``answer`` is what the bot says, ``body`` the rest of the page."""

    slug: str
    title: str
    answer: str
    body: tuple[str, ...]
    #: How visitors ask about it, in their words: searched, not shown.
    questions: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return f"/help/{self.slug}/"


PAGES: tuple[HelpPage, ...] = (
    HelpPage(
        slug="returns-and-refunds",
        title="Returns and refunds",
        answer=(
            "You can return any order within 30 days of delivery for a full refund. Start "
            "the return from your order page, print the prepaid label and drop the parcel "
            "at any post office. The refund reaches your account within 5 business days "
            "of the return arriving."
        ),
        body=(
            "Items must be unused and in their original packaging. Sale items can be "
            "returned too; gift cards cannot.",
            "Refunds go back to the card or account you paid with. Bank transfers can "
            "take two more days to show on your statement.",
        ),
        questions=(
            "can I return my order",
            "I want my money back",
            "how do I get a refund",
            "send the item back",
        ),
    ),
    HelpPage(
        slug="shipping-and-delivery",
        title="Shipping and delivery",
        answer=(
            "Orders ship within 1 business day. Standard delivery takes 3 to 5 business "
            "days and is free over 50 EUR; express delivery takes 1 to 2 business days for "
            "9 EUR. You get a tracking link by email as soon as the parcel leaves."
        ),
        body=(
            "We deliver to every country of the European Union, the United Kingdom, "
            "Norway and Switzerland.",
            "If the tracking link shows no movement for 3 business days, tell us and we "
            "open an investigation with the carrier.",
        ),
        questions=(
            "where is my parcel",
            "my package is late",
            "when will my order arrive",
            "how long does delivery take",
            "tracking number",
            "is delivery free",
            "do you ship abroad",
        ),
    ),
    HelpPage(
        slug="plans-and-pricing",
        title="Plans and pricing",
        answer=(
            "The Starter plan costs 9 EUR a month and the Team plan 29 EUR a month, billed "
            "monthly or yearly (two months free). Every plan starts with a 14-day free "
            "trial, no card needed."
        ),
        body=(
            "Starter covers one user and 1,000 conversations a month. Team covers ten "
            "users, unlimited conversations and the reports.",
            "You can upgrade or downgrade at any time; the difference is prorated on the "
            "next invoice.",
        ),
        questions=(
            "how much does it cost",
            "what is the price",
            "is there a free trial",
            "subscription fee",
        ),
    ),
    HelpPage(
        slug="payment-methods",
        title="Payment methods and invoices",
        answer=(
            "We accept Visa, Mastercard, American Express, PayPal and SEPA bank transfer. "
            "Your invoices are under Account, then Billing, as PDF files with your "
            "company's VAT number if you added one."
        ),
        body=(
            "A failed card payment is retried after 3 days; we email you before anything "
            "is suspended.",
        ),
        questions=(
            "can I pay with paypal",
            "where is my invoice",
            "my card was declined",
            "pay by bank transfer",
            "receipt",
        ),
    ),
    HelpPage(
        slug="change-or-cancel-an-order",
        title="Change or cancel an order",
        answer=(
            "You can change the address or cancel an order from your order page until it "
            "ships, usually within a few hours of ordering. Once it has shipped, refuse "
            "the delivery or return it for a refund."
        ),
        body=(
            "Cancelled orders are refunded at once; the money shows on your statement "
            "within 5 business days.",
        ),
        questions=(
            "cancel my order",
            "change my delivery address",
            "I ordered the wrong size",
            "modify an order",
        ),
    ),
    HelpPage(
        slug="account-and-password",
        title="Your account and password",
        answer=(
            "To reset your password, click Forgot password on the login page and follow "
            "the link we email you; it is valid for one hour. You can change your email "
            "address and delete your account under Account, then Settings."
        ),
        body=(
            "No email? Check your spam folder, then ask us here: we can resend it.",
            "Two-factor authentication is under Account, then Security.",
        ),
        questions=(
            "I forgot my password",
            "cannot log in",
            "login not working",
            "reset password",
            "change my email address",
            "delete my account",
        ),
    ),
    HelpPage(
        slug="opening-hours-and-contact",
        title="Opening hours and contact",
        answer=(
            "Our team is here Monday to Friday, 9:00 to 18:00 (CET). Outside those hours "
            "this chat still answers from the help centre, and a person replies the next "
            "business day. You can also write to support@example.com."
        ),
        body=("Phone support (+1 555 0100) is for Team plan customers.",),
        questions=(
            "when are you open",
            "opening hours",
            "phone number",
            "email address",
            "weekend",
        ),
    ),
)

# Words that say nothing about the topic; a query made only of them matches no page.
_STOP_WORDS = """
    a an and are as at be by can could do does did for from have has how i if in is it
    its me my of on or our please so that the their them then there this to us was we
    what when where which who why will with would you your hi hello hey thanks thank
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    """``text``'s words, lowercased, without stop words, with their endings cut crudely
    ("orders", "ordered" and "ordering" are "order"), so a visitor's wording meets the
    page's."""
    return [stem(word) for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            # "shipped" -> "shipp" -> "ship", "cancelled" -> "cancel"
            if suffix != "s" and len(word) > 3 and word[-1] == word[-2]:
                word = word[:-1]
            break
    return word


def page_text(page: HelpPage) -> str:
    # The title and the questions count twice: they name the topic, the body details it.
    return " ".join(
        [page.title, page.title, page.answer, *page.body, *page.questions, *page.questions]
    )


@functools.cache
def _index() -> BM25Okapi:
    return BM25Okapi([tokens(page_text(page)) for page in PAGES])


#: The lowest BM25 score that counts as an answer (below: the bot says it does not know).
MIN_SCORE = 1.0


@dataclass(frozen=True)
class Hit:
    page: HelpPage
    score: float


def search(text: str) -> list[Hit]:
    """The pages matching ``text``, best first (scores at least :data:`MIN_SCORE`)."""
    query = tokens(text)
    if not query:
        return []
    scores = _index().get_scores(query)
    hits = [Hit(page, float(score)) for page, score in zip(PAGES, scores, strict=True)]
    return sorted((h for h in hits if h.score >= MIN_SCORE), key=lambda h: -h.score)


def find_page(slug: str) -> HelpPage | None:
    return next((page for page in PAGES if page.slug == slug), None)
