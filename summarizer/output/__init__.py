"""The output stage: a result as json, jsonl, yaml, markdown, html, a terminal view or a frame.

    render.py    render(result, format): the text formats of the contract
    page.py      the HTML page (one stylesheet for results, eval reports and `serve`)
    terminal.py  the rich terminal view and the status line
    frames.py    results as pandas DataFrames (optional)
    lines.py     the words all views share: the event's lines, the provenance footer
"""
