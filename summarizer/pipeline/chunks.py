"""Long articles: split into overlapping chunks at paragraph breaks, never truncated.

Each chunk is extracted with the candidates inside it; each part then merges its chunks'
values (`Part.merge`: people by normalised name, quotes by span, the event from the lead).
"""

from __future__ import annotations

__all__ = ["plan_chunks"]


def plan_chunks(text: str, max_chars: int, overlap_paragraphs: int = 1) -> list[tuple[int, int]]:
    """Split `text` into [start, end) spans of at most ~max_chars, at paragraph breaks.

    Consecutive chunks share `overlap_paragraphs` paragraphs so that a quote or a name at a
    boundary is whole in at least one chunk. A paragraph longer than `max_chars` is split
    at sentence ends, then hard.
    """
    if len(text) <= max_chars:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if (ch == "\n" and i + 1 < len(text) and text[i + 1] == "\n") or i == len(text) - 1:
            pieces.append((start, i + 1))
            start = i + 1
    units: list[tuple[int, int]] = []
    for s, e in pieces:
        while e - s > max_chars:
            cut = text.rfind(". ", s, s + max_chars)
            cut = cut + 2 if cut > s else s + max_chars
            units.append((s, cut))
            s = cut
        units.append((s, e))
    chunks: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and units[j + 1][1] - units[i][0] <= max_chars:
            j += 1
        chunks.append((units[i][0], units[j][1]))
        if j + 1 >= len(units):
            break
        i = max(j + 1 - overlap_paragraphs, i + 1)
    return chunks
