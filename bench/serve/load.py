#!/usr/bin/env python3
"""Load and fault bench for a running `lmforge serve` (loopback only; standard library only).

  load.py BASE_URL --clients N --seconds T [--key K] [--max-tokens M] [--stream-share 0.5]
          [--faults 1000] [--max-body BYTES] [--pid PID] [--json OUT]

Load: N client threads, each with its own keep-alive connection, send completions (a share of
them streamed) back to back for T seconds. Reported: requests/s, generated tokens/s, latency
p50/p99 (whole request), time to first streamed byte p50, and every status seen; a 5xx or a
connection failure is a failure (exit 1). A 429 (queue full) is counted, not a failure: it is
the server protecting its latency.

Faults: F malformed or oversized requests (broken JSON, wrong types, deep nesting, invalid
UTF-8, bodies over the limit, garbage request lines, half-sent bodies); each must get a 4xx
(or, for a request that is not complete HTTP, a closed connection), never a 5xx, and /health must answer
afterwards. With --pid, the server's resident memory before and after is printed.

Stress (--stress): slow clients and clients that leave. (1) Slowloris: --slow N connections each
send a request's headers one byte every second for --slow-seconds while one well-behaved client
keeps asking GET /health and a short completion; reported: the server's threads and RSS during
the attack (with --pid), how many of the good client's requests were answered and their worst
latency. (2) Mid-stream disconnects: --disconnects K streamed completions whose client closes the
socket after the first event; afterwards every slot must be free again (a normal request is
answered at once) and the server's thread count must be back where it was. (3) Bodies at and
just over --max-body: exactly at the limit is accepted (a 4xx for its content at most, never 413),
one byte over is a 413.
"""
import argparse
import http.client
import json
import random
import socket
import statistics
import sys
import threading
import time
import urllib.parse


def proc_status(pid, field):
    """An integer field of /proc/PID/status (VmRSS in KiB, Threads), or None."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_kib(pid):
    return proc_status(pid, "VmRSS")


def read_until_closed(s):
    """Everything the server sends until it closes (or resets, or goes quiet past the timeout)."""
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data


def status_of(reply):
    """The HTTP status of a raw reply; 0 when the server answered nothing."""
    return int(reply[9:12]) if reply.startswith(b"HTTP/1.1 ") else 0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


PROMPTS = ["ROMEO:", "To be, or not", "First Citizen:", "这家店", "味道", "送餐很快", "Hello"]


def load(args, url, headers):
    stop_at = time.monotonic() + args.seconds
    lock = threading.Lock()
    latencies, first_bytes, statuses, tokens, failures = [], [], {}, [0], []

    def client(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        while time.monotonic() < stop_at:
            stream = rng.random() < args.stream_share
            body = {"prompt": rng.choice(PROMPTS), "max_tokens": args.max_tokens, "temperature": 0.8,
                    "seed": rng.randrange(1 << 30)}
            if stream:
                body.update(stream=True, stream_options={"include_usage": True})
            start = time.monotonic()
            try:
                conn.request("POST", "/v1/completions", json.dumps(body), headers)
                r = conn.getresponse()
                if stream and r.status == 200:
                    first = r.readline()
                    first_byte = time.monotonic() - start
                    rest = first + r.read()
                    usage = [json.loads(line[6:])["usage"] for line in rest.decode().split("\n")
                             if line.startswith("data: {") and '"usage"' in line]
                    generated = usage[-1]["completion_tokens"] if usage else 0
                    if not rest.rstrip().endswith(b"data: [DONE]"):
                        raise RuntimeError("stream without [DONE]")
                else:
                    data = r.read()
                    first_byte = None
                    generated = json.loads(data)["usage"]["completion_tokens"] if r.status == 200 else 0
                elapsed = time.monotonic() - start
                with lock:
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                    if r.status == 200:
                        latencies.append(elapsed)
                        tokens[0] += generated
                        if first_byte is not None:
                            first_bytes.append(first_byte)
                if r.status == 429:
                    time.sleep(min(1.0, float(r.getheader("Retry-After", "1")) / 10))
            except Exception as e:  # a dropped connection is a failure of the server
                with lock:
                    failures.append(repr(e))
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    ok = statuses.get(200, 0)
    return {
        "clients": args.clients, "seconds": round(wall, 2), "max_tokens": args.max_tokens,
        "requests_ok": ok, "requests_per_s": round(ok / wall, 2), "tokens_per_s": round(tokens[0] / wall, 1),
        "latency_p50_ms": round(1e3 * percentile(latencies, 50), 1),
        "latency_p99_ms": round(1e3 * percentile(latencies, 99), 1),
        "first_byte_p50_ms": round(1e3 * percentile(first_bytes, 50), 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": sum(v for k, v in statuses.items() if k >= 500), "connection_failures": len(failures),
        "failure_examples": failures[:3],
    }


def fault_requests(max_body):
    """(description, raw bytes) pairs: each is a complete HTTP exchange to send on a fresh socket."""
    def post(path, body, extra=""):
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        return (f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{extra}\r\n").encode() + body
    paths = ["/v1/completions", "/v1/chat/completions", "/v1/embeddings", "/v1/classify", "/v1/moderate",
             "/v1/faq", "/v1/analyze"]
    cases = [
        ("truncated json", lambda p: post(p, '{"prompt": "x", "max_tokens": ')),
        ("not an object", lambda p: post(p, '[1, 2, 3]')),
        ("wrong types", lambda p: post(p, '{"prompt": 5, "messages": "x", "input": {}, "text": 1, "texts": 2}')),
        ("bad values", lambda p: post(p, '{"prompt": "x", "temperature": -1, "max_tokens": 0, "n": 1000}')),
        ("unknown field", lambda p: post(p, '{"prompt": "x", "bogus": true}')),
        ("deep nesting", lambda p: post(p, "[" * 100000)),
        ("invalid utf-8", lambda p: post(p, b'{"prompt": "\xff\xfe", "text": "\xc3"}')),
        ("empty body", lambda p: post(p, "")),
        ("oversized body", lambda p: post(p, '{"prompt": "' + "a" * (max_body + 1000) + '"}')),
        ("huge content-length", lambda p: (f"POST {p} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{{").encode()),
        ("garbage request line", lambda p: b"\x00\x01GARBAGE\r\n\r\n"),
        ("half-sent body", lambda p: post(p, '{"prompt": "x"}')[:-5]),
        ("nan number", lambda p: post(p, '{"prompt": "x", "temperature": NaN}')),
        ("huge number", lambda p: post(p, '{"prompt": "x", "max_tokens": 1e400, "seed": 99999999999999999999999}')),
    ]
    rng = random.Random(7)
    for i in range(10 ** 9):
        name, make = cases[i % len(cases)]
        yield name, make(rng.choice(paths))


# Requests that are not complete HTTP (a client that stops sending): a closed connection is a
# fine answer. Every other fault must get a 4xx.
MAY_CLOSE = {"huge content-length", "garbage request line", "half-sent body"}


def faults(args, url):
    counts, bad = {}, []
    for i, (name, raw) in zip(range(args.faults), fault_requests(args.max_body)):
        s = socket.create_connection((url.hostname, url.port), timeout=10)
        try:
            key = ("Authorization: Bearer " + args.key + "\r\n").encode() if args.key else b""
            if raw.startswith(b"POST") and key:
                raw = raw.replace(b"\r\n", b"\r\n" + key, 1)
            try:
                s.sendall(raw)
                if name in MAY_CLOSE:
                    # The client stops: the server sees end-of-file instead of waiting its read
                    # timeout for bytes that never come, and may close without an answer.
                    s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server refused before reading everything (oversized): fine if it answered
            data = read_until_closed(s)
        finally:
            s.close()
        status = status_of(data)
        counts.setdefault(name, {}).setdefault(status, 0)
        counts[name][status] += 1
        if status >= 500 or (status and status < 400) or (status == 0 and name not in MAY_CLOSE):
            bad.append((name, status, data[:200]))
    health = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    health.request("GET", "/health")
    up = health.getresponse().status == 200
    return {"fault_requests": args.faults, "by_case": {k: {str(s): n for s, n in v.items()} for k, v in counts.items()},
            "non_4xx_answers": len(bad), "examples": [repr(b) for b in bad[:3]], "server_up_after": up}


def threads_of(pid):
    return proc_status(pid, "Threads")


def good_client(url, headers, stop, results):
    """Asks /health and a 4-token completion back to back until `stop`, recording each outcome."""
    body = json.dumps({"prompt": "Hello", "max_tokens": 4})
    while not stop.is_set():
        for method, path, data in (("GET", "/health", None), ("POST", "/v1/completions", body)):
            start = time.monotonic()
            try:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                conn.request(method, path, data, headers)
                status = conn.getresponse().status
                conn.close()
            except Exception:  # noqa: BLE001 - a refused or dropped connection is an outcome to count
                status = 0
            results.append((status, time.monotonic() - start))
        time.sleep(0.2)


def slowloris(args, url, headers):
    conns, sent = [], 0
    for _ in range(args.slow):
        try:
            conns.append(socket.create_connection((url.hostname, url.port), timeout=5))
        except OSError:
            break
    request = b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 4096
    stop, results = threading.Event(), []
    good = threading.Thread(target=good_client, args=(url, headers, stop, results))
    good.start()
    peak_threads, peak_rss, closed_by_server = 0, 0, 0
    began = time.monotonic()
    while time.monotonic() - began < args.slow_seconds:
        for c in list(conns):
            try:
                c.send(request[sent:sent + 1])
            except OSError:
                closed_by_server += 1
                conns.remove(c)
        sent += 1
        if args.pid:
            peak_threads = max(peak_threads, threads_of(args.pid) or 0)
            peak_rss = max(peak_rss, rss_kib(args.pid) or 0)
        time.sleep(1)
    for c in conns:
        c.close()
    stop.set()
    good.join()
    answered = [t for status, t in results if 200 <= status < 500]
    return {"slow_connections": args.slow, "seconds": args.slow_seconds, "bytes_sent_each": sent,
            "closed_by_server": closed_by_server, "server_threads_peak": peak_threads or None,
            "server_rss_kib_peak": peak_rss or None, "good_requests": len(results),
            "good_answered": len(answered), "good_worst_ms": round(1e3 * max(answered), 1) if answered else None,
            "good_statuses": sorted({status for status, _ in results})}


def disconnects(args, url, headers):
    threads_before = threads_of(args.pid) if args.pid else None
    body = json.dumps({"prompt": "ROMEO:", "max_tokens": 512, "stream": True, "temperature": 0.8}).encode()
    key = ("Authorization: Bearer " + args.key + "\r\n").encode() if args.key else b""
    first_events = 0
    for _ in range(args.disconnects):
        s = socket.create_connection((url.hostname, url.port), timeout=30)
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + key +
                  f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        received = b""
        while b"data: " not in received:  # the headers may come in a packet of their own
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
        first_events += b"data: " in received
        s.close()  # mid-stream: the server learns it at its next write
    time.sleep(1)
    start = time.monotonic()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    conn.request("POST", "/v1/completions", json.dumps({"prompt": "Hello", "max_tokens": 4}), headers)
    status = conn.getresponse().status
    after_ms = round(1e3 * (time.monotonic() - start), 1)
    conn.close()
    time.sleep(1)
    return {"disconnects": args.disconnects, "streams_started": first_events, "next_request_status": status,
            "next_request_ms": after_ms, "server_threads_before": threads_before,
            "server_threads_after": threads_of(args.pid) if args.pid else None}


def body_limits(args, url, headers):
    out = {}
    for name, size in (("at limit", args.max_body), ("one over", args.max_body + 1)):
        prefix, suffix = '{"prompt": "', '", "max_tokens": 1}'
        body = (prefix + "a" * (size - len(prefix) - len(suffix)) + suffix).encode()
        assert len(body) == size
        s = socket.create_connection((url.hostname, url.port), timeout=60)
        try:
            s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
                      b"application/json\r\n" + f"Content-Length: {size}\r\n\r\n".encode() + body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_until_closed(s)
        s.close()
        out[name] = status_of(data)
    return out


def stress(args, url, headers):
    result = {"body_limits": body_limits(args, url, headers), "disconnects": disconnects(args, url, headers),
              "slowloris": slowloris(args, url, headers)}
    health = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    health.request("GET", "/health")
    result["server_up_after"] = health.getresponse().status == 200
    limits = result["body_limits"]
    d = result["disconnects"]
    result["failed"] = (not result["server_up_after"] or limits["one over"] != 413 or limits["at limit"] == 413
                        or not 200 <= limits["at limit"] < 500 or d["next_request_status"] != 200)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--key", default="")
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--stream-share", type=float, default=0.5)
    ap.add_argument("--faults", type=int, default=1000)
    ap.add_argument("--max-body", type=int, default=4 << 20)
    ap.add_argument("--stress", action="store_true", help="slowloris, mid-stream disconnects, bodies at the limit")
    ap.add_argument("--slow", type=int, default=64, help="slowloris connections")
    ap.add_argument("--slow-seconds", type=float, default=20)
    ap.add_argument("--disconnects", type=int, default=50)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--json")
    args = ap.parse_args()
    url = urllib.parse.urlparse(args.base)
    headers = {"Content-Type": "application/json"}
    if args.key:
        headers["Authorization"] = "Bearer " + args.key
    result = {"rss_kib_before": rss_kib(args.pid) if args.pid else None}
    result["load"] = load(args, url, headers) if args.seconds > 0 else None
    result["rss_kib_after_load"] = rss_kib(args.pid) if args.pid else None
    result["faults"] = faults(args, url) if args.faults > 0 else None
    result["rss_kib_after_faults"] = rss_kib(args.pid) if args.pid else None
    result["stress"] = stress(args, url, headers) if args.stress else None
    result["rss_kib_after_stress"] = rss_kib(args.pid) if args.pid else None
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
    failed = False
    if result["load"] and (result["load"]["server_errors"] or result["load"]["connection_failures"]):
        failed = True
    if result["faults"] and (result["faults"]["non_4xx_answers"] or not result["faults"]["server_up_after"]):
        failed = True
    if result["stress"] and result["stress"]["failed"]:
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
