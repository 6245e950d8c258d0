// `lmforge serve`: the OpenAI-compatible server, the product endpoints and the web playground
// (lmforge/serve/server.h); thin layer: options, loading, signals.
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "encoder_client.h"
#include "generate_client.h"
#include "lmforge/common/error.h"
#include "lmforge/infer/batch_scheduler.h"
#include "lmforge/serve/auth.h"
#include "lmforge/serve/chat_template.h"
#include "lmforge/serve/server.h"
#include "registry.h"

namespace lmforge::cli {
namespace {

int stop_pipe[2] = {-1, -1};
extern "C" void on_stop_signal(int signal) {
  const char c = static_cast<char>(signal);
  (void)!write(stop_pipe[1], &c, 1);  // async-signal-safe
}

// The loaded model (native engine, or lmforge_nn.so for seq2seq) as the server's TextGenerator;
// chat_template: the user's --chat-template (a style name or our JSON object), empty for the
// model's own.
// On the native engine every request goes through one BatchScheduler (continuous batching).
class ModuleGenerator : public serve::TextGenerator {
 public:
  ModuleGenerator(const std::string& dir, const EngineFlags& engine, std::string chat_template)
      : client_(dir, engine), chat_template_(std::move(chat_template)) {}
  // Starts continuous batching (native engine only; a seq2seq model keeps one request per slot).
  void start_batching(const infer::BatchSchedulerOptions& options) {
    if (client_.generator()) scheduler_ = std::make_unique<infer::BatchScheduler>(*client_.generator(), options);
  }
  infer::Generator* engine() { return client_.generator(); }
  nlohmann::json run(const nlohmann::json& request, const TextCallback& on_text) override {
    if (scheduler_) return scheduler_->run(infer::GenerationRequest::from_json(request), on_text).to_json();
    return client_.run(request, on_text);
  }
  std::string metrics_text() override { return scheduler_ ? serve::render_batch_metrics(scheduler_->stats()) : ""; }
  nlohmann::json describe() override {
    auto j = client_.describe();
    j["chat_template"] = serve::ChatTemplate::choose_config(j.value("chat_template", std::string()), chat_template_);
    return j;
  }

 private:
  GenerateClient client_;
  std::string chat_template_;
  std::unique_ptr<infer::BatchScheduler> scheduler_;  // destroyed first: it uses client_'s model
};

// Memory this process may still take: MemAvailable, or less under a cgroup (v2) limit.
std::uint64_t available_memory_bytes() {
  std::uint64_t available = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    std::uint64_t kib = 0;
    meminfo >> kib;
    meminfo.ignore(64, '\n');
    if (key == "MemAvailable:") available = kib * 1024;
  }
  std::ifstream max("/sys/fs/cgroup/memory.max"), current("/sys/fs/cgroup/memory.current");
  std::string limit;
  std::uint64_t used = 0;
  if (max >> limit && limit != "max" && current >> used) {
    const std::uint64_t cap = std::stoull(limit);
    if (cap > used) available = available ? std::min(available, cap - used) : cap - used;
  }
  return available;
}

// --parallel sequences of --ctx-size positions must fit in the memory there is: refuse at
// start-up (saying how much they need) rather than fail under load.
void check_kv_fits(const infer::CausalModel& model, int parallel, std::uint64_t available) {
  const auto needed = infer::BatchScheduler::kv_bytes_needed(model, parallel, model.info().context);
  if (available == 0 || needed <= available) return;
  const double gib = 1024.0 * 1024 * 1024;
  usage_error("--parallel {} x --ctx-size {} needs {:.2f} GiB of KV cache ({} bytes per position), but {:.2f} GiB of "
              "memory is available: lower --parallel or --ctx-size, or use --kv-type f16",
              parallel, model.info().context, needed / gib, model.kv_bytes_per_position(), available / gib);
}

struct ServeCommand {
  std::string model, classifier, faq, vectors, policy, web_dir, api_key, api_key_file, model_name, chat_template;
  std::string faq_encoder, encoder;
  serve::ServeOptions options;
  EngineFlags engine;
  bool no_web = false;
  bool quiet = false;
  std::int64_t prefill_chunk = 256;
  bool no_prefix_cache = false;

  void add_to(CLI::App& root) {
    auto* cmd = root.add_subcommand(
        "serve", "OpenAI-compatible HTTP server (completions, chat, embeddings; streaming) with classify, "
                 "moderate, FAQ and analyze endpoints and a web playground at /");
    cmd->add_option("-m,--model", model, "Decoder model for /v1/completions and /v1/chat/completions: a .gguf file, a "
                                         "Hugging Face or LoRA adapter directory, or an `lmforge train` run directory");
    cmd->add_option("--chat-template", chat_template,
                    "Prompt format for /v1/chat/completions instead of the model's: a style (chatml, llama3, llama2, "
                    "mistral, gemma) or a JSON object {\"system\", \"user\", \"assistant\", \"generation_prompt\", \"stop\"}");
    cmd->add_option("--classifier", classifier, "Linear classifier directory (`lmforge classify train`) for /v1/classify");
    cmd->add_option("--faq", faq, "FAQ index directory (`lmforge faq build`) for /v1/faq");
    cmd->add_option("--faq-encoder", faq_encoder,
                    "Sentence encoder directory for a --faq index built with `faq build --encoder`, instead of the "
                    "directory the index records (e.g. the model moved); it must be the same model");
    cmd->add_option("--vectors", vectors, "Word vectors (word2vec text/binary, GloVe) for /v1/embeddings and analyze");
    cmd->add_option("--encoder", encoder,
                    "A BERT-family sentence encoder directory (e.g. all-MiniLM-L6-v2) for /v1/embeddings: whole-text "
                    "vectors instead of --vectors' averaged word vectors");
    cmd->add_option("--policy", policy, "Moderation policy (TOML, see `lmforge moderate`) for /v1/moderate");
    cmd->add_option("--host", options.host, "Address to listen on; loopback unless you mean to expose it")
        ->capture_default_str();
    cmd->add_option("--port", options.port, "Port; 0 = a free port (printed on start)")
        ->capture_default_str()
        ->check(CLI::Range(0, 65535));
    auto* key = cmd->add_option("--api-key", api_key, "Require 'Authorization: Bearer KEY' on /v1/* and /metrics "
                                                      "(visible in `ps`: prefer --api-key-file)");
    cmd->add_option("--api-key-file", api_key_file, "Read the API key from the first line of this file")->excludes(key);
    cmd->add_option("--parallel,--slots", options.slots,
                    "Sequences generated at once, all in one batched step of the engine (continuous batching); a "
                    "request with n choices takes n. With --ctx-size it bounds the KV cache memory")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--prefill-chunk", prefill_chunk,
                    "Prompt tokens computed per step between decode steps (a long prompt does not stall the streams)")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    cmd->add_flag("--no-prefix-cache", no_prefix_cache,
                  "Do not keep finished sequences to reuse the KV entries of a shared prompt start");
    cmd->add_option("--queue", options.queue, "Generation requests waiting for a slot; beyond that: 429 + Retry-After")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    engine.add_to(cmd, fmt::format("Decoding threads of the engine's one batched forward pass per step (all --parallel sequences); "
                                   "0 = the physical cores, at most 4 (here: {}); a seq2seq model on libtorch: the "
                                   "cores divided by --slots",
                                   default_threads()));
    cmd->add_option("--max-tokens", options.limits.max_tokens, "The most tokens one request may ask for (more: 400)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-n", options.limits.max_n, "The most choices (n) per prompt")
        ->capture_default_str()
        ->check(CLI::Range(1, 128));
    cmd->add_option("--max-body-bytes", options.max_body_bytes, "Larger request bodies get 413")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--http-threads", options.http_threads,
                    "Client connections served at once (a thread each); 0 = parallel + queue + 8. More get 429 at "
                    "once; see also --max-client-connections and --request-read-timeout")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    cmd->add_option("--max-client-connections", options.max_client_connections,
                    "Open connections one client address may hold (more get 429); 0 = 3/4 of --http-threads")
        ->capture_default_str()
        ->check(CLI::Range(0, 4096));
    cmd->add_option("--request-read-timeout", options.request_read_timeout,
                    "Seconds a request may take to arrive (request line, headers, body); slower connections are "
                    "closed, so clients sending a byte at a time cannot hold the connection threads; 0 = no bound")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--request-timeout", options.request_timeout,
                    "Seconds from arrival (queue included) after which a generation stops (finish_reason length); "
                    "0 = none")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--drain-timeout", options.drain_timeout,
                    "On SIGTERM/SIGINT: seconds running requests get to finish before they are cut short")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--model-name", model_name, "Model id in /v1/models and responses; default: the model directory's name");
    cmd->add_option("--cors-origin", options.cors_origin, "Allow browsers from this origin ('*' = any); default: CORS off");
    cmd->add_option("--web-dir", web_dir, "Playground files; default: the installed share/lmforge/web or the source tree's web/");
    cmd->add_flag("--no-web", no_web, "Do not serve the playground");
    cmd->add_flag("-q,--quiet", quiet, "No request log on stderr");
    cmd->callback([this] { run(); });
  }

  void run() {
    if (!api_key_file.empty()) api_key = serve::read_api_key_file(api_key_file);
    options.api_key = api_key;
    options.log_requests = !quiet;
    if (model.empty() && classifier.empty() && faq.empty() && vectors.empty() && policy.empty() && encoder.empty())
      usage_error("nothing to serve: give --model DIR and/or --classifier, --faq, --vectors, --encoder, --policy");
    if (!faq_encoder.empty() && faq.empty()) usage_error("--faq-encoder needs --faq DIR");
    if (options.host != "127.0.0.1" && options.host != "::1" && options.host != "localhost" && api_key.empty())
      std::fprintf(stderr, "serve: warning: listening on %s without --api-key: anyone who can reach it can use it\n",
                   options.host.c_str());

    // SIGTERM/SIGINT: the handler only writes the signal number into a pipe; a thread reads it
    // and drains the server. (Blocking the signals and sigwait() would not do: libraries such
    // as OpenBLAS start threads before this code runs, and one of them could take the signal.)
    if (pipe(stop_pipe) != 0) runtime_error("serve: cannot create a pipe: {}", std::strerror(errno));
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a client that went away is an error code, not a crash

    std::unique_ptr<ModuleGenerator> generator;
    if (!model.empty()) {
      const int cores = std::max(1u, std::thread::hardware_concurrency());
      auto e = engine;
      if (e.threads == 0 && !infer::is_causal_model(model)) e.threads = std::max(1, cores / options.slots);
      generator = std::make_unique<ModuleGenerator>(model, e, chat_template);
      if (auto* native = generator->engine()) {
        check_kv_fits(native->model(), options.slots, available_memory_bytes());
        generator->start_batching({.parallel = options.slots, .prefill_chunk = prefill_chunk,
                                   .prefix_reuse = !no_prefix_cache});
      }
      if (model_name.empty()) {
        model_name = std::filesystem::path(model).lexically_normal().filename().string();
        if (model_name.empty()) model_name = std::filesystem::path(model).lexically_normal().parent_path().filename().string();
      }
    }
    options.model_name = model_name;
    serve::ProductOptions po;
    po.classifier_dir = classifier;
    po.faq_dir = faq;
    po.vectors_path = vectors;
    po.policy_path = policy;
    // Sentence encoders run in lmforge_nn.so, one libtorch thread each: requests to one encoder
    // are serialised by ProductService (a mutex per model), so more threads would only compete
    // with the other requests' threads.
    po.open_faq_encoder = [](const std::string& dir) { return open_sentence_text_encoder(dir); };
    po.faq_encoder_dir = faq_encoder;
    if (!encoder.empty()) {
      po.embeddings_encoder = open_sentence_text_encoder(encoder);
      po.embedding_model = std::filesystem::path(encoder).lexically_normal().filename().string();
      if (po.embedding_model.empty())
        po.embedding_model = std::filesystem::path(encoder).lexically_normal().parent_path().filename().string();
    }
    serve::ProductService products(po);
    std::unique_ptr<serve::WebAssets> web;
    if (!no_web) {
      char self[4096] = {0};
      const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
      const auto dir = serve::WebAssets::locate(web_dir, n > 0 ? std::filesystem::path(self).parent_path() : ".");
      if (dir.empty()) std::fprintf(stderr, "serve: no playground files found (--web-dir): / is not served\n");
      else web = std::make_unique<serve::WebAssets>(serve::WebAssets::load(dir));
    }

    serve::Server server(options, generator.get(), &products, web.get());
    const int port = server.bind();
    std::fprintf(stderr, "serve: listening on http://%s:%d/ (model %s, %d slot(s), queue %d%s%s)\n",
                 options.host.find(':') != std::string::npos ? ("[" + options.host + "]").c_str() : options.host.c_str(),
                 port, generator ? options.model_name.c_str() : "none", options.slots, options.queue,
                 api_key.empty() ? "" : ", API key required", web ? ", playground at /" : "");
    std::fflush(stderr);

    std::thread signals([&] {
      char received = 0;
      while (read(stop_pipe[0], &received, 1) < 0 && errno == EINTR) {
      }
      if (received == 0) return;  // woken by us below: the server already stopped
      std::fprintf(stderr, "serve: %s: finishing running requests, then exiting\n",
                   received == SIGTERM ? "SIGTERM" : "SIGINT");
      server.stop();
    });
    server.run();
    server.stop();  // run() can also end because the socket failed
    const char wake = 0;
    (void)!write(stop_pipe[1], &wake, 1);
    signals.join();
    std::fprintf(stderr, "serve: stopped\n");
  }
};

void add_serve_command(CLI::App& root) {
  static ServeCommand command;  // lives as long as the process: CLI11 calls the callback after parsing
  command.add_to(root);
}

}  // namespace

LMFORGE_COMMAND_GROUP(90, add_serve_command);

}  // namespace lmforge::cli
