// `lmforge serve`: an OpenAI-compatible HTTP server (cpp-httplib) over a TextGenerator, the
// product endpoints and the web playground. Routes:
//   GET  /health            {"status": "ok" | "draining", ...}  (503 while draining)
//   GET  /metrics           Prometheus text (serve/metrics.h)
//   GET  /v1/models, /v1/models/{id}
//   POST /v1/completions, /v1/chat/completions   (stream: true = server-sent events, data: [DONE])
//   POST /v1/embeddings, /v1/classify, /v1/moderate, /v1/faq, /v1/analyze  (serve/products.h)
//   GET  /, /index.html, ... the playground (serve/web_assets.h)
// /v1/* and /metrics need "Authorization: Bearer KEY" when a key is set. Errors are OpenAI's
// {"error": {"message", "type", "param", "code"}} with the matching status (400 bad request,
// 401 no or wrong key, 404 unknown route or model, 413 body too large, 429 queue full with
// Retry-After, 500 server fault, 503 draining).
//
//   Server server(options, &generator, &products, &web);
//   int port = server.bind();            // port 0 = any free port
//   std::thread t([&] { server.run(); });
//   ...; server.stop(); t.join();         // drains in-flight requests first
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "lmforge/serve/generator.h"
#include "lmforge/serve/metrics.h"
#include "lmforge/serve/openai_api.h"
#include "lmforge/serve/products.h"
#include "lmforge/serve/web_assets.h"

namespace lmforge::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";       // loopback unless asked otherwise
  int port = 8080;                      // 0 = a free port (bind() returns it)
  std::string api_key;                  // empty = no authentication
  int slots = 1;                        // generation requests running at once
  int queue = 16;                       // requests waiting for a slot; one more gets 429
  std::size_t max_body_bytes = 4 << 20; // larger request bodies get 413
  double request_timeout = 300;         // seconds from arrival (queue wait included) until a
                                        // generation is stopped (finish_reason "length"); 0 = none
  double drain_timeout = 30;            // after stop(): seconds running requests get before
                                        // their generations are cut short
  int http_threads = 0;                 // connections served at once (a thread each); 0 = slots + queue + 8;
                                        // more are answered 429 at once
  int max_client_connections = 0;       // open connections per client address; 0 = 3/4 of http_threads
  double request_read_timeout = 10;     // seconds a request may take to arrive (line, headers, body);
                                        // a slower client's connection is closed; 0 = no bound
  ApiLimits limits;                     // max_tokens, n, prompts, stop strings per request
  std::string model_name = "lmforge";   // the id /v1/models lists and responses carry
  std::string cors_origin;              // empty = no CORS headers; "*" or an origin allows browsers elsewhere
  bool log_requests = true;             // one line per request on stderr
};

class Server {
 public:
  // generator may be null (no generation endpoints: 404 naming --model); products and web may
  // be null too. They must outlive the server.
  Server(ServeOptions options, TextGenerator* generator, ProductService* products, const WebAssets* web);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. RuntimeError when the address is taken.
  int bind();
  // Serves until stop(); returns when every accepted request has finished.
  void run();
  // Stop accepting, refuse queued generation requests (503), let running ones finish (cut
  // short after drain_timeout). Thread-safe; returns at once.
  void stop();

  const Metrics& metrics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lmforge::serve
