"""The batch stage: many articles, one fsynced JSONL record each, resumable.

    runner.py       run_batch(): a resumable batch of files into one JSONL file
    stream.py       stream(): text workers ahead of up to --concurrency model calls
    records.py      the record (one JSON line per article), the fsynced writer, resume
    distributed.py  the same over a Ray cluster (`pip install summarizer[ray]`)
"""
