#!/usr/bin/python3
"""Writes tests/unit/segment/jieba_goldens.jsonl: jieba 0.42.1's cuts of real sentences, the
reference that tests/unit/segment/jieba_golden_test.cpp compares our dictionary mode with.

    /usr/bin/python3 tools/make_jieba_goldens.py      # from the repository root (Debian python3-jieba)

Inputs come from the bundled corpora (Tatoeba Chinese, Tang poems, SMS English) plus hand-made
edge cases. Each line: {"text", "hmm", "no_hmm"} with the default dictionary, or
{"text", "user_hmm"} with tests/unit/segment/user_dict.txt loaded. White-space tokens are
dropped (our segmenter never returns white space).
"""
import csv
import json
import sys

import jieba

MAGIC = {"magic": "lmforge-jieba-goldens", "version": 1, "jieba": jieba.__version__,
         "regenerate": "/usr/bin/python3 tools/make_jieba_goldens.py"}
OUT = "tests/unit/segment/jieba_goldens.jsonl"
USER_DICT = "tests/unit/segment/user_dict.txt"

HANDMADE = [
    "我喜欢吃苹果。", "他来到了网易杭研大厦", "小明硕士毕业于中国科学院计算所，后在日本京都大学深造",
    "李小福是创新办主任也是云计算方面的专家; 什么是八一双鹿", "例如我输入一个带“韩玉赏鉴”的标题，在自定义词库中也增加了此词为N类",
    "「台中」正确应该不会被切开。mac上可分出「石墨烯」；此时又可以分出来凯特琳了。", "easy_install is great",
    "我们中出了一个叛徒", "工信处女干事每月经过下属科室都要亲口交代24口交换机等技术性器件的安装工作",
    "iPhone12 的价格是5999元，折扣率为12.5%，C++和C#都很难。", "e-mail: foo_bar@example.com 2024-01-01 3.1415926",
    "Big Data 的时代 蓝翔技校", "研大楼 杭研大厦", "ｆｕｌｌ　ｗｉｄｔｈ　１２３　和　全角",
    "😀表情符号🎉和emoji混合", "㐀㐁 古字 𠀀𠀁 扩展区", "一二三四五六七八九十百千万亿", "\t  空白\u3000\u3000开头和结尾  ",
    "。，、；：？！…—·「」『』《》〈〉（）【】", "永和服装饰品有限公司", "结婚的和尚未结婚的", "乒乓球拍卖完了",
    "南京市长江大桥", "他说的确实在理", "AT&T和B超以及c++和.NET", "a.b.c 1.2.3 x-y-z 100%% 50%off",
    "", "   ", "A", "中", "中国", "the quick brown fox jumps over the lazy dog",
]


def tsv_column(path, column, limit, skip_header=False, longest=False):
    with open(path, encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    if skip_header:
        rows = rows[1:]
    texts = [r[column] for r in rows if len(r) > column]
    return texts[-limit:] if longest else texts[:limit]


def cut(text, hmm):
    return [w for w in jieba.cut(text, HMM=hmm) if not w.isspace()]


def main():
    jieba.setLogLevel(60)
    texts = list(HANDMADE)
    texts += tsv_column("data/corpus/tatoeba_cmn_en.tsv", 1, 600, longest=True)  # the longest sentences
    texts += tsv_column("data/corpus/tatoeba_cmn_en.tsv", 1, 100)
    texts += tsv_column("data/corpus/tang_poems_8k.tsv", 2, 150)
    texts += tsv_column("data/corpus/sms_spam.tsv", 1, 80, skip_header=True)
    out = open(OUT, "w", encoding="utf-8")
    out.write(json.dumps(MAGIC, ensure_ascii=False) + "\n")
    for t in texts:
        out.write(json.dumps({"text": t, "hmm": cut(t, True), "no_hmm": cut(t, False)}, ensure_ascii=False) + "\n")
    # With the user dictionary: jieba's own examples plus corpus lines.
    jieba.load_userdict(USER_DICT)
    for t in HANDMADE + texts[len(HANDMADE):len(HANDMADE) + 200]:
        out.write(json.dumps({"text": t, "user_hmm": cut(t, True)}, ensure_ascii=False) + "\n")
    out.close()
    print("wrote %s: %d texts" % (OUT, len(texts)), file=sys.stderr)


if __name__ == "__main__":
    main()
