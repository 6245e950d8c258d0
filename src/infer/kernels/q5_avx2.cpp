// The avx2 level's Q5_0 / Q4_1 / Q5_1 / Q5_K kernels: q5_x86.inc compiled with this level's
// instruction flags (CMakeLists.txt sets them for this file only).
#include "infer/kernels/q5_x86.inc"

namespace lmforge::infer::detail {

void fill_avx2_q5_dots(DotKernels& k) { fill_q5_x86(k); }

}  // namespace lmforge::infer::detail
