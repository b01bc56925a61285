/*
 * bind_query.c — queries: WITH, SELECT cores (FROM, WHERE, GROUP BY, HAVING, windows,
 * QUALIFY, select list, DISTINCT), set operations, VALUES, ORDER BY and LIMIT/OFFSET.
 *
 * Plan shape of a SELECT core (see binder.h):
 *   FROM ─► FILTER(where) [─► WINDOW_TVF of a legacy group window, bind_window.c]
 *   ─► AGGREGATE ─► FILTER(having) ─► WINDOW ─► FILTER(qualify)
 *   ─► PROJECT(select ++ hidden order columns) ─► DISTINCT ─► SORT ─► LIMIT ─► PROJECT(drop hidden)
 *
 * GROUP BY items may be expressions over FROM columns, 1-based ordinals of the select
 * list, or select-list aliases (when the name is not a FROM column, as in DuckDB).
 * ORDER BY items may be ordinals, output names, or expressions (matched structurally
 * against the select list, otherwise added as hidden projection columns).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind_internal.h"

static sl_status oom(sl_error *err) { return sl_error_oom(err); }

sl_status sl_bind_subquery(sl_binder *b, sl_binder *parent, const sl_ast_query *q, const sl_bind_cte *ctes,
                           int nesting, const char *sql, sl_logical_op **out, sl_error *err)
{
    sl_binder child;
    sl_binder_init(&child, b->ctx, b->catalog, sql, b->options, parent, ctes, nesting);
    return sl_bind_query(&child, q, out, err);
}

sl_status sl_bind_fold_constant(sl_binder *b, sl_expr *e, sl_value *out, sl_error *err)
{
    if (!sl_expr_is_foldable(e))
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position, "expected a constant expression");
    sl_value v;
    sl_status st = sl_expr_evaluate_constant(e, b->options ? b->options->eval : NULL, &v, err);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = e->position;
        return st;
    }
    if (v.type.id == SL_TYPE_VARCHAR && !v.is_null) {
        char *copy = sl_arena_strndup(b->arena, v.v.str.data, v.v.str.length);
        uint32_t len = v.v.str.length;
        sl_value_free(&v);
        if (!copy)
            return oom(err);
        v.type = sl_type_make(SL_TYPE_VARCHAR);
        v.is_null = false;
        v.v.str.data = copy;
        v.v.str.length = len;
    }
    *out = v;
    return SL_OK;
}

sl_status sl_bind_cast_columns(sl_binder *b, sl_logical_op *plan, const sl_type *types, sl_logical_op **out,
                               sl_error *err)
{
    bool same = true;
    for (uint32_t i = 0; i < plan->column_count && same; i++)
        same = sl_type_equal(plan->types[i], types[i]);
    if (same) {
        *out = plan;
        return SL_OK;
    }
    sl_logical_op *proj = sl_bind_new_op(b, SL_LOP_PROJECT, 1, err);
    if (!proj)
        return err ? err->code : SL_ERR_OOM;
    proj->children[0] = plan;
    proj->table_index = sl_bind_next_index(b);
    proj->expr_count = plan->column_count;
    proj->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (plan->column_count ? plan->column_count : 1));
    if (!proj->exprs)
        return oom(err);
    for (uint32_t i = 0; i < plan->column_count; i++) {
        sl_expr *c = sl_expr_column(b->arena, plan->types[i], plan->columns[i].table_index,
                                    plan->columns[i].column_index);
        if (!c)
            return oom(err);
        c->alias = plan->names ? plan->names[i] : NULL;
        SL_TRY(sl_bind_cast(b, c, types[i], &proj->exprs[i], err));
        if (proj->exprs[i] != c) {
            proj->exprs[i] = sl_expr_copy(b->arena, proj->exprs[i]);
            if (!proj->exprs[i])
                return oom(err);
            proj->exprs[i]->alias = c->alias;
        }
    }
    SL_TRY(sl_logical_columns(b->ctx, proj, err));
    *out = proj;
    return SL_OK;
}

/* Appends the conjuncts of e (flattening AND) to a FILTER node's predicate list. */
static sl_status add_filter(sl_binder *b, sl_logical_op **plan, sl_expr *pred, sl_error *err)
{
    sl_logical_op *f = sl_bind_new_op(b, SL_LOP_FILTER, 1, err);
    if (!f)
        return err ? err->code : SL_ERR_OOM;
    f->children[0] = *plan;
    if (pred->kind == SL_EXPR_AND) {
        f->predicate_count = pred->arg_count;
        f->predicates = pred->args;
    } else {
        f->predicates = sl_arena_alloc(b->arena, sizeof(sl_expr *));
        if (!f->predicates)
            return oom(err);
        f->predicates[0] = pred;
        f->predicate_count = 1;
    }
    SL_TRY(sl_logical_columns(b->ctx, f, err));
    *plan = f;
    return SL_OK;
}

static sl_status bind_predicate(sl_binder *b, const sl_ast_expr *ast, sl_bind_mode mode, bool rewrite,
                                const char *what, sl_expr **out, sl_error *err)
{
    sl_expr *e;
    SL_TRY(sl_bind_expr(b, ast, mode, &e, err));
    if (rewrite)
        SL_TRY(sl_bind_rewrite_groups(b, e, &e, err));
    if (e->type.id != SL_TYPE_BOOLEAN) {
        if (e->type.id != SL_TYPE_NULL) {
            char tn[32];
            return sl_error_set_at(err, SL_ERR_TYPE, ast->position, "%s must be of type BOOLEAN, not %s", what,
                                   sl_type_name(e->type, tn, sizeof tn));
        }
        SL_TRY(sl_bind_cast(b, e, sl_type_make(SL_TYPE_BOOLEAN), &e, err));
    }
    *out = e;
    return SL_OK;
}

/* Folds a LIMIT / OFFSET expression to a non-negative int64; NULL means "none" (-1). */
static sl_status bind_limit_value(sl_binder *b, const sl_ast_expr *ast, const char *what, int64_t *out,
                                  sl_error *err)
{
    sl_binder cb;
    sl_binder_init(&cb, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, b->nesting);
    sl_expr *e;
    SL_TRY(sl_bind_expr(&cb, ast, SL_BIND_PLAIN, &e, err));
    if (!sl_expr_is_foldable(e))
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "%s must be a constant", what);
    if (!sl_type_is_integer(e->type) && e->type.id != SL_TYPE_NULL)
        SL_TRY(sl_bind_cast(&cb, e, sl_type_make(SL_TYPE_BIGINT), &e, err));
    sl_value v;
    SL_TRY(sl_bind_fold_constant(&cb, e, &v, err));
    if (v.is_null) {
        *out = -1;
        return SL_OK;
    }
    if (v.v.i64 < 0)
        return sl_error_set_at(err, SL_ERR_INVALID_INPUT, ast->position, "%s must not be negative", what);
    *out = v.v.i64;
    return SL_OK;
}

static sl_status bind_limit(sl_binder *b, const sl_ast_query *q, sl_logical_op **plan, sl_error *err)
{
    if (!q->limit && !q->offset)
        return SL_OK;
    int64_t limit = -1, offset = 0;
    if (q->limit)
        SL_TRY(bind_limit_value(b, q->limit, "LIMIT", &limit, err));
    if (q->offset) {
        SL_TRY(bind_limit_value(b, q->offset, "OFFSET", &offset, err));
        if (offset < 0)
            offset = 0;
    }
    if (limit < 0 && offset == 0)
        return SL_OK;
    sl_logical_op *l = sl_bind_new_op(b, SL_LOP_LIMIT, 1, err);
    if (!l)
        return err ? err->code : SL_ERR_OOM;
    l->children[0] = *plan;
    l->limit = limit;
    l->offset = offset;
    SL_TRY(sl_logical_columns(b->ctx, l, err));
    *plan = l;
    return SL_OK;
}

static sl_status add_sort(sl_binder *b, sl_logical_op **plan, sl_order_spec *orders, uint32_t n, sl_error *err)
{
    if (n == 0)
        return SL_OK;
    sl_logical_op *s = sl_bind_new_op(b, SL_LOP_SORT, 1, err);
    if (!s)
        return err ? err->code : SL_ERR_OOM;
    s->children[0] = *plan;
    s->orders = orders;
    s->order_count = n;
    SL_TRY(sl_logical_columns(b->ctx, s, err));
    *plan = s;
    return SL_OK;
}

static bool ordinal_of(const sl_ast_expr *e, int64_t *out)
{
    if (e->kind != SL_AST_EXPR_CONSTANT || e->constant.kind != SL_AST_CONST_INTEGER || !e->constant.text)
        return false;
    *out = strtoll(e->constant.text, NULL, 10);
    return true;
}

static sl_expr *plan_column(sl_binder *b, const sl_logical_op *plan, uint32_t i, int position)
{
    sl_expr *c = sl_expr_column(b->arena, plan->types[i], plan->columns[i].table_index, plan->columns[i].column_index);
    if (c) {
        c->position = position;
        c->alias = plan->names ? plan->names[i] : NULL;
    }
    return c;
}

/* ORDER BY + LIMIT over the output of a set operation or VALUES: items are ordinals or
 * expressions over the output columns (by name). */
static sl_status bind_result_modifiers(sl_binder *b, const sl_ast_query *q, sl_logical_op **plan, sl_error *err)
{
    if (q->order_count > 0) {
        sl_binder ob;
        sl_binder_init(&ob, b->ctx, b->catalog, b->sql, b->options, b->parent, b->ctes, b->nesting);
        SL_TRY(sl_bind_scope_add(&ob, NULL, (*plan)->column_count, (*plan)->names, (*plan)->types,
                                 (*plan)->columns, q->position, err));
        sl_order_spec *orders = sl_arena_calloc(b->arena, sizeof *orders * q->order_count);
        if (!orders)
            return oom(err);
        for (uint32_t i = 0; i < q->order_count; i++) {
            const sl_ast_order_item *it = &q->order_by[i];
            int64_t k;
            if (ordinal_of(it->expr, &k)) {
                if (k < 1 || k > (*plan)->column_count)
                    return sl_error_set_at(err, SL_ERR_CATALOG, it->expr->position,
                                           "ORDER term out of range - should be between 1 and %u",
                                           (*plan)->column_count);
                orders[i].expr = plan_column(b, *plan, (uint32_t)(k - 1), it->position);
                if (!orders[i].expr)
                    return oom(err);
            } else {
                SL_TRY(sl_bind_expr(&ob, it->expr, SL_BIND_PLAIN, &orders[i].expr, err));
            }
            orders[i].descending = it->descending;
            orders[i].nulls_first = sl_bind_nulls_first(it);
        }
        SL_TRY(add_sort(b, plan, orders, q->order_count, err));
    }
    return bind_limit(b, q, plan, err);
}

/* ---------------------------------------------------------------- VALUES */

/* Binds VALUES rows. With `targets` (INSERT ... VALUES), each value is cast straight to
 * its target column's type, as PostgreSQL does, instead of unifying the rows first (so
 * VALUES ('12'), (3.7) fills an INTEGER column). */
static sl_status bind_values_as(sl_binder *b, const sl_ast_query *q, const sl_type *targets, sl_logical_op **out,
                                sl_error *err)
{
    uint32_t rows = q->values.row_count, width = q->values.column_count;
    sl_logical_op *v = sl_bind_new_op(b, SL_LOP_VALUES, 0, err);
    if (!v)
        return err ? err->code : SL_ERR_OOM;
    v->row_count = rows;
    v->value_width = width;
    v->values = sl_arena_calloc(b->arena, sizeof(sl_expr *) * ((size_t)rows * width + 1));
    sl_expr **column = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (rows ? rows : 1));
    if (!v->values || !column)
        return oom(err);
    /* VALUES rows may not reference FROM columns of this level (but may be correlated). */
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < width; c++)
            SL_TRY(sl_bind_expr(b, q->values.rows[r][c], SL_BIND_PLAIN, &v->values[(size_t)r * width + c], err));
    for (uint32_t c = 0; c < width; c++) {
        for (uint32_t r = 0; r < rows; r++)
            column[r] = v->values[(size_t)r * width + c];
        if (targets) {
            for (uint32_t r = 0; r < rows; r++)
                SL_TRY(sl_cast_bind(b->arena, column[r], targets[c], false, &column[r], err));
        } else {
            SL_TRY(sl_bind_unify(b, column, rows, "VALUES", q->position, NULL, err));
        }
        for (uint32_t r = 0; r < rows; r++)
            v->values[(size_t)r * width + c] = column[r];
    }
    v->table_index = sl_bind_next_index(b);
    SL_TRY(sl_logical_columns(b->ctx, v, err));
    *out = v;
    return SL_OK;
}

static sl_status bind_values(sl_binder *b, const sl_ast_query *q, sl_logical_op **out, sl_error *err)
{
    return bind_values_as(b, q, NULL, out, err);
}

sl_status sl_bind_insert_values(sl_binder *b, const sl_ast_query *q, const sl_type *targets, sl_logical_op **out,
                                sl_error *err)
{
    return bind_values_as(b, q, targets, out, err);
}

/* ---------------------------------------------------------------- set operations */

static sl_status bind_setop(sl_binder *b, const sl_ast_query *q, sl_logical_op **out, sl_error *err)
{
    sl_logical_op *l, *r;
    SL_TRY(sl_bind_subquery(b, b->parent, q->set_op.left, b->ctes, b->nesting, b->sql, &l, err));
    SL_TRY(sl_bind_subquery(b, b->parent, q->set_op.right, b->ctes, b->nesting, b->sql, &r, err));
    if (l->column_count != r->column_count)
        return sl_error_set_at(err, SL_ERR_CATALOG, q->position,
                               "Set operations can only apply to expressions with the same number of result columns");
    uint32_t n = l->column_count;
    sl_type *types = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
    if (!types)
        return oom(err);
    for (uint32_t i = 0; i < n; i++) {
        if (!sl_type_common(l->types[i], r->types[i], &types[i])) {
            char a[32], c[32];
            return sl_error_set_at(err, SL_ERR_TYPE, q->position,
                                   "Set operation column %u has incompatible types %s and %s", i + 1,
                                   sl_type_name(l->types[i], a, sizeof a), sl_type_name(r->types[i], c, sizeof c));
        }
        if (types[i].id == SL_TYPE_NULL)
            types[i] = sl_type_make(SL_TYPE_INTEGER);
    }
    SL_TRY(sl_bind_cast_columns(b, l, types, &l, err));
    SL_TRY(sl_bind_cast_columns(b, r, types, &r, err));
    sl_logical_op *s = sl_bind_new_op(b, SL_LOP_SETOP, 2, err);
    if (!s)
        return err ? err->code : SL_ERR_OOM;
    s->children[0] = l;
    s->children[1] = r;
    s->setop = q->set_op.op == SL_AST_SET_UNION ? SL_SETOP_UNION
               : q->set_op.op == SL_AST_SET_INTERSECT ? SL_SETOP_INTERSECT
                                                       : SL_SETOP_EXCEPT;
    s->setop_all = q->set_op.all;
    s->table_index = sl_bind_next_index(b);
    SL_TRY(sl_logical_columns(b->ctx, s, err));
    *out = s;
    return SL_OK;
}

/* ---------------------------------------------------------------- SELECT core */

typedef struct select_entry {
    const sl_ast_expr *ast;      /* NULL for star-expanded columns */
    sl_expr *expr;               /* bound */
    const char *name;            /* output name */
    const char *alias;           /* explicit alias or NULL */
} select_entry;

static bool has_column_in_from(sl_binder *b, const char *name)
{
    for (uint32_t r = 0; r < b->scope.rel_count; r++)
        for (uint32_t c = 0; c < b->scope.rels[r].column_count; c++)
            if (strcasecmp(b->scope.rels[r].names[c], name) == 0)
                return true;
    return false;
}

sl_status sl_bind_add_group(sl_binder *b, sl_expr *g, sl_error *err)
{
    for (uint32_t i = 0; i < b->group_count; i++)
        if (sl_expr_equal(b->groups[i], g))
            return SL_OK;
    SL_TRY(sl_array_reserve((void **)&b->groups, &b->group_cap, b->group_count + 1, sizeof(sl_expr *), err));
    b->groups[b->group_count++] = g;
    return SL_OK;
}

static sl_status bind_group_item(sl_binder *b, const sl_ast_expr *ast, select_entry *entries, uint32_t entry_count,
                                 sl_error *err)
{
    int64_t k;
    const sl_ast_expr *target = ast;
    sl_expr *bound = NULL;
    if (ordinal_of(ast, &k)) {
        if (k < 1 || k > entry_count)
            return sl_error_set_at(err, SL_ERR_CATALOG, ast->position,
                                   "GROUP BY term out of range - should be between 1 and %u", entry_count);
        if (!entries[k - 1].ast)
            bound = entries[k - 1].expr;
        target = entries[k - 1].ast;
    } else if (ast->kind == SL_AST_EXPR_COLUMN && ast->column.name.count == 1 &&
               !has_column_in_from(b, ast->column.name.parts[0].name)) {
        for (uint32_t i = 0; i < entry_count; i++) {
            if (entries[i].alias && entries[i].ast && strcasecmp(entries[i].alias, ast->column.name.parts[0].name) == 0) {
                target = entries[i].ast;
                break;
            }
        }
    }
    if (!bound) {
        if (sl_ast_has_aggregate(target))
            return sl_error_set_at(err, SL_ERR_CATALOG, target->position, "GROUP BY clause cannot contain aggregates!");
        if (sl_ast_has_window(target))
            return sl_error_set_at(err, SL_ERR_CATALOG, target->position,
                                   "GROUP BY clause cannot contain window functions!");
        SL_TRY(sl_bind_expr(b, target, SL_BIND_PLAIN, &bound, err));
    }
    return sl_bind_add_group(b, bound, err);
}

static const char *entry_name(sl_binder *b, const sl_ast_select_item *item, const sl_expr *bound)
{
    if (item->alias.name)
        return item->alias.name;
    if (item->expr->kind == SL_AST_EXPR_COLUMN) {
        const sl_ast_name *n = &item->expr->column.name;
        return n->parts[n->count - 1].name;
    }
    return sl_bind_expr_name(b, item->expr);
}

static sl_status bind_select(sl_binder *b, const sl_ast_query *q, sl_logical_op **out, sl_error *err)
{
    const sl_ast_select_core *core = &q->select;
    b->select_core = core;
    if (core->distinct_on_count > 0)
        return sl_error_set_at(err, SL_ERR_SYNTAX, q->position, "SELECT DISTINCT ON is not supported yet");

    /* FROM */
    sl_logical_op *plan;
    if (core->from) {
        SL_TRY(sl_bind_from(b, core->from, &plan, err));
    } else {
        plan = sl_bind_new_op(b, SL_LOP_DUMMY, 0, err);
        if (!plan)
            return err ? err->code : SL_ERR_OOM;
        SL_TRY(sl_logical_columns(b->ctx, plan, err));
    }

    /* WHERE */
    if (core->where) {
        if (sl_ast_has_aggregate(core->where))
            return sl_error_set_at(err, SL_ERR_CATALOG, core->where->position, "WHERE clause cannot contain aggregates!");
        sl_expr *w;
        SL_TRY(bind_predicate(b, core->where, SL_BIND_PLAIN, false, "WHERE clause", &w, err));
        SL_TRY(add_filter(b, &plan, w, err));
    }

    /* Flink legacy group window (GROUP BY TUMBLE(ts, size), ...): WINDOW_TVF below the aggregate. */
    SL_TRY(sl_bind_group_window(b, core, &plan, err));

    /* Is this an aggregate query? */
    bool aggregating = core->group_count > 0 || core->group_by_all || core->having != NULL;
    for (uint32_t i = 0; i < core->item_count && !aggregating; i++)
        aggregating = sl_ast_has_aggregate(core->items[i].expr);
    for (uint32_t i = 0; i < q->order_count && !aggregating; i++)
        aggregating = sl_ast_has_aggregate(q->order_by[i].expr);
    if (core->qualify && !aggregating)
        aggregating = sl_ast_has_aggregate(core->qualify);
    b->aggregating = aggregating;
    b->group_index = sl_bind_next_index(b);
    b->aggregate_index = sl_bind_next_index(b);
    b->window_index = sl_bind_next_index(b);

    /* Expand the select list (stars are bound right away). */
    uint32_t entry_cap = 0;
    for (uint32_t i = 0; i < core->item_count; i++) {
        if (core->items[i].expr->kind == SL_AST_EXPR_STAR) {
            uint32_t total = 0;
            for (uint32_t r = 0; r < b->scope.rel_count; r++)
                total += b->scope.rels[r].column_count;
            entry_cap += total;
        } else {
            entry_cap++;
        }
    }
    select_entry *entries = sl_arena_calloc(b->arena, sizeof *entries * (entry_cap ? entry_cap : 1));
    if (!entries)
        return oom(err);
    uint32_t entry_count = 0;
    for (uint32_t i = 0; i < core->item_count; i++) {
        const sl_ast_select_item *item = &core->items[i];
        if (item->expr->kind == SL_AST_EXPR_STAR) {
            sl_expr **cols;
            uint32_t n;
            SL_TRY(sl_bind_star(b, &item->expr->star.qualifier, item->expr->position, &cols, &n, err));
            for (uint32_t c = 0; c < n; c++) {
                entries[entry_count].expr = cols[c];
                entries[entry_count].name = cols[c]->alias;
                entry_count++;
            }
        } else {
            entries[entry_count].ast = item->expr;
            entries[entry_count].alias = item->alias.name;
            entry_count++;
        }
    }

    /* GROUP BY */
    for (uint32_t i = 0; i < core->group_count; i++) {
        if (b->group_window && sl_bind_is_group_window_call(core->group_by[i]))
            SL_TRY(sl_bind_group_window_groups(b, err));
        else
            SL_TRY(bind_group_item(b, core->group_by[i], entries, entry_count, err));
    }
    if (core->group_by_all) {
        for (uint32_t i = 0; i < entry_count; i++) {
            if (entries[i].ast && (sl_ast_has_aggregate(entries[i].ast) || sl_ast_has_window(entries[i].ast)))
                continue;
            sl_expr *g = entries[i].expr;
            if (!g)
                SL_TRY(sl_bind_expr(b, entries[i].ast, SL_BIND_PLAIN, &g, err));
            if (sl_expr_is_foldable(g))
                continue;
            SL_TRY(sl_bind_add_group(b, g, err));
        }
    }

    /* SELECT list */
    b->grouped_scope = aggregating;
    for (uint32_t i = 0; i < entry_count; i++) {
        select_entry *en = &entries[i];
        if (en->ast) {
            SL_TRY(sl_bind_expr(b, en->ast, SL_BIND_SELECT, &en->expr, err));
            for (uint32_t k = 0, seen = 0; k < core->item_count; k++) {
                /* find the AST item for naming */
                if (core->items[k].expr == en->ast) {
                    en->name = entry_name(b, &core->items[k], en->expr);
                    seen = 1;
                }
                if (seen)
                    break;
            }
        }
        if (aggregating)
            SL_TRY(sl_bind_rewrite_groups(b, en->expr, &en->expr, err));
        if (!en->name)
            en->name = en->expr->alias ? en->expr->alias : "?column?";
    }

    /* HAVING */
    sl_expr *having = NULL;
    if (core->having) {
        if (sl_ast_has_window(core->having))
            return sl_error_set_at(err, SL_ERR_CATALOG, core->having->position,
                                   "HAVING clause cannot contain window functions!");
        SL_TRY(bind_predicate(b, core->having, SL_BIND_AGGREGATES, true, "HAVING clause", &having, err));
    }

    /* ORDER BY: ordinals, output names, or expressions (hidden columns when not selected). */
    uint32_t hidden_cap = q->order_count;
    sl_expr **hidden = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (hidden_cap ? hidden_cap : 1));
    uint32_t hidden_count = 0;
    sl_order_spec *orders = sl_arena_calloc(b->arena, sizeof *orders * (q->order_count ? q->order_count : 1));
    uint32_t *order_target = sl_arena_alloc(b->arena, sizeof(uint32_t) * (q->order_count ? q->order_count : 1));
    if (!hidden || !orders || !order_target)
        return oom(err);
    for (uint32_t i = 0; i < q->order_count; i++) {
        const sl_ast_order_item *it = &q->order_by[i];
        int64_t k;
        int target = -1;
        if (ordinal_of(it->expr, &k)) {
            if (k < 1 || k > entry_count)
                return sl_error_set_at(err, SL_ERR_CATALOG, it->expr->position,
                                       "ORDER term out of range - should be between 1 and %u", entry_count);
            target = (int)(k - 1);
        } else if (it->expr->kind == SL_AST_EXPR_COLUMN && it->expr->column.name.count == 1) {
            const char *nm = it->expr->column.name.parts[0].name;
            int matches = 0, first = -1;
            for (uint32_t e = 0; e < entry_count; e++) {
                if (entries[e].alias && strcasecmp(entries[e].alias, nm) == 0) {
                    if (first < 0)
                        first = (int)e;
                    matches++;
                }
            }
            if (matches >= 1)
                target = first;
        }
        if (target < 0) {
            sl_expr *e;
            SL_TRY(sl_bind_expr(b, it->expr, SL_BIND_SELECT, &e, err));
            if (aggregating)
                SL_TRY(sl_bind_rewrite_groups(b, e, &e, err));
            for (uint32_t s = 0; s < entry_count && target < 0; s++)
                if (sl_expr_equal(entries[s].expr, e))
                    target = (int)s;
            for (uint32_t h = 0; h < hidden_count && target < 0; h++)
                if (sl_expr_equal(hidden[h], e))
                    target = (int)(entry_count + h);
            if (target < 0) {
                if (core->distinct)
                    return sl_error_set_at(err, SL_ERR_CATALOG, it->expr->position,
                                           "For SELECT DISTINCT, ORDER BY expressions must appear in select list");
                hidden[hidden_count] = e;
                target = (int)(entry_count + hidden_count);
                hidden_count++;
            }
        }
        order_target[i] = (uint32_t)target;
        orders[i].descending = it->descending;
        orders[i].nulls_first = sl_bind_nulls_first(it);
    }

    /* QUALIFY */
    sl_expr *qualify = NULL;
    if (core->qualify)
        SL_TRY(bind_predicate(b, core->qualify, SL_BIND_SELECT, aggregating, "QUALIFY clause", &qualify, err));

    /* Assemble: AGGREGATE, HAVING, WINDOW, QUALIFY. */
    if (aggregating) {
        sl_logical_op *agg = sl_bind_new_op(b, SL_LOP_AGGREGATE, 1, err);
        if (!agg)
            return err ? err->code : SL_ERR_OOM;
        agg->children[0] = plan;
        agg->group_index = b->group_index;
        agg->aggregate_index = b->aggregate_index;
        agg->expr_count = b->group_count;
        agg->exprs = b->groups;
        agg->aggregate_count = b->aggregate_count;
        agg->aggregates = b->aggregates;
        /* The lists were grown with sl_realloc: move them into the arena. */
        if (b->group_count) {
            agg->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * b->group_count);
            if (!agg->exprs)
                return oom(err);
            memcpy(agg->exprs, b->groups, sizeof(sl_expr *) * b->group_count);
        }
        if (b->aggregate_count) {
            agg->aggregates = sl_arena_alloc(b->arena, sizeof(sl_expr *) * b->aggregate_count);
            if (!agg->aggregates)
                return oom(err);
            memcpy(agg->aggregates, b->aggregates, sizeof(sl_expr *) * b->aggregate_count);
        }
        SL_TRY(sl_logical_columns(b->ctx, agg, err));
        plan = agg;
    } else if (b->aggregate_count > 0) {
        return sl_error_set_at(err, SL_ERR_INTERNAL, q->position, "aggregate found in a non-aggregate query");
    }
    if (having)
        SL_TRY(add_filter(b, &plan, having, err));
    if (b->window_count > 0) {
        sl_logical_op *w = sl_bind_new_op(b, SL_LOP_WINDOW, 1, err);
        if (!w)
            return err ? err->code : SL_ERR_OOM;
        w->children[0] = plan;
        w->window_index = b->window_index;
        w->expr_count = b->window_count;
        w->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * b->window_count);
        if (!w->exprs)
            return oom(err);
        memcpy(w->exprs, b->windows, sizeof(sl_expr *) * b->window_count);
        SL_TRY(sl_logical_columns(b->ctx, w, err));
        plan = w;
    }
    if (qualify)
        SL_TRY(add_filter(b, &plan, qualify, err));

    /* PROJECT */
    sl_logical_op *proj = sl_bind_new_op(b, SL_LOP_PROJECT, 1, err);
    if (!proj)
        return err ? err->code : SL_ERR_OOM;
    proj->children[0] = plan;
    proj->table_index = sl_bind_next_index(b);
    proj->expr_count = entry_count + hidden_count;
    proj->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (proj->expr_count ? proj->expr_count : 1));
    if (!proj->exprs)
        return oom(err);
    for (uint32_t i = 0; i < entry_count; i++) {
        sl_expr *e = sl_expr_copy(b->arena, entries[i].expr);
        if (!e)
            return oom(err);
        e->alias = entries[i].name;
        proj->exprs[i] = e;
    }
    for (uint32_t h = 0; h < hidden_count; h++)
        proj->exprs[entry_count + h] = hidden[h];
    SL_TRY(sl_logical_columns(b->ctx, proj, err));
    plan = proj;

    if (core->distinct) {
        sl_logical_op *d = sl_bind_new_op(b, SL_LOP_DISTINCT, 1, err);
        if (!d)
            return err ? err->code : SL_ERR_OOM;
        d->children[0] = plan;
        SL_TRY(sl_logical_columns(b->ctx, d, err));
        plan = d;
    }
    for (uint32_t i = 0; i < q->order_count; i++) {
        orders[i].expr = plan_column(b, proj, order_target[i], q->order_by[i].position);
        if (!orders[i].expr)
            return oom(err);
    }
    SL_TRY(add_sort(b, &plan, orders, q->order_count, err));
    SL_TRY(bind_limit(b, q, &plan, err));

    if (hidden_count > 0) {
        sl_logical_op *top = sl_bind_new_op(b, SL_LOP_PROJECT, 1, err);
        if (!top)
            return err ? err->code : SL_ERR_OOM;
        top->children[0] = plan;
        top->table_index = sl_bind_next_index(b);
        top->expr_count = entry_count;
        top->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (entry_count ? entry_count : 1));
        if (!top->exprs)
            return oom(err);
        for (uint32_t i = 0; i < entry_count; i++) {
            top->exprs[i] = plan_column(b, proj, i, -1);
            if (!top->exprs[i])
                return oom(err);
        }
        SL_TRY(sl_logical_columns(b->ctx, top, err));
        plan = top;
    }
    *out = plan;
    return SL_OK;
}

/* ---------------------------------------------------------------- queries */

sl_status sl_bind_query(sl_binder *b, const sl_ast_query *q, sl_logical_op **out, sl_error *err)
{
    if (q->emit != SL_AST_EMIT_NONE && !b->emit_allowed)
        return sl_error_set_at(err, SL_ERR_SYNTAX, q->emit_position,
                               "EMIT is only allowed at the end of a SELECT statement");
    b->emit_allowed = false;
    if (q->cte_count > 0) {
        if (q->recursive)
            return sl_error_set_at(err, SL_ERR_SYNTAX, q->position, "WITH RECURSIVE is not supported yet");
        for (uint32_t i = 0; i < q->cte_count; i++) {
            sl_bind_cte *node = sl_arena_alloc(b->arena, sizeof *node);
            if (!node)
                return oom(err);
            node->cte = &q->ctes[i];
            node->next = b->ctes;
            b->ctes = node;
        }
    }
    sl_status st;
    switch (q->kind) {
    case SL_AST_QUERY_SELECT:
        st = bind_select(b, q, out, err);
        break;
    case SL_AST_QUERY_SET_OP:
        st = bind_setop(b, q, out, err);
        if (st == SL_OK)
            st = bind_result_modifiers(b, q, out, err);
        break;
    case SL_AST_QUERY_VALUES:
        st = bind_values(b, q, out, err);
        if (st == SL_OK)
            st = bind_result_modifiers(b, q, out, err);
        break;
    default:
        st = sl_error_set_at(err, SL_ERR_INTERNAL, q->position, "unknown query kind");
    }
    /* free the growable lists (their contents were copied into the arena) */
    sl_free(b->groups);
    sl_free(b->aggregates);
    sl_free(b->windows);
    b->groups = NULL;
    b->aggregates = NULL;
    b->windows = NULL;
    return st;
}
