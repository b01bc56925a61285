/*
 * compare.c — the comparison operators = <> < <= > >= for every type, and
 * sl_slot_compare (three-way comparison of single slots for IN lists, IS DISTINCT, sort).
 *
 * Both operands always have the same type: overload resolution widens integers, turns
 * DATE vs TIMESTAMP into TIMESTAMP, and the DECIMAL overload's bind hook casts both sides
 * to one precision/scale, so kernels compare plain integers. Strings compare byte-wise
 * (prefix first, then memcmp); doubles order NaN above everything and NaN = NaN (DuckDB);
 * intervals compare normalised (1 month = 30 days, 1 day = 24 hours), as in PostgreSQL.
 */
#include <math.h>
#include <string.h>

#include "expr/registry.h"

/* ------------------------------------------------------------------ three-way helpers */

#define CMP3(x, y) (((x) > (y)) - ((x) < (y)))

static inline int cmp_f64(double x, double y)
{
    if (x < y)
        return -1;
    if (x > y)
        return 1;
    if (x == y)
        return 0;
    /* at least one NaN */
    bool nx = isnan(x), ny = isnan(y);
    return nx == ny ? 0 : nx ? 1 : -1;
}

static inline int cmp_str(const sl_string *a, const sl_string *b)
{
    int c = memcmp(a->prefix, b->prefix, 4);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return sl_string_compare(a, b);
}

static inline sl_int128 interval_key(sl_interval iv)
{
    return ((sl_int128)iv.months * 30 + iv.days) * SL_MICROS_PER_DAY + iv.micros;
}

static inline int cmp_interval(sl_interval a, sl_interval b)
{
    sl_int128 x = interval_key(a), y = interval_key(b);
    return CMP3(x, y);
}

int sl_slot_compare(const sl_vector *a, uint32_t ra, const sl_vector *b, uint32_t rb)
{
    switch ((sl_type_id)a->type.id) {
    case SL_TYPE_BOOLEAN: return CMP3(((const uint8_t *)a->data)[ra], ((const uint8_t *)b->data)[rb]);
    case SL_TYPE_TINYINT: return CMP3(((const int8_t *)a->data)[ra], ((const int8_t *)b->data)[rb]);
    case SL_TYPE_SMALLINT: return CMP3(((const int16_t *)a->data)[ra], ((const int16_t *)b->data)[rb]);
    case SL_TYPE_INTEGER:
    case SL_TYPE_DATE: return CMP3(((const int32_t *)a->data)[ra], ((const int32_t *)b->data)[rb]);
    case SL_TYPE_BIGINT:
    case SL_TYPE_TIMESTAMP: return CMP3(((const int64_t *)a->data)[ra], ((const int64_t *)b->data)[rb]);
    case SL_TYPE_REAL: return cmp_f64(((const float *)a->data)[ra], ((const float *)b->data)[rb]);
    case SL_TYPE_DOUBLE: return cmp_f64(((const double *)a->data)[ra], ((const double *)b->data)[rb]);
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(a->type))
            return CMP3(((const int64_t *)a->data)[ra], ((const int64_t *)b->data)[rb]);
        return CMP3(((const sl_int128 *)a->data)[ra], ((const sl_int128 *)b->data)[rb]);
    case SL_TYPE_VARCHAR: return cmp_str(&((const sl_string *)a->data)[ra], &((const sl_string *)b->data)[rb]);
    case SL_TYPE_INTERVAL: return cmp_interval(((const sl_interval *)a->data)[ra], ((const sl_interval *)b->data)[rb]);
    default: return 0;
    }
}

/* ------------------------------------------------------------------ kernels */

/* One kernel: out[r] = (THREE_WAY(a[r], b[r]) OP 0), as a plain loop over the rows. */
#define CMP_KERNEL(NAME, T, THREE_WAY, OP)                                                                   \
    static sl_status NAME(const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count,       \
                          sl_vector *out, sl_error *err)                                                     \
    {                                                                                                        \
        const T *a = (const T *)args[0]->data;                                                               \
        const T *b = (const T *)args[1]->data;                                                               \
        uint8_t *o = (uint8_t *)out->data;                                                                   \
        if (sel) {                                                                                           \
            for (uint32_t i = 0; i < count; i++) {                                                           \
                uint32_t r = sel[i];                                                                         \
                o[r] = THREE_WAY(a[r], b[r]) OP 0;                                                           \
            }                                                                                                \
        } else {                                                                                             \
            for (uint32_t r = 0; r < count; r++)                                                             \
                o[r] = THREE_WAY(a[r], b[r]) OP 0;                                                           \
        }                                                                                                    \
        return SL_OK;                                                                                        \
    }

#define CMP_PRIM(x, y) CMP3(x, y)
#define CMP_F64(x, y) cmp_f64(x, y)
#define CMP_STR(x, y) cmp_str(&(x), &(y))
#define CMP_IV(x, y) cmp_interval(x, y)
/* Equality of strings without ordering work: 0 when equal. */
#define NEQ_STR(x, y) (!sl_string_equal(&(x), &(y)))

#define CMP_FAMILY(SUFFIX, T, THREE_WAY)              \
    CMP_KERNEL(cmp_eq_##SUFFIX, T, THREE_WAY, ==)     \
    CMP_KERNEL(cmp_ne_##SUFFIX, T, THREE_WAY, !=)     \
    CMP_KERNEL(cmp_lt_##SUFFIX, T, THREE_WAY, <)      \
    CMP_KERNEL(cmp_le_##SUFFIX, T, THREE_WAY, <=)     \
    CMP_KERNEL(cmp_gt_##SUFFIX, T, THREE_WAY, >)      \
    CMP_KERNEL(cmp_ge_##SUFFIX, T, THREE_WAY, >=)

CMP_FAMILY(u8, uint8_t, CMP_PRIM)
CMP_FAMILY(i8, int8_t, CMP_PRIM)
CMP_FAMILY(i16, int16_t, CMP_PRIM)
CMP_FAMILY(i32, int32_t, CMP_PRIM)
CMP_FAMILY(i64, int64_t, CMP_PRIM)
CMP_FAMILY(i128, sl_int128, CMP_PRIM)
CMP_FAMILY(f32, float, CMP_F64)
CMP_FAMILY(f64, double, CMP_F64)
CMP_FAMILY(iv, sl_interval, CMP_IV)
CMP_KERNEL(cmp_eq_str, sl_string, NEQ_STR, ==)
CMP_KERNEL(cmp_ne_str, sl_string, NEQ_STR, !=)
CMP_KERNEL(cmp_lt_str, sl_string, CMP_STR, <)
CMP_KERNEL(cmp_le_str, sl_string, CMP_STR, <=)
CMP_KERNEL(cmp_gt_str, sl_string, CMP_STR, >)
CMP_KERNEL(cmp_ge_str, sl_string, CMP_STR, >=)

/* DECIMAL: both sides share one type after binding; pick the storage width. */
#define DEC_KERNEL(OPNAME)                                                                                   \
    static sl_status cmp_##OPNAME##_dec(const sl_expr *call, sl_vector **args, const uint32_t *sel,          \
                                        uint32_t count, sl_vector *out, sl_error *err)                       \
    {                                                                                                        \
        if (sl_decimal_is_small(args[0]->type))                                                              \
            return cmp_##OPNAME##_i64(call, args, sel, count, out, err);                                     \
        return cmp_##OPNAME##_i128(call, args, sel, count, out, err);                                        \
    }
DEC_KERNEL(eq)
DEC_KERNEL(ne)
DEC_KERNEL(lt)
DEC_KERNEL(le)
DEC_KERNEL(gt)
DEC_KERNEL(ge)

/* Casts both DECIMAL operands to their common DECIMAL type (same scale). */
static sl_status bind_decimal_compare(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_type common;
    if (!sl_type_common(call->args[0]->type, call->args[1]->type, &common))
        return sl_error_set_at(err, SL_ERR_TYPE, call->position, "cannot compare these decimals");
    for (int i = 0; i < 2; i++)
        SL_TRY(sl_cast_bind(arena, call->args[i], common, false, &call->args[i], err));
    return SL_OK;
}

/* ------------------------------------------------------------------ overloads */

#define CMP_ENTRY(OPSTR, OPNAME, TID, SUFFIX, BIND)                                               \
    { .name = OPSTR, .arg_count = 2, .args = { TID, TID }, .result = SL_TYPE_BOOLEAN,            \
      .function = { OPSTR, cmp_##OPNAME##_##SUFFIX, SL_NULLS_PROPAGATE, false }, .bind = BIND }

#define CMP_ENTRIES(TID, SUFFIX, BIND)               \
    CMP_ENTRY("=", eq, TID, SUFFIX, BIND),           \
    CMP_ENTRY("<>", ne, TID, SUFFIX, BIND),          \
    CMP_ENTRY("<", lt, TID, SUFFIX, BIND),           \
    CMP_ENTRY("<=", le, TID, SUFFIX, BIND),          \
    CMP_ENTRY(">", gt, TID, SUFFIX, BIND),           \
    CMP_ENTRY(">=", ge, TID, SUFFIX, BIND)

const sl_overload sl_compare_overloads[] = {
    CMP_ENTRIES(SL_TYPE_BOOLEAN, u8, NULL),
    CMP_ENTRIES(SL_TYPE_TINYINT, i8, NULL),
    CMP_ENTRIES(SL_TYPE_SMALLINT, i16, NULL),
    CMP_ENTRIES(SL_TYPE_INTEGER, i32, NULL),
    CMP_ENTRIES(SL_TYPE_BIGINT, i64, NULL),
    CMP_ENTRIES(SL_TYPE_DECIMAL, dec, bind_decimal_compare),
    CMP_ENTRIES(SL_TYPE_REAL, f32, NULL),
    CMP_ENTRIES(SL_TYPE_DOUBLE, f64, NULL),
    CMP_ENTRIES(SL_TYPE_VARCHAR, str, NULL),
    CMP_ENTRIES(SL_TYPE_DATE, i32, NULL),
    CMP_ENTRIES(SL_TYPE_TIMESTAMP, i64, NULL),
    CMP_ENTRIES(SL_TYPE_INTERVAL, iv, NULL),
};
const size_t sl_compare_overload_count = sizeof sl_compare_overloads / sizeof sl_compare_overloads[0];
