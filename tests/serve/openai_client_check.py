#!/usr/bin/env python3
"""The official `openai` Python client against a running `lmforge serve`, unchanged: models,
completions and chat (streaming and not), embeddings, and the client's own error classes.

Usage: openai_client_check.py BASE_URL API_KEY
Exits 77 (skipped) when the `openai` package is not installed (pip install openai).
"""
import sys

try:
    import openai
except ImportError:
    print("openai client check: skipped (pip install openai)")
    sys.exit(77)

base, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base.rstrip("/") + "/v1", api_key=key, max_retries=0, timeout=60)

models = client.models.list()
model = models.data[0].id

c = client.completions.create(model=model, prompt="ROMEO:", max_tokens=10, temperature=0)
assert c.choices[0].finish_reason in ("stop", "length"), c
assert c.usage.completion_tokens > 0, c.usage
streamed = "".join(chunk.choices[0].text for chunk in
                   client.completions.create(model=model, prompt="ROMEO:", max_tokens=10, temperature=0, stream=True)
                   if chunk.choices)
assert streamed == c.choices[0].text, (streamed, c.choices[0].text)

messages = [{"role": "user", "content": "Hello"}]
r = client.chat.completions.create(model=model, messages=messages, max_tokens=10, temperature=0, seed=3)
assert r.choices[0].message.role == "assistant", r
pieces = []
usage = None
for chunk in client.chat.completions.create(model=model, messages=messages, max_tokens=10, temperature=0, seed=3,
                                            stream=True, stream_options={"include_usage": True}):
    if chunk.usage:
        usage = chunk.usage
    for choice in chunk.choices:
        pieces.append(choice.delta.content or "")
assert "".join(pieces) == r.choices[0].message.content, (pieces, r.choices[0].message.content)
assert usage and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, usage

e = client.embeddings.create(model=models.data[-1].id, input=["房间 干净", "good room"])  # the client asks for base64
assert len(e.data) == 2 and len(e.data[0].embedding) == 4, e

try:
    client.completions.create(model=model, prompt="x", max_tokens=10, temperature=5)
    raise AssertionError("temperature 5 was accepted")
except openai.BadRequestError as err:
    assert err.status_code == 400 and "temperature" in str(err), err
bad = openai.OpenAI(base_url=base.rstrip("/") + "/v1", api_key="wrong", max_retries=0)
try:
    bad.models.list()
    raise AssertionError("a wrong key was accepted")
except openai.AuthenticationError as err:
    assert err.status_code == 401, err

print(f"openai client {openai.__version__}: models, completions, chat (streaming and not), embeddings, errors: ok")
