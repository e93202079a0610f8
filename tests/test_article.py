"""Reading articles: encodings, mojibake, binary and empty input, HTML, datelines, sources."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from pathlib import Path

import pytest

from summarizer.article import expand_sources, from_text, read_article
from summarizer.errors import EmptyInputError, InputError, UnreadableInputError
from summarizer.text.dates import find_dateline

SEED = Path(__file__).resolve().parents[1] / "evals" / "articles" / "csto_minsk_summit.txt"
BODY = ("Leaders from five countries met in the capital on Thursday for a summit that one ally "
        "skipped. “We are not going,” the prime minister said — the decision was final.")

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Leaders meet in Minsk | Example News</title>
<meta property="article:published_time" content="2023-11-24T10:32:00Z">
<meta property="og:title" content="Leaders meet in Minsk">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<header><div class="menu">Subscribe now for unlimited access</div></header>
<article><h1>Leaders meet in Minsk</h1>
<p>Leaders from five countries met in the capital on Thursday for a summit that was skipped
by one ally.</p>
<p>“We are not going,” the prime minister said — adding that the decision was final. The talks
lasted several hours and ended with a joint declaration on security.</p>
<p>Fran&ccedil;ois Dupont, a spokesman, said the meeting was “productive”.</p>
</article>
<div class="comments"><h3>Comments</h3><p>Great article! Visit my site.</p></div>
<footer><p>© 2023 Example News. All rights reserved. Privacy policy.</p></footer>
</body></html>
"""


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- encodings and cleaning -------------------------------------------------------------


def test_utf8_file_keeps_curly_quotes_and_dashes_exactly(tmp_path: Path) -> None:
    text = "Minister says ‘no’\n\n“We won’t go,” she said — firmly… ﬁnal, ＡＢ.\n"
    article = read_article(write(tmp_path, "quotes.txt", text.encode("utf-8")))
    assert article.text == text
    assert article.id == "quotes"
    assert article.source == str(tmp_path / "quotes.txt")


def test_utf16_with_bom(tmp_path: Path) -> None:
    text = "François Hollande said “yes” — twice."
    article = read_article(write(tmp_path, "u16.txt", text.encode("utf-16")))
    assert article.text == text


def test_utf8_bom_is_not_part_of_the_text(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "bom.txt", "\ufeffHello world.".encode()))
    assert article.text == "Hello world."


def test_cp1252_bytes_are_decoded(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "legacy.txt", b"Fran\xe7ois said \x93yes\x94."))
    assert article.text == "François said “yes”."


def test_cyrillic_legacy_encoding_is_not_read_as_latin(tmp_path: Path) -> None:
    text = "Москва сегодня — встреча лидеров"
    article = read_article(write(tmp_path, "ru.txt", text.encode("cp1251")))
    assert article.text == text


def test_mojibake_is_repaired_but_quotes_stay_curly() -> None:
    article = from_text("FranÃ§ois said “we will not go” — and left.")
    assert article.text == "François said “we will not go” — and left."


def test_windows_and_old_mac_newlines_become_newlines() -> None:
    assert from_text("Line one.\r\nLine two.\rLine three.").text == (
        "Line one.\nLine two.\nLine three."
    )


def test_from_text_id_is_stable_and_content_based() -> None:
    first = from_text("The same article.")
    assert first.id == from_text("The same article.").id == "text-" + first.sha256[:8]
    assert from_text("Another article.").id != first.id
    assert from_text("x y z", id="mine").id == "mine"


# --- unreadable, binary, empty ------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="no such file") as info:
        read_article(tmp_path / "nope.txt")
    assert info.value.hint
    assert info.value.exit_code == 3


def test_directory_is_not_an_article(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="directory"):
        read_article(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", b"text")
    path.chmod(0)
    with pytest.raises(UnreadableInputError, match="permission denied"):
        read_article(path)


@pytest.mark.parametrize(
    ("data", "kind", "hint"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF", "pdftotext"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG", "OCR"),
        (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "DOCX", "plain"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip", "gunzip"),
    ],
)
def test_known_binary_formats_are_named(tmp_path: Path, data: bytes, kind: str,
                                        hint: str) -> None:
    with pytest.raises(UnreadableInputError, match=kind) as info:
        read_article(write(tmp_path, "file.txt", data))
    assert hint in (info.value.hint or "")


def test_nul_bytes_mean_binary(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="binary"):
        read_article(write(tmp_path, "blob.txt", b"abc\x00\x01\x02def\x00ghi\x00\x00\xff"))


def test_control_characters_mean_binary(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="binary"):
        read_article(write(tmp_path, "blob.txt", bytes(range(1, 9)) * 50 + b"some text"))


def test_undecodable_bytes(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="encoding"):
        read_article(write(tmp_path, "noise.txt", bytes(range(128, 256)) * 4))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError, match="empty"):
        read_article(write(tmp_path, "empty.txt", b""))


def test_whitespace_only_file(tmp_path: Path) -> None:
    with pytest.raises(EmptyInputError):
        read_article(write(tmp_path, "blank.txt", b"  \n\t\r\n  \n"))
    with pytest.raises(EmptyInputError):
        from_text("\n \u00a0 \n")


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # sparse: no 20 MB written on a shared machine
        f.truncate(20_000_001)
    with pytest.raises(InputError, match="too large") as info:
        read_article(path)
    assert info.value.hint


# --- stdin ----------------------------------------------------------------------------------


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = "Published: November 24, 2023\n\nFrançois spoke.".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    article = read_article("-")
    assert article.id == "stdin"
    assert article.text.endswith("François spoke.")
    assert article.published == dt.date(2023, 11, 24)


# --- HTML -----------------------------------------------------------------------------------


def test_html_file_main_text_title_and_date(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "page.html", HTML_PAGE.encode("utf-8")))
    assert "met in the capital on Thursday" in article.text
    assert "“We are not going,” the prime minister said —" in article.text
    assert "François Dupont" in article.text
    for boilerplate in ("Subscribe", "Home", "Great article", "All rights reserved", "<p>"):
        assert boilerplate not in article.text
    assert article.title == "Leaders meet in Minsk"
    assert article.published == dt.date(2023, 11, 24)
    assert article.published_from == "html"


def test_html_is_sniffed_without_an_html_suffix() -> None:
    article = from_text(HTML_PAGE)
    assert "Subscribe" not in article.text
    assert article.published_from == "html"


def test_html_with_no_main_text(tmp_path: Path) -> None:
    page = ("<html><head><title>Menu</title></head><body><nav><ul><li><a href='/'>Home</a></li>"
            "<li><a href='/w'>World news</a></li></ul></nav></body></html>")
    with pytest.raises(EmptyInputError, match="no main article text"):
        read_article(write(tmp_path, "menu.html", page.encode()))


def test_plain_text_mentioning_a_tag_is_not_html() -> None:
    text = "Engineers argued over whether <div> elements should be used.\n\n" + BODY
    assert from_text(text).text == text


# --- publication date and title -----------------------------------------------------------


def test_seed_dateline() -> None:
    article = read_article(SEED)
    assert article.published == dt.date(2023, 11, 24)
    assert article.published_from == "dateline"
    # The dateline stays in the text: grounding offsets index into it as written.
    assert article.text.startswith(" date 2023-11-24 MINSK —")
    assert article.id == "csto_minsk_summit"


def test_published_flag_beats_the_dateline() -> None:
    article = read_article(SEED, published=dt.date(2023, 11, 25))
    assert article.published == dt.date(2023, 11, 25)
    assert article.published_from == "flag"


def test_dateline_beats_html_metadata() -> None:
    page = HTML_PAGE.replace("<h1>Leaders meet in Minsk</h1>",
                             "<h1>Leaders meet in Minsk</h1><p>Published: November 25, 2023</p>")
    article = from_text(page)
    assert article.published == dt.date(2023, 11, 25)
    assert article.published_from == "dateline"


@pytest.mark.parametrize(
    "head",
    [
        "date 2023-11-24 MINSK — Leaders met.",
        "Published: November 24, 2023\n",
        "Summit ends\nPublished 24 Nov 2023 10:32 GMT\n",
        "Date: 2023-11-24\n",
        "2023-11-24\nLeaders met.",
        "Friday, November 24, 2023\nLeaders met.",
    ],
)
def test_dateline_forms(head: str) -> None:
    assert find_dateline(head + "\n" + BODY) == dt.date(2023, 11, 24)


def test_a_date_inside_a_sentence_is_not_a_dateline() -> None:
    article = from_text("The treaty was signed on November 24, 2023 in Minsk.\n\n" + BODY)
    assert article.published is None
    assert article.published_from is None


def test_headline_first_line_is_the_title() -> None:
    assert from_text("G7 backs debt relief plan\n\n" + BODY).title == "G7 backs debt relief plan"
    assert from_text(BODY).title is None


# --- sources --------------------------------------------------------------------------------


def test_expand_sources_directories_nested_and_sorted(tmp_path: Path) -> None:
    for name in ("b.txt", "a.html", "sub/c.md", "sub/deeper/d.htm", "notes.yaml", "e.text",
                 ".git/x.txt"):
        write(tmp_path, name, b"text")
    single = write(tmp_path.parent, f"{tmp_path.name}-single.txt", b"text")
    result = expand_sources([str(single), "-", str(tmp_path)])
    assert result[:2] == [str(single), "-"]
    assert [Path(p).relative_to(tmp_path).as_posix() for p in result[2:]] == [
        "a.html", "b.txt", "e.text", "sub/c.md", "sub/deeper/d.htm",
    ]


def test_expand_sources_missing_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="no such file"):
        expand_sources([str(tmp_path / "missing")])


def test_expand_sources_directory_without_articles(tmp_path: Path) -> None:
    write(tmp_path, "refs/seed.yaml", b"id: x")
    with pytest.raises(InputError, match="no article files"):
        expand_sources([str(tmp_path)])
