#!/usr/bin/env bash
# The binary's contract: --help and --version succeed, usage errors exit 2 with one line.
set -u
bin="$1"
fail() { echo "FAIL: $*"; exit 1; }

"$bin" --help >/dev/null || fail "--help"
"$bin" --version | grep -q '^lmforge ' || fail "--version"

"$bin" >/dev/null 2>&1; [[ $? == 2 ]] || fail "no subcommand should exit 2"
err=$("$bin" no-such-command 2>&1); rc=$?
[[ $rc == 2 ]] || fail "unknown subcommand exited $rc"
[[ "$err" == *"error"* ]] || fail "unknown subcommand message: $err"
echo "ok"
