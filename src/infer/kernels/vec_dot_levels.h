// Private to src/infer/kernels: each level's file fills the entries it accelerates into a
// table that starts as the level below it (scalar <- avx2 <- avx512 <- avx512_vnni).
//
// The files built with -mavx2 / -mavx512* must not define or instantiate anything with
// external linkage other than these fill functions: an inline function or template they
// instantiate (std::min, a std::vector member...) could be the copy the linker keeps for the
// whole program and then run on a CPU without those instructions. So they include only
// <immintrin.h>, <cstdint>, <cstddef>, <cstring> and plain declarations, and keep their
// helpers in anonymous namespaces.
#pragma once

#include "lmforge/infer/vec_dot.h"

namespace lmforge::infer::detail {

void fill_scalar_dots(DotKernels& k);
void fill_avx2_dots(DotKernels& k);
void fill_avx512_dots(DotKernels& k);
void fill_avx512_vnni_dots(DotKernels& k);
// Q5_0 / Q4_1 / Q5_1 / Q5_K (q5_x86.inc), called after the level's fill above (they reuse its
// Q8_0 / Q8_K quantisers); the avx512 level keeps the avx2 ones.
void fill_avx2_q5_dots(DotKernels& k);
void fill_avx512_vnni_q5_dots(DotKernels& k);

}  // namespace lmforge::infer::detail
