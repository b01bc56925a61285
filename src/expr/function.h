/*
 * function.h — the function registry: scalar functions (operators included), casts and
 * aggregate functions, with overload resolution and implicit coercion.
 *
 * The binder never decides coercions itself: it hands the bound argument expressions and
 * a name ("+", "=", "substring", "sum", ...) to sl_function_bind / sl_aggregate_bind,
 * which pick the overload, wrap arguments in casts as needed and return the typed call.
 *
 * Operator names used by the binder: "+", "-", "*", "/", "%", "negate", "=", "<>", "<",
 * "<=", ">", ">=", "||", "like", "ilike", "not_like", "not_ilike", plus every SQL function
 * name in lower case. Date arithmetic (date + integer, timestamp - interval, date - date)
 * goes through "+" and "-" overloads.
 */
#ifndef SL_EXPR_FUNCTION_H
#define SL_EXPR_FUNCTION_H

#include "expr/expr.h"

/* A scalar kernel computes out[r] for the active rows r (physical positions sel[i], or i
 * when sel is NULL, for i < count). Unless the function declares SL_NULLS_SPECIAL, the
 * evaluator has already set out's validity to the AND of the arguments' validity and the
 * kernel may skip or compute garbage at NULL rows, but must not fail because of them. */
typedef sl_status (*sl_scalar_kernel)(const sl_expr *call, sl_vector **args, const uint32_t *sel,
                                      uint32_t count, sl_vector *out, sl_error *err);

typedef enum sl_null_handling {
    SL_NULLS_PROPAGATE = 0,   /* any NULL argument -> NULL result (evaluator handles it) */
    SL_NULLS_SPECIAL          /* kernel sets validity itself (concat, coalesce-like) */
} sl_null_handling;

/* A kernel that also reads the evaluation context (CURRENT_WATERMARK). */
typedef sl_status (*sl_context_kernel)(const sl_eval_context *ctx, const sl_expr *call, sl_vector **args,
                                       const uint32_t *sel, uint32_t count, sl_vector *out, sl_error *err);

struct sl_scalar_function {
    const char *name;
    sl_scalar_kernel kernel;
    sl_null_handling nulls;
    bool is_volatile;         /* random(), now() inside a statement is stable, not volatile */
    sl_context_kernel context_kernel;   /* when set, called instead of kernel */
};

/* Resolves `name(args)` and returns a new SL_EXPR_CALL (or a folded/special node) in
 * *out, with implicit casts inserted into the arguments. Errors: unknown function (with a
 * "did you mean" suggestion), no overload matches (listing the candidates), at `position`. */
sl_status sl_function_bind(sl_arena *arena, const char *name, sl_expr **args, uint32_t arg_count,
                           int position, sl_expr **out, sl_error *err);

/* Is `name` a known scalar function / aggregate function? (lower-case names) */
bool sl_function_exists(const char *name);
bool sl_aggregate_exists(const char *name);

/* ------------------------------------------------------------------ casts */

/* Wraps expr in a cast to `target` (returns expr itself when types already match). A
 * constant argument is folded immediately; a failing constant cast is an error at
 * `position`. try_cast yields NULL instead of failing at run time. */
sl_status sl_cast_bind(sl_arena *arena, sl_expr *expr, sl_type target, bool try_cast, sl_expr **out,
                       sl_error *err);
/* May `from` be converted to `to` implicitly (PostgreSQL-like rules: numeric widening,
 * string literal to anything, integer to decimal/double, date to timestamp)? */
bool sl_cast_is_implicit(sl_type from, sl_type to);
/* The common type of a and b for comparison, CASE, COALESCE, UNION, IN lists.
 * false if there is none. */
bool sl_type_common(sl_type a, sl_type b, sl_type *out);
/* Casts one vector to another type (used by the evaluator, COPY and Arrow import).
 * try_cast: failures become NULL; otherwise an error naming the value. */
sl_status sl_cast_vector(const sl_vector *src, sl_vector *dst, const uint32_t *sel, uint32_t count,
                         bool try_cast, sl_error *err);
/* Parses text into a value of `type` (CSV/JSON readers, string literals). Returns
 * SL_ERR_INVALID_INPUT with a message naming the text and type when it does not parse. */
sl_status sl_value_parse(const char *text, size_t length, sl_type type, sl_value *out, sl_error *err);

/* ------------------------------------------------------------------ aggregates */

/* Aggregate states are fixed-size blobs of `state_size` bytes owned by the operator
 * (hash table payload). `states[i]` is the state for the i-th active row (row sel[i]). */
struct sl_aggregate_function {
    const char *name;
    size_t state_size;
    void (*init)(const sl_expr *agg, void *state);
    /* Folds the active rows of args into states[i]. count(*) has arg_count 0. Argument
     * NULLs: the function decides (most skip NULL inputs). */
    sl_status (*update)(const sl_expr *agg, void **states, sl_vector **args, const uint32_t *sel,
                        uint32_t count, sl_error *err);
    /* target[i] = merge(target[i], source[i]) (thread-local pre-aggregation, spilling). */
    sl_status (*combine)(const sl_expr *agg, void **sources, void **targets, uint32_t count, sl_error *err);
    /* out[out_offset + i] = result of states[i]. */
    sl_status (*finalize)(const sl_expr *agg, void **states, uint32_t count, sl_vector *out,
                          uint32_t out_offset, sl_error *err);
    /* Releases memory a state owns (NULL when states own nothing). */
    void (*destroy)(const sl_expr *agg, void *state);
};

/* Resolves an aggregate call and returns an SL_EXPR_AGGREGATE node (with `distinct`,
 * `filter` and ORDER BY left for the caller to set). count(*) is name "count_star" with
 * no arguments. */
sl_status sl_aggregate_bind(sl_arena *arena, const char *name, sl_expr **args, uint32_t arg_count,
                            int position, sl_expr **out, sl_error *err);

#endif
