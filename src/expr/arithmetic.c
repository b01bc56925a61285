/*
 * arithmetic.c — the arithmetic operators "+", "-", "*", "/", "//", "%" and "negate"
 * for integers, REAL/DOUBLE, DECIMAL, and date/time arithmetic.
 *
 * Semantics (PostgreSQL where PostgreSQL and DuckDB disagree, else DuckDB):
 *   - integer + - * overflow is an error ("integer out of range: 2147483647 + 1"); the
 *     result has the wider operand's type (TINYINT + SMALLINT -> SMALLINT);
 *   - integer "/" truncates toward zero like PostgreSQL ("//" is the same, DuckDB's
 *     spelling); DECIMAL "/" is divided as DOUBLE (DuckDB; PostgreSQL would keep
 *     NUMERIC); division or modulo by zero is an error for every type, as in PostgreSQL
 *     (DuckDB returns NULL);
 *   - DECIMAL + - keep max(s1,s2) as scale with one more integer digit (capped at 38);
 *     * adds the scales; % keeps the larger scale; overflow of the result precision is an
 *     error. Bind hooks compute the result type and cast the operands so the kernels work
 *     on plain int64/int128 of a single scale;
 *   - DATE +/- INTEGER -> DATE, DATE - DATE -> BIGINT (days), DATE/TIMESTAMP +/- INTERVAL
 *     -> TIMESTAMP (months clamp to the month's end), TIMESTAMP - TIMESTAMP -> INTERVAL
 *     (days + time), INTERVAL +/- INTERVAL, INTERVAL * BIGINT.
 * Kernels run only on rows where every argument is valid (the evaluator guarantees it).
 */
#include <math.h>
#include <stdio.h>

#include "expr/registry.h"

#define KERNEL_ARGS \
    const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out, sl_error *err

/* Runs BODY for every active row r (physical position). */
#define FOR_ROWS(...)                                    \
    do {                                                  \
        if (sel) {                                        \
            for (uint32_t i_ = 0; i_ < count; i_++) {     \
                uint32_t r = sel[i_];                     \
                __VA_ARGS__                               \
            }                                             \
        } else {                                          \
            for (uint32_t r = 0; r < count; r++) {        \
                __VA_ARGS__                               \
            }                                             \
        }                                                 \
    } while (0)

static sl_status int_overflow(sl_error *err, const char *type, long long a, const char *op, long long b)
{
    return sl_error_set(err, SL_ERR_RUNTIME, "%s out of range: %lld %s %lld", type, a, op, b);
}

static sl_status division_by_zero(sl_error *err)
{
    return sl_error_set(err, SL_ERR_RUNTIME, "division by zero");
}

/* ------------------------------------------------------------------ integers */

#define INT_CHECKED(NAME, T, BUILTIN, TNAME, OPSYM)                      \
    static sl_status NAME(KERNEL_ARGS)                                   \
    {                                                                    \
        const T *a = (const T *)args[0]->data;                           \
        const T *b = (const T *)args[1]->data;                           \
        T *o = (T *)out->data;                                           \
        FOR_ROWS({                                                       \
            if (BUILTIN(a[r], b[r], &o[r]))                              \
                return int_overflow(err, TNAME, a[r], OPSYM, b[r]);      \
        });                                                              \
        return SL_OK;                                                    \
    }

#define INT_DIVMOD(NAME, T, MIN, TNAME, IS_MOD)                          \
    static sl_status NAME(KERNEL_ARGS)                                   \
    {                                                                    \
        const T *a = (const T *)args[0]->data;                           \
        const T *b = (const T *)args[1]->data;                           \
        T *o = (T *)out->data;                                           \
        FOR_ROWS({                                                       \
            if (b[r] == 0)                                               \
                return division_by_zero(err);                            \
            if (b[r] == -1) {                                            \
                if (!(IS_MOD) && a[r] == (MIN))                          \
                    return int_overflow(err, TNAME, a[r], "/", b[r]);    \
                o[r] = (IS_MOD) ? 0 : (T)-a[r];                          \
            } else {                                                     \
                o[r] = (IS_MOD) ? (T)(a[r] % b[r]) : (T)(a[r] / b[r]);   \
            }                                                            \
        });                                                              \
        return SL_OK;                                                    \
    }

#define INT_NEGATE(NAME, T, MIN, TNAME)                                  \
    static sl_status NAME(KERNEL_ARGS)                                   \
    {                                                                    \
        const T *a = (const T *)args[0]->data;                           \
        T *o = (T *)out->data;                                           \
        FOR_ROWS({                                                       \
            if (a[r] == (MIN))                                           \
                return sl_error_set(err, SL_ERR_RUNTIME, "%s out of range: -(%lld)", TNAME, (long long)a[r]); \
            o[r] = (T)-a[r];                                             \
        });                                                              \
        return SL_OK;                                                    \
    }

#define INT_FAMILY(SUFFIX, T, MIN, TNAME)                                          \
    INT_CHECKED(add_##SUFFIX, T, __builtin_add_overflow, TNAME, "+")               \
    INT_CHECKED(sub_##SUFFIX, T, __builtin_sub_overflow, TNAME, "-")               \
    INT_CHECKED(mul_##SUFFIX, T, __builtin_mul_overflow, TNAME, "*")               \
    INT_DIVMOD(idiv_##SUFFIX, T, MIN, TNAME, 0)                                    \
    INT_DIVMOD(mod_##SUFFIX, T, MIN, TNAME, 1)                                     \
    INT_NEGATE(neg_##SUFFIX, T, MIN, TNAME)

INT_FAMILY(i8, int8_t, INT8_MIN, "tinyint")
INT_FAMILY(i16, int16_t, INT16_MIN, "smallint")
INT_FAMILY(i32, int32_t, INT32_MIN, "integer")
INT_FAMILY(i64, int64_t, INT64_MIN, "bigint")

/* ------------------------------------------------------------------ floating point */

#define FLT_BINARY(NAME, T, EXPR)                        \
    static sl_status NAME(KERNEL_ARGS)                   \
    {                                                    \
        const T *a = (const T *)args[0]->data;           \
        const T *b = (const T *)args[1]->data;           \
        T *o = (T *)out->data;                           \
        FOR_ROWS({ o[r] = EXPR; });                      \
        return SL_OK;                                    \
    }

/* Division and modulo: a zero divisor is an error (PostgreSQL), not inf/nan. */
#define FLT_DIVIDE(NAME, T, EXPR)                        \
    static sl_status NAME(KERNEL_ARGS)                   \
    {                                                    \
        const T *a = (const T *)args[0]->data;           \
        const T *b = (const T *)args[1]->data;           \
        T *o = (T *)out->data;                           \
        FOR_ROWS({                                       \
            if (b[r] == 0)                               \
                return division_by_zero(err);            \
            o[r] = EXPR;                                 \
        });                                              \
        return SL_OK;                                    \
    }

#define FLT_FAMILY(SUFFIX, T, FMOD)                      \
    FLT_BINARY(add_##SUFFIX, T, a[r] + b[r])             \
    FLT_BINARY(sub_##SUFFIX, T, a[r] - b[r])             \
    FLT_BINARY(mul_##SUFFIX, T, a[r] * b[r])             \
    FLT_DIVIDE(div_##SUFFIX, T, a[r] / b[r])             \
    FLT_DIVIDE(mod_##SUFFIX, T, FMOD(a[r], b[r]))        \
    static sl_status neg_##SUFFIX(KERNEL_ARGS)           \
    {                                                    \
        const T *a = (const T *)args[0]->data;           \
        T *o = (T *)out->data;                           \
        FOR_ROWS({ o[r] = -a[r]; });                     \
        return SL_OK;                                    \
    }

FLT_FAMILY(f32, float, fmodf)
FLT_FAMILY(f64, double, fmod)

/* ------------------------------------------------------------------ decimals */

static sl_status decimal_overflow(sl_error *err, const sl_expr *call, const char *what)
{
    char tn[40];
    sl_type_name(call->type, tn, sizeof tn);
    return sl_error_set(err, SL_ERR_RUNTIME, "Overflow in %s of %s: value out of range", what, tn);
}

/* Operands and result share one DECIMAL type; |result| must stay below 10^precision. */
#define DEC_ADDSUB(NAME, BUILTIN, WHAT)                                                   \
    static sl_status NAME(KERNEL_ARGS)                                                    \
    {                                                                                     \
        if (sl_decimal_is_small(out->type)) {                                             \
            const int64_t *a = (const int64_t *)args[0]->data;                            \
            const int64_t *b = (const int64_t *)args[1]->data;                            \
            int64_t *o = (int64_t *)out->data;                                            \
            int64_t lim = sl_pow10_i64[out->type.precision];                              \
            FOR_ROWS({                                                                    \
                if (BUILTIN(a[r], b[r], &o[r]) || o[r] >= lim || o[r] <= -lim)            \
                    return decimal_overflow(err, call, WHAT);                             \
            });                                                                           \
        } else {                                                                          \
            const sl_int128 *a = (const sl_int128 *)args[0]->data;                        \
            const sl_int128 *b = (const sl_int128 *)args[1]->data;                        \
            sl_int128 *o = (sl_int128 *)out->data;                                        \
            sl_int128 lim = sl_pow10_i128(out->type.precision);                           \
            FOR_ROWS({                                                                    \
                if (BUILTIN(a[r], b[r], &o[r]) || o[r] >= lim || o[r] <= -lim)            \
                    return decimal_overflow(err, call, WHAT);                             \
            });                                                                           \
        }                                                                                 \
        return SL_OK;                                                                     \
    }

DEC_ADDSUB(add_dec, __builtin_add_overflow, "addition")
DEC_ADDSUB(sub_dec, __builtin_sub_overflow, "subtraction")
DEC_ADDSUB(mul_dec, __builtin_mul_overflow, "multiplication")

static sl_status mod_dec(KERNEL_ARGS)
{
    if (sl_decimal_is_small(out->type)) {
        const int64_t *a = (const int64_t *)args[0]->data, *b = (const int64_t *)args[1]->data;
        int64_t *o = (int64_t *)out->data;
        FOR_ROWS({
            if (b[r] == 0)
                return division_by_zero(err);
            o[r] = b[r] == -1 ? 0 : a[r] % b[r];
        });
    } else {
        const sl_int128 *a = (const sl_int128 *)args[0]->data, *b = (const sl_int128 *)args[1]->data;
        sl_int128 *o = (sl_int128 *)out->data;
        FOR_ROWS({
            if (b[r] == 0)
                return division_by_zero(err);
            o[r] = b[r] == -1 ? 0 : a[r] % b[r];
        });
    }
    return SL_OK;
}

static sl_status neg_dec(KERNEL_ARGS)
{
    if (sl_decimal_is_small(out->type)) {
        const int64_t *a = (const int64_t *)args[0]->data;
        int64_t *o = (int64_t *)out->data;
        FOR_ROWS({ o[r] = -a[r]; });
    } else {
        const sl_int128 *a = (const sl_int128 *)args[0]->data;
        sl_int128 *o = (sl_int128 *)out->data;
        FOR_ROWS({ o[r] = -a[r]; });
    }
    return SL_OK;
}

/* Casts both operands to `t` (same scale and storage). */
static sl_status cast_both(sl_arena *arena, sl_expr *call, sl_type t0, sl_type t1, sl_error *err)
{
    SL_TRY(sl_cast_bind(arena, call->args[0], t0, false, &call->args[0], err));
    return sl_cast_bind(arena, call->args[1], t1, false, &call->args[1], err);
}

static sl_status bind_dec_add(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_type t = sl_decimal_add_type(call->args[0]->type, call->args[1]->type);
    call->type = t;
    return cast_both(arena, call, t, t, err);
}

static sl_status bind_dec_mul(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_type a = call->args[0]->type, b = call->args[1]->type;
    sl_type t = sl_decimal_multiply_type(a, b);
    call->type = t;
    /* operands keep their scale and take the result's storage width */
    int p = sl_decimal_is_small(t) ? SL_DECIMAL_INT64_MAX_PRECISION : SL_DECIMAL_MAX_PRECISION;
    return cast_both(arena, call, sl_type_decimal(p, a.scale), sl_type_decimal(p, b.scale), err);
}

static sl_status bind_dec_mod(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_type t;
    if (!sl_type_common(call->args[0]->type, call->args[1]->type, &t))
        return sl_error_set_at(err, SL_ERR_TYPE, call->position, "no common DECIMAL type for %%");
    call->type = t;
    return cast_both(arena, call, t, t, err);
}

/* ------------------------------------------------------------------ dates and times */

static sl_status date_add_int(KERNEL_ARGS)
{
    bool swapped = args[0]->type.id != SL_TYPE_DATE;
    const int32_t *d = (const int32_t *)args[swapped]->data, *n = (const int32_t *)args[!swapped]->data;
    int32_t *o = (int32_t *)out->data;
    FOR_ROWS({
        if (__builtin_add_overflow(d[r], n[r], &o[r]))
            return sl_error_set(err, SL_ERR_RUNTIME, "date out of range");
    });
    return SL_OK;
}

static sl_status date_sub_int(KERNEL_ARGS)
{
    const int32_t *d = (const int32_t *)args[0]->data, *n = (const int32_t *)args[1]->data;
    int32_t *o = (int32_t *)out->data;
    FOR_ROWS({
        if (__builtin_sub_overflow(d[r], n[r], &o[r]))
            return sl_error_set(err, SL_ERR_RUNTIME, "date out of range");
    });
    return SL_OK;
}

static sl_status date_sub_date(KERNEL_ARGS)
{
    const int32_t *a = (const int32_t *)args[0]->data, *b = (const int32_t *)args[1]->data;
    int64_t *o = (int64_t *)out->data;
    FOR_ROWS({ o[r] = (int64_t)a[r] - b[r]; });
    return SL_OK;
}

static inline sl_interval iv_negate(sl_interval iv)
{
    sl_interval n = { -iv.months, -iv.days, -iv.micros };
    return n;
}

/* DATE or TIMESTAMP (either argument position) +/- INTERVAL -> TIMESTAMP. */
static sl_status add_interval_common(KERNEL_ARGS, bool subtract)
{
    int ti = args[0]->type.id == SL_TYPE_INTERVAL ? 1 : 0;
    const sl_vector *tv = args[ti];
    const sl_interval *iv = (const sl_interval *)args[1 - ti]->data;
    int64_t *o = (int64_t *)out->data;
    bool is_date = tv->type.id == SL_TYPE_DATE;
    const int32_t *d = (const int32_t *)tv->data;
    const int64_t *t = (const int64_t *)tv->data;
    FOR_ROWS({
        int64_t base = is_date ? (int64_t)d[r] * SL_MICROS_PER_DAY : t[r];
        if (!sl_timestamp_add_interval(base, subtract ? iv_negate(iv[r]) : iv[r], &o[r]))
            return sl_error_set(err, SL_ERR_RUNTIME, "timestamp out of range");
    });
    return SL_OK;
}

static sl_status ts_add_interval(KERNEL_ARGS) { return add_interval_common(call, args, sel, count, out, err, false); }
static sl_status ts_sub_interval(KERNEL_ARGS) { return add_interval_common(call, args, sel, count, out, err, true); }

static sl_status ts_sub_ts(KERNEL_ARGS)
{
    const int64_t *a = (const int64_t *)args[0]->data, *b = (const int64_t *)args[1]->data;
    sl_interval *o = (sl_interval *)out->data;
    FOR_ROWS({
        int64_t diff;
        if (__builtin_sub_overflow(a[r], b[r], &diff))
            return sl_error_set(err, SL_ERR_RUNTIME, "interval out of range");
        o[r].months = 0;
        o[r].days = (int32_t)(diff / SL_MICROS_PER_DAY);
        o[r].micros = diff % SL_MICROS_PER_DAY;
    });
    return SL_OK;
}

static sl_status iv_addsub(KERNEL_ARGS, int sign)
{
    const sl_interval *a = (const sl_interval *)args[0]->data, *b = (const sl_interval *)args[1]->data;
    sl_interval *o = (sl_interval *)out->data;
    FOR_ROWS({
        if (__builtin_add_overflow(a[r].months, sign * b[r].months, &o[r].months) ||
            __builtin_add_overflow(a[r].days, sign * b[r].days, &o[r].days) ||
            __builtin_add_overflow(a[r].micros, sign * b[r].micros, &o[r].micros))
            return sl_error_set(err, SL_ERR_RUNTIME, "interval out of range");
    });
    return SL_OK;
}

static sl_status iv_add(KERNEL_ARGS) { return iv_addsub(call, args, sel, count, out, err, 1); }
static sl_status iv_sub(KERNEL_ARGS) { return iv_addsub(call, args, sel, count, out, err, -1); }

static sl_status iv_mul(KERNEL_ARGS)
{
    int ii = args[0]->type.id == SL_TYPE_INTERVAL ? 0 : 1;
    const sl_interval *a = (const sl_interval *)args[ii]->data;
    const int64_t *n = (const int64_t *)args[1 - ii]->data;
    sl_interval *o = (sl_interval *)out->data;
    FOR_ROWS({
        int64_t m, d;
        if (__builtin_mul_overflow((int64_t)a[r].months, n[r], &m) || m > INT32_MAX || m < INT32_MIN ||
            __builtin_mul_overflow((int64_t)a[r].days, n[r], &d) || d > INT32_MAX || d < INT32_MIN ||
            __builtin_mul_overflow(a[r].micros, n[r], &o[r].micros))
            return sl_error_set(err, SL_ERR_RUNTIME, "interval out of range");
        o[r].months = (int32_t)m;
        o[r].days = (int32_t)d;
    });
    return SL_OK;
}

static sl_status iv_neg(KERNEL_ARGS)
{
    const sl_interval *a = (const sl_interval *)args[0]->data;
    sl_interval *o = (sl_interval *)out->data;
    FOR_ROWS({ o[r] = iv_negate(a[r]); });
    return SL_OK;
}

/* ------------------------------------------------------------------ overloads */

#define BIN(OP, T1, T2, RES, KERNEL, BIND)                                                     \
    { .name = OP, .arg_count = 2, .args = { T1, T2 }, .result = RES,                          \
      .function = { OP, KERNEL, SL_NULLS_PROPAGATE, false }, .bind = BIND }
#define UN(OP, T, RES, KERNEL)                                                                  \
    { .name = OP, .arg_count = 1, .args = { T }, .result = RES,                                \
      .function = { OP, KERNEL, SL_NULLS_PROPAGATE, false }, .bind = NULL }

#define INT_ENTRIES(TID, SUFFIX)                              \
    BIN("+", TID, TID, TID, add_##SUFFIX, NULL),              \
    BIN("-", TID, TID, TID, sub_##SUFFIX, NULL),              \
    BIN("*", TID, TID, TID, mul_##SUFFIX, NULL),              \
    BIN("/", TID, TID, TID, idiv_##SUFFIX, NULL),             \
    BIN("//", TID, TID, TID, idiv_##SUFFIX, NULL),            \
    BIN("%", TID, TID, TID, mod_##SUFFIX, NULL),              \
    UN("negate", TID, TID, neg_##SUFFIX)

const sl_overload sl_arithmetic_overloads[] = {
    INT_ENTRIES(SL_TYPE_TINYINT, i8),
    INT_ENTRIES(SL_TYPE_SMALLINT, i16),
    INT_ENTRIES(SL_TYPE_INTEGER, i32),
    INT_ENTRIES(SL_TYPE_BIGINT, i64),

    BIN("+", SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, add_dec, bind_dec_add),
    BIN("-", SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, sub_dec, bind_dec_add),
    BIN("*", SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, mul_dec, bind_dec_mul),
    BIN("%", SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, mod_dec, bind_dec_mod),
    UN("negate", SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, neg_dec),

    BIN("+", SL_TYPE_REAL, SL_TYPE_REAL, SL_TYPE_REAL, add_f32, NULL),
    BIN("-", SL_TYPE_REAL, SL_TYPE_REAL, SL_TYPE_REAL, sub_f32, NULL),
    BIN("*", SL_TYPE_REAL, SL_TYPE_REAL, SL_TYPE_REAL, mul_f32, NULL),
    BIN("/", SL_TYPE_REAL, SL_TYPE_REAL, SL_TYPE_REAL, div_f32, NULL),
    BIN("%", SL_TYPE_REAL, SL_TYPE_REAL, SL_TYPE_REAL, mod_f32, NULL),
    UN("negate", SL_TYPE_REAL, SL_TYPE_REAL, neg_f32),

    BIN("+", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, add_f64, NULL),
    BIN("-", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, sub_f64, NULL),
    BIN("*", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, mul_f64, NULL),
    BIN("/", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, div_f64, NULL),
    BIN("//", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, div_f64, NULL),
    BIN("%", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, mod_f64, NULL),
    UN("negate", SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, neg_f64),

    BIN("+", SL_TYPE_DATE, SL_TYPE_INTEGER, SL_TYPE_DATE, date_add_int, NULL),
    BIN("+", SL_TYPE_INTEGER, SL_TYPE_DATE, SL_TYPE_DATE, date_add_int, NULL),
    BIN("-", SL_TYPE_DATE, SL_TYPE_INTEGER, SL_TYPE_DATE, date_sub_int, NULL),
    BIN("-", SL_TYPE_DATE, SL_TYPE_DATE, SL_TYPE_BIGINT, date_sub_date, NULL),
    BIN("+", SL_TYPE_DATE, SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP, ts_add_interval, NULL),
    BIN("+", SL_TYPE_INTERVAL, SL_TYPE_DATE, SL_TYPE_TIMESTAMP, ts_add_interval, NULL),
    BIN("-", SL_TYPE_DATE, SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP, ts_sub_interval, NULL),
    BIN("+", SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP, ts_add_interval, NULL),
    BIN("+", SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, ts_add_interval, NULL),
    BIN("-", SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL, SL_TYPE_TIMESTAMP, ts_sub_interval, NULL),
    BIN("-", SL_TYPE_TIMESTAMP, SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL, ts_sub_ts, NULL),
    BIN("+", SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, iv_add, NULL),
    BIN("-", SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, iv_sub, NULL),
    BIN("*", SL_TYPE_INTERVAL, SL_TYPE_BIGINT, SL_TYPE_INTERVAL, iv_mul, NULL),
    BIN("*", SL_TYPE_BIGINT, SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, iv_mul, NULL),
    UN("negate", SL_TYPE_INTERVAL, SL_TYPE_INTERVAL, iv_neg),
};
const size_t sl_arithmetic_overload_count = sizeof sl_arithmetic_overloads / sizeof sl_arithmetic_overloads[0];
