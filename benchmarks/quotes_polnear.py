"""Quote detection and speaker attribution of `find_quotes` on PolNeAR train.

    python benchmarks/quotes_polnear.py [--data ../shared/polnear_train] [--write]

A predicted quote matches a gold one when their spans overlap by >= 50% of the shorter
span, one-to-one (greedy by overlap). Reported: precision and recall of detection, the
exact-span rate over matches (also ignoring a trailing comma, which find_quotes drops on
purpose), precision and recall counting only `QuoteCandidate.sentence` candidates
(quoted sentences, what the gold lists; phrases woven into the writer's sentence mostly
are not), and speaker accuracy over matched quotes whose gold speaker is annotated
(`speaker_resolved: gold`), by `names_match`. Gold speakers are descriptions such as
"Jack Dorsey, Twitter's chief executive" or "Joel Pollak of Breitbart California": only
the part before a comma and before " of " is compared. `--write` replaces the section of
benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from pathlib import Path

import yaml

from summarizer.candidates import QuoteCandidate, find_quotes
from summarizer.names import names_match

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## Quote detection on PolNeAR train"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / max(1, min(a[1] - a[0], b[1] - b[0])) if inter > 0 else 0.0


def _match(pred: list[QuoteCandidate], gold: list[dict]) -> list[tuple[int, int]]:
    pairs = sorted(
        ((_overlap((p.start, p.end), (g["start"], g["end"])), i, j)
         for i, p in enumerate(pred) for j, g in enumerate(gold)),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for ov, i, j in pairs:
        if ov < 0.5:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def _gold_speaker(desc: str) -> str:
    return re.split(r",| of ", desc)[0].strip()


def run(data: Path) -> dict[str, float]:
    n = dict(pred=0, gold=0, match=0, exact=0, exact_nocomma=0, ranked=0, ranked_match=0,
             ranked_gold=0, spk=0, spk_ok=0, spk_none=0)
    files = sorted((data / "quotes").glob("*.yaml"))
    t0 = time.perf_counter()
    for f in files:
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        text = (data / "articles" / f"{f.stem}.txt").read_text(encoding="utf-8")
        gold = doc.get("quotes") or []
        pred = find_quotes(text)
        pairs = _match(pred, gold)
        matched_pred = {i for i, _ in pairs}
        n["pred"] += len(pred)
        n["gold"] += len(gold)
        n["match"] += len(pairs)
        for i, p in enumerate(pred):
            if p.sentence:
                n["ranked"] += 1
                n["ranked_match"] += i in matched_pred
        n["ranked_gold"] += sum(pred[i].sentence for i, _ in pairs)
        for i, j in pairs:
            p, g = pred[i], gold[j]
            n["exact"] += (p.start, p.end) == (g["start"], g["end"])
            n["exact_nocomma"] += (p.start, p.end) == (g["start"], g["end"]) or (
                p.start == g["start"] and g["text"].endswith(",") and p.end == g["end"] - 1)
            if g["speaker_resolved"] == "gold":
                n["spk"] += 1
                n["spk_none"] += p.speaker is None
                n["spk_ok"] += names_match(p.speaker, _gold_speaker(g["speaker"]))
    secs = time.perf_counter() - t0
    return {
        "articles": len(files), "gold": n["gold"], "predicted": n["pred"],
        "precision": n["match"] / max(1, n["pred"]), "recall": n["match"] / max(1, n["gold"]),
        "exact_span": n["exact"] / max(1, n["match"]),
        "exact_span_ignoring_comma": n["exact_nocomma"] / max(1, n["match"]),
        "sentence_quotes": n["ranked"],
        "precision_sentence_quotes": n["ranked_match"] / max(1, n["ranked"]),
        "recall_sentence_quotes": n["ranked_gold"] / max(1, n["gold"]),
        "speaker_accuracy": n["spk_ok"] / max(1, n["spk"]), "speaker_evaluated": n["spk"],
        "speaker_none_rate": n["spk_none"] / max(1, n["spk"]), "seconds": secs,
    }


def table(r: dict[str, float]) -> str:
    rows = [f"| {k} | {v:.3f} |" if isinstance(v, float) else f"| {k} | {v} |"
            for k, v in r.items()]
    return "\n".join(["| metric | value |", "|---|---|", *rows])


def write(r: dict[str, float], command: str) -> None:
    path = ROOT / "benchmarks" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    body = (f"{SECTION}\n\nCommand: `{command}` ({dt.date.today().isoformat()}, 2 shared CPU "
            f"cores).\n\n{table(r)}\n\nMatching: spans overlap >= 50% of the shorter, "
            "one-to-one. `*_sentence_quotes` count "
            "only candidates that are quoted sentences (`QuoteCandidate.sentence`). Gold "
            "lists every direct quote but splits some long quotes into sentences and mostly "
            "leaves out quoted phrases, scare quotes and titles, which caps precision."
            "\n")
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
    new = pattern.sub(lambda _: body.rstrip("\n"), old) if SECTION in old else (
        old.rstrip("\n") + "\n\n" + body)
    path.write_text(new if new.endswith("\n") else new + "\n", encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "polnear_train")
    ap.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = ap.parse_args()
    if not (args.data / "quotes").is_dir():
        print(f"no PolNeAR data at {args.data}", file=sys.stderr)
        return 2
    r = run(args.data)
    print(table(r))
    if args.write:
        write(r, "python benchmarks/quotes_polnear.py --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
