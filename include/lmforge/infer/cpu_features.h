// What the running x86-64 CPU can execute, detected once at run time (cpuid + xgetbv), and the
// instruction-set level the inference kernels use. The library is compiled for baseline x86-64;
// only the kernel files built with -mavx2 / -mavx512* are called, and only on a CPU that has the
// level. LMFORGE_CPU=scalar|avx2|avx512|avx512_vnni lowers the level (tests, benchmarks, a bug
// hunt); asking for a level the CPU lacks is a usage error.
#pragma once

#include <string_view>

namespace lmforge::infer {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx512_bf16 = false, avx_vnni = false;
};

// Levels in increasing order: each includes the ones below it.
enum class CpuLevel : int {
  Scalar = 0,      // portable C++ (the reference)
  Avx2 = 1,        // AVX2 + FMA + F16C (Haswell, Zen 1+)
  Avx512 = 2,      // + AVX-512 F/BW/VL/DQ (Skylake-X)
  Avx512Vnni = 3,  // + AVX-512 VNNI (Cascade Lake, Ice Lake, Zen 4+)
};
inline constexpr int kCpuLevels = 4;

// The features of this CPU (and of the OS: AVX state saved by xgetbv), detected once.
const CpuFeatures& cpu_features();
// The best level this CPU supports.
CpuLevel best_cpu_level();
// True when this CPU can run `level`.
bool cpu_supports(CpuLevel level);
// The level the kernels use: LMFORGE_CPU if set (checked), else best_cpu_level(). Read once.
CpuLevel active_cpu_level();

// "scalar", "avx2", "avx512", "avx512_vnni".
std::string_view cpu_level_name(CpuLevel level);
// The level named `name`; a usage error naming LMFORGE_CPU for an unknown name or one this CPU
// lacks.
CpuLevel parse_cpu_level(std::string_view name);

}  // namespace lmforge::infer
