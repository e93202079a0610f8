"""The batch stage: many articles, one fsynced JSONL record each, resumable.

    runner.py       run_batch(): text workers ahead of up to --concurrency model calls
    distributed.py  the same over a Ray cluster (`pip install summarizer[ray]`)
"""
