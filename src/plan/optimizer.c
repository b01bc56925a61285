/*
 * optimizer.c — the optimizer driver (rule order) and expression/plan helpers shared by
 * the rule files. See optimizer.h for the rule list and README.md for the data flow.
 */
#include "plan/optimizer.h"

#include <string.h>

#include "expr/function.h"

sl_status sl_expr_list_push(sl_arena *arena, sl_expr_list *list, sl_expr *e, sl_error *err)
{
    if (list->count == list->capacity) {
        uint32_t cap = list->capacity ? list->capacity * 2 : 8;
        sl_expr **items = sl_arena_alloc(arena, sizeof(sl_expr *) * cap);
        if (!items)
            return sl_error_oom(err);
        if (list->count)
            memcpy(items, list->items, sizeof(sl_expr *) * list->count);
        list->items = items;
        list->capacity = cap;
    }
    list->items[list->count++] = e;
    return SL_OK;
}

sl_status sl_expr_split_conjuncts(sl_arena *arena, const sl_expr *e, sl_expr_list *list, sl_error *err)
{
    if (!e)
        return SL_OK;
    if (e->kind == SL_EXPR_AND) {
        for (uint32_t i = 0; i < e->arg_count; i++)
            SL_TRY(sl_expr_split_conjuncts(arena, e->args[i], list, err));
        return SL_OK;
    }
    return sl_expr_list_push(arena, list, (sl_expr *)e, err);
}

sl_expr *sl_expr_make_and(sl_arena *arena, sl_expr **items, uint32_t count)
{
    if (count == 0)
        return NULL;
    if (count == 1)
        return items[0];
    sl_expr *e = sl_expr_new(arena, SL_EXPR_AND, sl_type_make(SL_TYPE_BOOLEAN));
    if (!e)
        return NULL;
    e->args = sl_arena_alloc(arena, sizeof(sl_expr *) * count);
    if (!e->args)
        return NULL;
    memcpy(e->args, items, sizeof(sl_expr *) * count);
    e->arg_count = count;
    return e;
}

static sl_window_spec *clone_window(sl_arena *arena, const sl_window_spec *w)
{
    sl_window_spec *c = sl_arena_alloc(arena, sizeof *c);
    if (!c)
        return NULL;
    *c = *w;
    if (w->partition_count) {
        c->partitions = sl_arena_alloc(arena, sizeof(sl_expr *) * w->partition_count);
        if (!c->partitions)
            return NULL;
        for (uint32_t i = 0; i < w->partition_count; i++)
            if (!(c->partitions[i] = sl_expr_clone(arena, w->partitions[i])))
                return NULL;
    }
    if (w->order_count) {
        c->orders = sl_arena_alloc(arena, sizeof(sl_order_spec) * w->order_count);
        if (!c->orders)
            return NULL;
        for (uint32_t i = 0; i < w->order_count; i++) {
            c->orders[i] = w->orders[i];
            if (!(c->orders[i].expr = sl_expr_clone(arena, w->orders[i].expr)))
                return NULL;
        }
    }
    if (w->start_offset && !(c->start_offset = sl_expr_clone(arena, w->start_offset)))
        return NULL;
    if (w->end_offset && !(c->end_offset = sl_expr_clone(arena, w->end_offset)))
        return NULL;
    return c;
}

sl_expr *sl_expr_clone(sl_arena *arena, const sl_expr *e)
{
    if (!e)
        return NULL;
    sl_expr *c = sl_arena_alloc(arena, sizeof *c);
    if (!c)
        return NULL;
    *c = *e;
    if (e->arg_count) {
        c->args = sl_arena_alloc(arena, sizeof(sl_expr *) * e->arg_count);
        if (!c->args)
            return NULL;
        for (uint32_t i = 0; i < e->arg_count; i++)
            if (e->args[i] && !(c->args[i] = sl_expr_clone(arena, e->args[i])))
                return NULL;
    }
    if (e->filter && !(c->filter = sl_expr_clone(arena, e->filter)))
        return NULL;
    if (e->order_count) {
        c->order_by = sl_arena_alloc(arena, sizeof(sl_expr *) * e->order_count);
        if (!c->order_by)
            return NULL;
        for (uint32_t i = 0; i < e->order_count; i++)
            if (!(c->order_by[i] = sl_expr_clone(arena, e->order_by[i])))
                return NULL;
    }
    if (e->window && !(c->window = clone_window(arena, e->window)))
        return NULL;
    return c;
}

sl_status sl_expr_make_compare(sl_arena *arena, const char *op, sl_expr *left, sl_expr *right, sl_expr **out,
                               sl_error *err)
{
    sl_expr *args[2] = { left, right };
    return sl_function_bind(arena, op, args, 2, left->position, out, err);
}

bool sl_expr_is_call(const sl_expr *e, const char *op)
{
    return e && e->kind == SL_EXPR_CALL && e->arg_count == 2 && e->function && e->function->name &&
           strcmp(e->function->name, op) == 0;
}

/* Generic "any node satisfies pred" walk over args, aggregate filter / ORDER BY and window
 * spec (not into subquery plans). */
typedef bool (*node_pred)(const sl_expr *e, const void *arg);

static bool expr_any(const sl_expr *e, node_pred pred, const void *arg)
{
    if (!e)
        return false;
    if (pred(e, arg))
        return true;
    for (uint32_t i = 0; i < e->arg_count; i++)
        if (expr_any(e->args[i], pred, arg))
            return true;
    if (expr_any(e->filter, pred, arg))
        return true;
    for (uint32_t i = 0; i < e->order_count; i++)
        if (expr_any(e->order_by[i], pred, arg))
            return true;
    if (e->window) {
        const sl_window_spec *w = e->window;
        for (uint32_t i = 0; i < w->partition_count; i++)
            if (expr_any(w->partitions[i], pred, arg))
                return true;
        for (uint32_t i = 0; i < w->order_count; i++)
            if (expr_any(w->orders[i].expr, pred, arg))
                return true;
        if (expr_any(w->start_offset, pred, arg) || expr_any(w->end_offset, pred, arg))
            return true;
    }
    return false;
}

static bool is_correlated_node(const sl_expr *e, const void *arg)
{
    return e->kind == SL_EXPR_COLUMN && e->depth >= 1;
}
static bool is_subquery_node(const sl_expr *e, const void *arg) { return e->kind == SL_EXPR_SUBQUERY; }
static bool is_volatile_node(const sl_expr *e, const void *arg)
{
    return e->kind == SL_EXPR_CALL && e->function && e->function->is_volatile;
}
static bool is_unbound_column(const sl_expr *e, const void *arg)
{
    return e->kind == SL_EXPR_COLUMN && e->depth == 0 &&
           sl_logical_find_column((const sl_logical_op *)arg, e->binding) < 0;
}
static bool is_bound_column(const sl_expr *e, const void *arg)
{
    return e->kind == SL_EXPR_COLUMN && e->depth == 0 &&
           sl_logical_find_column((const sl_logical_op *)arg, e->binding) >= 0;
}

bool sl_expr_has_correlated(const sl_expr *e) { return expr_any(e, is_correlated_node, NULL); }
bool sl_expr_has_subquery(const sl_expr *e) { return expr_any(e, is_subquery_node, NULL); }
bool sl_expr_has_volatile(const sl_expr *e) { return expr_any(e, is_volatile_node, NULL); }
bool sl_expr_bound_by(const sl_expr *e, const sl_logical_op *op) { return !expr_any(e, is_unbound_column, op); }
bool sl_expr_references(const sl_expr *e, const sl_logical_op *op) { return expr_any(e, is_bound_column, op); }

int sl_logical_find_column(const sl_logical_op *op, sl_column_binding b)
{
    for (uint32_t i = 0; i < op->column_count; i++)
        if (op->columns[i].table_index == b.table_index && op->columns[i].column_index == b.column_index)
            return (int)i;
    return -1;
}

static sl_expr *substitute_in_place(sl_arena *arena, sl_expr *e, uint32_t table_index, sl_expr *const *exprs,
                                    uint32_t count, bool *oom)
{
    if (!e)
        return NULL;
    if (e->kind == SL_EXPR_COLUMN) {
        if (e->depth == 0 && e->binding.table_index == table_index && e->binding.column_index < count) {
            sl_expr *r = sl_expr_clone(arena, exprs[e->binding.column_index]);
            if (!r)
                *oom = true;
            else if (e->alias && !r->alias)
                r->alias = e->alias;
            return r;
        }
        return e;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        e->args[i] = substitute_in_place(arena, e->args[i], table_index, exprs, count, oom);
    e->filter = substitute_in_place(arena, e->filter, table_index, exprs, count, oom);
    for (uint32_t i = 0; i < e->order_count; i++)
        e->order_by[i] = substitute_in_place(arena, e->order_by[i], table_index, exprs, count, oom);
    if (e->window) {
        sl_window_spec *w = e->window;
        for (uint32_t i = 0; i < w->partition_count; i++)
            w->partitions[i] = substitute_in_place(arena, w->partitions[i], table_index, exprs, count, oom);
        for (uint32_t i = 0; i < w->order_count; i++)
            w->orders[i].expr = substitute_in_place(arena, w->orders[i].expr, table_index, exprs, count, oom);
    }
    return e;
}

sl_expr *sl_expr_substitute(sl_arena *arena, const sl_expr *e, uint32_t table_index, sl_expr *const *exprs,
                            uint32_t count)
{
    sl_expr *c = sl_expr_clone(arena, e);
    if (!c)
        return NULL;
    bool oom = false;
    c = substitute_in_place(arena, c, table_index, exprs, count, &oom);
    return oom ? NULL : c;
}

sl_status sl_logical_refresh(sl_plan_context *ctx, sl_logical_op *op, sl_error *err)
{
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(sl_logical_refresh(ctx, op->children[i], err));
    if (op->kind == SL_LOP_EMPTY)
        return SL_OK;
    return sl_logical_columns(ctx, op, err);
}

/* Wraps `op` in a PROJECT that outputs exactly the given bindings (used when a rewrite
 * widened the root's output). */
static sl_status restore_columns(sl_plan_context *ctx, sl_logical_op *op, uint32_t count,
                                 const sl_column_binding *cols, const sl_type *types, const char *const *names,
                                 sl_logical_op **out, sl_error *err)
{
    bool same = op->column_count == count;
    for (uint32_t i = 0; same && i < count; i++)
        same = op->columns[i].table_index == cols[i].table_index &&
               op->columns[i].column_index == cols[i].column_index;
    if (same) {
        *out = op;
        return SL_OK;
    }
    sl_logical_op *p = sl_logical_new(ctx, SL_LOP_PROJECT, 1);
    if (!p)
        return sl_error_oom(err);
    p->children[0] = op;
    p->table_index = ctx->next_table_index++;
    p->expr_count = count;
    p->exprs = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * (count ? count : 1));
    if (!p->exprs)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        if (sl_logical_find_column(op, cols[i]) < 0)
            return sl_error_set(err, SL_ERR_INTERNAL, "optimizer lost output column %u of the query", i);
        sl_expr *c = sl_expr_column(ctx->arena, types[i], cols[i].table_index, cols[i].column_index);
        if (!c)
            return sl_error_oom(err);
        c->alias = names ? names[i] : NULL;
        p->exprs[i] = c;
    }
    SL_TRY(sl_logical_columns(ctx, p, err));
    *out = p;
    return SL_OK;
}

sl_status sl_optimize(sl_plan_context *ctx, sl_logical_op *root, sl_logical_op **out, sl_error *err)
{
    SL_TRY(sl_logical_refresh(ctx, root, err));
    uint32_t count = root->column_count;
    sl_column_binding *cols = sl_arena_alloc(ctx->arena, sizeof(sl_column_binding) * (count + 1));
    sl_type *types = sl_arena_alloc(ctx->arena, sizeof(sl_type) * (count + 1));
    const char **names = sl_arena_alloc(ctx->arena, sizeof(char *) * (count + 1));
    if (!cols || !types || !names)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        cols[i] = root->columns[i];
        types[i] = root->types[i];
        names[i] = root->names ? root->names[i] : NULL;
    }

    sl_logical_op *plan = root;
    SL_TRY(sl_optimize_decorrelate(ctx, &plan, err));
    SL_TRY(sl_optimize_fold(ctx, &plan, err));
    SL_TRY(sl_optimize_pushdown(ctx, &plan, err));
    SL_TRY(sl_optimize_join_order(ctx, &plan, err));
    SL_TRY(sl_logical_refresh(ctx, plan, err));
    SL_TRY(restore_columns(ctx, plan, count, cols, types, names, &plan, err));
    SL_TRY(sl_optimize_column_pruning(ctx, plan, err));
    SL_TRY(sl_logical_refresh(ctx, plan, err));
    *out = plan;
    return SL_OK;
}
