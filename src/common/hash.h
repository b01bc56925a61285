/*
 * hash.h — hashing for hash joins, hash aggregates, partitioning and DISTINCT.
 *
 * Values hash by VALUE, not by storage: every integer width (and DATE, BOOLEAN, small
 * DECIMAL) hashes as the sign-extended int64; REAL hashes as the equal DOUBLE; doubles
 * normalise -0.0 to 0.0 and every NaN to one NaN; INTERVAL hashes its normalised length
 * (1 month = 30 days, 1 day = 24 hours, as its equality does); strings hash their bytes
 * with XXH3; NULL hashes to SL_HASH_NULL. So two values that compare equal under SQL
 * equality (same type) always have the same hash.
 *
 * Multi-column keys: hash the first column with combine=false, the others with
 * combine=true (which mixes each value's hash into the running one, order-sensitive).
 */
#ifndef SL_COMMON_HASH_H
#define SL_COMMON_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sl_vector;
struct sl_value;

#define SL_HASH_NULL UINT64_C(0xb5ad4eceda1ce2a9)
#define SL_HASH_SEED UINT64_C(0x9e3779b97f4a7c15)

/* Hash of a byte string (XXH3, 64-bit). */
uint64_t sl_hash_bytes(const void *data, size_t length);

/* Avalanche mixer (murmur3/splitmix finaliser): a bijection on 64-bit words. */
static inline uint64_t sl_hash_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* Hash of an integer value (all integer widths sign-extend to this). */
static inline uint64_t sl_hash_int64(int64_t v)
{
    return sl_hash_mix64((uint64_t)v ^ SL_HASH_SEED);
}

/* Hash of a 128-bit integer; equals sl_hash_int64 when the value fits in int64. */
static inline uint64_t sl_hash_int128(__int128 v)
{
    if (v >= INT64_MIN && v <= INT64_MAX)
        return sl_hash_int64((int64_t)v);
    uint64_t lo = (uint64_t)v, hi = (uint64_t)((unsigned __int128)v >> 64);
    return sl_hash_mix64(sl_hash_mix64(lo ^ SL_HASH_SEED) ^ (hi * UINT64_C(0x9fb21c651e98df25)));
}

/* Hash of a double: -0.0 hashes as 0.0, every NaN alike. */
static inline uint64_t sl_hash_double(double d)
{
    uint64_t bits;
    if (d == 0.0)
        d = 0.0;                       /* folds -0.0 */
    if (d != d)
        bits = UINT64_C(0x7ff8000000000000);
    else
        memcpy(&bits, &d, sizeof bits);
    return sl_hash_mix64(bits ^ UINT64_C(0x2545f4914f6cdd1d));
}

/* Mixes hash b into running hash a (order-sensitive). */
static inline uint64_t sl_hash_combine(uint64_t a, uint64_t b)
{
    return sl_hash_mix64(a * UINT64_C(0x9fb21c651e98df25) + b);
}

/* Hashes the active rows of v: for i < count, the value at physical row (sel ? sel[i] : i)
 * is hashed into hashes[i] (combine=false: overwritten; combine=true: mixed with
 * sl_hash_combine(hashes[i], h)). NULLs hash to SL_HASH_NULL. */
void sl_hash_vector(const struct sl_vector *v, const uint32_t *sel, uint32_t count,
                    uint64_t *hashes, bool combine);

/* Hash of one value, identical to what sl_hash_vector gives the same value in a vector. */
uint64_t sl_hash_value(const struct sl_value *value);

#endif
