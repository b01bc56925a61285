/*
 * aggregate.c — the aggregate functions: count, count_star, sum, avg, min, max, first,
 * any_value, arg_min/arg_max, bool_and/bool_or, string_agg, and the variance family
 * (aggregate_stats.c).
 *
 * Each is an sl_aggregate_function (function.h): a fixed-size state blob per group that
 * the hash aggregate operator owns, with init / update / combine / finalize / destroy.
 * update folds the active rows (sel[i], i < count) into states[i]; NULL inputs are
 * skipped (except by first()), and a group that saw no input finalizes to NULL (count to
 * 0).
 *
 * Calling convention for ordered aggregates (string_agg(x, ',' ORDER BY k1 DESC, k2)):
 * the operator evaluates agg->order_by[0..order_count) and passes those vectors to
 * update as extra arguments AFTER the declared arguments, i.e. args[agg->arg_count + j]
 * holds ORDER BY key j. string_agg keeps (value, separator, keys) per input row and sorts
 * at finalize (stable) using agg->order_desc / agg->order_nulls_first as the binder set
 * them. Functions whose result does not depend on order ignore the extra arguments.
 * DISTINCT and FILTER are applied by the operator before update.
 *
 * Result types (checked against DuckDB, which returns HUGEINT where we use an exact
 * DECIMAL(38,0)): count -> BIGINT; sum(TINYINT..INTEGER) -> BIGINT; sum(BIGINT) ->
 * DECIMAL(38,0); sum(DECIMAL(p,s)) -> DECIMAL(38,s); sum(DOUBLE) -> DOUBLE; avg(...) ->
 * DOUBLE (integer and decimal sums are kept exact in 128 bits and divided at the end);
 * min/max/first/any_value/arg_min/arg_max -> the argument's type; string_agg -> VARCHAR.
 *
 * Memory: VARCHAR minimums/maximums and string_agg entries are sl_malloc'd copies owned
 * by the state and released by destroy; combine moves what it keeps from source to
 * target, and the source stays a valid state that must still be destroyed. States that
 * own memory (those with a destroy hook) are not position-independent byte blobs, so
 * spilling them needs a serialize step the contract does not have yet.
 */
#include <math.h>
#include <stdlib.h>

#include "expr/aggregate_internal.h"
#include "expr/string_util.h"

/* ------------------------------------------------------------------ generic value slots */

/* One value of any type held in a state; strings are sl_malloc'd copies when owned. */
typedef union agg_slot {
    int64_t i;           /* BOOLEAN, integers, DATE, TIMESTAMP, DECIMAL(<=18) */
    sl_int128 h;         /* DECIMAL(19..38) */
    double d;            /* REAL, DOUBLE */
    sl_interval iv;
    struct {
        char *ptr;
        uint32_t len;
    } s;
} agg_slot;

/* How a type's values are held in a state. */
typedef enum slot_class { SLOT_I64, SLOT_I128, SLOT_F64, SLOT_INTERVAL, SLOT_STRING } slot_class;

static slot_class slot_class_of(sl_type t)
{
    switch (t.id) {
    case SL_TYPE_DECIMAL: return sl_decimal_is_small(t) ? SLOT_I64 : SLOT_I128;
    case SL_TYPE_REAL: case SL_TYPE_DOUBLE: return SLOT_F64;
    case SL_TYPE_INTERVAL: return SLOT_INTERVAL;
    case SL_TYPE_VARCHAR: return SLOT_STRING;
    default: return SLOT_I64;
    }
}

/* Reads row `row` of v into *slot (strings as a borrowed view). */
static void slot_read(const sl_vector *v, uint32_t row, agg_slot *slot)
{
    switch (v->type.id) {
    case SL_TYPE_BOOLEAN: slot->i = SL_VECTOR_DATA(v, uint8_t)[row]; break;
    case SL_TYPE_TINYINT: slot->i = SL_VECTOR_DATA(v, int8_t)[row]; break;
    case SL_TYPE_SMALLINT: slot->i = SL_VECTOR_DATA(v, int16_t)[row]; break;
    case SL_TYPE_INTEGER: case SL_TYPE_DATE: slot->i = SL_VECTOR_DATA(v, int32_t)[row]; break;
    case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: slot->i = SL_VECTOR_DATA(v, int64_t)[row]; break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type))
            slot->i = SL_VECTOR_DATA(v, int64_t)[row];
        else
            slot->h = SL_VECTOR_DATA(v, sl_int128)[row];
        break;
    case SL_TYPE_REAL: slot->d = SL_VECTOR_DATA(v, float)[row]; break;
    case SL_TYPE_DOUBLE: slot->d = SL_VECTOR_DATA(v, double)[row]; break;
    case SL_TYPE_INTERVAL: slot->iv = SL_VECTOR_DATA(v, sl_interval)[row]; break;
    case SL_TYPE_VARCHAR: {
        const sl_string *s = &SL_VECTOR_DATA(v, sl_string)[row];
        slot->s.ptr = (char *)sl_string_data(s);
        slot->s.len = s->length;
        break;
    }
    default: slot->i = 0; break;
    }
}

/* Normalized length of an interval for ordering (PostgreSQL: a month is 30 days). */
static sl_int128 interval_key(sl_interval iv)
{
    return ((sl_int128)iv.months * 30 + iv.days) * SL_MICROS_PER_DAY + iv.micros;
}

/* Total order on doubles with NaN greater than everything (DuckDB). */
static int double_compare(double a, double b)
{
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return a < b ? -1 : a > b;
}

static int slot_compare(slot_class cls, const agg_slot *a, const agg_slot *b)
{
    switch (cls) {
    case SLOT_I64: return a->i < b->i ? -1 : a->i > b->i;
    case SLOT_I128: return a->h < b->h ? -1 : a->h > b->h;
    case SLOT_F64: return double_compare(a->d, b->d);
    case SLOT_INTERVAL: {
        sl_int128 x = interval_key(a->iv), y = interval_key(b->iv);
        return x < y ? -1 : x > y;
    }
    case SLOT_STRING: {
        uint32_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
        int c = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;
        if (c)
            return c;
        return a->s.len < b->s.len ? -1 : a->s.len > b->s.len;
    }
    }
    return 0;
}

/* Stores src into an owned slot (string bytes copied; the old copy freed). */
static sl_status slot_assign(slot_class cls, agg_slot *dst, const agg_slot *src, sl_error *err)
{
    if (cls != SLOT_STRING) {
        *dst = *src;
        return SL_OK;
    }
    char *copy = (char *)sl_malloc(src->s.len ? src->s.len : 1);
    if (!copy)
        return sl_error_oom(err);
    memcpy(copy, src->s.ptr, src->s.len);
    sl_free(dst->s.ptr);
    dst->s.ptr = copy;
    dst->s.len = src->s.len;
    return SL_OK;
}

/* Moves an owned slot from src to dst (dst's old string freed; src left empty). */
static void slot_move(slot_class cls, agg_slot *dst, agg_slot *src)
{
    if (cls == SLOT_STRING)
        sl_free(dst->s.ptr);
    *dst = *src;
    if (cls == SLOT_STRING) {
        src->s.ptr = NULL;
        src->s.len = 0;
    }
}

/* Writes a slot into out[row] (type of out). */
static sl_status slot_write(sl_vector *out, uint32_t row, const agg_slot *slot, sl_error *err)
{
    switch (out->type.id) {
    case SL_TYPE_BOOLEAN: SL_VECTOR_DATA(out, uint8_t)[row] = (uint8_t)slot->i; break;
    case SL_TYPE_TINYINT: SL_VECTOR_DATA(out, int8_t)[row] = (int8_t)slot->i; break;
    case SL_TYPE_SMALLINT: SL_VECTOR_DATA(out, int16_t)[row] = (int16_t)slot->i; break;
    case SL_TYPE_INTEGER: case SL_TYPE_DATE: SL_VECTOR_DATA(out, int32_t)[row] = (int32_t)slot->i; break;
    case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP: SL_VECTOR_DATA(out, int64_t)[row] = slot->i; break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(out->type))
            SL_VECTOR_DATA(out, int64_t)[row] = slot->i;
        else
            SL_VECTOR_DATA(out, sl_int128)[row] = slot->h;
        break;
    case SL_TYPE_REAL: SL_VECTOR_DATA(out, float)[row] = (float)slot->d; break;
    case SL_TYPE_DOUBLE: SL_VECTOR_DATA(out, double)[row] = slot->d; break;
    case SL_TYPE_INTERVAL: SL_VECTOR_DATA(out, sl_interval)[row] = slot->iv; break;
    case SL_TYPE_VARCHAR: return sl_vector_set_string(out, row, slot->s.ptr ? slot->s.ptr : "", slot->s.len, err);
    default: return sl_error_set(err, SL_ERR_INTERNAL, "aggregate: cannot write a value of type id %d", out->type.id);
    }
    return SL_OK;
}

static sl_status set_null(sl_vector *out, uint32_t row, sl_error *err) { return sl_vector_set_null(out, row, err); }

/* The argument type of aggregate argument k (from the bound node). */
static sl_type arg_type(const sl_expr *agg, uint32_t k) { return agg->args[k]->type; }

/* ------------------------------------------------------------------ count */

static void count_init(const sl_expr *agg, void *state) { *(int64_t *)state = 0; }

static sl_status count_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_error *err)
{
    const sl_vector *v = args[0];
    if (!v->validity) {
        for (uint32_t i = 0; i < count; i++)
            (*(int64_t *)states[i])++;
        return SL_OK;
    }
    for (uint32_t i = 0; i < count; i++)
        *(int64_t *)states[i] += sl_vector_is_valid(v, SL_ROW(sel, i));
    return SL_OK;
}

static sl_status count_star_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                   uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++)
        (*(int64_t *)states[i])++;
    return SL_OK;
}

static sl_status count_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++)
        *(int64_t *)targets[i] += *(int64_t *)sources[i];
    return SL_OK;
}

static sl_status count_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                uint32_t out_offset, sl_error *err)
{
    int64_t *res = SL_VECTOR_DATA(out, int64_t);
    for (uint32_t i = 0; i < count; i++)
        res[out_offset + i] = *(int64_t *)states[i];
    return SL_OK;
}

static const sl_aggregate_function sl_agg_count = { "count", sizeof(int64_t), count_init, count_update, count_combine,
                                             count_finalize, NULL };
static const sl_aggregate_function sl_agg_count_star = { "count_star", sizeof(int64_t), count_init, count_star_update,
                                                  count_combine, count_finalize, NULL };

/* ------------------------------------------------------------------ sum / avg (exact) */

/* Integer and decimal sums: 128-bit accumulator plus a row count (avg uses it; sum uses
 * it as "saw a value"). */
typedef struct sum_state {
    sl_int128 sum;
    int64_t count;
} sum_state;

static void sum_init(const sl_expr *agg, void *state) { memset(state, 0, sizeof(sum_state)); }

#define SUM_LOOP(ctype)                                                              \
    do {                                                                             \
        const ctype *data = SL_VECTOR_DATA(v, ctype);                                \
        if (!v->validity) {                                                          \
            for (uint32_t i = 0; i < count; i++) {                                   \
                sum_state *s = (sum_state *)states[i];                               \
                s->sum += data[SL_ROW(sel, i)];                                      \
                s->count++;                                                          \
            }                                                                        \
        } else {                                                                     \
            for (uint32_t i = 0; i < count; i++) {                                   \
                uint32_t row = SL_ROW(sel, i);                                       \
                if (!sl_vector_is_valid(v, row))                                     \
                    continue;                                                        \
                sum_state *s = (sum_state *)states[i];                               \
                s->sum += data[row];                                                 \
                s->count++;                                                          \
            }                                                                        \
        }                                                                            \
    } while (0)

static sl_status sum_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_error *err)
{
    const sl_vector *v = args[0];
    switch (v->type.id) {
    case SL_TYPE_TINYINT: SUM_LOOP(int8_t); break;
    case SL_TYPE_SMALLINT: SUM_LOOP(int16_t); break;
    case SL_TYPE_INTEGER: SUM_LOOP(int32_t); break;
    case SL_TYPE_BIGINT: SUM_LOOP(int64_t); break;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type)) {
            SUM_LOOP(int64_t);
        } else {
            /* 38-digit inputs can overflow 128 bits: checked adds. */
            const sl_int128 *data = SL_VECTOR_DATA(v, sl_int128);
            for (uint32_t i = 0; i < count; i++) {
                uint32_t row = SL_ROW(sel, i);
                if (!sl_vector_is_valid(v, row))
                    continue;
                sum_state *s = (sum_state *)states[i];
                if (__builtin_add_overflow(s->sum, data[row], &s->sum))
                    return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position,
                                           "sum: DECIMAL overflow (the total exceeds 38 digits)");
                s->count++;
            }
        }
        break;
    default: {
        char name[32];
        return sl_error_set_at(err, SL_ERR_INTERNAL, agg->position, "sum/avg: unexpected argument type %s",
                               sl_type_name(v->type, name, sizeof name));
    }
    }
    return SL_OK;
}

static sl_status sum_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        sum_state *src = (sum_state *)sources[i];
        sum_state *dst = (sum_state *)targets[i];
        if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum))
            return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position, "sum: overflow (the total exceeds 38 digits)");
        dst->count += src->count;
    }
    return SL_OK;
}

static const sl_int128 DECIMAL38_MAX = (sl_int128)99999999999999999LL * (sl_int128)1000000000000000000LL * 1000 +
                                       (sl_int128)999999999999999999LL * 1000 + 999;   /* 10^38 - 1 */

static sl_status sum_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                              sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        const sum_state *s = (const sum_state *)states[i];
        uint32_t row = out_offset + i;
        if (s->count == 0) {
            SL_TRY(set_null(out, row, err));
            continue;
        }
        if (out->type.id == SL_TYPE_BIGINT) {
            if (s->sum > INT64_MAX || s->sum < INT64_MIN)
                return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position,
                                       "sum: BIGINT overflow (cast the argument to BIGINT or DECIMAL for a wider sum)");
            SL_VECTOR_DATA(out, int64_t)[row] = (int64_t)s->sum;
        } else if (out->type.id == SL_TYPE_DECIMAL && !sl_decimal_is_small(out->type)) {
            if (s->sum > DECIMAL38_MAX || s->sum < -DECIMAL38_MAX)
                return sl_error_set_at(err, SL_ERR_RUNTIME, agg->position, "sum: overflow (the total exceeds 38 digits)");
            SL_VECTOR_DATA(out, sl_int128)[row] = s->sum;
        } else if (out->type.id == SL_TYPE_DECIMAL) {
            SL_VECTOR_DATA(out, int64_t)[row] = (int64_t)s->sum;
        } else {
            return sl_error_set_at(err, SL_ERR_INTERNAL, agg->position, "sum: unexpected result type id %d",
                                   out->type.id);
        }
    }
    return SL_OK;
}

/* avg over integers/decimals: exact sum / count / 10^scale, in long double. */
static sl_status avg_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                              sl_error *err)
{
    sl_type t = arg_type(agg, 0);
    long double divisor = 1;
    if (t.id == SL_TYPE_DECIMAL)
        for (int k = 0; k < t.scale; k++)
            divisor *= 10;
    double *res = SL_VECTOR_DATA(out, double);
    for (uint32_t i = 0; i < count; i++) {
        const sum_state *s = (const sum_state *)states[i];
        if (s->count == 0) {
            SL_TRY(set_null(out, out_offset + i, err));
            continue;
        }
        /* Split the quotient to keep precision: integer part exactly, remainder as fraction. */
        sl_int128 q = s->sum / s->count, r = s->sum % s->count;
        long double v = (long double)q + (long double)r / (long double)s->count;
        res[out_offset + i] = (double)(v / divisor);
    }
    return SL_OK;
}

static const sl_aggregate_function sl_agg_sum_exact = { "sum", sizeof(sum_state), sum_init, sum_update, sum_combine,
                                                 sum_finalize, NULL };
static const sl_aggregate_function sl_agg_avg_exact = { "avg", sizeof(sum_state), sum_init, sum_update, sum_combine,
                                                 avg_finalize, NULL };

/* ------------------------------------------------------------------ sum / avg (double) */

typedef struct fsum_state {
    double sum;
    int64_t count;
} fsum_state;

static void fsum_init(const sl_expr *agg, void *state) { memset(state, 0, sizeof(fsum_state)); }

static sl_status fsum_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                             sl_error *err)
{
    const sl_vector *v = args[0];
    if (v->type.id == SL_TYPE_REAL) {
        const float *data = SL_VECTOR_DATA(v, float);
        for (uint32_t i = 0; i < count; i++) {
            uint32_t row = SL_ROW(sel, i);
            if (!sl_vector_is_valid(v, row))
                continue;
            fsum_state *s = (fsum_state *)states[i];
            s->sum += data[row];
            s->count++;
        }
        return SL_OK;
    }
    const double *data = SL_VECTOR_DATA(v, double);
    if (!v->validity) {
        for (uint32_t i = 0; i < count; i++) {
            fsum_state *s = (fsum_state *)states[i];
            s->sum += data[SL_ROW(sel, i)];
            s->count++;
        }
        return SL_OK;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row))
            continue;
        fsum_state *s = (fsum_state *)states[i];
        s->sum += data[row];
        s->count++;
    }
    return SL_OK;
}

static sl_status fsum_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        ((fsum_state *)targets[i])->sum += ((fsum_state *)sources[i])->sum;
        ((fsum_state *)targets[i])->count += ((fsum_state *)sources[i])->count;
    }
    return SL_OK;
}

static sl_status fsum_finalize_common(void **states, uint32_t count, sl_vector *out, uint32_t out_offset, bool average,
                                      sl_error *err)
{
    double *res = SL_VECTOR_DATA(out, double);
    for (uint32_t i = 0; i < count; i++) {
        const fsum_state *s = (const fsum_state *)states[i];
        if (s->count == 0)
            SL_TRY(set_null(out, out_offset + i, err));
        else
            res[out_offset + i] = average ? s->sum / (double)s->count : s->sum;
    }
    return SL_OK;
}

static sl_status fsum_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                               sl_error *err)
{
    return fsum_finalize_common(states, count, out, out_offset, false, err);
}

static sl_status favg_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                               sl_error *err)
{
    return fsum_finalize_common(states, count, out, out_offset, true, err);
}

static const sl_aggregate_function sl_agg_sum_double = { "sum", sizeof(fsum_state), fsum_init, fsum_update, fsum_combine,
                                                  fsum_finalize, NULL };
static const sl_aggregate_function sl_agg_avg_double = { "avg", sizeof(fsum_state), fsum_init, fsum_update, fsum_combine,
                                                  favg_finalize, NULL };

/* ------------------------------------------------------------------ min / max / first / any_value */

/* One value of the argument's type. */
typedef struct value_state {
    agg_slot value;
    bool has;        /* a value (or, for first(), a row) was seen */
    bool is_null;    /* first(): the first row was NULL */
} value_state;

static void value_init(const sl_expr *agg, void *state) { memset(state, 0, sizeof(value_state)); }

static void value_destroy(const sl_expr *agg, void *state)
{
    value_state *s = (value_state *)state;
    if (slot_class_of(arg_type(agg, 0)) == SLOT_STRING) {
        sl_free(s->value.s.ptr);
        s->value.s.ptr = NULL;
    }
}

/* Typed min/max loop for fixed-width classes: `better(a, b)` is true when a should replace b. */
#define MINMAX_LOOP(ctype, field, better)                                            \
    do {                                                                             \
        const ctype *data = SL_VECTOR_DATA(v, ctype);                                \
        for (uint32_t i = 0; i < count; i++) {                                       \
            uint32_t row = SL_ROW(sel, i);                                           \
            if (!sl_vector_is_valid(v, row))                                         \
                continue;                                                            \
            value_state *s = (value_state *)states[i];                               \
            ctype x = data[row];                                                     \
            if (!s->has || better(x, s->value.field)) {                              \
                s->value.field = x;                                                  \
                s->has = true;                                                       \
            }                                                                        \
        }                                                                            \
    } while (0)

#define LESS(a, b) ((a) < (b))
#define GREATER(a, b) ((a) > (b))
#define DLESS(a, b) (double_compare((a), (b)) < 0)
#define DGREATER(a, b) (double_compare((a), (b)) > 0)

static sl_status minmax_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                               uint32_t count, bool is_min, sl_error *err)
{
    const sl_vector *v = args[0];
    switch (v->type.id) {
    case SL_TYPE_BOOLEAN:
        if (is_min) MINMAX_LOOP(uint8_t, i, LESS); else MINMAX_LOOP(uint8_t, i, GREATER);
        return SL_OK;
    case SL_TYPE_TINYINT:
        if (is_min) MINMAX_LOOP(int8_t, i, LESS); else MINMAX_LOOP(int8_t, i, GREATER);
        return SL_OK;
    case SL_TYPE_SMALLINT:
        if (is_min) MINMAX_LOOP(int16_t, i, LESS); else MINMAX_LOOP(int16_t, i, GREATER);
        return SL_OK;
    case SL_TYPE_INTEGER: case SL_TYPE_DATE:
        if (is_min) MINMAX_LOOP(int32_t, i, LESS); else MINMAX_LOOP(int32_t, i, GREATER);
        return SL_OK;
    case SL_TYPE_BIGINT: case SL_TYPE_TIMESTAMP:
        if (is_min) MINMAX_LOOP(int64_t, i, LESS); else MINMAX_LOOP(int64_t, i, GREATER);
        return SL_OK;
    case SL_TYPE_DECIMAL:
        if (sl_decimal_is_small(v->type)) {
            if (is_min) MINMAX_LOOP(int64_t, i, LESS); else MINMAX_LOOP(int64_t, i, GREATER);
        } else {
            if (is_min) MINMAX_LOOP(sl_int128, h, LESS); else MINMAX_LOOP(sl_int128, h, GREATER);
        }
        return SL_OK;
    case SL_TYPE_REAL:
        if (is_min) MINMAX_LOOP(float, d, DLESS); else MINMAX_LOOP(float, d, DGREATER);
        return SL_OK;
    case SL_TYPE_DOUBLE:
        if (is_min) MINMAX_LOOP(double, d, DLESS); else MINMAX_LOOP(double, d, DGREATER);
        return SL_OK;
    default:
        break;
    }
    /* VARCHAR and INTERVAL: generic slot comparison; strings copied only when they win. */
    slot_class cls = slot_class_of(v->type);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row))
            continue;
        value_state *s = (value_state *)states[i];
        agg_slot x;
        slot_read(v, row, &x);
        int c = s->has ? slot_compare(cls, &x, &s->value) : 0;
        if (!s->has || (is_min ? c < 0 : c > 0)) {
            SL_TRY(slot_assign(cls, &s->value, &x, err));
            s->has = true;
        }
    }
    return SL_OK;
}

static sl_status min_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_error *err)
{
    return minmax_update(agg, states, args, sel, count, true, err);
}

static sl_status max_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                            sl_error *err)
{
    return minmax_update(agg, states, args, sel, count, false, err);
}

static sl_status minmax_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, bool is_min)
{
    slot_class cls = slot_class_of(arg_type(agg, 0));
    for (uint32_t i = 0; i < count; i++) {
        value_state *src = (value_state *)sources[i];
        value_state *dst = (value_state *)targets[i];
        if (!src->has)
            continue;
        int c = dst->has ? slot_compare(cls, &src->value, &dst->value) : 0;
        if (!dst->has || (is_min ? c < 0 : c > 0)) {
            slot_move(cls, &dst->value, &src->value);
            dst->has = true;
        }
    }
    return SL_OK;
}

static sl_status min_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    return minmax_combine(agg, sources, targets, count, true);
}

static sl_status max_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    return minmax_combine(agg, sources, targets, count, false);
}

static sl_status value_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                                sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        const value_state *s = (const value_state *)states[i];
        if (!s->has || s->is_null)
            SL_TRY(set_null(out, out_offset + i, err));
        else
            SL_TRY(slot_write(out, out_offset + i, &s->value, err));
    }
    return SL_OK;
}

/* first(x): the value of the first row (NULL included); any_value(x): the first non-NULL. */
static sl_status first_common(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                              uint32_t count, bool skip_nulls, sl_error *err)
{
    const sl_vector *v = args[0];
    slot_class cls = slot_class_of(v->type);
    for (uint32_t i = 0; i < count; i++) {
        value_state *s = (value_state *)states[i];
        if (s->has)
            continue;
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row)) {
            if (!skip_nulls) {
                s->has = true;
                s->is_null = true;
            }
            continue;
        }
        agg_slot x;
        slot_read(v, row, &x);
        SL_TRY(slot_assign(cls, &s->value, &x, err));
        s->has = true;
    }
    return SL_OK;
}

static sl_status first_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                              sl_error *err)
{
    return first_common(agg, states, args, sel, count, false, err);
}

static sl_status any_value_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                  uint32_t count, sl_error *err)
{
    return first_common(agg, states, args, sel, count, true, err);
}

/* Keeps the target's value when it has one (the target's rows came first). */
static sl_status first_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    slot_class cls = slot_class_of(arg_type(agg, 0));
    for (uint32_t i = 0; i < count; i++) {
        value_state *src = (value_state *)sources[i];
        value_state *dst = (value_state *)targets[i];
        if (dst->has || !src->has)
            continue;
        slot_move(cls, &dst->value, &src->value);
        dst->has = true;
        dst->is_null = src->is_null;
    }
    return SL_OK;
}

static const sl_aggregate_function sl_agg_min = { "min", sizeof(value_state), value_init, min_update, min_combine,
                                           value_finalize, value_destroy };
static const sl_aggregate_function sl_agg_max = { "max", sizeof(value_state), value_init, max_update, max_combine,
                                           value_finalize, value_destroy };
static const sl_aggregate_function sl_agg_first = { "first", sizeof(value_state), value_init, first_update, first_combine,
                                             value_finalize, value_destroy };
static const sl_aggregate_function sl_agg_any_value = { "any_value", sizeof(value_state), value_init, any_value_update,
                                                 first_combine, value_finalize, value_destroy };

/* ------------------------------------------------------------------ arg_min / arg_max */

/* arg_min(x, key): x of the row with the smallest non-NULL key (x may be NULL). */
typedef struct arg_state {
    agg_slot value;
    agg_slot key;
    bool has;
    bool value_null;
} arg_state;

static void arg_init(const sl_expr *agg, void *state) { memset(state, 0, sizeof(arg_state)); }

static void arg_destroy(const sl_expr *agg, void *state)
{
    arg_state *s = (arg_state *)state;
    if (slot_class_of(arg_type(agg, 0)) == SLOT_STRING)
        sl_free(s->value.s.ptr);
    if (slot_class_of(arg_type(agg, 1)) == SLOT_STRING)
        sl_free(s->key.s.ptr);
    s->value.s.ptr = s->key.s.ptr = NULL;
}

static sl_status arg_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel, uint32_t count,
                            bool is_min, sl_error *err)
{
    const sl_vector *values = args[0], *keys = args[1];
    slot_class vcls = slot_class_of(values->type), kcls = slot_class_of(keys->type);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(keys, row))
            continue;
        arg_state *s = (arg_state *)states[i];
        agg_slot k;
        slot_read(keys, row, &k);
        int c = s->has ? slot_compare(kcls, &k, &s->key) : 0;
        if (s->has && !(is_min ? c < 0 : c > 0))
            continue;
        SL_TRY(slot_assign(kcls, &s->key, &k, err));
        s->value_null = !sl_vector_is_valid(values, row);
        if (!s->value_null) {
            agg_slot x;
            slot_read(values, row, &x);
            SL_TRY(slot_assign(vcls, &s->value, &x, err));
        }
        s->has = true;
    }
    return SL_OK;
}

static sl_status arg_min_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                uint32_t count, sl_error *err)
{
    return arg_update(agg, states, args, sel, count, true, err);
}

static sl_status arg_max_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                uint32_t count, sl_error *err)
{
    return arg_update(agg, states, args, sel, count, false, err);
}

static sl_status arg_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, bool is_min)
{
    slot_class vcls = slot_class_of(arg_type(agg, 0)), kcls = slot_class_of(arg_type(agg, 1));
    for (uint32_t i = 0; i < count; i++) {
        arg_state *src = (arg_state *)sources[i];
        arg_state *dst = (arg_state *)targets[i];
        if (!src->has)
            continue;
        int c = dst->has ? slot_compare(kcls, &src->key, &dst->key) : 0;
        if (dst->has && !(is_min ? c < 0 : c > 0))
            continue;
        slot_move(kcls, &dst->key, &src->key);
        slot_move(vcls, &dst->value, &src->value);
        dst->value_null = src->value_null;
        dst->has = true;
    }
    return SL_OK;
}

static sl_status arg_min_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    return arg_combine(agg, sources, targets, count, true);
}

static sl_status arg_max_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    return arg_combine(agg, sources, targets, count, false);
}

static sl_status arg_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                              sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        const arg_state *s = (const arg_state *)states[i];
        if (!s->has || s->value_null)
            SL_TRY(set_null(out, out_offset + i, err));
        else
            SL_TRY(slot_write(out, out_offset + i, &s->value, err));
    }
    return SL_OK;
}

static const sl_aggregate_function sl_agg_arg_min = { "arg_min", sizeof(arg_state), arg_init, arg_min_update,
                                               arg_min_combine, arg_finalize, arg_destroy };
static const sl_aggregate_function sl_agg_arg_max = { "arg_max", sizeof(arg_state), arg_init, arg_max_update,
                                               arg_max_combine, arg_finalize, arg_destroy };

/* ------------------------------------------------------------------ bool_and / bool_or */

typedef struct bool_state {
    bool has;
    bool value;
} bool_state;

static void bool_and_init(const sl_expr *agg, void *state) { *(bool_state *)state = (bool_state){ false, true }; }
static void bool_or_init(const sl_expr *agg, void *state) { *(bool_state *)state = (bool_state){ false, false }; }

static sl_status bool_and_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                 uint32_t count, sl_error *err)
{
    const sl_vector *v = args[0];
    const uint8_t *data = SL_VECTOR_DATA(v, uint8_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row))
            continue;
        bool_state *s = (bool_state *)states[i];
        s->has = true;
        s->value = s->value && data[row];
    }
    return SL_OK;
}

static sl_status bool_or_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                uint32_t count, sl_error *err)
{
    const sl_vector *v = args[0];
    const uint8_t *data = SL_VECTOR_DATA(v, uint8_t);
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(v, row))
            continue;
        bool_state *s = (bool_state *)states[i];
        s->has = true;
        s->value = s->value || data[row];
    }
    return SL_OK;
}

static sl_status bool_and_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        bool_state *src = (bool_state *)sources[i], *dst = (bool_state *)targets[i];
        dst->value = dst->value && src->value;
        dst->has |= src->has;
    }
    return SL_OK;
}

static sl_status bool_or_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        bool_state *src = (bool_state *)sources[i], *dst = (bool_state *)targets[i];
        dst->value = dst->value || src->value;
        dst->has |= src->has;
    }
    return SL_OK;
}

static sl_status bool_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out, uint32_t out_offset,
                               sl_error *err)
{
    uint8_t *res = SL_VECTOR_DATA(out, uint8_t);
    for (uint32_t i = 0; i < count; i++) {
        const bool_state *s = (const bool_state *)states[i];
        if (!s->has)
            SL_TRY(set_null(out, out_offset + i, err));
        else
            res[out_offset + i] = s->value;
    }
    return SL_OK;
}

static const sl_aggregate_function sl_agg_bool_and = { "bool_and", sizeof(bool_state), bool_and_init, bool_and_update,
                                                bool_and_combine, bool_finalize, NULL };
static const sl_aggregate_function sl_agg_bool_or = { "bool_or", sizeof(bool_state), bool_or_init, bool_or_update,
                                               bool_or_combine, bool_finalize, NULL };

/* ------------------------------------------------------------------ string_agg */

/* One input row of an ordered string_agg: value, the separator that precedes it, and the
 * ORDER BY keys; allocated as one block (entry, keys, key flags, bytes). */
typedef struct string_agg_entry {
    uint64_t sequence;          /* arrival order: ties keep it (stable sort) */
    agg_slot *keys;
    bool *key_null;
    const char *value;
    const char *separator;
    uint32_t value_length;
    uint32_t separator_length;
} string_agg_entry;

typedef struct string_agg_data {
    /* Unordered: the text so far, every value preceded by its separator; the first
     * separator is skipped at finalize. */
    sl_strbuf text;
    uint32_t first_separator_length;
    bool has;
    /* Ordered (agg->order_count > 0). */
    string_agg_entry **entries;
    size_t count;
    size_t capacity;
    uint64_t next_sequence;
} string_agg_data;

static void string_agg_init(const sl_expr *agg, void *state) { *(string_agg_data **)state = NULL; }

static void string_agg_entry_free(const sl_expr *agg, string_agg_entry *e)
{
    for (uint32_t j = 0; j < agg->order_count; j++)
        if (!e->key_null[j] && slot_class_of(agg->order_by[j]->type) == SLOT_STRING)
            sl_free(e->keys[j].s.ptr);
    sl_free(e);
}

static void string_agg_free_entries(const sl_expr *agg, string_agg_data *d)
{
    for (size_t k = 0; k < d->count; k++)
        string_agg_entry_free(agg, d->entries[k]);
    sl_free(d->entries);
    d->entries = NULL;
    d->count = d->capacity = 0;
}

static void string_agg_destroy(const sl_expr *agg, void *state)
{
    string_agg_data *d = *(string_agg_data **)state;
    if (!d)
        return;
    sl_strbuf_free(&d->text);
    string_agg_free_entries(agg, d);
    sl_free(d);
    *(string_agg_data **)state = NULL;
}

static string_agg_data *string_agg_data_get(void *state)
{
    string_agg_data **slot = (string_agg_data **)state;
    if (!*slot)
        *slot = (string_agg_data *)sl_calloc(1, sizeof(string_agg_data));
    return *slot;
}

/* Appends one ordered entry for row `row`. */
static sl_status string_agg_add_entry(const sl_expr *agg, string_agg_data *d, sl_vector **args, uint32_t row,
                                      const char *value, uint32_t value_length, const char *sep, uint32_t sep_length,
                                      sl_error *err)
{
    uint32_t keys = agg->order_count;
    size_t size = sizeof(string_agg_entry) + keys * sizeof(agg_slot) + keys * sizeof(bool) + value_length + sep_length;
    string_agg_entry *e = (string_agg_entry *)sl_malloc(size);
    if (!e)
        return sl_error_oom(err);
    e->keys = (agg_slot *)(e + 1);
    e->key_null = (bool *)(e->keys + keys);
    char *bytes = (char *)(e->key_null + keys);
    memcpy(bytes, value, value_length);
    memcpy(bytes + value_length, sep, sep_length);
    e->value = bytes;
    e->value_length = value_length;
    e->separator = bytes + value_length;
    e->separator_length = sep_length;
    e->sequence = d->next_sequence++;
    for (uint32_t j = 0; j < keys; j++) {
        e->key_null[j] = true;   /* until assigned: string_agg_entry_free skips it */
        memset(&e->keys[j], 0, sizeof e->keys[j]);
    }
    for (uint32_t j = 0; j < keys; j++) {
        const sl_vector *kv = args[agg->arg_count + j];
        e->key_null[j] = !sl_vector_is_valid(kv, row);
        if (e->key_null[j])
            continue;
        agg_slot k;
        slot_read(kv, row, &k);
        sl_status st = slot_assign(slot_class_of(kv->type), &e->keys[j], &k, err);
        if (st != SL_OK) {
            e->key_null[j] = true;
            string_agg_entry_free(agg, e);
            return st;
        }
    }
    sl_status st = sl_array_reserve((void **)&d->entries, &d->capacity, d->count + 1, sizeof *d->entries, err);
    if (st != SL_OK) {
        string_agg_entry_free(agg, e);
        return st;
    }
    d->entries[d->count++] = e;
    return SL_OK;
}

/* string_agg(x[, separator = ','] [ORDER BY ...]): ORDER BY keys arrive as trailing args. */
static sl_status string_agg_update(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                                   uint32_t count, sl_error *err)
{
    const sl_vector *values = args[0];
    const sl_vector *seps = agg->arg_count > 1 ? args[1] : NULL;
    bool ordered = agg->order_count > 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = SL_ROW(sel, i);
        if (!sl_vector_is_valid(values, row))
            continue;
        string_agg_data *d = string_agg_data_get(states[i]);
        if (!d)
            return sl_error_oom(err);
        const sl_string *v = &SL_VECTOR_DATA(values, sl_string)[row];
        const char *sep = ",";
        uint32_t sep_length = 1;
        if (seps) {
            if (!sl_vector_is_valid(seps, row))
                continue;   /* a NULL separator drops the row (DuckDB: string_agg(x, NULL) is NULL) */
            const sl_string *s = &SL_VECTOR_DATA(seps, sl_string)[row];
            sep = sl_string_data(s);
            sep_length = s->length;
        }
        if (ordered) {
            SL_TRY(string_agg_add_entry(agg, d, args, row, sl_string_data(v), v->length, sep, sep_length, err));
            continue;
        }
        if (!d->has)
            d->first_separator_length = sep_length;
        d->has = true;
        SL_TRY(sl_strbuf_append(&d->text, sep, sep_length, err));
        SL_TRY(sl_strbuf_append(&d->text, sl_string_data(v), v->length, err));
    }
    return SL_OK;
}

static sl_status string_agg_combine(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err)
{
    for (uint32_t i = 0; i < count; i++) {
        string_agg_data *src = *(string_agg_data **)sources[i];
        if (!src || (!src->has && src->count == 0))
            continue;
        string_agg_data *dst = *(string_agg_data **)targets[i];
        if (!dst) {   /* move the whole state */
            *(string_agg_data **)targets[i] = src;
            *(string_agg_data **)sources[i] = NULL;
            continue;
        }
        if (src->has) {
            if (!dst->has)
                dst->first_separator_length = src->first_separator_length;
            dst->has = true;
            SL_TRY(sl_strbuf_append(&dst->text, src->text.data, src->text.length, err));
            src->text.length = 0;
            src->has = false;
        }
        if (src->count) {
            SL_TRY(sl_array_reserve((void **)&dst->entries, &dst->capacity, dst->count + src->count,
                                    sizeof *dst->entries, err));
            for (size_t k = 0; k < src->count; k++) {
                src->entries[k]->sequence += dst->next_sequence;   /* source rows come after */
                dst->entries[dst->count++] = src->entries[k];
            }
            dst->next_sequence += src->next_sequence;
            src->count = 0;
        }
    }
    return SL_OK;
}

/* Sort context for ordered string_agg. */
typedef struct string_agg_order {
    const sl_expr *agg;
} string_agg_order;

static int string_agg_entry_compare(const void *pa, const void *pb, void *ctx)
{
    const sl_expr *agg = ((const string_agg_order *)ctx)->agg;
    const string_agg_entry *a = *(string_agg_entry *const *)pa;
    const string_agg_entry *b = *(string_agg_entry *const *)pb;
    for (uint32_t j = 0; j < agg->order_count; j++) {
        bool desc = agg->order_desc && agg->order_desc[j];
        bool nulls_first = agg->order_nulls_first ? agg->order_nulls_first[j] : false;
        if (a->key_null[j] || b->key_null[j]) {
            if (a->key_null[j] && b->key_null[j])
                continue;
            return a->key_null[j] == nulls_first ? -1 : 1;
        }
        int c = slot_compare(slot_class_of(agg->order_by[j]->type), &a->keys[j], &b->keys[j]);
        if (c)
            return desc ? -c : c;
    }
    return a->sequence < b->sequence ? -1 : a->sequence > b->sequence;
}

static sl_status string_agg_finalize(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                                     uint32_t out_offset, sl_error *err)
{
    sl_strbuf buf = { 0 };
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < count && st == SL_OK; i++) {
        string_agg_data *d = *(string_agg_data **)states[i];
        uint32_t row = out_offset + i;
        if (!d || (!d->has && d->count == 0)) {
            st = set_null(out, row, err);
            continue;
        }
        if (d->has && d->count == 0) {
            size_t n = d->text.length - d->first_separator_length;
            if (n > SL_STRING_MAX_LENGTH)
                st = sl_error_set_at(err, SL_ERR_RUNTIME, agg->position, "string_agg: result exceeds the maximum string length");
            else
                st = sl_vector_set_string(out, row, d->text.data + d->first_separator_length, (uint32_t)n, err);
            continue;
        }
        string_agg_order ctx = { agg };
        qsort_r(d->entries, d->count, sizeof *d->entries, string_agg_entry_compare, &ctx);
        buf.length = 0;
        for (size_t k = 0; k < d->count && st == SL_OK; k++) {
            const string_agg_entry *e = d->entries[k];
            if (k > 0)
                st = sl_strbuf_append(&buf, e->separator, e->separator_length, err);
            if (st == SL_OK)
                st = sl_strbuf_append(&buf, e->value, e->value_length, err);
        }
        if (st == SL_OK && buf.length > SL_STRING_MAX_LENGTH)
            st = sl_error_set_at(err, SL_ERR_RUNTIME, agg->position, "string_agg: result exceeds the maximum string length");
        if (st == SL_OK)
            st = sl_vector_set_string(out, row, buf.data ? buf.data : "", (uint32_t)buf.length, err);
    }
    sl_strbuf_free(&buf);
    return st;
}

static const sl_aggregate_function sl_agg_string_agg = { "string_agg", sizeof(string_agg_data *), string_agg_init,
                                                         string_agg_update, string_agg_combine, string_agg_finalize,
                                                         string_agg_destroy };

/* ------------------------------------------------------------------ binding */

/* sum(BIGINT) -> DECIMAL(38,0); sum(DECIMAL(p,s)) -> DECIMAL(38,s). */
static sl_status sum_bind(sl_arena *arena, sl_expr *agg, sl_error *err)
{
    sl_type t = agg->args[0]->type;
    if (t.id == SL_TYPE_BIGINT)
        agg->type = sl_type_decimal(38, 0);
    else if (t.id == SL_TYPE_DECIMAL)
        agg->type = sl_type_decimal(38, t.scale);
    return SL_OK;
}

/* string_agg / listagg / group_concat: value and separator become VARCHAR. */
static sl_status string_agg_bind(sl_arena *arena, sl_expr *agg, sl_error *err)
{
    for (uint32_t a = 0; a < agg->arg_count; a++)
        if (agg->args[a]->type.id != SL_TYPE_VARCHAR)
            SL_TRY(sl_cast_bind(arena, agg->args[a], sl_type_make(SL_TYPE_VARCHAR), false, &agg->args[a], err));
    agg->type = sl_type_make(SL_TYPE_VARCHAR);
    return SL_OK;
}

/* ------------------------------------------------------------------ overload table */

#define ANY SL_TYPE_INVALID
#define I8 SL_TYPE_TINYINT
#define I16 SL_TYPE_SMALLINT
#define I32 SL_TYPE_INTEGER
#define I64 SL_TYPE_BIGINT
#define F64 SL_TYPE_DOUBLE
#define DEC SL_TYPE_DECIMAL
#define VCH SL_TYPE_VARCHAR
#define BOOL SL_TYPE_BOOLEAN

const sl_aggregate_overload sl_aggregate_overloads[] = {
    { .name = "count_star", .arg_count = 0, .result = I64, .function = &sl_agg_count_star },
    { .name = "count", .arg_count = 1, .args = { ANY }, .result = I64, .function = &sl_agg_count },

    { .name = "sum", .arg_count = 1, .args = { I8 }, .result = I64, .function = &sl_agg_sum_exact },
    { .name = "sum", .arg_count = 1, .args = { I16 }, .result = I64, .function = &sl_agg_sum_exact },
    { .name = "sum", .arg_count = 1, .args = { I32 }, .result = I64, .function = &sl_agg_sum_exact },
    { .name = "sum", .arg_count = 1, .args = { I64 }, .result = DEC, .function = &sl_agg_sum_exact, .bind = sum_bind },
    { .name = "sum", .arg_count = 1, .args = { DEC }, .result = DEC, .function = &sl_agg_sum_exact, .bind = sum_bind },
    { .name = "sum", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_sum_double },

    { .name = "avg", .arg_count = 1, .args = { I8 }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "avg", .arg_count = 1, .args = { I16 }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "avg", .arg_count = 1, .args = { I32 }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "avg", .arg_count = 1, .args = { I64 }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "avg", .arg_count = 1, .args = { DEC }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "avg", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_avg_double },
    { .name = "mean", .arg_count = 1, .args = { I64 }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "mean", .arg_count = 1, .args = { DEC }, .result = F64, .function = &sl_agg_avg_exact },
    { .name = "mean", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_avg_double },

    { .name = "min", .arg_count = 1, .args = { ANY }, .result = ANY, .function = &sl_agg_min },
    { .name = "max", .arg_count = 1, .args = { ANY }, .result = ANY, .function = &sl_agg_max },
    { .name = "first", .arg_count = 1, .args = { ANY }, .result = ANY, .function = &sl_agg_first },
    { .name = "any_value", .arg_count = 1, .args = { ANY }, .result = ANY, .function = &sl_agg_any_value },
    { .name = "arbitrary", .arg_count = 1, .args = { ANY }, .result = ANY, .function = &sl_agg_any_value },
    { .name = "arg_min", .arg_count = 2, .args = { ANY, ANY }, .result = ANY, .function = &sl_agg_arg_min },
    { .name = "arg_max", .arg_count = 2, .args = { ANY, ANY }, .result = ANY, .function = &sl_agg_arg_max },
    { .name = "min_by", .arg_count = 2, .args = { ANY, ANY }, .result = ANY, .function = &sl_agg_arg_min },
    { .name = "max_by", .arg_count = 2, .args = { ANY, ANY }, .result = ANY, .function = &sl_agg_arg_max },

    { .name = "bool_and", .arg_count = 1, .args = { BOOL }, .result = BOOL, .function = &sl_agg_bool_and },
    { .name = "bool_or", .arg_count = 1, .args = { BOOL }, .result = BOOL, .function = &sl_agg_bool_or },
    { .name = "every", .arg_count = 1, .args = { BOOL }, .result = BOOL, .function = &sl_agg_bool_and },

    { .name = "string_agg", .arg_count = 1, .args = { ANY }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },
    { .name = "string_agg", .arg_count = 2, .args = { ANY, VCH }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },
    { .name = "listagg", .arg_count = 1, .args = { ANY }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },
    { .name = "listagg", .arg_count = 2, .args = { ANY, VCH }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },
    { .name = "group_concat", .arg_count = 1, .args = { ANY }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },
    { .name = "group_concat", .arg_count = 2, .args = { ANY, VCH }, .result = VCH, .function = &sl_agg_string_agg,
      .bind = string_agg_bind },

    { .name = "var_samp", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_var_samp },
    { .name = "variance", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_var_samp },
    { .name = "var_pop", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_var_pop },
    { .name = "stddev_samp", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_stddev_samp },
    { .name = "stddev", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_stddev_samp },
    { .name = "stddev_pop", .arg_count = 1, .args = { F64 }, .result = F64, .function = &sl_agg_stddev_pop },
};
const size_t sl_aggregate_overload_count = sizeof sl_aggregate_overloads / sizeof sl_aggregate_overloads[0];
