// `lmforge serve` on a loopback port, fed by the fuzzer: the first byte picks an endpoint and
// the rest is its POST body (completions, chat, embeddings, classify, moderate, faq, analyze),
// or (selector 7) the rest is sent as the whole raw request: request line, headers, chunked
// bodies, whatever the bytes say. The generator is a scripted fake (the HTTP layer is what is
// fuzzed); the product endpoints use real models: the bundled moderation policy always, and a
// classifier, FAQ index and word vectors when scripts/fuzz.sh built them
// (LMFORGE_FUZZ_CLASSIFIER, LMFORGE_FUZZ_FAQ, LMFORGE_FUZZ_VECTORS).
// Findings: a crash or sanitizer report in any server thread, and a 5xx answer to a body
// (bad input is the client's fault: 4xx).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "fuzz_support.h"
#include "lmforge/serve/server.h"

namespace {

using nlohmann::json;
using namespace lmforge;

// Echoes up to max_new_tokens pieces per sample, as the real session shapes its result.
class EchoGenerator : public serve::TextGenerator {
 public:
  json run(const json& request, const TextCallback& on_text) override {
    const int n = request.value("n", 1);
    const int max = std::min(request.value("max_new_tokens", 16), 64);
    json samples = json::array();
    for (int s = 0; s < n; ++s) {
      std::string text;
      std::string finish = "length";
      for (int step = 0; step < max; ++step) {
        const std::string piece = step % 3 ? " 字" : " w";
        text += piece;
        if (!on_text(s, piece)) {
          finish = "cancelled";
          break;
        }
      }
      samples.push_back({{"text", text}, {"tokens", std::vector<int>(1, 1)}, {"finish_reason", finish}});
    }
    return {{"prompt_tokens", 4}, {"samples", samples}, {"seed", 1}};
  }
  json describe() override { return {{"model_type", "gpt"}, {"parameters", 1}, {"context", 64}, {"chat_template", ""}}; }
};

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

struct LiveServer {
  EchoGenerator generator;
  std::unique_ptr<serve::ProductService> products;
  std::unique_ptr<serve::Server> server;
  std::thread thread;
  int port = 0;

  LiveServer() {
    serve::ProductOptions product_options;
    product_options.policy_path = LMFORGE_SOURCE_DIR "/data/moderate/policy_zh.toml";
    product_options.classifier_dir = env_or_empty("LMFORGE_FUZZ_CLASSIFIER");
    product_options.faq_dir = env_or_empty("LMFORGE_FUZZ_FAQ");
    product_options.vectors_path = env_or_empty("LMFORGE_FUZZ_VECTORS");
    products = std::make_unique<serve::ProductService>(product_options);
    serve::ServeOptions options;
    options.port = 0;
    options.log_requests = false;
    options.max_body_bytes = 1 << 16;
    options.request_timeout = 5;
    server = std::make_unique<serve::Server>(options, &generator, products.get(), nullptr);
    port = server->bind();
    thread = std::thread([this] { server->run(); });
  }
};

// Tens of thousands of short connections a minute use up the ephemeral ports (TIME_WAIT): a
// failed connect is retried for a while; only a server that stays unreachable is a finding.
int connect_to(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{8, 0};  // under libFuzzer's -timeout: a hang shows as a timeout finding
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
    close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  __builtin_trap();  // the server is gone
}

// Closes with a reset instead of leaving the connection in TIME_WAIT (see connect_to).
void close_without_time_wait(int fd) {
  linger no_linger{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
  close(fd);
}

// Sends `request`, half-closes, and returns everything the server answers.
std::string send_and_receive(int port, std::string_view request) {
  const int fd = connect_to(port);
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading everything
    sent += static_cast<std::size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  std::string reply;
  char buffer[8192];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) reply.append(buffer, static_cast<std::size_t>(n));
  close_without_time_wait(fd);
  return reply;
}

int status_of(const std::string& reply) {
  if (reply.rfind("HTTP/1.1 ", 0) != 0 || reply.size() < 12) return 0;
  return std::atoi(reply.c_str() + 9);
}

constexpr const char* kRoutes[] = {"/v1/completions", "/v1/chat/completions", "/v1/embeddings", "/v1/classify",
                                   "/v1/moderate",    "/v1/faq",              "/v1/analyze"};

}  // namespace

// One server for the whole run, never torn down; started before the first input so that loading
// the models (the segmenter's dictionary takes seconds under the sanitizers) is not timed.
LiveServer* live = nullptr;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  live = new LiveServer;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  const int selector = data[0] % 8;
  if (selector == 7) {
    send_and_receive(live->port, rest);
    return 0;
  }
  std::string request = std::string("POST ") + kRoutes[selector] +
                        " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                        "Content-Length: " + std::to_string(rest.size()) + "\r\n\r\n";
  request += rest;
  const int status = status_of(send_and_receive(live->port, request));
  if (status >= 500 && status != 503) __builtin_trap();  // 503: analyze busy / draining, not a fault
  return 0;
}
