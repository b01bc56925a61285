/*
 * math.c — numeric scalar functions: abs, sign, round, floor, ceil/ceiling, trunc, mod,
 * power/pow, sqrt, cbrt, ln, log, log10, log2, exp, pi, random.
 *
 * Semantics follow DuckDB: DECIMAL abs/round/floor/ceil stay DECIMAL (round(x, n) with a
 * constant n gives scale min(n, s), rounding half away from zero; floor/ceil give scale 0),
 * integers keep their type for abs/round, floor/ceil of integers go through DOUBLE;
 * transcendental functions work on DOUBLE and follow IEEE (sqrt(-1) = nan, ln(0) = -inf);
 * sign returns TINYINT. mod and "**" are aliases bound through the operators.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "expr/registry.h"

#define KERNEL_ARGS \
    const sl_expr *call, sl_vector **args, const uint32_t *sel, uint32_t count, sl_vector *out, sl_error *err

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

/* ------------------------------------------------------------------ DOUBLE -> DOUBLE */

#define F64_UNARY(NAME, EXPR)                              \
    static sl_status NAME(KERNEL_ARGS)                     \
    {                                                      \
        const double *a = (const double *)args[0]->data;   \
        double *o = (double *)out->data;                   \
        FOR_ROWS({ double x = a[r]; o[r] = (EXPR); });     \
        return SL_OK;                                      \
    }

F64_UNARY(f64_abs, fabs(x))
F64_UNARY(f64_round, round(x))
F64_UNARY(f64_floor, floor(x))
F64_UNARY(f64_ceil, ceil(x))
F64_UNARY(f64_trunc, trunc(x))
F64_UNARY(f64_sqrt, sqrt(x))
F64_UNARY(f64_cbrt, cbrt(x))
F64_UNARY(f64_ln, log(x))
F64_UNARY(f64_log10, log10(x))
F64_UNARY(f64_log2, log2(x))
F64_UNARY(f64_exp, exp(x))

static sl_status f32_abs(KERNEL_ARGS)
{
    const float *a = (const float *)args[0]->data;
    float *o = (float *)out->data;
    FOR_ROWS({ o[r] = fabsf(a[r]); });
    return SL_OK;
}

static sl_status f64_pow(KERNEL_ARGS)
{
    const double *a = (const double *)args[0]->data, *b = (const double *)args[1]->data;
    double *o = (double *)out->data;
    FOR_ROWS({ o[r] = pow(a[r], b[r]); });
    return SL_OK;
}

/* log(base, x) */
static sl_status f64_logb(KERNEL_ARGS)
{
    const double *b = (const double *)args[0]->data, *x = (const double *)args[1]->data;
    double *o = (double *)out->data;
    FOR_ROWS({ o[r] = log(x[r]) / log(b[r]); });
    return SL_OK;
}

/* round(x * f) where x * f is rounded to the nearest double first: that rounding can turn
 * a value just below a .5 boundary into an exact tie (2.675 * 100 = 267.5, although the
 * double 2.675 is 2.67499999...). fma recovers the product's rounding error, which decides
 * such ties by the exact value, as DuckDB does (round(2.675, 2) = 2.67). */
static double f64_round_scaled(double x, double f)
{
    double p = x * f;
    double r = round(p);
    double err;
    if (fabs(p - r) != 0.5 || (err = fma(x, f, -p)) == 0.0)
        return r;
    if (p - r > 0)
        return err > 0 ? r + 1 : r; /* round() went down (a negative tie) */
    return err < 0 ? r - 1 : r;     /* round() went up (a positive tie) */
}

/* round(DOUBLE, INTEGER): half away from zero at n decimal places, judged on the exact
 * value of the double. */
static sl_status f64_round_n(KERNEL_ARGS)
{
    const double *a = (const double *)args[0]->data;
    const int32_t *n = (const int32_t *)args[1]->data;
    double *o = (double *)out->data;
    FOR_ROWS({
        double x = a[r];
        if (n[r] >= 0) {
            double f = pow(10.0, n[r]);
            double y = f64_round_scaled(x, f) / f;
            o[r] = isfinite(y) ? y : x;
        } else {
            double f = pow(10.0, -n[r]);
            o[r] = round(x / f) * f;
        }
    });
    return SL_OK;
}

static sl_status f64_sign(KERNEL_ARGS)
{
    const double *a = (const double *)args[0]->data;
    int8_t *o = (int8_t *)out->data;
    FOR_ROWS({ o[r] = (int8_t)((a[r] > 0) - (a[r] < 0)); });
    return SL_OK;
}

static sl_status pi_kernel(KERNEL_ARGS)
{
    double *o = (double *)out->data;
    FOR_ROWS({ o[r] = M_PI; });
    return SL_OK;
}

/* random(): uniform in [0, 1). Per-call-site state is not part of the plan; a thread-local
 * xorshift seeded from the clock keeps threads independent without shared state. */
static _Thread_local uint64_t random_state;

static sl_status random_kernel(KERNEL_ARGS)
{
    double *o = (double *)out->data;
    if (random_state == 0)
        random_state = (uint64_t)(uintptr_t)&random_state ^ (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull;
    FOR_ROWS({
        uint64_t x = random_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        random_state = x;
        o[r] = (double)(x >> 11) * (1.0 / 9007199254740992.0);
    });
    return SL_OK;
}

/* ------------------------------------------------------------------ integers */

#define INT_ABS(NAME, T, MIN, TNAME)                                                            \
    static sl_status NAME(KERNEL_ARGS)                                                          \
    {                                                                                           \
        const T *a = (const T *)args[0]->data;                                                  \
        T *o = (T *)out->data;                                                                  \
        FOR_ROWS({                                                                              \
            if (a[r] == (MIN))                                                                  \
                return sl_error_set(err, SL_ERR_RUNTIME, "%s out of range: abs(%lld)", TNAME,   \
                                    (long long)a[r]);                                           \
            o[r] = a[r] < 0 ? (T)-a[r] : a[r];                                                  \
        });                                                                                     \
        return SL_OK;                                                                           \
    }

#define INT_SIGN(NAME, T)                                                                       \
    static sl_status NAME(KERNEL_ARGS)                                                          \
    {                                                                                           \
        const T *a = (const T *)args[0]->data;                                                  \
        int8_t *o = (int8_t *)out->data;                                                        \
        FOR_ROWS({ o[r] = (int8_t)((a[r] > 0) - (a[r] < 0)); });                                \
        return SL_OK;                                                                           \
    }

/* round(int, n): n >= 0 is the identity; n < 0 rounds to 10^-n half away from zero. */
#define INT_ROUND(NAME, T, TNAME)                                                               \
    static sl_status NAME(KERNEL_ARGS)                                                          \
    {                                                                                           \
        const T *a = (const T *)args[0]->data;                                                  \
        const int32_t *n = call->arg_count > 1 ? (const int32_t *)args[1]->data : NULL;         \
        T *o = (T *)out->data;                                                                  \
        FOR_ROWS({                                                                              \
            int32_t k = n ? n[r] : 0;                                                           \
            if (k >= 0) {                                                                       \
                o[r] = a[r];                                                                    \
            } else if (k < -18) {                                                               \
                o[r] = 0;                                                                       \
            } else {                                                                            \
                int64_t f = sl_pow10_i64[-k];                                                   \
                sl_int128 x = a[r], q = x / f, rem = x % f;                                     \
                if ((rem < 0 ? -rem : rem) * 2 >= f)                                            \
                    q += x < 0 ? -1 : 1;                                                        \
                sl_int128 y = q * f;                                                            \
                if (y != (T)y)                                                                  \
                    return sl_error_set(err, SL_ERR_RUNTIME, "%s out of range in round", TNAME); \
                o[r] = (T)y;                                                                    \
            }                                                                                   \
        });                                                                                     \
        return SL_OK;                                                                           \
    }

#define INT_MATH(SUFFIX, T, MIN, TNAME)    \
    INT_ABS(abs_##SUFFIX, T, MIN, TNAME)   \
    INT_SIGN(sign_##SUFFIX, T)             \
    INT_ROUND(round_##SUFFIX, T, TNAME)

INT_MATH(i8, int8_t, INT8_MIN, "tinyint")
INT_MATH(i16, int16_t, INT16_MIN, "smallint")
INT_MATH(i32, int32_t, INT32_MIN, "integer")
INT_MATH(i64, int64_t, INT64_MIN, "bigint")

/* ------------------------------------------------------------------ decimals */

static inline sl_int128 dec_load(const sl_vector *v, uint32_t r)
{
    return sl_decimal_is_small(v->type) ? ((const int64_t *)v->data)[r] : ((const sl_int128 *)v->data)[r];
}

static inline void dec_store(sl_vector *v, uint32_t r, sl_int128 x)
{
    if (sl_decimal_is_small(v->type))
        ((int64_t *)v->data)[r] = (int64_t)x;
    else
        ((sl_int128 *)v->data)[r] = x;
}

static sl_status dec_abs(KERNEL_ARGS)
{
    FOR_ROWS({
        sl_int128 x = dec_load(args[0], r);
        dec_store(out, r, x < 0 ? -x : x);
    });
    return SL_OK;
}

static sl_status dec_sign(KERNEL_ARGS)
{
    int8_t *o = (int8_t *)out->data;
    FOR_ROWS({
        sl_int128 x = dec_load(args[0], r);
        o[r] = (int8_t)((x > 0) - (x < 0));
    });
    return SL_OK;
}

/* Rescales from the argument's scale to the result's: mode 0 = round half away from
 * zero, -1 = floor, +1 = ceil, 2 = truncate. A negative round() precision (call->bind_data holds the
 * digits to clear, as intptr_t) zeroes digits left of the point. */
static sl_status dec_rescale(KERNEL_ARGS, int mode)
{
    int drop = args[0]->type.scale - out->type.scale;
    int clear = (int)(intptr_t)call->bind_data;
    sl_int128 f = sl_pow10_i128(drop + clear), g = sl_pow10_i128(clear);
    FOR_ROWS({
        sl_int128 x = dec_load(args[0], r);
        sl_int128 q = x / f, rem = x % f;
        if (rem != 0) {
            if (mode == 0) {
                if ((rem < 0 ? -rem : rem) * 2 >= f)
                    q += x < 0 ? -1 : 1;
            } else if (mode < 0) {
                if (x < 0)
                    q -= 1;
            } else if (mode == 1 && x > 0) {
                q += 1;
            }   /* mode 2: truncate toward zero */
        }
        dec_store(out, r, q * g);
    });
    return SL_OK;
}

static sl_status dec_round(KERNEL_ARGS) { return dec_rescale(call, args, sel, count, out, err, 0); }
static sl_status dec_floor(KERNEL_ARGS) { return dec_rescale(call, args, sel, count, out, err, -1); }
static sl_status dec_ceil(KERNEL_ARGS) { return dec_rescale(call, args, sel, count, out, err, 1); }
static sl_status dec_trunc(KERNEL_ARGS) { return dec_rescale(call, args, sel, count, out, err, 2); }

/* floor/ceil/round(x)/trunc of DECIMAL(p,s) -> DECIMAL(p,0). */
static sl_status bind_dec_scale0(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_type a = call->args[0]->type;
    call->type = sl_type_decimal(a.precision, 0);
    call->bind_data = (void *)(intptr_t)0;
    return SL_OK;
}

/* round(DECIMAL(p,s), n): n must be a constant; scale min(n, s), negative n clears
 * digits left of the point (scale 0). */
static sl_status bind_dec_round_n(sl_arena *arena, sl_expr *call, sl_error *err)
{
    sl_expr *n = call->args[1];
    if (n->kind != SL_EXPR_CONSTANT)
        return sl_error_set_at(err, SL_ERR_TYPE, call->position,
                               "round(DECIMAL, n) needs a constant number of digits n");
    sl_type a = call->args[0]->type;
    int digits = n->value.is_null ? 0 : (int)n->value.v.i64;
    if (digits >= a.scale) {
        call->type = a;
        call->bind_data = NULL;
    } else if (digits >= 0) {
        call->type = sl_type_decimal(a.precision, digits);
        call->bind_data = NULL;
    } else {
        call->type = sl_type_decimal(a.precision, 0);
        int clear = -digits;
        if (clear > a.precision)
            clear = a.precision;
        call->bind_data = (void *)(intptr_t)clear;
    }
    return SL_OK;
}

/* ------------------------------------------------------------------ aliases */

/* Rebinds the call through another function name (mod -> %, ** -> power). */
static sl_status rebind_as(sl_arena *arena, sl_expr *call, const char *name, sl_error *err)
{
    sl_expr *bound;
    SL_TRY(sl_function_bind(arena, name, call->args, call->arg_count, call->position, &bound, err));
    *call = *bound;
    return SL_OK;
}

static sl_status bind_mod(sl_arena *arena, sl_expr *call, sl_error *err) { return rebind_as(arena, call, "%", err); }

/* ------------------------------------------------------------------ overloads */

#define F1(NAME, KERNEL)                                                                         \
    { .name = NAME, .arg_count = 1, .args = { SL_TYPE_DOUBLE }, .result = SL_TYPE_DOUBLE,       \
      .function = { NAME, KERNEL, SL_NULLS_PROPAGATE, false } }
#define ENTRY(NAME, N, A0, A1, RES, KERNEL, BIND)                                                \
    { .name = NAME, .arg_count = N, .args = { A0, A1 }, .result = RES,                          \
      .function = { NAME, KERNEL, SL_NULLS_PROPAGATE, false }, .bind = BIND }
#define INT_ENTRIES(TID, SUFFIX)                                                                 \
    ENTRY("abs", 1, TID, 0, TID, abs_##SUFFIX, NULL),                                           \
    ENTRY("sign", 1, TID, 0, SL_TYPE_TINYINT, sign_##SUFFIX, NULL),                             \
    ENTRY("round", 1, TID, 0, TID, round_##SUFFIX, NULL),                                       \
    ENTRY("round", 2, TID, SL_TYPE_INTEGER, TID, round_##SUFFIX, NULL)

const sl_overload sl_math_overloads[] = {
    INT_ENTRIES(SL_TYPE_TINYINT, i8),
    INT_ENTRIES(SL_TYPE_SMALLINT, i16),
    INT_ENTRIES(SL_TYPE_INTEGER, i32),
    INT_ENTRIES(SL_TYPE_BIGINT, i64),

    ENTRY("abs", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_abs, NULL),
    ENTRY("sign", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_TINYINT, dec_sign, NULL),
    ENTRY("round", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_round, bind_dec_scale0),
    ENTRY("round", 2, SL_TYPE_DECIMAL, SL_TYPE_INTEGER, SL_TYPE_DECIMAL, dec_round, bind_dec_round_n),
    ENTRY("floor", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_floor, bind_dec_scale0),
    ENTRY("ceil", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_ceil, bind_dec_scale0),
    ENTRY("ceiling", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_ceil, bind_dec_scale0),
    ENTRY("trunc", 1, SL_TYPE_DECIMAL, 0, SL_TYPE_DECIMAL, dec_trunc, bind_dec_scale0),

    ENTRY("abs", 1, SL_TYPE_REAL, 0, SL_TYPE_REAL, f32_abs, NULL),
    F1("abs", f64_abs),
    ENTRY("sign", 1, SL_TYPE_DOUBLE, 0, SL_TYPE_TINYINT, f64_sign, NULL),
    F1("round", f64_round),
    ENTRY("round", 2, SL_TYPE_DOUBLE, SL_TYPE_INTEGER, SL_TYPE_DOUBLE, f64_round_n, NULL),
    F1("floor", f64_floor),
    F1("ceil", f64_ceil),
    F1("ceiling", f64_ceil),
    F1("trunc", f64_trunc),
    F1("sqrt", f64_sqrt),
    F1("cbrt", f64_cbrt),
    F1("ln", f64_ln),
    F1("log", f64_log10),
    F1("log10", f64_log10),
    F1("log2", f64_log2),
    F1("exp", f64_exp),
    ENTRY("log", 2, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, f64_logb, NULL),
    ENTRY("power", 2, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, f64_pow, NULL),
    ENTRY("pow", 2, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, f64_pow, NULL),
    ENTRY("**", 2, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, f64_pow, NULL),
    ENTRY("^", 2, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, SL_TYPE_DOUBLE, f64_pow, NULL),
    ENTRY("mod", 2, SL_TYPE_INVALID, SL_TYPE_INVALID, SL_TYPE_INVALID, NULL, bind_mod),
    { .name = "pi", .arg_count = 0, .result = SL_TYPE_DOUBLE,
      .function = { "pi", pi_kernel, SL_NULLS_PROPAGATE, false } },
    { .name = "random", .arg_count = 0, .result = SL_TYPE_DOUBLE,
      .function = { "random", random_kernel, SL_NULLS_PROPAGATE, true } },
};
const size_t sl_math_overload_count = sizeof sl_math_overloads / sizeof sl_math_overloads[0];
