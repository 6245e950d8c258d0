#include "lmforge/train/schedule.h"

#include <cmath>
#include <numbers>

#include "lmforge/common/error.h"

namespace lmforge::train {

void LrSchedule::validate() const {
  if (decay != "cosine" && decay != "linear" && decay != "constant")
    usage_error("schedule: decay must be 'cosine', 'linear' or 'constant' (got '{}')", decay);
  if (lr < 0 || min_lr < 0) usage_error("schedule: lr ({}) and min_lr ({}) must be >= 0", lr, min_lr);
  if (warmup_steps < 0) usage_error("schedule: warmup_steps must be >= 0 (got {})", warmup_steps);
  if (decay != "constant" && decay_steps <= warmup_steps)
    usage_error("schedule: decay_steps ({}) must exceed warmup_steps ({})", decay_steps, warmup_steps);
}

double LrSchedule::at(std::int64_t step) const {
  if (step < warmup_steps) return lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (decay == "constant") return lr;
  if (step >= decay_steps) return min_lr;
  const double ratio = static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps - warmup_steps);
  const double f = decay == "cosine" ? 0.5 * (1.0 + std::cos(std::numbers::pi * ratio)) : 1.0 - ratio;
  return min_lr + f * (lr - min_lr);
}

}  // namespace lmforge::train
