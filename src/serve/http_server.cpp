// The HTTP layer of `lmforge serve` on cpp-httplib: routing, authentication, admission,
// streaming and draining. What a request means (OpenAI fields, products) lives elsewhere in
// src/serve; this file only moves bytes and decides status codes.
#include "lmforge/serve/server.h"

#include <httplib.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "lmforge/common/error.h"
#include "lmforge/serve/admission.h"
#include "lmforge/serve/auth.h"
#include "lmforge/serve/chat_template.h"
#include "lmforge/serve/connection_probe.h"
#include "gated_http_server.h"

namespace lmforge::serve {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::set<std::string> kRoutes{"/health",           "/metrics",      "/v1/models",  "/v1/completions",
                                    "/v1/chat/completions", "/v1/embeddings", "/v1/classify", "/v1/moderate",
                                    "/v1/faq",           "/v1/analyze"};

// The metrics label of a path: a route name, "/v1/models/{id}", "web" or "other" (bounded).
std::string endpoint_label(const std::string& path, bool web_asset) {
  if (kRoutes.count(path)) return path;
  if (path.rfind("/v1/models/", 0) == 0) return "/v1/models/{id}";
  return web_asset ? "web" : "other";
}

// Set when a request reaches routing; a request refused while its body was read (413, 400)
// never does, and is logged with duration 0. One request at a time per connection thread.
thread_local Clock::time_point request_start;
thread_local bool request_started = false;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// retry_after: seconds for the Retry-After header of a 429 or 503 (httplib's set_header adds a
// header line each call, so it is set here and nowhere else: clients read "1, 1" otherwise).
void send_error(httplib::Response& res, const ApiError& e, int retry_after = 1) {
  send_json(res, e.status, error_json(e));
  if (e.status == 429 || e.status == 503) res.set_header("Retry-After", std::to_string(std::max(1, retry_after)));
}

// Connections the kernel holds for accept(): a burst of clients connecting at once is taken
// and answered (429 beyond capacity), not reset.
constexpr int kListenBacklog = 1024;

constexpr std::size_t kTrimAfterBodyBytes = 256 << 10;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

struct Server::Impl {
  ServeOptions options;
  TextGenerator* generator = nullptr;
  ProductService* products = nullptr;
  const WebAssets* web = nullptr;
  ConnectionGate gate;
  GatedHttpServer http;
  SlotQueue slots;
  Metrics metrics;
  ChatTemplate chat_template;
  json model_info;
  std::int64_t created = 0;
  std::atomic<bool> draining{false};
  // run() was entered / has returned: a stop() that came before httplib started listening (a
  // SIGTERM during start-up) must still end run(), since httplib's own stop() is then a no-op.
  std::atomic<bool> run_entered{false};
  std::atomic<bool> run_returned{false};
  std::atomic<bool> cut_short{false};  // drain_timeout passed: stop generations now
  std::mutex stop_mutex;
  std::condition_variable stop_changed;
  std::thread watchdog;

  Impl(ServeOptions o, TextGenerator* g, ProductService* p, const WebAssets* w)
      : options(std::move(o)), generator(g), products(p), web(w), gate(connection_threads(options),
                                                                       client_connections(options)),
        http(gate, options.request_read_timeout), slots(options.slots, options.queue) {}

  static int connection_threads(const ServeOptions& o) {
    return o.http_threads > 0 ? o.http_threads : o.slots + o.queue + 8;
  }
  // Default: three quarters of the threads, so one client address never holds them all.
  static int client_connections(const ServeOptions& o) {
    return o.max_client_connections > 0 ? o.max_client_connections : std::max(1, connection_threads(o) * 3 / 4);
  }

  void routes();
  void generation(const httplib::Request& req, httplib::Response& res, bool chat);
  void product(const httplib::Request& req, httplib::Response& res, json (ProductService::*method)(const json&));
  bool authorized(const httplib::Request& req) const;
  // What this server offers, for the playground: the products' flags (all false without
  // products) and "completions" / "chat" when a model is loaded.
  json capabilities() const {
    json c = products ? products->capabilities()
                      : json{{"classify", false}, {"moderate", false}, {"faq", false}, {"embeddings", false},
                             {"analyze", false}};
    c["completions"] = c["chat"] = generator != nullptr;
    return c;
  }
  // A request naming a model this server does not serve is a 404, as OpenAI answers it (a
  // client pointed at the wrong server must not get another model's answers silently).
  void check_model(const json& body) const {
    if (!body.is_object() || !body.contains("model") || !body["model"].is_string()) return;
    const auto name = body["model"].get<std::string>();
    if (name != options.model_name)
      throw ApiError(404, "invalid_request_error", "model_not_found",
                     fmt::format("The model '{}' does not exist (this server serves '{}')", name, options.model_name),
                     "model");
  }
};

Server::Server(ServeOptions options, TextGenerator* generator, ProductService* products, const WebAssets* web)
    : impl_(std::make_unique<Impl>(std::move(options), generator, products, web)) {
  auto& m = *impl_;
  if (m.options.model_name.empty()) m.options.model_name = "lmforge";
  m.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (generator) {
    m.model_info = generator->describe();
    m.chat_template = ChatTemplate::from_config(m.model_info.value("chat_template", std::string()));
  }
  // Threads beyond the gate's capacity answer the connections it refuses (429 at once) instead
  // of leaving them queued behind busy threads.
  const int threads = m.gate.capacity() + std::max(8, m.gate.capacity() / 4);
  m.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  m.http.on_refused = [&m](ConnectionGate::Verdict, const std::string&) {
    m.metrics.record_request("connection", 429, 0);
  };
  m.http.set_payload_max_length(m.options.max_body_bytes);
  m.http.set_keep_alive_timeout(5);
  m.http.set_keep_alive_max_count(1000);
  m.http.set_read_timeout(30);
  m.http.set_write_timeout(30);
  m.routes();
}

Server::~Server() {
  stop();
  if (impl_->watchdog.joinable()) impl_->watchdog.join();
}

const Metrics& Server::metrics() const { return impl_->metrics; }

int Server::bind() {
  auto& m = *impl_;
  int port = m.options.port;
  if (port == 0) {
    port = m.http.bind_to_any_port(m.options.host);
    if (port < 0) runtime_error("serve: cannot bind {} (any port)", m.options.host);
  } else if (!m.http.bind_to_port(m.options.host, port)) {
    runtime_error("serve: cannot bind {}:{} (in use, or not an address of this machine)", m.options.host, port);
  }
  m.http.widen_backlog(kListenBacklog);
  return port;
}

void Server::run() {
  auto& m = *impl_;
  m.run_entered = true;  // before reading draining: stop() reads them in the opposite order
  if (!m.draining) m.http.listen_after_bind();
  m.run_returned = true;
}

void Server::stop() {
  auto& m = *impl_;
  if (m.draining.exchange(true)) return;
  m.slots.close();
  const bool was_listening = m.http.is_running();
  m.http.stop();
  // Running generations get drain_timeout seconds; then they are cut short.
  m.watchdog = std::thread([&m, was_listening] {
    // run() may be between its draining check and httplib's listen loop: stop that loop once it runs.
    if (!was_listening && m.run_entered) {
      while (!m.run_returned && !m.http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      m.http.stop();
    }
    std::unique_lock lock(m.stop_mutex);
    const auto until = Clock::now() + std::chrono::duration<double>(m.options.drain_timeout);
    while (m.slots.busy() > 0 && Clock::now() < until) m.stop_changed.wait_for(lock, std::chrono::milliseconds(50));
    if (m.slots.busy() > 0) {
      m.cut_short = true;
      if (m.options.log_requests)
        std::fprintf(stderr, "serve: drain timeout: cutting %d running generation(s) short\n", m.slots.busy());
    }
  });
}

bool Server::Impl::authorized(const httplib::Request& req) const {
  if (options.api_key.empty()) return true;
  return constant_time_equal(bearer_token(req.get_header_value("Authorization")), options.api_key);
}

void Server::Impl::routes() {
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_start = Clock::now();
    request_started = true;
    if (!options.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Origin", options.cors_origin);
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      if (req.method == "OPTIONS") {
        res.status = 204;
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    const bool protected_path = req.path.rfind("/v1/", 0) == 0 || req.path == "/metrics";
    if (protected_path && !authorized(req)) {
      send_error(res, ApiError(401, "authentication_error", "invalid_api_key",
                               req.has_header("Authorization") ? "Incorrect API key provided"
                                                               : "Missing API key: send 'Authorization: Bearer KEY'"));
      res.set_header("WWW-Authenticate", "Bearer");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every answer that reaches the client is counted once, here (streams after their last byte).
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds = request_started ? seconds_since(request_start) : 0.0;
    request_started = false;
    const bool asset = web && req.method == "GET" && web->find(req.path);
    metrics.record_request(endpoint_label(req.path, asset), res.status, seconds);
    if (options.log_requests)
      std::fprintf(stderr, "%s %s %d %.1f ms\n", req.method.c_str(), req.path.c_str(), res.status, seconds * 1e3);
    // A large body (a long prompt's tokenisation takes ~50x its size) leaves freed memory in this
    // connection thread's malloc arena; with a thread per connection the resident size grew by
    // it per thread (+54 MB per 1 MB prompt on a new connection; +37 MB with this trim: the
    // rest is the tokenizer's thread_local scratch, kept at each thread's largest input).
    if (req.body.size() >= kTrimAfterBodyBytes) malloc_trim(0);
  });
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int s = res.status;
    const std::string message = s == 404   ? fmt::format("no route {} {}", req.method, req.path)
                                : s == 413 ? "the request body is larger than the server accepts (--max-body-bytes)"
                                : s == 400 ? "malformed HTTP request"
                                           : fmt::format("HTTP {}", s);
    const std::string type = s >= 500 ? "server_error" : "invalid_request_error";
    const std::string code = s == 404 ? "not_found" : s == 413 ? "request_too_large" : "http_error";
    send_json(res, s, error_json(ApiError(s, type, code, message)));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      message = e.what();
    } catch (...) {
    }
    send_json(res, 500, error_json(ApiError(500, "server_error", "internal_error", message)));
  });

  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    json j{{"status", draining ? "draining" : "ok"},
           {"model", generator ? json(options.model_name) : json()},
           {"slots", slots.slots()},
           {"slots_busy", slots.busy()},
           {"queue_depth", slots.waiting()},
           {"queue_capacity", slots.queue_capacity()},
           {"auth", !options.api_key.empty()}};
    j["capabilities"] = capabilities();
    if (generator) j["model_info"] = {{"model_type", model_info.value("model_type", "")},
                                      {"parameters", model_info.value("parameters", 0)},
                                      {"context", model_info.value("context", 0)}};
    send_json(res, draining ? 503 : 200, j);
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    auto text = metrics.render({slots.waiting(), slots.busy(), slots.slots()});
    if (generator) text += generator->metrics_text();
    res.set_content(text, "text/plain; version=0.0.4");
  });
  auto model_object = [this] {
    return json{{"id", options.model_name}, {"object", "model"}, {"created", created}, {"owned_by", "lmforge"}};
  };
  http.Get("/v1/models", [this, model_object](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    if (generator) data.push_back(model_object());
    const auto caps = capabilities();
    if (caps.value("embeddings", false) && caps.value("embedding_model", "") != options.model_name)
      data.push_back(json{{"id", caps.value("embedding_model", "")}, {"object", "model"}, {"created", created},
                          {"owned_by", "lmforge"}});
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });
  http.Get(R"(/v1/models/(.+))", [this, model_object](const httplib::Request& req, httplib::Response& res) {
    if (generator && req.matches[1] == options.model_name) return send_json(res, 200, model_object());
    send_error(res, ApiError(404, "invalid_request_error", "model_not_found",
                             fmt::format("The model '{}' does not exist", req.matches[1].str()), "model"));
  });
  http.Post("/v1/completions",
            [this](const httplib::Request& req, httplib::Response& res) { generation(req, res, false); });
  http.Post("/v1/chat/completions",
            [this](const httplib::Request& req, httplib::Response& res) { generation(req, res, true); });
  http.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
    product(req, res, &ProductService::embeddings);
  });
  http.Post("/v1/classify", [this](const httplib::Request& req, httplib::Response& res) {
    product(req, res, &ProductService::classify);
  });
  http.Post("/v1/moderate", [this](const httplib::Request& req, httplib::Response& res) {
    product(req, res, &ProductService::moderate);
  });
  http.Post("/v1/faq",
            [this](const httplib::Request& req, httplib::Response& res) { product(req, res, &ProductService::faq); });
  http.Post("/v1/analyze", [this](const httplib::Request& req, httplib::Response& res) {
    product(req, res, &ProductService::analyze);
  });
  if (web) {
    http.Get(R"(/[A-Za-z0-9_.-]*)", [this](const httplib::Request& req, httplib::Response& res) {
      const WebAsset* asset = web->find(req.path);
      if (!asset) {
        res.status = 404;
        return;
      }
      res.set_header("Cache-Control", "no-cache");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-src 'self' data: blob:; "
                     "img-src 'self' data:");
      res.set_content(asset->body, asset->content_type);
    });
  }
}

void Server::Impl::product(const httplib::Request& req, httplib::Response& res,
                           json (ProductService::*method)(const json&)) {
  try {
    if (!products) throw ApiError(404, "invalid_request_error", "not_configured", "this server has no product endpoints");
    const json body = parse_request_body(req.body);
    send_json(res, 200, (products->*method)(body));
  } catch (const ApiError& e) {
    send_error(res, e);
  } catch (const UsageError& e) {
    send_error(res, ApiError(400, "invalid_request_error", "invalid_value", e.what()));
  }
}

void Server::Impl::generation(const httplib::Request& req, httplib::Response& res, bool chat) {
  const auto arrival = request_start;
  const auto deadline = options.request_timeout > 0
                            ? arrival + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options.request_timeout))
                            : Clock::time_point::max();
  GenerationPlan plan;
  try {
    if (!generator)
      throw ApiError(404, "invalid_request_error", "not_configured",
                     "this server has no language model: start `lmforge serve` with --model DIR");
    const json body = parse_request_body(req.body);
    check_model(body);
    plan = chat ? plan_chat(body, chat_template, options.limits) : plan_completion(body, options.limits);
  } catch (const ApiError& e) {
    return send_error(res, e);
  }

  auto probe = std::make_shared<ConnectionProbe>(req.remote_addr, req.remote_port, req.local_port);
  switch (slots.acquire(deadline, [&] { return probe->connected(); })) {
    case SlotQueue::Outcome::kAdmitted:
      break;
    case SlotQueue::Outcome::kQueueFull: {
      send_error(res,
                 ApiError(429, "rate_limit_error", "queue_full",
                          fmt::format("all {} generation slots are busy and {} requests are waiting; retry later",
                                      slots.slots(), slots.queue_capacity())),
                 slots.retry_after_seconds());
      return;
    }
    case SlotQueue::Outcome::kTimedOut:
      send_error(res, ApiError(503, "server_error", "queue_timeout", "timed out waiting for a generation slot"));
      return;
    case SlotQueue::Outcome::kClosed:
      send_error(res, ApiError(503, "server_error", "shutting_down", "the server is shutting down"));
      return;
    case SlotQueue::Outcome::kCancelled:
      metrics.record_cancel("disconnect");
      res.status = 499;  // nginx's "client closed request": nobody reads it
      return;
  }
  auto lease = std::make_shared<SlotQueue::Lease>(slots);

  // Shared by both paths: go on while someone listens, within the deadline, before a hard stop.
  struct Run {
    bool first_text = true;
    std::string cancel_reason;
  };
  auto keep_going = [this, probe, deadline](Run& run) {
    if (cut_short) run.cancel_reason = "shutdown";
    else if (Clock::now() > deadline) run.cancel_reason = "timeout";
    else if (!probe->connected()) run.cancel_reason = "disconnect";
    return run.cancel_reason.empty();
  };
  auto finish_metrics = [this](const std::vector<json>& results, const Run& run) {
    const auto usage = usage_json(results);
    metrics.record_tokens(usage["prompt_tokens"].get<std::int64_t>(), usage["completion_tokens"].get<std::int64_t>());
    if (!run.cancel_reason.empty()) metrics.record_cancel(run.cancel_reason);
    stop_changed.notify_all();
  };
  const auto ids = new_response_ids(chat, options.model_name);

  if (!plan.stream) {
    Run run;
    std::vector<json> results;
    try {
      for (const auto& request : plan.requests) {
        results.push_back(generator->run(request, [&](int, std::string_view) {
          if (run.first_text) metrics.record_first_token(seconds_since(arrival)), run.first_text = false;
          return keep_going(run);
        }));
        if (!run.cancel_reason.empty()) break;
      }
    } catch (const UsageError& e) {
      finish_metrics(results, run);
      const bool context = std::string(e.what()).find("context") != std::string::npos;
      return send_error(res, ApiError(400, "invalid_request_error", context ? "context_length_exceeded" : "invalid_value",
                                      e.what()));
    }
    finish_metrics(results, run);
    if (run.cancel_reason == "disconnect") {
      res.status = 499;
      return;
    }
    while (results.size() < plan.requests.size()) {  // cut short before every prompt ran
      json empty{{"prompt_tokens", 0}, {"samples", json::array()}};
      for (int s = 0; s < plan.n; ++s) empty["samples"].push_back({{"text", ""}, {"tokens", json::array()}, {"finish_reason", "cancelled"}});
      results.push_back(empty);
    }
    return send_json(res, 200, completion_response(plan, results, ids));
  }

  // Streaming: the whole generation runs inside the content provider, writing one event per piece.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, plan, ids, lease, keep_going, finish_metrics, arrival](std::size_t, httplib::DataSink& sink) {
        Run run;
        bool writable = true;
        auto write = [&](const json& chunk) {
          if (!writable) return false;
          const auto event = sse_event(chunk);
          writable = sink.write(event.data(), event.size());
          if (!writable) run.cancel_reason = "disconnect";
          return writable;
        };
        std::vector<json> results;
        const int choices = plan.n * static_cast<int>(plan.requests.size());
        if (plan.chat)
          for (int i = 0; i < choices; ++i) write(chat_chunk(ids, i, {{"role", "assistant"}, {"content", ""}}, ""));
        try {
          for (std::size_t p = 0; p < plan.requests.size() && writable && run.cancel_reason.empty(); ++p) {
            std::vector<LeadingSpaceTrimmer> trimmers(plan.n);
            if (plan.echo)
              for (int s = 0; s < plan.n; ++s)
                write(completion_chunk(ids, static_cast<int>(p) * plan.n + s, plan.prompt_texts[p], ""));
            results.push_back(generator->run(plan.requests[p], [&](int sample, std::string_view text) {
              if (run.first_text) metrics.record_first_token(seconds_since(arrival)), run.first_text = false;
              const int index = static_cast<int>(p) * plan.n + sample;
              if (plan.chat) {
                const auto piece = trimmers[sample](text);
                if (!piece.empty() && !write(chat_chunk(ids, index, {{"content", piece}}, ""))) return false;
              } else if (!write(completion_chunk(ids, index, std::string(text), ""))) {
                return false;
              }
              return keep_going(run);
            }));
            const auto& samples = results.back()["samples"];
            for (std::size_t s = 0; s < samples.size(); ++s) {
              const int index = static_cast<int>(p) * plan.n + static_cast<int>(s);
              const auto finish = openai_finish_reason(samples[s]["finish_reason"].get<std::string>());
              write(plan.chat ? chat_chunk(ids, index, json::object(), finish) : completion_chunk(ids, index, "", finish));
            }
          }
          if (plan.include_usage) write(usage_chunk(plan, ids, usage_json(results)));
        } catch (const UsageError& e) {  // the status line is sent: the error goes in the stream
          write(error_json(ApiError(400, "invalid_request_error", "invalid_value", e.what())));
        } catch (const std::exception& e) {
          write(error_json(ApiError(500, "server_error", "internal_error", e.what())));
        }
        if (writable) {
          writable = sink.write(kSseDone, std::strlen(kSseDone));
          sink.done();
        }
        finish_metrics(results, run);
        return writable;
      });
}

}  // namespace lmforge::serve
