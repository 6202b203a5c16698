/*
 * flopnet's own CUDA kernels, compiled at start-up by NVRTC for the device's architecture.
 *
 * The same text compiles as plain host C (gcc, no __CUDACC__): the test fixture in
 * test/fixtures/fake-cuda includes this file and runs these kernels on the CPU, so the element
 * generator and the hashes are checked bit for bit against shared/challenge/{elements,merkle}.ts
 * on machines without a GPU. Keep it C: no templates, no references, no __syncthreads or shared
 * memory (the host emulation runs threads one after another).
 *
 * Elements (docs/protocol.md §3, shared/challenge/elements.ts): a matrix is stored line by line, a line
 * being a row of A or a column of B (k values each: A row-major, B column-major). Position l of line t
 * comes from Philox4x32-10(counter = [l / E, t, 0, 0]) with the matrix's key, E = 4 (2 for fp64): one
 * call gives E consecutive positions of a line, one 32-bit word each (fp64: two words). In a word, bit 0
 * is the sign, bit 1 picks the exponent (0 → 2^-1, 1 → 2^0), the top p bits are the mantissa (fp64: the
 * top 20 bits of the first word, then the second word). Every value is exact in its class's storage
 * type, so the storage bits are assembled with integer arithmetic here instead of converting: no
 * rounding mode or header (cuda_bf16.h, cuda_fp8.h) can change them.
 */
#ifdef __CUDACC__
#define FN __device__ __forceinline__
#define KERNEL extern "C" __global__
#define CONSTANT __constant__
#else
#include <string.h>
#define FN static inline
#define KERNEL
#define CONSTANT static const
struct flopnet_dim3 { unsigned int x, y, z; };
/* The host emulation (test/fixtures/fake-cuda) sets these before each emulated thread. */
static struct flopnet_dim3 threadIdx, blockIdx, blockDim, gridDim;
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* ---------------------------------------------------------------- Philox4x32-10 */

/* The ten round keys of (k0, k1): computed once per thread, reused for every element it generates. */
FN void flopnet_round_keys(u32 k0, u32 k1, u32 ks[20]) {
  int round;
  for (round = 0; round < 10; round++) {
    ks[2 * round] = k0;
    ks[2 * round + 1] = k1;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

FN void flopnet_philox(u32 c[4], const u32 ks[20]) {
  int round;
  for (round = 0; round < 10; round++) {
    u64 p0 = (u64)0xD2511F53u * c[0];
    u64 p1 = (u64)0xCD9E8D57u * c[2];
    u32 n0 = (u32)(p1 >> 32) ^ c[1] ^ ks[2 * round];
    u32 n2 = (u32)(p0 >> 32) ^ c[3] ^ ks[2 * round + 1];
    c[0] = n0;
    c[1] = (u32)p1;
    c[2] = n2;
    c[3] = (u32)p0;
  }
}

/* Class codes: the order of PRECISIONS in shared/challenge/types.ts. */
#define FLOPNET_FP64 0
#define FLOPNET_FP32 1
#define FLOPNET_TF32 2
#define FLOPNET_BF16 3
#define FLOPNET_FP16 4
#define FLOPNET_FP8 5

/* Storage bits of the element drawn from word x: binary32 (also tf32) / bfloat16 / binary16 / e4m3. */
FN u32 flopnet_narrow_bits(int cls, u32 x) {
  u32 sign = x & 1u;
  u32 half = (x & 2u) == 0 ? 1u : 0u; /* exponent -1 instead of 0 */
  switch (cls) {
    case FLOPNET_FP32:
      return (sign << 31) | ((127u - half) << 23) | (x >> 9);
    case FLOPNET_TF32:
      return (sign << 31) | ((127u - half) << 23) | ((x >> 22) << 13);
    case FLOPNET_BF16:
      return (sign << 15) | ((127u - half) << 7) | (x >> 25);
    case FLOPNET_FP16:
      return (sign << 15) | ((15u - half) << 10) | (x >> 22);
    default: /* FLOPNET_FP8, e4m3: bias 7 */
      return (sign << 7) | ((7u - half) << 3) | (x >> 29);
  }
}

/* IEEE binary64 bits of the element drawn from words x (sign, exponent, top 20 mantissa bits) and y. */
FN u64 flopnet_fp64_bits(u32 x, u32 y) {
  u64 sign = x & 1u;
  u64 half = (x & 2u) == 0 ? 1u : 0u;
  return (sign << 63) | ((1023u - half) << 52) | ((u64)(x >> 12) << 32) | y;
}

/*
 * Stores of one call's elements: 16 bytes (fp32, tf32, fp64), 8 (bf16, fp16) or 4 (fp8) at once, aligned
 * because a line's length is a multiple of the elements per call whenever these are used.
 */
typedef struct { u64 lo, hi; } __attribute__((aligned(16))) flopnet_u128;
#ifdef __CUDACC__
#define FLOPNET_STORE(T, p, v) (*(T *)(p) = (v))
#else
#define FLOPNET_STORE(T, p, v) do { T v_ = (v); memcpy((p), &v_, sizeof v_); } while (0)
#endif

/*
 * Fills `lines` lines of k elements: line first + t at out + t·k, for t < lines. Launch: blockDim.x
 * threads walk the calls along a line (one call per thread: gridDim.x·blockDim.x ≥ ceil(k / E)),
 * blockIdx.y strides over the lines, so each thread computes its round keys once for many calls.
 */
#define FLOPNET_GENERATE_BODY(PER, FULL, PART)                                  \
  u32 q = blockIdx.x * blockDim.x + threadIdx.x;                                \
  u32 t, e;                                                                     \
  u32 ks[20];                                                                   \
  if (q >= (k + PER - 1) / PER) return;                                         \
  flopnet_round_keys(k0, k1, ks);                                               \
  for (t = blockIdx.y; t < lines; t += gridDim.y) {                             \
    u32 x[4];                                                                   \
    u64 at = (u64)t * k + (u64)q * PER;                                         \
    x[0] = q;                                                                   \
    x[1] = first + t;                                                           \
    x[2] = 0;                                                                   \
    x[3] = 0;                                                                   \
    flopnet_philox(x, ks);                                                      \
    if (k % PER == 0) {                                                         \
      FULL;                                                                     \
    } else {                                                                    \
      for (e = 0; e < PER && q * PER + e < k; e++) PART;                        \
    }                                                                           \
  }

#define FLOPNET_NARROW_32(CLS)                                                  \
  do {                                                                          \
    flopnet_u128 v;                                                             \
    v.lo = flopnet_narrow_bits(CLS, x[0]) | (u64)flopnet_narrow_bits(CLS, x[1]) << 32; \
    v.hi = flopnet_narrow_bits(CLS, x[2]) | (u64)flopnet_narrow_bits(CLS, x[3]) << 32; \
    FLOPNET_STORE(flopnet_u128, out + at, v);                                   \
  } while (0)
#define FLOPNET_NARROW_16(CLS)                                                  \
  FLOPNET_STORE(u64, out + at, (u64)flopnet_narrow_bits(CLS, x[0]) | (u64)flopnet_narrow_bits(CLS, x[1]) << 16 | \
                (u64)flopnet_narrow_bits(CLS, x[2]) << 32 | (u64)flopnet_narrow_bits(CLS, x[3]) << 48)

KERNEL void flopnet_generate_fp64(u64 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(2, do { flopnet_u128 v; v.lo = flopnet_fp64_bits(x[0], x[1]); v.hi = flopnet_fp64_bits(x[2], x[3]); FLOPNET_STORE(flopnet_u128, out + at, v); } while (0),
                        out[at + e] = flopnet_fp64_bits(x[2 * e], x[2 * e + 1]))
}
KERNEL void flopnet_generate_fp32(u32 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(4, FLOPNET_NARROW_32(FLOPNET_FP32), out[at + e] = flopnet_narrow_bits(FLOPNET_FP32, x[e]))
}
KERNEL void flopnet_generate_tf32(u32 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(4, FLOPNET_NARROW_32(FLOPNET_TF32), out[at + e] = flopnet_narrow_bits(FLOPNET_TF32, x[e]))
}
KERNEL void flopnet_generate_bf16(u16 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(4, FLOPNET_NARROW_16(FLOPNET_BF16), out[at + e] = (u16)flopnet_narrow_bits(FLOPNET_BF16, x[e]))
}
KERNEL void flopnet_generate_fp16(u16 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(4, FLOPNET_NARROW_16(FLOPNET_FP16), out[at + e] = (u16)flopnet_narrow_bits(FLOPNET_FP16, x[e]))
}
KERNEL void flopnet_generate_fp8(u8 *out, u32 lines, u32 k, u32 first, u32 k0, u32 k1) {
  FLOPNET_GENERATE_BODY(4,
                        FLOPNET_STORE(u32, out + at, flopnet_narrow_bits(FLOPNET_FP8, x[0]) | flopnet_narrow_bits(FLOPNET_FP8, x[1]) << 8 |
                                                         flopnet_narrow_bits(FLOPNET_FP8, x[2]) << 16 | flopnet_narrow_bits(FLOPNET_FP8, x[3]) << 24),
                        out[at + e] = (u8)flopnet_narrow_bits(FLOPNET_FP8, x[e]))
}

/* ---------------------------------------------------------------- SHA-256 */

CONSTANT u32 FLOPNET_SHA_K[64] = {
  0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
  0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
  0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
  0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
  0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
  0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
  0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
  0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

FN u32 flopnet_rotr(u32 x, int n) { return (x >> n) | (x << (32 - n)); }
FN u32 flopnet_bswap(u32 x) { return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24); }

FN void flopnet_sha256_block(u32 st[8], u32 w[16]) {
  u32 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  int t;
  for (t = 0; t < 64; t++) {
    u32 wt, s1, ch, t1, s0, maj, t2;
    if (t < 16) {
      wt = w[t];
    } else {
      u32 w15 = w[(t + 1) & 15], w2 = w[(t + 14) & 15];
      u32 sg0 = flopnet_rotr(w15, 7) ^ flopnet_rotr(w15, 18) ^ (w15 >> 3);
      u32 sg1 = flopnet_rotr(w2, 17) ^ flopnet_rotr(w2, 19) ^ (w2 >> 10);
      wt = w[t & 15] + sg0 + w[(t + 9) & 15] + sg1;
      w[t & 15] = wt;
    }
    s1 = flopnet_rotr(e, 6) ^ flopnet_rotr(e, 11) ^ flopnet_rotr(e, 25);
    ch = (e & f) ^ (~e & g);
    t1 = h + s1 + ch + FLOPNET_SHA_K[t] + wt;
    s0 = flopnet_rotr(a, 2) ^ flopnet_rotr(a, 13) ^ flopnet_rotr(a, 22);
    maj = (a & b) ^ (a & c) ^ (b & c);
    t2 = s0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

/*
 * SHA-256(prefix ‖ bytes) where bytes are `nwords` 32-bit words read from memory (little-endian, as the
 * result rows and the digests lie in memory). The one-byte prefix shifts every word by a byte: message
 * word t is the top byte of word t-1 followed by the low three bytes of word t. Writes the digest as
 * its 32 bytes in order (out read as bytes = the standard digest).
 */
FN void flopnet_sha256_prefixed(u32 prefix, const u32 *words, u64 nwords, u32 *out) {
  u32 st[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  u32 w[16];
  u64 blocks = (nwords * 4 + 73) / 64; /* prefix, bytes, 0x80, 64-bit length */
  u64 bits = (nwords * 4 + 1) * 8;
  u32 carry = prefix << 24;           /* top byte of the previous word, in place */
  u64 b, t;
  int j;
  /* Blocks made only of row words: no padding to decide, no branches. */
  for (b = 0; b < nwords / 16; b++) {
    for (j = 0; j < 16; j++) {
      u32 x = words[b * 16 + j];
      w[j] = carry | (flopnet_bswap(x) >> 8);
      carry = x & 0xff000000u;
    }
    flopnet_sha256_block(st, w);
  }
  for (; b < blocks; b++) {
    for (j = 0; j < 16; j++) {
      t = b * 16 + j;
      if (t < nwords) {
        u32 x = words[t];
        w[j] = carry | (flopnet_bswap(x) >> 8);
        carry = x & 0xff000000u;
      } else if (t == nwords) {
        w[j] = carry | 0x00800000u;
      } else {
        w[j] = 0;
      }
    }
    if (b == blocks - 1) {
      w[14] = (u32)(bits >> 32);
      w[15] = (u32)bits;
    }
    flopnet_sha256_block(st, w);
  }
  for (j = 0; j < 8; j++) out[j] = flopnet_bswap(st[j]);
}

/* Leaf of each row: SHA-256(0x00 ‖ row bytes). One thread per row; digest i at digests + 8·i. */
KERNEL void flopnet_hash_rows(const u32 *data, u64 row_words, u32 rows, u32 *digests) {
  u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= rows) return;
  flopnet_sha256_prefixed(0x00u, data + (u64)i * row_words, row_words, digests + (u64)i * 8);
}

/*
 * One Merkle level up: node i of `next` = SHA-256(0x01 ‖ level[2i] ‖ level[2i+1]); with an odd
 * count the last node is carried up unchanged. One thread per node of `next` (ceil(count / 2)).
 */
KERNEL void flopnet_hash_level(const u32 *level, u32 count, u32 *next) {
  u32 i = blockIdx.x * blockDim.x + threadIdx.x;
  int j;
  if (i >= (count + 1) / 2) return;
  if (2 * i + 1 < count) {
    flopnet_sha256_prefixed(0x01u, level + (u64)i * 16, 16, next + (u64)i * 8);
  } else {
    for (j = 0; j < 8; j++) next[(u64)i * 8 + j] = level[(u64)i * 16 + j];
  }
}
