"""Reads one round's speeds for bench/infer/run.sh and prints "prompt_tok_per_s gen_tok_per_s".
  llama LLAMA_BENCH.json       llama-bench -o json: the pp test (n_gen 0) and the tg test
  ours PP.json TG.json         two `lmforge generate --json` results: PP from a 512-token prompt
                               and one new token, TG from a 1-token prompt and 129 new tokens
For lmforge the prompt rate is prompt_tokens / prompt_ms; the generation rate counts decode
steps: the first new token comes from the prompt pass, so generated_tokens - 1 steps took
generate_ms.
"""
import json
import sys


def llama(path):
    rates = {}
    for test in json.load(open(path)):
        rates["pp" if test["n_gen"] == 0 else "tg"] = test["avg_ts"]
    return rates["pp"], rates["tg"]


def ours(pp_path, tg_path):
    pp_run, tg_run = json.load(open(pp_path)), json.load(open(tg_path))
    pp = pp_run["prompt_tokens"] / pp_run["prompt_ms"] * 1e3
    steps = tg_run["generated_tokens"] - 1
    if steps < 1:
        sys.exit(f"parse_rates: {tg_path}: {tg_run['generated_tokens']} tokens generated (was --ignore-eos honoured?)")
    tg = steps / tg_run["generate_ms"] * 1e3
    return pp, tg


def main():
    pp, tg = llama(sys.argv[2]) if sys.argv[1] == "llama" else ours(sys.argv[2], sys.argv[3])
    print(f"{pp:.2f} {tg:.2f}")


if __name__ == "__main__":
    main()
