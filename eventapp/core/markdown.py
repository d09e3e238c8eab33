"""Rendering of organiser-written Markdown."""

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off: organisers format text, they never inject markup.
# markdown-it also refuses javascript: and similar link targets.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str | None) -> Markup:
    return _render(source or "")


@lru_cache(maxsize=4096)
def _render(source: str) -> Markup:
    # Pure function of the text: pages that show the same bios and descriptions on every
    # request skip the parsing. Edited text is a new key; old ones age out.
    return Markup(_md.render(source))  # noqa: S704 (html disabled above: output is safe)
