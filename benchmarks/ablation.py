"""Does a model call earn its keep? The dev set scored three ways, per field.

    python benchmarks/ablation.py [--dev ../shared/dev] [--limit N] [--write]

(a) code:     no model; the text layer's own choice (what the embedded default does).
(b) embedded: SmolLM2-135M (the embedded default) asked to choose among the same
              candidates, as the pipeline did before (`Part.small_model_chooses`).
(c) oracle:   a perfect chooser over the candidates a capable model is offered: for each
              list it picks exactly the candidates that match the reference (a ceiling:
              what the best model could reach with these candidates), with the code's
              own roles, positions and dates where the reference's words are not among
              the choices.
Seconds per article are wall time on this machine. `--write` replaces the section of
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from results import replace_section  # benchmarks/results.py (run as a script)

from summarizer.backends import FakeBackend, get_backend
from summarizer.evaluation.dataset import DatasetItem, load_dataset
from summarizer.evaluation.matching import field_matches, quote_overlap, type_matches
from summarizer.evaluation.runner import score_records
from summarizer.parts import PARTS
from summarizer.pipeline import summarize
from summarizer.settings import Settings
from summarizer.text.names import names_match

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Ablation: does a model call earn its keep?"
FIELDS = [("participants F1", "participants.f1"), ("absentees F1", "absentees.f1"),
          ("appointments F1", "appointments.f1"), ("key quotes F1", "key_quotes.f1"),
          ("attributed quotes F1", "key_quotes.attributed_f1"),
          ("event date (refs with a date)", "event.date_accuracy_dated"),
          ("event date (both null = right)", "event.date_accuracy"),
          ("event type", "event.type_accuracy"), ("event city", "event.city_accuracy"),
          ("invented quotes", "grounding.invented_quotes"),
          ("names not in the article", "grounding.hallucinated_names")]


def _enum(model: type[BaseModel], *path: str) -> list[Any]:
    """The allowed values at a path of the response model's JSON schema."""
    schema = model.model_json_schema()
    node: Any = schema
    for key in path:
        node = node["properties"][key] if key != "items" else node["items"]
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].split("/")[-1]]
    options = node.get("anyOf", [node])
    return [v for o in options for v in o.get("enum", [])]


class Oracle:
    """Answers each part with the candidates that match the reference."""

    def __init__(self, item: DatasetItem) -> None:
        self.ref = item.reference
        self.text = item.text

    def __call__(self, messages: list[dict[str, str]], model: type[BaseModel]) -> dict[str, Any]:
        name = model.__name__
        if name == "Event":
            ev = self.ref.event
            types = _enum(model, "type")
            dates = _enum(model, "date")
            listing = messages[-1]["content"]
            date = next((d for d in dates if ev.date and f"{d} " in listing
                         and f"= {ev.date}" in listing.split(f"- {d} ", 1)[-1].split("\n")[0]),
                        None)
            pick = {k: next((v for v in _enum(model, k) if getattr(ev.location, k)
                             and field_matches(getattr(ev.location, k), v, kind="place")), None)
                    for k in ("venue", "city", "country")}
            return {"title": ev.title[:80], "type": next(
                (t for t in types if type_matches(ev.type, t)), "other"),
                "date": date, "summary": "", **pick}
        if name in ("Participants", "Absentees"):
            key = name.lower()
            refs = [r for r in getattr(self.ref, key) if r.name]
            names = [n for n in _enum(model, key, "items", "name")
                     if any(names_match(r.name, n, r.aliases) for r in refs)]
            item = {"role": None, "affiliation": None}
            if key == "absentees":
                item["reason"] = None
            return {key: [{"name": n, **item} for n in names]}
        if name == "Appointments":
            out = []
            for n in _enum(model, "appointments", "items", "person"):
                ref = next((r for r in self.ref.appointments
                            if names_match(r.person, n, r.aliases)), None)
                if ref is not None:  # the code's position is used when this one is empty
                    out.append({"person": n, "position": "", "organization": None})
            return {"appointments": out}
        if name == "KeyQuotes":
            ids = _enum(model, "key_quotes", "items", "quote")
            speakers = _enum(model, "key_quotes", "items", "speaker")
            listing = messages[-1]["content"]
            out = []
            for qid in ids:
                line = next((ln for ln in listing.splitlines() if ln.startswith(f"- {qid} ")), "")
                text = line.split('"', 1)[-1].rstrip('"').rstrip(" …")
                ref = next((r for r in self.ref.key_quotes
                            if quote_overlap(r.text, text) >= 0.6 or r.text.startswith(text)),
                           None)
                if ref is not None and len(out) < 5:
                    who = next((s for s in speakers if ref.speaker and
                                names_match(ref.speaker, s)), None)
                    out.append({"quote": qid, "speaker": who})
            return {"key_quotes": out}
        raise ValueError(name)


def run(mode: str, items: list[DatasetItem]) -> tuple[dict[str, Any], float, int]:
    records, seconds, calls = [], [], 0
    for part in PARTS.values():
        part.small_model_chooses = mode == "embedded"
    backend: Any = get_backend(Settings.from_env()) if mode == "embedded" else None
    for item in items:
        if mode == "code":
            backend = FakeBackend(small=True)
        elif mode == "oracle":
            backend = FakeBackend(small=False).enqueue(*[Oracle(item)] * 6)
        started = time.perf_counter()
        result = summarize(item.article(), "brief", backend=backend, published=item.published,
                           cache=False)
        seconds.append(time.perf_counter() - started)
        data = result.model_dump(mode="json")
        calls += data["meta"]["usage"]["calls"]
        records.append({"id": item.id, "schema": "brief", "meta": data.pop("meta"),
                        "prediction": data, "error": None, "error_type": None})
    for part in PARTS.values():
        part.small_model_chooses = False
    metrics = score_records(items, records, "brief", Path(".")).metrics
    return metrics, statistics.mean(seconds), calls


def table(results: dict[str, tuple[dict[str, Any], float, int]], n: int) -> str:
    modes = list(results)
    lines = ["| field | " + " | ".join(modes) + " |", "|---" * (len(modes) + 1) + "|"]
    for label, key in FIELDS:
        cells = []
        for m in modes:
            v = results[m][0].get(key)
            cells.append("—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("| model calls (all articles) | " +
                 " | ".join(str(results[m][2]) for m in modes) + " |")
    lines.append("| seconds per article (mean) | " +
                 " | ".join(f"{results[m][1]:.2f}" for m in modes) + " |")
    return "\n".join(lines) + f"\n\n{n} articles of the dev set, `--schema brief`."


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", default=str(ROOT.parent / "shared" / "dev"))
    ap.add_argument("--limit", type=int)
    ap.add_argument("--modes", nargs="+", default=["code", "embedded", "oracle"])
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    items = load_dataset(args.dev, limit=args.limit)
    results = {m: run(m, items) for m in args.modes}
    text = table(results, len(items))
    print(text)
    if args.write:
        command = "python benchmarks/ablation.py --write"
        replace_section(SECTION, f"{SECTION}\n\nCommand: `{command}` "
                                 f"({time.strftime('%Y-%m-%d')}, 2 shared CPU cores).\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
