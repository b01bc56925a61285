/*
 * interval_join.c — derives the state bounds of a STREAM_JOIN (physical.h, "STREAM_JOIN")
 * from its join condition, so that the watermark can prune the join's state: an interval
 * join (`B.t BETWEEN A.t AND A.t + INTERVAL '1' HOUR`) or a window join
 * (`L.window_end = R.window_end`) then runs in flat memory on an endless input.
 *
 * The idea. Let t be an event-time column of side T (the children's time_columns), so
 * every row side T sends after its watermark w has t >= w. A conjunct that caps t by an
 * expression of the *other* side O,
 *
 *     t <= e(O)      (also t < e(O), t = e(O), e(O) >= t, t BETWEEN ... AND e(O))
 *
 * means a stored row o of side O can only match rows of T with t <= e(o): once T's
 * watermark passes e(o), o can never match again and is dropped. So e becomes a state
 * bound of side O (re-based onto O's own column positions), and t is T's time column
 * (join->time_column[T]), against which rows of T arriving behind T's watermark are late.
 *   - `<` subtracts 1 microsecond (t < e  <=>  t <= e - 1us on TIMESTAMP);
 *   - the time side may carry a fixed interval: `t - c <= e` becomes t <= e + c, and
 *     `t + c <= e` becomes t <= e - c (c a constant INTERVAL without months);
 *   - equi-join keys count as `=` conjuncts: a window join bounds both sides;
 *   - only TIMESTAMP comparisons bound anything; e must read only side O's columns and
 *     call no volatile function.
 * When several time columns of T could bound O, the first found is used and the bounds
 * through the others are ignored: late-row detection looks at one column per side, and
 * keeping only the bounds through that column keeps "late" exact.
 */
#include <string.h>

#include "expr/function.h"
#include "plan/optimizer.h"
#include "plan/streaming.h"

#define MICROS_PER_DAY 86400000000LL

typedef struct bound_builder {
    sl_plan_context *ctx;
    sl_physical_op *join;
    uint32_t left_count;
    sl_expr_list bounds[2];        /* per bounded side */
    int32_t time_column[2];        /* per *time* side: the column used, -1 = none yet */
} bound_builder;

/* Which sides' columns e reads (depth-0 references, positions over left ++ right):
 * bit 0 left, bit 1 right; 4 when it calls a volatile function or holds a subquery. */
static unsigned expr_sides(const sl_expr *e, uint32_t left_count)
{
    if (!e)
        return 0;
    unsigned sides = 0;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0)
        sides |= e->index < left_count ? 1u : 2u;
    if (e->kind == SL_EXPR_SUBQUERY || e->kind == SL_EXPR_AGGREGATE || e->kind == SL_EXPR_WINDOW)
        sides |= 4u;
    if (e->kind == SL_EXPR_CALL && e->function && e->function->is_volatile)
        sides |= 4u;
    for (uint32_t i = 0; i < e->arg_count; i++)
        sides |= expr_sides(e->args[i], left_count);
    return sides;
}

/* Subtracts `offset` from every depth-0 column position of e (in place). */
static void rebase(sl_expr *e, uint32_t offset)
{
    if (!e)
        return;
    if (e->kind == SL_EXPR_COLUMN && e->depth == 0)
        e->index -= offset;
    for (uint32_t i = 0; i < e->arg_count; i++)
        rebase(e->args[i], offset);
}

static bool is_timestamp(const sl_expr *e)
{
    return e && e->type.id == SL_TYPE_TIMESTAMP;
}

/* A constant INTERVAL of a fixed length (no months): *micros = its length. */
static bool fixed_interval(const sl_expr *e, int64_t *micros)
{
    if (!e || e->kind != SL_EXPR_CONSTANT || e->value.is_null || e->value.type.id != SL_TYPE_INTERVAL)
        return false;
    sl_interval iv = e->value.v.interval;
    if (iv.months != 0)
        return false;
    *micros = (int64_t)iv.days * MICROS_PER_DAY + iv.micros;
    return true;
}

static bool is_call(const sl_expr *e, const char *name)
{
    return e && e->kind == SL_EXPR_CALL && e->arg_count == 2 && e->function && e->function->name &&
           strcmp(e->function->name, name) == 0;
}

/* Is x a time-side term `col`, `col + c` or `col - c` (col a TIMESTAMP event-time column
 * of either side, position over left ++ right)? *shift = what moves to the other side
 * (x <= e  <=>  col <= e + shift). */
static bool time_term(const bound_builder *b, const sl_expr *x, uint32_t *column, int64_t *shift)
{
    *shift = 0;
    if (is_call(x, "+") || is_call(x, "-")) {
        int64_t c;
        if (!fixed_interval(x->args[1], &c))
            return false;
        *shift = is_call(x, "+") ? -c : c;
        x = x->args[0];
    }
    if (!x || x->kind != SL_EXPR_COLUMN || x->depth != 0 || !is_timestamp(x))
        return false;
    uint32_t side = x->index < b->left_count ? 0 : 1;
    const sl_physical_op *child = b->join->children[side];
    uint32_t local = x->index - (side ? b->left_count : 0);
    if (!child->time_columns || local >= child->column_count || !child->time_columns[local])
        return false;
    *column = x->index;
    return true;
}

/* Records `t <= e + delta` with t = column `time_local` of side `time_side` and e over
 * the other side (positions shifted by `offset` to become that side's own). */
static sl_status add_bound(bound_builder *b, uint32_t time_side, uint32_t time_local, const sl_expr *e,
                           uint32_t offset, int64_t delta, sl_error *err)
{
    uint32_t bounded = 1 - time_side;
    if (b->time_column[time_side] >= 0 && b->time_column[time_side] != (int32_t)time_local)
        return SL_OK;   /* bounds through another time column: see the file comment */
    sl_arena *arena = b->ctx->arena;
    sl_expr *bound = sl_expr_copy(arena, e);
    if (!bound)
        return sl_error_oom(err);
    rebase(bound, offset);
    if (delta != 0) {
        sl_interval iv = { 0, 0, delta };
        sl_value v = sl_value_interval(iv);
        sl_expr *shift = sl_expr_constant(arena, &v);
        if (!shift)
            return sl_error_oom(err);
        sl_expr *args[2] = { bound, shift };
        SL_TRY(sl_function_bind(arena, "+", args, 2, e->position, &bound, err));
        if (!is_timestamp(bound))
            return SL_OK;
    }
    b->time_column[time_side] = (int32_t)time_local;
    return sl_expr_list_push(arena, &b->bounds[bounded], bound, err);
}

/* `x op y` over left ++ right, op one of <, <=, = (x the candidate time side). */
static sl_status consider(bound_builder *b, const sl_expr *x, const char *op, const sl_expr *y, sl_error *err)
{
    bool strict = strcmp(op, "<") == 0;
    if (!strict && strcmp(op, "<=") != 0 && strcmp(op, "=") != 0)
        return SL_OK;
    uint32_t column;
    int64_t shift;
    if (!is_timestamp(y) || !time_term(b, x, &column, &shift))
        return SL_OK;
    uint32_t time_side = column < b->left_count ? 0 : 1;
    unsigned sides = expr_sides(y, b->left_count);
    unsigned other = time_side == 0 ? 2u : 1u;
    if (sides & ~other)
        return SL_OK;   /* reads the time side itself, or is volatile */
    uint32_t time_local = column - (time_side ? b->left_count : 0);
    uint32_t offset = time_side == 0 ? b->left_count : 0;
    return add_bound(b, time_side, time_local, y, offset, shift - (strict ? 1 : 0), err);
}

/* The mirrored comparison: `a op b` is `b flip(op) a`. */
static const char *flip(const char *op)
{
    if (strcmp(op, "<") == 0)
        return ">";
    if (strcmp(op, "<=") == 0)
        return ">=";
    if (strcmp(op, ">") == 0)
        return "<";
    if (strcmp(op, ">=") == 0)
        return "<=";
    return op;
}

static sl_status consider_conjunct(bound_builder *b, const sl_expr *c, sl_error *err)
{
    static const char *const ops[] = { "=", "<", "<=", ">", ">=" };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!is_call(c, ops[i]))
            continue;
        SL_TRY(consider(b, c->args[0], ops[i], c->args[1], err));
        return consider(b, c->args[1], flip(ops[i]), c->args[0], err);
    }
    return SL_OK;
}

/* Key i as `probe = build`: both sides' key expressions are over their own columns. */
static sl_status consider_key(bound_builder *b, const sl_expr *probe, const sl_expr *build, sl_error *err)
{
    if (!is_timestamp(probe) || !is_timestamp(build))
        return SL_OK;
    const sl_physical_op *left = b->join->children[0], *right = b->join->children[1];
    unsigned probe_sides = expr_sides(probe, left->column_count);
    unsigned build_sides = expr_sides(build, right->column_count);
    /* right time column = e(left): bounds the left rows */
    if (build->kind == SL_EXPR_COLUMN && build->depth == 0 && build->index < right->column_count &&
        right->time_columns && right->time_columns[build->index] && !(probe_sides & 4u))
        SL_TRY(add_bound(b, 1, build->index, probe, 0, 0, err));
    /* left time column = e(right): bounds the right rows */
    if (probe->kind == SL_EXPR_COLUMN && probe->depth == 0 && probe->index < left->column_count &&
        left->time_columns && left->time_columns[probe->index] && !(build_sides & 4u))
        SL_TRY(add_bound(b, 0, probe->index, build, 0, 0, err));
    return SL_OK;
}

sl_status sl_interval_join_bounds(sl_plan_context *ctx, sl_physical_op *join, sl_error *err)
{
    join->state_bound_count[0] = join->state_bound_count[1] = 0;
    join->state_bounds[0] = join->state_bounds[1] = NULL;
    if (join->child_count != 2)
        return sl_error_set(err, SL_ERR_INTERNAL, "interval join bounds: a join has 2 children, not %u",
                            join->child_count);
    bound_builder b;
    memset(&b, 0, sizeof b);
    b.ctx = ctx;
    b.join = join;
    b.left_count = join->children[0]->column_count;
    b.time_column[0] = b.time_column[1] = -1;
    for (uint32_t i = 0; i < join->key_count; i++)
        SL_TRY(consider_key(&b, join->probe_keys[i], join->build_keys[i], err));
    sl_expr_list conjuncts;
    memset(&conjuncts, 0, sizeof conjuncts);
    SL_TRY(sl_expr_split_conjuncts(ctx->arena, join->condition, &conjuncts, err));
    for (uint32_t i = 0; i < conjuncts.count; i++)
        SL_TRY(consider_conjunct(&b, conjuncts.items[i], err));
    for (uint32_t side = 0; side < 2; side++) {
        if (b.bounds[side].count == 0)
            continue;
        join->state_bound_count[side] = b.bounds[side].count;
        join->state_bounds[side] = b.bounds[side].items;
        /* the rows of the other side are late against the column that bounds this side */
        join->time_column[1 - side] = b.time_column[1 - side];
    }
    return SL_OK;
}
