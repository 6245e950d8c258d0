#include "lmforge/pretrained/hf_weights.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <torch/torch.h>

#include "lmforge/common/error.h"

namespace lmforge::pretrained {

namespace fs = std::filesystem;

// One shard mapped read-only; unmapped when the last tensor viewing it is gone.
struct HFWeights::Mapping {
  std::string path;
  std::uint64_t data_start = 0;
  const std::uint8_t* bytes = nullptr;
  std::size_t size = 0;

  Mapping(const fs::path& file, std::uint64_t start) : path(file.string()), data_start(start) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) runtime_error("{}: cannot open", path);
    size = static_cast<std::size_t>(fs::file_size(file));
    void* p = size > 0 ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    ::close(fd);
    if (p == MAP_FAILED) runtime_error("{}: cannot memory-map", path);
    bytes = static_cast<const std::uint8_t*>(p);
  }
  // Hands the pages of [data, data + bytes) back to the kernel once a 16-bit tensor has been
  // copied to float32, so that resident memory is the float32 weights, not those plus the file.
  // The mapping is private and read-only: a later read of those bytes faults them in again.
  void release(const std::uint8_t* data, std::size_t bytes) const {
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = reinterpret_cast<std::uintptr_t>(data) / page * page;
    const auto end = reinterpret_cast<std::uintptr_t>(data + bytes);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }
  ~Mapping() {
    if (bytes) ::munmap(const_cast<std::uint8_t*>(bytes), size);
  }
};

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

at::ScalarType float_type(const std::string& dtype, const std::string& name, const std::string& file) {
  if (dtype == "F32") return at::kFloat;
  if (dtype == "F16") return at::kHalf;
  if (dtype == "BF16") return at::kBFloat16;
  runtime_error("{}: tensor '{}' is {}, expected F32, F16 or BF16", file, name, dtype);
}

}  // namespace

HFWeights::HFWeights(const fs::path& dir) {
  const auto weights = safetensors::model_weights(dir);
  for (const auto& file : weights.files) {
    safetensors::Reader reader(file);  // checks the header: dtypes, offsets inside the file
    auto mapping = std::make_shared<Mapping>(file, reader.data_start());
    file_bytes_ += static_cast<std::int64_t>(mapping->size);
    for (const auto& [name, info] : reader.tensors()) {
      if (tensors_.count(name)) runtime_error("{}: tensor '{}' is in two shards", dir.string(), name);
      tensors_.emplace(name, Entry{mapping, info});
    }
  }
  for (const auto& [tensor, file] : weights.weight_map)
    if (!tensors_.count(tensor))
      runtime_error("{}: tensor '{}' is named by {} in {} but no shard holds it", dir.string(), tensor,
                    weights.index.filename().string(), file);
}

HFWeights::~HFWeights() = default;

std::vector<std::string> HFWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : tensors_) out.push_back(name);
  return out;
}

std::vector<std::string> HFWeights::untaken() const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : tensors_)
    if (!taken_.count(name)) out.push_back(name);
  return out;
}

at::Tensor HFWeights::take(const std::string& name, const std::vector<std::int64_t>& shape) {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) runtime_error("the weights have no tensor '{}'", name);
  const auto& [file, info] = it->second;
  if (info.shape != shape)
    runtime_error("{}: tensor '{}' has shape {}, the config needs {}", file->path, name, shape_text(info.shape),
                  shape_text(shape));
  const auto type = float_type(info.dtype, name, file->path);
  taken_.insert(name);
  const std::uint8_t* data = file->bytes + file->data_start + info.begin;
  const auto element = static_cast<std::uintptr_t>(safetensors::dtype_size(info.dtype));
  auto keep = file;  // the tensor's deleter holds the mapping
  auto view = torch::from_blob(const_cast<std::uint8_t*>(data), info.shape, [keep](void*) mutable { keep.reset(); },
                               torch::TensorOptions().dtype(type));
  if (type != at::kFloat) {  // F16 / BF16 -> a float32 copy
    auto copy = view.to(at::kFloat);
    file->release(data, static_cast<std::size_t>(info.bytes()));
    return copy;
  }
  return reinterpret_cast<std::uintptr_t>(data) % element == 0 ? view : view.clone();
}

}  // namespace lmforge::pretrained
