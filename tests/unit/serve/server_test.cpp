// The HTTP layer end to end on a loopback port, with a scripted generator instead of a model:
// routes, status codes, streaming, authentication, admission (429), cancellation when the client
// disconnects, and draining on stop().
#include "lmforge/serve/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "lmforge/common/error.h"

namespace lmforge::serve {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Emits " w0", " w1", ... (one piece per token) for max_new_tokens tokens per sample, `delay`
// apart; stops when the callback says so. A prompt containing "too long" is a context error.
class FakeGenerator : public TextGenerator {
 public:
  std::atomic<int> delay_ms{0};
  std::atomic<int> running{0}, cancelled{0}, finished{0};

  json run(const json& request, const TextCallback& on_text) override {
    const std::string prompt = request.contains("prompt") ? request["prompt"].get<std::string>() : "";
    if (prompt.find("too long") != std::string::npos) usage_error("the prompt has 99 tokens but the model's context is 32");
    ++running;
    const int n = request.value("n", 1);
    const auto max = request["max_new_tokens"].get<int>();
    std::vector<std::string> texts(n);
    std::string finish = "length";
    int steps = 0;
    for (; steps < max && finish == "length"; ++steps) {
      for (int s = 0; s < n; ++s) {
        const std::string piece = " w" + std::to_string(steps);
        texts[s] += piece;
        if (!on_text(s, piece)) finish = "cancelled";
      }
      if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms.load()));
    }
    --running;
    (finish == "cancelled" ? cancelled : finished)++;
    json out{{"prompt_tokens", static_cast<int>(prompt.size())}, {"samples", json::array()}, {"seed", 1}};
    for (int s = 0; s < n; ++s)
      out["samples"].push_back({{"text", texts[s]}, {"tokens", std::vector<int>(steps, 1)}, {"finish_reason", finish}});
    return out;
  }
  json describe() override { return {{"model_type", "gpt"}, {"parameters", 10}, {"context", 32}, {"chat_template", ""}}; }
};

// from: the local address to connect from (127.0.0.2 is another client on the loopback).
int connect_to(int port, const char* from = nullptr) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (from) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from, &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string request_text(const std::string& method, const std::string& path, const std::string& body,
                         const std::vector<std::string>& headers) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  if (method == "POST") r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

struct Reply {
  int status = 0;
  std::string head, body;
  std::string header(const std::string& name) const {
    const auto at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const auto start = at + name.size() + 4;
    return head.substr(start, head.find("\r\n", start) - start);
  }
  json json_body() const { return json::parse(body); }
};

std::string dechunk(const std::string& s) {
  std::string out;
  std::size_t at = 0;
  while (at < s.size()) {
    const auto eol = s.find("\r\n", at);
    if (eol == std::string::npos) break;
    const auto size = std::stoul(s.substr(at, eol - at), nullptr, 16);
    if (size == 0) break;
    out += s.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  return out;
}

Reply http(int port, const std::string& method, const std::string& path, const std::string& body = "",
           const std::vector<std::string>& headers = {}) {
  const int fd = connect_to(port);
  EXPECT_GE(fd, 0);
  const auto text = request_text(method, path, body, headers);
  for (std::size_t sent = 0; sent < text.size();) {
    const auto n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse a large body before reading it
    sent += static_cast<std::size_t>(n);
  }
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) all.append(buf, static_cast<std::size_t>(n));
  close(fd);
  Reply r;
  const auto split = all.find("\r\n\r\n");
  if (split == std::string::npos) return r;
  r.head = all.substr(0, split + 2);
  r.body = all.substr(split + 4);
  r.status = std::stoi(all.substr(9, 3));
  if (r.head.find("Transfer-Encoding: chunked") != std::string::npos) r.body = dechunk(r.body);
  return r;
}

std::vector<json> sse_events(const std::string& body, bool* done) {
  std::vector<json> events;
  *done = false;
  std::size_t at = 0;
  while ((at = body.find("data: ", at)) != std::string::npos) {
    const auto end = body.find("\n\n", at);
    const auto data = body.substr(at + 6, end - at - 6);
    if (data == "[DONE]") *done = true;
    else events.push_back(json::parse(data));
    at = end;
  }
  return events;
}

struct Running {
  FakeGenerator generator;
  std::unique_ptr<Server> server;
  std::thread thread;
  int port = 0;
  explicit Running(ServeOptions o = {}) {
    o.port = 0;
    o.log_requests = false;
    o.model_name = "fake";
    server = std::make_unique<Server>(o, &generator, nullptr, nullptr);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
  }
  ~Running() {
    server->stop();
    thread.join();
  }
};

const std::string kCompletion = R"({"model": "fake", "prompt": "Hi", "max_tokens": 3})";

TEST(Server, HealthModelsAndMetrics) {
  Running s;
  auto r = http(s.port, "GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json_body()["status"], "ok");
  r = http(s.port, "GET", "/v1/models");
  EXPECT_EQ(r.json_body()["data"][0]["id"], "fake");
  EXPECT_EQ(http(s.port, "GET", "/v1/models/fake").status, 200);
  r = http(s.port, "GET", "/v1/models/gpt-4");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json_body()["error"]["code"], "model_not_found");
  http(s.port, "POST", "/v1/completions", kCompletion);
  r = http(s.port, "GET", "/metrics");
  EXPECT_NE(r.body.find("lmforge_requests_total{endpoint=\"/v1/completions\",status=\"200\"} 1"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("lmforge_generated_tokens_total 3"), std::string::npos);
  EXPECT_NE(r.body.find("lmforge_request_duration_seconds_bucket{endpoint=\"/v1/completions\",le=\"+Inf\"} 1"),
            std::string::npos);
}

TEST(Server, CompletionAndChat) {
  Running s;
  auto r = http(s.port, "POST", "/v1/completions", kCompletion);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json_body();
  EXPECT_EQ(j["choices"][0]["text"], " w0 w1 w2");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 3);
  EXPECT_EQ(j["model"], "fake");
  r = http(s.port, "POST", "/v1/chat/completions",
           R"({"model": "fake", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "n": 2})");
  ASSERT_EQ(r.status, 200) << r.body;
  j = r.json_body();
  ASSERT_EQ(j["choices"].size(), 2u);
  EXPECT_EQ(j["choices"][1]["message"]["content"], "w0 w1");  // leading space trimmed
}

TEST(Server, Streaming) {
  Running s;
  auto r = http(s.port, "POST", "/v1/completions",
                R"({"prompt": "Hi", "max_tokens": 3, "stream": true, "stream_options": {"include_usage": true}})");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("text/event-stream"), std::string::npos);
  bool done = false;
  auto events = sse_events(r.body, &done);
  EXPECT_TRUE(done);
  ASSERT_EQ(events.size(), 5u);  // 3 pieces, the finish chunk, the usage chunk
  EXPECT_EQ(events[0]["choices"][0]["text"], " w0");
  EXPECT_EQ(events[3]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(events[4]["usage"]["completion_tokens"], 3);
  r = http(s.port, "POST", "/v1/chat/completions",
           R"({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "stream": true})");
  events = sse_events(r.body, &done);
  EXPECT_TRUE(done);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["choices"][0]["delta"]["role"], "assistant");
  EXPECT_EQ(events[1]["choices"][0]["delta"]["content"], "w0");
  EXPECT_EQ(events[3]["choices"][0]["finish_reason"], "length");
}

TEST(Server, ErrorsAreOpenAiJsonWithStatusCodes) {
  ServeOptions o;
  o.max_body_bytes = 1000;
  Running s(o);
  auto r = http(s.port, "POST", "/v1/completions", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json_body()["error"]["code"], "invalid_json");
  r = http(s.port, "POST", "/v1/completions", R"({"prompt": "x", "temperature": "hot"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json_body()["error"]["param"], "temperature");
  r = http(s.port, "POST", "/v1/completions", R"({"prompt": "too long"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json_body()["error"]["code"], "context_length_exceeded");
  r = http(s.port, "POST", "/v1/completions", std::string(5000, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json_body()["error"]["code"], "request_too_large");
  r = http(s.port, "GET", "/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json_body()["error"]["type"], "invalid_request_error");
  r = http(s.port, "POST", "/v1/classify", R"({"text": "x"})");
  EXPECT_EQ(r.status, 404);  // no products configured
  EXPECT_EQ(http(s.port, "GET", "/health").status, 200);  // still up
}

TEST(Server, ApiKey) {
  ServeOptions o;
  o.api_key = "sk-test";
  Running s(o);
  auto r = http(s.port, "POST", "/v1/completions", kCompletion);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json_body()["error"]["type"], "authentication_error");
  EXPECT_EQ(http(s.port, "POST", "/v1/completions", kCompletion, {"Authorization: Bearer sk-tesT"}).status, 401);
  EXPECT_EQ(http(s.port, "GET", "/metrics").status, 401);
  EXPECT_EQ(http(s.port, "POST", "/v1/completions", kCompletion, {"Authorization: Bearer sk-test"}).status, 200);
  EXPECT_EQ(http(s.port, "GET", "/health").status, 200);  // health needs no key
}

TEST(Server, FullQueueGets429WithRetryAfter) {
  ServeOptions o;
  o.slots = 1;
  o.queue = 0;
  Running s(o);
  s.generator.delay_ms = 100;
  std::thread slow([&] { http(s.port, "POST", "/v1/completions", R"({"prompt": "x", "max_tokens": 10})"); });
  while (s.generator.running == 0) std::this_thread::sleep_for(1ms);
  auto r = http(s.port, "POST", "/v1/completions", kCompletion);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.json_body()["error"]["type"], "rate_limit_error");
  EXPECT_GE(std::stoi(r.header("Retry-After")), 1);
  slow.join();
  EXPECT_EQ(http(s.port, "POST", "/v1/completions", kCompletion).status, 200);
}

TEST(Server, RetryAfterIsOneHeader) {
  ServeOptions o;
  o.slots = 1;
  o.queue = 0;
  Running s(o);
  s.generator.delay_ms = 100;
  std::thread slow([&] { http(s.port, "POST", "/v1/completions", R"({"prompt": "x", "max_tokens": 10})"); });
  while (s.generator.running == 0) std::this_thread::sleep_for(1ms);
  const auto r = http(s.port, "POST", "/v1/completions", kCompletion);
  slow.join();
  EXPECT_EQ(r.status, 429);
  std::size_t count = 0;
  for (std::size_t at = 0; (at = r.head.find("\r\nRetry-After:", at)) != std::string::npos; ++at) ++count;
  EXPECT_EQ(count, 1u) << r.head;
}

TEST(Server, UnknownModelIs404) {
  Running s;
  for (const auto& [path, body] :
       {std::pair{"/v1/completions", R"({"model": "gpt-4", "prompt": "Hi", "max_tokens": 1})"},
        std::pair{"/v1/chat/completions", R"({"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]})"}}) {
    const auto r = http(s.port, "POST", path, body);
    EXPECT_EQ(r.status, 404) << path;
    const auto e = r.json_body()["error"];
    EXPECT_EQ(e["type"], "invalid_request_error");
    EXPECT_EQ(e["code"], "model_not_found");
    EXPECT_EQ(e["param"], "model");
    EXPECT_NE(e["message"].get<std::string>().find("gpt-4"), std::string::npos);
  }
  EXPECT_EQ(s.generator.finished, 0);  // nothing generated for them
  EXPECT_EQ(http(s.port, "POST", "/v1/completions", kCompletion).status, 200);  // the served name
  EXPECT_EQ(http(s.port, "POST", "/v1/completions", R"({"prompt": "Hi", "max_tokens": 1})").status, 200);  // none
}

TEST(Server, HealthSaysWhatIsOffered) {
  Running s;
  const auto caps = http(s.port, "GET", "/health").json_body()["capabilities"];
  EXPECT_EQ(caps["completions"], true);
  EXPECT_EQ(caps["chat"], true);
  for (const char* product : {"classify", "moderate", "faq", "embeddings", "analyze"}) EXPECT_EQ(caps[product], false) << product;
}

// Reads one HTTP response's status from a keep-alive connection (0: closed or reset first).
int read_status(int fd) {
  std::string all;
  char buf[4096];
  while (all.find("\r\n\r\n") == std::string::npos) {
    const auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    all.append(buf, static_cast<std::size_t>(n));
  }
  return std::stoi(all.substr(9, 3));
}

TEST(Server, ABurstOfConnectionsIsAnsweredNotReset) {
  ServeOptions o;
  o.http_threads = 4;
  o.max_client_connections = 4;
  Running s(o);
  constexpr int kClients = 40;
  std::vector<int> status(kClients, -1), fds(kClients, -1);
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] {
      fds[i] = connect_to(s.port);
      const std::string get = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";  // keep-alive
      if (fds[i] >= 0 && send(fds[i], get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size()))
        status[i] = read_status(fds[i]);
      ++answered;
      while (answered < kClients) std::this_thread::sleep_for(1ms);  // every connection open at once
    });
  for (auto& c : clients) c.join();
  int ok = 0, busy = 0;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(status[i] == 200 || status[i] == 429) << "connection " << i << ": " << status[i];
    ok += status[i] == 200, busy += status[i] == 429;
    if (fds[i] >= 0) close(fds[i]);
  }
  EXPECT_EQ(ok, 4);  // the capacity, held by keep-alive connections
  EXPECT_EQ(busy, kClients - 4);
  EXPECT_EQ(s.server->metrics().requests_with_status(429), static_cast<std::uint64_t>(kClients - 4));
}

TEST(Server, SlowClientsDoNotStarveOthers) {
  ServeOptions o;
  o.http_threads = 8;
  o.max_client_connections = 6;
  o.request_read_timeout = 3.0;
  Running s(o);
  constexpr int kSlow = 16;
  std::atomic<int> cut{0};  // slow connections the server closed while they were still sending
  std::vector<std::thread> slow;
  for (int i = 0; i < kSlow; ++i)
    slow.emplace_back([&] {
      const int fd = connect_to(s.port);
      const std::string text = request_text("POST", "/v1/completions", kCompletion, {});
      // 50 ms a byte: the request would take 7 s to arrive; the server's bound is 3 s.
      bool closed = false;
      for (std::size_t at = 0; at < text.size() && !closed; ++at) {
        closed = send(fd, text.data() + at, 1, MSG_NOSIGNAL) != 1;
        std::this_thread::sleep_for(50ms);
      }
      char c;
      if (closed || recv(fd, &c, 1, MSG_DONTWAIT) == 0) ++cut;
      close(fd);
    });
  std::this_thread::sleep_for(300ms);  // the slow ones hold their connections
  for (const char* from : {"127.0.0.2", "127.0.0.1"}) {
    const auto start = std::chrono::steady_clock::now();
    const int fd = connect_to(s.port, from);
    ASSERT_GE(fd, 0) << from;
    const std::string get = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(send(fd, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
    const int status = read_status(fd);
    close(fd);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 1.5) << from;  // not held until the slow ones' deadline (3 s)
    // Another address is served; the slow clients' own address is refused (its bound is taken).
    EXPECT_EQ(status, std::string(from) == "127.0.0.2" ? 200 : 429) << from;
  }
  for (auto& t : slow) t.join();
  EXPECT_EQ(cut, kSlow);  // every slow connection was refused or closed by the read deadline
}

TEST(Server, ClientDisconnectCancelsGeneration) {
  Running s;
  s.generator.delay_ms = 20;
  for (const bool stream : {true, false}) {
    const int before = s.generator.cancelled;
    const int fd = connect_to(s.port);
    const auto text = request_text("POST", "/v1/completions",
                                   json{{"prompt", "x"}, {"max_tokens", 500}, {"stream", stream}}.dump(), {});
    ASSERT_EQ(send(fd, text.data(), text.size(), MSG_NOSIGNAL), static_cast<ssize_t>(text.size()));
    while (s.generator.running == 0) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(60ms);
    close(fd);
    const auto until = std::chrono::steady_clock::now() + 3s;  // 500 tokens would take 10 s
    while (s.generator.cancelled == before && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(s.generator.cancelled, before + 1) << (stream ? "streaming" : "non-streaming");
  }
}

TEST(Server, StopLetsRunningRequestsFinish) {
  auto s = std::make_unique<Running>();
  s->generator.delay_ms = 30;
  Reply reply;
  std::thread client([&] { reply = http(s->port, "POST", "/v1/completions", R"({"prompt": "x", "max_tokens": 10})"); });
  while (s->generator.running == 0) std::this_thread::sleep_for(1ms);
  s->server->stop();
  client.join();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json_body()["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(reply.json_body()["usage"]["completion_tokens"], 10);  // not cut short
  s.reset();  // run() returned
}

// A SIGTERM during start-up: stop() before run() (or while run() is entering httplib's listen
// loop) must still end run(), at once.
TEST(Server, StopBeforeOrDuringRunStillEndsRun) {
  for (const int delay_us : {-1, 0, 50, 200, 1000}) {
    FakeGenerator generator;
    ServeOptions o;
    o.port = 0;
    o.log_requests = false;
    Server server(o, &generator, nullptr, nullptr);
    server.bind();
    if (delay_us < 0) server.stop();
    std::thread thread([&] { server.run(); });
    if (delay_us >= 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      server.stop();
    }
    const auto until = std::chrono::steady_clock::now() + 5s;
    std::atomic<bool> returned{false};
    std::thread joiner([&] { thread.join(); returned = true; });
    while (!returned && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(returned) << "run() still listening after stop() (delay " << delay_us << " us)";
    joiner.join();
  }
}

}  // namespace
}  // namespace lmforge::serve
