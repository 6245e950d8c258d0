// The distributed building blocks on a real c10d group: two ranks as two threads of this process,
// Gloo over loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "lmforge/common/error.h"
#include "lmforge/distributed/process_group.h"
#include "lmforge/distributed/synchronize.h"
#include "lmforge/train/data_shard.h"

namespace lmforge::distributed {
namespace {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  close(fd);
  return ntohs(a.sin_port);
}

// Runs body(group) on ranks 0 and 1 concurrently.
void on_two_ranks(const std::function<void(ProcessGroup&)>& body) {
  const int port = free_port();
  std::exception_ptr errors[2];
  std::vector<std::thread> threads;
  for (int rank = 0; rank < 2; ++rank)
    threads.emplace_back([&, rank] {
      try {
        DistributedOptions o{.rank = rank, .world_size = 2, .master_port = port, .timeout_s = 20};
        auto group = ProcessGroup::connect(o, torch::kCPU);
        body(*group);
      } catch (...) {
        errors[rank] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

TEST(Synchronize, AveragesGradientsAcrossBucketsAndTheExtraValue) {
  on_two_ranks([](ProcessGroup& group) {
    const double r = group.rank();
    auto a = torch::zeros({3}, torch::requires_grad());
    auto b = torch::zeros({2, 2}, torch::requires_grad());
    a.mutable_grad() = torch::full({3}, 1.0 + r);       // ranks: 1, 2 -> 1.5
    b.mutable_grad() = torch::full({2, 2}, 10.0 * r);   // ranks: 0, 10 -> 5
    double extra = 4.0 * r;                             // 0, 4 -> 2
    average_gradients(group, {a, b}, extra, /*bucket_bytes=*/8);  // one tensor per bucket
    EXPECT_TRUE(torch::allclose(a.grad(), torch::full({3}, 1.5)));
    EXPECT_TRUE(torch::allclose(b.grad(), torch::full({2, 2}, 5.0)));
    EXPECT_DOUBLE_EQ(extra, 2.0);
    EXPECT_GT(group.communication_seconds(), 0.0);
  });
}

TEST(Synchronize, FedAvgWeightsByExamplesAndSkipsAbsentParticipants) {
  on_two_ranks([](ProcessGroup& group) {
    const int r = group.rank();
    auto w = torch::full({2}, r == 0 ? 1.0f : 4.0f);
    // 30 examples at 1 and 10 at 4: (30 + 40) / 40 = 1.75
    EXPECT_DOUBLE_EQ(weighted_average(group, {w}, r == 0 ? 30.0 : 10.0), 40.0);
    EXPECT_TRUE(torch::allclose(w, torch::full({2}, 1.75f)));
    // Rank 1 sat the round out: rank 0's weights win.
    auto v = torch::full({2}, r == 0 ? 2.0f : 9.0f);
    weighted_average(group, {v}, r == 0 ? 5.0 : 0.0);
    EXPECT_TRUE(torch::allclose(v, torch::full({2}, 2.0f)));
  });
}

TEST(Synchronize, BroadcastGivesEveryoneRankZerosWeights) {
  on_two_ranks([](ProcessGroup& group) {
    auto w = torch::full({4}, static_cast<float>(group.rank() + 7));
    broadcast_from_rank0(group, {w});
    EXPECT_TRUE(torch::allclose(w, torch::full({4}, 7.0f)));
  });
}

TEST(Synchronize, RendezvousNobodyServesFailsWithinTheTimeout) {
  DistributedOptions o{.rank = 1, .world_size = 2, .master_port = free_port(), .timeout_s = 2};
  const auto start = std::chrono::steady_clock::now();
  try {
    ProcessGroup::connect(o, torch::kCPU);
    FAIL() << "connected to nobody";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("rendezvous at 127.0.0.1:"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
}

TEST(RoundParticipants, DeterministicShareOfTheRanks) {
  EXPECT_EQ(round_participants(3, 1.0, 7, 0), (std::vector<int>{0, 1, 2}));
  const auto a = round_participants(5, 0.4, 7, 3);
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(a, round_participants(5, 0.4, 7, 3));
  EXPECT_EQ(round_participants(4, 0.01, 1, 0).size(), 1u);  // at least one
  bool differs = false;
  for (int round = 0; round < 10; ++round) differs |= round_participants(5, 0.4, 7, round) != a;
  EXPECT_TRUE(differs);
}

TEST(DataShard, EvenDisjointSlicesOrAUsageError) {
  const auto s0 = train::DataShard::of(8, 0, 2), s1 = train::DataShard::of(8, 1, 2);
  EXPECT_EQ(s0.begin, 0);
  EXPECT_EQ(s0.end, 4);
  EXPECT_EQ(s1.begin, 4);
  EXPECT_EQ(s1.end, 8);
  EXPECT_THROW(train::DataShard::of(8, 0, 3), UsageError);
}

}  // namespace
}  // namespace lmforge::distributed
