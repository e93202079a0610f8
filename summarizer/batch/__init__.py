"""The batch stage: many articles, one fsynced JSONL record each, resumable.

    runner.py       run_batch(): text workers ahead of up to --concurrency model calls
    records.py      the record (one JSON line per article), the fsynced writer, resume
    distributed.py  the same over a Ray cluster (`pip install summarizer[ray]`)
"""
