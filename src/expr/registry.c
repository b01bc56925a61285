/*
 * registry.c — the function registry: the list of overload families and overload
 * resolution for scalar functions (operators included) and aggregates.
 *
 * sl_function_bind / sl_aggregate_bind look a name up in every family table, score each
 * overload by the cost of the implicit casts its arguments need (sl_cast_cost), pick the
 * cheapest (exact match = cost 0; ties go to the overload listed first), insert the casts
 * (sl_cast_bind, which folds constant arguments) and build the typed node. See
 * registry.h for how families declare overloads.
 */
#include <stdio.h>
#include <string.h>

#include "common/text.h"
#include "expr/registry.h"

typedef struct family {
    const sl_overload *items;
    const size_t *count;
} family;

static const family families[] = {
    { sl_arithmetic_overloads, &sl_arithmetic_overload_count },
    { sl_compare_overloads, &sl_compare_overload_count },
    { sl_math_overloads, &sl_math_overload_count },
    { sl_string_overloads, &sl_string_overload_count },
    { sl_generic_overloads, &sl_generic_overload_count },
    { sl_datetime_overloads, &sl_datetime_overload_count },
    { sl_flink_overloads, &sl_flink_overload_count },
};
#define FAMILY_COUNT (sizeof families / sizeof families[0])

/* ------------------------------------------------------------------ matching */

/* Declared type of argument i (variadic: the last declared type repeats). */
static sl_type_id param_type(const sl_type_id *args, uint8_t arg_count, bool variadic, uint32_t i)
{
    if (i < arg_count)
        return args[i];
    return variadic && arg_count > 0 ? args[arg_count - 1] : SL_TYPE_INVALID;
}

static bool arity_ok(uint8_t arg_count, bool variadic, uint32_t n)
{
    if (variadic)
        return n + 1 >= arg_count;   /* the repeated argument may occur zero times */
    return n == arg_count;
}

/* Total implicit-cast cost of calling an overload with `args`, or -1. */
static int match_cost(const sl_type_id *params, uint8_t param_count, bool variadic, bool same_any,
                      sl_expr **args, uint32_t n)
{
    if (!arity_ok(param_count, variadic, n))
        return -1;
    int total = 0;
    sl_type common = sl_type_make(SL_TYPE_NULL);
    bool have_common = false;
    for (uint32_t i = 0; i < n; i++) {
        sl_type_id p = param_type(params, param_count, variadic, i);
        if (p == SL_TYPE_INVALID) {
            if (same_any) {
                if (!have_common) {
                    common = args[i]->type;
                    have_common = true;
                } else if (!sl_type_common(common, args[i]->type, &common)) {
                    return -1;
                }
            }
            continue;
        }
        int c = sl_cast_cost(args[i], p);
        if (c < 0)
            return -1;
        total += c;
    }
    return total;
}

/* The concrete type argument i is cast to when the declared type is `p`. */
static sl_type target_type(sl_type_id p, sl_expr **args, uint32_t n, uint32_t i)
{
    sl_type t = args[i]->type;
    if (p != SL_TYPE_DECIMAL)
        return sl_type_make(p);
    if (t.id == SL_TYPE_DECIMAL)
        return t;
    if (sl_type_is_integer(t))
        return sl_decimal_for_integer(t);
    /* NULL or a string literal: borrow the other decimal (or integer) argument's type */
    for (uint32_t k = 0; k < n; k++) {
        if (k == i)
            continue;
        if (args[k]->type.id == SL_TYPE_DECIMAL)
            return args[k]->type;
        if (sl_type_is_integer(args[k]->type))
            return sl_decimal_for_integer(args[k]->type);
    }
    if (t.id == SL_TYPE_VARCHAR && args[i]->kind == SL_EXPR_CONSTANT && !args[i]->value.is_null) {
        /* size the decimal to the literal: digits before/after the point */
        const char *s = args[i]->value.v.str.data;
        int before = 0, after = 0;
        bool point = false;
        for (; *s; s++) {
            if (*s == '.')
                point = true;
            else if (*s >= '0' && *s <= '9')
                *(point ? &after : &before) += 1;
        }
        int p2 = before + after;
        if (p2 < 1)
            p2 = 1;
        if (p2 > 38)
            p2 = 38;
        if (after > p2)
            after = p2;
        return sl_type_decimal(p2, after);
    }
    return sl_type_decimal(18, 3);
}

/* Inserts the casts the chosen signature needs; args is rewritten in place. */
static sl_status coerce_args(sl_arena *arena, const sl_type_id *params, uint8_t param_count, bool variadic,
                             bool same_any, sl_expr **args, uint32_t n, sl_error *err)
{
    sl_type common = sl_type_make(SL_TYPE_NULL);
    if (same_any)
        for (uint32_t i = 0; i < n; i++)
            if (param_type(params, param_count, variadic, i) == SL_TYPE_INVALID)
                sl_type_common(common, args[i]->type, &common);
    sl_type targets[64];
    for (uint32_t i = 0; i < n && i < 64; i++) {
        sl_type_id p = param_type(params, param_count, variadic, i);
        if (p == SL_TYPE_INVALID)
            targets[i] = same_any ? common : args[i]->type;
        else
            targets[i] = target_type(p, args, n, i);
    }
    for (uint32_t i = 0; i < n && i < 64; i++) {
        if (targets[i].id == SL_TYPE_NULL)
            continue;
        SL_TRY(sl_cast_bind(arena, args[i], targets[i], false, &args[i], err));
    }
    return SL_OK;
}

static sl_type result_type(sl_type_id result, sl_expr **args, uint32_t n)
{
    if (result == SL_TYPE_INVALID)
        return n > 0 ? args[0]->type : sl_type_make(SL_TYPE_NULL);
    if (result == SL_TYPE_DECIMAL) {
        for (uint32_t i = 0; i < n; i++)
            if (args[i]->type.id == SL_TYPE_DECIMAL)
                return args[i]->type;
        return sl_type_decimal(18, 3);
    }
    return sl_type_make(result);
}

/* ------------------------------------------------------------------ messages */

static bool is_word(const char *s)
{
    return (*s >= 'a' && *s <= 'z') || *s == '_';
}

/* Closest known function name (scalar or aggregate), or NULL. */
static const char *suggest(const char *name)
{
    const char *best = NULL;
    size_t best_d = 1000;
    for (size_t f = 0; f < FAMILY_COUNT; f++)
        for (size_t i = 0; i < *families[f].count; i++) {
            const char *cand = families[f].items[i].name;
            if (!is_word(cand))
                continue;
            size_t d = sl_edit_distance(name, cand, 64);
            if (d < best_d) {
                best_d = d;
                best = cand;
            }
        }
    for (size_t i = 0; i < sl_aggregate_overload_count; i++) {
        const char *cand = sl_aggregate_overloads[i].name;
        if (!is_word(cand))
            continue;
        size_t d = sl_edit_distance(name, cand, 64);
        if (d < best_d) {
            best_d = d;
            best = cand;
        }
    }
    size_t len = strlen(name);
    return best && best_d <= (len < 4 ? 1 : len / 2 + 1) ? best : NULL;
}

static sl_status unknown_function(const char *kind, const char *name, int position, sl_error *err)
{
    const char *s = suggest(name);
    if (s)
        return sl_error_set_at(err, SL_ERR_CATALOG, position, "%s with name %s does not exist! Did you mean \"%s\"?",
                               kind, name, s);
    return sl_error_set_at(err, SL_ERR_CATALOG, position, "%s with name %s does not exist!", kind, name);
}

/* Appends printf output to buf at *len (bounded). */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += (size_t)n;
    if (*len >= cap)
        *len = cap - 1;
}

static void append_type_id(char *buf, size_t cap, size_t *len, sl_type_id id)
{
    char tn[40];
    if (id == SL_TYPE_INVALID) {
        append(buf, cap, len, "ANY");
        return;
    }
    sl_type_name(id == SL_TYPE_DECIMAL ? sl_type_decimal(18, 3) : sl_type_make(id), tn, sizeof tn);
    if (id == SL_TYPE_DECIMAL)
        strcpy(tn, "DECIMAL");
    append(buf, cap, len, "%s", tn);
}

static void append_signature(char *buf, size_t cap, size_t *len, const char *name, const sl_type_id *params,
                             uint8_t count, bool variadic, sl_type_id result)
{
    append(buf, cap, len, "\n\t%s(", name);
    for (uint8_t i = 0; i < count; i++) {
        if (i)
            append(buf, cap, len, ", ");
        append_type_id(buf, cap, len, params[i]);
    }
    if (variadic)
        append(buf, cap, len, "...");
    append(buf, cap, len, ") -> ");
    append_type_id(buf, cap, len, result);
}

static size_t call_text(char *buf, size_t cap, const char *name, sl_expr **args, uint32_t n)
{
    size_t len = 0;
    append(buf, cap, &len, "%s(", name);
    for (uint32_t i = 0; i < n; i++) {
        char tn[40];
        sl_type_name(args[i]->type, tn, sizeof tn);
        append(buf, cap, &len, "%s%s", i ? ", " : "", tn);
    }
    append(buf, cap, &len, ")");
    return len;
}

/* ------------------------------------------------------------------ scalar */

bool sl_function_exists(const char *name)
{
    for (size_t f = 0; f < FAMILY_COUNT; f++)
        for (size_t i = 0; i < *families[f].count; i++)
            if (strcmp(families[f].items[i].name, name) == 0)
                return true;
    return strcmp(name, "coalesce") == 0 || strcmp(name, "ifnull") == 0 || strcmp(name, "nullif") == 0;
}

static sl_expr **copy_args(sl_arena *arena, sl_expr **args, uint32_t n)
{
    sl_expr **copy = sl_arena_alloc(arena, (n ? n : 1) * sizeof *copy);
    if (copy && n)
        memcpy(copy, args, n * sizeof *copy);
    return copy;
}

/* coalesce(a, b, ...) / ifnull(a, b): an SL_EXPR_COALESCE node over the common type. */
static sl_status bind_coalesce(sl_arena *arena, const char *name, sl_expr **args, uint32_t n, int position,
                               sl_expr **out, sl_error *err)
{
    if (n == 0 || (strcmp(name, "ifnull") == 0 && n != 2))
        return sl_error_set_at(err, SL_ERR_TYPE, position, "%s expects %s arguments", name,
                               n == 0 ? "at least one" : "two");
    sl_type common = sl_type_make(SL_TYPE_NULL);
    for (uint32_t i = 0; i < n; i++) {
        if (!sl_type_common(common, args[i]->type, &common)) {
            char a[40], b[40];
            sl_type_name(common, a, sizeof a);
            sl_type_name(args[i]->type, b, sizeof b);
            return sl_error_set_at(err, SL_ERR_TYPE, position, "Cannot mix types %s and %s in %s", a, b, name);
        }
    }
    sl_expr *e = sl_expr_new(arena, SL_EXPR_COALESCE, common);
    sl_expr **a = copy_args(arena, args, n);
    if (!e || !a)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++)
        SL_TRY(sl_cast_bind(arena, a[i], common, false, &a[i], err));
    e->args = a;
    e->arg_count = n;
    e->position = position;
    *out = e;
    return SL_OK;
}

/* nullif(a, b) = CASE WHEN a = b THEN NULL ELSE a END (a evaluated per branch). */
static sl_status bind_nullif(sl_arena *arena, sl_expr **args, uint32_t n, int position, sl_expr **out, sl_error *err)
{
    if (n != 2)
        return sl_error_set_at(err, SL_ERR_TYPE, position, "nullif expects two arguments");
    sl_expr *eq_args[2] = { args[0], args[1] };
    sl_expr *eq;
    SL_TRY(sl_function_bind(arena, "=", eq_args, 2, position, &eq, err));
    sl_type t = args[0]->type.id == SL_TYPE_NULL ? args[1]->type : args[0]->type;
    sl_value nv = sl_value_null(t);
    sl_expr *null_c = sl_expr_constant(arena, &nv);
    sl_expr *e = sl_expr_new(arena, SL_EXPR_CASE, t);
    sl_expr **a = sl_arena_alloc(arena, 3 * sizeof *a);
    if (!null_c || !e || !a)
        return sl_error_oom(err);
    a[0] = eq;
    a[1] = null_c;
    SL_TRY(sl_cast_bind(arena, args[0], t, false, &a[2], err));
    e->args = a;
    e->arg_count = 3;
    e->has_else = true;
    e->position = position;
    *out = e;
    return SL_OK;
}

sl_status sl_function_bind(sl_arena *arena, const char *name, sl_expr **args, uint32_t arg_count, int position,
                           sl_expr **out, sl_error *err)
{
    if (strcmp(name, "coalesce") == 0 || strcmp(name, "ifnull") == 0)
        return bind_coalesce(arena, name, args, arg_count, position, out, err);
    if (strcmp(name, "nullif") == 0)
        return bind_nullif(arena, args, arg_count, position, out, err);

    const sl_overload *best = NULL;
    int best_cost = -1;
    bool known = false;
    for (size_t f = 0; f < FAMILY_COUNT; f++) {
        for (size_t i = 0; i < *families[f].count; i++) {
            const sl_overload *ov = &families[f].items[i];
            if (strcmp(ov->name, name) != 0)
                continue;
            known = true;
            int c = match_cost(ov->args, ov->arg_count, ov->variadic, ov->same_any, args, arg_count);
            if (c >= 0 && (best_cost < 0 || c < best_cost)) {
                best = ov;
                best_cost = c;
            }
        }
    }
    if (!known)
        return unknown_function("Function", name, position, err);
    if (!best) {
        char msg[SL_ERROR_MESSAGE_MAX];
        size_t len = 0;
        char call[256];
        call_text(call, sizeof call, name, args, arg_count);
        append(msg, sizeof msg, &len,
               "No function matches the given name and argument types '%s'. You might need to add explicit type "
               "casts.\n\tCandidate functions:",
               call);
        for (size_t f = 0; f < FAMILY_COUNT; f++)
            for (size_t i = 0; i < *families[f].count; i++) {
                const sl_overload *ov = &families[f].items[i];
                if (strcmp(ov->name, name) == 0)
                    append_signature(msg, sizeof msg, &len, name, ov->args, ov->arg_count, ov->variadic, ov->result);
            }
        return sl_error_set_at(err, SL_ERR_TYPE, position, "%s", msg);
    }

    sl_expr **a = copy_args(arena, args, arg_count);
    sl_expr *call = sl_expr_new(arena, SL_EXPR_CALL, sl_type_make(SL_TYPE_NULL));
    if (!a || !call)
        return sl_error_oom(err);
    SL_TRY(coerce_args(arena, best->args, best->arg_count, best->variadic, best->same_any, a, arg_count, err));
    call->type = result_type(best->result, a, arg_count);
    call->function = &best->function;
    call->args = a;
    call->arg_count = arg_count;
    call->position = position;
    if (best->bind)
        SL_TRY(best->bind(arena, call, err));
    *out = call;
    return SL_OK;
}

/* ------------------------------------------------------------------ aggregates */

bool sl_aggregate_exists(const char *name)
{
    for (size_t i = 0; i < sl_aggregate_overload_count; i++)
        if (strcmp(sl_aggregate_overloads[i].name, name) == 0)
            return true;
    return false;
}

sl_status sl_aggregate_bind(sl_arena *arena, const char *name, sl_expr **args, uint32_t arg_count, int position,
                            sl_expr **out, sl_error *err)
{
    const sl_aggregate_overload *best = NULL;
    int best_cost = -1;
    bool known = false;
    for (size_t i = 0; i < sl_aggregate_overload_count; i++) {
        const sl_aggregate_overload *ov = &sl_aggregate_overloads[i];
        if (strcmp(ov->name, name) != 0)
            continue;
        known = true;
        int c = match_cost(ov->args, ov->arg_count, ov->variadic, false, args, arg_count);
        if (c >= 0 && (best_cost < 0 || c < best_cost)) {
            best = ov;
            best_cost = c;
        }
    }
    if (!known)
        return unknown_function("Aggregate Function", name, position, err);
    if (!best) {
        char msg[SL_ERROR_MESSAGE_MAX];
        size_t len = 0;
        char call[256];
        call_text(call, sizeof call, name, args, arg_count);
        append(msg, sizeof msg, &len,
               "No function matches the given name and argument types '%s'. You might need to add explicit type "
               "casts.\n\tCandidate functions:",
               call);
        for (size_t i = 0; i < sl_aggregate_overload_count; i++) {
            const sl_aggregate_overload *ov = &sl_aggregate_overloads[i];
            if (strcmp(ov->name, name) == 0)
                append_signature(msg, sizeof msg, &len, name, ov->args, ov->arg_count, ov->variadic, ov->result);
        }
        return sl_error_set_at(err, SL_ERR_TYPE, position, "%s", msg);
    }
    sl_expr **a = copy_args(arena, args, arg_count);
    sl_expr *agg = sl_expr_new(arena, SL_EXPR_AGGREGATE, sl_type_make(SL_TYPE_NULL));
    if (!a || !agg)
        return sl_error_oom(err);
    SL_TRY(coerce_args(arena, best->args, best->arg_count, best->variadic, false, a, arg_count, err));
    agg->type = result_type(best->result, a, arg_count);
    agg->aggregate = best->function;
    agg->args = a;
    agg->arg_count = arg_count;
    agg->position = position;
    if (best->bind)
        SL_TRY(best->bind(arena, agg, err));
    *out = agg;
    return SL_OK;
}
