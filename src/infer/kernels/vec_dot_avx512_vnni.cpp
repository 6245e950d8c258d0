// The avx512_vnni level's kernels: vec_dot_x86.inc compiled with this level's instruction flags
// (CMakeLists.txt sets them for this file only; the rest of the library stays baseline x86-64).
#include "infer/kernels/vec_dot_x86.inc"

namespace lmforge::infer::detail {

void fill_avx512_vnni_dots(DotKernels& k) { fill_x86_dots(k); }

}  // namespace lmforge::infer::detail
