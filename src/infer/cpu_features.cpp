// Run-time detection of the x86-64 instruction sets the inference kernels use: cpuid says what
// the CPU has, xgetbv whether the OS saves the YMM / ZMM state (without it AVX faults).
#include "lmforge/infer/cpu_features.h"

#include <cstdint>
#include <cstdlib>

#include "lmforge/common/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define LMFORGE_X86 1
#endif

namespace lmforge::infer {
namespace {

#ifdef LMFORGE_X86
std::uint64_t read_xcr0() {
  std::uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#ifdef LMFORGE_X86
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = (ecx >> 27) & 1;
  if (!osxsave) return f;
  const std::uint64_t xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;      // SSE + AVX state
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;    // + opmask, ZMM0-15 high, ZMM16-31
  if (!ymm_state) return f;
  f.fma = (ecx >> 12) & 1;
  f.f16c = (ecx >> 29) & 1;
  const bool avx = (ecx >> 28) & 1;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return f;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx2 = avx && ((ebx >> 5) & 1);
  if (zmm_state) {
    f.avx512f = (ebx >> 16) & 1;
    f.avx512dq = (ebx >> 17) & 1;
    f.avx512bw = (ebx >> 30) & 1;
    f.avx512vl = (ebx >> 31) & 1;
    f.avx512_vnni = (ecx >> 11) & 1;
  }
  unsigned eax1 = 0, ebx1 = 0, ecx1 = 0, edx1 = 0;
  __cpuid_count(7, 1, eax1, ebx1, ecx1, edx1);
  f.avx_vnni = avx && ((eax1 >> 4) & 1);
  if (zmm_state) f.avx512_bf16 = (eax1 >> 5) & 1;
#endif
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

bool cpu_supports(CpuLevel level) {
  const CpuFeatures& f = cpu_features();
  const bool avx2 = f.avx2 && f.fma && f.f16c;
  const bool avx512 = avx2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  switch (level) {
    case CpuLevel::Scalar: return true;
    case CpuLevel::Avx2: return avx2;
    case CpuLevel::Avx512: return avx512;
    case CpuLevel::Avx512Vnni: return avx512 && f.avx512_vnni;
  }
  return false;
}

CpuLevel best_cpu_level() {
  for (int l = kCpuLevels - 1; l > 0; --l) {
    if (cpu_supports(static_cast<CpuLevel>(l))) return static_cast<CpuLevel>(l);
  }
  return CpuLevel::Scalar;
}

std::string_view cpu_level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::Scalar: return "scalar";
    case CpuLevel::Avx2: return "avx2";
    case CpuLevel::Avx512: return "avx512";
    case CpuLevel::Avx512Vnni: return "avx512_vnni";
  }
  return "?";
}

CpuLevel parse_cpu_level(std::string_view name) {
  for (int l = 0; l < kCpuLevels; ++l) {
    const auto level = static_cast<CpuLevel>(l);
    if (name != cpu_level_name(level)) continue;
    if (!cpu_supports(level)) {
      usage_error("LMFORGE_CPU={}: this CPU lacks it (best level here: {})", name,
                  cpu_level_name(best_cpu_level()));
    }
    return level;
  }
  usage_error("LMFORGE_CPU={}: unknown level (scalar, avx2, avx512, avx512_vnni)", name);
}

CpuLevel active_cpu_level() {
  static const CpuLevel level = [] {
    const char* env = std::getenv("LMFORGE_CPU");
    if (env != nullptr && *env != '\0') return parse_cpu_level(env);
    return best_cpu_level();
  }();
  return level;
}

}  // namespace lmforge::infer
