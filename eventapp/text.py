"""Rendering of organiser-written Markdown."""

from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off: organisers format text, they never inject markup.
# markdown-it also refuses javascript: and similar link targets.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str | None) -> Markup:
    return Markup(_md.render(source or ""))  # noqa: S704 (html disabled above: output is safe)
