"""The ESI CMS shared by The Independent and the Evening Standard (sites.md §2c, §2e).

Rules both outlets need live here, as fundus keeps ``publishers/shared/``; each outlet's file
(``cleaners/sites/independent.py``, ``standard.py``) subclasses :class:`EsiCleaner` and adds
only its own rules, so no site file imports another site's file.

Layout of the Independent (the Standard's is the same):

Body = ``div#main > p`` under ``header#articleHeader`` (sites.md §2c). Strips the donation
appeal ("Your support helps us to tell the story" … "Your support makes all the
difference." + "Read more"/"Support Now"), the Newsletter component, "Log in / Register",
"More about" topics, comments, sidebar rails, ad/taboola slots, "open image in gallery" and
``#piano-register-wall``. A capture's " date 2025-10-08" prefix (seeds/003) and the "This
is a breaking new story - more to follow" note go to metadata. Classes are unstable ``sc-``
hashes, so DOM rules key on ids and ``data-component``.
"""
from __future__ import annotations

from typing import ClassVar

from lxml.html import HtmlElement

from cleaners.base import DropRule, SiteCleaner, cut_between, drop, move_to_metadata, prune
from cleaners.document import CleanDocument

_APPEAL_HEAD = "Your support helps us to tell the story"


class EsiCleaner(SiteCleaner):
    """Not registered: an outlet file subclasses it with ``@register`` and its ``outlet``."""

    text_signatures: ClassVar[tuple[str, ...]] = (rf"^(?:date \d{{4}}-\d{{2}}-\d{{2}} )?{_APPEAL_HEAD}\s+Read more",)  # seeds/003
    prune_xpath: ClassVar[tuple[str, ...]] = (
        # donation appeal box: a div (never a body <p>) right in #main headed by the appeal; §2c
        prune("donation_box", f"//div[@id='main']/div[.//*[normalize-space()='{_APPEAL_HEAD}']]",
              kind="donation"),
        prune("newsletter", "//*[@data-component='Newsletter']", kind="promo"),  # "Sign up to our free breaking news emails"
        prune("register_login", "//*[@data-component='RegisterLoginButton' or @data-component='LoginDrawer']",
              kind="paywall"),  # "Log in / Register" in the masthead; §2c
        prune("register_wall", "//*[@id='piano-register-wall']", kind="paywall"),  # Piano wall slot; §2c
        prune("byline_date", "//header[@id='articleHeader']//*[@id='article-published-date']",
              kind="metadata-moved"),  # "Friday 22 November 2024 08:49 GMT"; JSON-LD has the date
        prune("breadcrumb", "//header[@id='articleHeader']//nav"),  # "News > World"; real page
        prune("share", "//*[@data-component='SocialShareButtons'] | //figure//button",
              kind="share"),  # bookmark/share buttons; "open image in gallery" (§2c page text)
        prune("ads", "//*[@data-mpu] | //*[@data-mpu1] | //div[contains(@class,'teads')]"
              " | //*[@id='article-im-prompt'] | //*[@id='partners'] | //*[starts-with(@id,'taboola-')]",
              kind="promo"),  # ad slots, taboola mid/below/right rail; real page
        prune("topics", "//nav[contains(concat(' ', @class, ' '), ' topics ')]"),  # "More about <topics>"
        prune("comments", "//*[contains(concat(' ', @class, ' '), ' show-comments ')] | //*[@id='comments']",
              kind="promo"),  # "Join our commenting forum"; real page
        prune("sidebar", "//aside[contains(concat(' ', @class, ' '), ' sidebar ')]",
              kind="latest-news"),  # "Most Popular", "Popular videos", "Indy100 Trending"
    )
    metadata_lines = (
        move_to_metadata(  # " date 2025-10-08" before the appeal in a text capture; seeds/003 line 1
            "capture_date", r"\A(?P<line>date (?P<value>\d{4}-\d{2}-\d{2})\b ?)", field="dateline"),
        move_to_metadata(  # "This is a breaking new story - more to follow"; real page, last <p>
            "breaking_note", r"^(?P<value>This is a (?:breaking|developing) (?:new |news )?story"
            r"\W+more to follow\.?)$", field="story_note"),  # whole line only: prose keeps such words
    )
    cut_between = (
        cut_between(  # donation appeal, heading to sign-off (+ "Read more"); seeds/003, §2c.
            # Safe: starts only at a line start with the bare heading followed by its button
            # labels or a break, so an article quoting either sentence keeps its paragraphs.
            "donation_appeal", start=rf"^{_APPEAL_HEAD}(?=\s*(?:$|Read more|Support Now))",
            end=r"Your support makes all the difference\.(?:[ \t]*Read more)?", kind="donation",
            max_chars=2000),
    )
    drop_paragraphs: ClassVar[tuple[DropRule, ...]] = (
        drop("newsletter_text",  # Newsletter hydrate texts; real page (labels, not sentences)
             r"(?:For free real time breaking news alerts sent straight to your inbox sign up to our"
             r" breaking news emails|Sign up to our free breaking news emails|SIGN UP"
             r"|I would like to be emailed about offers, events and updates from The Independent\."
             r"(?: Read our privacy policy)?)", kind="promo"),
        drop("comments_text",  # .show-comments box; real page. Whole lines only.
             r"(?:Join our commenting forum|Join thought-provoking conversations, follow other"
             r" Independent readers and see their replies|Comments)", kind="promo"),
        drop("furniture",  # labels: "More about" topics heading, gallery button, sidebar heads; §2c
             r"(?:More about|open image in gallery|Most Popular|Popular videos|Indy100 Trending"
             r"|Log in / Register|Support Now|Read more)", kind="navigation"),
    )

    def page_metadata(self, tree: HtmlElement, doc: CleanDocument) -> None:
        """Headline and standfirst sit in ``header#articleHeader``, outside ``div#main``, and
        trafilatura keeps them on some pages only: move them to the top of the body so every
        page reads title, standfirst, body. The visible h1 (not og:title) is the title."""
        head = "//header[@id='articleHeader']"
        h1 = tree.xpath(f"{head}//h1")
        main = tree.xpath("//div[@id='main']")
        if not h1 or not main:
            return
        doc.title = " ".join(h1[0].text_content().split()) or doc.title
        standfirst = tree.xpath(f"({head}//h2/p | {head}//h1/following-sibling::p)[1]")
        for i, node in enumerate([h1[0], *standfirst]):
            node.tail = None
            main[0].insert(i, node)
