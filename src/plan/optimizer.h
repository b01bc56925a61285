/*
 * optimizer.h — rewrites of the bound logical plan before physical planning.
 *
 * Data flow: binder ─► logical plan ─► sl_optimize (this module) ─► sl_physical_plan
 * (physical.c) ─► executor. sl_optimize runs the rules in this order, each one file:
 *
 *   decorrelate.c    SL_EXPR_SUBQUERY → SEMI / ANTI / MARK / SINGLE / LEFT joins
 *   fold.c           constant folding; FILTER that folds to FALSE/NULL → EMPTY
 *   pushdown.c       filter pushdown, WHERE conjuncts → join conditions
 *   join_order.c     greedy reordering of inner-join trees by estimated cardinality
 *   column_pruning.c scans read only referenced columns (scan_columns)
 *
 * Every rule rewrites the tree in place or builds new nodes in ctx->arena, allocates new
 * table indexes from ctx->next_table_index, and recomputes output columns with
 * sl_logical_columns. Bindings are stable: a rule never renumbers existing columns.
 *
 * The helpers below are shared by the rule files (not a public API).
 */
#ifndef SL_PLAN_OPTIMIZER_H
#define SL_PLAN_OPTIMIZER_H

#include "plan/logical.h"

/* Optimizes `root` (owned by ctx->arena; nodes may be rewritten in place) and returns the
 * new root in *out. The output columns (count, types, order) of the root are preserved.
 * Errors: a subquery shape the decorrelator cannot unnest (SL_ERR_INVALID_INPUT with a
 * message naming the construct), OOM, internal invariant violations. */
sl_status sl_optimize(sl_plan_context *ctx, sl_logical_op *root, sl_logical_op **out, sl_error *err);

/* ---------------------------------------------------------------- rules */

sl_status sl_optimize_decorrelate(sl_plan_context *ctx, sl_logical_op **root, sl_error *err);
sl_status sl_optimize_fold(sl_plan_context *ctx, sl_logical_op **root, sl_error *err);
sl_status sl_optimize_pushdown(sl_plan_context *ctx, sl_logical_op **root, sl_error *err);
sl_status sl_optimize_join_order(sl_plan_context *ctx, sl_logical_op **root, sl_error *err);
sl_status sl_optimize_column_pruning(sl_plan_context *ctx, sl_logical_op *root, sl_error *err);

/* Estimated output rows of a logical subtree (heuristics in join_order.c). */
double sl_plan_estimate_rows(const sl_logical_op *op);
/* Estimated fraction of rows a predicate keeps (join_order.c). */
double sl_plan_selectivity(const sl_expr *predicate);

/* ---------------------------------------------------------------- shared helpers */

/* A growable list of expressions in the arena. */
typedef struct sl_expr_list {
    sl_expr **items;
    uint32_t count;
    uint32_t capacity;
} sl_expr_list;

sl_status sl_expr_list_push(sl_arena *arena, sl_expr_list *list, sl_expr *e, sl_error *err);
/* Appends the conjuncts of e (flattening nested ANDs) to list. e may be NULL. */
sl_status sl_expr_split_conjuncts(sl_arena *arena, const sl_expr *e, sl_expr_list *list, sl_error *err);
/* AND of items (NULL when count == 0, items[0] when count == 1). */
sl_expr *sl_expr_make_and(sl_arena *arena, sl_expr **items, uint32_t count);
/* Deep copy: args, aggregate filter / ORDER BY, window spec (subquery plans shared). */
sl_expr *sl_expr_clone(sl_arena *arena, const sl_expr *e);
/* Binary comparison through the function registry ("=", "<", ...). */
sl_status sl_expr_make_compare(sl_arena *arena, const char *op, sl_expr *left, sl_expr *right, sl_expr **out,
                               sl_error *err);
/* Is e a call of the binary comparison named op (e.g. "=")? */
bool sl_expr_is_call(const sl_expr *e, const char *op);

/* True if e has a column reference with depth >= 1 (outside nested subquery plans). */
bool sl_expr_has_correlated(const sl_expr *e);
/* True if e contains an SL_EXPR_SUBQUERY node. */
bool sl_expr_has_subquery(const sl_expr *e);
/* True if e contains a volatile function call. */
bool sl_expr_has_volatile(const sl_expr *e);
/* True if every depth-0 column reference of e is an output column of op. */
bool sl_expr_bound_by(const sl_expr *e, const sl_logical_op *op);
/* True if e references at least one depth-0 column of op's output. */
bool sl_expr_references(const sl_expr *e, const sl_logical_op *op);
/* Position of binding b in op's output, or -1. */
int sl_logical_find_column(const sl_logical_op *op, sl_column_binding b);
/* Returns a copy of e where every depth-0 column (table_index, i) is replaced by a clone
 * of exprs[i]. */
sl_expr *sl_expr_substitute(sl_arena *arena, const sl_expr *e, uint32_t table_index, sl_expr *const *exprs,
                            uint32_t count);
/* Recomputes output columns of the whole subtree (children first; EMPTY untouched). */
sl_status sl_logical_refresh(sl_plan_context *ctx, sl_logical_op *op, sl_error *err);

#endif
