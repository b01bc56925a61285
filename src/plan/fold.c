/*
 * fold.c — constant folding.
 *
 * Every maximal foldable sub-expression (sl_expr_is_foldable: no columns, parameters,
 * subqueries, aggregates, windows or volatile calls) that is not already a constant is
 * evaluated once with sl_expr_evaluate_constant and replaced by a constant. A failing
 * evaluation (1/0 in a CASE branch that may never run) leaves the expression alone: the
 * error, if any, happens at run time as the query specifies.
 * FILTER conjuncts that fold to TRUE are dropped; one that folds to FALSE or NULL turns
 * the FILTER into EMPTY (same bindings, zero rows).
 */
#include "plan/optimizer.h"

#include <string.h>

static sl_expr *fold_expr(sl_plan_context *ctx, sl_expr *e)
{
    if (!e || e->kind == SL_EXPR_CONSTANT || e->kind == SL_EXPR_COLUMN)
        return e;
    if (e->kind != SL_EXPR_AGGREGATE && e->kind != SL_EXPR_WINDOW && e->kind != SL_EXPR_SUBQUERY &&
        sl_expr_is_foldable(e)) {
        sl_eval_context ectx;
        memset(&ectx, 0, sizeof ectx);
        sl_value v;
        sl_error err;
        if (sl_expr_evaluate_constant(e, &ectx, &v, &err) == SL_OK) {
            if (v.is_null)
                v.type = e->type;
            sl_expr *c = NULL;
            if (sl_type_equal(v.type, e->type))
                c = sl_expr_constant(ctx->arena, &v);
            sl_value_free(&v);
            if (c) {
                c->alias = e->alias;
                c->position = e->position;
                return c;
            }
        }
        return e;
    }
    for (uint32_t i = 0; i < e->arg_count; i++)
        e->args[i] = fold_expr(ctx, e->args[i]);
    return e;
}

static void fold_list(sl_plan_context *ctx, sl_expr **list, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        list[i] = fold_expr(ctx, list[i]);
}

static bool is_true(const sl_expr *e)
{
    return e->kind == SL_EXPR_CONSTANT && !e->value.is_null && e->value.type.id == SL_TYPE_BOOLEAN &&
           e->value.v.boolean;
}
static bool is_false_or_null(const sl_expr *e)
{
    return e->kind == SL_EXPR_CONSTANT && (e->value.is_null || (e->value.type.id == SL_TYPE_BOOLEAN &&
                                                                 !e->value.v.boolean));
}

static sl_status fold(sl_plan_context *ctx, sl_logical_op *op, sl_error *err)
{
    for (uint32_t i = 0; i < op->child_count; i++)
        SL_TRY(fold(ctx, op->children[i], err));
    switch (op->kind) {
    case SL_LOP_FILTER: {
        fold_list(ctx, op->predicates, op->predicate_count);
        uint32_t kept = 0;
        bool empty = false;
        for (uint32_t i = 0; i < op->predicate_count; i++) {
            if (is_true(op->predicates[i]))
                continue;
            if (is_false_or_null(op->predicates[i]))
                empty = true;
            op->predicates[kept++] = op->predicates[i];
        }
        op->predicate_count = kept;
        SL_TRY(sl_logical_columns(ctx, op, err));
        if (empty) {
            /* keep columns / types / names: EMPTY exposes the FILTER's bindings */
            op->kind = SL_LOP_EMPTY;
            op->child_count = 0;
            op->predicate_count = 0;
        }
        return SL_OK;
    }
    case SL_LOP_PROJECT:
    case SL_LOP_AGGREGATE:
        fold_list(ctx, op->exprs, op->expr_count);
        break;
    case SL_LOP_JOIN:
        op->condition = fold_expr(ctx, op->condition);
        if (op->condition && is_true(op->condition) && op->join_type == SL_JOIN_INNER)
            op->condition = NULL;
        break;
    default:
        break;
    }
    if (op->kind == SL_LOP_EMPTY)
        return SL_OK;
    return sl_logical_columns(ctx, op, err);
}

sl_status sl_optimize_fold(sl_plan_context *ctx, sl_logical_op **root, sl_error *err)
{
    return fold(ctx, *root, err);
}
