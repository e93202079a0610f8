"""The pipeline stage: one article from text to a validated, grounded result.

    run.py      summarize() / asummarize(): cache, text stage, parts, model calls, meta
    chunks.py   long articles: overlapping chunks at paragraph breaks (parts merge them)
    prompts.py  the prompt templates (prompts/*.md) filled with the article as data
"""

from summarizer.pipeline.run import asummarize, plan_chunks, summarize

__all__ = ["asummarize", "plan_chunks", "summarize"]
