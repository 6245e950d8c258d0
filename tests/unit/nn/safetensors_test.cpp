#include "lmforge/nn/safetensors.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/atomic_file.h"
#include "lmforge/common/error.h"

namespace lmforge::nn {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("lmforge_nn_" + std::to_string(::getpid()) + "_" + name);
}

TEST(Safetensors, RoundTripKeepsDtypesShapesValuesAndMetadata) {
  SafetensorsFile file;
  file.tensors["a.weight"] = torch::arange(12, torch::kFloat32).view({3, 4}) / 7.0;
  file.tensors["b.half"] = torch::tensor({1.5, -2.25}, torch::kFloat16);
  file.tensors["c.bf16"] = torch::tensor({3.0, 0.5}, torch::kBFloat16);
  file.tensors["d.ids"] = torch::tensor({int64_t{7}, int64_t{-1}, int64_t{1} << 40}, torch::kLong);
  file.tensors["e.scalar"] = torch::tensor(2.5, torch::kFloat32);
  file.tensors["f.empty"] = torch::zeros({0, 3});
  file.tensors["g.strided"] = torch::arange(6, torch::kFloat32).view({2, 3}).t();  // not contiguous
  file.metadata["format"] = "pt";
  const auto path = temp_path("roundtrip.safetensors");
  write_safetensors(path, file);
  auto back = read_safetensors(path);
  std::filesystem::remove(path);
  ASSERT_EQ(back.tensors.size(), file.tensors.size());
  for (const auto& [name, tensor] : file.tensors) {
    ASSERT_TRUE(back.tensors.count(name)) << name;
    EXPECT_EQ(back.tensors[name].scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(back.tensors[name], tensor)) << name;
  }
  EXPECT_EQ(back.metadata["format"], "pt");
}

TEST(Safetensors, HeaderIsAlignedAndReadableAsPlainJson) {
  SafetensorsFile file;
  file.tensors["x"] = torch::ones({3});
  const auto path = temp_path("aligned.safetensors");
  write_safetensors(path, file);
  std::ifstream in(path, std::ios::binary);
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  in.read(header.data(), n);
  std::filesystem::remove(path);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_NE(header.find("\"dtype\":\"F32\""), std::string::npos);
  EXPECT_NE(header.find("\"data_offsets\":[0,12]"), std::string::npos);
}

TEST(Safetensors, CorruptFilesAreRuntimeErrors) {
  const auto path = temp_path("bad.safetensors");
  write_file_atomic(path, std::string("\x05\x00\x00\x00\x00\x00\x00\x00{bad}", 13));
  EXPECT_THROW(read_safetensors(path), RuntimeError);
  std::string header = R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  write_file_atomic(path, bytes + header + std::string(8, '\0'));  // 8 of the 16 data bytes
  EXPECT_THROW(read_safetensors(path), RuntimeError);
  write_file_atomic(path, "\xff\xff\xff\xff\xff\xff\xff\xff");  // absurd header length
  EXPECT_THROW(read_safetensors(path), RuntimeError);
  std::filesystem::remove(path);
  EXPECT_THROW(read_safetensors(path), RuntimeError);  // missing
}

}  // namespace
}  // namespace lmforge::nn
