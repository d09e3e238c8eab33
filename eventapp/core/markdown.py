"""Rendering of organiser-written Markdown."""

from functools import cache, lru_cache

from markupsafe import Markup


@cache
def _parser():
    """CommonMark with raw HTML switched off: organisers format text, they never inject
    markup. markdown-it also refuses javascript: and similar link targets."""
    # Imported at the first text to render: every process (each command) paid its import.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str | None) -> Markup:
    return _render(source or "")


@lru_cache(maxsize=4096)
def _render(source: str) -> Markup:
    # Pure function of the text: pages that show the same bios and descriptions on every
    # request skip the parsing. Edited text is a new key; old ones age out.
    return Markup(_parser().render(source))  # noqa: S704 (html disabled above: output is safe)
