/*
 * bind_expr.c — AST expressions to bound, typed sl_expr trees.
 *
 * Operators and functions are resolved by the function registry (sl_function_bind,
 * sl_aggregate_bind, sl_cast_bind), which also inserts implicit casts; this file only
 * maps SQL syntax onto registry names and special nodes:
 *   AND/OR/NOT        SL_EXPR_AND / OR (flattened) / NOT, operands cast to BOOLEAN
 *   IS [NOT] NULL     SL_EXPR_IS_NULL / IS_NOT_NULL;  IS TRUE/FALSE -> IS [NOT] DISTINCT
 *   BETWEEN           x >= lo AND x <= hi   (NOT BETWEEN: NOT (...))
 *   IN (list)         SL_EXPR_IN_LIST over the common type
 *   CASE, COALESCE    common result type; NULLIF(a, b) -> CASE WHEN a = b THEN NULL ELSE a END
 *   LIKE family       "like", "ilike", "not_like", "not_ilike", "regexp_full_match", "glob"
 *   current_date/now  folded to constants from options->eval->now_micros
 *   aggregates        collected into the binder's aggregate list; the expression becomes a
 *                     column of (aggregate_index, j)
 *   window calls      collected into the window list; column of (window_index, k)
 *   subqueries        SL_EXPR_SUBQUERY with the plan bound by a child binder
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind_internal.h"

static sl_status oom(sl_error *err) { return sl_error_oom(err); }

static sl_expr *new_expr(sl_binder *b, sl_expr_kind kind, sl_type type, int position)
{
    sl_expr *e = sl_expr_new(b->arena, kind, type);
    if (e)
        e->position = position;
    return e;
}

static sl_status set_args(sl_binder *b, sl_expr *e, sl_expr **args, uint32_t n, sl_error *err)
{
    e->arg_count = n;
    e->args = NULL;
    if (n == 0)
        return SL_OK;
    e->args = sl_arena_alloc(b->arena, sizeof(sl_expr *) * n);
    if (!e->args)
        return oom(err);
    memcpy(e->args, args, sizeof(sl_expr *) * n);
    return SL_OK;
}

sl_status sl_bind_cast(sl_binder *b, sl_expr *e, sl_type target, sl_expr **out, sl_error *err)
{
    if (sl_type_equal(e->type, target)) {
        *out = e;
        return SL_OK;
    }
    sl_status st = sl_cast_bind(b->arena, e, target, false, out, err);
    if (st != SL_OK && err && err->position < 0)
        err->position = e->position;
    return st;
}

static sl_status to_boolean(sl_binder *b, sl_expr *e, const char *what, sl_expr **out, sl_error *err)
{
    if (e->type.id == SL_TYPE_BOOLEAN) {
        *out = e;
        return SL_OK;
    }
    if (e->type.id == SL_TYPE_NULL || e->type.id == SL_TYPE_VARCHAR)
        return sl_bind_cast(b, e, sl_type_make(SL_TYPE_BOOLEAN), out, err);
    char tn[32];
    return sl_error_set_at(err, SL_ERR_TYPE, e->position, "%s must be of type BOOLEAN, not %s", what,
                           sl_type_name(e->type, tn, sizeof tn));
}

sl_status sl_bind_unify(sl_binder *b, sl_expr **exprs, uint32_t n, const char *what, int position,
                        sl_type *common, sl_error *err)
{
    sl_type t = sl_type_make(SL_TYPE_NULL);
    for (uint32_t i = 0; i < n; i++) {
        sl_type next;
        if (i == 0) {
            t = exprs[0]->type;
            continue;
        }
        if (!sl_type_common(t, exprs[i]->type, &next)) {
            char a[32], c[32];
            return sl_error_set_at(err, SL_ERR_TYPE, exprs[i]->position >= 0 ? exprs[i]->position : position,
                                   "Cannot mix values of type %s and %s in %s", sl_type_name(t, a, sizeof a),
                                   sl_type_name(exprs[i]->type, c, sizeof c), what);
        }
        t = next;
    }
    for (uint32_t i = 0; i < n; i++)
        SL_TRY(sl_bind_cast(b, exprs[i], t, &exprs[i], err));
    if (common)
        *common = t;
    return SL_OK;
}

static sl_status call_function(sl_binder *b, const char *name, sl_expr **args, uint32_t n, int position,
                               sl_expr **out, sl_error *err)
{
    sl_status st = sl_function_bind(b->arena, name, args, n, position, out, err);
    if (st != SL_OK && err && err->position < 0)
        err->position = position;
    if (st == SL_OK && (*out)->position < 0)
        (*out)->position = position;
    return st;
}

/* ---------------------------------------------------------------- constants */

static sl_status make_constant(sl_binder *b, sl_value *v, int position, sl_expr **out, sl_error *err)
{
    sl_expr *e = sl_expr_constant(b->arena, v);
    if (!e)
        return oom(err);
    e->position = position;
    *out = e;
    return SL_OK;
}

/* Parses up to 38 decimal digits into an int128; false if more digits. */
static bool parse_digits(const char *s, size_t n, sl_int128 *out, int *digit_count)
{
    sl_int128 v = 0;
    int digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            continue;
        if (digits == 0 && s[i] == '0')
            continue; /* leading zeros do not count against the 38 digits */
        digits++;
        if (digits > 38)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    *digit_count = digits;
    return true;
}

sl_status sl_bind_constant(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err)
{
    sl_value v;
    const char *text = e->constant.text;
    size_t len = e->constant.length;
    switch (e->constant.kind) {
    case SL_AST_CONST_NULL:
        v = sl_value_null(sl_type_make(SL_TYPE_NULL));
        return make_constant(b, &v, e->position, out, err);
    case SL_AST_CONST_BOOLEAN:
        v = sl_value_boolean(e->constant.boolean);
        return make_constant(b, &v, e->position, out, err);
    case SL_AST_CONST_INTEGER: {
        /* The parser folds a leading minus sign into the text ("-5"). */
        sl_int128 x;
        int digits;
        bool negative = len > 0 && text[0] == '-';
        if (!parse_digits(text, len, &x, &digits)) {
            v = sl_value_double(strtod(text, NULL));
        } else {
            if (negative)
                x = -x;
            if (x >= INT32_MIN && x <= INT32_MAX)
                v = sl_value_int(SL_TYPE_INTEGER, (int64_t)x);
            else if (x >= INT64_MIN && x <= INT64_MAX)
                v = sl_value_int(SL_TYPE_BIGINT, (int64_t)x);
            else
                v = sl_value_decimal(x, 38, 0);
        }
        return make_constant(b, &v, e->position, out, err);
    }
    case SL_AST_CONST_DECIMAL: {
        /* DuckDB: precision = digits written (at least the scale), scale = digits after '.' */
        bool negative = len > 0 && text[0] == '-';
        if (negative) {
            text++;
            len--;
        }
        const char *dot = memchr(text, '.', len);
        size_t int_digits = dot ? (size_t)(dot - text) : len;
        size_t frac_digits = dot ? len - int_digits - 1 : 0;
        size_t precision = int_digits + frac_digits;
        sl_int128 x;
        int digits;
        if (precision > 38 || precision == 0 || !parse_digits(text, len, &x, &digits)) {
            v = sl_value_double(negative ? -strtod(text, NULL) : strtod(text, NULL));
        } else {
            if (precision < frac_digits)
                precision = frac_digits;
            v = sl_value_decimal(negative ? -x : x, (int)precision, (int)frac_digits);
        }
        return make_constant(b, &v, e->position, out, err);
    }
    case SL_AST_CONST_FLOAT:
        v = sl_value_double(strtod(text, NULL));
        return make_constant(b, &v, e->position, out, err);
    case SL_AST_CONST_STRING: {
        SL_TRY(sl_value_varchar(text ? text : "", (uint32_t)len, &v, err));
        sl_status st = make_constant(b, &v, e->position, out, err);
        sl_value_free(&v);
        return st;
    }
    }
    return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "unknown constant kind");
}

static sl_status bind_typed_literal(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err)
{
    const sl_ast_type *at = &e->typed.type;
    sl_type type;
    if (!sl_type_parse(at->name, at->param_count > 0 ? (int)at->params[0] : -1,
                       at->param_count > 1 ? (int)at->params[1] : -1, &type))
        return sl_error_set_at(err, SL_ERR_CATALOG, at->position, "Type with name %s does not exist!", at->name);
    const char *text = e->typed.text ? e->typed.text : "";
    char *buf = NULL;
    if (type.id == SL_TYPE_INTERVAL && e->typed.interval_unit) {
        buf = sl_arena_alloc(b->arena, strlen(text) + strlen(e->typed.interval_unit) + 2);
        if (!buf)
            return oom(err);
        sprintf(buf, "%s %s", text, e->typed.interval_unit);
        text = buf;
    }
    sl_value v;
    sl_status st = sl_value_parse(text, strlen(text), type, &v, err);
    if (st != SL_OK) {
        if (err)
            err->position = e->position;
        return st;
    }
    st = make_constant(b, &v, e->position, out, err);
    sl_value_free(&v);
    return st;
}

static sl_status bind_parameter(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err)
{
    uint32_t idx = e->parameter.index;
    if (!b->options || idx == 0 || idx > b->options->param_count || !b->options->params)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, e->position, "No value has been bound for parameter $%u",
                               idx);
    sl_value v = b->options->params[idx - 1];
    return make_constant(b, &v, e->position, out, err);
}

/* ---------------------------------------------------------------- helpers */

static bool name_is(const char *name, const char *s) { return strcmp(name, s) == 0; }

/* The function name of a call (last part of a qualified name). */
static const char *function_name(const sl_ast_expr *e)
{
    const sl_ast_name *n = &e->function.name;
    return n->parts[n->count - 1].name;
}

static bool is_window_function_name(const char *n)
{
    static const char *names[] = { "row_number", "rank", "dense_rank", "ntile", "lag", "lead", "first_value",
                                   "last_value", "nth_value", "percent_rank", "cume_dist", NULL };
    for (int i = 0; names[i]; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static bool is_aggregate_call(const sl_ast_expr *e)
{
    if (e->kind != SL_AST_EXPR_FUNCTION || e->function.over)
        return false;
    const char *n = function_name(e);
    if (e->function.star)
        return true;
    return sl_aggregate_exists(n);
}

static bool ast_walk_has(const sl_ast_expr *e, bool want_window);

static bool ast_list_has(sl_ast_expr *const *list, uint32_t n, bool want_window)
{
    for (uint32_t i = 0; i < n; i++)
        if (ast_walk_has(list[i], want_window))
            return true;
    return false;
}

static bool ast_walk_has(const sl_ast_expr *e, bool want_window)
{
    if (!e)
        return false;
    switch (e->kind) {
    case SL_AST_EXPR_FUNCTION:
        if (want_window && e->function.over)
            return true;
        if (!want_window && is_aggregate_call(e))
            return true;
        if (ast_list_has(e->function.args, e->function.arg_count, want_window))
            return true;
        if (ast_walk_has(e->function.filter, want_window))
            return true;
        for (uint32_t i = 0; i < e->function.order_count; i++)
            if (ast_walk_has(e->function.order_by[i].expr, want_window))
                return true;
        if (e->function.over) {
            const sl_ast_window *w = e->function.over;
            if (ast_list_has(w->partition_by, w->partition_count, want_window))
                return true;
            for (uint32_t i = 0; i < w->order_count; i++)
                if (ast_walk_has(w->order_by[i].expr, want_window))
                    return true;
        }
        return false;
    case SL_AST_EXPR_UNARY: return ast_walk_has(e->unary.arg, want_window);
    case SL_AST_EXPR_BINARY:
        return ast_walk_has(e->binary.left, want_window) || ast_walk_has(e->binary.right, want_window);
    case SL_AST_EXPR_IS: return ast_walk_has(e->is.arg, want_window);
    case SL_AST_EXPR_BETWEEN:
        return ast_walk_has(e->between.arg, want_window) || ast_walk_has(e->between.low, want_window) ||
               ast_walk_has(e->between.high, want_window);
    case SL_AST_EXPR_IN_LIST:
        return ast_walk_has(e->in_list.arg, want_window) ||
               ast_list_has(e->in_list.list, e->in_list.count, want_window);
    case SL_AST_EXPR_LIKE:
        return ast_walk_has(e->like.arg, want_window) || ast_walk_has(e->like.pattern, want_window) ||
               ast_walk_has(e->like.escape, want_window);
    case SL_AST_EXPR_SUBQUERY: return ast_walk_has(e->subquery.left, want_window);
    case SL_AST_EXPR_CASE:
        if (ast_walk_has(e->case_.operand, want_window) || ast_walk_has(e->case_.else_result, want_window))
            return true;
        for (uint32_t i = 0; i < e->case_.when_count; i++)
            if (ast_walk_has(e->case_.whens[i].condition, want_window) ||
                ast_walk_has(e->case_.whens[i].result, want_window))
                return true;
        return false;
    case SL_AST_EXPR_CAST: return ast_walk_has(e->cast.arg, want_window);
    case SL_AST_EXPR_SUBSCRIPT:
        return ast_walk_has(e->subscript.arg, want_window) || ast_walk_has(e->subscript.index, want_window) ||
               ast_walk_has(e->subscript.slice_end, want_window);
    case SL_AST_EXPR_FIELD: return ast_walk_has(e->field.arg, want_window);
    default: return false;
    }
}

bool sl_ast_has_aggregate(const sl_ast_expr *e) { return ast_walk_has(e, false); }
bool sl_ast_has_window(const sl_ast_expr *e) { return ast_walk_has(e, true); }

bool sl_bind_nulls_first(const sl_ast_order_item *item)
{
    /* DuckDB's default: NULLS LAST for both directions (tests compare against DuckDB). */
    return item->nulls == SL_AST_NULLS_FIRST;
}

sl_status sl_bind_order_items(sl_binder *b, const sl_ast_order_item *items, uint32_t n, sl_bind_mode mode,
                              sl_order_spec **out, sl_error *err)
{
    sl_order_spec *orders = NULL;
    if (n > 0) {
        orders = sl_arena_calloc(b->arena, sizeof *orders * n);
        if (!orders)
            return oom(err);
    }
    for (uint32_t i = 0; i < n; i++) {
        SL_TRY(sl_bind_expr(b, items[i].expr, mode, &orders[i].expr, err));
        orders[i].descending = items[i].descending;
        orders[i].nulls_first = sl_bind_nulls_first(&items[i]);
    }
    *out = orders;
    return SL_OK;
}

/* ---------------------------------------------------------------- GROUP BY rewriting */

static bool is_level_binding(const sl_binder *b, uint32_t table_index)
{
    return table_index == b->group_index || table_index == b->aggregate_index || table_index == b->window_index;
}

sl_status sl_bind_rewrite_groups(sl_binder *b, sl_expr *e, sl_expr **out, sl_error *err)
{
    for (uint32_t i = 0; i < b->group_count; i++) {
        if (sl_expr_equal(e, b->groups[i])) {
            sl_expr *c = sl_expr_column(b->arena, e->type, b->group_index, i);
            if (!c)
                return oom(err);
            c->position = e->position;
            c->alias = e->alias ? e->alias : b->groups[i]->alias;
            *out = c;
            return SL_OK;
        }
    }
    if (e->kind == SL_EXPR_COLUMN) {
        if (e->depth == 0 && !is_level_binding(b, e->binding.table_index))
            return sl_error_set_at(err, SL_ERR_CATALOG, e->position,
                                   "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate "
                                   "function",
                                   e->alias ? e->alias : "?");
        *out = e;
        return SL_OK;
    }
    if (e->arg_count == 0) {
        *out = e;
        return SL_OK;
    }
    sl_expr *copy = sl_arena_alloc(b->arena, sizeof *copy);
    if (!copy)
        return oom(err);
    *copy = *e;
    copy->args = sl_arena_alloc(b->arena, sizeof(sl_expr *) * e->arg_count);
    if (!copy->args)
        return oom(err);
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(sl_bind_rewrite_groups(b, e->args[i], &copy->args[i], err));
    *out = copy;
    return SL_OK;
}

/* ---------------------------------------------------------------- aggregates and windows */

static sl_status add_to_list(sl_binder *b, sl_expr ***list, uint32_t *count, size_t *cap, sl_expr *e,
                             sl_error *err)
{
    SL_TRY(sl_array_reserve((void **)list, cap, *count + 1, sizeof(sl_expr *), err));
    (*list)[(*count)++] = e;
    return SL_OK;
}

static sl_status bind_args(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr ***args_out,
                           sl_error *err)
{
    uint32_t n = e->function.arg_count;
    sl_expr **args = NULL;
    if (n > 0) {
        args = sl_arena_calloc(b->arena, sizeof(sl_expr *) * n);
        if (!args)
            return oom(err);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (e->function.arg_names && e->function.arg_names[i])
            return sl_error_set_at(err, SL_ERR_SYNTAX, e->function.args[i]->position,
                                   "Named argument \"%s\" is not supported for function %s",
                                   e->function.arg_names[i], function_name(e));
        SL_TRY(sl_bind_expr(b, e->function.args[i], mode, &args[i], err));
    }
    *args_out = args;
    return SL_OK;
}

static sl_status bind_aggregate(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    const char *name = e->function.star ? "count_star" : function_name(e);
    if (!(mode & SL_BIND_AGGREGATES) || !b->aggregating)
        return sl_error_set_at(err, SL_ERR_CATALOG, e->position,
                               "aggregate function calls are not allowed here (%s)", name);
    if (e->function.star && strcmp(function_name(e), "count") != 0)
        return sl_error_set_at(err, SL_ERR_SYNTAX, e->position, "%s(*) is not a valid call", function_name(e));
    if (e->function.over)
        return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "window call bound as aggregate");
    sl_expr **args;
    bool grouped = b->grouped_scope; /* aggregate arguments see the rows below the aggregate */
    b->grouped_scope = false;
    sl_status arg_st = bind_args(b, e, SL_BIND_PLAIN, &args, err);
    b->grouped_scope = grouped;
    SL_TRY(arg_st);
    uint32_t n = e->function.arg_count;
    if (strcmp(name, "count") == 0 && n == 0)
        name = "count_star";
    sl_expr *agg;
    sl_status st = sl_aggregate_bind(b->arena, name, args, n, e->position, &agg, err);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = e->position;
        return st;
    }
    agg->position = e->position;
    agg->distinct = e->function.distinct;
    if (e->function.filter) {
        sl_expr *f;
        b->grouped_scope = false;
        st = sl_bind_expr(b, e->function.filter, SL_BIND_PLAIN, &f, err);
        b->grouped_scope = grouped;
        SL_TRY(st);
        SL_TRY(to_boolean(b, f, "FILTER clause", &agg->filter, err));
    }
    if (e->function.order_count > 0) {
        sl_order_spec *orders;
        b->grouped_scope = false;
        st = sl_bind_order_items(b, e->function.order_by, e->function.order_count, SL_BIND_PLAIN, &orders, err);
        b->grouped_scope = grouped;
        SL_TRY(st);
        uint32_t oc = e->function.order_count;
        agg->order_count = oc;
        agg->order_by = sl_arena_alloc(b->arena, sizeof(sl_expr *) * oc);
        agg->order_desc = sl_arena_alloc(b->arena, sizeof(bool) * oc);
        agg->order_nulls_first = sl_arena_alloc(b->arena, sizeof(bool) * oc);
        if (!agg->order_by || !agg->order_desc || !agg->order_nulls_first)
            return oom(err);
        for (uint32_t i = 0; i < oc; i++) {
            agg->order_by[i] = orders[i].expr;
            agg->order_desc[i] = orders[i].descending;
            agg->order_nulls_first[i] = orders[i].nulls_first;
        }
    }
    agg->alias = sl_bind_expr_name(b, e);
    /* Reuse an identical aggregate of this query. */
    uint32_t j;
    for (j = 0; j < b->aggregate_count; j++)
        if (sl_expr_equal(b->aggregates[j], agg))
            break;
    if (j == b->aggregate_count)
        SL_TRY(add_to_list(b, &b->aggregates, &b->aggregate_count, &b->aggregate_cap, agg, err));
    sl_expr *ref = sl_expr_column(b->arena, agg->type, b->aggregate_index, j);
    if (!ref)
        return oom(err);
    ref->position = e->position;
    ref->alias = agg->alias;
    *out = ref;
    return SL_OK;
}

static sl_status bind_frame_offset(sl_binder *b, const sl_ast_frame_bound *fb, sl_expr **out, sl_error *err)
{
    *out = NULL;
    if (fb->kind != SL_AST_BOUND_PRECEDING && fb->kind != SL_AST_BOUND_FOLLOWING)
        return SL_OK;
    if (!fb->offset)
        return sl_error_set(err, SL_ERR_SYNTAX, "window frame offset is missing");
    return sl_bind_expr(b, fb->offset, SL_BIND_PLAIN, out, err);
}

static sl_frame_bound_kind frame_kind(sl_ast_bound_kind k)
{
    switch (k) {
    case SL_AST_BOUND_UNBOUNDED_PRECEDING: return SL_BOUND_UNBOUNDED_PRECEDING;
    case SL_AST_BOUND_PRECEDING: return SL_BOUND_PRECEDING;
    case SL_AST_BOUND_CURRENT_ROW: return SL_BOUND_CURRENT_ROW;
    case SL_AST_BOUND_FOLLOWING: return SL_BOUND_FOLLOWING;
    case SL_AST_BOUND_UNBOUNDED_FOLLOWING: return SL_BOUND_UNBOUNDED_FOLLOWING;
    }
    return SL_BOUND_CURRENT_ROW;
}

/* Finds a WINDOW clause entry by name. */
static const sl_ast_window *find_named_window(sl_binder *b, const char *name, int position, sl_error *err)
{
    const sl_ast_select_core *core = b->select_core;
    for (uint32_t i = 0; core && i < core->window_count; i++)
        if (core->windows[i].name.name && strcmp(core->windows[i].name.name, name) == 0)
            return &core->windows[i];
    sl_error_set_at(err, SL_ERR_CATALOG, position, "window \"%s\" does not exist", name);
    return NULL;
}

static sl_status bind_window_spec(sl_binder *b, const sl_ast_window *w, sl_window_spec *spec, sl_error *err)
{
    /* Resolve OVER w / OVER (w ...): the named window supplies PARTITION BY and possibly
     * ORDER BY / frame that the referencing window does not override. */
    const sl_ast_window *partition_src = w, *order_src = w, *frame_src = w;
    int guard = 0;
    const sl_ast_window *cur = w;
    while (cur->ref.name && guard++ < 100) {
        const sl_ast_window *base = find_named_window(b, cur->ref.name, cur->ref.position, err);
        if (!base)
            return err ? err->code : SL_ERR_CATALOG;
        if (partition_src->partition_count == 0)
            partition_src = base;
        if (order_src->order_count == 0)
            order_src = base;
        if (frame_src->frame_unit == SL_AST_FRAME_NONE)
            frame_src = base;
        cur = base;
    }
    sl_bind_mode mode = SL_BIND_AGGREGATES;
    spec->partition_count = partition_src->partition_count;
    if (spec->partition_count) {
        spec->partitions = sl_arena_calloc(b->arena, sizeof(sl_expr *) * spec->partition_count);
        if (!spec->partitions)
            return oom(err);
        for (uint32_t i = 0; i < spec->partition_count; i++) {
            SL_TRY(sl_bind_expr(b, partition_src->partition_by[i], mode, &spec->partitions[i], err));
            if (b->aggregating)
                SL_TRY(sl_bind_rewrite_groups(b, spec->partitions[i], &spec->partitions[i], err));
        }
    }
    spec->order_count = order_src->order_count;
    SL_TRY(sl_bind_order_items(b, order_src->order_by, order_src->order_count, mode, &spec->orders, err));
    if (b->aggregating)
        for (uint32_t i = 0; i < spec->order_count; i++)
            SL_TRY(sl_bind_rewrite_groups(b, spec->orders[i].expr, &spec->orders[i].expr, err));
    if (frame_src->frame_unit != SL_AST_FRAME_NONE) {
        if (frame_src->frame_unit == SL_AST_FRAME_GROUPS)
            return sl_error_set_at(err, SL_ERR_SYNTAX, frame_src->position, "GROUPS window frames are not supported");
        if (frame_src->exclude != SL_AST_EXCLUDE_NO_OTHERS)
            return sl_error_set_at(err, SL_ERR_SYNTAX, frame_src->position, "EXCLUDE in window frames is not supported");
        spec->has_frame = true;
        spec->frame_unit = frame_src->frame_unit == SL_AST_FRAME_ROWS ? SL_FRAME_ROWS : SL_FRAME_RANGE;
        spec->start_kind = frame_kind(frame_src->frame_start.kind);
        spec->end_kind = frame_kind(frame_src->frame_end.kind);
        SL_TRY(bind_frame_offset(b, &frame_src->frame_start, &spec->start_offset, err));
        SL_TRY(bind_frame_offset(b, &frame_src->frame_end, &spec->end_offset, err));
        if (spec->frame_unit == SL_FRAME_RANGE && (spec->start_offset || spec->end_offset) && spec->order_count != 1)
            return sl_error_set_at(err, SL_ERR_SYNTAX, frame_src->position,
                                   "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
    }
    return SL_OK;
}

static sl_status bind_window(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    const char *name = function_name(e);
    if (!(mode & SL_BIND_WINDOWS))
        return sl_error_set_at(err, SL_ERR_CATALOG, e->position, "window functions are not allowed here (%s)", name);
    /* Arguments may contain aggregates (sum(sum(x)) OVER ()), not other windows. */
    sl_expr **args;
    SL_TRY(bind_args(b, e, SL_BIND_AGGREGATES, &args, err));
    uint32_t n = e->function.arg_count;
    if (b->aggregating)
        for (uint32_t i = 0; i < n; i++)
            SL_TRY(sl_bind_rewrite_groups(b, args[i], &args[i], err));
    sl_expr *w;
    if (is_window_function_name(name)) {
        sl_type type = sl_type_make(SL_TYPE_BIGINT);
        uint32_t min_args = 0, max_args = 0;
        if (name_is(name, "ntile"))
            min_args = max_args = 1;
        else if (name_is(name, "lag") || name_is(name, "lead"))
            min_args = 1, max_args = 3;
        else if (name_is(name, "first_value") || name_is(name, "last_value"))
            min_args = max_args = 1;
        else if (name_is(name, "nth_value"))
            min_args = max_args = 2;
        if (n < min_args || n > max_args)
            return sl_error_set_at(err, SL_ERR_TYPE, e->position, "%s() takes %u to %u arguments, got %u", name,
                                   min_args, max_args, n);
        if (name_is(name, "percent_rank") || name_is(name, "cume_dist"))
            type = sl_type_make(SL_TYPE_DOUBLE);
        else if (min_args >= 1 && !name_is(name, "ntile"))
            type = args[0]->type;
        if (name_is(name, "ntile"))
            SL_TRY(sl_bind_cast(b, args[0], sl_type_make(SL_TYPE_BIGINT), &args[0], err));
        if ((name_is(name, "lag") || name_is(name, "lead")) && n >= 2)
            SL_TRY(sl_bind_cast(b, args[1], sl_type_make(SL_TYPE_BIGINT), &args[1], err));
        if ((name_is(name, "lag") || name_is(name, "lead")) && n == 3) {
            sl_expr *pair[2] = { args[0], args[2] };
            SL_TRY(sl_bind_unify(b, pair, 2, name, e->position, &type, err));
            args[0] = pair[0];
            args[2] = pair[1];
        }
        if (name_is(name, "nth_value"))
            SL_TRY(sl_bind_cast(b, args[1], sl_type_make(SL_TYPE_BIGINT), &args[1], err));
        w = new_expr(b, SL_EXPR_WINDOW, type, e->position);
        if (!w)
            return oom(err);
        SL_TRY(set_args(b, w, args, n, err));
        w->window_function = sl_bind_strdup(b, name);
    } else if (sl_aggregate_exists(name) || e->function.star) {
        const char *agg_name = e->function.star || (name_is(name, "count") && n == 0) ? "count_star" : name;
        if (e->function.distinct) /* the window operator has no per-frame DISTINCT */
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                                   "DISTINCT is not supported in window aggregates (%s(DISTINCT ...) OVER ...)", name);
        sl_expr *agg;
        sl_status st = sl_aggregate_bind(b->arena, agg_name, args, n, e->position, &agg, err);
        if (st != SL_OK)
            return st;
        w = agg;
        w->kind = SL_EXPR_WINDOW;
        w->distinct = e->function.distinct;
        w->window_function = NULL;
        if (e->function.filter) {
            sl_expr *f;
            SL_TRY(sl_bind_expr(b, e->function.filter, SL_BIND_AGGREGATES, &f, err));
            if (b->aggregating)
                SL_TRY(sl_bind_rewrite_groups(b, f, &f, err));
            SL_TRY(to_boolean(b, f, "FILTER clause", &w->filter, err));
        }
    } else {
        return sl_error_set_at(err, SL_ERR_CATALOG, e->position, "%s is not a window or aggregate function", name);
    }
    w->position = e->position;
    w->window = sl_arena_calloc(b->arena, sizeof(sl_window_spec));
    if (!w->window)
        return oom(err);
    SL_TRY(bind_window_spec(b, e->function.over, w->window, err));
    w->alias = sl_bind_expr_name(b, e);
    uint32_t k = b->window_count;
    SL_TRY(add_to_list(b, &b->windows, &b->window_count, &b->window_cap, w, err));
    sl_expr *ref = sl_expr_column(b->arena, w->type, b->window_index, k);
    if (!ref)
        return oom(err);
    ref->position = e->position;
    ref->alias = w->alias;
    *out = ref;
    return SL_OK;
}

/* ---------------------------------------------------------------- function calls */

static sl_status bind_function(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    const char *name = function_name(e);
    if (sl_bind_is_group_window_ref(e))   /* TUMBLE_START(ts, size) & co. */
        return sl_bind_group_window_ref(b, e, out, err);
    if (e->function.over)
        return bind_window(b, e, mode, out, err);
    if (e->function.star || sl_aggregate_exists(name))
        return bind_aggregate(b, e, mode, out, err);
    if (e->function.distinct || e->function.filter || e->function.order_count)
        return sl_error_set_at(err, SL_ERR_SYNTAX, e->position,
                               "DISTINCT, FILTER and ORDER BY are only allowed in aggregate functions (%s)", name);

    uint32_t n = e->function.arg_count;
    /* Time functions: stable within a statement, folded from the statement start time. */
    if (n == 0 && (name_is(name, "current_date") || name_is(name, "today") || name_is(name, "now") ||
                   name_is(name, "current_timestamp") || name_is(name, "get_current_timestamp") ||
                   name_is(name, "localtimestamp") || name_is(name, "transaction_timestamp"))) {
        int64_t now = b->options && b->options->eval ? b->options->eval->now_micros : 0;
        sl_value v;
        if (name_is(name, "current_date") || name_is(name, "today")) {
            int64_t days = now / 86400000000LL;
            if (now % 86400000000LL < 0)
                days--;
            v = sl_value_int(SL_TYPE_DATE, days);
        } else {
            v = sl_value_int(SL_TYPE_TIMESTAMP, now);
        }
        SL_TRY(make_constant(b, &v, e->position, out, err));
        (*out)->alias = sl_bind_expr_name(b, e);
        return SL_OK;
    }

    sl_expr **args;
    SL_TRY(bind_args(b, e, mode, &args, err));

    if (name_is(name, "coalesce")) {
        if (n == 0)
            return sl_error_set_at(err, SL_ERR_TYPE, e->position, "COALESCE requires at least one argument");
        sl_type t;
        SL_TRY(sl_bind_unify(b, args, n, "COALESCE", e->position, &t, err));
        sl_expr *c = new_expr(b, SL_EXPR_COALESCE, t, e->position);
        if (!c)
            return oom(err);
        SL_TRY(set_args(b, c, args, n, err));
        *out = c;
        return SL_OK;
    }
    if (name_is(name, "nullif")) {
        if (n != 2)
            return sl_error_set_at(err, SL_ERR_TYPE, e->position, "NULLIF takes exactly two arguments");
        sl_expr *cmp;
        sl_expr *cargs[2] = { args[0], args[1] };
        SL_TRY(call_function(b, "=", cargs, 2, e->position, &cmp, err));
        sl_value nv = sl_value_null(args[0]->type);
        sl_expr *null_e = NULL;
        SL_TRY(make_constant(b, &nv, e->position, &null_e, err));
        sl_expr *c = new_expr(b, SL_EXPR_CASE, args[0]->type, e->position);
        if (!c)
            return oom(err);
        sl_expr *case_args[3] = { cmp, null_e, sl_expr_copy(b->arena, args[0]) };
        if (!case_args[2])
            return oom(err);
        SL_TRY(set_args(b, c, case_args, 3, err));
        c->has_else = true;
        *out = c;
        return SL_OK;
    }
    if (e->function.name.count > 1) {
        const char *schema = e->function.name.parts[e->function.name.count - 2].name;
        if (!name_is(schema, "main") && !name_is(schema, "pg_catalog"))
            return sl_error_set_at(err, SL_ERR_CATALOG, e->position, "Schema \"%s\" does not exist", schema);
    }
    return call_function(b, name, args, n, e->position, out, err);
}

/* ---------------------------------------------------------------- subqueries */

static const char *binary_op_function(sl_ast_binary_op op)
{
    switch (op) {
    case SL_AST_OP_EQ: return "=";
    case SL_AST_OP_NE: return "<>";
    case SL_AST_OP_LT: return "<";
    case SL_AST_OP_LE: return "<=";
    case SL_AST_OP_GT: return ">";
    case SL_AST_OP_GE: return ">=";
    case SL_AST_OP_ADD: return "+";
    case SL_AST_OP_SUB: return "-";
    case SL_AST_OP_MUL: return "*";
    case SL_AST_OP_DIV: return "/";
    case SL_AST_OP_MOD: return "%";
    case SL_AST_OP_POW: return "pow";
    case SL_AST_OP_CONCAT: return "||";
    default: return NULL;
    }
}

static sl_status bind_subquery(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_logical_op *plan;
    SL_TRY(sl_bind_subquery(b, b, e->subquery.query, b->ctes, b->nesting, b->sql, &plan, err));
    sl_expr *s = new_expr(b, SL_EXPR_SUBQUERY, sl_type_make(SL_TYPE_BOOLEAN), e->position);
    if (!s)
        return oom(err);
    s->subquery = plan;
    switch (e->subquery.kind) {
    case SL_AST_SUBQUERY_EXISTS:
        s->subquery_kind = SL_SUBQUERY_EXISTS;
        break;
    case SL_AST_SUBQUERY_SCALAR:
        s->subquery_kind = SL_SUBQUERY_SCALAR;
        if (plan->column_count != 1)
            return sl_error_set_at(err, SL_ERR_CATALOG, e->position, "Subquery returns %u columns - expected 1",
                                   plan->column_count);
        s->type = plan->types[0];
        break;
    case SL_AST_SUBQUERY_IN:
    case SL_AST_SUBQUERY_ANY:
    case SL_AST_SUBQUERY_ALL: {
        s->subquery_kind = e->subquery.kind == SL_AST_SUBQUERY_IN    ? SL_SUBQUERY_IN
                           : e->subquery.kind == SL_AST_SUBQUERY_ANY ? SL_SUBQUERY_ANY
                                                                     : SL_SUBQUERY_ALL;
        if (plan->column_count != 1)
            return sl_error_set_at(err, SL_ERR_CATALOG, e->position, "Subquery returns %u columns - expected 1",
                                   plan->column_count);
        const char *op = e->subquery.kind == SL_AST_SUBQUERY_IN ? "=" : binary_op_function(e->subquery.op);
        if (!op || strchr("=<>", op[0]) == NULL)
            return sl_error_set_at(err, SL_ERR_SYNTAX, e->position, "ANY/ALL requires a comparison operator");
        s->subquery_op = op;
        s->negated = e->subquery.negated;
        sl_expr *left;
        SL_TRY(sl_bind_expr(b, e->subquery.left, mode, &left, err));
        sl_type common;
        if (!sl_type_common(left->type, plan->types[0], &common)) {
            char a[32], c[32];
            return sl_error_set_at(err, SL_ERR_TYPE, e->position, "Cannot compare values of type %s and %s",
                                   sl_type_name(left->type, a, sizeof a), sl_type_name(plan->types[0], c, sizeof c));
        }
        SL_TRY(sl_bind_cast(b, left, common, &left, err));
        SL_TRY(sl_bind_cast_columns(b, plan, &common, &s->subquery, err));
        SL_TRY(set_args(b, s, &left, 1, err));
        break;
    }
    }
    *out = s;
    return SL_OK;
}

/* ---------------------------------------------------------------- operators */

static sl_status bind_and_or(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    /* Flatten chains of the same operator into one n-ary node. */
    sl_ast_binary_op op = e->binary.op;
    const sl_ast_expr *stack[256];
    int sp = 0;
    sl_expr **items = NULL;
    uint32_t count = 0;
    size_t cap = 0;
    sl_status st = SL_OK;
    stack[sp++] = e;
    while (sp > 0 && st == SL_OK) {
        const sl_ast_expr *cur = stack[--sp];
        if (cur->kind == SL_AST_EXPR_BINARY && cur->binary.op == op && sp < 254) {
            stack[sp++] = cur->binary.right;
            stack[sp++] = cur->binary.left;
            continue;
        }
        sl_expr *x;
        st = sl_bind_expr(b, cur, mode, &x, err);
        if (st == SL_OK)
            st = to_boolean(b, x, op == SL_AST_OP_AND ? "argument of AND" : "argument of OR", &x, err);
        if (st == SL_OK)
            st = add_to_list(b, &items, &count, &cap, x, err);
    }
    if (st == SL_OK) {
        sl_expr *r = new_expr(b, op == SL_AST_OP_AND ? SL_EXPR_AND : SL_EXPR_OR, sl_type_make(SL_TYPE_BOOLEAN),
                              e->position);
        if (!r)
            st = oom(err);
        else if ((st = set_args(b, r, items, count, err)) == SL_OK)
            *out = r;
    }
    sl_free(items);
    return st;
}

static sl_status bind_binary(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_ast_binary_op op = e->binary.op;
    if (op == SL_AST_OP_AND || op == SL_AST_OP_OR)
        return bind_and_or(b, e, mode, out, err);
    sl_expr *args[2];
    SL_TRY(sl_bind_expr(b, e->binary.left, mode, &args[0], err));
    SL_TRY(sl_bind_expr(b, e->binary.right, mode, &args[1], err));
    if (op == SL_AST_OP_IS_DISTINCT || op == SL_AST_OP_IS_NOT_DISTINCT) {
        SL_TRY(sl_bind_unify(b, args, 2, "IS DISTINCT FROM", e->position, NULL, err));
        sl_expr *d = new_expr(b, SL_EXPR_IS_DISTINCT, sl_type_make(SL_TYPE_BOOLEAN), e->position);
        if (!d)
            return oom(err);
        SL_TRY(set_args(b, d, args, 2, err));
        d->negated = op == SL_AST_OP_IS_NOT_DISTINCT;
        *out = d;
        return SL_OK;
    }
    const char *fn = op == SL_AST_OP_OTHER ? e->binary.op_text : binary_op_function(op);
    if (!fn)
        return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "unknown binary operator");
    return call_function(b, fn, args, 2, e->position, out, err);
}

static sl_status bind_unary(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_expr *arg;
    /* -<number literal> is a negative constant (so -2147483648 is an INTEGER). */
    if (e->unary.op == SL_AST_UNARY_MINUS && e->unary.arg->kind == SL_AST_EXPR_CONSTANT &&
        e->unary.arg->constant.kind == SL_AST_CONST_INTEGER && e->unary.arg->constant.text) {
        sl_int128 x;
        int digits;
        if (parse_digits(e->unary.arg->constant.text, e->unary.arg->constant.length, &x, &digits) &&
            x <= (sl_int128)INT64_MAX + 1) {
            sl_value v = -x >= INT32_MIN ? sl_value_int(SL_TYPE_INTEGER, (int64_t)-x)
                                         : sl_value_int(SL_TYPE_BIGINT, (int64_t)-x);
            return make_constant(b, &v, e->position, out, err);
        }
    }
    SL_TRY(sl_bind_expr(b, e->unary.arg, mode, &arg, err));
    switch (e->unary.op) {
    case SL_AST_UNARY_NOT: {
        SL_TRY(to_boolean(b, arg, "argument of NOT", &arg, err));
        sl_expr *n = new_expr(b, SL_EXPR_NOT, sl_type_make(SL_TYPE_BOOLEAN), e->position);
        if (!n)
            return oom(err);
        SL_TRY(set_args(b, n, &arg, 1, err));
        *out = n;
        return SL_OK;
    }
    case SL_AST_UNARY_MINUS:
        return call_function(b, "negate", &arg, 1, e->position, out, err);
    case SL_AST_UNARY_PLUS:
        if (!sl_type_is_numeric(arg->type) && arg->type.id != SL_TYPE_INTERVAL && arg->type.id != SL_TYPE_NULL) {
            char tn[32];
            return sl_error_set_at(err, SL_ERR_TYPE, e->position, "unary + is not defined for %s",
                                   sl_type_name(arg->type, tn, sizeof tn));
        }
        *out = arg;
        return SL_OK;
    case SL_AST_UNARY_BITNOT:
        return call_function(b, "~", &arg, 1, e->position, out, err);
    }
    return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "unknown unary operator");
}

static sl_status make_not(sl_binder *b, sl_expr *x, int position, sl_expr **out, sl_error *err)
{
    sl_expr *n = new_expr(b, SL_EXPR_NOT, sl_type_make(SL_TYPE_BOOLEAN), position);
    if (!n)
        return oom(err);
    SL_TRY(set_args(b, n, &x, 1, err));
    *out = n;
    return SL_OK;
}

static sl_status bind_is(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_expr *arg;
    SL_TRY(sl_bind_expr(b, e->is.arg, mode, &arg, err));
    if (e->is.what == SL_AST_IS_NULL || e->is.what == SL_AST_IS_UNKNOWN) {
        if (e->is.what == SL_AST_IS_UNKNOWN)
            SL_TRY(to_boolean(b, arg, "argument of IS UNKNOWN", &arg, err));
        sl_expr *n = new_expr(b, e->is.negated ? SL_EXPR_IS_NOT_NULL : SL_EXPR_IS_NULL, sl_type_make(SL_TYPE_BOOLEAN),
                              e->position);
        if (!n)
            return oom(err);
        SL_TRY(set_args(b, n, &arg, 1, err));
        *out = n;
        return SL_OK;
    }
    /* x IS TRUE == x IS NOT DISTINCT FROM TRUE */
    SL_TRY(to_boolean(b, arg, "argument of IS TRUE/FALSE", &arg, err));
    sl_value v = sl_value_boolean(e->is.what == SL_AST_IS_TRUE);
    sl_expr *c = NULL;
    SL_TRY(make_constant(b, &v, e->position, &c, err));
    sl_expr *d = new_expr(b, SL_EXPR_IS_DISTINCT, sl_type_make(SL_TYPE_BOOLEAN), e->position);
    if (!d)
        return oom(err);
    sl_expr *args[2] = { arg, c };
    SL_TRY(set_args(b, d, args, 2, err));
    d->negated = !e->is.negated;
    *out = d;
    return SL_OK;
}

/* lo <= x AND x <= hi over bound operands (x used twice: copied). */
static sl_status between_expr(sl_binder *b, sl_expr *x, sl_expr *lo, sl_expr *hi, int position, sl_expr **out,
                              sl_error *err)
{
    sl_expr *ge, *le;
    sl_expr *a1[2] = { x, lo };
    SL_TRY(call_function(b, ">=", a1, 2, position, &ge, err));
    sl_expr *x2 = sl_expr_copy(b->arena, x);
    if (!x2)
        return oom(err);
    sl_expr *a2[2] = { x2, hi };
    SL_TRY(call_function(b, "<=", a2, 2, position, &le, err));
    sl_expr *and_e = new_expr(b, SL_EXPR_AND, sl_type_make(SL_TYPE_BOOLEAN), position);
    if (!and_e)
        return oom(err);
    sl_expr *args[2] = { ge, le };
    SL_TRY(set_args(b, and_e, args, 2, err));
    *out = and_e;
    return SL_OK;
}

static sl_status bind_between(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_expr *ops[3];
    SL_TRY(sl_bind_expr(b, e->between.arg, mode, &ops[0], err));
    SL_TRY(sl_bind_expr(b, e->between.low, mode, &ops[1], err));
    SL_TRY(sl_bind_expr(b, e->between.high, mode, &ops[2], err));
    sl_expr *r;
    SL_TRY(between_expr(b, ops[0], ops[1], ops[2], e->position, &r, err));
    if (e->between.symmetric) {
        sl_expr *r2;
        sl_expr *x = sl_expr_copy(b->arena, ops[0]), *lo = sl_expr_copy(b->arena, ops[2]),
                *hi = sl_expr_copy(b->arena, ops[1]);
        if (!x || !lo || !hi)
            return oom(err);
        SL_TRY(between_expr(b, x, lo, hi, e->position, &r2, err));
        sl_expr *or_e = new_expr(b, SL_EXPR_OR, sl_type_make(SL_TYPE_BOOLEAN), e->position);
        if (!or_e)
            return oom(err);
        sl_expr *args[2] = { r, r2 };
        SL_TRY(set_args(b, or_e, args, 2, err));
        r = or_e;
    }
    if (e->between.negated)
        return make_not(b, r, e->position, out, err);
    *out = r;
    return SL_OK;
}

static sl_status bind_in_list(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    uint32_t n = e->in_list.count + 1;
    sl_expr **args = sl_arena_calloc(b->arena, sizeof(sl_expr *) * n);
    if (!args)
        return oom(err);
    SL_TRY(sl_bind_expr(b, e->in_list.arg, mode, &args[0], err));
    for (uint32_t i = 1; i < n; i++)
        SL_TRY(sl_bind_expr(b, e->in_list.list[i - 1], mode, &args[i], err));
    SL_TRY(sl_bind_unify(b, args, n, "IN list", e->position, NULL, err));
    sl_expr *in = new_expr(b, SL_EXPR_IN_LIST, sl_type_make(SL_TYPE_BOOLEAN), e->position);
    if (!in)
        return oom(err);
    in->args = args;
    in->arg_count = n;
    in->negated = e->in_list.negated;
    *out = in;
    return SL_OK;
}

static sl_status bind_like(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_expr *args[3];
    uint32_t n = 2;
    SL_TRY(sl_bind_expr(b, e->like.arg, mode, &args[0], err));
    SL_TRY(sl_bind_expr(b, e->like.pattern, mode, &args[1], err));
    if (e->like.escape) {
        SL_TRY(sl_bind_expr(b, e->like.escape, mode, &args[2], err));
        n = 3;
    }
    const char *fn;
    bool wrap_not = false;
    switch (e->like.like) {
    case SL_AST_LIKE_LIKE: fn = e->like.negated ? "not_like" : "like"; break;
    case SL_AST_LIKE_ILIKE: fn = e->like.negated ? "not_ilike" : "ilike"; break;
    case SL_AST_LIKE_SIMILAR: fn = "regexp_full_match"; wrap_not = e->like.negated; break;
    default: fn = "glob"; wrap_not = e->like.negated; break;
    }
    if (n == 3 && (e->like.like == SL_AST_LIKE_SIMILAR || e->like.like == SL_AST_LIKE_GLOB))
        return sl_error_set_at(err, SL_ERR_SYNTAX, e->position, "ESCAPE is only supported with LIKE and ILIKE");
    sl_expr *r;
    SL_TRY(call_function(b, fn, args, n, e->position, &r, err));
    if (wrap_not)
        return make_not(b, r, e->position, out, err);
    *out = r;
    return SL_OK;
}

static sl_status bind_case(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    uint32_t whens = e->case_.when_count;
    bool has_else = e->case_.else_result != NULL;
    uint32_t n = whens * 2 + (has_else ? 1 : 0);
    sl_expr **args = sl_arena_calloc(b->arena, sizeof(sl_expr *) * n);
    /* results (for unification) */
    sl_expr **results = sl_arena_calloc(b->arena, sizeof(sl_expr *) * (whens + 1));
    if (!args || !results)
        return oom(err);
    sl_expr *operand = NULL;
    if (e->case_.operand)
        SL_TRY(sl_bind_expr(b, e->case_.operand, mode, &operand, err));
    for (uint32_t i = 0; i < whens; i++) {
        sl_expr *cond;
        SL_TRY(sl_bind_expr(b, e->case_.whens[i].condition, mode, &cond, err));
        if (operand) {
            sl_expr *op_copy = i == 0 ? operand : sl_expr_copy(b->arena, operand);
            if (!op_copy)
                return oom(err);
            sl_expr *cargs[2] = { op_copy, cond };
            SL_TRY(call_function(b, "=", cargs, 2, e->case_.whens[i].condition->position, &cond, err));
        }
        SL_TRY(to_boolean(b, cond, "CASE WHEN condition", &cond, err));
        args[2 * i] = cond;
        SL_TRY(sl_bind_expr(b, e->case_.whens[i].result, mode, &results[i], err));
    }
    uint32_t rn = whens;
    if (has_else)
        SL_TRY(sl_bind_expr(b, e->case_.else_result, mode, &results[rn++], err));
    sl_type t;
    SL_TRY(sl_bind_unify(b, results, rn, "CASE", e->position, &t, err));
    for (uint32_t i = 0; i < whens; i++)
        args[2 * i + 1] = results[i];
    if (has_else)
        args[n - 1] = results[whens];
    sl_expr *c = new_expr(b, SL_EXPR_CASE, t, e->position);
    if (!c)
        return oom(err);
    c->args = args;
    c->arg_count = n;
    c->has_else = has_else;
    *out = c;
    return SL_OK;
}

static sl_status bind_cast_expr(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    const sl_ast_type *at = &e->cast.type;
    if (at->array_dims > 0)
        return sl_error_set_at(err, SL_ERR_TYPE, at->position, "LIST types are not supported yet");
    sl_type type;
    if (!sl_type_parse(at->name, at->param_count > 0 ? (int)at->params[0] : -1,
                       at->param_count > 1 ? (int)at->params[1] : -1, &type))
        return sl_error_set_at(err, SL_ERR_CATALOG, at->position, "Type with name %s does not exist!", at->name);
    sl_expr *arg;
    SL_TRY(sl_bind_expr(b, e->cast.arg, mode, &arg, err));
    if (sl_type_equal(arg->type, type) && !e->cast.try_cast) {
        *out = arg;
        return SL_OK;
    }
    sl_status st = sl_cast_bind(b->arena, arg, type, e->cast.try_cast, out, err);
    if (st != SL_OK && err && err->position < 0)
        err->position = e->position;
    return st;
}

/* ---------------------------------------------------------------- entry point */

sl_status sl_bind_expr(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err)
{
    sl_status st;
    switch (e->kind) {
    case SL_AST_EXPR_CONSTANT:
        st = sl_bind_constant(b, e, out, err);
        break;
    case SL_AST_EXPR_COLUMN:
        st = sl_bind_column_ref(b, &e->column.name, e->position, out, err);
        break;
    case SL_AST_EXPR_STAR:
        return sl_error_set_at(err, SL_ERR_SYNTAX, e->position, "* is only allowed in the SELECT list");
    case SL_AST_EXPR_PARAMETER:
        st = bind_parameter(b, e, out, err);
        break;
    case SL_AST_EXPR_UNARY:
        st = bind_unary(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_BINARY:
        st = bind_binary(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_IS:
        st = bind_is(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_BETWEEN:
        st = bind_between(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_IN_LIST:
        st = bind_in_list(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_LIKE:
        st = bind_like(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_SUBQUERY:
        st = bind_subquery(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_FUNCTION:
        st = bind_function(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_CASE:
        st = bind_case(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_CAST:
        st = bind_cast_expr(b, e, mode, out, err);
        break;
    case SL_AST_EXPR_TYPED_LITERAL:
        st = bind_typed_literal(b, e, out, err);
        break;
    case SL_AST_EXPR_SUBSCRIPT:
    case SL_AST_EXPR_FIELD:
        return sl_error_set_at(err, SL_ERR_SYNTAX, e->position, "LIST and STRUCT access is not supported yet");
    default:
        return sl_error_set_at(err, SL_ERR_INTERNAL, e->position, "unknown expression kind %d", (int)e->kind);
    }
    if (st == SL_OK && (*out)->position < 0)
        (*out)->position = e->position;
    return st;
}
