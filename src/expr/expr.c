/*
 * expr.c — building, copying, comparing and printing bound expressions (sl_expr).
 *
 * Every node and every string/array it owns lives in the arena passed in (the plan's
 * arena); nothing here frees. Constants copy VARCHAR bytes into the arena so the value
 * never needs sl_value_free. Evaluation lives in eval.c.
 */
#include <stdio.h>
#include <string.h>

#include "expr/registry.h"

sl_expr *sl_expr_new(sl_arena *arena, sl_expr_kind kind, sl_type type)
{
    sl_expr *e = sl_arena_calloc(arena, sizeof *e);
    if (!e)
        return NULL;
    e->kind = kind;
    e->type = type;
    e->position = -1;
    e->value.type = type;
    e->value.is_null = true;
    return e;
}

sl_expr *sl_expr_column(sl_arena *arena, sl_type type, uint32_t table_index, uint32_t column_index)
{
    sl_expr *e = sl_expr_new(arena, SL_EXPR_COLUMN, type);
    if (!e)
        return NULL;
    e->binding.table_index = table_index;
    e->binding.column_index = column_index;
    e->index = column_index;
    return e;
}

/* Copies a value; VARCHAR bytes go into the arena (NUL-terminated). */
static bool arena_value_copy(sl_arena *arena, const sl_value *src, sl_value *dst)
{
    *dst = *src;
    if (src->type.id == SL_TYPE_VARCHAR && !src->is_null) {
        char *s = sl_arena_strndup(arena, src->v.str.data ? src->v.str.data : "", src->v.str.length);
        if (!s)
            return false;
        dst->v.str.data = s;
    }
    return true;
}

sl_expr *sl_expr_constant(sl_arena *arena, const sl_value *value)
{
    sl_expr *e = sl_expr_new(arena, SL_EXPR_CONSTANT, value->type);
    if (!e || !arena_value_copy(arena, value, &e->value))
        return NULL;
    return e;
}

sl_expr *sl_expr_copy(sl_arena *arena, const sl_expr *src)
{
    if (!src)
        return NULL;
    sl_expr *e = sl_arena_alloc(arena, sizeof *e);
    if (!e)
        return NULL;
    *e = *src;
    if (src->kind == SL_EXPR_CONSTANT && !arena_value_copy(arena, &src->value, &e->value))
        return NULL;
    if (src->arg_count) {
        e->args = sl_arena_alloc(arena, src->arg_count * sizeof *e->args);
        if (!e->args)
            return NULL;
        for (uint32_t i = 0; i < src->arg_count; i++)
            if (!(e->args[i] = sl_expr_copy(arena, src->args[i])))
                return NULL;
    }
    if (src->filter && !(e->filter = sl_expr_copy(arena, src->filter)))
        return NULL;
    if (src->order_count) {
        e->order_by = sl_arena_alloc(arena, src->order_count * sizeof *e->order_by);
        e->order_desc = sl_arena_alloc(arena, src->order_count * sizeof *e->order_desc);
        e->order_nulls_first = sl_arena_alloc(arena, src->order_count * sizeof *e->order_nulls_first);
        if (!e->order_by || !e->order_desc || !e->order_nulls_first)
            return NULL;
        for (uint32_t i = 0; i < src->order_count; i++) {
            if (!(e->order_by[i] = sl_expr_copy(arena, src->order_by[i])))
                return NULL;
            e->order_desc[i] = src->order_desc[i];
            e->order_nulls_first[i] = src->order_nulls_first[i];
        }
    }
    /* subquery plans and window specs are shared, not copied */
    return e;
}

static bool value_equal(const sl_value *a, const sl_value *b)
{
    if (!sl_type_equal(a->type, b->type) || a->is_null != b->is_null)
        return false;
    if (a->is_null)
        return true;
    switch ((sl_type_id)a->type.id) {
    case SL_TYPE_BOOLEAN: return a->v.boolean == b->v.boolean;
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE: return memcmp(&a->v.f64, &b->v.f64, sizeof(double)) == 0;
    case SL_TYPE_DECIMAL:
        return sl_decimal_is_small(a->type) ? a->v.i64 == b->v.i64 : a->v.i128 == b->v.i128;
    case SL_TYPE_VARCHAR:
        return a->v.str.length == b->v.str.length && memcmp(a->v.str.data, b->v.str.data, a->v.str.length) == 0;
    case SL_TYPE_INTERVAL:
        return a->v.interval.months == b->v.interval.months && a->v.interval.days == b->v.interval.days &&
               a->v.interval.micros == b->v.interval.micros;
    case SL_TYPE_NULL: return true;
    default: return a->v.i64 == b->v.i64;
    }
}

bool sl_expr_equal(const sl_expr *a, const sl_expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || !sl_type_equal(a->type, b->type) || a->arg_count != b->arg_count)
        return false;
    switch (a->kind) {
    case SL_EXPR_COLUMN:
        if (a->binding.table_index != b->binding.table_index || a->binding.column_index != b->binding.column_index ||
            a->index != b->index || a->depth != b->depth)
            return false;
        break;
    case SL_EXPR_CONSTANT:
        if (!value_equal(&a->value, &b->value))
            return false;
        break;
    case SL_EXPR_PARAMETER:
        if (a->param_index != b->param_index)
            return false;
        break;
    case SL_EXPR_CALL:
        /* volatile calls (random()) are never equal to one another. bind_data is not
         * compared: bind hooks derive it from the (compared) arguments, so two bindings of
         * the same call have equivalent data at different addresses. */
        if (a->function != b->function || (a->function && a->function->is_volatile))
            return false;
        break;
    case SL_EXPR_CAST:
        if (a->try_cast != b->try_cast)
            return false;
        break;
    case SL_EXPR_IN_LIST:
    case SL_EXPR_IS_DISTINCT:
        if (a->negated != b->negated)
            return false;
        break;
    case SL_EXPR_CASE:
        if (a->has_else != b->has_else)
            return false;
        break;
    case SL_EXPR_SUBQUERY:
        if (a->subquery != b->subquery || a->subquery_kind != b->subquery_kind || a->negated != b->negated)
            return false;
        break;
    case SL_EXPR_AGGREGATE:
        if (a->aggregate != b->aggregate || a->distinct != b->distinct || !sl_expr_equal(a->filter, b->filter) ||
            a->order_count != b->order_count)
            return false;
        for (uint32_t i = 0; i < a->order_count; i++)
            if (!sl_expr_equal(a->order_by[i], b->order_by[i]) || a->order_desc[i] != b->order_desc[i] ||
                a->order_nulls_first[i] != b->order_nulls_first[i])
                return false;
        break;
    case SL_EXPR_WINDOW:
        if (a->window != b->window || a->aggregate != b->aggregate ||
            (a->window_function != b->window_function &&
             (!a->window_function || !b->window_function || strcmp(a->window_function, b->window_function) != 0)))
            return false;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < a->arg_count; i++)
        if (!sl_expr_equal(a->args[i], b->args[i]))
            return false;
    return true;
}

/* ------------------------------------------------------------------ to_string */

typedef struct sbuf {
    char *buf;
    size_t cap;
    size_t len;   /* full length, may exceed cap */
} sbuf;

static void put(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = s->len < s->cap ? s->cap - s->len : 0;
    int n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        s->len += (size_t)n;
}

static bool is_operator(const char *name)
{
    return name && !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
}

static void render(sbuf *s, const sl_expr *e);

static void render_args(sbuf *s, const sl_expr *e, uint32_t from, const char *sep)
{
    for (uint32_t i = from; i < e->arg_count; i++) {
        if (i > from)
            put(s, "%s", sep);
        render(s, e->args[i]);
    }
}

static void render(sbuf *s, const sl_expr *e)
{
    char tmp[128];
    switch (e->kind) {
    case SL_EXPR_COLUMN:
        if (e->alias)
            put(s, "%s", e->alias);
        else
            put(s, "#%u", e->index);
        break;
    case SL_EXPR_CONSTANT:
        if (e->value.is_null || e->value.type.id == SL_TYPE_NULL) {
            put(s, "NULL");
        } else if (e->value.type.id == SL_TYPE_VARCHAR) {
            put(s, "'%.*s'", (int)e->value.v.str.length, e->value.v.str.data);
        } else {
            sl_value_format(&e->value, tmp, sizeof tmp);
            if (e->value.type.id == SL_TYPE_DATE || e->value.type.id == SL_TYPE_TIMESTAMP ||
                e->value.type.id == SL_TYPE_INTERVAL) {
                char tn[40];
                put(s, "%s '%s'", sl_type_name(e->value.type, tn, sizeof tn), tmp);
            } else {
                put(s, "%s", tmp);
            }
        }
        break;
    case SL_EXPR_PARAMETER: put(s, "$%u", e->param_index); break;
    case SL_EXPR_CALL: {
        const char *name = e->function ? e->function->name : "?";
        if (strcmp(name, "negate") == 0 && e->arg_count == 1) {
            put(s, "-(");
            render(s, e->args[0]);
            put(s, ")");
        } else if (is_operator(name) && e->arg_count == 2) {
            put(s, "(");
            render(s, e->args[0]);
            put(s, " %s ", name);
            render(s, e->args[1]);
            put(s, ")");
        } else {
            put(s, "%s(", name);
            render_args(s, e, 0, ", ");
            put(s, ")");
        }
        break;
    }
    case SL_EXPR_CAST: {
        char tn[40];
        put(s, "%s(", e->try_cast ? "TRY_CAST" : "CAST");
        render(s, e->args[0]);
        put(s, " AS %s)", sl_type_name(e->type, tn, sizeof tn));
        break;
    }
    case SL_EXPR_AND:
    case SL_EXPR_OR:
        put(s, "(");
        render_args(s, e, 0, e->kind == SL_EXPR_AND ? " AND " : " OR ");
        put(s, ")");
        break;
    case SL_EXPR_NOT:
        put(s, "(NOT ");
        render(s, e->args[0]);
        put(s, ")");
        break;
    case SL_EXPR_IS_NULL:
    case SL_EXPR_IS_NOT_NULL:
        put(s, "(");
        render(s, e->args[0]);
        put(s, e->kind == SL_EXPR_IS_NULL ? " IS NULL)" : " IS NOT NULL)");
        break;
    case SL_EXPR_CASE: {
        put(s, "CASE");
        uint32_t pairs = (e->arg_count - (e->has_else ? 1 : 0)) / 2;
        for (uint32_t p = 0; p < pairs; p++) {
            put(s, " WHEN ");
            render(s, e->args[2 * p]);
            put(s, " THEN ");
            render(s, e->args[2 * p + 1]);
        }
        if (e->has_else) {
            put(s, " ELSE ");
            render(s, e->args[e->arg_count - 1]);
        }
        put(s, " END");
        break;
    }
    case SL_EXPR_COALESCE:
        put(s, "COALESCE(");
        render_args(s, e, 0, ", ");
        put(s, ")");
        break;
    case SL_EXPR_IN_LIST:
        put(s, "(");
        render(s, e->args[0]);
        put(s, e->negated ? " NOT IN (" : " IN (");
        render_args(s, e, 1, ", ");
        put(s, "))");
        break;
    case SL_EXPR_IS_DISTINCT:
        put(s, "(");
        render(s, e->args[0]);
        put(s, e->negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ");
        render(s, e->args[1]);
        put(s, ")");
        break;
    case SL_EXPR_SUBQUERY: {
        static const char *kinds[] = { "SUBQUERY", "EXISTS", "IN", "ANY", "ALL" };
        if (e->arg_count) {
            render(s, e->args[0]);
            put(s, " ");
            if (e->subquery_op)
                put(s, "%s ", e->subquery_op);
        }
        put(s, "%s%s(...)", e->negated ? "NOT " : "", kinds[e->subquery_kind]);
        break;
    }
    case SL_EXPR_AGGREGATE:
        put(s, "%s(%s", e->aggregate ? e->aggregate->name : "?", e->distinct ? "DISTINCT " : "");
        if (e->arg_count == 0 && e->aggregate && strcmp(e->aggregate->name, "count_star") == 0)
            put(s, "*");
        render_args(s, e, 0, ", ");
        put(s, ")");
        if (e->filter) {
            put(s, " FILTER (WHERE ");
            render(s, e->filter);
            put(s, ")");
        }
        break;
    case SL_EXPR_WINDOW:
        put(s, "%s(", e->window_function ? e->window_function : e->aggregate ? e->aggregate->name : "?");
        render_args(s, e, 0, ", ");
        put(s, ") OVER (...)");
        break;
    }
}

size_t sl_expr_to_string(const sl_expr *e, char *buf, size_t cap)
{
    sbuf s = { buf, cap, 0 };
    if (cap)
        buf[0] = '\0';
    render(&s, e);
    if (cap && s.len >= cap)
        buf[cap - 1] = '\0';
    return s.len;
}
