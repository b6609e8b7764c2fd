"""Generic rules for any site: page furniture that no article sentence looks like.

CONSERVATIVE by design. Every pattern must match a *whole* line (paragraph), and each is
either a button/heading label (a few words, no sentence) or a promo formula long and
specific enough that an article *about* subscriptions, donations, newsletters or cookies
does not contain it as a paragraph of its own. Mid-sentence mentions are never touched.
Runs of headline lines with timestamps ("Latest news" lists) are removed only when at
least three such lines follow each other.
"""
from __future__ import annotations

import re

from cleaners.base import SiteCleaner, cut_between, drop, move_to_metadata
from cleaners.document import CleanDocument, Removal

__all__ = ["GenericRules", "apply_generic"]

_SOCIAL = r"(?:Facebook|X|Twitter|LinkedIn|WhatsApp|Email|E-mail|Reddit|Pinterest|Bluesky|Threads)"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*"


class GenericRules(SiteCleaner):
    """The rule set applied after every site cleaner (and alone for unknown sites)."""

    name = "generic"
    cut_between = (
        cut_between(  # appeal box: heading + "Support Now" button, bounded by its sign-off; seeds/003
            # anchored: the heading starts a line and is followed by the box's own button or
            # a break, so an article quoting the appeal mid-sentence keeps its prose
            "donation_box", start=r"^Your support helps us to tell the story(?=\s*(?:$|Read more|Support Now))",
            end=r"Your support makes all the difference\.(?:\s*Read more)?", kind="donation",
            max_chars=2000),
        cut_between(  # a paywall box from its "subscribe to read" line to its "already a
            # subscriber? log in" line, offers in between (eval: haitiantimes); both ends must be
            # there within 3000 characters, so an article about paywalls keeps its prose
            "paywall_box",
            start=r"^To (?:view|read|continue reading) (?:the|this) (?:full |whole |rest of the )?"
                  r"(?:story|article)[^\n]{0,20}, (?:please )?subscribe",
            end=r"already a subscriber[^\n]{0,160}", kind="paywall", max_chars=3000),
    )
    metadata_lines = (
        # a source credit on its own line in capitals: "BVINEWS.COM" (eval: thestkittsnevisobserver)
        move_to_metadata("source_domain", r"^(?P<value>[A-Z0-9][A-Z0-9-]{1,40}\.(?:COM|NET|ORG|CO\.UK|IE))$",
                         field="source_byline"),
    )
    drop_paragraphs = (
        # paywall / registration prompts; seeds/002 (Iconic), common wall wording
        drop("paywall_prompt", r"To continue reading this article(?: for FREE)?,?"
             r"|please (?:subscribe and support local journalism|kindly register and/or log in)[.!]?"
             r"|Subscribing will allow you access to all of our premium content and archived articles\."
             r"|Registration is absolutely 100% FREE and will help us personalise your experience.*"
             r"|Already (?:a subscriber|have an account)\?(?: (?:Log|Sign) in\.?)?"
             r"|(?:Subscribe|Register|Sign in|Log in|Login|Register / Login|Log in / Register)",
             kind="paywall"),
        # donation buttons: labels only; an article about donating keeps its sentences
        drop("donation_button", r"(?:Support Now|Donate(?: now)?|Make a donation|Support us)",
             kind="donation"),
        # newsletter / e-paper promos; seeds/002, independent.co.uk (sites.md §2c)
        drop("newsletter_promo",
             r"(?:Sign up (?:to|for) (?:our|the) (?:free )?[\w' -]{0,40}(?:newsletter|emails?)s?"
             r"(?: here)?[.!]?)"
             r"|Keep up with the latest news from .{1,80} with our (?:daily|weekly) newsletter.*"
             r"|Buy the e-paper of the .{1,200} here for instant access to .{1,200}"
             r"|I would like to be emailed about offers, events and updates from .{1,80}"
             # a newsletter box's pitch (eval: nature.com briefing box)
             r"|.{0,160}\bdelivered (?:straight |directly )?to your inbox\b.{0,80}",
             kind="promo"),
        # cookie banners: button labels and GOV.UK's banner sentences (sites.md §1a)
        drop("cookie_notice",
             r"(?:Accept|Reject) (?:all |additional |analytics )?cookies|Cookies on GOV\.UK"
             r"|Hide cookie message|View cookies|Cookie (?:settings|preferences)"
             r"|We use some essential cookies to make this (?:website|service) work\."
             r"|We(?:’|')d like to set additional cookies to understand how you use .{1,60}"
             r"|We also use cookies set by other sites to help us deliver content from their services\."
             r"|You(?:’|')ve (?:accepted|rejected) additional cookies\..*",
             kind="cookie"),
        # share / print links (sites.md §1a share links, §2b "|Printable version")
        drop("share_print",
             rf"Share (?:this (?:page|article|story)|on {_SOCIAL})(?: \(opens in new tab\))?"
             rf"|{_SOCIAL}|The following links open in a new tab|Copy link|\|?Print(?:able version"
             r"| this page| this article)?|Skip to (?:main )?content",
             kind="share"),
        # end-of-article sign-offs: follow/subscribe/app prompts, letters-page calls, each a
        # formula no reported sentence has as a whole paragraph (eval: jamaica-gleaner,
        # nationnews, diem25, corkbeo, mercurynews, haitiantimes, wordsmith)
        drop("signoff_prompt",
             rf"Follow (?:us|[\w.' -]{{1,60}}) on (?:{_SOCIAL}|Instagram|YouTube|TikTok)\b.{{0,300}}"
             r"|(?:Subscribe|Sign up) (?:now |today )?(?:to|for) (?:our|the) .{1,60} (?:for|to read) the "
             r"(?:full|whole|rest of the) (?:story|article)[.!]?"
             r"|For the latest (?:stories|news|updates).{0,60} download (?:the|our) .{1,60} apps?\b.{0,60}"
             r"|.{0,80}\bsign(?:ing)? up (?:to|for) our (?:free )?[\w' -]{0,40}newsletters?\b.{0,60}"
             r"|.{5,120}\? Sign up(?: here| now| today)? ?[.!]?"
             r"|(?:We want to hear what you think about this article|Submit (?:your|a) letter to the editor)"
             r".{0,160}"
             r"|To (?:view|read|continue reading) the (?:full|rest of the|whole) (?:story|article), "
             r"(?:please )?subscribe\b.{0,200}"
             r"|If you(?:’|')re (?:seeing this message but you(?:’|')re )?already a subscriber.{0,160}"
             r"|\|?\s*(?:We need your help|Help us|Please support us).{0,160}\bDonate\b\s*\|?",
             kind="promo"),
        # copyright / reprint notes at the foot of a story (eval: breakingbelizenews, bettycrocker)
        drop("copyright_note",
             r"(?:©|\(c\)|Copyright)\s*(?:©\s*)?(?:\d{4}\b).{0,250}"
             r"|.{0,120}\bis the copyrighted property of\b.{0,200}",
             kind="disclaimer"),
        # affiliate disclosures as a paragraph of their own: the formula opens the line
        # (eval: thepostpartumparty "This post and the photos within it may contain affiliate
        # links. …", elavegan "As an Amazon Associate I earn from qualifying purchases.")
        drop("affiliate_disclosure",
             r"This (?:post|article|page|review|guide)(?: and [\w ]{1,40}?)? (?:may )?contains? "
             r"affiliate links\b.{0,300}"
             r"|As an Amazon Associate,? I earn from qualifying purchases\.?",
             kind="disclaimer"),
        # photo credits on a line of their own: "(Credit: Clayton Aldern / Grist)" (eval: salon)
        drop("photo_credit", r"\(?(?:Photo |Image |Picture )?Credits?: [^.]{1,80}\)?", kind="caption"),
        # post meta lines: "January 13, 2020 at 08:45 AM | categories: Python | View Comments",
        # "News date : 04/21/2022 Category : Press Releases" (eval: gregoryszorc, bahamaslocal)
        drop("post_meta",
             r".{0,120}\| ?(?:View|Leave a|No|\d+) Comments?"
             r"|(?:Posted|Published|News date|Date)\s?:.{1,40}\bCategor(?:y|ies)\s?:.{1,80}",
             kind="navigation"),
        # a date label left without its value, and "Created … Last Modified …" page footers
        # (eval: thestkittsnevisobserver "Release Date:", netbits.us)
        drop("empty_date_label",
             r"(?:Release|Publication|Published|Posted|Updated|Last Modified|Last Updated)(?: [Dd]ate)?\s?:"
             r"|.{0,80}\bCreated:? .{1,40}\bLast (?:Modified|Updated):? .{1,40}",
             kind="navigation"),
        # "Read more: <headline>" in-text promo links (eval: dw.com); a headline, no sentence
        drop("read_more_link",
             r"(?:Read more|Read also|Also read|READ MORE|RELATED|See also|MORE|Related):? ?: [^.!?]{5,150}",
             kind="latest-news"),
        # "Read more" / "Related" headings above link lists; whole-line only, so quotes stay
        drop("related_heading",
             r"(?:Read more|Related(?: (?:articles|stories|content|news|links))?|Latest news"
             r"|More (?:stories|news)|Most (?:popular|read)|You may also like|Recommended(?: for you)?)"
             r":?", kind="latest-news"),
    )


_RULES = GenericRules()

# a headline line ending in a timestamp: "UK calls out …09/10/2025 09:05:00", "… 9 October 2025"
_TIMESTAMPED = re.compile(  # a date *and* a time: prose and timelines rarely end like this
    rf"^(?![-|] ).{{8,300}}?\s*(?:\d{{1,2}}/\d{{1,2}}/\d{{4}},? \d{{1,2}}:\d{{2}}(?::\d{{2}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?"
    rf"|\d{{1,2}} {_MONTH} \d{{4}},? \d{{1,2}}:\d{{2}}(?: ?[ap]m)?)$")
_HEADLINE_RUN_MIN = 3
_HEAD_DUP_WINDOW = 4


def _drop_headline_runs(lines: list[str], removed: list[Removal]) -> list[str]:
    """Remove runs of >=3 timestamped headline lines, each optionally followed by one summary."""
    # (a timestamped line ends in a digit or "am"/"pm": prose ending in "." skips the regex)
    stamped = [i for i, ln in enumerate(lines) if len(ln) <= 320
               and (ln[-1:].isdecimal() or ln.endswith("m")) and _TIMESTAMPED.match(ln)]
    out_idx: set[int] = set()
    run: list[int] = []

    def flush() -> None:
        if len(run) >= _HEADLINE_RUN_MIN:
            last = run[-1]
            # keep a trailing summary only if the pattern had summaries (title/summary pairs)
            paired = any(b - a == 2 for a, b in zip(run, run[1:]))
            end = last + 1 if paired and last + 1 < len(lines) and len(lines[last + 1]) <= 400 \
                and not _TIMESTAMPED.match(lines[last + 1]) else last
            out_idx.update(range(run[0], end + 1))

    for i in stamped:
        if run and i - run[-1] <= 2 and (i - run[-1] == 1 or len(lines[i - 1]) <= 400):
            run.append(i)
        else:
            flush()
            run = [i]
    flush()
    if not out_idx:
        return lines
    block: list[str] = []
    kept: list[str] = []
    for i, ln in enumerate(lines):
        if i in out_idx:
            block.append(ln)
            continue
        if block:
            removed.append(Removal("generic.headline_list", "latest-news", "\n".join(block)))
            block = []
        kept.append(ln)
    if block:
        removed.append(Removal("generic.headline_list", "latest-news", "\n".join(block)))
    return kept


def _drop_head_duplicates(lines: list[str], removed: list[Removal]) -> list[str]:
    """A title printed twice at the top (h1 + share title) is one title; seeds/002."""
    out: list[str] = []
    for i, ln in enumerate(lines):
        if i < _HEAD_DUP_WINDOW and out and ln == out[-1]:
            removed.append(Removal("generic.duplicate_title", "duplicate", ln))
            continue
        out.append(ln)
    return out


_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_MIXED_WORDS_MIN = 3


def _drop_homoglyph_lines(lines: list[str], removed: list[Removal]) -> list[str]:
    """Lines whose words mix Latin and Cyrillic letters ("Аdvеrtіѕе wіth uѕ") are ad copy
    disguised from filters; no language writes words that way (eval: breakingbelizenews)."""
    out = []
    for ln in lines:
        if not ln.isascii() and _CYRILLIC.search(ln) and sum(
                1 for w in ln.split() if _LATIN.search(w) and _CYRILLIC.search(w)) >= _MIXED_WORDS_MIN:
            removed.append(Removal("generic.homoglyph_text", "promo", ln))
        else:
            out.append(ln)
    return out


def apply_generic(text: str, doc: CleanDocument) -> str:
    """Apply the generic rules to rule-model text (lines joined by ``\\n``)."""
    text = _RULES.apply_rules(text, doc)
    lines = [ln for ln in (x.strip() for x in text.split("\n")) if ln]
    lines = _drop_homoglyph_lines(lines, doc.removed)
    lines = _drop_headline_runs(lines, doc.removed)
    lines = _drop_head_duplicates(lines, doc.removed)
    return "\n".join(lines)
