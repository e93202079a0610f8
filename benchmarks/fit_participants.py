"""Fit the participant weights (summarizer/text/weights.json) and report them cross-validated.

    python benchmarks/fit_participants.py [--dev ../shared/dev] [--folds 5] [--write]

Each person the text layer finds in a dev article is one example: its features
(`summarizer.text.event.features`) and whether the hand-labelled reference lists them as a
participant (optional references are left out of training). A logistic regression with a
small L2 penalty is fitted, and the decision threshold is the one with the best F1 on the
training articles. The figure to quote is the cross-validated one: the articles are split
into `--folds` folds; each fold's articles are summarised with weights fitted on the other
folds only, and the whole dev set is then scored by the eval harness as usual.
`--write` stores the weights fitted on all articles in weights.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from summarizer.backends import FakeBackend
from summarizer.evaluation.dataset import load_dataset
from summarizer.evaluation.runner import score_records
from summarizer.pipeline import summarize
from summarizer.text import event as ev
from summarizer.text.candidates import gather
from summarizer.text.names import names_match

ROOT = Path(__file__).resolve().parent.parent


def examples(items: list[Any]) -> dict[str, list[tuple[list[float], int]]]:
    """Per article id: (feature vector, label) for every person found in it."""
    out: dict[str, list[tuple[list[float], int]]] = {}
    for item in items:
        art = item.article()
        c = gather(art.text, art.published, art.title)
        refs = item.reference.participants
        rows = []
        for name, feats in c.features.items():
            hit = [r for r in refs if r.name and names_match(r.name, name, r.aliases)]
            if hit and all(r.optional for r in hit):
                continue
            rows.append(([feats[k] for k in ev.FEATURES], int(bool(hit))))
        out[item.id] = rows
    return out


def fit(rows: list[tuple[list[float], int]], l2: float = 5.0) -> dict[str, Any]:
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])

    def loss(w: np.ndarray) -> float:
        z = x @ w
        return float(np.sum(np.logaddexp(0, z) - y * z) + l2 * np.sum(w[1:] ** 2) / 2)

    w = minimize(loss, np.zeros(x.shape[1]), method="L-BFGS-B").x
    p = 1 / (1 + np.exp(-(x @ w)))
    best = max(np.arange(0.2, 0.8, 0.05), key=lambda t: _f1(p >= t, y))
    return {"participants": {k: round(float(v), 4) for k, v in zip(ev.FEATURES, w, strict=True)},
            "threshold": round(float(best), 2)}


def _f1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = float(np.sum(pred & (y == 1)))
    return 2 * tp / max(1.0, float(np.sum(pred)) + float(np.sum(y)))


def summarise(items: list[Any], weights: dict[str, Any] | None) -> list[dict[str, Any]]:
    records = []
    for item in items:
        if weights is None:
            result = summarize(item.article(), "brief", backend=FakeBackend(small=True),
                               published=item.published, cache=False)
        else:
            with ev.use_weights(weights):
                result = summarize(item.article(), "brief", backend=FakeBackend(small=True),
                                   published=item.published, cache=False)
        data = result.model_dump(mode="json")
        records.append({"id": item.id, "schema": "brief", "meta": data.pop("meta"),
                        "prediction": data, "error": None, "error_type": None})
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", default=str(ROOT.parent / "shared" / "dev"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args(argv)
    items = load_dataset(args.dev)
    data = examples(items)
    everything = [r for rows in data.values() for r in rows]
    weights = fit(everything)
    records: list[dict[str, Any]] = []
    for k in range(args.folds):
        held = [it for i, it in enumerate(items) if i % args.folds == k]
        train = [r for i, it in enumerate(items) if i % args.folds != k for r in data[it.id]]
        records += summarise(held, fit(train))
    cv = score_records(items, records, "brief", Path(args.dev)).metrics
    with ev.use_weights(weights):
        plain = score_records(items, summarise(items, weights), "brief", Path(args.dev)).metrics
    print(f"{len(everything)} people in {len(items)} articles, "
          f"{sum(r[1] for r in everything)} participants")
    print("weights fitted on all:", json.dumps(weights))
    for key in ("participants.precision", "participants.recall", "participants.f1"):
        print(f"{key:28} plain {plain[key]:.3f}   {args.folds}-fold CV {cv[key]:.3f}")
    if args.write:
        weights["fitted"] = (f"benchmarks/fit_participants.py on {len(items)} dev articles; "
                             f"{args.folds}-fold CV participants F1 {cv['participants.f1']:.3f}")
        ev.WEIGHTS.write_text(json.dumps(weights, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
