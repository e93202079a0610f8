"""An installed wheel finds its prompts and schemas from any working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import ROOT


def test_the_wheel_carries_prompts_and_schemas(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(ROOT)], check=True)
    wheel = next((tmp_path / "dist").glob("summarizer-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())  # the `serve` page's own files
    assert {"summarizer/serve/templates/index.html", "summarizer/serve/static/app.js",
            "summarizer/serve/static/app.css"} <= names
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                    "--target", str(target), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = ("import summarizer.resources as r, summarizer.pipeline.prompts as p;"
             "print(r.data_dir('prompts')); print(len(p.template('system')))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[0].startswith(str(target)) and int(out[1]) > 100
    schema = subprocess.run([sys.executable, "-m", "summarizer", "schema", "event"],
                            cwd=elsewhere, env=env, check=True, capture_output=True, text=True)
    assert "event" in json.loads(schema.stdout)["properties"]
