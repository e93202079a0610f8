"""The README runs: every Python block and every `summarize` command in its code blocks.

Where a model would answer, a FakeBackend answers with the seed article's reference
(evals/references/csto_minsk_summit.yaml): what a perfect model would say. So the values
the README shows in comments (`expr  # value`), offsets included, are checked against
what the code computes from the article, and cannot go stale.

Paths to ../shared (research-only data, never in the repo) are replaced by small local
stand-ins: `../shared/corpus/bbc` by a folder of two articles, `../shared/dev` by the
repo's own `evals/`.
"""

from __future__ import annotations

import ast
import re
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.backends import FakeBackend, use_backend
from summarizer.schemas import Brief

from .conftest import ROOT, SEED

README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
STAND_INS = {"../shared/corpus/bbc": "news", "../shared/dev": "evals"}


def blocks(lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(README.read_text(encoding="utf-8"))
            if kind == lang]


def reference_brief() -> Brief:
    ref = yaml.safe_load((ROOT / "evals/references/csto_minsk_summit.yaml").read_text())
    return Brief.model_validate(ref)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder with the files the README's examples name, and a model that answers."""
    text = SEED.read_text(encoding="utf-8")
    (tmp_path / "article.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("Minsk", "Minsk city"), encoding="utf-8")
    body = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    (tmp_path / "article.html").write_text(
        f"<html><head><title>CSTO</title></head><body><article>{body}</article></body></html>",
        encoding="utf-8")
    for folder in ("news",):
        (tmp_path / folder).mkdir()
        shutil.copy(SEED, tmp_path / folder / "one.txt")
        shutil.copy(SEED, tmp_path / folder / "two.txt")
    (tmp_path / "evals").symlink_to(ROOT / "evals")
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: True)  # `--open`: no browser here
    monkeypatch.chdir(tmp_path)
    with use_backend(FakeBackend(answer=reference_brief())):
        yield tmp_path


def _checks(source: str) -> list[tuple[str, str, int]]:
    """(expression, shown value, line) for each `expr  # value` line of a block."""
    out = []
    for lineno, line in enumerate(source.splitlines(), 1):
        code, sep, comment = line.partition("  #")
        comment = comment.strip()
        if not sep or not code.strip() or "=" in code.split("(")[0]:
            continue
        try:
            ast.parse(code.strip(), mode="eval")
        except SyntaxError:
            continue
        if re.match(r"^[\w.]+\(|^[-\d'\"]", comment):  # a value, not prose
            out.append((code.strip(), comment, lineno))
    return out


def _shown_matches(value: Any, shown: str) -> bool:
    """`shown` is repr(value), or its beginning when it ends in "...)" or "…"."""
    text = repr(value)
    shown = shown.strip()
    for cut in (", ...)", "...)", " …", "…"):
        if shown.endswith(cut):
            return text.startswith(shown[: -len(cut)])
    return text == shown


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_each_python_block_runs_and_shows_true_values(workdir: Path, index: int) -> None:
    source = blocks("python")[index]
    namespace: dict[str, Any] = {}
    exec(compile(source, f"README.md python block {index + 1}", "exec"), namespace)
    for expr, shown, lineno in _checks(source):
        value = eval(expr, namespace)
        assert _shown_matches(value, shown), f"line {lineno}: {expr} is {value!r}, " \
            f"the README says {shown}"


COMMAND = re.compile(r"(?:^|&&\s*|\|\s*)(?:\.venv/bin/)?(summarize(?:\s.*)?)$")


def commands() -> list[str]:
    """Each `summarize ...` command line of the README's bash blocks (stdin named)."""
    found = []
    for body in blocks("bash"):
        for line in body.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            match = COMMAND.search(line)
            if match is None:
                continue
            command = match.group(1)
            if command.startswith("summarize serve"):
                continue  # serves until interrupted; tests/test_serve*.py drive it
            if "| summarize" in line or re.search(r"\|\s*(\.venv/bin/)?summarize", line):
                command += " < article.txt"  # `curl ... | summarize -`: an article on stdin
            found.append(command)
    return found


def _argv(command: str) -> tuple[list[str], str | None, str | None]:
    for path, stand_in in STAND_INS.items():
        command = command.replace(path, stand_in)
    words = shlex.split(command)[1:]
    stdin = stdout = None
    if "<" in words:
        stdin = words[words.index("<") + 1]
        words = words[: words.index("<")]
    if ">" in words:
        stdout = words[words.index(">") + 1]
        words = words[: words.index(">")]
    return words, stdin, stdout


def test_the_readme_shows_commands() -> None:
    assert len(commands()) >= 14


def test_every_command_of_the_readme_runs(workdir: Path) -> None:
    from summarizer.cli import app

    runner = CliRunner()
    runs = workdir / "runs" / "eval"
    # `eval compare` and `eval rescore` need runs A and B: make them the README's way.
    for name in ("A", "B"):
        result = runner.invoke(app, ["eval", "evals/", "--out", str(runs / name)])
        assert result.exit_code == 0, result.output
    failures = []
    for command in commands():
        words, stdin, stdout = _argv(command)
        text = Path(stdin).read_text(encoding="utf-8") if stdin else None
        result = runner.invoke(app, words, input=text)
        allowed = {0, 7} if "--fail-under" in command else {0}
        if result.exit_code not in allowed:
            failures.append(f"{command}: exit {result.exit_code}\n{result.output[-800:]}")
        elif stdout:
            Path(stdout).write_text(result.stdout, encoding="utf-8")
    assert not failures, "\n\n".join(failures)
