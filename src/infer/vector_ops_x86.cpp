// The AVX2 and AVX-512 levels of vector_ops.h: vector_ops_x86.inc compiled twice in this file,
// each time under `#pragma GCC target` of its level (only these functions get the instruction
// set; the library stays baseline x86-64), called only where the CPU has the level
// (vector_ops.cpp builds the tables from cpu_supports()).
#include <immintrin.h>

#include <cstdint>

#include "vector_ops.h"

// GCC 12's AVX-512 intrinsics warn of their own _mm512_undefined_* values (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#define LMF_W 8
#define LMF_NS avx2
#define LMF_FILL fill_avx2_vector_ops
#include "vector_ops_x86.inc"
#undef LMF_W
#undef LMF_NS
#undef LMF_FILL
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")
#define LMF_W 16
#define LMF_NS avx512
#define LMF_FILL fill_avx512_vector_ops
#include "vector_ops_x86.inc"
#undef LMF_W
#undef LMF_NS
#undef LMF_FILL
#pragma GCC pop_options
