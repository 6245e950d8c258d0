// The avx512_vnni level's Q5_0 / Q4_1 / Q5_1 / Q5_K kernels: q5_x86.inc compiled with this
// level's flags, so its int8 products are vpdpbusd (the avx512 level keeps the avx2 ones).
#include "infer/kernels/q5_x86.inc"

namespace lmforge::infer::detail {

void fill_avx512_vnni_q5_dots(DotKernels& k) { fill_q5_x86(k); }

}  // namespace lmforge::infer::detail
