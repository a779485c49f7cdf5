"""NLI4CT gold evidence lines found in the top-5 retrieved text: ours (hybrid, field chunks) vs vanilla.

    TRIALCHAT_DATA_DIR=DIR .venv/bin/python benchmarks/nli4ct_evidence.py

DIR must hold the NLI4CT trials the statements cite (`trialchat ingest ../shared/data/nli4ct/CT_json`, or only
the cited ones) and the vanilla index (`trialchat eval eval/questions/nli4ct_retrieval.jsonl --config
vanilla:llm=extractive` builds it). Each statement is pinned to its trial, as in the eval; evidence lines of
25 characters or fewer (headings such as "INTERVENTION 1:") are not counted. Prints one JSON object.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    from assistant.retrieval import HybridRetriever
    from eval.vanilla import build_vanilla_service
    from trialchat.embeddings import embeddings_for
    from trialchat.schema import GLOSSARY_ID
    from trialchat.settings import Settings
    from trialchat.store import open_store

    s = Settings(llm="extractive")
    store = open_store(s, embeddings_for(s))
    ours = HybridRetriever(store=store, k=5)
    vanilla = build_vanilla_service(s, store=store, log=lambda m: print(m, file=sys.stderr))
    rows = [json.loads(line) for line in (REPO / "eval" / "questions" / "nli4ct_retrieval.jsonl").open()]

    def norm(t: str) -> str:
        return " ".join(t.split())

    recall: dict[str, list[float]] = {"ours": [], "vanilla": []}
    chars: dict[str, list[int]] = {"ours": [], "vanilla": []}
    for r in rows:
        evidence = [norm(e) for e in r["expected_evidence"] if len(norm(e)) > 25]
        if not evidence:
            continue
        got = {"ours": [x.text for x in ours.search(r["question"], study_ids={r["study_id"], GLOSSARY_ID})],
               "vanilla": [x.text for x in vanilla.index.search(r["question"], 5, {r["study_id"]})]}
        for name, texts in got.items():
            joined = norm(" ".join(texts))
            recall[name].append(sum(e in joined for e in evidence) / len(evidence))
            chars[name].append(sum(len(t) for t in texts))
    print(json.dumps({name: {"evidence_line_recall_at_5": round(sum(v) / len(v), 3), "statements": len(v),
                             "context_chars_mean": round(sum(chars[name]) / len(chars[name]))}
                      for name, v in recall.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
