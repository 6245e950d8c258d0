#!/usr/bin/python3
"""Converts jieba's HMM parameters (finalseg/prob_{start,trans,emit}.py, MIT) into the text file
that lmforge's dictionary segmenter loads: data/dict/jieba_hmm.txt.

    /usr/bin/python3 tools/jieba_hmm_to_text.py > data/dict/jieba_hmm.txt

Needs Debian's python3-jieba (0.42.1). Floats are written with repr(), which round-trips
exactly through strtod, so our Viterbi sees the same numbers as jieba's.
"""
import sys

import jieba
from jieba.finalseg.prob_emit import P as emit_p
from jieba.finalseg.prob_start import P as start_p
from jieba.finalseg.prob_trans import P as trans_p

MIN_FLOAT = -3.14e100  # jieba.finalseg.MIN_FLOAT: the log probability of "never"
STATES = "BEMS"


def main():
    out = sys.stdout
    out.write("# lmforge-hmm 1\n")
    out.write("# jieba %s finalseg HMM (MIT, (c) 2013 Sun Junyi), converted by tools/jieba_hmm_to_text.py\n"
              % jieba.__version__)
    out.write("# start STATE logp | trans FROM TO logp | emit CHAR logp(B) logp(E) logp(M) logp(S)\n")
    for s in STATES:
        out.write("start %s %r\n" % (s, start_p[s]))
    for a in STATES:
        for b in STATES:
            out.write("trans %s %s %r\n" % (a, b, trans_p[a].get(b, MIN_FLOAT)))
    chars = sorted(set().union(*(emit_p[s].keys() for s in STATES)))
    for c in chars:
        out.write("emit %s %s\n" % (c, " ".join(repr(emit_p[s].get(c, MIN_FLOAT)) for s in STATES)))


if __name__ == "__main__":
    main()
