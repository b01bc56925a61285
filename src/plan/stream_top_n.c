/*
 * stream_top_n.c — planning STREAM_TOP_N (streaming.h, sl_stream_plan_top_n): recognizes
 * a top-N in the batch physical plan of a continuous query and builds the streaming form.
 *
 * Patterns:
 *   TOP_N (ORDER BY ... LIMIT N [OFFSET M])  ->  STREAM_TOP_N without partitions or rank
 *   [PROJECTION ...] over FILTER(rn <= N | rn < N | rn = 1 [AND other conjuncts]) over
 *   [PROJECTION ...] over WINDOW computing one row_number() OVER (PARTITION BY p ORDER BY o)
 *     -> STREAM_TOP_N(partitions p, orders o, limit N) replacing the WINDOW, with a FILTER
 *        of the other conjuncts kept above it, and the projections.
 * The projections between the FILTER and the WINDOW may only pass columns through (their
 * column references are followed to find rn). When several conjuncts bound rn, the
 * smallest N wins.
 *
 * The rank column. STREAM_TOP_N with rank_column has exactly the WINDOW's output layout
 * (input ++ row number), so the nodes above keep their column positions and are copied as
 * they are. When `op` is a PROJECTION above the FILTER and neither it (through the
 * projections below it) nor the other conjuncts use rn, the rank column is dropped: rank
 * changes of rows already emitted then cost nothing (Flink does the same), and the
 * projections are composed into one over the STREAM_TOP_N. The result always has the
 * columns (types, names) of `op`. The plan is built in ctx->arena; `op` is not changed.
 */
#include <string.h>

#include "expr/function.h"
#include "plan/streaming.h"

/* ------------------------------------------------------------------ expressions */

/* Does e reference input column `column`? */
static bool references(const sl_expr *e, uint32_t column)
{
    if (!e)
        return false;
    if (e->kind == SL_EXPR_COLUMN)
        return e->index == column;
    for (uint32_t i = 0; i < e->arg_count; i++)
        if (references(e->args[i], column))
            return true;
    return false;
}

/* A copy of e (in arena) whose column references i are replaced by copies of exprs[i]:
 * e over a projection's output becomes e over the projection's input. NULL on OOM. */
static sl_expr *compose(sl_arena *arena, const sl_expr *e, sl_expr *const *exprs)
{
    if (e->kind == SL_EXPR_COLUMN)
        return sl_expr_copy(arena, exprs[e->index]);
    sl_expr *copy = sl_arena_alloc(arena, sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *e;
    if (e->arg_count > 0) {
        copy->args = sl_arena_alloc(arena, sizeof *copy->args * e->arg_count);
        if (!copy->args)
            return NULL;
        for (uint32_t i = 0; i < e->arg_count; i++)
            if (!(copy->args[i] = compose(arena, e->args[i], exprs)))
                return NULL;
    }
    return copy;
}

/* Collects the conjuncts of an AND tree into out (capacity cap); returns how many. */
static uint32_t conjuncts(sl_expr *e, sl_expr **out, uint32_t count, uint32_t cap)
{
    if (e->kind == SL_EXPR_AND) {
        for (uint32_t i = 0; i < e->arg_count; i++)
            count = conjuncts(e->args[i], out, count, cap);
        return count;
    }
    if (count < cap)
        out[count] = e;
    return count + 1;
}

static bool integer_constant(const sl_expr *e, int64_t *value)
{
    if (e->kind != SL_EXPR_CONSTANT || e->value.is_null)
        return false;
    switch (e->value.type.id) {
    case SL_TYPE_TINYINT: case SL_TYPE_SMALLINT: case SL_TYPE_INTEGER: case SL_TYPE_BIGINT:
        *value = e->value.v.i64;
        return true;
    default:
        return false;
    }
}

/* If `e` bounds the input column `rn` (rn <= N, rn < N, rn = 1, or mirrored), the largest
 * row number it keeps in *limit. */
static bool row_number_bound(const sl_expr *e, uint32_t rn, int64_t *limit)
{
    if (e->kind != SL_EXPR_CALL || e->arg_count != 2 || !e->function || !e->function->name)
        return false;
    const char *op = e->function->name;
    const sl_expr *col = e->args[0], *other = e->args[1];
    bool mirrored = false;
    if (!(col->kind == SL_EXPR_COLUMN && col->index == rn)) {
        col = e->args[1];
        other = e->args[0];
        mirrored = true;
    }
    int64_t n;
    if (!(col->kind == SL_EXPR_COLUMN && col->index == rn) || !integer_constant(other, &n))
        return false;
    if (mirrored)   /* N >= rn is rn <= N */
        op = !strcmp(op, ">=") ? "<=" : !strcmp(op, ">") ? "<" : op;
    if (!strcmp(op, "<="))
        *limit = n;
    else if (!strcmp(op, "<"))
        *limit = n - 1;
    else if (!strcmp(op, "=") && n == 1)
        *limit = 1;
    else
        return false;
    if (*limit < 0)
        *limit = 0;
    return true;
}

/* ------------------------------------------------------------------ nodes */

/* A shallow copy of node with child `child`, or NULL on OOM. */
static sl_physical_op *copy_over(sl_arena *arena, const sl_physical_op *node, sl_physical_op *child)
{
    sl_physical_op *copy = sl_arena_alloc(arena, sizeof *copy);
    if (!copy)
        return NULL;
    *copy = *node;
    copy->children = sl_arena_alloc(arena, sizeof *copy->children);
    if (!copy->children)
        return NULL;
    copy->children[0] = child;
    copy->child_count = 1;
    return copy;
}

static sl_physical_op *stream_top_n_of_top_n(sl_plan_context *ctx, const sl_physical_op *op)
{
    sl_physical_op *t = copy_over(ctx->arena, op, op->children[0]);
    if (!t)
        return NULL;
    t->kind = SL_POP_STREAM_TOP_N;
    t->expr_count = 0;
    t->exprs = NULL;
    t->rank_column = false;
    return t;
}

#define MAX_CHAIN 64
#define MAX_CONJUNCTS 64

sl_status sl_stream_plan_top_n(sl_plan_context *ctx, sl_physical_op *op, sl_physical_op **out, sl_error *err)
{
    *out = NULL;
    sl_arena *arena = ctx->arena;
    if (op->kind == SL_POP_TOP_N) {
        if (op->limit < 0)
            return SL_OK;
        if (!(*out = stream_top_n_of_top_n(ctx, op)))
            return sl_error_oom(err);
        return SL_OK;
    }
    /* tops: PROJECTIONs from op down to the FILTER */
    const sl_physical_op *tops[MAX_CHAIN];
    uint32_t top_count = 0;
    const sl_physical_op *node = op;
    while (node->kind == SL_POP_PROJECTION && node->child_count == 1 && top_count < MAX_CHAIN) {
        tops[top_count++] = node;
        node = node->children[0];
    }
    if (node->kind != SL_POP_FILTER || node->child_count != 1 || !node->predicate)
        return SL_OK;
    const sl_physical_op *filter = node;
    /* mids: column-passing PROJECTIONs between the FILTER and the WINDOW */
    const sl_physical_op *mids[MAX_CHAIN];
    uint32_t mid_count = 0;
    node = filter->children[0];
    while (node->kind == SL_POP_PROJECTION && node->child_count == 1 && mid_count < MAX_CHAIN) {
        mids[mid_count++] = node;
        node = node->children[0];
    }
    if (node->kind != SL_POP_WINDOW || node->child_count != 1 || node->expr_count != 1)
        return SL_OK;
    const sl_physical_op *window = node;
    const sl_expr *rn_expr = window->exprs[0];
    if (rn_expr->kind != SL_EXPR_WINDOW || !rn_expr->window_function ||
        strcmp(rn_expr->window_function, "row_number") || !rn_expr->window || rn_expr->window->order_count == 0)
        return SL_OK;
    const sl_window_spec *spec = rn_expr->window;
    const sl_physical_op *input = window->children[0];
    uint32_t rn_window = input->column_count;   /* rn's position in the WINDOW output */

    /* the filter's input position of rn (through the mids), or none */
    int64_t rn_filter = -1;
    for (uint32_t c = 0; c < filter->children[0]->column_count && rn_filter < 0; c++) {
        uint32_t pos = c;
        bool passes = true;
        for (uint32_t m = 0; m < mid_count && passes; m++) {
            const sl_expr *e = mids[m]->exprs[pos];
            if (e->kind != SL_EXPR_COLUMN)
                passes = false;
            else
                pos = e->index;
        }
        if (passes && pos == rn_window)
            rn_filter = c;
    }
    if (rn_filter < 0)
        return SL_OK;
    sl_expr *parts[MAX_CONJUNCTS];
    uint32_t part_count = conjuncts(filter->predicate, parts, 0, MAX_CONJUNCTS);
    if (part_count > MAX_CONJUNCTS)
        return SL_OK;
    int64_t limit = -1;
    sl_expr *rest[MAX_CONJUNCTS];
    uint32_t rest_count = 0;
    for (uint32_t i = 0; i < part_count; i++) {
        int64_t n;
        if (row_number_bound(parts[i], (uint32_t)rn_filter, &n))
            limit = limit < 0 || n < limit ? n : limit;
        else
            rest[rest_count++] = parts[i];
    }
    if (limit < 0)
        return SL_OK;

    sl_physical_op *t = sl_physical_new(arena, SL_POP_STREAM_TOP_N, 1);
    if (!t)
        return sl_error_oom(err);
    t->children[0] = (sl_physical_op *)input;
    t->expr_count = spec->partition_count;
    t->exprs = spec->partitions;
    t->order_count = spec->order_count;
    t->orders = spec->orders;
    t->limit = limit;
    t->offset = 0;
    t->estimated_rows = window->estimated_rows;

    /* Is rn used above the filter (by the tops or the other conjuncts)? Compose everything
     * over the WINDOW's output to find out. */
    bool rank_used = top_count == 0;
    sl_expr **top_exprs = NULL;      /* op's exprs over the WINDOW output */
    sl_expr **rest_exprs = NULL;     /* the other conjuncts over the WINDOW output */
    if (!rank_used) {
        uint32_t n = tops[0]->expr_count;
        top_exprs = sl_arena_alloc(arena, sizeof *top_exprs * (n ? n : 1));
        rest_exprs = sl_arena_alloc(arena, sizeof *rest_exprs * (rest_count ? rest_count : 1));
        if (!top_exprs || !rest_exprs)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < n; i++) {
            sl_expr *e = tops[0]->exprs[i];
            for (uint32_t k = 1; k < top_count && e; k++)
                e = compose(arena, e, tops[k]->exprs);
            for (uint32_t m = 0; m < mid_count && e; m++)
                e = compose(arena, e, mids[m]->exprs);
            if (!e)
                return sl_error_oom(err);
            top_exprs[i] = e;
            rank_used = rank_used || references(e, rn_window);
        }
        for (uint32_t i = 0; i < rest_count; i++) {
            sl_expr *e = rest[i];
            for (uint32_t m = 0; m < mid_count && e; m++)
                e = compose(arena, e, mids[m]->exprs);
            if (!e)
                return sl_error_oom(err);
            rest_exprs[i] = e;
            rank_used = rank_used || references(e, rn_window);
        }
    }
    t->rank_column = rank_used;
    t->column_count = rank_used ? window->column_count : input->column_count;
    t->types = window->types;
    t->names = window->names;

    sl_physical_op *top = t;
    if (rank_used) {
        /* the WINDOW's layout: copy the nodes above as they are */
        for (uint32_t m = mid_count; m-- > 0;)
            if (!(top = copy_over(arena, mids[m], top)))
                return sl_error_oom(err);
        if (rest_count > 0) {
            sl_expr *predicate = rest[0];
            if (rest_count > 1) {
                predicate = sl_expr_new(arena, SL_EXPR_AND, filter->predicate->type);
                if (!predicate || !(predicate->args = sl_arena_alloc(arena, sizeof *predicate->args * rest_count)))
                    return sl_error_oom(err);
                memcpy(predicate->args, rest, sizeof *rest * rest_count);
                predicate->arg_count = rest_count;
            }
            if (!(top = copy_over(arena, filter, top)))
                return sl_error_oom(err);
            top->predicate = predicate;
        }
        for (uint32_t k = top_count; k-- > 0;)
            if (!(top = copy_over(arena, tops[k], top)))
                return sl_error_oom(err);
        *out = top;
        return SL_OK;
    }
    /* no rank: [FILTER(rest)] over STREAM_TOP_N, and one PROJECTION with op's columns */
    if (rest_count > 0) {
        sl_physical_op *f = sl_physical_new(arena, SL_POP_FILTER, 1);
        if (!f)
            return sl_error_oom(err);
        f->children[0] = top;
        f->column_count = t->column_count;
        f->types = t->types;
        f->names = t->names;
        f->estimated_rows = filter->estimated_rows;
        f->predicate = rest_exprs[0];
        if (rest_count > 1) {
            sl_expr *predicate = sl_expr_new(arena, SL_EXPR_AND, filter->predicate->type);
            if (!predicate || !(predicate->args = sl_arena_alloc(arena, sizeof *predicate->args * rest_count)))
                return sl_error_oom(err);
            memcpy(predicate->args, rest_exprs, sizeof *rest_exprs * rest_count);
            predicate->arg_count = rest_count;
            f->predicate = predicate;
        }
        top = f;
    }
    sl_physical_op *p = copy_over(arena, op, top);
    if (!p)
        return sl_error_oom(err);
    p->exprs = top_exprs;
    *out = p;
    return SL_OK;
}
