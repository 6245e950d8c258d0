// Loads a reference fixture written by tools/make_nn_fixtures.py and checks what it is.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "lmforge/nn/safetensors.h"

namespace lmforge::nn::testing {

inline SafetensorsFile load_fixture(const std::string& name) {
  const auto path = std::filesystem::path(LMFORGE_SOURCE_DIR) / "tests/fixtures/nn" / (name + ".safetensors");
  auto file = read_safetensors(path);
  EXPECT_EQ(file.metadata["magic"], "lmforge-nn-fixture")
      << path << " is not an nn fixture; regenerate: /usr/bin/python3 tools/make_nn_fixtures.py";
  EXPECT_EQ(file.metadata["version"], "1") << "regenerate: /usr/bin/python3 tools/make_nn_fixtures.py";
  return file;
}

// Tensors under "<prefix>." with the prefix removed (e.g. "param." -> model weights).
inline std::map<std::string, at::Tensor> with_prefix(const SafetensorsFile& file, const std::string& prefix) {
  std::map<std::string, at::Tensor> out;
  for (const auto& [name, tensor] : file.tensors)
    if (name.rfind(prefix + ".", 0) == 0) out.emplace(name.substr(prefix.size() + 1), tensor);
  return out;
}

inline nlohmann::json metadata_json(const SafetensorsFile& file, const std::string& key) {
  return nlohmann::json::parse(file.metadata.at(key));
}

// Largest absolute difference, with the name in the failure message.
inline void expect_close(const at::Tensor& actual, const at::Tensor& expected, double tolerance,
                         const std::string& what) {
  ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
  const double diff = (actual.to(torch::kFloat64) - expected.to(torch::kFloat64)).abs().max().item<double>();
  EXPECT_LE(diff, tolerance) << what << ": max |difference| " << diff;
}

}  // namespace lmforge::nn::testing
