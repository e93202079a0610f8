"""A screenshot of the `summarize serve` page with a result, in headless Chromium.

    .venv/bin/python benchmarks/screenshot_serve.py [--out serve.png] [--fake]
        [--article evals/articles/csto_minsk_summit.txt]

Starts the server on a free 127.0.0.1 port (the embedded model by default; `--fake` for a
model-free fake at the backend seam, as in the tests), pastes the article, waits for the
brief, hovers the first key quote (so its span lights up in the article) and saves a
full-page PNG. Needs Debian's chromium (installed by .ci/setup).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ helpers: the browser launcher and the fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("serve.png"))
    parser.add_argument("--article", type=Path,
                        default=ROOT / "evals" / "articles" / "csto_minsk_summit.txt")
    parser.add_argument("--fake", action="store_true", help="no model: the tests' fake")
    args = parser.parse_args()

    from summarizer.cache import Cache
    from summarizer.serve import background, create_app
    from summarizer.settings import Settings
    from tests.browser import chromium_page

    backend = None
    if args.fake:
        from tests.servehelp import AutoFake

        backend = AutoFake(small=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings.from_env(), backend=backend, cache=Cache(tmp),
                         runs_dir=ROOT / "runs" / "eval")
        with background(app) as url, chromium_page(width=1400, height=1000) as page:
            started = time.monotonic()
            page.goto(url)
            page.fill("#text", args.article.read_text(encoding="utf-8"))
            page.click("#go")
            page.wait_for_selector("#output:not([hidden])", timeout=600_000)
            print(f"result after {time.monotonic() - started:.1f} s", file=sys.stderr)
            quote = page.locator("#part-key_quotes [data-spans]").first
            if quote.count():
                quote.hover()
            page.screenshot(path=str(args.out), full_page=True)
    print(args.out)


if __name__ == "__main__":
    main()
