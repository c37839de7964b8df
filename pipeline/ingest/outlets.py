"""Outlets: the publisher of an article, from its URL's registered domain or a title suffix.

One outlet has one name however its articles came in (a page, a text dump, a JSONL line), so
that downstream counts per outlet add up: known domains map to the outlet's usual name, others
stay as their registered domain ("example.org").
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tldextract

# Registered domain -> the name the outlet goes by. Several domains of one outlet share a name.
KNOWN_OUTLETS = {
    "themoscowtimes.com": "The Moscow Times",
    "rferl.org": "RFE/RL",
    "svoboda.org": "RFE/RL",
    "sibreal.org": "RFE/RL",
    "dw.com": "DW",
    "prachatai.com": "Prachatai",
    "meduza.io": "Meduza",
    "zona.media": "Mediazona",
    "novayagazeta.ru": "Novaya Gazeta",
    "novayagazeta.eu": "Novaya Gazeta Europe",
    "verstka.media": "Vyorstka",
    "istories.media": "iStories",
    "bbc.com": "BBC",
    "bbc.co.uk": "BBC",
    "bangkokpost.com": "Bangkok Post",
    "thaipbs.or.th": "Thai PBS",
    "matichon.co.th": "Matichon",
    "globalsecurity.org": "GlobalSecurity.org",
}

_DOMAIN = re.compile(r"\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b", re.IGNORECASE)


@cache
def _extractor() -> tldextract.TLDExtract:
    import tldextract  # here: a run with no URL does not pay its import

    # The suffix list shipped with tldextract: no download, no cache folder, works offline.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registered_domain(url: str) -> str | None:
    """'https://p.dw.com/p/4ZxFJ' -> 'dw.com'; None where there is no public suffix."""
    result = _extractor()(url)
    return result.top_domain_under_public_suffix.lower() or None


def _from_domain(domain: str) -> str:
    return KNOWN_OUTLETS.get(domain, domain)


def outlet_name(url: str | None = None, title_suffix: str | None = None, site_name: str | None = None) -> str | None:
    """The outlet: a known domain's name first, then the page's site name, the title suffix, the domain."""
    domain = registered_domain(url) if url else None
    if domain in KNOWN_OUTLETS:
        return KNOWN_OUTLETS[domain]
    if site_name and not _DOMAIN.fullmatch(site_name.strip()):
        return site_name.strip()
    if title_suffix:
        # "Prachatai Prachatai.com": a domain in the suffix names the outlet; the rest is its name.
        for match in _DOMAIN.finditer(title_suffix):
            if (found := registered_domain(match.group(0))) in KNOWN_OUTLETS:
                return _from_domain(found)
        words = _DOMAIN.sub("", title_suffix).strip(" -|–—")
        if words:
            return words
        if found := registered_domain(title_suffix.strip()):
            return found
    return domain
