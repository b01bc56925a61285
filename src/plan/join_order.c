/*
 * join_order.c — cardinality estimates and greedy join ordering.
 *
 * A maximal tree of INNER joins / cross products is flattened into its relations (the
 * subtrees below it, themselves reordered first) and its conjuncts. Greedy operator
 * ordering then repeatedly joins the pair of components with the smallest estimated
 * result among the pairs connected by a predicate; only when no predicate connects any
 * two components does it form a cross product (of the two smallest). Each join gets
 * every pending conjunct its two sides cover, and the smaller estimated side becomes the
 * build side (children[1]).
 *
 * Estimates (no statistics yet): base tables use sl_table.row_count; an equality with a
 * constant keeps 10%, a range 30%, anything else 50%; an equi-join keeps max(|L|, |R|)
 * (foreign-key join assumption); a global aggregate yields 1 row, a grouped one 10%.
 */
#include "plan/optimizer.h"

#include "catalog/catalog.h"

double sl_plan_selectivity(const sl_expr *p)
{
    if (!p)
        return 1.0;
    switch (p->kind) {
    case SL_EXPR_AND: {
        double s = 1.0;
        for (uint32_t i = 0; i < p->arg_count; i++)
            s *= sl_plan_selectivity(p->args[i]);
        return s;
    }
    case SL_EXPR_OR: {
        double s = 0.0;
        for (uint32_t i = 0; i < p->arg_count; i++)
            s += sl_plan_selectivity(p->args[i]);
        return s > 1.0 ? 1.0 : s;
    }
    case SL_EXPR_NOT:
        return 1.0 - sl_plan_selectivity(p->args[0]) * 0.5;
    case SL_EXPR_IN_LIST: {
        double s = 0.1 * (p->arg_count ? p->arg_count - 1 : 1);
        if (s > 0.5)
            s = 0.5;
        return p->negated ? 1.0 - s : s;
    }
    case SL_EXPR_IS_NULL:
        return 0.1;
    case SL_EXPR_CONSTANT:
        return (!p->value.is_null && p->value.type.id == SL_TYPE_BOOLEAN && p->value.v.boolean) ? 1.0 : 0.0;
    case SL_EXPR_CALL:
        if (sl_expr_is_call(p, "="))
            return 0.1;
        if (sl_expr_is_call(p, "<") || sl_expr_is_call(p, "<=") || sl_expr_is_call(p, ">") ||
            sl_expr_is_call(p, ">="))
            return 0.3;
        if (sl_expr_is_call(p, "<>"))
            return 0.9;
        return 0.3;
    default:
        return 0.5;
    }
}

static bool has_equi_join(const sl_expr *cond, const sl_logical_op *l, const sl_logical_op *r)
{
    if (!cond)
        return false;
    if (cond->kind == SL_EXPR_AND) {
        for (uint32_t i = 0; i < cond->arg_count; i++)
            if (has_equi_join(cond->args[i], l, r))
                return true;
        return false;
    }
    if (!sl_expr_is_call(cond, "="))
        return false;
    const sl_expr *a = cond->args[0], *b = cond->args[1];
    return (sl_expr_references(a, l) && sl_expr_references(b, r)) ||
           (sl_expr_references(a, r) && sl_expr_references(b, l));
}

/* Selectivity of the non-equi-join parts of a join condition. */
static double residual_selectivity(const sl_expr *cond, const sl_logical_op *l, const sl_logical_op *r)
{
    if (!cond)
        return 1.0;
    if (cond->kind == SL_EXPR_AND) {
        double s = 1.0;
        for (uint32_t i = 0; i < cond->arg_count; i++)
            s *= residual_selectivity(cond->args[i], l, r);
        return s;
    }
    if (has_equi_join(cond, l, r))
        return 1.0;
    return sl_plan_selectivity(cond);
}

static double join_estimate(double lr, double rr, const sl_expr *cond, const sl_logical_op *l,
                            const sl_logical_op *r)
{
    double base = has_equi_join(cond, l, r) ? (lr > rr ? lr : rr) : lr * rr;
    return base * residual_selectivity(cond, l, r);
}

double sl_plan_estimate_rows(const sl_logical_op *op)
{
    double c = op->child_count ? sl_plan_estimate_rows(op->children[0]) : 1.0;
    double r;
    switch (op->kind) {
    case SL_LOP_SCAN:
        r = op->table ? (double)op->table->row_count : 1000.0;
        break;
    case SL_LOP_TABLE_FUNCTION:
        r = 1000.0;
        break;
    case SL_LOP_VALUES:
        r = op->row_count;
        break;
    case SL_LOP_DUMMY:
        r = 1.0;
        break;
    case SL_LOP_EMPTY:
        r = 0.0;
        break;
    case SL_LOP_FILTER: {
        r = c;
        for (uint32_t i = 0; i < op->predicate_count; i++)
            r *= sl_plan_selectivity(op->predicates[i]);
        break;
    }
    case SL_LOP_AGGREGATE:
        r = op->expr_count ? c * 0.1 : 1.0;
        break;
    case SL_LOP_DISTINCT:
        r = c * 0.5;
        break;
    case SL_LOP_LIMIT:
        r = c;
        if (op->limit >= 0 && (double)op->limit < r)
            r = (double)op->limit;
        break;
    case SL_LOP_JOIN: {
        double rr = sl_plan_estimate_rows(op->children[1]);
        switch (op->join_type) {
        case SL_JOIN_SEMI:
        case SL_JOIN_ANTI:
            r = c * 0.5;
            break;
        case SL_JOIN_MARK:
        case SL_JOIN_SINGLE:
            r = c;
            break;
        default:
            r = join_estimate(c, rr, op->condition, op->children[0], op->children[1]);
            if (op->join_type == SL_JOIN_LEFT && r < c)
                r = c;
            break;
        }
        break;
    }
    case SL_LOP_SETOP:
        r = c + sl_plan_estimate_rows(op->children[1]);
        break;
    default:
        r = c;
        break;
    }
    return r < 1.0 && op->kind != SL_LOP_EMPTY ? 1.0 : r;
}

/* ---------------------------------------------------------------- reordering */

typedef struct rel_list {
    sl_logical_op **items;
    uint32_t count, capacity;
} rel_list;

static sl_status reorder(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err);

static sl_status flatten(sl_plan_context *ctx, sl_logical_op *op, rel_list *rels, sl_expr_list *conds,
                         sl_error *err)
{
    if (op->kind == SL_LOP_JOIN && op->join_type == SL_JOIN_INNER) {
        SL_TRY(sl_expr_split_conjuncts(ctx->arena, op->condition, conds, err));
        SL_TRY(flatten(ctx, op->children[0], rels, conds, err));
        return flatten(ctx, op->children[1], rels, conds, err);
    }
    SL_TRY(reorder(ctx, &op, err));
    if (rels->count == rels->capacity) {
        uint32_t cap = rels->capacity ? rels->capacity * 2 : 8;
        sl_logical_op **items = sl_arena_alloc(ctx->arena, sizeof(*items) * cap);
        if (!items)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < rels->count; i++)
            items[i] = rels->items[i];
        rels->items = items;
        rels->capacity = cap;
    }
    rels->items[rels->count++] = op;
    return SL_OK;
}

/* Builds the join of a and b with every unused conjunct the pair covers (used[] marks). */
static sl_status make_join(sl_plan_context *ctx, sl_logical_op *a, sl_logical_op *b, sl_expr_list *conds,
                           bool *used, bool dry_run, double *estimate, sl_logical_op **out, sl_error *err)
{
    sl_logical_op *j = sl_logical_new(ctx, SL_LOP_JOIN, 2);
    if (!j)
        return sl_error_oom(err);
    double ea = sl_plan_estimate_rows(a), eb = sl_plan_estimate_rows(b);
    j->join_type = SL_JOIN_INNER;
    j->children[0] = ea >= eb ? a : b;   /* larger side probes */
    j->children[1] = ea >= eb ? b : a;   /* smaller side builds */
    SL_TRY(sl_logical_columns(ctx, j, err));
    sl_expr_list mine = { 0 };
    for (uint32_t i = 0; i < conds->count; i++) {
        if (used[i] || !sl_expr_bound_by(conds->items[i], j))
            continue;
        if (!sl_expr_references(conds->items[i], a) || !sl_expr_references(conds->items[i], b))
            continue;
        SL_TRY(sl_expr_list_push(ctx->arena, &mine, conds->items[i], err));
        if (!dry_run)
            used[i] = true;
    }
    j->condition = sl_expr_make_and(ctx->arena, mine.items, mine.count);
    if (mine.count && !j->condition)
        return sl_error_oom(err);
    *estimate = join_estimate(ea, eb, j->condition, a, b);
    *out = j;
    return SL_OK;
}

static sl_status reorder_inner(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err)
{
    rel_list rels = { 0 };
    sl_expr_list conds = { 0 };
    SL_TRY(flatten(ctx, *opp, &rels, &conds, err));
    bool *used = sl_arena_calloc(ctx->arena, conds.count + 1);
    if (!used)
        return sl_error_oom(err);
    while (rels.count > 1) {
        int bi = -1, bj = -1;
        double best = 0;
        bool best_connected = false;
        for (uint32_t i = 0; i < rels.count; i++) {
            for (uint32_t j = i + 1; j < rels.count; j++) {
                sl_logical_op *trial;
                double est;
                SL_TRY(make_join(ctx, rels.items[i], rels.items[j], &conds, used, true, &est, &trial, err));
                bool connected = trial->condition != NULL;
                if (bi < 0 || (connected && !best_connected) || (connected == best_connected && est < best)) {
                    bi = (int)i;
                    bj = (int)j;
                    best = est;
                    best_connected = connected;
                }
            }
        }
        sl_logical_op *joined;
        double est;
        SL_TRY(make_join(ctx, rels.items[bi], rels.items[bj], &conds, used, false, &est, &joined, err));
        rels.items[bi] = joined;
        rels.items[bj] = rels.items[--rels.count];
    }
    sl_logical_op *result = rels.items[0];
    sl_expr_list rest = { 0 };
    for (uint32_t i = 0; i < conds.count; i++)
        if (!used[i])
            SL_TRY(sl_expr_list_push(ctx->arena, &rest, conds.items[i], err));
    if (rest.count) {
        sl_logical_op *f = sl_logical_new(ctx, SL_LOP_FILTER, 1);
        if (!f)
            return sl_error_oom(err);
        f->children[0] = result;
        f->predicate_count = rest.count;
        f->predicates = rest.items;
        SL_TRY(sl_logical_columns(ctx, f, err));
        result = f;
    }
    *opp = result;
    return SL_OK;
}

static sl_status reorder(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err)
{
    sl_logical_op *op = *opp;
    if (op->kind == SL_LOP_JOIN && op->join_type == SL_JOIN_INNER)
        return reorder_inner(ctx, opp, err);
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(reorder(ctx, &op->children[i], err));
    if (op->kind == SL_LOP_EMPTY)
        return SL_OK;
    return sl_logical_columns(ctx, op, err);
}

sl_status sl_optimize_join_order(sl_plan_context *ctx, sl_logical_op **root, sl_error *err)
{
    return reorder(ctx, root, err);
}
