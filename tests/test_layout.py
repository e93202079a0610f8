"""The layout a reader meets: stages import only the stages below them, and the README's
tree names every module there is."""

from __future__ import annotations

import logging
import re

from importlinter.cli import lint_imports

from .conftest import ROOT


def test_stages_import_only_the_stages_below_them(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # the layers are declared in pyproject.toml ([tool.importlinter])
    # lint_imports configures logging with dictConfig, which disables every logger that
    # exists already (summarizer.runlog's warnings would vanish from later tests).
    enabled = [logger for logger in logging.root.manager.loggerDict.values()
               if isinstance(logger, logging.Logger) and not logger.disabled]
    try:
        assert lint_imports(no_cache=True) == 0
    finally:
        for logger in enabled:
            logger.disabled = False


def test_the_readme_tree_names_every_module() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Development"):]
    start = section.index("```\n") + 4
    tree = section[start:section.index("```\n", start)]
    package = ROOT / "summarizer"
    words = set(re.findall(r"\w+", tree))
    missing = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
               if path.stem not in ("__init__", "__main__") and path.stem not in words]
    folders = [f"{d.name}/" for d in package.iterdir()
               if (d / "__init__.py").exists() and f"{d.name}/" not in tree]
    assert not missing and not folders, (missing, folders)
