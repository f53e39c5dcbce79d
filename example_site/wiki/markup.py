"""A tiny subset of Kitsune's wiki markup, enough for the demo articles to read well.

Blocks are separated by blank lines: `== Heading ==`, `* bullets`, `# numbered steps`,
anything else is a paragraph. Text is escaped; bare URLs become links.
"""

import re

from django.utils.html import format_html, format_html_join, urlize
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(=+)\s*(.+?)\s*=*$")


def _inline(text: str) -> SafeString:
    return mark_safe(urlize(text, autoescape=True))


def _block(block: str) -> SafeString:
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if len(lines) == 1 and (heading := _HEADING.match(lines[0])):
        level = min(len(heading[1]) + 1, 4)
        return format_html("<h{0}>{1}</h{0}>", level, _inline(heading[2]))
    for marker, tag in (("*", "ul"), ("#", "ol")):
        if all(line.startswith(marker) for line in lines):
            items = format_html_join(
                "", "<li>{}</li>", ((_inline(line[1:].strip()),) for line in lines)
            )
            return format_html("<{0}>{1}</{0}>", tag, items)
    return format_html("<p>{}</p>", _inline(" ".join(lines)))


def render(content: str) -> SafeString:
    """Render revision content to safe HTML."""
    blocks = re.split(r"\n\s*\n", content.strip())
    return mark_safe("\n".join(_block(block) for block in blocks if block.strip()))
