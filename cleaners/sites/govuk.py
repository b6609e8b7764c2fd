"""GOV.UK (www.gov.uk): press releases, news stories, speeches, government responses.

The body is ``div.gem-c-govspeak > div.govspeak`` with the ``p.gem-c-lead-paragraph``
standfirst and the ``h1`` title above it. Pruned: cookie banner, skip link, header,
breadcrumbs, the "From:/Published:" block (kept as metadata), notices, share links,
published dates, related content, the feedback survey and the footer (sites.md §1a).
"""
from __future__ import annotations

from lxml.html import HtmlElement

from cleaners.base import SiteCleaner, prune, register
from cleaners.document import CleanDocument


def _cls(name: str, tag: str = "*") -> str:
    return f"//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


@register("gov.uk")
class GovUkCleaner(SiteCleaner):
    outlet = "GOV.UK"
    prune_xpath = (
        prune("cookie_banner", _cls("gem-c-cookie-banner"), kind="cookie"),  # "Cookies on GOV.UK"
        prune("skip_link", _cls("gem-c-skip-link")),  # "Skip to main content"
        prune("header", "//header"),  # super navigation "Menu", "Search GOV.UK"
        prune("breadcrumbs", _cls("gem-c-contextual-breadcrumbs")),  # "Home > International"
        prune("format_label", _cls("gem-c-heading__context"), kind="metadata-moved"),  # "Press release"
        prune("from_published", _cls("gem-c-metadata"), kind="metadata-moved"),  # "From: … Published: …"
        prune("notice", _cls("gem-c-notice"), kind="metadata-moved"),  # "This was published under the …"
        prune("translations", _cls("gem-c-translation-nav")),  # links to other languages
        prune("lead_image", _cls("gem-c-figure")),  # lead image + caption, above the body
        prune("share_links", _cls("gem-c-share-links"), kind="share"),  # "Share this page"
        prune("print_link", _cls("gem-c-print-link"), kind="share"),  # "Print this page" (guides)
        prune("published_dates", _cls("gem-c-published-dates"), kind="metadata-moved"),  # "Published 9 …"
        prune("related", _cls("gem-c-contextual-sidebar"), kind="latest-news"),  # "Related content"
        prune("explore", _cls("gem-c-contextual-footer"), kind="latest-news"),  # "Explore the topic"
        prune("feedback", _cls("gem-c-feedback"), kind="promo"),  # "Is this page useful?" survey
        prune("footer", _cls("gem-c-layout-footer", "footer")),  # OGL licence, "© Crown copyright"
        prune("banners", _cls("gem-c-intervention") + " | " + _cls("gem-c-emergency-banner")
              + " | " + _cls("gem-c-global-banner"), kind="promo"),  # recruitment/emergency banners
    )

    def page_metadata(self, tree: HtmlElement, doc: CleanDocument) -> None:
        """govuk:* meta tags and the visible From: list are the authoritative metadata."""
        def meta(name: str) -> str | None:
            v = tree.xpath(f'//meta[@name="govuk:{name}"]/@content')
            return v[0].strip() if v and v[0].strip() else None

        def texts(xpath: str) -> list[str]:
            return [" ".join(n.text_content().split()) for n in tree.xpath(xpath)]

        doc.title = next(iter(texts("//main" + _cls("gem-c-heading__text", "h1"))), doc.title)
        doc.description = next(iter(texts(_cls("gem-c-lead-paragraph", "p"))), doc.description)
        doc.published = meta("first-published-at") or doc.published
        doc.modified = meta("public-updated-at") or doc.modified
        from_dd = _cls("gem-c-metadata") + "//dt[normalize-space()='From:']/following-sibling::dd[1]"
        orgs = texts(from_dd + "//a[not(contains(@href, '/government/people/'))]")
        people = texts(from_dd + "//a[contains(@href, '/government/people/')]")
        doc.authors = orgs + people or doc.authors
        extras: dict[str, object] = {
            "organisations": orgs, "people": people, "document_type": meta("format"),
            "format_label": next(iter(texts(_cls("gem-c-heading__context"))), None),
            "content_id": meta("content-id"), "political_status": meta("political-status"),
            "publishing_government": meta("publishing-government"),
            "withdrawn": meta("withdrawn") == "withdrawn",
            "notice": next(iter(texts(_cls("gem-c-notice") + "//*[contains(@class, 'banner__content')]")
                               or texts(_cls("gem-c-notice"))), None),
        }
        # every "term: value" of the block, e.g. speeches' "Delivered on:", "Location:"
        extras["page_details"] = {
            " ".join(dt.text_content().split()).rstrip(":"): " ".join(
                dt.getnext().text_content().split()).removesuffix(" — See all updates")
            for dt in tree.xpath(_cls("gem-c-metadata") + "//dt")
            if dt.getnext() is not None and dt.getnext().tag == "dd"}
        doc.metadata.update({k: v for k, v in extras.items() if v})
