#!/usr/bin/env python3
"""Exercises every endpoint of a running `lmforge serve` over HTTP with the standard library only.

Usage: api_check.py BASE_URL API_KEY MAX_BODY_BYTES
The server must have been started with --model, --classifier, --faq, --vectors and --policy
(tests/cli/serve_api.sh does this), --slots 1 --queue 1 (for the 429 check) and the key.
Exits non-zero with a message at the first failed check.
"""
import base64
import http.client
import json
import math
import struct
import sys
import threading
import urllib.parse

BASE, KEY, MAX_BODY = sys.argv[1], sys.argv[2], int(sys.argv[3])
URL = urllib.parse.urlparse(BASE)


def request(method, path, body=None, key=KEY, raw=None, headers=None):
    """(status, headers dict, body bytes); body is JSON-encoded unless raw bytes are given."""
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def call(path, body, status=200, **kw):
    s, h, b = request("POST", path, body, **kw)
    assert s == status, f"POST {path}: status {s}, expected {status}: {b[:300]!r}"
    return json.loads(b) if b else None


def stream(path, body):
    """The data: objects of a server-sent-event response, and whether it ended with [DONE]."""
    conn = http.client.HTTPConnection(URL.hostname, URL.port, timeout=60)
    conn.request("POST", path, body=json.dumps(body).encode(),
                 headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    r = conn.getresponse()
    assert r.status == 200, (r.status, r.read()[:300])
    assert r.getheader("Content-Type").startswith("text/event-stream"), r.getheader("Content-Type")
    events, done = [], False
    for line in r.read().decode().split("\n"):
        if not line.startswith("data: "):
            continue
        if line == "data: [DONE]":
            done = True
        else:
            assert not done, "data after [DONE]"
            events.append(json.loads(line[6:]))
    conn.close()
    return events, done


def check_error(body, status, type_, code=None):
    e = json.loads(body)["error"]
    assert e["type"] == type_, e
    assert isinstance(e["message"], str) and e["message"], e
    if code:
        assert e["code"] == code, e


checks = 0


def check(name):
    def wrap(fn):
        global checks
        try:
            fn()
        except AssertionError as e:
            print(f"serve api check '{name}' FAILED: {e}")
            sys.exit(1)
        checks += 1
        return fn
    return wrap


@check("health")
def _():
    s, _, b = request("GET", "/health", key=None)
    j = json.loads(b)
    assert s == 200 and j["status"] == "ok", j
    assert all(j["capabilities"][k] for k in ("classify", "moderate", "faq", "embeddings", "analyze")), j
    assert j["model_info"]["model_type"] == "gpt", j


@check("auth")
def _():
    s, h, b = request("GET", "/v1/models", key=None)
    assert s == 401 and h.get("www-authenticate") == "Bearer", (s, h)
    check_error(b, 401, "authentication_error", "invalid_api_key")
    s, _, b = request("GET", "/v1/models", key=KEY + "x")
    assert s == 401, s
    s, _, b = request("POST", "/v1/completions", {"prompt": "x"}, key="wrong")
    assert s == 401, s
    s, _, b = request("GET", "/metrics", key=None)
    assert s == 401, s


@check("models")
def _():
    s, _, b = request("GET", "/v1/models")
    j = json.loads(b)
    # the language model, then the embeddings model (--vectors)
    assert s == 200 and j["object"] == "list" and len(j["data"]) == 2, j
    assert j["data"][0]["object"] == "model" and j["data"][1]["id"] == "lmforge-word-vectors", j
    s, _, b = request("GET", "/v1/models/" + j["data"][0]["id"])
    assert s == 200, s
    s, _, b = request("GET", "/v1/models/no-such-model")
    assert s == 404, s


@check("unknown model is 404")
def _():
    for path, body in [("/v1/completions", {"prompt": "x", "max_tokens": 1}),
                       ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "max_tokens": 1}),
                       ("/v1/embeddings", {"input": "x"})]:
        s, _, b = request("POST", path, dict(body, model="no-such-model"))
        assert s == 404, (path, s, b)
        check_error(b, 404, "invalid_request_error", "model_not_found")
        assert json.loads(b)["error"]["param"] == "model", b


greedy = {"prompt": "ROMEO:", "max_tokens": 12, "temperature": 0}


@check("completions")
def _():
    j = call("/v1/completions", greedy)
    assert j["object"] == "text_completion" and j["id"].startswith("cmpl-"), j
    c = j["choices"][0]
    assert isinstance(c["text"], str) and c["finish_reason"] in ("stop", "length") and c["index"] == 0, c
    u = j["usage"]
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"] and 0 < u["completion_tokens"] <= 12, u
    again = call("/v1/completions", greedy)
    assert again["choices"][0]["text"] == c["text"], "greedy decoding differs between two calls"
    seeded = dict(prompt="ROMEO:", max_tokens=12, temperature=1.0, seed=11)
    a, b = call("/v1/completions", seeded), call("/v1/completions", seeded)
    assert a["choices"][0]["text"] == b["choices"][0]["text"], "same seed, different text"
    # n, and token-id prompts
    j = call("/v1/completions", dict(seeded, n=3))
    assert [c["index"] for c in j["choices"]] == [0, 1, 2], j["choices"]
    j = call("/v1/completions", {"prompt": [[5, 6, 7]], "max_tokens": 3})
    assert j["usage"]["prompt_tokens"] == 3, j["usage"]
    j = call("/v1/completions", {"prompt": ["To be", "ROMEO:"], "max_tokens": 2, "n": 2})
    assert len(j["choices"]) == 4, j
    # echo puts the prompt in front
    j = call("/v1/completions", dict(greedy, echo=True))
    assert j["choices"][0]["text"] == "ROMEO:" + c["text"], j


@check("stop strings")
def _():
    text = call("/v1/completions", greedy)["choices"][0]["text"]
    if len(text) < 6:
        return
    stop = text[3:5]
    j = call("/v1/completions", dict(greedy, stop=[stop]))
    cut = j["choices"][0]
    assert cut["text"] == text[: text.find(stop)], (text, stop, cut)
    assert cut["finish_reason"] == "stop", cut


@check("completions streaming")
def _():
    full = call("/v1/completions", greedy)["choices"][0]["text"]
    events, done = stream("/v1/completions", dict(greedy, stream=True, stream_options={"include_usage": True}))
    assert done, "no [DONE]"
    text = "".join(e["choices"][0]["text"] for e in events if e["choices"])
    assert text == full, (text, full)
    finals = [e for e in events if e["choices"] and e["choices"][0]["finish_reason"]]
    assert len(finals) == 1, events
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] > 0, events[-1]


chat = {"messages": [{"role": "system", "content": "Answer."}, {"role": "user", "content": "Hello"}],
        "max_tokens": 10, "temperature": 0}


@check("chat")
def _():
    j = call("/v1/chat/completions", chat)
    assert j["object"] == "chat.completion", j
    m = j["choices"][0]["message"]
    assert m["role"] == "assistant" and isinstance(m["content"], str), m
    events, done = stream("/v1/chat/completions", dict(chat, stream=True))
    assert done and events[0]["choices"][0]["delta"].get("role") == "assistant", events[:1]
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert text == m["content"], (text, m["content"])
    assert events[-1]["choices"][0]["finish_reason"] in ("stop", "length"), events[-1]
    j = call("/v1/chat/completions", dict(chat, messages=[{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]))
    assert j["choices"][0]["message"]["role"] == "assistant"


@check("embeddings")
def _():
    j = call("/v1/embeddings", {"input": ["房间 干净", "good room", "zzzz"], "model": "lmforge-word-vectors"})
    assert j["object"] == "list" and len(j["data"]) == 3, j
    v = j["data"][0]["embedding"]
    assert len(v) == 4 and abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-4, v
    assert all(x == 0 for x in j["data"][2]["embedding"]), "unknown words must give a zero vector"
    assert j["usage"]["prompt_tokens"] >= 4, j["usage"]
    b = call("/v1/embeddings", {"input": "房间 干净", "encoding_format": "base64"})
    raw = base64.b64decode(b["data"][0]["embedding"])
    floats = struct.unpack("<%df" % (len(raw) // 4), raw)
    assert all(abs(x - y) < 1e-6 for x, y in zip(floats, v)), (floats, v)
    call("/v1/embeddings", {"input": [[1, 2]]}, status=400)


@check("classify")
def _():
    j = call("/v1/classify", {"text": "房间很干净，服务很好", "explain": True})
    r = j["results"][0]
    assert r["label"] in ("pos", "neg") and set(r["probabilities"]) == {"pos", "neg"}, r
    assert abs(sum(r["probabilities"].values()) - 1) < 1e-4, r
    assert r["tokens"] and all("score" in t for t in r["tokens"]), r
    j = call("/v1/classify", {"texts": ["太差了", "很好"]})
    assert len(j["results"]) == 2 and "tokens" not in j["results"][0], j


@check("moderate")
def _():
    j = call("/v1/moderate", {"texts": ["你是傻 逼", "今天天气不错"]})
    bad, good = j["results"]
    assert bad["action"] == "block", bad
    span = bad["categories"][0]["spans"][0]
    assert (span["start"], span["end"]) == (2, 5), span
    assert good["action"] == "allow", good


@check("faq")
def _():
    j = call("/v1/faq", {"question": "收货地址写错了怎么修改", "top": 2})
    assert "收货地址" in j["reply"] or j["fallback"], j
    assert len(j["answers"]) >= 1 and 0 <= j["confidence"] <= 1, j


@check("analyze")
def _():
    texts = ["房间很干净，服务很好", "早餐不错，位置方便", "隔音太差，很吵", "空调坏了，很失望"] * 5
    labels = ["pos", "pos", "neg", "neg"] * 5
    j = call("/v1/analyze", {"texts": texts, "labels": labels, "topics": 2, "lang": "zh"})
    assert j["analysis"]["texts"] == 20, j["analysis"].keys()
    assert j["html"].lstrip().lower().startswith("<!doctype html"), j["html"][:50]
    call("/v1/analyze", {"texts": texts, "labels": labels[:3]}, status=400)


@check("errors")
def _():
    s, _, b = request("POST", "/v1/completions", raw=b'{"prompt": "x", ')
    assert s == 400, s
    check_error(b, 400, "invalid_request_error", "invalid_json")
    s, _, b = request("POST", "/v1/completions", {"prompt": "x", "max_token": 5})
    assert s == 400 and json.loads(b)["error"]["param"] == "max_token", b
    s, _, b = request("POST", "/v1/completions", {"prompt": "x", "temperature": 9})
    assert s == 400 and json.loads(b)["error"]["param"] == "temperature", b
    s, _, b = request("POST", "/v1/completions", {"prompt": "x" * 400, "max_tokens": 5})
    assert s == 400 and json.loads(b)["error"]["code"] == "context_length_exceeded", b
    s, _, b = request("POST", "/v1/completions", raw=b'{"prompt": "' + b"a" * (MAX_BODY + 10) + b'"}')
    assert s == 413, s
    check_error(b, 413, "invalid_request_error", "request_too_large")
    s, _, b = request("POST", "/v1/chat/completions", raw=b"[" * 5000)
    assert s == 400, s
    s, _, b = request("GET", "/v1/nothing")
    assert s == 404, s
    check_error(b, 404, "invalid_request_error")
    s, _, b = request("POST", "/v1/classify", raw="{\"text\": \"\xff\"}".encode("latin-1"))
    assert s == 400, s


@check("queue full -> 429")
def _():
    results = []
    barrier = threading.Barrier(12)

    def one():
        barrier.wait()
        s, h, b = request("POST", "/v1/completions", {"prompt": "ROMEO:", "max_tokens": 60, "n": 4})
        results.append((s, h.get("retry-after")))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(s for s, _ in results)
    assert set(statuses) <= {200, 429}, statuses
    assert 429 in statuses and 200 in statuses, statuses
    assert all(int(r) >= 1 for s, r in results if s == 429), results


def cancelled_count():
    s, _, b = request("GET", "/metrics")
    for line in b.decode().split("\n"):
        if line.startswith('lmforge_cancelled_total{reason="disconnect"}'):
            return int(float(line.split()[-1]))
    return 0


@check("cancellation on disconnect")
def _():
    import socket
    import time
    for stream_it in (True, False):
        before = cancelled_count()
        # 16 prompts x 8 samples up to the model's context: long enough to be cut short
        body = json.dumps({"prompt": ["ROMEO:"] * 16, "max_tokens": 256, "n": 8, "stream": stream_it}).encode()
        sock = socket.create_connection((URL.hostname, URL.port), timeout=30)
        sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode() +
                     b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() +
                     b"\r\n\r\n" + body)
        if stream_it:
            assert sock.recv(64).startswith(b"HTTP/1.1 200"), "stream did not start"
        else:
            deadline = time.monotonic() + 10
            while "lmforge_slots_busy 1" not in request("GET", "/metrics")[2].decode():
                assert time.monotonic() < deadline, "the generation did not start"
                time.sleep(0.005)
        sock.close()  # the client goes away mid-generation
        deadline = time.monotonic() + 20
        while cancelled_count() <= before:
            assert time.monotonic() < deadline, f"generation not cancelled after disconnect (stream={stream_it})"
            time.sleep(0.05)
        # the slot is free again: a short request succeeds
        call("/v1/completions", {"prompt": "ROMEO:", "max_tokens": 2})


@check("metrics")
def _():
    s, h, b = request("GET", "/metrics")
    text = b.decode()
    assert s == 200 and h["content-type"].startswith("text/plain"), (s, h)
    for needle in ('lmforge_requests_total{endpoint="/v1/completions",status="200"}',
                   'lmforge_requests_total{endpoint="/v1/completions",status="429"}',
                   'lmforge_request_duration_seconds_bucket{endpoint="/v1/chat/completions",le="+Inf"}',
                   "lmforge_generated_tokens_total", "lmforge_queue_depth 0", "lmforge_slots 1",
                   "lmforge_time_to_first_token_seconds_count",
                   'lmforge_cancelled_total{reason="disconnect"}'):
        assert needle in text, needle


@check("playground")
def _():
    s, h, b = request("GET", "/", key=None)
    assert s == 200 and h["content-type"].startswith("text/html") and b"app.js" in b, (s, h)
    s, h, b = request("GET", "/app.js", key=None)
    assert s == 200 and "javascript" in h["content-type"], h
    s, _, _ = request("GET", "/../CMakeLists.txt", key=None)
    assert s in (400, 404), s


print(f"serve api: {checks} checks passed")
