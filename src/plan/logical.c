/*
 * logical.c — construction, output-column computation and printing of logical plan nodes.
 *
 * The binder builds nodes with sl_logical_new and calls sl_logical_columns on each node
 * once its children and own fields are set; the optimizer calls sl_logical_columns again
 * after every rewrite. Column bindings follow the rules in logical.h:
 *
 *   SCAN            (table_index, table column id) for each scanned column — the binding
 *                   names the *table column*, not the output position, so projection
 *                   pushdown (shrinking scan_columns) never renumbers expressions.
 *                   With scan_columns == NULL every table column is scanned.
 *   TABLE_FUNCTION  (table_index, i) for each read column i of the function's schema: all of
 *                   them, or scan_columns when column pruning set it (same rule as SCAN)
 *   VALUES          (table_index, i) for i < value_width; names col0, col1, ...
 *   DUMMY           no columns
 *   EMPTY           columns/types/names are set by whoever created the node (they keep the
 *                   bindings of the subtree it replaced) and are left untouched here
 *   FILTER, SORT, LIMIT, DISTINCT      child's columns
 *   PROJECT         (table_index, i) per expression
 *   AGGREGATE       (group_index, i) per group, then (aggregate_index, j) per aggregate
 *   WINDOW          child's columns, then (window_index, k) per window expression
 *   JOIN            left ++ right; SEMI/ANTI: left; MARK: left ++ (mark_index, 0) BOOLEAN
 *   SETOP           (table_index, i) per column of children[0]
 *
 * Everything is allocated in the plan context's arena.
 */
#include "plan/logical.h"

#include <stdarg.h>
#include <stdio.h>

#include "catalog/catalog.h"
#include "plan/table_function.h"

/* Allocates a zeroed node with room for child_count children (all NULL). LIMIT fields are
 * initialised to "none" (limit -1, offset 0). NULL on OOM. */
sl_logical_op *sl_logical_new(sl_plan_context *ctx, sl_logical_kind kind, uint32_t child_count)
{
    sl_logical_op *op = sl_arena_calloc(ctx->arena, sizeof *op);
    if (!op)
        return NULL;
    op->kind = kind;
    op->child_count = child_count;
    if (child_count > 0) {
        op->children = sl_arena_calloc(ctx->arena, sizeof(sl_logical_op *) * child_count);
        if (!op->children)
            return NULL;
    }
    op->limit = -1;
    op->offset = 0;
    return op;
}

/* Allocates the output arrays for n columns. */
static sl_status alloc_columns(sl_plan_context *ctx, sl_logical_op *op, uint32_t n, sl_error *err)
{
    op->column_count = n;
    op->columns = NULL;
    op->types = NULL;
    op->names = NULL;
    if (n == 0)
        return SL_OK;
    op->columns = sl_arena_calloc(ctx->arena, sizeof(sl_column_binding) * n);
    op->types = sl_arena_calloc(ctx->arena, sizeof(sl_type) * n);
    op->names = sl_arena_calloc(ctx->arena, sizeof(const char *) * n);
    if (!op->columns || !op->types || !op->names)
        return sl_error_oom(err);
    return SL_OK;
}

static void copy_columns(sl_logical_op *dst, uint32_t at, const sl_logical_op *src, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        dst->columns[at + i] = src->columns[i];
        dst->types[at + i] = src->types[i];
        dst->names[at + i] = src->names ? src->names[i] : NULL;
    }
}

static void set_column(sl_logical_op *op, uint32_t i, uint32_t table_index, uint32_t column_index,
                       sl_type type, const char *name)
{
    op->columns[i].table_index = table_index;
    op->columns[i].column_index = column_index;
    op->types[i] = type;
    op->names[i] = name;
}

sl_status sl_logical_columns(sl_plan_context *ctx, sl_logical_op *op, sl_error *err)
{
    for (uint32_t c = 0; c < op->child_count; c++) {
        if (!op->children[c])
            return sl_error_set(err, SL_ERR_INTERNAL, "logical operator has a missing child");
    }
    switch (op->kind) {
    case SL_LOP_SCAN: {
        const sl_table *t = op->table;
        if (!t)
            return sl_error_set(err, SL_ERR_INTERNAL, "SCAN without a table");
        uint32_t n = op->scan_columns ? op->scan_column_count : t->column_count;
        SL_TRY(alloc_columns(ctx, op, n, err));
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = op->scan_columns ? op->scan_columns[i] : i;
            if (id >= t->column_count)
                return sl_error_set(err, SL_ERR_INTERNAL, "SCAN column id %u out of range", id);
            set_column(op, i, op->table_index, id, t->columns[id].type, t->columns[id].name);
        }
        return SL_OK;
    }
    case SL_LOP_TABLE_FUNCTION: {
        uint32_t n = op->scan_columns ? op->scan_column_count : op->function_column_count;
        SL_TRY(alloc_columns(ctx, op, n, err));
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = op->scan_columns ? op->scan_columns[i] : i;
            if (id >= op->function_column_count)
                return sl_error_set(err, SL_ERR_INTERNAL, "TABLE_FUNCTION column %u out of range", id);
            set_column(op, i, op->table_index, id, op->function_types[id],
                       op->function_names ? op->function_names[id] : NULL);
        }
        return SL_OK;
    }
    case SL_LOP_VALUES: {
        uint32_t n = op->value_width;
        SL_TRY(alloc_columns(ctx, op, n, err));
        for (uint32_t i = 0; i < n; i++) {
            sl_type type = sl_type_make(SL_TYPE_NULL);
            if (op->row_count > 0 && op->values && op->values[i])
                type = op->values[i]->type;
            char *name = sl_arena_calloc(ctx->arena, 16);
            if (!name)
                return sl_error_oom(err);
            snprintf(name, 16, "col%u", i);
            set_column(op, i, op->table_index, i, type, name);
        }
        return SL_OK;
    }
    case SL_LOP_DUMMY:
        return alloc_columns(ctx, op, 0, err);
    case SL_LOP_EMPTY:
        return SL_OK;
    case SL_LOP_FILTER:
    case SL_LOP_SORT:
    case SL_LOP_LIMIT:
    case SL_LOP_DISTINCT: {
        if (op->child_count != 1)
            return sl_error_set(err, SL_ERR_INTERNAL, "operator needs exactly one child");
        const sl_logical_op *child = op->children[0];
        SL_TRY(alloc_columns(ctx, op, child->column_count, err));
        copy_columns(op, 0, child, child->column_count);
        return SL_OK;
    }
    case SL_LOP_PROJECT: {
        SL_TRY(alloc_columns(ctx, op, op->expr_count, err));
        for (uint32_t i = 0; i < op->expr_count; i++)
            set_column(op, i, op->table_index, i, op->exprs[i]->type, op->exprs[i]->alias);
        return SL_OK;
    }
    case SL_LOP_AGGREGATE: {
        SL_TRY(alloc_columns(ctx, op, op->expr_count + op->aggregate_count, err));
        for (uint32_t i = 0; i < op->expr_count; i++)
            set_column(op, i, op->group_index, i, op->exprs[i]->type, op->exprs[i]->alias);
        for (uint32_t j = 0; j < op->aggregate_count; j++)
            set_column(op, op->expr_count + j, op->aggregate_index, j, op->aggregates[j]->type,
                       op->aggregates[j]->alias);
        return SL_OK;
    }
    case SL_LOP_WINDOW: {
        if (op->child_count != 1)
            return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW needs exactly one child");
        const sl_logical_op *child = op->children[0];
        SL_TRY(alloc_columns(ctx, op, child->column_count + op->expr_count, err));
        copy_columns(op, 0, child, child->column_count);
        for (uint32_t k = 0; k < op->expr_count; k++)
            set_column(op, child->column_count + k, op->window_index, k, op->exprs[k]->type,
                       op->exprs[k]->alias);
        return SL_OK;
    }
    case SL_LOP_JOIN: {
        if (op->child_count != 2)
            return sl_error_set(err, SL_ERR_INTERNAL, "JOIN needs exactly two children");
        const sl_logical_op *l = op->children[0], *r = op->children[1];
        switch (op->join_type) {
        case SL_JOIN_SEMI:
        case SL_JOIN_ANTI:
            SL_TRY(alloc_columns(ctx, op, l->column_count, err));
            copy_columns(op, 0, l, l->column_count);
            return SL_OK;
        case SL_JOIN_MARK:
            SL_TRY(alloc_columns(ctx, op, l->column_count + 1, err));
            copy_columns(op, 0, l, l->column_count);
            set_column(op, l->column_count, op->mark_index, 0, sl_type_make(SL_TYPE_BOOLEAN), "mark");
            return SL_OK;
        default:
            SL_TRY(alloc_columns(ctx, op, l->column_count + r->column_count, err));
            copy_columns(op, 0, l, l->column_count);
            copy_columns(op, l->column_count, r, r->column_count);
            return SL_OK;
        }
    }
    case SL_LOP_WINDOW_TVF: {
        if (op->child_count != 1)
            return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW_TVF needs exactly one child");
        const sl_logical_op *child = op->children[0];
        SL_TRY(alloc_columns(ctx, op, child->column_count + 3, err));
        copy_columns(op, 0, child, child->column_count);
        static const char *const window_names[3] = { "window_start", "window_end", "window_time" };
        for (uint32_t k = 0; k < 3; k++)
            set_column(op, child->column_count + k, op->table_index, k, sl_type_make(SL_TYPE_TIMESTAMP),
                       window_names[k]);
        return SL_OK;
    }
    case SL_LOP_SETOP: {
        if (op->child_count != 2)
            return sl_error_set(err, SL_ERR_INTERNAL, "set operation needs exactly two children");
        const sl_logical_op *l = op->children[0];
        SL_TRY(alloc_columns(ctx, op, l->column_count, err));
        for (uint32_t i = 0; i < l->column_count; i++)
            set_column(op, i, op->table_index, i, l->types[i], l->names ? l->names[i] : NULL);
        return SL_OK;
    }
    }
    return sl_error_set(err, SL_ERR_INTERNAL, "unknown logical operator kind %d", (int)op->kind);
}

/* ---------------------------------------------------------------- printing */

/* snprintf-like appender: tracks the full length, writes what fits. */
typedef struct out_buf {
    char *buf;
    size_t cap;
    size_t len;
} out_buf;

static void out_printf(out_buf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_printf(out_buf *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void out_expr(out_buf *o, const sl_expr *e)
{
    if (!e) {
        out_printf(o, "<null>");
        return;
    }
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    char scratch[1];
    size_t n = room ? sl_expr_to_string(e, o->buf + o->len, room) : sl_expr_to_string(e, scratch, 1);
    o->len += n;
    if (o->cap > 0 && o->len >= o->cap)
        o->buf[o->cap - 1] = '\0';
}

static void out_exprs(out_buf *o, sl_expr *const *exprs, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            out_printf(o, ", ");
        out_expr(o, exprs[i]);
    }
}

static void out_orders(out_buf *o, const sl_order_spec *orders, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        if (i)
            out_printf(o, ", ");
        out_expr(o, orders[i].expr);
        out_printf(o, "%s%s", orders[i].descending ? " DESC" : " ASC",
                   orders[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
    }
}

const char *sl_window_kind_name(sl_window_kind kind)
{
    switch (kind) {
    case SL_WINDOW_TUMBLE: return "TUMBLE";
    case SL_WINDOW_HOP: return "HOP";
    case SL_WINDOW_CUMULATE: return "CUMULATE";
    case SL_WINDOW_SESSION: return "SESSION";
    }
    return "?";
}

const char *sl_join_type_name(sl_join_type t)
{
    switch (t) {
    case SL_JOIN_INNER: return "INNER";
    case SL_JOIN_LEFT: return "LEFT";
    case SL_JOIN_RIGHT: return "RIGHT";
    case SL_JOIN_FULL: return "FULL";
    case SL_JOIN_SEMI: return "SEMI";
    case SL_JOIN_ANTI: return "ANTI";
    case SL_JOIN_MARK: return "MARK";
    case SL_JOIN_SINGLE: return "SINGLE";
    }
    return "?";
}

/* Prints the operator's output bindings as [#t.c, ...]. */
static void out_bindings(out_buf *o, const sl_logical_op *op)
{
    out_printf(o, " -> [");
    for (uint32_t i = 0; i < op->column_count; i++)
        out_printf(o, "%s#%u.%u", i ? ", " : "", op->columns[i].table_index, op->columns[i].column_index);
    out_printf(o, "]");
}

static void out_op(out_buf *o, const sl_logical_op *op, int depth);

/* Prints the plans of subqueries inside e (below the operator that holds them). */
static void out_subqueries(out_buf *o, const sl_expr *e, int depth)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_SUBQUERY && e->subquery) {
        for (int i = 0; i < depth; i++)
            out_printf(o, "  ");
        out_printf(o, "[subquery]\n");
        out_op(o, e->subquery, depth + 1);
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        out_subqueries(o, e->args[i], depth);
}

static void out_op_subqueries(out_buf *o, const sl_logical_op *op, int depth)
{
    for (uint32_t i = 0; i < op->predicate_count; i++)
        out_subqueries(o, op->predicates[i], depth);
    for (uint32_t i = 0; i < op->expr_count; i++)
        out_subqueries(o, op->exprs[i], depth);
    for (uint32_t i = 0; i < op->aggregate_count; i++)
        out_subqueries(o, op->aggregates[i], depth);
    for (uint32_t i = 0; i < op->order_count; i++)
        out_subqueries(o, op->orders[i].expr, depth);
    out_subqueries(o, op->condition, depth);
}

static void out_op(out_buf *o, const sl_logical_op *op, int depth)
{
    for (int i = 0; i < depth; i++)
        out_printf(o, "  ");
    switch (op->kind) {
    case SL_LOP_SCAN:
        out_printf(o, "SCAN %s", op->table && op->table->name ? op->table->name : "?");
        break;
    case SL_LOP_TABLE_FUNCTION:
        out_printf(o, "TABLE_FUNCTION %s", op->function && op->function->name ? op->function->name : "?");
        break;
    case SL_LOP_VALUES:
        out_printf(o, "VALUES %u rows", op->row_count);
        if (op->row_count <= 4 && op->values) {
            for (uint32_t r = 0; r < op->row_count; r++) {
                out_printf(o, " (");
                out_exprs(o, op->values + (size_t)r * op->value_width, op->value_width);
                out_printf(o, ")");
            }
        }
        break;
    case SL_LOP_DUMMY:
        out_printf(o, "DUMMY");
        break;
    case SL_LOP_EMPTY:
        out_printf(o, "EMPTY");
        break;
    case SL_LOP_FILTER:
        out_printf(o, "FILTER ");
        for (uint32_t i = 0; i < op->predicate_count; i++) {
            if (i)
                out_printf(o, " AND ");
            out_expr(o, op->predicates[i]);
        }
        break;
    case SL_LOP_PROJECT:
        out_printf(o, "PROJECT ");
        out_exprs(o, op->exprs, op->expr_count);
        break;
    case SL_LOP_AGGREGATE:
        out_printf(o, "AGGREGATE groups=[");
        out_exprs(o, op->exprs, op->expr_count);
        out_printf(o, "] aggregates=[");
        out_exprs(o, op->aggregates, op->aggregate_count);
        out_printf(o, "]");
        break;
    case SL_LOP_WINDOW:
        out_printf(o, "WINDOW ");
        out_exprs(o, op->exprs, op->expr_count);
        break;
    case SL_LOP_JOIN:
        out_printf(o, "JOIN %s", sl_join_type_name(op->join_type));
        if (op->condition) {
            out_printf(o, " ON ");
            out_expr(o, op->condition);
        }
        break;
    case SL_LOP_SORT:
        out_printf(o, "SORT ");
        out_orders(o, op->orders, op->order_count);
        break;
    case SL_LOP_LIMIT:
        out_printf(o, "LIMIT %lld OFFSET %lld", (long long)op->limit, (long long)op->offset);
        break;
    case SL_LOP_DISTINCT:
        out_printf(o, "DISTINCT");
        break;
    case SL_LOP_WINDOW_TVF:
        out_printf(o, "WINDOW_TVF %s time=", sl_window_kind_name(op->window_kind));
        out_expr(o, op->window_time);
        if (op->window_kind == SL_WINDOW_HOP || op->window_kind == SL_WINDOW_CUMULATE)
            out_printf(o, " %s=%lldus", op->window_kind == SL_WINDOW_HOP ? "slide" : "step",
                       (long long)op->window_slide);
        out_printf(o, " %s=%lldus", op->window_kind == SL_WINDOW_SESSION ? "gap" : "size",
                   (long long)op->window_size);
        if (op->window_offset)
            out_printf(o, " offset=%lldus", (long long)op->window_offset);
        if (op->expr_count) {
            out_printf(o, " partition=[");
            out_exprs(o, op->exprs, op->expr_count);
            out_printf(o, "]");
        }
        break;
    case SL_LOP_SETOP:
        out_printf(o, "%s%s",
                   op->setop == SL_SETOP_UNION ? "UNION" : op->setop == SL_SETOP_INTERSECT ? "INTERSECT" : "EXCEPT",
                   op->setop_all ? " ALL" : "");
        break;
    }
    out_bindings(o, op);
    out_printf(o, "\n");
    out_op_subqueries(o, op, depth + 1);
    for (uint32_t c = 0; c < op->child_count; c++) {
        if (op->children[c])
            out_op(o, op->children[c], depth + 1);
    }
}

size_t sl_logical_to_string(const sl_logical_op *op, char *buf, size_t cap)
{
    out_buf o = { buf, cap, 0 };
    if (cap > 0)
        buf[0] = '\0';
    if (!op)
        out_printf(&o, "<no plan>\n");
    else
        out_op(&o, op, 0);
    return o.len;
}
