/*
 * column_pruning.c — projection pushdown into scans.
 *
 * Bindings are unique in the whole plan, so one pass collects every column binding that
 * is referenced anywhere (expressions of every operator, the root's output, every column
 * of a DISTINCT or set-operation input, whose rows compare whole), and a second pass
 * shrinks each SCAN's and TABLE_FUNCTION's scan_columns to the referenced columns (in
 * table / function schema order); a table function with an init_projected hook then
 * produces only those. A scan nobody reads a column of (count(*)) keeps its first column
 * so batches still carry row counts. A projection's outputs nobody reads (a view's
 * `SELECT *` under a query using two of its columns) are removed, and the columns only they
 * read are no longer read below; since a projection's bindings are its positions, the
 * references to the outputs that stay are renumbered in one walk over the plan that visits
 * every operator and expression node once (subtrees and expressions may be shared).
 * Collecting runs top-down, so a projection knows which of its outputs its ancestors read
 * before it adds what its expressions read. Aggregates are not pruned.
 */
#include "plan/optimizer.h"

#include "catalog/catalog.h"

typedef struct binding_set {
    sl_column_binding *items;
    size_t count, capacity;
} binding_set;

static bool set_has(const binding_set *s, sl_column_binding b)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i].table_index == b.table_index && s->items[i].column_index == b.column_index)
            return true;
    return false;
}

static sl_status set_add(binding_set *s, sl_column_binding b, sl_error *err)
{
    if (set_has(s, b))
        return SL_OK;
    SL_TRY(sl_array_reserve((void **)&s->items, &s->capacity, s->count + 1, sizeof b, err));
    s->items[s->count++] = b;
    return SL_OK;
}

static sl_status add_expr(binding_set *s, const sl_expr *e, sl_error *err)
{
    if (!e)
        return SL_OK;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0)
        return set_add(s, e->binding, err);
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(add_expr(s, e->args[i], err));
    SL_TRY(add_expr(s, e->filter, err));
    for (uint32_t i = 0; i < e->order_count; i++)
        SL_TRY(add_expr(s, e->order_by[i], err));
    if (e->window) {
        for (uint32_t i = 0; i < e->window->partition_count; i++)
            SL_TRY(add_expr(s, e->window->partitions[i], err));
        for (uint32_t i = 0; i < e->window->order_count; i++)
            SL_TRY(add_expr(s, e->window->orders[i].expr, err));
        SL_TRY(add_expr(s, e->window->start_offset, err));
        SL_TRY(add_expr(s, e->window->end_offset, err));
    }
    return SL_OK;
}

static sl_status add_all_columns(binding_set *s, const sl_logical_op *op, sl_error *err)
{
    for (uint32_t i = 0; i < op->column_count; i++)
        SL_TRY(set_add(s, op->columns[i], err));
    return SL_OK;
}

static sl_status collect(binding_set *s, const sl_logical_op *op, sl_error *err)
{
    for (uint32_t i = 0; i < op->predicate_count; i++)
        SL_TRY(add_expr(s, op->predicates[i], err));
    if (op->kind == SL_LOP_PROJECT) {
        /* only the outputs someone reads pull in what they read; one output always stays
         * (count(*) over a projection still needs rows) */
        bool any = false;
        for (uint32_t i = 0; i < op->expr_count; i++)
            any |= set_has(s, (sl_column_binding){ op->table_index, i });
        if (!any && op->expr_count)
            SL_TRY(set_add(s, (sl_column_binding){ op->table_index, op->expr_count - 1 }, err));
        for (uint32_t i = 0; i < op->expr_count; i++)
            if (set_has(s, (sl_column_binding){ op->table_index, i }))
                SL_TRY(add_expr(s, op->exprs[i], err));
    } else {
        for (uint32_t i = 0; i < op->expr_count; i++)
            SL_TRY(add_expr(s, op->exprs[i], err));
    }
    for (uint32_t i = 0; i < op->aggregate_count; i++)
        SL_TRY(add_expr(s, op->aggregates[i], err));
    for (uint32_t i = 0; i < op->order_count; i++)
        SL_TRY(add_expr(s, op->orders[i].expr, err));
    if (op->kind == SL_LOP_VALUES)
        for (uint32_t i = 0; i < op->row_count * op->value_width; i++)
            SL_TRY(add_expr(s, op->values[i], err));
    SL_TRY(add_expr(s, op->condition, err));
    SL_TRY(add_expr(s, op->watermark, err));   /* a source keeps what its watermark reads */
    SL_TRY(add_expr(s, op->window_time, err));  /* a WINDOW_TVF keeps its time column */
    if (op->kind == SL_LOP_SETOP || op->kind == SL_LOP_DISTINCT)
        for (uint32_t i = 0; i < op->child_count; i++)
            SL_TRY(add_all_columns(s, op->children[i], err));
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(collect(s, op->children[i], err));
    return SL_OK;
}

/* New positions of the projections' outputs: remap[table_index] (NULL = unchanged),
 * old position -> new, -1 for a removed output. */
typedef struct remap_table {
    int32_t **remap;
    uint32_t size;
    bool any;
    /* pointers already renumbered (ops and expression nodes can be shared) */
    const void **seen;
    size_t seen_count, seen_capacity;
} remap_table;

/* Drops the outputs of projection `op` nobody reads (keeping at least one). */
static sl_status prune_projection(sl_plan_context *ctx, const binding_set *s, sl_logical_op *op, remap_table *r,
                                  sl_error *err)
{
    if (op->table_index >= r->size || r->remap[op->table_index] || op->expr_count < 2)
        return SL_OK;   /* seen already (a shared subtree), or nothing to gain */
    int32_t *map = sl_arena_alloc(ctx->arena, sizeof *map * op->expr_count);
    if (!map)
        return sl_error_oom(err);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < op->expr_count; i++) {
        bool read = set_has(s, (sl_column_binding){ op->table_index, i });
        map[i] = read ? (int32_t)kept : -1;
        if (read)
            op->exprs[kept++] = op->exprs[i];
    }
    if (kept == op->expr_count)
        return SL_OK;
    op->expr_count = kept;
    r->remap[op->table_index] = map;
    r->any = true;
    return SL_OK;
}

static bool seen_before(remap_table *r, const void *p, sl_error *err, sl_status *st)
{
    for (size_t i = 0; i < r->seen_count; i++)
        if (r->seen[i] == p)
            return true;
    *st = sl_array_reserve((void **)&r->seen, &r->seen_capacity, r->seen_count + 1, sizeof *r->seen, err);
    if (*st == SL_OK)
        r->seen[r->seen_count++] = p;
    return false;
}

static sl_status remap_expr(remap_table *r, sl_expr *e, sl_error *err)
{
    sl_status st = SL_OK;
    if (!e || seen_before(r, e, err, &st))
        return st;
    SL_TRY(st);
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0 && e->binding.table_index < r->size &&
        r->remap[e->binding.table_index]) {
        int32_t to = r->remap[e->binding.table_index][e->binding.column_index];
        if (to < 0)
            return sl_error_set(err, SL_ERR_INTERNAL, "column pruning removed a column that is read");
        e->binding.column_index = (uint32_t)to;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(remap_expr(r, e->args[i], err));
    SL_TRY(remap_expr(r, e->filter, err));
    for (uint32_t i = 0; i < e->order_count; i++)
        SL_TRY(remap_expr(r, e->order_by[i], err));
    if (e->window) {
        for (uint32_t i = 0; i < e->window->partition_count; i++)
            SL_TRY(remap_expr(r, e->window->partitions[i], err));
        for (uint32_t i = 0; i < e->window->order_count; i++)
            SL_TRY(remap_expr(r, e->window->orders[i].expr, err));
        SL_TRY(remap_expr(r, e->window->start_offset, err));
        SL_TRY(remap_expr(r, e->window->end_offset, err));
    }
    return SL_OK;
}

static sl_status remap_op(remap_table *r, sl_logical_op *op, sl_error *err)
{
    sl_status st = SL_OK;
    if (seen_before(r, op, err, &st))
        return st;
    SL_TRY(st);
    for (uint32_t i = 0; i < op->predicate_count; i++)
        SL_TRY(remap_expr(r, op->predicates[i], err));
    for (uint32_t i = 0; i < op->expr_count; i++)
        SL_TRY(remap_expr(r, op->exprs[i], err));
    for (uint32_t i = 0; i < op->aggregate_count; i++)
        SL_TRY(remap_expr(r, op->aggregates[i], err));
    for (uint32_t i = 0; i < op->order_count; i++)
        SL_TRY(remap_expr(r, op->orders[i].expr, err));
    if (op->kind == SL_LOP_VALUES)
        for (uint32_t i = 0; i < op->row_count * op->value_width; i++)
            SL_TRY(remap_expr(r, op->values[i], err));
    SL_TRY(remap_expr(r, op->condition, err));
    SL_TRY(remap_expr(r, op->watermark, err));
    SL_TRY(remap_expr(r, op->window_time, err));
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(remap_op(r, op->children[i], err));
    return SL_OK;
}

static sl_status prune(sl_plan_context *ctx, const binding_set *s, sl_logical_op *op, remap_table *r, sl_error *err)
{
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(prune(ctx, s, op->children[i], r, err));
    if (op->kind == SL_LOP_PROJECT)
        return prune_projection(ctx, s, op, r, err);
    uint32_t column_count;
    if (op->kind == SL_LOP_SCAN && op->table)
        column_count = op->table->column_count;
    else if (op->kind == SL_LOP_TABLE_FUNCTION && op->function)
        column_count = op->function_column_count;
    else
        return SL_OK;
    uint32_t *ids = sl_arena_alloc(ctx->arena, sizeof(uint32_t) * (column_count + 1));
    if (!ids)
        return sl_error_oom(err);
    uint32_t n = 0;
    for (uint32_t c = 0; c < column_count; c++) {
        sl_column_binding b = { op->table_index, c };
        if (set_has(s, b))
            ids[n++] = c;
    }
    if (n == 0 && column_count > 0)
        ids[n++] = 0;
    op->scan_columns = ids;
    op->scan_column_count = n;
    return SL_OK;
}

sl_status sl_optimize_column_pruning(sl_plan_context *ctx, sl_logical_op *root, sl_error *err)
{
    binding_set s = { 0 };
    remap_table r = { 0 };
    r.size = ctx->next_table_index;
    r.remap = sl_calloc(r.size ? r.size : 1, sizeof *r.remap);
    sl_status st = r.remap ? add_all_columns(&s, root, err) : sl_error_oom(err);
    if (st == SL_OK)
        st = collect(&s, root, err);
    if (st == SL_OK)
        st = prune(ctx, &s, root, &r, err);
    if (st == SL_OK && r.any)
        st = remap_op(&r, root, err);
    if (st == SL_OK)
        st = sl_logical_refresh(ctx, root, err);
    sl_free(s.items);
    sl_free(r.remap);
    sl_free(r.seen);
    return st;
}
