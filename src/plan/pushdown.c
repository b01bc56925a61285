/*
 * pushdown.c — filter pushdown and join-condition extraction.
 *
 * Predicates travel down the tree as a list of conjuncts. Each operator keeps what it
 * must evaluate itself and passes on what a child can evaluate earlier:
 *   FILTER              its conjuncts join the list; the node disappears
 *   INNER JOIN / cross  condition conjuncts join the list; one-sided conjuncts go to that
 *                       side, two-sided ones become the join condition
 *   LEFT / SEMI / ANTI / SINGLE / MARK
 *                       conjuncts over the left (preserved) side go left; the rest stays
 *                       above; ON conjuncts over the right side only are pushed right
 *                       (not for MARK, whose NULL result depends on every right row)
 *   RIGHT               mirror of LEFT (ON conjuncts over the left side go left)
 *   PROJECT / AGGREGATE conjuncts are rewritten through the projection / group keys
 *   SORT, DISTINCT      transparent
 * Anything else stops the descent and keeps a FILTER on top.
 */
#include "plan/optimizer.h"

static sl_status push(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                      sl_error *err);

/* Puts the remaining predicates in a FILTER over op. */
static sl_status wrap_filter(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                             sl_error *err)
{
    if (preds->count == 0) {
        *out = op;
        return SL_OK;
    }
    sl_logical_op *f = sl_logical_new(ctx, SL_LOP_FILTER, 1);
    if (!f)
        return sl_error_oom(err);
    f->children[0] = op;
    f->predicate_count = preds->count;
    f->predicates = preds->items;
    SL_TRY(sl_logical_columns(ctx, f, err));
    *out = f;
    return SL_OK;
}

/* Recurses into every child with an empty list and keeps preds above op. */
static sl_status stop_here(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                           sl_error *err)
{
    for (uint32_t i = 0; i < op->child_count; i++) {
        sl_expr_list none = { 0 };
        SL_TRY(push(ctx, op->children[i], &none, &op->children[i], err));
    }
    SL_TRY(sl_logical_columns(ctx, op, err));
    return wrap_filter(ctx, op, preds, out, err);
}

static bool pushable(const sl_expr *e)
{
    return !sl_expr_has_subquery(e) && !sl_expr_has_volatile(e) && !sl_expr_has_correlated(e);
}

static sl_status push_join(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                           sl_error *err)
{
    sl_arena *arena = ctx->arena;
    sl_logical_op *l = op->children[0], *r = op->children[1];
    sl_expr_list to_l = { 0 }, to_r = { 0 }, above = { 0 }, cond = { 0 };
    sl_join_type jt = op->join_type;

    if (jt == SL_JOIN_INNER) {
        SL_TRY(sl_expr_split_conjuncts(arena, op->condition, preds, err));
        for (uint32_t i = 0; i < preds->count; i++) {
            sl_expr *p = preds->items[i];
            bool refl = sl_expr_references(p, l), refr = sl_expr_references(p, r);
            if (!pushable(p))
                SL_TRY(sl_expr_list_push(arena, refl && refr ? &cond : &above, p, err));
            else if (sl_expr_bound_by(p, l) && (refl || !refr))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else if (sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else
                SL_TRY(sl_expr_list_push(arena, &cond, p, err));
        }
    } else {
        sl_expr_list on = { 0 };
        SL_TRY(sl_expr_split_conjuncts(arena, op->condition, &on, err));
        bool left_preserved = jt == SL_JOIN_LEFT || jt == SL_JOIN_SEMI || jt == SL_JOIN_ANTI ||
                              jt == SL_JOIN_SINGLE || jt == SL_JOIN_MARK;
        for (uint32_t i = 0; i < preds->count; i++) {
            sl_expr *p = preds->items[i];
            if (pushable(p) && left_preserved && sl_expr_bound_by(p, l))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else if (pushable(p) && jt == SL_JOIN_RIGHT && sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else
                SL_TRY(sl_expr_list_push(arena, &above, p, err));
        }
        for (uint32_t i = 0; i < on.count; i++) {
            sl_expr *p = on.items[i];
            bool push_right = left_preserved && jt != SL_JOIN_MARK;
            if (pushable(p) && push_right && sl_expr_references(p, r) && sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else if (pushable(p) && jt == SL_JOIN_RIGHT && sl_expr_references(p, l) && sl_expr_bound_by(p, l))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else
                SL_TRY(sl_expr_list_push(arena, &cond, p, err));
        }
    }
    SL_TRY(push(ctx, l, &to_l, &op->children[0], err));
    SL_TRY(push(ctx, r, &to_r, &op->children[1], err));
    op->condition = NULL;
    if (cond.count && !(op->condition = sl_expr_make_and(arena, cond.items, cond.count)))
        return sl_error_oom(err);
    SL_TRY(sl_logical_columns(ctx, op, err));
    return wrap_filter(ctx, op, &above, out, err);
}

/* Rewrites preds through a binding-producing operator (PROJECT: table_index → exprs;
 * AGGREGATE: group_index → groups) and pushes those that then fit the child. */
static sl_status push_through(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, uint32_t table_index,
                              sl_expr **exprs, uint32_t count, sl_logical_op **out, sl_error *err)
{
    sl_logical_op *child = op->children[0];
    sl_expr_list down = { 0 }, above = { 0 };
    for (uint32_t i = 0; i < preds->count; i++) {
        sl_expr *p = preds->items[i];
        bool ok = pushable(p);
        sl_expr *rewritten = NULL;
        if (ok) {
            rewritten = sl_expr_substitute(ctx->arena, p, table_index, exprs, count);
            if (!rewritten)
                return sl_error_oom(err);
            /* a predicate without column references stays above an AGGREGATE (a global
             * aggregate yields a row even for empty input) */
            ok = sl_expr_bound_by(rewritten, child) && pushable(rewritten) &&
                 (op->kind != SL_LOP_AGGREGATE || sl_expr_references(rewritten, child));
        }
        SL_TRY(sl_expr_list_push(ctx->arena, ok ? &down : &above, ok ? rewritten : p, err));
    }
    SL_TRY(push(ctx, child, &down, &op->children[0], err));
    SL_TRY(sl_logical_columns(ctx, op, err));
    return wrap_filter(ctx, op, &above, out, err);
}

static sl_status push(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                      sl_error *err)
{
    switch (op->kind) {
    case SL_LOP_FILTER:
        for (uint32_t i = 0; i < op->predicate_count; i++)
            SL_TRY(sl_expr_split_conjuncts(ctx->arena, op->predicates[i], preds, err));
        return push(ctx, op->children[0], preds, out, err);
    case SL_LOP_JOIN:
        if (op->join_type == SL_JOIN_FULL)
            return stop_here(ctx, op, preds, out, err);
        return push_join(ctx, op, preds, out, err);
    case SL_LOP_PROJECT:
        for (uint32_t i = 0; i < op->expr_count; i++)
            if (sl_expr_has_volatile(op->exprs[i]) || sl_expr_has_subquery(op->exprs[i]))
                return stop_here(ctx, op, preds, out, err);
        return push_through(ctx, op, preds, op->table_index, op->exprs, op->expr_count, out, err);
    case SL_LOP_AGGREGATE:
        return push_through(ctx, op, preds, op->group_index, op->exprs, op->expr_count, out, err);
    case SL_LOP_SORT:
    case SL_LOP_DISTINCT:
        if (op->kind == SL_LOP_DISTINCT && op->expr_count > 0)
            return stop_here(ctx, op, preds, out, err);
        SL_TRY(push(ctx, op->children[0], preds, &op->children[0], err));
        SL_TRY(sl_logical_columns(ctx, op, err));
        *out = op;
        return SL_OK;
    default:
        return stop_here(ctx, op, preds, out, err);
    }
}

sl_status sl_optimize_pushdown(sl_plan_context *ctx, sl_logical_op **root, sl_error *err)
{
    sl_expr_list none = { 0 };
    return push(ctx, *root, &none, root, err);
}
