"""A backend for server tests that answers any request.

`AutoFake` sits at our own backend seam (a FakeBackend): for each call it answers with the
first choices the per-article response model allows (its enums are the candidates code
found in the text), so it works for every schema and every article without scripting.
With `small=True` the pipeline treats it as it treats the embedded SmolLM2: what it shows
comes from the article's own words (today without any model call); tests that need calls
that take time set `small = False` and `delay`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel

from summarizer.backends import CallResult, FakeBackend


def pick(schema: dict[str, Any]) -> Any:
    """A valid answer for a pydantic JSON Schema: the first choices, up to 3 per list."""
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return resolve(defs[node["$ref"].split("/")[-1]]) if "$ref" in node else node

    def value(node: dict[str, Any]) -> Any:
        node = resolve(node)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return node["enum"][0]
        if "anyOf" in node:
            options = [n for n in node["anyOf"] if n.get("type") != "null"]
            return value(options[0]) if options else None
        kind = node.get("type")
        if kind == "object":
            return {k: value(v) for k, v in node.get("properties", {}).items()}
        if kind == "array":
            item = resolve(node["items"])
            most = min(node.get("maxItems", 3), 3)
            if "enum" in item:
                return item["enum"][:most]
            if "const" in item:
                return [item["const"]]
            return [value(item)]
        if kind == "string":
            return "x"
        return None

    return value(schema)


class AutoFake(FakeBackend):
    """Answers every call from the response model; `delay` seconds per call."""

    delay: float = 0.0

    async def complete(self, messages: list[dict[str, str]], response_model: type[BaseModel],
                       *, max_tokens: int) -> CallResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.queue.append(lambda _m, model: pick(model.model_json_schema()))
        return await super().complete(messages, response_model, max_tokens=max_tokens)
