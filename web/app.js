// The lmforge playground: talks to the same OpenAI-compatible and product endpoints any client
// uses (no private API), streams server-sent events with fetch(), and cancels with an
// AbortController (the server then stops generating). No dependencies, no network beyond the
// server that served this page.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { history: [], controller: null, health: null, csv: null };

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h.Authorization = "Bearer " + key;
  return h;
}

function showError(message) { $("error").textContent = message || ""; }

async function postJson(path, body, signal) {
  const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  const text = await response.text();
  let data;
  try { data = JSON.parse(text); } catch (e) { throw new Error(response.status + " " + text.slice(0, 200)); }
  if (!response.ok) throw new Error(response.status + ": " + ((data.error && data.error.message) || text));
  return data;
}

function parameters() {
  const p = {
    temperature: Number($("temperature").value),
    top_p: Number($("top_p").value),
    max_tokens: Number($("max_tokens").value) || 16,
    presence_penalty: Number($("presence_penalty").value) || 0,
    frequency_penalty: Number($("frequency_penalty").value) || 0,
  };
  if ($("seed").value !== "") p.seed = Number($("seed").value);
  const stop = $("stop").value.split("\n").filter((s) => s.length > 0).slice(0, 4);
  if (stop.length) p.stop = stop;
  return p;
}

// Reads a server-sent event stream; onData gets each parsed "data:" object until [DONE].
async function readEvents(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        onData(chunk);
      }
    }
  }
}

// One generation request, streamed or not; onText gets text as it arrives. Returns usage.
async function generate(path, body, onText) {
  const stream = $("stream").checked;
  state.controller = new AbortController();
  const started = performance.now();
  const request = Object.assign({ model: (state.health && state.health.model) || "lmforge" }, body, parameters());
  if (stream) { request.stream = true; request.stream_options = { include_usage: true }; }
  let usage = null;
  let pieces = 0;
  const forward = onText;
  onText = (text) => { pieces += 1; forward(text); };
  try {
    if (!stream) {
      const data = await postJson(path, request, state.controller.signal);
      const choice = data.choices[0];
      onText(choice.message ? choice.message.content : choice.text);
      usage = data.usage;
    } else {
      const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(request),
                                           signal: state.controller.signal });
      if (!response.ok) {
        const text = await response.text();
        let message = text;
        try { message = JSON.parse(text).error.message; } catch (e) { /* not JSON */ }
        throw new Error(response.status + ": " + message);
      }
      await readEvents(response, (chunk) => {
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices || []) {
          const text = choice.delta ? choice.delta.content : choice.text;
          if (text) onText(text);
        }
      });
    }
  } catch (e) {
    if (e.name === "AbortError") onText(" " + t("stopped"));
    else throw e;
  } finally {
    state.controller = null;
    window.lmforgeLastPieces = pieces;  // how many pieces the last answer arrived in (the browser test reads it)
  }
  if (usage) {
    $("usage").textContent = t("usage", { prompt: usage.prompt_tokens, completion: usage.completion_tokens,
                                          seconds: ((performance.now() - started) / 1000).toFixed(2) });
  }
  return usage;
}

function setBusy(sendButton, stopButton, busy) {
  $(sendButton).disabled = busy;
  $(stopButton).disabled = !busy;
}

function addMessage(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  const who = document.createElement("strong");
  who.textContent = role === "user" ? t("you") : t("assistant");
  const body = document.createElement("span");
  body.className = "content";
  body.textContent = text;
  div.append(who, body);
  $("messages").append(div);
  $("messages").scrollTop = $("messages").scrollHeight;
  return body;
}

async function sendChat(event) {
  event.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text || state.controller) return;
  showError("");
  $("chat-input").value = "";
  addMessage("user", text);
  state.history.push({ role: "user", content: text });
  const target = addMessage("assistant", "");
  const messages = [];
  if ($("system").value.trim()) messages.push({ role: "system", content: $("system").value.trim() });
  messages.push(...state.history);
  setBusy("chat-send", "chat-stop", true);
  try {
    await generate("/v1/chat/completions", { messages }, (piece) => {
      target.textContent += piece;
      $("messages").scrollTop = $("messages").scrollHeight;
    });
    state.history.push({ role: "assistant", content: target.textContent });
  } catch (e) {
    showError(e.message);
    state.history.pop();
  } finally {
    setBusy("chat-send", "chat-stop", false);
  }
}

async function complete() {
  if (state.controller) return;
  showError("");
  const prompt = $("prompt").value;
  $("completion").textContent = "";
  const promptSpan = document.createElement("span");
  promptSpan.className = "prompt";
  promptSpan.textContent = prompt;
  const output = document.createElement("span");
  $("completion").append(promptSpan, output);
  setBusy("complete", "complete-stop", true);
  try {
    await generate("/v1/completions", { prompt }, (piece) => { output.textContent += piece; });
  } catch (e) {
    showError(e.message);
  } finally {
    setBusy("complete", "complete-stop", false);
  }
}

// A word with a background whose colour and strength follow its score (green +, red -).
function highlighted(text, score, scale) {
  const span = document.createElement("span");
  span.className = "token";
  span.textContent = text;
  const alpha = Math.min(1, Math.abs(score) / (scale || 1)) * 0.75;
  span.style.backgroundColor = score >= 0 ? `rgba(34,160,80,${alpha})` : `rgba(220,50,50,${alpha})`;
  span.title = score.toFixed(3);
  return span;
}

function bar(label, value) {
  const row = document.createElement("div");
  row.className = "bar";
  const name = document.createElement("span");
  name.textContent = label;
  const meter = document.createElement("meter");
  meter.min = 0; meter.max = 1; meter.value = value;
  const number = document.createElement("span");
  number.textContent = (100 * value).toFixed(1) + "%";
  row.append(name, meter, number);
  return row;
}

async function classify() {
  showError("");
  const out = $("classify-result");
  out.textContent = "";
  try {
    const data = await postJson("/v1/classify", { text: $("classify-text").value, explain: true });
    const r = data.results[0];
    const head = document.createElement("p");
    head.append(t("label") + ": ");
    const label = document.createElement("strong");
    label.textContent = r.label;
    head.append(label, ` (${t("probability")} ${(100 * r.probability).toFixed(1)}%)`);
    out.append(head);
    for (const [name, p] of Object.entries(r.probabilities)) out.append(bar(name, p));
    const scale = Math.max(1e-6, ...r.tokens.map((x) => Math.abs(x.score)));
    const text = document.createElement("p");
    text.className = "explained";
    for (const token of r.tokens) { text.append(highlighted(token.token, token.score, scale), " "); }
    const note = document.createElement("p");
    note.className = "usage";
    note.textContent = t("explanation");
    out.append(text, note);
  } catch (e) { showError(e.message); }
}

async function moderate() {
  showError("");
  const out = $("moderate-result");
  out.textContent = "";
  const text = $("moderate-text").value;
  try {
    const data = await postJson("/v1/moderate", { text });
    const r = data.results[0];
    const head = document.createElement("p");
    head.append(t("action") + ": ");
    const action = document.createElement("strong");
    action.className = "action " + r.action;
    action.textContent = r.action;
    head.append(action);
    out.append(head);
    // Spans are code-point offsets into the text: mark them in a copy of the text.
    const chars = Array.from(text);
    const marks = new Array(chars.length).fill(null);
    for (const c of r.categories || []) {
      const row = document.createElement("p");
      row.textContent = `${t("category")} ${c.category}: ${c.action} (${t("score")} ${c.score}` +
                        (c.classifier_score >= 0 ? `, classifier ${c.classifier_score.toFixed(3)}` : "") + ")";
      out.append(row);
      for (const s of c.spans || []) for (let i = s.start; i < s.end && i < marks.length; ++i) marks[i] = c.category;
    }
    if (!(r.categories || []).length) { const p = document.createElement("p"); p.textContent = t("no_match"); out.append(p); }
    const shown = document.createElement("p");
    shown.className = "explained";
    for (let i = 0; i < chars.length;) {
      let j = i;
      while (j < chars.length && marks[j] === marks[i]) ++j;
      const piece = chars.slice(i, j).join("");
      if (marks[i]) { const m = document.createElement("mark"); m.textContent = piece; m.title = marks[i]; shown.append(m); }
      else shown.append(piece);
      i = j;
    }
    out.append(shown);
  } catch (e) { showError(e.message); }
}

async function askFaq() {
  showError("");
  const out = $("faq-result");
  out.textContent = "";
  try {
    const data = await postJson("/v1/faq", { question: $("faq-question").value, top: 3 });
    const reply = document.createElement("p");
    reply.className = "reply";
    reply.textContent = data.reply;
    const meta = document.createElement("p");
    meta.className = "usage";
    meta.textContent = `${t("confidence")} ${(100 * data.confidence).toFixed(1)}%` + (data.fallback ? " · " + t("fallback") : "");
    out.append(reply, meta);
    const list = document.createElement("ol");
    for (const a of data.answers) {
      const li = document.createElement("li");
      li.textContent = `${a.answer} — ${t("matched")}: “${a.matched_question}” (${a.score.toFixed(3)})`;
      list.append(li);
    }
    out.append(list);
  } catch (e) { showError(e.message); }
}

// RFC 4180 CSV (quotes, doubled quotes, newlines inside quotes); a .tsv splits on tabs.
function parseTable(text, tab) {
  const rows = [];
  let row = [], field = "", quoted = false;
  const sep = tab ? "\t" : ",";
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === sep) { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") ++i;
      row.push(field); field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function loadCsv() {
  const file = $("analyze-file").files[0];
  if (!file) return;
  const rows = parseTable(await file.text(), /\.tsv$/i.test(file.name));
  if (rows.length < 2) { showError("CSV: no rows"); return; }
  state.csv = rows;
  for (const id of ["analyze-text-column", "analyze-label-column"]) {
    const select = $(id);
    select.textContent = "";
    if (id === "analyze-label-column") select.append(new Option(t("none"), ""));
    rows[0].forEach((name, i) => select.append(new Option(name, String(i))));
  }
  const guess = rows[0].findIndex((h) => /text|review|content|comment|文本|评论|内容/i.test(h));
  $("analyze-text-column").value = String(guess >= 0 ? guess : 0);
  $("analyze-status").textContent = t("rows", { n: rows.length - 1 });
  $("analyze").disabled = false;
}

async function analyze() {
  if (!state.csv) return;
  showError("");
  const textColumn = Number($("analyze-text-column").value);
  const labelValue = $("analyze-label-column").value;
  const rows = state.csv.slice(1);
  const request = { texts: rows.map((r) => r[textColumn] || ""), lang: currentLanguage };  // the report in the UI's language
  if (labelValue !== "") request.labels = rows.map((r) => r[Number(labelValue)] || "");
  $("analyze-status").textContent = t("analyzing", { n: rows.length });
  const started = performance.now();
  try {
    const data = await postJson("/v1/analyze", request);
    $("analyze-report").srcdoc = data.html;
    $("analyze-status").textContent = t("done", { seconds: ((performance.now() - started) / 1000).toFixed(1) });
  } catch (e) { showError(e.message); $("analyze-status").textContent = ""; }
}

function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.classList.toggle("active", p.id === "panel-" + name);
  $("params").hidden = !(name === "chat" || name === "completion");
  showError(unavailableReason(name));
}

const NEEDS = { chat: ["model", "--model DIR"], completion: ["model", "--model DIR"], classify: ["classify", "--classifier DIR"],
                moderate: ["moderate", "--policy FILE"], faq: ["faq", "--faq DIR"], analyze: ["analyze", ""] };

// The tabs of endpoints this server was not started with are hidden (from /health's
// capabilities); the first tab left is shown. Before /health answers every tab stays.
function tabsOffered() {
  const buttons = [...document.querySelectorAll("#tabs button")];
  if (!state.health) return buttons.map((b) => b.dataset.tab);
  for (const b of buttons) b.hidden = unavailableReason(b.dataset.tab) !== "";
  return buttons.filter((b) => !b.hidden).map((b) => b.dataset.tab);
}

function unavailableReason(tab) {
  const h = state.health;
  if (!h || !NEEDS[tab]) return "";
  const [what, flag] = NEEDS[tab];
  const ok = what === "model" ? Boolean(h.model) : Boolean(h.capabilities && h.capabilities[what]);
  return ok ? "" : t("unavailable", { flag });
}

async function refreshHealth() {
  try {
    const response = await fetch("/health");
    state.health = await response.json();
    $("status").textContent = state.health.model
      ? t("connected", { model: state.health.model, slots: state.health.slots }) : t("no_model");
    $("status").className = "status ok";
  } catch (e) {
    $("status").textContent = t("offline");
    $("status").className = "status bad";
  }
}

function init() {
  let language = "en";
  try { language = localStorage.getItem("lmforge.lang") || (navigator.language.startsWith("zh") ? "zh" : "en"); } catch (e) { /* ignore */ }
  applyLanguage(language);
  $("lang").textContent = currentLanguage === "zh" ? "English" : "中文";
  $("lang").addEventListener("click", () => {
    applyLanguage(currentLanguage === "zh" ? "en" : "zh");
    $("lang").textContent = currentLanguage === "zh" ? "English" : "中文";
    refreshHealth();
  });
  try { $("api-key").value = sessionStorage.getItem("lmforge.key") || ""; } catch (e) { /* ignore */ }
  $("api-key").addEventListener("change", () => { try { sessionStorage.setItem("lmforge.key", $("api-key").value); } catch (e) { /* ignore */ } });
  for (const id of ["temperature", "top_p"]) {
    $(id).addEventListener("input", () => { $(id + "-value").textContent = $(id).value; });
    $(id + "-value").textContent = $(id).value;
  }
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("chat-form").addEventListener("submit", sendChat);
  $("chat-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-form").requestSubmit(); }
  });
  $("chat-stop").addEventListener("click", () => state.controller && state.controller.abort());
  $("chat-clear").addEventListener("click", () => { state.history = []; $("messages").textContent = ""; });
  $("complete").addEventListener("click", complete);
  $("complete-stop").addEventListener("click", () => state.controller && state.controller.abort());
  $("classify").addEventListener("click", classify);
  $("moderate").addEventListener("click", moderate);
  $("faq").addEventListener("click", askFaq);
  $("faq-question").addEventListener("keydown", (e) => { if (e.key === "Enter") askFaq(); });
  $("analyze-file").addEventListener("change", loadCsv);
  $("analyze").addEventListener("click", analyze);
  refreshHealth().then(() => {
    const offered = tabsOffered();
    showTab(offered.length ? offered[0] : "chat");
  });
}

document.addEventListener("DOMContentLoaded", init);
