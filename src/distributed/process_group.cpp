// c10d process group: TCPStore rendezvous + ProcessGroupGloo (CPU) or ProcessGroupNCCL (CUDA
// builds that define USE_C10D_NCCL). Debian's libtorch has Gloo compiled in; its headers come
// with libgloo-dev, so this file compiles the Gloo path only when they are present (torch's
// CMake config defines USE_C10D_GLOO either way).
#if defined(USE_C10D_GLOO) && __has_include(<gloo/rendezvous/store.h>)
#define LMFORGE_HAVE_GLOO 1
#endif

#include "lmforge/distributed/process_group.h"

#include <chrono>
#include <cstdlib>

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef LMFORGE_HAVE_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "lmforge/common/error.h"

namespace lmforge::distributed {

namespace {

// c10d messages carry a C++ backtrace after the first line: keep the line.
std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

class C10dGroup : public ProcessGroup {
 public:
  C10dGroup(c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<c10d::ProcessGroup> group, int timeout_s)
      : store_(std::move(store)), group_(std::move(group)), timeout_s_(timeout_s) {}

  int rank() const override { return group_->getRank(); }
  int world_size() const override { return group_->getSize(); }

  void allreduce_sum(std::vector<torch::Tensor>& tensors) override {
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t};
      run("all-reduce", [&] { return group_->allreduce(one); });
    }
  }

  void broadcast(std::vector<torch::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions options;
    options.rootRank = root;
    for (auto& t : tensors) {
      std::vector<at::Tensor> one{t};
      run("broadcast", [&] { return group_->broadcast(one, options); });
    }
  }

  double communication_seconds() const override { return seconds_; }

 private:
  template <typename Start>
  void run(const char* what, Start&& start) {
    const auto began = std::chrono::steady_clock::now();
    try {
      start()->wait();
    } catch (const std::exception& e) {
      runtime_error("rank {}: {} failed: another worker stopped or did not answer within {} s ({})", rank(), what,
                    timeout_s_, first_line(e.what()));
    }
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  int timeout_s_;
  double seconds_ = 0;
};

}  // namespace

std::unique_ptr<ProcessGroup> ProcessGroup::connect(const DistributedOptions& o, const torch::Device& device) {
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size)
    usage_error("--rank {} is outside 0..{} (--world-size {})", o.rank, o.world_size - 1, o.world_size);
  if (o.master_port <= 0 || o.master_port > 65535) usage_error("--master-port {}: expected 1..65535", o.master_port);
  const std::string where = fmt::format("{}:{}", o.master_addr, o.master_port);
  c10::intrusive_ptr<c10d::Store> store;
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(o.master_port);
    so.isServer = o.rank == 0;
    so.numWorkers = static_cast<std::size_t>(o.world_size);
    so.waitWorkers = true;
    so.timeout = std::chrono::seconds(o.timeout_s);
    store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
  } catch (const std::exception& e) {
    runtime_error("rank {}: rendezvous at {} failed within {} s: {} (check --master-addr/--master-port and that "
                  "rank 0 runs)",
                  o.rank, where, o.timeout_s, first_line(e.what()));
  }
  const auto timeout = std::chrono::milliseconds(std::int64_t{o.timeout_s} * 1000);
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  try {
    if (device.is_cuda()) {
#ifdef USE_C10D_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, o.rank, o.world_size, options);
#else
      usage_error("train.device {}: this build has no NCCL process group (build against a CUDA libtorch with "
                  "USE_C10D_NCCL); distributed training runs on cpu here",
                  device.str());
#endif
    } else {
#ifdef LMFORGE_HAVE_GLOO
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      // Loopback runs stay on loopback; across machines GLOO_SOCKET_IFNAME names the interface,
      // else Gloo picks the one the host name resolves to.
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      if (is_loopback(o.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else if (ifname && *ifname)
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else
        options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, o.rank, o.world_size, options);
#else
      runtime_error("distributed training needs the Gloo headers at build time (Debian: libgloo-dev); this build "
                    "has none");
#endif
    }
  } catch (const UsageError&) {
    throw;
  } catch (const RuntimeError&) {
    throw;
  } catch (const std::exception& e) {
    runtime_error("rank {}: process group over {} failed: {}", o.rank, where, first_line(e.what()));
  }
  return std::make_unique<C10dGroup>(store, group, o.timeout_s);
}

}  // namespace lmforge::distributed
