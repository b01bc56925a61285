/*
 * registry.h — how function families declare their overloads, and the tables the
 * registry resolves calls against (see expr/function.h for the binding entry points).
 *
 * A family file (arithmetic.c, compare.c, math.c, string.c, datetime.c, aggregate.c ...)
 * exports one constant table of overloads and its length:
 *
 *     const sl_overload sl_math_overloads[] = {
 *         { .name = "sqrt", .arg_count = 1, .args = { SL_TYPE_DOUBLE }, .result = SL_TYPE_DOUBLE,
 *           .function = { "sqrt", sqrt_kernel, SL_NULLS_PROPAGATE, false } },
 *         ...
 *     };
 *     const size_t sl_math_overload_count = sizeof sl_math_overloads / sizeof sl_math_overloads[0];
 *
 * and registry.c lists the family tables. Several entries may share a name (overloads).
 *
 * Argument types:
 *   - a concrete type id matches that type; SL_TYPE_DECIMAL matches every DECIMAL(p,s)
 *     (the argument keeps its precision/scale; a `bind` hook computes the result's);
 *   - SL_TYPE_INVALID means "any type". When an overload has several ANY arguments and
 *     sets `same_any`, those arguments are coerced to their common type (greatest, least,
 *     nullif ...).
 *   - `variadic`: the last declared argument type repeats 0..n times (arg_count >= 1).
 *
 * Result type: `result` (SL_TYPE_INVALID = the type of the first argument after coercion;
 * SL_TYPE_DECIMAL without a bind hook = the type of the first DECIMAL argument).
 *
 * `bind` (optional) runs after the overload was chosen and the argument casts inserted;
 * it may set call->type (decimal precision/scale), call->bind_data (a compiled regex,
 * allocated in `arena`), rewrite call->args (e.g. cast every argument to VARCHAR), or
 * reject the call (SL_ERR_TYPE / SL_ERR_INVALID_INPUT, at call->position).
 *
 * `function` is embedded: the bound SL_EXPR_CALL points at it (call->function), so the
 * evaluator finds the kernel, NULL handling and volatility there.
 *
 * Resolution (registry.c): exact type match first; otherwise the overload whose implicit
 * casts are cheapest (integer widening < integer to decimal < to double; a VARCHAR
 * constant that parses may become DATE/TIMESTAMP/INTERVAL/numeric; untyped NULL matches
 * anything). Ties go to the overload listed first.
 */
#ifndef SL_EXPR_REGISTRY_H
#define SL_EXPR_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expr/function.h"

#define SL_OVERLOAD_MAX_ARGS 4

typedef sl_status (*sl_overload_bind_fn)(sl_arena *arena, sl_expr *call, sl_error *err);

typedef struct sl_overload {
    const char *name;                       /* lower case, e.g. "+", "substring" */
    uint8_t arg_count;                      /* declared arguments */
    sl_type_id args[SL_OVERLOAD_MAX_ARGS];  /* SL_TYPE_INVALID = any */
    bool variadic;                          /* last declared type repeats */
    bool same_any;                          /* ANY arguments share their common type */
    sl_type_id result;                      /* see header comment */
    sl_scalar_function function;            /* kernel, NULL handling, volatility */
    sl_overload_bind_fn bind;               /* optional */
} sl_overload;

/* Aggregate overloads: same matching rules. The bound SL_EXPR_AGGREGATE node gets
 * `aggregate = function` and type `result` (SL_TYPE_INVALID = first argument's type) or
 * whatever `bind` sets (e.g. sum(DECIMAL(p,s)) -> DECIMAL(38,s), avg -> DOUBLE). */
typedef struct sl_aggregate_overload {
    const char *name;                       /* "sum", "count_star", "string_agg" ... */
    uint8_t arg_count;
    sl_type_id args[SL_OVERLOAD_MAX_ARGS];
    bool variadic;
    sl_type_id result;
    const sl_aggregate_function *function;
    sl_overload_bind_fn bind;               /* optional, called with the aggregate node */
} sl_aggregate_overload;

/* ------------------------------------------------------------ family tables */

extern const sl_overload sl_arithmetic_overloads[];   /* arithmetic.c: + - * / % negate */
extern const size_t sl_arithmetic_overload_count;
extern const sl_overload sl_compare_overloads[];      /* compare.c: = <> < <= > >= */
extern const size_t sl_compare_overload_count;
extern const sl_overload sl_math_overloads[];         /* math.c: abs round floor ... */
extern const size_t sl_math_overload_count;
extern const sl_overload sl_string_overloads[];       /* string.c: || like substring ... */
extern const size_t sl_string_overload_count;
extern const sl_overload sl_generic_overloads[];      /* generic.c: greatest least typeof current_watermark */
extern const size_t sl_generic_overload_count;
extern const sl_overload sl_datetime_overloads[];     /* datetime.c: extract date_trunc ... */
extern const size_t sl_datetime_overload_count;
extern const sl_overload sl_flink_overloads[];        /* flink.c: date_format split_index */
extern const size_t sl_flink_overload_count;

extern const sl_aggregate_overload sl_aggregate_overloads[];  /* aggregate.c */
extern const size_t sl_aggregate_overload_count;

/* ------------------------------------------------------------ helpers for families */

/* Cost of implicitly converting an argument expression to `to` (0 = same type, larger =
 * worse), or -1 when no implicit conversion exists. Considers VARCHAR constants that parse
 * as `to` and untyped NULL. */
int sl_cast_cost(const sl_expr *arg, sl_type_id to);

/* Kernel helper: the physical row of the i-th active row. */
#define SL_ROW(sel, i) ((sel) ? (sel)[i] : (uint32_t)(i))

/* Decimal result-type rules (DuckDB): add/subtract -> scale max(s1,s2), integer digits
 * max + 1, capped at 38; multiply -> scale s1+s2, precision p1+p2 capped. */
sl_type sl_decimal_add_type(sl_type a, sl_type b);
sl_type sl_decimal_multiply_type(sl_type a, sl_type b);

/* The DECIMAL type an integer type converts to exactly (TINYINT -> DECIMAL(3,0),
 * SMALLINT -> (5,0), INTEGER -> (10,0), BIGINT -> (19,0)); other types returned as-is. */
sl_type sl_decimal_for_integer(sl_type t);

/* Three-way comparison of slot ra of a and slot rb of b, both valid and of the same type
 * (compare.c; DECIMALs must share the scale). NaN sorts above every other double and
 * equals NaN (DuckDB). Used by IN lists, IS DISTINCT and by sort/join code. */
int sl_slot_compare(const sl_vector *a, uint32_t ra, const sl_vector *b, uint32_t rb);

/* ------------------------------------------------------------ calendar helpers (cast.c) */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int32_t sl_days_from_civil(int64_t year, unsigned month, unsigned day);
void sl_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);
/* timestamp + interval (months clamp the day to the month's end, like PostgreSQL);
 * false on overflow. */
bool sl_timestamp_add_interval(int64_t micros, sl_interval iv, int64_t *out);

#define SL_MICROS_PER_DAY INT64_C(86400000000)

#endif
