# Sourced by CLI tests (run from the repo root) that check bad input.
# expect WANT PATTERN CMD...: CMD exits with WANT, its stderr mentions PATTERN in exactly one line;
# otherwise the test's own `fail`. Needs $tmp (a scratch directory).
expect() {
  local want="$1" pattern="$2"; shift 2
  set +e; "$@" >/dev/null 2>"$tmp/err" </dev/null; local rc=$?; set -e
  [[ $rc -eq $want ]] || fail "expected exit $want, got $rc from: $* ($(cat "$tmp/err"))"
  grep -q -- "$pattern" "$tmp/err" || fail "expected '$pattern' in: $(cat "$tmp/err")"
  [[ $(wc -l < "$tmp/err") -eq 1 ]] || fail "expected a one-line error, got: $(cat "$tmp/err")"
}
