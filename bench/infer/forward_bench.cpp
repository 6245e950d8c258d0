// Times the native engine's forward pass the way llama-bench does (issue 21): pp512 (one
// 512-token prompt in one forward call) and tg128 (128 single-token steps from an empty context),
// each on a fresh sequence, best of R rounds. Run with LMFORGE_PROFILE=1 to have each model print
// where the time went (matmul / attention / rope+kv / norm / activation / residual / other, per
// token) when it is destroyed: one model for the prompt runs, one for the generation runs.
//
//   lmforge_infer_forward_bench MODEL.gguf [threads=1] [prompt=512] [gen=128] [rounds=3] [kv=f32|f16]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "lmforge/infer/causal_model.h"

using namespace lmforge::infer;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.gguf [threads] [prompt] [gen] [rounds] [f32|f16]\n", argv[0]);
    return 2;
  }
  LoadOptions o;
  o.threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const int prompt = argc > 3 ? std::atoi(argv[3]) : 512;
  const int gen = argc > 4 ? std::atoi(argv[4]) : 128;
  const int rounds = argc > 5 ? std::atoi(argv[5]) : 3;
  o.kv_type = argc > 6 && std::string(argv[6]) == "f16" ? KVType::F16 : KVType::F32;
  o.context = std::max(prompt, gen) + 1;
  double pp = 0, tg = 0;
  std::vector<float> logits;
  if (prompt > 0) {
    auto model = load_causal_model(argv[1], o);
    std::mt19937 rng(1);
    std::vector<int> ids(static_cast<std::size_t>(prompt));
    for (int& t : ids) t = static_cast<int>(rng() % static_cast<unsigned>(model->info().vocab_size));
    for (int r = 0; r < rounds; ++r) {
      const SequenceId s = model->add_sequence();
      const auto t0 = std::chrono::steady_clock::now();
      model->forward({{BatchItem{s, ids}}}, logits);
      pp = std::max(pp, prompt / seconds_since(t0));
      model->remove_sequence(s);
    }
  }
  if (gen > 0) {
    auto model = load_causal_model(argv[1], o);
    for (int r = 0; r < rounds; ++r) {
      const SequenceId s = model->add_sequence();
      int next = 1;
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < gen; ++i) {
        model->forward({{BatchItem{s, std::span<const int>(&next, 1)}}}, logits);
        next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      }
      tg = std::max(tg, gen / seconds_since(t0));
      model->remove_sequence(s);
    }
  }
  std::printf("%s threads=%d kv=%s pp%d %.2f tok/s  tg%d %.2f tok/s\n", argv[1], o.threads,
              o.kv_type == KVType::F16 ? "f16" : "f32", prompt, pp, gen, tg);
  return 0;
}
