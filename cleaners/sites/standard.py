"""The Standard / Evening Standard (standard.co.uk): PA wire copies on the Independent's ESI CMS.

Same platform as The Independent (sites.md §2e): it extends the shared ESI rules
(``cleaners/sites/shared/esi.py``) and adds the
Standard's registration wall (``#piano-reg-wall``, ``#reg-wall*`` name/birth-year form),
the viafoura comments box ("There are no comments yet", "Be part of the conversation"),
the "This is London Magazine" promo, ``#trendingSidebar`` and ``#next-article-element``.
PA bylines such as "PA Political Staff" are authors (JSON-LD/author link), not junk.
"""
from __future__ import annotations

from cleaners.base import drop, prune, register
from cleaners.sites.shared.esi import EsiCleaner


@register("standard.co.uk")
class StandardCleaner(EsiCleaner):
    outlet = "The Standard"
    # trafilatura eval (standard.co.uk.caribbean) names these as junk; comments box + promo
    text_signatures = (r"^(?:There are no comments yet|Be part of the conversation)$",
                       r"^This is London Magazine$")
    prune_xpath = EsiCleaner.prune_xpath + (
        prune("reg_wall", "//*[@id='piano-reg-wall'] | //*[starts-with(@id,'reg-wall')"
              " and not(ancestor::*[starts-with(@id,'reg-wall')])]",
              kind="paywall"),  # "Register to continue reading" name/birth-year form; §2e
        prune("trending", "//*[@id='trendingSidebar']", kind="latest-news"),  # "Trending"; §2e
        prune("next_article", "//*[@id='next-article-element']", kind="latest-news"),  # "Up next"; §2e
        prune("london_magazine", "//*[(self::h2 or self::h3) and normalize-space()='This is London"
              " Magazine']/..", kind="promo"),  # magazine promo box, found by its exact heading; §2e
    )
    drop_paragraphs = EsiCleaner.drop_paragraphs + (
        drop("comments_box",  # viafoura box; trafilatura eval standard.co.uk.caribbean, §2e
             r"(?:There are no comments yet|Be part of the conversation|Post comment)", kind="promo"),
        drop("london_magazine", r"This is London Magazine", kind="promo"),  # bare heading only; §2e
        drop("reg_wall_text",  # wall form labels; §2e. Whole lines, so prose quoting them stays
             r"(?:Register to continue reading|It(?:’|')s free and only takes a minute"
             r"|First name|Last name|Year of birth)", kind="paywall"),
    )
