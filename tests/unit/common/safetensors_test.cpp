#include "lmforge/common/safetensors.h"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "lmforge/common/error.h"

namespace st = lmforge::safetensors;

namespace {

std::filesystem::path temp_file(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string("lmforge_st_") + name + std::to_string(::getpid()));
}

}  // namespace

TEST(Safetensors, WritesAndReadsBackWithoutTorch) {
  const auto path = temp_file("roundtrip");
  const std::vector<float> w = {1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f};
  const std::vector<std::int32_t> ids = {7, 8, 9};
  st::write(path, {{"w", "F32", {2, 3}, w.data()}, {"ids", "I32", {3}, ids.data()}}, {{"format", "test"}});

  st::Reader reader(path);
  EXPECT_EQ(reader.metadata().at("format"), "test");
  ASSERT_EQ(reader.tensors().size(), 2u);
  const auto& info = reader.require("w", "F32");
  EXPECT_EQ(info.shape, (std::vector<std::int64_t>{2, 3}));
  std::vector<float> back(info.numel());
  reader.read(info, back.data());
  EXPECT_EQ(back, w);
  std::vector<std::int32_t> ids_back(3);
  reader.read(reader.require("ids"), ids_back.data());
  EXPECT_EQ(ids_back, ids);
  EXPECT_THROW(reader.require("w", "I32"), lmforge::RuntimeError);
  EXPECT_THROW(reader.require("missing"), lmforge::RuntimeError);
  std::filesystem::remove(path);
}

TEST(Safetensors, TruncatedAndForeignFilesAreRuntimeErrors) {
  const auto path = temp_file("bad");
  const std::vector<float> w(16, 1.0f);
  st::write(path, {{"w", "F32", {16}, w.data()}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);  // data cut short
  EXPECT_THROW(st::Reader{path}, lmforge::RuntimeError);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "not a safetensors file at all";
  EXPECT_THROW(st::Reader{path}, lmforge::RuntimeError);
  std::filesystem::remove(path);
  EXPECT_THROW(st::Reader{path}, lmforge::RuntimeError);
}

TEST(Safetensors, ModelWeightsListsShardsAndTheIndexsNames) {
  namespace fs = std::filesystem;
  const auto dir = temp_file("model_dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::vector<float> w(4, 1.0f);
  st::write(dir / "model-00002-of-00002.safetensors", {{"b", "F32", {4}, w.data()}});
  st::write(dir / "model-00001-of-00002.safetensors", {{"a", "F32", {4}, w.data()}});
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors",
                            "c": "model-00002-of-00002.safetensors"}})";
  const auto sharded = st::model_weights(dir);
  ASSERT_EQ(sharded.files.size(), 2u);  // each shard once, in name order
  EXPECT_EQ(sharded.files[0].filename(), "model-00001-of-00002.safetensors");
  EXPECT_EQ(sharded.files[1].filename(), "model-00002-of-00002.safetensors");
  EXPECT_EQ(sharded.weight_map.size(), 3u);
  EXPECT_EQ(sharded.weight_map.at("c"), "model-00002-of-00002.safetensors");
  EXPECT_EQ(sharded.index, dir / "model.safetensors.index.json");
  EXPECT_EQ(st::model_weight_files(dir), sharded.files);

  // model.safetensors wins over the index (as transformers looks first); nothing is promised.
  st::write(dir / "model.safetensors", {{"a", "F32", {4}, w.data()}});
  const auto single = st::model_weights(dir);
  EXPECT_EQ(single.files, std::vector<fs::path>{dir / "model.safetensors"});
  EXPECT_TRUE(single.weight_map.empty());
  EXPECT_TRUE(single.index.empty());
  fs::remove(dir / "model.safetensors");

  fs::remove(dir / "model-00002-of-00002.safetensors");  // a missing shard
  EXPECT_THROW(st::model_weights(dir), lmforge::RuntimeError);
  fs::remove_all(dir);
  EXPECT_THROW(st::model_weights(dir), lmforge::RuntimeError);
}
