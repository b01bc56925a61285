/*
 * decorrelate.c — subquery unnesting: every SL_EXPR_SUBQUERY becomes a join, so nothing
 * runs once per outer row.
 *
 * Subquery plans are unnested innermost first. Correlated predicates (conjuncts with a
 * depth >= 1 column) are pulled up out of the subquery plan through FILTER, PROJECT
 * (which gains pass-through columns), SORT, DISTINCT, the preserved side of outer/semi
 * joins and both sides of inner joins; their depth is decremented and they become the
 * join condition. Shapes:
 *
 *   WHERE conjunct EXISTS / NOT EXISTS          SEMI / ANTI join on the correlated predicates
 *   WHERE conjunct x IN / x op ANY (S)          SEMI join on (x op y) AND correlated predicates
 *   WHERE conjunct x NOT IN / x op ALL (S)      ANTI join on COALESCE(NOT (x op y), TRUE) AND ...
 *                                               (a NULL comparison disqualifies: SQL semantics);
 *                                               uncorrelated NOT IN: MARK join + NOT (hashable)
 *   elsewhere EXISTS                            MARK join, COALESCE(mark, FALSE)
 *   elsewhere uncorrelated IN / ANY / ALL       MARK join (3-valued: NULL when no match and a
 *                                               comparison was NULL), NOT for NOT IN / ALL
 *   scalar, uncorrelated                        cross product when S is a global aggregate
 *                                               (exactly one row), else SINGLE join
 *   scalar, correlated, S = PROJECT* over a global aggregate
 *                                               the aggregate is grouped by the inner sides of
 *                                               the correlated equalities and LEFT-joined on
 *                                               them; the projection is evaluated above the
 *                                               join and count() results are COALESCEd to 0
 *                                               (the "count bug"). When a correlated
 *                                               predicate is not such an equality (y < l.x),
 *                                               the outer columns it uses are first made
 *                                               DISTINCT from a renumbered copy of the outer
 *                                               input (D); the aggregate runs over D joined
 *                                               with the subquery's input, grouped by D, and
 *                                               is LEFT-joined back on IS NOT DISTINCT FROM
 *                                               (Neumann & Kemper's dependent-join unnesting)
 *   scalar, correlated, otherwise               SINGLE join on the correlated predicates
 *
 * Everything else (correlation under LIMIT / WINDOW / set operations / aggregates outside
 * the scalar pattern, correlated IN outside a WHERE conjunct, subqueries in join
 * conditions / ORDER BY / GROUP BY) is reported as an error naming the construct.
 */
#include "plan/optimizer.h"

#include <string.h>

#include "expr/function.h"

static sl_status decorrelate(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err);

static sl_status unsupported(sl_error *err, int position, const char *what)
{
    return sl_error_set_at(err, SL_ERR_INVALID_INPUT, position, "subquery not supported: %s", what);
}

/* ---------------------------------------------------------------- plan inspection */

static bool plan_has_correlated(const sl_logical_op *op)
{
    for (uint32_t i = 0; i < op->predicate_count; i++)
        if (sl_expr_has_correlated(op->predicates[i]))
            return true;
    for (uint32_t i = 0; i < op->expr_count; i++)
        if (sl_expr_has_correlated(op->exprs[i]))
            return true;
    for (uint32_t i = 0; i < op->aggregate_count; i++)
        if (sl_expr_has_correlated(op->aggregates[i]))
            return true;
    for (uint32_t i = 0; i < op->order_count; i++)
        if (sl_expr_has_correlated(op->orders[i].expr))
            return true;
    if (op->kind == SL_LOP_VALUES)
        for (uint32_t i = 0; i < op->row_count * op->value_width; i++)
            if (sl_expr_has_correlated(op->values[i]))
                return true;
    if (sl_expr_has_correlated(op->condition))
        return true;
    for (uint32_t i = 0; i < op->child_count; i++)
        if (plan_has_correlated(op->children[i]))
            return true;
    return false;
}

static void decrement_depth(sl_expr *e)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_COLUMN && e->depth > 0)
        e->depth--;
    for (uint32_t i = 0; i < e->arg_count; i++)
        decrement_depth(e->args[i]);
    decrement_depth(e->filter);
    for (uint32_t i = 0; i < e->order_count; i++)
        decrement_depth(e->order_by[i]);
}

static bool has_depth0_column(const sl_expr *e)
{
    if (!e)
        return false;
    if (e->kind == SL_EXPR_COLUMN)
        return e->depth == 0;
    for (uint32_t i = 0; i < e->arg_count; i++)
        if (has_depth0_column(e->args[i]))
            return true;
    return false;
}

/* ---------------------------------------------------------------- pulling up */

/* Rewrites the depth-0 columns of pred (which refer to proj's child) to pass-through
 * columns of proj, adding them as needed. */
static sl_status route_through_project(sl_plan_context *ctx, sl_logical_op *proj, sl_expr *e, sl_error *err)
{
    if (!e)
        return SL_OK;
    if (e->kind == SL_EXPR_COLUMN) {
        if (e->depth != 0)
            return SL_OK;
        uint32_t idx = proj->expr_count;
        for (uint32_t i = 0; i < proj->expr_count; i++) {
            const sl_expr *x = proj->exprs[i];
            if (x->kind == SL_EXPR_COLUMN && x->depth == 0 && x->binding.table_index == e->binding.table_index &&
                x->binding.column_index == e->binding.column_index) {
                idx = i;
                break;
            }
        }
        if (idx == proj->expr_count) {
            sl_expr **exprs = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * (proj->expr_count + 1));
            sl_expr *ref = sl_expr_clone(ctx->arena, e);
            if (!exprs || !ref)
                return sl_error_oom(err);
            if (proj->expr_count)
                memcpy(exprs, proj->exprs, sizeof(sl_expr *) * proj->expr_count);
            exprs[proj->expr_count++] = ref;
            proj->exprs = exprs;
        }
        e->binding.table_index = proj->table_index;
        e->binding.column_index = idx;
        return SL_OK;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(route_through_project(ctx, proj, e->args[i], err));
    return SL_OK;
}

static sl_status pull(sl_plan_context *ctx, sl_logical_op **opp, sl_expr_list *corr, int position, sl_error *err)
{
    sl_logical_op *op = *opp;
    if (!plan_has_correlated(op))
        return SL_OK;
    switch (op->kind) {
    case SL_LOP_FILTER: {
        uint32_t kept = 0;
        sl_expr_list conj = { 0 };
        for (uint32_t i = 0; i < op->predicate_count; i++)
            SL_TRY(sl_expr_split_conjuncts(ctx->arena, op->predicates[i], &conj, err));
        sl_expr **preds = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * (conj.count + 1));
        if (!preds)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < conj.count; i++) {
            if (sl_expr_has_correlated(conj.items[i]))
                SL_TRY(sl_expr_list_push(ctx->arena, corr, conj.items[i], err));
            else
                preds[kept++] = conj.items[i];
        }
        op->predicates = preds;
        op->predicate_count = kept;
        SL_TRY(pull(ctx, &op->children[0], corr, position, err));
        if (kept == 0)
            *opp = op->children[0];
        else
            SL_TRY(sl_logical_columns(ctx, op, err));
        return SL_OK;
    }
    case SL_LOP_PROJECT: {
        for (uint32_t i = 0; i < op->expr_count; i++)
            if (sl_expr_has_correlated(op->exprs[i]))
                return unsupported(err, position, "outer column in the select list of a nested query");
        sl_expr_list mine = { 0 };
        SL_TRY(pull(ctx, &op->children[0], &mine, position, err));
        for (uint32_t i = 0; i < mine.count; i++) {
            SL_TRY(route_through_project(ctx, op, mine.items[i], err));
            SL_TRY(sl_expr_list_push(ctx->arena, corr, mine.items[i], err));
        }
        return sl_logical_columns(ctx, op, err);
    }
    case SL_LOP_JOIN: {
        bool inner = op->join_type == SL_JOIN_INNER;
        if (sl_expr_has_correlated(op->condition)) {
            if (!inner)
                return unsupported(err, position, "outer column in an outer/semi join condition");
            sl_expr_list conj = { 0 }, rest = { 0 };
            SL_TRY(sl_expr_split_conjuncts(ctx->arena, op->condition, &conj, err));
            for (uint32_t i = 0; i < conj.count; i++)
                SL_TRY(sl_expr_list_push(ctx->arena, sl_expr_has_correlated(conj.items[i]) ? corr : &rest,
                                         conj.items[i], err));
            op->condition = sl_expr_make_and(ctx->arena, rest.items, rest.count);
        }
        if (!inner && plan_has_correlated(op->children[1]))
            return unsupported(err, position, "outer column on the inner side of an outer join");
        SL_TRY(pull(ctx, &op->children[0], corr, position, err));
        if (inner)
            SL_TRY(pull(ctx, &op->children[1], corr, position, err));
        return sl_logical_columns(ctx, op, err);
    }
    case SL_LOP_SORT:
        for (uint32_t i = 0; i < op->order_count; i++)
            if (sl_expr_has_correlated(op->orders[i].expr))
                return unsupported(err, position, "outer column in ORDER BY of a subquery");
        SL_TRY(pull(ctx, &op->children[0], corr, position, err));
        return sl_logical_columns(ctx, op, err);
    case SL_LOP_DISTINCT:
        if (op->expr_count)
            return unsupported(err, position, "correlated DISTINCT ON subquery");
        SL_TRY(pull(ctx, &op->children[0], corr, position, err));
        return sl_logical_columns(ctx, op, err);
    case SL_LOP_AGGREGATE:
        return unsupported(err, position, "correlated predicate below an aggregate (other than a scalar "
                                          "subquery computing one aggregate row)");
    case SL_LOP_LIMIT:
        return unsupported(err, position, "correlated subquery with LIMIT/OFFSET");
    case SL_LOP_WINDOW:
        return unsupported(err, position, "correlated subquery with window functions");
    case SL_LOP_WINDOW_TVF:
        /* TUMBLE / HOP / CUMULATE are row by row: the child's columns pass through */
        if (op->window_kind == SL_WINDOW_SESSION)
            return unsupported(err, position, "correlated predicate below a SESSION window");
        SL_TRY(pull(ctx, &op->children[0], corr, position, err));
        return sl_logical_columns(ctx, op, err);
    case SL_LOP_SETOP:
        return unsupported(err, position, "correlated subquery with UNION/INTERSECT/EXCEPT");
    default:
        return unsupported(err, position, "outer column in this part of a subquery");
    }
}

/* ---------------------------------------------------------------- expression builders */

static sl_expr *bool_constant(sl_arena *arena, bool b)
{
    sl_value v = sl_value_boolean(b);
    return sl_expr_constant(arena, &v);
}

static sl_expr *make_node(sl_arena *arena, sl_expr_kind kind, sl_type type, sl_expr *a, sl_expr *b)
{
    sl_expr *e = sl_expr_new(arena, kind, type);
    if (!e)
        return NULL;
    e->arg_count = b ? 2 : 1;
    e->args = sl_arena_alloc(arena, sizeof(sl_expr *) * 2);
    if (!e->args)
        return NULL;
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static sl_expr *make_not(sl_arena *arena, sl_expr *a)
{
    return a ? make_node(arena, SL_EXPR_NOT, sl_type_make(SL_TYPE_BOOLEAN), a, NULL) : NULL;
}

static sl_expr *make_coalesce(sl_arena *arena, sl_expr *a, sl_expr *b)
{
    return a && b ? make_node(arena, SL_EXPR_COALESCE, a->type, a, b) : NULL;
}

/* Joins *input with right; returns the join (output columns computed). */
static sl_status add_join(sl_plan_context *ctx, sl_logical_op **input, sl_logical_op *right, sl_join_type type,
                          sl_expr_list *cond, sl_logical_op **out, sl_error *err)
{
    sl_logical_op *j = sl_logical_new(ctx, SL_LOP_JOIN, 2);
    if (!j)
        return sl_error_oom(err);
    j->children[0] = *input;
    j->children[1] = right;
    j->join_type = type;
    if (cond && cond->count && !(j->condition = sl_expr_make_and(ctx->arena, cond->items, cond->count)))
        return sl_error_oom(err);
    if (type == SL_JOIN_MARK)
        j->mark_index = ctx->next_table_index++;
    SL_TRY(sl_logical_columns(ctx, j, err));
    *input = j;
    if (out)
        *out = j;
    return SL_OK;
}

/* The comparison x op y of an IN / ANY / ALL subquery (y = the subquery's first column). */
static sl_status subquery_compare(sl_plan_context *ctx, const sl_expr *s, sl_column_binding out_col,
                                  sl_type out_type, sl_expr **cmp, sl_error *err)
{
    const char *op = s->subquery_kind == SL_SUBQUERY_IN ? "=" : (s->subquery_op ? s->subquery_op : "=");
    sl_expr *y = sl_expr_column(ctx->arena, out_type, out_col.table_index, out_col.column_index);
    sl_expr *x = s->arg_count ? sl_expr_clone(ctx->arena, s->args[0]) : NULL;
    if (!y || !x)
        return x ? sl_error_oom(err) : sl_error_set(err, SL_ERR_INTERNAL, "IN subquery without a tested expression");
    return sl_expr_make_compare(ctx->arena, op, x, y, cmp, err);
}

/* Prepares the subquery: unnests inside it, pulls correlated conjuncts (depth decremented). */
static sl_status prepare(sl_plan_context *ctx, sl_expr *s, sl_expr_list *corr, sl_column_binding *out_col,
                         sl_type *out_type, sl_error *err)
{
    SL_TRY(decorrelate(ctx, &s->subquery, err));
    SL_TRY(sl_logical_refresh(ctx, s->subquery, err));
    if (s->subquery->column_count == 0)
        return sl_error_set(err, SL_ERR_INTERNAL, "subquery without output columns");
    *out_col = s->subquery->columns[0];
    *out_type = s->subquery->types[0];
    SL_TRY(pull(ctx, &s->subquery, corr, s->position, err));
    SL_TRY(sl_logical_refresh(ctx, s->subquery, err));
    if (plan_has_correlated(s->subquery))
        return unsupported(err, s->position, "outer column used in a way that cannot be unnested");
    for (uint32_t i = 0; i < corr->count; i++) {
        sl_expr *c = sl_expr_clone(ctx->arena, corr->items[i]);
        if (!c)
            return sl_error_oom(err);
        decrement_depth(c);
        corr->items[i] = c;
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- WHERE conjuncts */

/* Tries to unnest predicate p of a FILTER as a SEMI / ANTI join into *input. *done is
 * false when p is not a top-level subquery conjunct of such a shape. */
static sl_status unnest_conjunct(sl_plan_context *ctx, sl_expr *p, sl_logical_op **input, bool *done, sl_error *err)
{
    *done = false;
    bool negated = false;
    sl_expr *s = p;
    if (p->kind == SL_EXPR_NOT && p->args[0]->kind == SL_EXPR_SUBQUERY) {
        negated = true;
        s = p->args[0];
    }
    if (s->kind != SL_EXPR_SUBQUERY || s->subquery_kind == SL_SUBQUERY_SCALAR)
        return SL_OK;
    if (s->negated)
        negated = !negated;
    bool anti;
    if (s->subquery_kind == SL_SUBQUERY_EXISTS)
        anti = negated;
    else if (s->subquery_kind == SL_SUBQUERY_ALL)
        anti = !negated;
    else
        anti = negated;
    if (negated && s->subquery_kind == SL_SUBQUERY_ALL)
        return SL_OK; /* NOT (x op ALL S): general path */

    sl_expr_list corr = { 0 };
    sl_column_binding out_col;
    sl_type out_type;
    /* uncorrelated NOT IN keeps a hashable MARK join (general path) */
    if (anti && s->subquery_kind == SL_SUBQUERY_IN && !plan_has_correlated(s->subquery))
        return SL_OK;
    SL_TRY(prepare(ctx, s, &corr, &out_col, &out_type, err));
    if (s->subquery_kind != SL_SUBQUERY_EXISTS) {
        sl_expr *cmp;
        SL_TRY(subquery_compare(ctx, s, out_col, out_type, &cmp, err));
        if (anti) {
            /* a right row disqualifies when the comparison is TRUE (NOT IN) / not TRUE (ALL),
             * NULL included */
            sl_expr *bad = s->subquery_kind == SL_SUBQUERY_ALL ? make_not(ctx->arena, cmp) : cmp;
            cmp = make_coalesce(ctx->arena, bad, bool_constant(ctx->arena, true));
            if (!cmp)
                return sl_error_oom(err);
        }
        SL_TRY(sl_expr_list_push(ctx->arena, &corr, cmp, err));
    }
    SL_TRY(add_join(ctx, input, s->subquery, anti ? SL_JOIN_ANTI : SL_JOIN_SEMI, &corr, NULL, err));
    *done = true;
    return SL_OK;
}

/* ---------------------------------------------------------------- general (MARK / scalar) */

/* Is op a PROJECT chain over a global (ungrouped) AGGREGATE? Returns the aggregate. */
static sl_logical_op *global_aggregate(sl_logical_op *op)
{
    while (op->kind == SL_LOP_PROJECT)
        op = op->children[0];
    return op->kind == SL_LOP_AGGREGATE && op->expr_count == 0 ? op : NULL;
}

static bool is_count_aggregate(const sl_expr *a)
{
    const char *name = a->aggregate ? a->aggregate->name : NULL;
    return name && (strcmp(name, "count") == 0 || strcmp(name, "count_star") == 0);
}

static sl_expr *coalesce_counts(sl_plan_context *ctx, sl_expr *e, const sl_logical_op *agg, bool *oom)
{
    if (!e)
        return NULL;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0 && e->binding.table_index == agg->aggregate_index &&
        e->binding.column_index < agg->aggregate_count &&
        is_count_aggregate(agg->aggregates[e->binding.column_index])) {
        sl_value zero = sl_value_int((sl_type_id)e->type.id, 0);
        zero.type = e->type;
        sl_expr *c = make_coalesce(ctx->arena, e, sl_expr_constant(ctx->arena, &zero));
        if (!c)
            *oom = true;
        return c ? c : e;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        e->args[i] = coalesce_counts(ctx, e->args[i], agg, oom);
    return e;
}

/* ---------------------------------------------------------------- renumbered plan copies */

/* Old table index -> new table index, for copying a plan subtree whose bindings must not
 * collide with the original's. */
typedef struct index_map {
    uint32_t *from, *to;
    uint32_t count, capacity;
} index_map;

static sl_status map_add(sl_plan_context *ctx, index_map *m, uint32_t old_index, uint32_t *new_index, sl_error *err)
{
    if (m->count == m->capacity) {
        uint32_t cap = m->capacity ? m->capacity * 2 : 16;
        uint32_t *from = sl_arena_alloc(ctx->arena, sizeof(uint32_t) * cap);
        uint32_t *to = sl_arena_alloc(ctx->arena, sizeof(uint32_t) * cap);
        if (!from || !to)
            return sl_error_oom(err);
        if (m->count) {
            memcpy(from, m->from, sizeof(uint32_t) * m->count);
            memcpy(to, m->to, sizeof(uint32_t) * m->count);
        }
        m->from = from;
        m->to = to;
        m->capacity = cap;
    }
    *new_index = ctx->next_table_index++;
    m->from[m->count] = old_index;
    m->to[m->count++] = *new_index;
    return SL_OK;
}

static uint32_t map_lookup(const index_map *m, uint32_t index)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (m->from[i] == index)
            return m->to[i];
    return index;
}

/* Rewrites the depth-0 column bindings of a (cloned) expression through the map. */
static void remap_expr(sl_expr *e, const index_map *m)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0)
        e->binding.table_index = map_lookup(m, e->binding.table_index);
    for (uint32_t i = 0; i < e->arg_count; i++)
        remap_expr(e->args[i], m);
    remap_expr(e->filter, m);
    for (uint32_t i = 0; i < e->order_count; i++)
        remap_expr(e->order_by[i], m);
    if (e->window) {
        for (uint32_t i = 0; i < e->window->partition_count; i++)
            remap_expr(e->window->partitions[i], m);
        for (uint32_t i = 0; i < e->window->order_count; i++)
            remap_expr(e->window->orders[i].expr, m);
        remap_expr(e->window->start_offset, m);
        remap_expr(e->window->end_offset, m);
    }
}

static sl_status clone_exprs(sl_plan_context *ctx, sl_expr ***items, uint32_t count, const index_map *m,
                             sl_error *err)
{
    if (!*items || count == 0)
        return SL_OK;
    sl_expr **copy = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * count);
    if (!copy)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        copy[i] = NULL;
        if ((*items)[i]) {
            if (!(copy[i] = sl_expr_clone(ctx->arena, (*items)[i])))
                return sl_error_oom(err);
            remap_expr(copy[i], m);
        }
    }
    *items = copy;
    return SL_OK;
}

/* Deep copy of a decorrelated plan subtree in which every operator that creates columns
 * gets a fresh table index; m receives old -> new. */
static sl_status copy_plan(sl_plan_context *ctx, const sl_logical_op *op, index_map *m, sl_logical_op **out,
                           sl_error *err)
{
    sl_logical_op *c = sl_logical_new(ctx, op->kind, op->child_count);
    if (!c)
        return sl_error_oom(err);
    sl_logical_op **children = c->children;
    *c = *op;
    c->children = children;
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(copy_plan(ctx, op->children[i], m, &c->children[i], err));
    switch (op->kind) {
    case SL_LOP_SCAN:
    case SL_LOP_TABLE_FUNCTION:
    case SL_LOP_VALUES:
    case SL_LOP_PROJECT:
    case SL_LOP_SETOP:
    case SL_LOP_WINDOW_TVF:
        SL_TRY(map_add(ctx, m, op->table_index, &c->table_index, err));
        break;
    case SL_LOP_AGGREGATE:
        SL_TRY(map_add(ctx, m, op->group_index, &c->group_index, err));
        SL_TRY(map_add(ctx, m, op->aggregate_index, &c->aggregate_index, err));
        break;
    case SL_LOP_WINDOW:
        SL_TRY(map_add(ctx, m, op->window_index, &c->window_index, err));
        break;
    case SL_LOP_JOIN:
        if (op->join_type == SL_JOIN_MARK)
            SL_TRY(map_add(ctx, m, op->mark_index, &c->mark_index, err));
        break;
    default:
        break;
    }
    if (op->scan_column_count) {
        c->scan_columns = sl_arena_alloc(ctx->arena, sizeof(uint32_t) * op->scan_column_count);
        if (!c->scan_columns)
            return sl_error_oom(err);
        memcpy(c->scan_columns, op->scan_columns, sizeof(uint32_t) * op->scan_column_count);
    }
    SL_TRY(clone_exprs(ctx, &c->values, op->row_count * op->value_width, m, err));
    SL_TRY(clone_exprs(ctx, &c->predicates, op->predicate_count, m, err));
    SL_TRY(clone_exprs(ctx, &c->exprs, op->expr_count, m, err));
    SL_TRY(clone_exprs(ctx, &c->aggregates, op->aggregate_count, m, err));
    if (op->window_time) {
        if (!(c->window_time = sl_expr_clone(ctx->arena, op->window_time)))
            return sl_error_oom(err);
        remap_expr(c->window_time, m);
    }
    if (op->condition) {
        if (!(c->condition = sl_expr_clone(ctx->arena, op->condition)))
            return sl_error_oom(err);
        remap_expr(c->condition, m);
    }
    if (op->order_count) {
        c->orders = sl_arena_alloc(ctx->arena, sizeof(sl_order_spec) * op->order_count);
        if (!c->orders)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < op->order_count; i++) {
            c->orders[i] = op->orders[i];
            if (!(c->orders[i].expr = sl_expr_clone(ctx->arena, op->orders[i].expr)))
                return sl_error_oom(err);
            remap_expr(c->orders[i].expr, m);
        }
    }
    if (op->kind != SL_LOP_EMPTY)
        SL_TRY(sl_logical_columns(ctx, c, err));
    *out = c;
    return SL_OK;
}

/* Collects the distinct depth-1 column bindings of e (the outer columns a pulled-up
 * correlated predicate uses). */
static sl_status collect_outer_columns(sl_plan_context *ctx, const sl_expr *e, sl_expr_list *cols, sl_error *err)
{
    if (!e)
        return SL_OK;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 1) {
        for (uint32_t i = 0; i < cols->count; i++)
            if (cols->items[i]->binding.table_index == e->binding.table_index &&
                cols->items[i]->binding.column_index == e->binding.column_index)
                return SL_OK;
        return sl_expr_list_push(ctx->arena, cols, (sl_expr *)e, err);
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(collect_outer_columns(ctx, e->args[i], cols, err));
    return SL_OK;
}

/* Replaces depth-1 references to outer[i] by the depth-0 column (table_index, i) and
 * decrements deeper references (they move one level closer). */
static void bind_to_distinct(sl_expr *e, const sl_expr_list *outer, uint32_t table_index)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 1) {
        for (uint32_t i = 0; i < outer->count; i++) {
            if (outer->items[i]->binding.table_index == e->binding.table_index &&
                outer->items[i]->binding.column_index == e->binding.column_index) {
                e->binding.table_index = table_index;
                e->binding.column_index = i;
                e->depth = 0;
                return;
            }
        }
    } else if (e->kind == SL_EXPR_COLUMN && e->depth > 1) {
        e->depth--;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        bind_to_distinct(e->args[i], outer, table_index);
}

/* The general shape of a correlated scalar aggregate (any correlated predicates):
 *
 *   input LEFT JOIN AGGREGATE[groups d](D JOIN inner ON corr(d)) ON outer IS NOT DISTINCT FROM d
 *   D = DISTINCT(PROJECT[outer columns](copy of input))
 *
 * Fills *cond with the join condition of the final LEFT join; agg is rewired in place. */
static sl_status unnest_over_distinct_outer(sl_plan_context *ctx, sl_expr_list *corr, sl_logical_op *agg,
                                            sl_logical_op *input, sl_expr_list *cond, int position, sl_error *err)
{
    sl_expr_list outer = { 0 };
    for (uint32_t i = 0; i < corr->count; i++)
        SL_TRY(collect_outer_columns(ctx, corr->items[i], &outer, err));
    if (outer.count == 0)
        return unsupported(err, position, "correlated predicate without an outer column");
    for (uint32_t i = 0; i < outer.count; i++)
        if (sl_logical_find_column(input, outer.items[i]->binding) < 0)
            return unsupported(err, position, "outer column that is not produced by the FROM clause");

    /* D: the distinct outer values, from a copy of the input with fresh bindings */
    index_map m = { 0 };
    sl_logical_op *copy;
    SL_TRY(copy_plan(ctx, input, &m, &copy, err));
    sl_logical_op *proj = sl_logical_new(ctx, SL_LOP_PROJECT, 1);
    sl_logical_op *distinct = sl_logical_new(ctx, SL_LOP_DISTINCT, 1);
    sl_expr **cols = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * outer.count);
    if (!proj || !distinct || !cols)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < outer.count; i++) {
        const sl_expr *o = outer.items[i];
        cols[i] = sl_expr_column(ctx->arena, o->type, map_lookup(&m, o->binding.table_index), o->binding.column_index);
        if (!cols[i])
            return sl_error_oom(err);
    }
    proj->children[0] = copy;
    proj->exprs = cols;
    proj->expr_count = outer.count;
    proj->table_index = ctx->next_table_index++;
    SL_TRY(sl_logical_columns(ctx, proj, err));
    distinct->children[0] = proj;
    SL_TRY(sl_logical_columns(ctx, distinct, err));

    /* D JOIN inner ON the correlated predicates, now over D's columns */
    sl_expr_list on = { 0 };
    for (uint32_t i = 0; i < corr->count; i++) {
        sl_expr *c = sl_expr_clone(ctx->arena, corr->items[i]);
        if (!c)
            return sl_error_oom(err);
        bind_to_distinct(c, &outer, proj->table_index);
        SL_TRY(sl_expr_list_push(ctx->arena, &on, c, err));
    }
    sl_logical_op *below = distinct;
    SL_TRY(add_join(ctx, &below, agg->children[0], SL_JOIN_INNER, &on, NULL, err));
    agg->children[0] = below;

    /* group by D's columns; join back on IS NOT DISTINCT FROM */
    uint32_t group_index = ctx->next_table_index++;
    sl_expr **groups = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * outer.count);
    if (!groups)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < outer.count; i++) {
        const sl_expr *o = outer.items[i];
        groups[i] = sl_expr_column(ctx->arena, o->type, proj->table_index, i);
        sl_expr *outer_ref = sl_expr_clone(ctx->arena, o);
        sl_expr *g = sl_expr_column(ctx->arena, o->type, group_index, i);
        sl_expr *same = sl_expr_new(ctx->arena, SL_EXPR_IS_DISTINCT, sl_type_make(SL_TYPE_BOOLEAN));
        sl_expr **args = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * 2);
        if (!groups[i] || !outer_ref || !g || !same || !args)
            return sl_error_oom(err);
        outer_ref->depth = 0;
        args[0] = outer_ref;
        args[1] = g;
        same->args = args;
        same->arg_count = 2;
        same->negated = true;   /* IS NOT DISTINCT FROM */
        SL_TRY(sl_expr_list_push(ctx->arena, cond, same, err));
    }
    agg->exprs = groups;
    agg->expr_count = outer.count;
    agg->group_index = group_index;
    return sl_logical_columns(ctx, agg, err);
}

/* Splits correlated predicate c into its inner and outer sides if it is an equality
 * inner = outer (outer side: correlated columns only). */
static bool inner_outer_equality(sl_expr *c, sl_expr **inner, sl_expr **outer)
{
    if (!sl_expr_is_call(c, "="))
        return false;
    for (int side = 0; side < 2; side++) {
        sl_expr *in = c->args[side], *out = c->args[1 - side];
        if (!sl_expr_has_correlated(in) && sl_expr_has_correlated(out) && !has_depth0_column(out)) {
            *inner = in;
            *outer = out;
            return true;
        }
    }
    return false;
}

/* The common shape: every correlated predicate is inner = outer. The aggregate is grouped
 * by the inner sides; *cond receives outer = group column for the LEFT join. */
static sl_status group_by_inner_equalities(sl_plan_context *ctx, sl_expr_list *corr, sl_logical_op *agg,
                                           sl_expr_list *cond, sl_error *err)
{
    sl_expr **groups = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * (corr->count + 1));
    if (!groups)
        return sl_error_oom(err);
    uint32_t group_index = ctx->next_table_index++;
    for (uint32_t i = 0; i < corr->count; i++) {
        sl_expr *inner = NULL, *outer = NULL;
        inner_outer_equality(corr->items[i], &inner, &outer);
        groups[i] = inner;
        sl_expr *o = sl_expr_clone(ctx->arena, outer);
        sl_expr *g = sl_expr_column(ctx->arena, inner->type, group_index, i);
        if (!o || !g)
            return sl_error_oom(err);
        decrement_depth(o);
        sl_expr *eq;
        SL_TRY(sl_expr_make_compare(ctx->arena, "=", o, g, &eq, err));
        SL_TRY(sl_expr_list_push(ctx->arena, cond, eq, err));
    }
    agg->exprs = groups;
    agg->expr_count = corr->count;
    agg->group_index = group_index;
    return sl_logical_columns(ctx, agg, err);
}

static sl_status unnest_scalar_aggregate(sl_plan_context *ctx, sl_expr *s, sl_logical_op *agg,
                                         sl_logical_op **input, sl_expr **replacement, sl_error *err)
{
    sl_logical_op *top = s->subquery;
    sl_column_binding out_col = top->columns[0];
    sl_expr_list corr = { 0 }, cond = { 0 };
    SL_TRY(pull(ctx, &agg->children[0], &corr, s->position, err));
    SL_TRY(sl_logical_refresh(ctx, top, err));
    if (plan_has_correlated(agg))
        return unsupported(err, s->position, "outer column inside an aggregate of a scalar subquery");
    bool all_equalities = true;
    for (uint32_t i = 0; i < corr.count && all_equalities; i++) {
        sl_expr *inner, *outer;
        all_equalities = inner_outer_equality(corr.items[i], &inner, &outer);
    }
    if (all_equalities)
        SL_TRY(group_by_inner_equalities(ctx, &corr, agg, &cond, err));
    else
        SL_TRY(unnest_over_distinct_outer(ctx, &corr, agg, *input, &cond, s->position, err));
    SL_TRY(sl_logical_refresh(ctx, top, err));

    /* evaluate the subquery's projection above the LEFT join */
    sl_expr *e = sl_expr_column(ctx->arena, top->types[0], out_col.table_index, out_col.column_index);
    if (!e)
        return sl_error_oom(err);
    for (sl_logical_op *p = top; p != agg; p = p->children[0]) {
        e = sl_expr_substitute(ctx->arena, e, p->table_index, p->exprs, p->expr_count);
        if (!e)
            return sl_error_oom(err);
    }
    bool oom = false;
    e = coalesce_counts(ctx, e, agg, &oom);
    if (oom)
        return sl_error_oom(err);
    decrement_depth(e);
    SL_TRY(add_join(ctx, input, agg, SL_JOIN_LEFT, &cond, NULL, err));
    *replacement = e;
    return SL_OK;
}

/* Replaces subquery s (anywhere in an expression over *input) by a join and an expression. */
static sl_status unnest_general(sl_plan_context *ctx, sl_expr *s, sl_logical_op **input, sl_expr **replacement,
                                sl_error *err)
{
    sl_arena *arena = ctx->arena;
    if (s->subquery_kind == SL_SUBQUERY_SCALAR) {
        SL_TRY(decorrelate(ctx, &s->subquery, err));
        SL_TRY(sl_logical_refresh(ctx, s->subquery, err));
        sl_logical_op *agg = global_aggregate(s->subquery);
        if (agg && plan_has_correlated(s->subquery))
            return unnest_scalar_aggregate(ctx, s, agg, input, replacement, err);
        sl_expr_list corr = { 0 };
        sl_column_binding out_col;
        sl_type out_type;
        SL_TRY(prepare(ctx, s, &corr, &out_col, &out_type, err));
        bool one_row = corr.count == 0 && agg != NULL;
        SL_TRY(add_join(ctx, input, s->subquery, one_row ? SL_JOIN_INNER : SL_JOIN_SINGLE, &corr, NULL, err));
        *replacement = sl_expr_column(arena, out_type, out_col.table_index, out_col.column_index);
        return *replacement ? SL_OK : sl_error_oom(err);
    }
    sl_expr_list corr = { 0 };
    sl_column_binding out_col;
    sl_type out_type;
    SL_TRY(prepare(ctx, s, &corr, &out_col, &out_type, err));
    sl_logical_op *join;
    if (s->subquery_kind == SL_SUBQUERY_EXISTS) {
        SL_TRY(add_join(ctx, input, s->subquery, SL_JOIN_MARK, &corr, &join, err));
        sl_expr *mark = sl_expr_column(arena, sl_type_make(SL_TYPE_BOOLEAN), join->mark_index, 0);
        *replacement = make_coalesce(arena, mark, bool_constant(arena, false));
        if (*replacement && s->negated)
            *replacement = make_not(arena, *replacement);
        return *replacement ? SL_OK : sl_error_oom(err);
    }
    if (corr.count)
        return unsupported(err, s->position,
                           "correlated IN / ANY / ALL outside a top-level WHERE conjunct (rewrite with EXISTS)");
    sl_expr *cmp;
    SL_TRY(subquery_compare(ctx, s, out_col, out_type, &cmp, err));
    bool all = s->subquery_kind == SL_SUBQUERY_ALL;
    if (all && !(cmp = make_not(arena, cmp)))
        return sl_error_oom(err);
    SL_TRY(sl_expr_list_push(arena, &corr, cmp, err));
    SL_TRY(add_join(ctx, input, s->subquery, SL_JOIN_MARK, &corr, &join, err));
    sl_expr *mark = sl_expr_column(arena, sl_type_make(SL_TYPE_BOOLEAN), join->mark_index, 0);
    if (mark && (all != s->negated))
        mark = make_not(arena, mark);
    *replacement = mark;
    return mark ? SL_OK : sl_error_oom(err);
}

/* Replaces every subquery inside e (outside nested subquery plans). */
static sl_status replace_subqueries(sl_plan_context *ctx, sl_expr **ep, sl_logical_op **input, sl_error *err)
{
    sl_expr *e = *ep;
    if (!e)
        return SL_OK;
    if (e->kind == SL_EXPR_SUBQUERY) {
        sl_expr *r;
        SL_TRY(unnest_general(ctx, e, input, &r, err));
        if (e->alias && !r->alias)
            r->alias = e->alias;
        *ep = r;
        return SL_OK;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        SL_TRY(replace_subqueries(ctx, &e->args[i], input, err));
    return SL_OK;
}

/* ---------------------------------------------------------------- tree walk */

static sl_status decorrelate(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err)
{
    sl_logical_op *op = *opp;
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(decorrelate(ctx, &op->children[i], err));

    switch (op->kind) {
    case SL_LOP_FILTER: {
        uint32_t kept = 0;
        for (uint32_t i = 0; i < op->predicate_count; i++) {
            sl_expr *p = op->predicates[i];
            if (sl_expr_has_subquery(p)) {
                bool done;
                SL_TRY(unnest_conjunct(ctx, p, &op->children[0], &done, err));
                if (done)
                    continue;
                SL_TRY(replace_subqueries(ctx, &p, &op->children[0], err));
            }
            op->predicates[kept++] = p;
        }
        op->predicate_count = kept;
        if (kept == 0) {
            *opp = op->children[0];
            return SL_OK;
        }
        break;
    }
    case SL_LOP_PROJECT:
        for (uint32_t i = 0; i < op->expr_count; i++)
            if (sl_expr_has_subquery(op->exprs[i]))
                SL_TRY(replace_subqueries(ctx, &op->exprs[i], &op->children[0], err));
        break;
    default: {
        bool found = sl_expr_has_subquery(op->condition);
        for (uint32_t i = 0; i < op->expr_count && !found; i++)
            found = sl_expr_has_subquery(op->exprs[i]);
        for (uint32_t i = 0; i < op->aggregate_count && !found; i++)
            found = sl_expr_has_subquery(op->aggregates[i]);
        for (uint32_t i = 0; i < op->order_count && !found; i++)
            found = sl_expr_has_subquery(op->orders[i].expr);
        if (op->kind == SL_LOP_VALUES)
            for (uint32_t i = 0; i < op->row_count * op->value_width && !found; i++)
                found = sl_expr_has_subquery(op->values[i]);
        if (found)
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "subquery not supported in this clause (join condition, GROUP BY, ORDER BY, "
                                "aggregate argument or VALUES); move it into WHERE or the select list");
        break;
    }
    }
    if (op->kind == SL_LOP_EMPTY)
        return SL_OK;
    return sl_logical_columns(ctx, op, err);
}

sl_status sl_optimize_decorrelate(sl_plan_context *ctx, sl_logical_op **root, sl_error *err)
{
    return decorrelate(ctx, root, err);
}
