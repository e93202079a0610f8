"""The command line: parses arguments, calls `summarize`, prints. No pipeline logic here.

    main.py    the app, the run command (`summarize FILE`), schema, --version
    evals.py   `summarize eval` (run, rescore, compare)
    logs.py    `summarize models`, `summarize logs`
    serve.py   `summarize serve`
    common.py  the default-command group, lazy sub-apps, -h
"""

from summarizer.cli.main import app, main

__all__ = ["app", "main"]
