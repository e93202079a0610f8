"""Reading the article: files, directories, stdin, HTML, encodings, mojibake, dateline.

The text an `Article` holds is the one every later step indexes into (grounding offsets), so
cleaning is deliberately minimal: mojibake is repaired and newlines normalised, but quotes,
dashes, ligatures and the dateline stay exactly as written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import ftfy

from summarizer.errors import EmptyInputError, InputError, InputTooLarge, UnreadableInputError
from summarizer.text.dates import find_dateline

__all__ = [
    "ARTICLE_SUFFIXES",
    "MAX_BYTES",
    "Article",
    "check_size",
    "decode_bytes",
    "expand_sources",
    "from_bytes",
    "from_text",
    "looks_like_html",
    "read_article",
]

MAX_BYTES = 20_000_000
ARTICLE_SUFFIXES = frozenset({".txt", ".text", ".md", ".html", ".htm"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})


@dataclass(frozen=True)
class Article:
    """An article as the program read it. Grounding offsets index into `text`."""

    text: str
    id: str
    source: str | None = None
    published: dt.date | None = None
    published_from: str | None = None  # "flag" | "dateline" | "html" | "reference" | None
    title: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


# (magic bytes, what it is, what to do about it)
_MAGIC: list[tuple[bytes, str, str]] = [
    (b"%PDF", "a PDF document", "convert it to text first, e.g. `pdftotext article.pdf`"),
    (b"PK\x03\x04", "a ZIP archive (or a DOCX/ODT document)",
     "unpack it, or save the document as plain text (e.g. `pandoc -t plain article.docx`)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Microsoft Office document",
     "save it as plain text or HTML first"),
    (b"{\\rtf", "an RTF document", "save it as plain text first (e.g. `pandoc -t plain`)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "the summarizer reads text; run OCR first"),
    (b"\xff\xd8\xff", "a JPEG image", "the summarizer reads text; run OCR first"),
    (b"GIF8", "a GIF image", "the summarizer reads text; run OCR first"),
    (b"\x1f\x8b", "gzip-compressed data", "decompress it first, e.g. `gunzip`"),
    (b"BZh", "bzip2-compressed data", "decompress it first, e.g. `bunzip2`"),
    (b"\xfd7zXZ\x00", "xz-compressed data", "decompress it first, e.g. `unxz`"),
    (b"\x7fELF", "an executable", "pass the article's text file instead"),
]
# Longest BOMs first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: list[tuple[bytes, str]] = [
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
]
_BINARY_HINT = "pass a plain-text (.txt) or HTML (.html) article"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
# Mojibake repair only: everything that would change legitimate characters is off, because
# quotes must stay verbatim and grounding offsets index into this text.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False,
    fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    remove_control_chars=False, explain=False,
)
# Punctuation and symbols that genuinely occur in Western text read as Windows-1252. Only the
# first few may sit between two letters ("don’t", "Jean–Pierre", "1·2").
_JOINERS = "’‘–—·\u00a0"
_LATIN_PUNCT = set(_JOINERS + "“”„‚…€•«»°£¥§©®™±×÷ªº½¼¾¿¡†‡‰‹›˜ˆ¢¤¦¨¬¯´¸µ¶")
_SANDWICHED = re.compile(rf"(?<=[^\W\d_])[^\w\s{_JOINERS}'\-](?=[^\W\d_])")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM: every other byte of ASCII letters is NUL."""
    sample = data[:2000]
    if len(sample) < 8 or len(sample) % 2:
        return None
    for zeros, encoding in ((sample[1::2], "utf-16-le"), (sample[0::2], "utf-16-be")):
        if zeros.count(0) > 0.9 * len(zeros) and sample.count(0) < 0.6 * len(sample):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _plausible_latin(text: str) -> bool:
    """Whether decoded text reads like a Latin-script language rather than wrong-codepage bytes.

    Cyrillic or Greek bytes read as Windows-1252 become accented Latin letters, so those are
    told apart by how many letters are accented; Polish read as Windows-1252 puts symbols
    inside words ("Wroc³aw").
    """
    odd = [c for c in text if ord(c) > 127]
    for c in set(odd):
        if c not in _LATIN_PUNCT and not unicodedata.name(c, "").startswith("LATIN "):
            return False
    if _SANDWICHED.search(text):
        return False
    letters = sum(c.isalpha() for c in text)
    accented = sum(c.isalpha() for c in odd)
    return bool(letters) and accented / letters < 0.3


def _decode_legacy(data: bytes) -> str | None:
    """Single-byte legacy text: Windows-1252 first, as English news most often is.

    charset-normalizer guesses poorly on short texts (one accented name comes back as cp1006
    or UTF-16), so its guess only overrides a plausible Windows-1252 reading on long texts.
    """
    guess = charset_normalizer.from_bytes(data).best()
    guessed = str(guess) if guess is not None else None
    candidates: list[str] = []
    for encoding in ("cp1252", "cp1250"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible_latin(text):
            candidates.append(text)
    if candidates:
        long_text = len(data) >= 300
        if guessed is not None and long_text and _plausible_latin(guessed):
            return guessed
        return candidates[0]
    return guessed


def decode_bytes(data: bytes, *, charset_hint: str | None = None) -> str:
    """Bytes to text: BOM, strict UTF-8, a declared charset, Windows-1252, or a best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableInputError(
                    f"the file starts with a {encoding.upper()} byte-order mark but is not "
                    f"valid {encoding.upper()}",
                    hint="re-save the article as UTF-8",
                ) from exc
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text
        raise UnreadableInputError("the input looks binary (it contains NUL bytes)",
                                   hint=_BINARY_HINT)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if charset_hint:
        try:
            return data.decode(charset_hint)
        except (LookupError, UnicodeDecodeError):
            pass
    text = _decode_legacy(data)
    if text is None:
        raise UnreadableInputError(
            "the input is not text in any encoding the summarizer recognises",
            hint="re-save the article as UTF-8 text",
        )
    return text


def _check_not_binary(text: str) -> None:
    sample = text[:20_000]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise UnreadableInputError("the input looks binary (it is full of control characters)",
                                   hint=_BINARY_HINT)


def _clean(text: str) -> str:
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ftfy.fix_text(text, _FTFY)


_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_STRUCTURE_TAG = re.compile(r"<(?:body|head|div|p|article|meta)\b", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    """An HTML document (doctype or <html>) or text so dense with tags it can only be markup."""
    if _HTML_START.match(text[:2000]):
        return True
    sample = text[:20_000]
    tags = _TAG.findall(sample)
    if len(tags) < 10 or not _STRUCTURE_TAG.search(sample):
        return False
    return sum(len(t) for t in tags) > 0.15 * len(sample.strip())


def _looks_like_prose(text: str) -> bool:
    """Whether extracted HTML text has a sentence in it, not just menu links."""
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 10 or (len(words) >= 3 and line.rstrip()[-1:] in ".!?\"”’»"):
            return True
    return False


def _extract_html(html: str) -> tuple[str, str | None, dt.date | None]:
    import trafilatura  # slow to import; plain-text runs never need it

    doc = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        # Metadata only (meta tags, <time>, JSON-LD): the extensive search guesses from text.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip() or not _looks_like_prose(text):
        raise EmptyInputError("the HTML page has no main article text",
                              hint="check that the page is the article itself, not an index or "
                                   "a page that loads its text with JavaScript")
    title = getattr(doc, "title", None) or None
    published = None
    with contextlib.suppress(ValueError):  # no date, or one htmldate could only half parse
        published = dt.date.fromisoformat(str(getattr(doc, "date", None) or "")[:10])
    return text, title, published


def _headline(text: str) -> str | None:
    """The first line, when it reads as a headline: short, alone, not a sentence of prose."""
    lines = [*text.lstrip("\n").split("\n"), ""]
    first = lines[0].strip()
    if not first or len(first) > 150 or len(first.split()) > 20 or find_dateline(first):
        return None
    if first[-1] not in ".!?":
        return first
    # Some archives end headlines with a period; accept that only when the line stands
    # alone and is a single short sentence.
    alone = not lines[1].strip()
    single = re.search(r"[.!?]\s", first) is None
    return first if first[-1] == "." and alone and single and len(first.split()) <= 14 else None


def from_text(text: str, *, published: dt.date | None = None, id: str | None = None,
              source: str | None = None, html: bool | None = None) -> Article:
    """Build an `Article` from a string: the library path, and the end of `read_article`.

    `html=None` sniffs whether the text is an HTML page; True/False forces it.
    """
    title: str | None = None
    html_published: dt.date | None = None
    text = _clean(text)
    if html is None:
        html = looks_like_html(text)
    if html:
        text, title, html_published = _extract_html(text)
        text = _clean(text)
    if not text.strip():
        raise EmptyInputError(
            f"{source or 'the article text'} is empty (only whitespace)",
            hint="pass a file that holds the article's text",
        )
    published_from: str | None = None
    if published is not None:
        published_from = "flag"
    elif (dateline := find_dateline(text)) is not None:
        published, published_from = dateline, "dateline"
    elif html_published is not None:
        published, published_from = html_published, "html"
    if title is None:
        title = _headline(text)
    if id is None:
        id = "text-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return Article(text=text, id=id, source=source, published=published,
                   published_from=published_from, title=title)


def check_size(article: Article, max_chars: int) -> None:
    """Refuse an article longer than `max_chars` characters (InputTooLarge, exit 3).

    Called before any text analysis: past the limit the user gets this message at once
    instead of minutes of work (see README, "Input").
    """
    if len(article.text) > max_chars:
        raise InputTooLarge(
            f"{article.source or 'the article'} is too long: {len(article.text):,} "
            f"characters, over the limit of {max_chars:,}",
            hint="raise --max-chars (Settings.max_chars) to summarise it anyway, or pass "
                 "the article alone")


def from_bytes(data: bytes, *, published: dt.date | None = None, id: str,
               source: str | None = None, html: bool | None = None) -> Article:
    """Decode and check raw bytes (a file's or stdin's), then build the `Article`."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{source or 'the input'} is too large (over {MAX_BYTES:,} bytes)",
                         hint=f"articles up to {MAX_BYTES // 1_000_000} MB are accepted; "
                              "split the file or pass the article alone")
    if not data.strip():
        raise EmptyInputError(f"{source or 'the input'} is empty",
                              hint="pass a file that holds the article's text")
    kind = next(((what, hint) for magic, what, hint in _MAGIC if data.startswith(magic)), None)
    if kind is not None:
        raise UnreadableInputError(f"{source or 'the input'} is {kind[0]}, not text",
                                   hint=kind[1])
    charset = None
    if html or (html is None and b"<" in data[:2000]):
        declared = _META_CHARSET.search(data[:4000])
        charset = declared.group(1).decode("ascii") if declared else None
    try:
        text = decode_bytes(data, charset_hint=charset)
        _check_not_binary(text)
    except UnreadableInputError as exc:
        raise UnreadableInputError(f"{source or 'the input'}: {exc.message}",
                                   hint=exc.hint) from exc
    return from_text(text, published=published, id=id, source=source, html=html)


def read_article(source: str | Path, *, published: dt.date | None = None) -> Article:
    """Read one article from a file path, or from stdin when `source` is "-"."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        return from_bytes(data, published=published, id="stdin", source="-")
    path = Path(source)
    hint = "check the path; pass a text or HTML file, or - to read stdin"
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)  # enough to tell that it is too large
    except FileNotFoundError as exc:
        raise UnreadableInputError(f"{path}: no such file", hint=hint) from exc
    except PermissionError as exc:
        raise UnreadableInputError(f"{path}: permission denied",
                                   hint="check the file's permissions") from exc
    except IsADirectoryError as exc:
        raise UnreadableInputError(f"{path} is a directory, not an article file",
                                   hint="pass the files in it, or the directory to a "
                                        "command that takes several articles") from exc
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot be read ({exc.strerror or exc})",
                                   hint=hint) from exc
    html = True if path.suffix.lower() in _HTML_SUFFIXES else None
    return from_bytes(data, published=published, id=path.stem, source=str(path), html=html)


def expand_sources(paths: list[str]) -> list[str]:
    """Files as given, "-" as given, directories as their article files (recursive, sorted)."""
    result: list[str] = []
    seen: set[str] = set()

    def add(item: str) -> None:
        key = item if item == "-" else str(Path(item).resolve())
        if key not in seen:
            seen.add(key)
            result.append(item)

    for item in paths:
        if item == "-":
            add(item)
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.suffix.lower() in ARTICLE_SUFFIXES and p.is_file()
                # Hidden folders (.git, .cache) hold no articles.
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise InputError(f"{item} holds no article files",
                                 hint="articles are files ending in "
                                      + ", ".join(sorted(ARTICLE_SUFFIXES)))
            for p in found:
                add(str(p))
        elif path.exists():
            add(item)
        else:
            raise UnreadableInputError(f"{item}: no such file or directory",
                                       hint="check the path")
    return result
