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
 *                                               (the "count bug")
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
    sl_expr **groups = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * (corr.count + 1));
    if (!groups)
        return sl_error_oom(err);
    uint32_t group_index = ctx->next_table_index++;
    for (uint32_t i = 0; i < corr.count; i++) {
        sl_expr *c = corr.items[i];
        sl_expr *inner = NULL, *outer = NULL;
        if (sl_expr_is_call(c, "=")) {
            if (!sl_expr_has_correlated(c->args[0]) && sl_expr_has_correlated(c->args[1]) &&
                !has_depth0_column(c->args[1])) {
                inner = c->args[0];
                outer = c->args[1];
            } else if (!sl_expr_has_correlated(c->args[1]) && sl_expr_has_correlated(c->args[0]) &&
                       !has_depth0_column(c->args[0])) {
                inner = c->args[1];
                outer = c->args[0];
            }
        }
        if (!inner)
            return unsupported(err, s->position,
                               "correlated aggregate subquery whose correlation is not an equality "
                               "between an inner and an outer expression");
        groups[i] = inner;
        sl_expr *o = sl_expr_clone(ctx->arena, outer);
        sl_expr *g = sl_expr_column(ctx->arena, inner->type, group_index, i);
        if (!o || !g)
            return sl_error_oom(err);
        decrement_depth(o);
        sl_expr *eq;
        SL_TRY(sl_expr_make_compare(ctx->arena, "=", o, g, &eq, err));
        SL_TRY(sl_expr_list_push(ctx->arena, &cond, eq, err));
    }
    agg->exprs = groups;
    agg->expr_count = corr.count;
    agg->group_index = group_index;
    SL_TRY(sl_logical_columns(ctx, agg, err));

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
