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
 *   WINDOW_TVF          conjuncts over the child's columns go below (SESSION: only those
 *                       over its partition keys)
 * Anything else stops the descent and keeps a FILTER on top.
 *
 * OR rewrites (applied to every conjunct that enters the list or a join condition):
 *   factoring   conjuncts common to every disjunct move out of the OR:
 *               (A AND B) OR (A AND C) → A AND (B OR C); (A) OR (A AND B) → A
 *               (distributivity and absorption hold in three-valued logic). This is
 *               what turns TPC-H q19's OR of three conjunctions into a hash join.
 *   derivation  an OR over both sides of a join whose every disjunct has conjuncts over
 *               one side alone implies OR(AND(those conjuncts)) for that side; the
 *               implied filter is pushed to that side and the original predicate stays
 *               (as DuckDB does). Applied for inner joins (both sides), WHERE over a
 *               preserved left side, and ON conditions over the right side of LEFT /
 *               SEMI / ANTI / SINGLE joins.
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

/* Appends the disjuncts of e (flattening nested ORs) to list. */
static sl_status split_disjuncts(sl_arena *arena, sl_expr *e, sl_expr_list *list, sl_error *err)
{
    if (e->kind == SL_EXPR_OR) {
        for (uint32_t i = 0; i < e->arg_count; i++)
            SL_TRY(split_disjuncts(arena, e->args[i], list, err));
        return SL_OK;
    }
    return sl_expr_list_push(arena, list, e, err);
}

static sl_expr *make_or(sl_arena *arena, sl_expr **items, uint32_t count)
{
    if (count == 1)
        return items[0];
    sl_expr *e = sl_expr_new(arena, SL_EXPR_OR, sl_type_make(SL_TYPE_BOOLEAN));
    if (!e)
        return NULL;
    e->args = sl_arena_alloc(arena, sizeof(sl_expr *) * count);
    if (!e->args)
        return NULL;
    for (uint32_t i = 0; i < count; i++)
        e->args[i] = items[i];
    e->arg_count = count;
    return e;
}

/* Appends to out the conjuncts of p after factoring conjuncts common to every disjunct
 * out of an OR: (A AND B) OR (A AND C) → A, (B OR C). When a disjunct consists only of
 * common conjuncts the OR is absorbed: (A) OR (A AND B) → A. Volatile predicates and
 * non-OR predicates are appended unchanged. */
static sl_status factor_or(sl_arena *arena, sl_expr *p, sl_expr_list *out, sl_error *err)
{
    if (p->kind != SL_EXPR_OR || sl_expr_has_volatile(p))
        return sl_expr_list_push(arena, out, p, err);
    sl_expr_list dis = { 0 };
    SL_TRY(split_disjuncts(arena, p, &dis, err));
    uint32_t n = dis.count;
    if (n < 2)
        return sl_expr_list_push(arena, out, p, err);
    sl_expr_list *conj = sl_arena_calloc(arena, sizeof(sl_expr_list) * n);
    bool **taken = sl_arena_calloc(arena, sizeof(bool *) * n);
    if (!conj || !taken)
        return sl_error_oom(err);
    for (uint32_t d = 0; d < n; d++) {
        SL_TRY(sl_expr_split_conjuncts(arena, dis.items[d], &conj[d], err));
        if (!(taken[d] = sl_arena_calloc(arena, conj[d].count + 1)))
            return sl_error_oom(err);
    }
    /* a conjunct of the first disjunct is common when every other disjunct has an equal,
     * not yet matched conjunct; matches are marked taken in every disjunct */
    uint32_t common = 0;
    uint32_t *match = sl_arena_alloc(arena, sizeof(uint32_t) * n);
    if (!match)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < conj[0].count; i++) {
        sl_expr *c = conj[0].items[i];
        bool all = true;
        for (uint32_t d = 1; d < n && all; d++) {
            all = false;
            for (uint32_t j = 0; j < conj[d].count; j++)
                if (!taken[d][j] && sl_expr_equal(c, conj[d].items[j])) {
                    match[d] = j;
                    all = true;
                    break;
                }
        }
        if (!all)
            continue;
        taken[0][i] = true;
        for (uint32_t d = 1; d < n; d++)
            taken[d][match[d]] = true;
        SL_TRY(sl_expr_list_push(arena, out, c, err));
        common++;
    }
    if (common == 0)
        return sl_expr_list_push(arena, out, p, err);
    sl_expr **rest = sl_arena_alloc(arena, sizeof(sl_expr *) * n);
    if (!rest)
        return sl_error_oom(err);
    for (uint32_t d = 0; d < n; d++) {
        sl_expr_list left = { 0 };
        for (uint32_t j = 0; j < conj[d].count; j++)
            if (!taken[d][j])
                SL_TRY(sl_expr_list_push(arena, &left, conj[d].items[j], err));
        if (left.count == 0)
            return SL_OK; /* absorbed: this disjunct is exactly the common part */
        if (!(rest[d] = sl_expr_make_and(arena, left.items, left.count)))
            return sl_error_oom(err);
    }
    sl_expr *r = make_or(arena, rest, n);
    if (!r)
        return sl_error_oom(err);
    return sl_expr_list_push(arena, out, r, err);
}

/* Appends the conjuncts of e to list, factoring each OR conjunct (factor_or). */
static sl_status split_factored(sl_arena *arena, const sl_expr *e, sl_expr_list *list, sl_error *err)
{
    sl_expr_list raw = { 0 };
    SL_TRY(sl_expr_split_conjuncts(arena, e, &raw, err));
    for (uint32_t i = 0; i < raw.count; i++)
        SL_TRY(factor_or(arena, raw.items[i], list, err));
    return SL_OK;
}

/* If p is an OR whose every disjunct has conjuncts over `side` alone (bound by it and
 * referencing it), appends the implied predicate OR(AND(those conjuncts)) (cloned) to
 * list. p itself must be kept by the caller: the result is implied, not equivalent. */
static sl_status derive_side_filter(sl_arena *arena, const sl_expr *p, const sl_logical_op *side,
                                    sl_expr_list *list, sl_error *err)
{
    if (p->kind != SL_EXPR_OR || !pushable(p) || sl_expr_bound_by(p, side))
        return SL_OK;
    sl_expr_list dis = { 0 };
    SL_TRY(split_disjuncts(arena, (sl_expr *)p, &dis, err));
    sl_expr **parts = sl_arena_alloc(arena, sizeof(sl_expr *) * (dis.count + 1));
    if (!parts)
        return sl_error_oom(err);
    for (uint32_t d = 0; d < dis.count; d++) {
        sl_expr_list conj = { 0 }, mine = { 0 };
        SL_TRY(sl_expr_split_conjuncts(arena, dis.items[d], &conj, err));
        for (uint32_t j = 0; j < conj.count; j++) {
            sl_expr *c = conj.items[j];
            if (sl_expr_references(c, side) && sl_expr_bound_by(c, side)) {
                sl_expr *copy = sl_expr_clone(arena, c);
                if (!copy)
                    return sl_error_oom(err);
                SL_TRY(sl_expr_list_push(arena, &mine, copy, err));
            }
        }
        if (mine.count == 0)
            return SL_OK; /* this disjunct does not restrict the side */
        if (!(parts[d] = sl_expr_make_and(arena, mine.items, mine.count)))
            return sl_error_oom(err);
    }
    sl_expr *derived = make_or(arena, parts, dis.count);
    if (!derived)
        return sl_error_oom(err);
    /* the derived OR may itself have common conjuncts (e.g. the same IN list in every
     * branch): factor them so each can be pushed further on its own */
    return factor_or(arena, derived, list, err);
}

static sl_status push_join(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                           sl_error *err)
{
    sl_arena *arena = ctx->arena;
    sl_logical_op *l = op->children[0], *r = op->children[1];
    sl_expr_list to_l = { 0 }, to_r = { 0 }, above = { 0 }, cond = { 0 };
    sl_join_type jt = op->join_type;

    if (jt == SL_JOIN_INNER) {
        SL_TRY(split_factored(arena, op->condition, preds, err));
        for (uint32_t i = 0; i < preds->count; i++) {
            sl_expr *p = preds->items[i];
            bool refl = sl_expr_references(p, l), refr = sl_expr_references(p, r);
            if (!pushable(p))
                SL_TRY(sl_expr_list_push(arena, refl && refr ? &cond : &above, p, err));
            else if (sl_expr_bound_by(p, l) && (refl || !refr))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else if (sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else {
                SL_TRY(sl_expr_list_push(arena, &cond, p, err));
                SL_TRY(derive_side_filter(arena, p, l, &to_l, err));
                SL_TRY(derive_side_filter(arena, p, r, &to_r, err));
            }
        }
    } else {
        sl_expr_list on = { 0 };
        SL_TRY(split_factored(arena, op->condition, &on, err));
        bool left_preserved = jt == SL_JOIN_LEFT || jt == SL_JOIN_SEMI || jt == SL_JOIN_ANTI ||
                              jt == SL_JOIN_SINGLE || jt == SL_JOIN_MARK;
        for (uint32_t i = 0; i < preds->count; i++) {
            sl_expr *p = preds->items[i];
            if (pushable(p) && left_preserved && sl_expr_bound_by(p, l))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else if (pushable(p) && jt == SL_JOIN_RIGHT && sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else {
                SL_TRY(sl_expr_list_push(arena, &above, p, err));
                if (left_preserved)
                    SL_TRY(derive_side_filter(arena, p, l, &to_l, err));
                else if (jt == SL_JOIN_RIGHT)
                    SL_TRY(derive_side_filter(arena, p, r, &to_r, err));
            }
        }
        for (uint32_t i = 0; i < on.count; i++) {
            sl_expr *p = on.items[i];
            bool push_right = left_preserved && jt != SL_JOIN_MARK;
            if (pushable(p) && push_right && sl_expr_references(p, r) && sl_expr_bound_by(p, r))
                SL_TRY(sl_expr_list_push(arena, &to_r, p, err));
            else if (pushable(p) && jt == SL_JOIN_RIGHT && sl_expr_references(p, l) && sl_expr_bound_by(p, l))
                SL_TRY(sl_expr_list_push(arena, &to_l, p, err));
            else {
                SL_TRY(sl_expr_list_push(arena, &cond, p, err));
                if (push_right)
                    SL_TRY(derive_side_filter(arena, p, r, &to_r, err));
                else if (jt == SL_JOIN_RIGHT)
                    SL_TRY(derive_side_filter(arena, p, l, &to_l, err));
            }
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

/* True when every column e reads (at this level) is one of the SESSION partition keys. */
static bool reads_only_keys(const sl_expr *e, const sl_logical_op *window)
{
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0) {
        for (uint32_t i = 0; i < window->expr_count; i++) {
            const sl_expr *k = window->exprs[i];
            if (k->kind == SL_EXPR_COLUMN && k->binding.table_index == e->binding.table_index &&
                k->binding.column_index == e->binding.column_index)
                return true;
        }
        return false;
    }
    if (e->kind == SL_EXPR_AGGREGATE || e->kind == SL_EXPR_WINDOW)
        return false;
    for (uint32_t i = 0; i < e->arg_count; i++)
        if (!reads_only_keys(e->args[i], window))
            return false;
    return true;
}

/* WINDOW_TVF: TUMBLE / HOP / CUMULATE assign windows row by row, so conjuncts over the
 * child's columns go below. SESSION windows depend on which rows are present: only
 * conjuncts over the partition keys (which drop whole partitions) go below. */
static sl_status push_window_tvf(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                                 sl_error *err)
{
    sl_logical_op *child = op->children[0];
    sl_expr_list down = { 0 }, above = { 0 };
    for (uint32_t i = 0; i < preds->count; i++) {
        sl_expr *p = preds->items[i];
        bool ok = pushable(p) && sl_expr_bound_by(p, child) &&
                  (op->window_kind != SL_WINDOW_SESSION || reads_only_keys(p, op));
        SL_TRY(sl_expr_list_push(ctx->arena, ok ? &down : &above, p, err));
    }
    SL_TRY(push(ctx, child, &down, &op->children[0], err));
    SL_TRY(sl_logical_columns(ctx, op, err));
    return wrap_filter(ctx, op, &above, out, err);
}

static sl_status push(sl_plan_context *ctx, sl_logical_op *op, sl_expr_list *preds, sl_logical_op **out,
                      sl_error *err)
{
    switch (op->kind) {
    case SL_LOP_WINDOW_TVF:
        return push_window_tvf(ctx, op, preds, out, err);
    case SL_LOP_FILTER:
        for (uint32_t i = 0; i < op->predicate_count; i++)
            SL_TRY(split_factored(ctx->arena, op->predicates[i], preds, err));
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
