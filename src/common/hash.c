/*
 * hash.c — vectorised value hashing (see hash.h for what "by value" means).
 *
 * sl_hash_vector is a hot path (hash join build/probe, hash aggregate): one typed loop
 * per physical type, the NULL check hoisted out when the vector has no validity bitmap,
 * no per-row function pointers.
 */
#include "common/hash.h"

/* inline XXH3 into the per-row loops (short keys dominate) */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "vector/value.h"
#include "vector/vector.h"

#define SL_MICROS_PER_DAY INT64_C(86400000000)

uint64_t sl_hash_bytes(const void *data, size_t length)
{
    return XXH3_64bits(data, length);
}

static inline uint64_t sl_hash_interval(sl_interval iv)
{
    __int128 total = (__int128)iv.months * 30 * SL_MICROS_PER_DAY + (__int128)iv.days * SL_MICROS_PER_DAY + iv.micros;
    return sl_hash_int128(total);
}

static inline uint64_t sl_hash_string(const sl_string *s)
{
    return XXH3_64bits(sl_string_data(s), s->length);
}

/* One loop per (type, combine) pair. EXPR computes the hash of `vals[row]`. */
#define SL_HASH_LOOP(ctype, EXPR)                                                     \
    do {                                                                              \
        const ctype *vals = (const ctype *)v->data;                                   \
        const uint8_t *validity = v->validity;                                        \
        if (!combine) {                                                               \
            if (!validity) {                                                          \
                if (sel) {                                                            \
                    for (uint32_t i = 0; i < count; i++) {                            \
                        uint32_t row = sel[i];                                        \
                        hashes[i] = EXPR;                                             \
                    }                                                                 \
                } else {                                                              \
                    for (uint32_t i = 0; i < count; i++) {                            \
                        uint32_t row = i;                                             \
                        hashes[i] = EXPR;                                             \
                    }                                                                 \
                }                                                                     \
            } else {                                                                  \
                for (uint32_t i = 0; i < count; i++) {                                \
                    uint32_t row = sel ? sel[i] : i;                                  \
                    hashes[i] = ((validity[row >> 3] >> (row & 7)) & 1) ? (EXPR)      \
                                                                         : SL_HASH_NULL; \
                }                                                                     \
            }                                                                         \
        } else {                                                                      \
            for (uint32_t i = 0; i < count; i++) {                                    \
                uint32_t row = sel ? sel[i] : i;                                      \
                uint64_t h = (!validity || ((validity[row >> 3] >> (row & 7)) & 1))   \
                                 ? (EXPR) : SL_HASH_NULL;                             \
                hashes[i] = sl_hash_combine(hashes[i], h);                            \
            }                                                                         \
        }                                                                             \
    } while (0)

void sl_hash_vector(const struct sl_vector *v, const uint32_t *sel, uint32_t count,
                    uint64_t *hashes, bool combine)
{
    switch ((sl_type_id)v->type.id) {
    case SL_TYPE_BOOLEAN:
        SL_HASH_LOOP(uint8_t, sl_hash_int64(vals[row] != 0));
        break;
    case SL_TYPE_TINYINT:
        SL_HASH_LOOP(int8_t, sl_hash_int64(vals[row]));
        break;
    case SL_TYPE_SMALLINT:
        SL_HASH_LOOP(int16_t, sl_hash_int64(vals[row]));
        break;
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE:
        SL_HASH_LOOP(int32_t, sl_hash_int64(vals[row]));
        break;
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP:
        SL_HASH_LOOP(int64_t, sl_hash_int64(vals[row]));
        break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type))
            SL_HASH_LOOP(int64_t, sl_hash_int64(vals[row]));
        else
            SL_HASH_LOOP(sl_int128, sl_hash_int128(vals[row]));
        break;
    case SL_TYPE_REAL:
        SL_HASH_LOOP(float, sl_hash_double((double)vals[row]));
        break;
    case SL_TYPE_DOUBLE:
        SL_HASH_LOOP(double, sl_hash_double(vals[row]));
        break;
    case SL_TYPE_VARCHAR:
        SL_HASH_LOOP(sl_string, sl_hash_string(&vals[row]));
        break;
    case SL_TYPE_INTERVAL:
        SL_HASH_LOOP(sl_interval, sl_hash_interval(vals[row]));
        break;
    case SL_TYPE_NULL:
    default:
        /* every value of the NULL type is NULL */
        for (uint32_t i = 0; i < count; i++)
            hashes[i] = combine ? sl_hash_combine(hashes[i], SL_HASH_NULL) : SL_HASH_NULL;
        break;
    }
}

uint64_t sl_hash_value(const struct sl_value *value)
{
    if (value->is_null)
        return SL_HASH_NULL;
    switch ((sl_type_id)value->type.id) {
    case SL_TYPE_BOOLEAN:
        return sl_hash_int64(value->v.boolean ? 1 : 0);
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
    case SL_TYPE_DATE:
    case SL_TYPE_TIMESTAMP:
        return sl_hash_int64(value->v.i64);
    case SL_TYPE_DECIMAL:
        return sl_decimal_is_small(value->type) ? sl_hash_int64(value->v.i64) : sl_hash_int128(value->v.i128);
    case SL_TYPE_REAL:
        return sl_hash_double((double)(float)value->v.f64);
    case SL_TYPE_DOUBLE:
        return sl_hash_double(value->v.f64);
    case SL_TYPE_VARCHAR:
        return XXH3_64bits(value->v.str.data ? value->v.str.data : "", value->v.str.length);
    case SL_TYPE_INTERVAL:
        return sl_hash_interval(value->v.interval);
    default:
        return SL_HASH_NULL;
    }
}
