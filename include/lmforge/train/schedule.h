// Learning-rate schedule: linear warm-up, then cosine or linear decay to a floor (nanoGPT's
// get_lr, with the warm-up ending exactly at `lr`).
//
//   step < warmup_steps             lr * (step + 1) / warmup_steps
//   warmup_steps <= step < decay    min_lr + (lr - min_lr) * f(ratio), ratio in [0, 1):
//                                     cosine: f = (1 + cos(pi * ratio)) / 2;  linear: f = 1 - ratio
//   step >= decay_steps             min_lr              (decay "constant": lr after warm-up)
#pragma once

#include <cstdint>
#include <string>

namespace lmforge::train {

struct LrSchedule {
  std::string decay = "cosine";     // "cosine", "linear" or "constant"
  double lr = 3e-4;                 // peak learning rate, reached at the end of warm-up
  double min_lr = 3e-5;             // floor at and after decay_steps
  std::int64_t warmup_steps = 0;    // 0: no warm-up
  std::int64_t decay_steps = 1000;  // step at which the decay reaches min_lr (usually the run's length)

  void validate() const;  // UsageError on an unknown decay, negative steps or lr
  double at(std::int64_t step) const;  // learning rate of optimiser step `step` (0-based)
};

}  // namespace lmforge::train
