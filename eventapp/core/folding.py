"""Text folding: how search, matching and name lists compare text in any script."""

import unicodedata


def fold(text: str | None) -> str:
    """Text as search compares it: no case, no accents ("José" -> "jose"), any script."""
    if not text:
        return ""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
