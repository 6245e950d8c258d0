// The kernel table of each CPU level, built once: scalar, then each level overrides what it
// accelerates on top of the level below it.
#include "lmforge/infer/vec_dot.h"

#include <array>
#include <mutex>

#include "infer/kernels/vec_dot_levels.h"
#include "lmforge/common/error.h"

namespace lmforge::infer {
namespace {

DotKernels build(CpuLevel level) {
  DotKernels k;
  detail::fill_scalar_dots(k);
  if (level >= CpuLevel::Avx2) detail::fill_avx2_dots(k);
  if (level >= CpuLevel::Avx512) detail::fill_avx512_dots(k);
  if (level >= CpuLevel::Avx512Vnni) detail::fill_avx512_vnni_dots(k);
  if (level >= CpuLevel::Avx2) detail::fill_avx2_q5_dots(k);
  if (level >= CpuLevel::Avx512Vnni) detail::fill_avx512_vnni_q5_dots(k);
  k.level = level;
  return k;
}

}  // namespace

const TypeDot& DotKernels::of(WeightType type) const {
  switch (type) {
    case WeightType::F32: return f32;
    case WeightType::F16: return f16;
    case WeightType::BF16: return bf16;
    case WeightType::Q8_0: return q8_0;
    case WeightType::Q4_0: return q4_0;
    case WeightType::Q4_K: return q4_k;
    case WeightType::Q6_K: return q6_k;
    case WeightType::Q4_1: return q4_1;
    case WeightType::Q5_0: return q5_0;
    case WeightType::Q5_1: return q5_1;
    case WeightType::Q5_K: return q5_k;
    case WeightType::Q8_K: break;
  }
  usage_error("no matrix-product kernels for weight type {} ({})", type_name(type),
              static_cast<std::uint32_t>(type));
}

const DotKernels& dot_kernels_for(CpuLevel level) {
  if (!cpu_supports(level)) {
    usage_error("CPU level {} is not supported by this CPU (best: {})", cpu_level_name(level),
                cpu_level_name(best_cpu_level()));
  }
  static std::array<DotKernels, kCpuLevels> tables;
  static std::array<std::once_flag, kCpuLevels> built;
  const int i = static_cast<int>(level);
  std::call_once(built[i], [&] { tables[i] = build(level); });
  return tables[i];
}

const DotKernels& dot_kernels() {
  static const DotKernels& active = dot_kernels_for(active_cpu_level());
  return active;
}

}  // namespace lmforge::infer
