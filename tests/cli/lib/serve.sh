# Sourced by CLI tests that start `lmforge serve --port 0` in the background (run from the repo root).
# wait_for_serve_port LOG PID: sets $port once LOG says where the server listens; calls the test's
# own `fail` when the server exits first or has not started within 30 s.
wait_for_serve_port() {
  local log=$1 pid=$2
  port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$log")
    [[ -n "$port" ]] && return 0
    kill -0 "$pid" 2>/dev/null || fail "server exited: $(cat "$log")"
    sleep 0.1
  done
  fail "server did not start"
}
