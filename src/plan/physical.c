/*
 * physical.c — physical planning: the optimized logical plan (bindings) becomes the
 * physical plan (positions) that the executor runs.
 *
 * Every expression is deep-copied into the arena and its column references resolved to
 * positions in the operator's input (joins: left ++ right), so the logical plan is never
 * mutated. Operator choice:
 *   JOIN with equality conjuncts (one side over the left input, the other over the right)
 *     → HASH_JOIN (keys cast to a common type, residual conjuncts in `condition`),
 *     otherwise NESTED_LOOP_JOIN;
 *   LIMIT over SORT → TOP_N;  DISTINCT → HASH_AGGREGATE over all columns;
 *   UNION → UNION_ALL (+ HASH_AGGREGATE when DISTINCT); INTERSECT / EXCEPT → SET_OPERATION;
 *   DUMMY → VALUES of one row and no columns;
 *   WINDOW_TVF → WINDOW_TVF (TUMBLE / HOP / CUMULATE) or SESSION_WINDOW (SESSION), with
 *     window_column = the time column's position in the child and the SESSION
 *     partition keys in exprs.
 * A TABLE_FUNCTION gets the columns it produces (scan_columns, when pruned) and, when its
 * function takes filters, the `column op constant` conjuncts of the FILTER above it.
 * Leftover subqueries, aggregates outside AGGREGATE or correlated columns are internal
 * errors: the optimizer must have removed them.
 */
#include "plan/physical.h"

#include <string.h>

#include "catalog/catalog.h"
#include "expr/function.h"
#include "plan/optimizer.h"
#include "plan/table_function.h"

static const char *const kind_names[SL_POP_KIND_COUNT_] = {
    [SL_POP_TABLE_SCAN] = "TABLE_SCAN",
    [SL_POP_TABLE_FUNCTION] = "TABLE_FUNCTION",
    [SL_POP_VALUES] = "VALUES",
    [SL_POP_EMPTY] = "EMPTY",
    [SL_POP_FILTER] = "FILTER",
    [SL_POP_PROJECTION] = "PROJECTION",
    [SL_POP_HASH_AGGREGATE] = "HASH_AGGREGATE",
    [SL_POP_HASH_JOIN] = "HASH_JOIN",
    [SL_POP_NESTED_LOOP_JOIN] = "NESTED_LOOP_JOIN",
    [SL_POP_SORT] = "SORT",
    [SL_POP_TOP_N] = "TOP_N",
    [SL_POP_LIMIT] = "LIMIT",
    [SL_POP_UNION_ALL] = "UNION_ALL",
    [SL_POP_SET_OPERATION] = "SET_OPERATION",
    [SL_POP_WINDOW] = "WINDOW",
    [SL_POP_RESULT] = "RESULT",
    [SL_POP_INSERT] = "INSERT",
    [SL_POP_COPY_TO] = "COPY_TO",
    [SL_POP_WINDOW_TVF] = "WINDOW_TVF",
    [SL_POP_SESSION_WINDOW] = "SESSION_WINDOW",
    [SL_POP_WINDOW_AGGREGATE] = "WINDOW_AGGREGATE",
    [SL_POP_STREAM_AGGREGATE] = "STREAM_AGGREGATE",
    [SL_POP_STREAM_JOIN] = "STREAM_JOIN",
    [SL_POP_STREAM_TOP_N] = "STREAM_TOP_N",
};

const char *sl_physical_kind_name(sl_physical_kind kind)
{
    if ((unsigned)kind < SL_POP_KIND_COUNT_ && kind_names[kind])
        return kind_names[kind];
    return "UNKNOWN";
}

sl_physical_op *sl_physical_new(sl_arena *arena, sl_physical_kind kind, uint32_t child_count)
{
    sl_physical_op *op = sl_arena_calloc(arena, sizeof *op);
    if (!op)
        return NULL;
    op->kind = kind;
    op->child_count = child_count;
    if (child_count) {
        op->children = sl_arena_calloc(arena, sizeof(sl_physical_op *) * child_count);
        if (!op->children)
            return NULL;
    }
    op->limit = -1;
    return op;
}

/* ---------------------------------------------------------------- binding resolution */

typedef struct resolver {
    sl_arena *arena;
    const sl_logical_op *inputs[2];   /* positions: inputs[0] columns, then inputs[1] columns */
    uint32_t input_count;
    bool allow_aggregate;             /* AGGREGATE nodes allowed (HASH_AGGREGATE's list) */
    bool allow_window;
    const char *where;                /* operator name for messages */
} resolver;

static sl_status resolve_in_place(resolver *r, sl_expr *e, sl_error *err);

static sl_status resolve_column(resolver *r, sl_expr *e, sl_error *err)
{
    if (e->depth > 0)
        return sl_error_set(err, SL_ERR_INTERNAL,
                            "correlated column reference (%u.%u) left in %s after decorrelation",
                            e->binding.table_index, e->binding.column_index, r->where);
    uint32_t base = 0;
    for (uint32_t i = 0; i < r->input_count; i++) {
        int pos = sl_logical_find_column(r->inputs[i], e->binding);
        if (pos >= 0) {
            e->index = base + (uint32_t)pos;
            return SL_OK;
        }
        base += r->inputs[i]->column_count;
    }
    return sl_error_set(err, SL_ERR_INTERNAL, "column binding (%u.%u)%s%s not found in the input of %s",
                        e->binding.table_index, e->binding.column_index, e->alias ? " " : "",
                        e->alias ? e->alias : "", r->where);
}

static sl_status resolve_in_place(resolver *r, sl_expr *e, sl_error *err)
{
    if (!e)
        return SL_OK;
    switch (e->kind) {
    case SL_EXPR_COLUMN:
        return resolve_column(r, e, err);
    case SL_EXPR_SUBQUERY:
        return sl_error_set(err, SL_ERR_INTERNAL, "subquery left in %s after decorrelation", r->where);
    case SL_EXPR_AGGREGATE:
        if (!r->allow_aggregate)
            return sl_error_set(err, SL_ERR_INTERNAL, "aggregate call outside an AGGREGATE operator (in %s)",
                                r->where);
        break;
    case SL_EXPR_WINDOW:
        if (!r->allow_window)
            return sl_error_set(err, SL_ERR_INTERNAL, "window call outside a WINDOW operator (in %s)", r->where);
        break;
    default:
        break;
    }
    /* nested aggregates / windows inside arguments are never valid */
    bool save_agg = r->allow_aggregate, save_win = r->allow_window;
    r->allow_aggregate = false;
    r->allow_window = false;
    sl_status st = SL_OK;
    for (uint32_t i = 0; i < e->arg_count && st == SL_OK; i++)
        st = resolve_in_place(r, e->args[i], err);
    if (st == SL_OK)
        st = resolve_in_place(r, e->filter, err);
    for (uint32_t i = 0; i < e->order_count && st == SL_OK; i++)
        st = resolve_in_place(r, e->order_by[i], err);
    if (e->window && st == SL_OK) {
        sl_window_spec *w = e->window;
        for (uint32_t i = 0; i < w->partition_count && st == SL_OK; i++)
            st = resolve_in_place(r, w->partitions[i], err);
        for (uint32_t i = 0; i < w->order_count && st == SL_OK; i++)
            st = resolve_in_place(r, w->orders[i].expr, err);
        if (st == SL_OK)
            st = resolve_in_place(r, w->start_offset, err);
        if (st == SL_OK)
            st = resolve_in_place(r, w->end_offset, err);
    }
    r->allow_aggregate = save_agg;
    r->allow_window = save_win;
    return st;
}

/* Copies e into the arena with positions resolved against r's inputs. */
static sl_status resolve(resolver *r, const sl_expr *e, sl_expr **out, sl_error *err)
{
    sl_expr *c = sl_expr_clone(r->arena, e);
    if (!c)
        return sl_error_oom(err);
    SL_TRY(resolve_in_place(r, c, err));
    *out = c;
    return SL_OK;
}

static sl_status resolve_list(resolver *r, sl_expr *const *exprs, uint32_t count, sl_expr ***out, sl_error *err)
{
    *out = NULL;
    if (count == 0)
        return SL_OK;
    sl_expr **list = sl_arena_alloc(r->arena, sizeof(sl_expr *) * count);
    if (!list)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++)
        SL_TRY(resolve(r, exprs[i], &list[i], err));
    *out = list;
    return SL_OK;
}

static sl_status resolve_orders(resolver *r, const sl_order_spec *orders, uint32_t count, sl_order_spec **out,
                                sl_error *err)
{
    *out = NULL;
    if (count == 0)
        return SL_OK;
    sl_order_spec *list = sl_arena_alloc(r->arena, sizeof(sl_order_spec) * count);
    if (!list)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        list[i] = orders[i];
        SL_TRY(resolve(r, orders[i].expr, &list[i].expr, err));
    }
    *out = list;
    return SL_OK;
}

/* ---------------------------------------------------------------- planning */

static sl_status plan_node(sl_plan_context *ctx, const sl_logical_op *lop, sl_physical_op **out, sl_error *err);

static sl_status set_output(sl_arena *arena, sl_physical_op *p, const sl_logical_op *lop, sl_error *err)
{
    p->column_count = lop->column_count;
    if (lop->column_count) {
        p->types = sl_arena_alloc(arena, sizeof(sl_type) * lop->column_count);
        p->names = sl_arena_calloc(arena, sizeof(char *) * lop->column_count);
        if (!p->types || !p->names)
            return sl_error_oom(err);
        memcpy(p->types, lop->types, sizeof(sl_type) * lop->column_count);
        if (lop->names)
            memcpy(p->names, lop->names, sizeof(char *) * lop->column_count);
    }
    p->estimated_rows = sl_plan_estimate_rows(lop);
    return SL_OK;
}

static sl_physical_op *new_op(sl_plan_context *ctx, sl_physical_kind kind, uint32_t child_count)
{
    return sl_physical_new(ctx->arena, kind, child_count);
}

/* An aggregate grouping by every column of child (DISTINCT, UNION). */
static sl_status plan_distinct_over(sl_plan_context *ctx, sl_physical_op *child, const sl_logical_op *lop,
                                    sl_physical_op **out, sl_error *err)
{
    sl_physical_op *agg = new_op(ctx, SL_POP_HASH_AGGREGATE, 1);
    if (!agg)
        return sl_error_oom(err);
    agg->children[0] = child;
    agg->expr_count = child->column_count;
    if (child->column_count) {
        agg->exprs = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * child->column_count);
        if (!agg->exprs)
            return sl_error_oom(err);
    }
    for (uint32_t i = 0; i < child->column_count; i++) {
        sl_expr *c = sl_expr_new(ctx->arena, SL_EXPR_COLUMN, child->types[i]);
        if (!c)
            return sl_error_oom(err);
        c->index = i;
        c->alias = child->names ? child->names[i] : NULL;
        agg->exprs[i] = c;
    }
    SL_TRY(set_output(ctx->arena, agg, lop, err));
    *out = agg;
    return SL_OK;
}

/* Classifies join conjuncts into hash keys and a residual condition. */
static sl_status plan_join(sl_plan_context *ctx, const sl_logical_op *lop, sl_physical_op *left,
                           sl_physical_op *right, sl_physical_op **out, sl_error *err)
{
    const sl_logical_op *l = lop->children[0], *r = lop->children[1];
    sl_expr_list conj = { 0 }, keys_l = { 0 }, keys_r = { 0 }, rest = { 0 };
    bool null_eq[256];
    SL_TRY(sl_expr_split_conjuncts(ctx->arena, lop->condition, &conj, err));
    for (uint32_t i = 0; i < conj.count; i++) {
        sl_expr *c = conj.items[i];
        bool is_eq = sl_expr_is_call(c, "=");
        bool is_nde = c->kind == SL_EXPR_IS_DISTINCT && c->negated && c->arg_count == 2;
        if ((is_eq || is_nde) && keys_l.count < 256) {
            sl_expr *a = c->args[0], *b = c->args[1];
            bool a_left = sl_expr_bound_by(a, l) && sl_expr_references(a, l);
            bool a_right = sl_expr_bound_by(a, r) && sl_expr_references(a, r);
            bool b_left = sl_expr_bound_by(b, l) && sl_expr_references(b, l);
            bool b_right = sl_expr_bound_by(b, r) && sl_expr_references(b, r);
            sl_expr *pk = NULL, *bk = NULL;
            if (a_left && b_right) {
                pk = a;
                bk = b;
            } else if (a_right && b_left) {
                pk = b;
                bk = a;
            }
            if (pk && !sl_expr_has_volatile(c)) {
                null_eq[keys_l.count] = is_nde;
                SL_TRY(sl_expr_list_push(ctx->arena, &keys_l, pk, err));
                SL_TRY(sl_expr_list_push(ctx->arena, &keys_r, bk, err));
                continue;
            }
        }
        SL_TRY(sl_expr_list_push(ctx->arena, &rest, c, err));
    }
    sl_physical_op *p = new_op(ctx, keys_l.count ? SL_POP_HASH_JOIN : SL_POP_NESTED_LOOP_JOIN, 2);
    if (!p)
        return sl_error_oom(err);
    p->children[0] = left;
    p->children[1] = right;
    p->join_type = lop->join_type;
    if (keys_l.count) {
        p->key_count = keys_l.count;
        p->probe_keys = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * keys_l.count);
        p->build_keys = sl_arena_alloc(ctx->arena, sizeof(sl_expr *) * keys_l.count);
        p->key_null_equal = sl_arena_alloc(ctx->arena, sizeof(bool) * keys_l.count);
        if (!p->probe_keys || !p->build_keys || !p->key_null_equal)
            return sl_error_oom(err);
        resolver rl = { ctx->arena, { l, NULL }, 1, false, false, "hash join probe keys" };
        resolver rr = { ctx->arena, { r, NULL }, 1, false, false, "hash join build keys" };
        for (uint32_t i = 0; i < keys_l.count; i++) {
            sl_expr *pk, *bk;
            SL_TRY(resolve(&rl, keys_l.items[i], &pk, err));
            SL_TRY(resolve(&rr, keys_r.items[i], &bk, err));
            if (!sl_type_equal(pk->type, bk->type)) {
                sl_type common;
                if (!sl_type_common(pk->type, bk->type, &common))
                    return sl_error_set(err, SL_ERR_TYPE, "join keys of incompatible types");
                SL_TRY(sl_cast_bind(ctx->arena, pk, common, false, &pk, err));
                SL_TRY(sl_cast_bind(ctx->arena, bk, common, false, &bk, err));
            }
            p->probe_keys[i] = pk;
            p->build_keys[i] = bk;
            p->key_null_equal[i] = null_eq[i];
        }
    }
    if (rest.count) {
        sl_expr *cond = sl_expr_make_and(ctx->arena, rest.items, rest.count);
        if (!cond)
            return sl_error_oom(err);
        resolver rc = { ctx->arena, { l, r }, 2, false, false, "join condition" };
        SL_TRY(resolve(&rc, cond, &p->condition, err));
    }
    SL_TRY(set_output(ctx->arena, p, lop, err));
    *out = p;
    return SL_OK;
}

static sl_status plan_values(sl_plan_context *ctx, const sl_logical_op *lop, sl_physical_op **out, sl_error *err)
{
    sl_physical_op *p = new_op(ctx, SL_POP_VALUES, 0);
    if (!p)
        return sl_error_oom(err);
    SL_TRY(set_output(ctx->arena, p, lop, err));
    uint32_t width = lop->value_width, rows = lop->row_count;
    p->row_count = rows;
    if (rows && width) {
        p->values = sl_arena_calloc(ctx->arena, sizeof(sl_value) * rows * width);
        if (!p->values)
            return sl_error_oom(err);
    }
    sl_eval_context ectx;
    memset(&ectx, 0, sizeof ectx);
    for (uint32_t i = 0; i < rows * width; i++) {
        sl_expr *e = lop->values[i];
        sl_type want = lop->types[i % width];
        if (e->kind == SL_EXPR_COLUMN || sl_expr_has_subquery(e) || sl_expr_has_correlated(e))
            return sl_error_set_at(err, SL_ERR_INVALID_INPUT, e->position,
                                   "VALUES entries must be constant expressions");
        if (!sl_type_equal(e->type, want) && want.id != SL_TYPE_NULL)
            SL_TRY(sl_cast_bind(ctx->arena, sl_expr_clone(ctx->arena, e), want, false, &e, err));
        sl_value v;
        SL_TRY(sl_expr_evaluate_constant(e, &ectx, &v, err));
        if (v.type.id == SL_TYPE_VARCHAR && !v.is_null) {
            /* keep the bytes in the plan arena: the plan owns its constants */
            char *bytes = sl_arena_strndup(ctx->arena, v.v.str.data, v.v.str.length);
            if (!bytes) {
                sl_value_free(&v);
                return sl_error_oom(err);
            }
            sl_value_free(&v);
            v.type = sl_type_make(SL_TYPE_VARCHAR);
            v.is_null = false;
            v.v.str.data = bytes;
            v.v.str.length = (uint32_t)strlen(bytes);
        }
        if (v.is_null)
            v.type = want;
        p->values[i] = v;
    }
    *out = p;
    return SL_OK;
}

static sl_status plan_children(sl_plan_context *ctx, const sl_logical_op *lop, sl_physical_op *p, sl_error *err)
{
    for (uint32_t i = 0; i < lop->child_count; i++)
        SL_TRY(plan_node(ctx, lop->children[i], &p->children[i], err));
    return SL_OK;
}

/* `column op constant` (either order) over a column of the table function `tf`, with the
 * constant non-NULL and of the column's exact type: the filter it offers, in *f. */
static bool simple_table_filter(const sl_expr *e, const sl_logical_op *tf, sl_table_filter *f)
{
    static const struct {
        const char *name;
        sl_table_filter_op op, flipped;   /* flipped: for constant op column */
    } ops[] = {
        { "=", SL_TABLE_FILTER_EQ, SL_TABLE_FILTER_EQ }, { "<", SL_TABLE_FILTER_LT, SL_TABLE_FILTER_GT },
        { "<=", SL_TABLE_FILTER_LE, SL_TABLE_FILTER_GE }, { ">", SL_TABLE_FILTER_GT, SL_TABLE_FILTER_LT },
        { ">=", SL_TABLE_FILTER_GE, SL_TABLE_FILTER_LE },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (!sl_expr_is_call(e, ops[i].name))
            continue;
        const sl_expr *column = e->args[0], *constant = e->args[1];
        bool flip = column->kind == SL_EXPR_CONSTANT;
        if (flip) {
            column = e->args[1];
            constant = e->args[0];
        }
        if (column->kind != SL_EXPR_COLUMN || column->depth != 0 || constant->kind != SL_EXPR_CONSTANT ||
            constant->value.is_null || column->binding.table_index != tf->table_index ||
            column->binding.column_index >= tf->function_column_count)
            return false;
        sl_type type = tf->function_types[column->binding.column_index];
        if (!sl_type_equal(column->type, type) || !sl_type_equal(constant->value.type, type))
            return false;
        f->column = column->binding.column_index;
        f->op = flip ? ops[i].flipped : ops[i].op;
        f->value = constant->value;
        return true;
    }
    return false;
}

/* Offers the simple conjuncts of `filter` (a FILTER right over the TABLE_FUNCTION `tf`,
 * planned as `p`) to a function that takes filters. */
static sl_status offer_table_filters(sl_plan_context *ctx, const sl_logical_op *filter, const sl_logical_op *tf,
                                     sl_physical_op *p, sl_error *err)
{
    if (!p->function || !p->function->init_filtered || tf->kind != SL_LOP_TABLE_FUNCTION)
        return SL_OK;
    sl_table_filter *filters = sl_arena_alloc(ctx->arena, sizeof *filters * (filter->predicate_count + 1));
    if (!filters)
        return sl_error_oom(err);
    uint32_t n = 0;
    for (uint32_t i = 0; i < filter->predicate_count; i++)
        if (simple_table_filter(filter->predicates[i], tf, &filters[n]))
            n++;
    if (n) {
        p->scan_filters = filters;
        p->scan_filter_count = n;
    }
    return SL_OK;
}

static sl_status plan_node(sl_plan_context *ctx, const sl_logical_op *lop, sl_physical_op **out, sl_error *err)
{
    sl_arena *arena = ctx->arena;
    const sl_logical_op *child = lop->child_count ? lop->children[0] : NULL;
    resolver rc = { arena, { child, NULL }, child ? 1 : 0, false, false, "" };
    sl_physical_op *p = NULL;

    switch (lop->kind) {
    case SL_LOP_SCAN: {
        p = new_op(ctx, SL_POP_TABLE_SCAN, 0);
        if (!p)
            return sl_error_oom(err);
        p->table = lop->table;
        p->scan_column_count = lop->column_count;
        if (lop->column_count) {
            p->scan_columns = sl_arena_alloc(arena, sizeof(uint32_t) * lop->column_count);
            if (!p->scan_columns)
                return sl_error_oom(err);
            for (uint32_t i = 0; i < lop->column_count; i++)
                p->scan_columns[i] = lop->columns[i].column_index;
        }
        break;
    }
    case SL_LOP_TABLE_FUNCTION:
        p = new_op(ctx, SL_POP_TABLE_FUNCTION, 0);
        if (!p)
            return sl_error_oom(err);
        p->function = lop->function;
        p->function_data = lop->function_data;
        /* pruned: the schema columns read, in output order (NULL: the whole schema) */
        if (lop->scan_columns) {
            p->scan_column_count = lop->column_count;
            p->scan_columns = sl_arena_alloc(arena, sizeof(uint32_t) * (lop->column_count + 1));
            if (!p->scan_columns)
                return sl_error_oom(err);
            for (uint32_t i = 0; i < lop->column_count; i++)
                p->scan_columns[i] = lop->columns[i].column_index;
        }
        if (lop->source) {
            p->source_name = lop->source->name;
            p->source = lop->source;
            if (lop->watermark) {   /* over the op's own (scanned) columns */
                resolver rw = { arena, { lop, NULL }, 1, false, false, "" };
                SL_TRY(resolve(&rw, lop->watermark, &p->watermark, err));
            }
        }
        break;
    case SL_LOP_VALUES:
        return plan_values(ctx, lop, out, err);
    case SL_LOP_DUMMY:
        p = new_op(ctx, SL_POP_VALUES, 0);
        if (!p)
            return sl_error_oom(err);
        p->row_count = 1;
        break;
    case SL_LOP_EMPTY:
        p = new_op(ctx, SL_POP_EMPTY, 0);
        if (!p)
            return sl_error_oom(err);
        break;
    case SL_LOP_FILTER: {
        sl_physical_op *c;
        SL_TRY(plan_node(ctx, child, &c, err));
        if (lop->predicate_count == 0) {
            *out = c;
            return SL_OK;
        }
        if (c->kind == SL_POP_TABLE_FUNCTION)
            SL_TRY(offer_table_filters(ctx, lop, child, c, err));
        p = new_op(ctx, SL_POP_FILTER, 1);
        if (!p)
            return sl_error_oom(err);
        p->children[0] = c;
        sl_expr *pred = sl_expr_make_and(arena, lop->predicates, lop->predicate_count);
        if (!pred)
            return sl_error_oom(err);
        rc.where = "FILTER";
        SL_TRY(resolve(&rc, pred, &p->predicate, err));
        break;
    }
    case SL_LOP_PROJECT:
        p = new_op(ctx, SL_POP_PROJECTION, 1);
        if (!p)
            return sl_error_oom(err);
        SL_TRY(plan_children(ctx, lop, p, err));
        rc.where = "PROJECTION";
        p->expr_count = lop->expr_count;
        SL_TRY(resolve_list(&rc, lop->exprs, lop->expr_count, &p->exprs, err));
        break;
    case SL_LOP_AGGREGATE:
        p = new_op(ctx, SL_POP_HASH_AGGREGATE, 1);
        if (!p)
            return sl_error_oom(err);
        SL_TRY(plan_children(ctx, lop, p, err));
        rc.where = "HASH_AGGREGATE groups";
        p->expr_count = lop->expr_count;
        SL_TRY(resolve_list(&rc, lop->exprs, lop->expr_count, &p->exprs, err));
        rc.where = "HASH_AGGREGATE";
        rc.allow_aggregate = true;
        p->aggregate_count = lop->aggregate_count;
        SL_TRY(resolve_list(&rc, lop->aggregates, lop->aggregate_count, &p->aggregates, err));
        break;
    case SL_LOP_WINDOW:
        p = new_op(ctx, SL_POP_WINDOW, 1);
        if (!p)
            return sl_error_oom(err);
        SL_TRY(plan_children(ctx, lop, p, err));
        rc.where = "WINDOW";
        rc.allow_window = true;
        p->expr_count = lop->expr_count;
        SL_TRY(resolve_list(&rc, lop->exprs, lop->expr_count, &p->exprs, err));
        break;
    case SL_LOP_WINDOW_TVF: {
        p = new_op(ctx, lop->window_kind == SL_WINDOW_SESSION ? SL_POP_SESSION_WINDOW : SL_POP_WINDOW_TVF, 1);
        if (!p)
            return sl_error_oom(err);
        SL_TRY(plan_children(ctx, lop, p, err));
        const sl_expr *time = lop->window_time;
        int pos = time && time->kind == SL_EXPR_COLUMN ? sl_logical_find_column(child, time->binding) : -1;
        if (pos < 0)
            return sl_error_set(err, SL_ERR_INTERNAL, "WINDOW_TVF time column not found in its input");
        p->window_kind = lop->window_kind;
        p->window_column = (uint32_t)pos;
        p->window_size = lop->window_size;
        p->window_slide = lop->window_slide;
        p->window_offset = lop->window_offset;
        rc.where = "SESSION_WINDOW partition keys";
        p->expr_count = lop->expr_count;
        SL_TRY(resolve_list(&rc, lop->exprs, lop->expr_count, &p->exprs, err));
        break;
    }
    case SL_LOP_JOIN: {
        sl_physical_op *l, *r;
        SL_TRY(plan_node(ctx, lop->children[0], &l, err));
        SL_TRY(plan_node(ctx, lop->children[1], &r, err));
        return plan_join(ctx, lop, l, r, out, err);
    }
    case SL_LOP_SORT:
        p = new_op(ctx, SL_POP_SORT, 1);
        if (!p)
            return sl_error_oom(err);
        SL_TRY(plan_children(ctx, lop, p, err));
        rc.where = "SORT";
        p->order_count = lop->order_count;
        SL_TRY(resolve_orders(&rc, lop->orders, lop->order_count, &p->orders, err));
        break;
    case SL_LOP_LIMIT:
        if (child->kind == SL_LOP_SORT && lop->limit >= 0) {
            p = new_op(ctx, SL_POP_TOP_N, 1);
            if (!p)
                return sl_error_oom(err);
            SL_TRY(plan_children(ctx, child, p, err));
            resolver rs = { arena, { child->children[0], NULL }, 1, false, false, "TOP_N" };
            p->order_count = child->order_count;
            SL_TRY(resolve_orders(&rs, child->orders, child->order_count, &p->orders, err));
        } else {
            p = new_op(ctx, SL_POP_LIMIT, 1);
            if (!p)
                return sl_error_oom(err);
            SL_TRY(plan_children(ctx, lop, p, err));
        }
        p->limit = lop->limit;
        p->offset = lop->offset;
        break;
    case SL_LOP_DISTINCT: {
        sl_physical_op *c;
        SL_TRY(plan_node(ctx, child, &c, err));
        if (lop->expr_count == 0)
            return plan_distinct_over(ctx, c, lop, out, err);
        /* DISTINCT ON (exprs): first row of each group in the child's (sorted) order. */
        if (!sl_aggregate_exists("first"))
            return sl_error_set(err, SL_ERR_INVALID_INPUT,
                                "DISTINCT ON needs the aggregate first(), which is not available");
        sl_physical_op *agg = new_op(ctx, SL_POP_HASH_AGGREGATE, 1);
        p = new_op(ctx, SL_POP_PROJECTION, 1);
        if (!agg || !p)
            return sl_error_oom(err);
        agg->children[0] = c;
        rc.where = "DISTINCT ON";
        agg->expr_count = lop->expr_count;
        SL_TRY(resolve_list(&rc, lop->exprs, lop->expr_count, &agg->exprs, err));
        uint32_t n = child->column_count;
        agg->aggregate_count = n;
        agg->aggregates = sl_arena_alloc(arena, sizeof(sl_expr *) * (n ? n : 1));
        agg->column_count = lop->expr_count + n;
        agg->types = sl_arena_alloc(arena, sizeof(sl_type) * (agg->column_count + 1));
        agg->names = sl_arena_calloc(arena, sizeof(char *) * (agg->column_count + 1));
        p->exprs = sl_arena_alloc(arena, sizeof(sl_expr *) * (n ? n : 1));
        if (!agg->aggregates || !agg->types || !agg->names || !p->exprs)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < lop->expr_count; i++)
            agg->types[i] = agg->exprs[i]->type;
        for (uint32_t i = 0; i < n; i++) {
            sl_expr *col = sl_expr_new(arena, SL_EXPR_COLUMN, child->types[i]);
            if (!col)
                return sl_error_oom(err);
            col->index = i;
            SL_TRY(sl_aggregate_bind(arena, "first", &col, 1, -1, &agg->aggregates[i], err));
            agg->types[lop->expr_count + i] = agg->aggregates[i]->type;
            sl_expr *ref = sl_expr_new(arena, SL_EXPR_COLUMN, agg->aggregates[i]->type);
            if (!ref)
                return sl_error_oom(err);
            ref->index = lop->expr_count + i;
            ref->alias = child->names ? child->names[i] : NULL;
            p->exprs[i] = ref;
        }
        agg->estimated_rows = sl_plan_estimate_rows(lop);
        p->children[0] = agg;
        p->expr_count = n;
        break;
    }
    case SL_LOP_SETOP: {
        sl_physical_op *l, *r;
        SL_TRY(plan_node(ctx, lop->children[0], &l, err));
        SL_TRY(plan_node(ctx, lop->children[1], &r, err));
        if (l->column_count != r->column_count)
            return sl_error_set(err, SL_ERR_INTERNAL, "set operation inputs have %u and %u columns",
                                l->column_count, r->column_count);
        if (lop->setop == SL_SETOP_UNION) {
            p = new_op(ctx, SL_POP_UNION_ALL, 2);
            if (!p)
                return sl_error_oom(err);
            p->children[0] = l;
            p->children[1] = r;
            SL_TRY(set_output(arena, p, lop, err));
            if (lop->setop_all) {
                *out = p;
                return SL_OK;
            }
            return plan_distinct_over(ctx, p, lop, out, err);
        }
        p = new_op(ctx, SL_POP_SET_OPERATION, 2);
        if (!p)
            return sl_error_oom(err);
        p->children[0] = l;
        p->children[1] = r;
        p->setop = lop->setop;
        p->setop_all = lop->setop_all;
        break;
    }
    default:
        return sl_error_set(err, SL_ERR_INTERNAL, "cannot plan logical operator kind %d", (int)lop->kind);
    }
    if (!p)
        return sl_error_oom(err);
    SL_TRY(set_output(arena, p, lop, err));
    *out = p;
    return SL_OK;
}

sl_status sl_physical_plan(sl_plan_context *ctx, const sl_logical_op *logical, sl_physical_op **out,
                           sl_error *err)
{
    sl_physical_op *p = NULL;
    SL_TRY(plan_node(ctx, logical, &p, err));
    *out = p;
    return SL_OK;
}
