"""Notices to the reader (an adblocker toast, a cookie bar) are no article text.

Blocks whose class or id says so are dropped before extraction. A notice without such markup
is found in the extracted text (NU.nl's real toast of 2016, "Beste bezoeker, Wij zien dat u een
adblocker gebruikt…", 307 characters; on a page without its article it was stored as one);
its block is then dropped and the page extracted again, which costs only such pages. Only
blocks are dropped, never ``<body>``: a site may flag the whole page with such a class.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

NOTICE_MAX_CHARS = 600  # a longer block is prose (an article about cookies keeps its text)
_BLOCK_TAGS = ("div", "section", "aside", "dialog", "p", "li", "form")
_FLAG_WORDS = ("adblock", "cookiebar", "cookie-bar", "cookie-notice", "cookie-consent")
NOTICE_TEXT = re.compile(
    r"wij zien dat u een adblocker|u gebruikt een adblocker|adblocker (?:uit|aan)zetten|"
    r"(?:deze|onze) (?:web)?site (?:maakt gebruik van|gebruikt) cookies|"
    r"we use cookies|you(?: are|'re) using an ad ?blocker",
    re.I,
)


def drop_flagged_notices(tree: HtmlElement) -> int:
    """Remove the blocks whose class or id marks a reader notice; return how many went."""
    doomed = [
        node
        for node in tree.iter(*_BLOCK_TAGS)
        if _flagged(node.get("class") or "", node.get("id") or "")
    ]
    return _drop_outermost(doomed)


def has_notice_text(text: str) -> bool:
    """Whether extracted text speaks to the reader about adblockers or cookies."""
    lowered = text.lower()  # every notice names one of these words; most pages neither
    if "blocker" not in lowered and "cookies" not in lowered:
        return False
    return NOTICE_TEXT.search(text) is not None


def drop_notice_text_blocks(tree: HtmlElement) -> int:
    """Remove the short blocks whose text is a reader notice; return how many went."""
    doomed = []
    for node in tree.xpath("//text()[normalize-space()]"):
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style") or not NOTICE_TEXT.search(node):
            continue
        block = _notice_block(parent)
        if block is not None:
            doomed.append(block)
    return _drop_outermost(doomed)


def _flagged(classes: str, ident: str) -> bool:
    marks = f"{classes} {ident}".lower()
    return any(word in marks for word in _FLAG_WORDS) or "cookie" in ident.lower()


def _notice_block(node: HtmlElement) -> HtmlElement | None:
    """The largest block around ``node`` whose text is still notice-sized, or None."""
    found = None
    for candidate in (node, *node.iterancestors()):
        if candidate.tag in ("body", "html"):
            break
        if candidate.tag in _BLOCK_TAGS:
            if len(candidate.text_content()) > NOTICE_MAX_CHARS:
                break
            found = candidate
    return found


def _drop_outermost(nodes: list[HtmlElement]) -> int:
    chosen = set(nodes)
    dropped = 0
    for node in nodes:
        if node.getparent() is not None and not any(a in chosen for a in node.iterancestors()):
            node.drop_tree()
            dropped += 1
    return dropped
