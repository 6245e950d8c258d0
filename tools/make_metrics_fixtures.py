#!/usr/bin/env python3
"""Writes tests/fixtures/metrics/sacrebleu.json: hypothesis/reference sets with the corpus BLEU
(13a and zh tokenisation), the tokenised lines, and chrF that sacrebleu computes, for
tests/unit/metrics (which must agree without sacrebleu installed).

    python3 -m pip install sacrebleu   # 2.x
    python3 tools/make_metrics_fixtures.py
"""
import json
import os

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "metrics", "sacrebleu.json")

SETS = {
    "english": (
        ["The cat sat on the mat.", "It costs $3.50, not 1,000 dollars!", "a well-known (hyphenated) case",
         "Q&amp;A: he said &quot;no&quot; -- twice.", "2019-2020 was hard; wasn't it?", ""],
        ["The cat is sitting on the mat.", "It costs $3.50 , not 1,000 dollars.", "a well known hyphenated case",
         "Q&A: he said \"no\" twice.", "2019-2020 was difficult, wasn't it?", "Nothing here."],
    ),
    "chinese": (
        ["春风得意马蹄疾", "我喜欢吃苹果。", "他说：“你好，world！”", "一帆风顺年年好", "ＡＢＣ全角，３.５元"],
        ["春风得意马蹄轻", "我爱吃苹果。", "他说：“你好，世界！”", "万事如意步步高", "ABC全角，3.5元"],
    ),
    "couplet": (
        ["万里江山万里春", "明月清风伴我眠", "花开富贵家家乐"],
        ["一山松竹一山风", "清风明月照人来", "灯照吉祥户户欢"],
    ),
    "no_match": (["xyz"], ["abc def"]),
}


def main():
    out = {}
    for name, (hyps, refs) in SETS.items():
        entry = {"hypotheses": hyps, "references": refs}
        for tok in ("13a", "zh", "none"):
            bleu = BLEU(tokenize=tok).corpus_score(hyps, [refs])
            entry["bleu_" + tok] = {"score": bleu.score, "precisions": bleu.precisions, "bp": bleu.bp,
                                    "sys_len": bleu.sys_len, "ref_len": bleu.ref_len}
            tokenizer = BLEU(tokenize=tok).tokenizer
            entry["tokens_" + tok] = [tokenizer(h.rstrip()) for h in hyps + refs]
        entry["chrf"] = CHRF().corpus_score(hyps, [refs]).score
        out[name] = entry
    out["_generator"] = "tools/make_metrics_fixtures.py with sacrebleu " + sacrebleu.__version__
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
