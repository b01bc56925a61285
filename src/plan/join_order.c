/*
 * join_order.c — cardinality estimation and join ordering.
 *
 * Estimates use the catalog's per-column statistics (catalog.h: row count, null count,
 * min/max, HyperLogLog distinct count), reached by tracing a column binding down to the
 * base-table column it comes from (through filters, projections of bare columns, group
 * keys and joins):
 *   col = const        (1 - null fraction) / ndv(col)
 *   col <, <=, >, >= const, BETWEEN
 *                      fraction of [min, max] (bounds on one column within an AND are
 *                      intersected first); 0.3 without statistics
 *   col IN (k values)  k / ndv;  col <> const: 1 - 1/ndv;  IS [NOT] NULL: null fraction
 *   AND: product; OR: 1 - prod(1 - s); NOT: 1 - s; anything else 0.3
 *   equi-join          |L| * |R| / max(ndv(L.key), ndv(R.key)), ndv capped by the side's
 *                      estimated rows (an expression without statistics: ndv = rows)
 *   grouped aggregate  product of the group keys' ndv, capped by the input rows
 *
 * Ordering: a maximal tree of INNER joins / cross products is flattened into relations
 * (the subtrees below it, reordered first) and conjuncts. Up to DP_MAX_RELATIONS
 * relations, dynamic programming over subsets (DPsub: every connected split of every
 * subset) finds the bushy tree with the smallest sum of intermediate cardinalities
 * (C_out), considering only splits connected by a predicate, so no cross product is
 * formed. The cardinality of a subset is computed once, independent of the split: the
 * product of its relations' rows times the selectivity of every conjunct it covers, where
 * column equalities are grouped into equivalence classes (each class of k connected key
 * columns divides by the product of the k-1 largest ndvs, so transitive cycles are not
 * counted twice). When the query graph is disconnected (or above the DP limit) greedy
 * ordering joins the cheapest connected pair repeatedly and crosses only when no
 * predicate connects two components. Every join takes the pending conjuncts its sides
 * cover; the smaller estimated side becomes the build side (children[1]).
 */
#include "plan/optimizer.h"

#include <math.h>

#include "catalog/catalog.h"

#define DP_MAX_RELATIONS 12

/* ---------------------------------------------------------------- statistics */

/* The base-table column that binding b of op's output comes from. */
static bool column_origin(const sl_logical_op *op, sl_column_binding b, const sl_table **table, uint32_t *column)
{
    for (int guard = 0; guard < 256 && op; guard++) {
        switch (op->kind) {
        case SL_LOP_SCAN:
            if (op->table_index != b.table_index || !op->table || b.column_index >= op->table->column_count)
                return false;
            *table = op->table;
            *column = b.column_index;
            return true;
        case SL_LOP_PROJECT:
            if (b.table_index == op->table_index) {
                if (b.column_index >= op->expr_count)
                    return false;
                const sl_expr *e = op->exprs[b.column_index];
                if (e->kind != SL_EXPR_COLUMN || e->depth != 0)
                    return false;
                b = e->binding;
            }
            op = op->children[0];
            break;
        case SL_LOP_AGGREGATE:
            if (b.table_index != op->group_index || b.column_index >= op->expr_count)
                return false;
            {
                const sl_expr *e = op->exprs[b.column_index];
                if (e->kind != SL_EXPR_COLUMN || e->depth != 0)
                    return false;
                b = e->binding;
            }
            op = op->children[0];
            break;
        case SL_LOP_FILTER:
        case SL_LOP_SORT:
        case SL_LOP_LIMIT:
        case SL_LOP_DISTINCT:
        case SL_LOP_WINDOW:
        case SL_LOP_WINDOW_TVF:
        case SL_LOP_JOIN: {
            const sl_logical_op *next = NULL;
            for (uint32_t i = 0; i < op->child_count && !next; i++)
                if (sl_logical_find_column(op->children[i], b) >= 0)
                    next = op->children[i];
            op = next;
            break;
        }
        default:
            return false;
        }
    }
    return false;
}

static bool numeric_like(sl_type t)
{
    return sl_type_is_numeric(t) || t.id == SL_TYPE_DATE || t.id == SL_TYPE_TIMESTAMP;
}

/* e without order-preserving casts between numeric / date types. */
static const sl_expr *strip_casts(const sl_expr *e)
{
    while (e && e->kind == SL_EXPR_CAST && e->arg_count == 1 && !e->try_cast && numeric_like(e->type) &&
           numeric_like(e->args[0]->type))
        e = e->args[0];
    return e;
}

/* Statistics of the base column behind expression e (a column, possibly cast) over input. */
static const sl_column_stats *expr_stats(const sl_expr *e, const sl_logical_op *input, const sl_table **table)
{
    e = strip_casts(e);
    if (!input || !e || e->kind != SL_EXPR_COLUMN || e->depth != 0)
        return NULL;
    uint32_t col;
    if (!column_origin(input, e->binding, table, &col) || !(*table)->stats || (*table)->row_count <= 0)
        return NULL;
    return &(*table)->stats[col];
}

/* Distinct values of e over input (input_rows estimated rows): the column's sketch capped
 * by input_rows, or input_rows when e has no statistics. */
static double expr_ndv(const sl_expr *e, const sl_logical_op *input, double input_rows)
{
    const sl_table *t;
    const sl_column_stats *st = expr_stats(e, input, &t);
    double d = input_rows;
    if (st) {
        d = sl_column_stats_distinct(st);
        if (d > (double)t->row_count)
            d = (double)t->row_count;
        if (d > input_rows)
            d = input_rows;
    }
    return d < 1.0 ? 1.0 : d;
}

/* Numeric image of a constant on the sl_column_stats scale. */
static bool constant_number(const sl_expr *e, double *out)
{
    e = strip_casts(e);
    if (!e || e->kind != SL_EXPR_CONSTANT || e->value.is_null)
        return false;
    const sl_value *v = &e->value;
    switch (v->type.id) {
    case SL_TYPE_TINYINT:
    case SL_TYPE_SMALLINT:
    case SL_TYPE_INTEGER:
    case SL_TYPE_BIGINT:
    case SL_TYPE_DATE:
        *out = (double)v->v.i64;
        return true;
    case SL_TYPE_TIMESTAMP:
        *out = (double)v->v.i64 / 86400e6;
        return true;
    case SL_TYPE_REAL:
    case SL_TYPE_DOUBLE:
        *out = v->v.f64;
        return !isnan(*out);
    case SL_TYPE_DECIMAL:
        *out = (sl_decimal_is_small(v->type) ? (double)v->v.i64 : (double)v->v.i128) / pow(10.0, v->type.scale);
        return true;
    default:
        return false;
    }
}

static bool is_constant(const sl_expr *e)
{
    e = strip_casts(e);
    return e && e->kind == SL_EXPR_CONSTANT;
}

static double clamp01(double s) { return s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s; }

/* A range comparison col op const (either order): the column stats, and the bound it
 * sets (lower when *is_lower). */
static bool range_bound(const sl_expr *p, const sl_logical_op *input, const sl_column_stats **st,
                        const sl_table **t, double *bound, bool *is_lower)
{
    int dir; /* +1: col > c (lower bound) with args (col, c) */
    if (sl_expr_is_call(p, ">") || sl_expr_is_call(p, ">="))
        dir = 1;
    else if (sl_expr_is_call(p, "<") || sl_expr_is_call(p, "<="))
        dir = -1;
    else
        return false;
    const sl_expr *col = p->args[0], *c = p->args[1];
    if (is_constant(col)) {
        const sl_expr *tmp = col;
        col = c;
        c = tmp;
        dir = -dir;
    }
    if (!constant_number(c, bound))
        return false;
    *st = expr_stats(col, input, t);
    if (!*st || !(*st)->has_range)
        return false;
    *is_lower = dir > 0;
    return true;
}

static double range_fraction(const sl_column_stats *st, double lo, double hi, double ndv)
{
    double width = st->max - st->min;
    double f;
    if (lo > hi)
        f = 0.0;
    else if (width <= 0.0)
        f = lo <= st->min && st->min <= hi ? 1.0 : 0.0;
    else {
        double a = lo < st->min ? st->min : lo, b = hi > st->max ? st->max : hi;
        f = b < a ? 0.0 : (b - a) / width;
    }
    double floor = ndv > 0 ? 1.0 / ndv : 0.001;
    return f < floor ? floor : clamp01(f);
}

static double selectivity(const sl_expr *p, const sl_logical_op *input, double input_rows);

/* AND: range bounds over one column are intersected (BETWEEN), the rest multiplied. */
static double and_selectivity(sl_expr *const *args, uint32_t count, const sl_logical_op *input, double input_rows)
{
    enum { MAXR = 16 };
    const sl_column_stats *cols[MAXR];
    const sl_table *tabs[MAXR];
    double lo[MAXR], hi[MAXR];
    uint32_t nr = 0;
    double s = 1.0;
    for (uint32_t i = 0; i < count; i++) {
        const sl_column_stats *st;
        const sl_table *t;
        double b;
        bool lower;
        if (range_bound(args[i], input, &st, &t, &b, &lower)) {
            uint32_t k = 0;
            while (k < nr && cols[k] != st)
                k++;
            if (k == nr && nr < MAXR) {
                cols[nr] = st;
                tabs[nr] = t;
                lo[nr] = -INFINITY;
                hi[nr] = INFINITY;
                nr++;
            }
            if (k < nr) {
                if (lower && b > lo[k])
                    lo[k] = b;
                if (!lower && b < hi[k])
                    hi[k] = b;
                continue;
            }
        }
        s *= selectivity(args[i], input, input_rows);
    }
    for (uint32_t k = 0; k < nr; k++) {
        double nn = 1.0 - (double)cols[k]->null_count / (double)tabs[k]->row_count;
        s *= nn * range_fraction(cols[k], lo[k], hi[k], sl_column_stats_distinct(cols[k]));
    }
    return s;
}

/* Fraction of input's rows (input may be NULL: no statistics) for which p is TRUE. */
static double selectivity(const sl_expr *p, const sl_logical_op *input, double input_rows)
{
    if (!p)
        return 1.0;
    const sl_table *t;
    const sl_column_stats *st;
    switch (p->kind) {
    case SL_EXPR_AND:
        return and_selectivity(p->args, p->arg_count, input, input_rows);
    case SL_EXPR_OR: {
        double keep = 1.0;
        for (uint32_t i = 0; i < p->arg_count; i++)
            keep *= 1.0 - selectivity(p->args[i], input, input_rows);
        return clamp01(1.0 - keep);
    }
    case SL_EXPR_NOT:
        return clamp01(1.0 - selectivity(p->args[0], input, input_rows));
    case SL_EXPR_IN_LIST: {
        double k = p->arg_count ? p->arg_count - 1 : 1;
        double s;
        if ((st = expr_stats(p->args[0], input, &t)) != NULL)
            s = clamp01(k / expr_ndv(p->args[0], input, (double)t->row_count));
        else
            s = clamp01(0.1 * k > 0.5 ? 0.5 : 0.1 * k);
        return p->negated ? 1.0 - s : s;
    }
    case SL_EXPR_IS_NULL:
    case SL_EXPR_IS_NOT_NULL: {
        double f = 0.1;
        if ((st = expr_stats(p->args[0], input, &t)) != NULL)
            f = (double)st->null_count / (double)t->row_count;
        return p->kind == SL_EXPR_IS_NULL ? f : 1.0 - f;
    }
    case SL_EXPR_CONSTANT:
        return (!p->value.is_null && p->value.type.id == SL_TYPE_BOOLEAN && p->value.v.boolean) ? 1.0 : 0.0;
    case SL_EXPR_CALL: {
        bool eq = sl_expr_is_call(p, "="), ne = sl_expr_is_call(p, "<>");
        if (eq || ne) {
            const sl_expr *a = p->args[0], *b = p->args[1];
            if (is_constant(a)) {
                const sl_expr *tmp = a;
                a = b;
                b = tmp;
            }
            double s = 0.1;
            if (is_constant(b) && (st = expr_stats(a, input, &t)) != NULL) {
                double nn = 1.0 - (double)st->null_count / (double)t->row_count;
                s = nn / expr_ndv(a, input, (double)t->row_count);
            } else if (!is_constant(b) && input) {
                double da = expr_ndv(a, input, input_rows), db = expr_ndv(b, input, input_rows);
                s = 1.0 / (da > db ? da : db);
            }
            return eq ? clamp01(s) : clamp01(1.0 - s);
        }
        const sl_column_stats *rst;
        double bound;
        bool lower;
        if (range_bound(p, input, &rst, &t, &bound, &lower)) {
            double nn = 1.0 - (double)rst->null_count / (double)t->row_count;
            return nn * range_fraction(rst, lower ? bound : -INFINITY, lower ? INFINITY : bound,
                                       sl_column_stats_distinct(rst));
        }
        return 0.3;
    }
    default:
        return 0.5;
    }
}

double sl_plan_selectivity(const sl_expr *p) { return selectivity(p, NULL, 1000.0); }

/* Is p an equality with one side over l alone and the other over r alone? Sets the keys. */
static bool equi_keys(const sl_expr *p, const sl_logical_op *l, const sl_logical_op *r, const sl_expr **kl,
                      const sl_expr **kr)
{
    if (!sl_expr_is_call(p, "="))
        return false;
    const sl_expr *a = p->args[0], *b = p->args[1];
    if (sl_expr_references(a, l) && sl_expr_bound_by(a, l) && sl_expr_references(b, r) && sl_expr_bound_by(b, r)) {
        *kl = a;
        *kr = b;
        return true;
    }
    if (sl_expr_references(a, r) && sl_expr_bound_by(a, r) && sl_expr_references(b, l) && sl_expr_bound_by(b, l)) {
        *kl = b;
        *kr = a;
        return true;
    }
    return false;
}

/* Estimated rows of l ⋈ r under cond (lr, rr: the sides' estimates). Each equality
 * divides by max(ndv(left key), ndv(right key)), "charged" to the side with the larger
 * ndv (on a tie the smaller side, the likely key side); the product of a side's charges is
 * capped by its rows, so a composite key (partsupp's (partkey, suppkey)) is not treated
 * as more selective than a unique key. */
static double join_estimate(double lr, double rr, const sl_expr *cond, const sl_logical_op *l,
                            const sl_logical_op *r)
{
    double out = lr * rr;
    if (!cond)
        return out;
    double charge_l = 1.0, charge_r = 1.0;
    uint32_t n = cond->kind == SL_EXPR_AND ? cond->arg_count : 1;
    for (uint32_t i = 0; i < n; i++) {
        const sl_expr *c = cond->kind == SL_EXPR_AND ? cond->args[i] : cond;
        const sl_expr *kl, *kr;
        if (equi_keys(c, l, r, &kl, &kr)) {
            double dl = expr_ndv(kl, l, lr), dr = expr_ndv(kr, r, rr);
            if (dl > dr || (dl == dr && lr <= rr))
                charge_l *= dl;
            else
                charge_r *= dr;
        } else {
            out *= selectivity(c, NULL, out);
        }
    }
    out /= (charge_l < lr ? charge_l : lr) * (charge_r < rr ? charge_r : rr);
    return out;
}

/* Fraction of l's rows with a match in r under cond (SEMI join). */
static double semi_fraction(double lr, double rr, const sl_expr *cond, const sl_logical_op *l,
                            const sl_logical_op *r)
{
    if (!cond)
        return rr > 0 ? 1.0 : 0.0;
    uint32_t n = cond->kind == SL_EXPR_AND ? cond->arg_count : 1;
    for (uint32_t i = 0; i < n; i++) {
        const sl_expr *c = cond->kind == SL_EXPR_AND ? cond->args[i] : cond;
        const sl_expr *kl, *kr;
        if (equi_keys(c, l, r, &kl, &kr)) {
            double dl = expr_ndv(kl, l, lr), dr = expr_ndv(kr, r, rr);
            return clamp01(dr / dl);
        }
    }
    return 0.5;
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
        /* 1000 even when the function knows its rows (estimate_rows): without column
         * statistics for table functions, real row counts made the join-order model pick
         * worse orders (TPC-H q05/q07 over Parquet, bench/RESULTS.md); they go in together
         * with column statistics from Parquet footers. */
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
        r = c * and_selectivity(op->predicates, op->predicate_count, op->children[0], c);
        break;
    }
    case SL_LOP_AGGREGATE:
        if (!op->expr_count) {
            r = 1.0;
            break;
        }
        r = 1.0;
        for (uint32_t i = 0; i < op->expr_count && r < c; i++)
            r *= expr_ndv(op->exprs[i], op->children[0], c);
        if (r > c)
            r = c;
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
            r = c * semi_fraction(c, rr, op->condition, op->children[0], op->children[1]);
            break;
        case SL_JOIN_ANTI: {
            double f = 1.0 - semi_fraction(c, rr, op->condition, op->children[0], op->children[1]);
            r = c * (f < 0.1 ? 0.1 : f);
            break;
        }
        case SL_JOIN_MARK:
        case SL_JOIN_SINGLE:
            r = c;
            break;
        default:
            r = join_estimate(c, rr, op->condition, op->children[0], op->children[1]);
            if ((op->join_type == SL_JOIN_LEFT || op->join_type == SL_JOIN_FULL) && r < c)
                r = c;
            if ((op->join_type == SL_JOIN_RIGHT || op->join_type == SL_JOIN_FULL) && r < rr)
                r = rr;
            break;
        }
        break;
    }
    case SL_LOP_SETOP:
        r = c + sl_plan_estimate_rows(op->children[1]);
        break;
    case SL_LOP_WINDOW_TVF:
        /* HOP puts each row in size/slide windows, CUMULATE in 1 .. size/step (on average
         * half of them) */
        r = c;
        if (op->window_kind == SL_WINDOW_HOP && op->window_slide > 0)
            r = c * (double)(op->window_size / op->window_slide);
        else if (op->window_kind == SL_WINDOW_CUMULATE && op->window_slide > 0)
            r = c * ((double)(op->window_size / op->window_slide) + 1.0) / 2.0;
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

/* Greedy ordering: repeatedly joins the connected pair with the smallest estimate
 * (a cross product of the smallest pair only when nothing connects). */
static sl_status greedy_order(sl_plan_context *ctx, rel_list rels, sl_expr_list conds, bool *used,
                              sl_logical_op **opp, sl_error *err)
{
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
    *opp = rels.items[0];
    return SL_OK;
}

/* Puts the conjuncts not used by any join in a FILTER over result. */
static sl_status wrap_rest(sl_plan_context *ctx, sl_logical_op *result, const sl_expr_list *conds,
                           const bool *used, sl_logical_op **opp, sl_error *err)
{
    sl_expr_list rest = { 0 };
    for (uint32_t i = 0; i < conds->count; i++)
        if (!used[i])
            SL_TRY(sl_expr_list_push(ctx->arena, &rest, conds->items[i], err));
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

/* ---------------------------------------------------------------- DP over subsets */

typedef uint32_t relset;

typedef struct dp_member {
    sl_column_binding binding;  /* a key column of an equality between two relations */
    uint32_t rel;               /* the relation it belongs to */
    double ndv;                 /* its distinct values, capped by its relation's rows */
} dp_member;

typedef struct dp_state {
    uint32_t n;
    sl_logical_op **rels;
    double *rel_rows;
    const sl_expr_list *conds;
    relset *mask;               /* per conjunct: the relations it references */
    int32_t *edge_a, *edge_b;   /* per conjunct: member indexes of a column equality, or -1 */
    double *sel;                /* per other conjunct over >= 2 relations: its selectivity */
    dp_member *members;
    uint32_t member_count;
    uint32_t *parent;           /* union-find scratch, member_count entries */
    double *charge;             /* per relation scratch: product of ndvs charged to it */
    /* per subset */
    bool *valid;
    double *rows, *cost;
    relset *split;
} dp_state;

static int popcount(relset s) { return __builtin_popcount(s); }

/* The relation expression e references (exactly one), or -1. */
static int single_rel(const dp_state *st, const sl_expr *e)
{
    int found = -1;
    for (uint32_t i = 0; i < st->n; i++)
        if (sl_expr_references(e, st->rels[i])) {
            if (found >= 0)
                return -1;
            found = (int)i;
        }
    return found;
}

static sl_status member_of(sl_arena *arena, dp_state *st, const sl_expr *col, int rel, int32_t *out, sl_error *err)
{
    for (uint32_t k = 0; k < st->member_count; k++)
        if (st->members[k].binding.table_index == col->binding.table_index &&
            st->members[k].binding.column_index == col->binding.column_index) {
            *out = (int32_t)k;
            return SL_OK;
        }
    st->members[st->member_count].binding = col->binding;
    st->members[st->member_count].rel = (uint32_t)rel;
    st->members[st->member_count].ndv = expr_ndv(col, st->rels[rel], st->rel_rows[rel]);
    *out = (int32_t)st->member_count++;
    return SL_OK;
}

/* Classifies the conjuncts: relation masks, column-equality edges, other selectivities. */
static sl_status dp_prepare(sl_plan_context *ctx, dp_state *st, sl_error *err)
{
    sl_arena *arena = ctx->arena;
    uint32_t m = st->conds->count;
    st->rel_rows = sl_arena_alloc(arena, sizeof(double) * st->n);
    st->charge = sl_arena_alloc(arena, sizeof(double) * st->n);
    st->mask = sl_arena_calloc(arena, sizeof(relset) * (m + 1));
    st->edge_a = sl_arena_alloc(arena, sizeof(int32_t) * (m + 1));
    st->edge_b = sl_arena_alloc(arena, sizeof(int32_t) * (m + 1));
    st->sel = sl_arena_alloc(arena, sizeof(double) * (m + 1));
    st->members = sl_arena_alloc(arena, sizeof(dp_member) * (2 * m + 1));
    st->parent = sl_arena_alloc(arena, sizeof(uint32_t) * (2 * m + 1));
    if (!st->rel_rows || !st->charge || !st->mask || !st->edge_a || !st->edge_b || !st->sel || !st->members || !st->parent)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < st->n; i++)
        st->rel_rows[i] = sl_plan_estimate_rows(st->rels[i]);
    for (uint32_t c = 0; c < m; c++) {
        const sl_expr *p = st->conds->items[c];
        for (uint32_t i = 0; i < st->n; i++)
            if (sl_expr_references(p, st->rels[i]))
                st->mask[c] |= (relset)1 << i;
        st->edge_a[c] = st->edge_b[c] = -1;
        st->sel[c] = 1.0;
        if (popcount(st->mask[c]) < 2)
            continue;
        if (sl_expr_is_call(p, "=") && !sl_expr_has_volatile(p)) {
            const sl_expr *a = strip_casts(p->args[0]), *b = strip_casts(p->args[1]);
            int ra = single_rel(st, p->args[0]), rb = single_rel(st, p->args[1]);
            if (ra >= 0 && rb >= 0 && ra != rb) {
                if (a->kind == SL_EXPR_COLUMN && a->depth == 0 && b->kind == SL_EXPR_COLUMN && b->depth == 0) {
                    SL_TRY(member_of(arena, st, a, ra, &st->edge_a[c], err));
                    SL_TRY(member_of(arena, st, b, rb, &st->edge_b[c], err));
                    continue;
                }
                double da = expr_ndv(p->args[0], st->rels[ra], st->rel_rows[ra]);
                double db = expr_ndv(p->args[1], st->rels[rb], st->rel_rows[rb]);
                st->sel[c] = 1.0 / (da > db ? da : db);
                continue;
            }
        }
        st->sel[c] = selectivity(p, NULL, 1000.0);
    }
    return SL_OK;
}

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* Estimated rows of the join of subset s (independent of how s is split). */
static double dp_rows(dp_state *st, relset s)
{
    double rows = 1.0;
    for (uint32_t i = 0; i < st->n; i++)
        if (s & ((relset)1 << i))
            rows *= st->rel_rows[i];
    for (uint32_t k = 0; k < st->member_count; k++)
        st->parent[k] = k;
    for (uint32_t c = 0; c < st->conds->count; c++) {
        if (popcount(st->mask[c]) < 2 || (st->mask[c] & ~s))
            continue;
        if (st->edge_a[c] >= 0) {
            uint32_t a = uf_find(st->parent, (uint32_t)st->edge_a[c]);
            uint32_t b = uf_find(st->parent, (uint32_t)st->edge_b[c]);
            if (a != b)
                st->parent[a] = b;
        } else {
            rows *= st->sel[c];
        }
    }
    /* each equivalence class of k >= 2 key columns divides by its k-1 largest ndvs, each
     * charged to its column's relation; the member left out is the smallest ndv (on a tie
     * the one of the larger relation: the smaller one is the likely key side). A
     * relation's charges are capped by its rows (composite keys, see join_estimate). */
    for (uint32_t i = 0; i < st->n; i++)
        st->charge[i] = 1.0;
    for (uint32_t root = 0; root < st->member_count; root++) {
        if (uf_find(st->parent, root) != root)
            continue;
        int32_t free_member = -1;
        uint32_t size = 0;
        for (uint32_t k = 0; k < st->member_count; k++) {
            if (uf_find(st->parent, k) != root)
                continue;
            size++;
            const dp_member *m = &st->members[k];
            if (free_member < 0 || m->ndv < st->members[free_member].ndv ||
                (m->ndv == st->members[free_member].ndv && st->rel_rows[m->rel] > st->rel_rows[st->members[free_member].rel]))
                free_member = (int32_t)k;
        }
        if (size < 2)
            continue;
        for (uint32_t k = 0; k < st->member_count; k++)
            if ((int32_t)k != free_member && uf_find(st->parent, k) == root)
                st->charge[st->members[k].rel] *= st->members[k].ndv;
    }
    for (uint32_t i = 0; i < st->n; i++) {
        double cap = st->charge[i] < st->rel_rows[i] ? st->charge[i] : st->rel_rows[i];
        if ((s & ((relset)1 << i)) && cap > 0.0) /* an empty relation: no 0/0 = NaN */
            rows /= cap;
    }
    return rows >= 1.0 ? rows : 1.0; /* also maps a NaN to 1 */
}

static bool dp_connected(const dp_state *st, relset a, relset b)
{
    relset s = a | b;
    for (uint32_t c = 0; c < st->conds->count; c++) {
        relset m = st->mask[c];
        if (popcount(m) >= 2 && !(m & ~s) && (m & a) && (m & b))
            return true;
    }
    return false;
}

/* Builds the plan of subset s from the DP table, assigning each conjunct to the lowest
 * join that covers it. */
static sl_status dp_build(sl_plan_context *ctx, dp_state *st, relset s, bool *used, sl_logical_op **out,
                          sl_error *err)
{
    if (popcount(s) == 1) {
        *out = st->rels[__builtin_ctz(s)];
        return SL_OK;
    }
    relset a = st->split[s], b = s ^ a;
    sl_logical_op *la, *lb;
    SL_TRY(dp_build(ctx, st, a, used, &la, err));
    SL_TRY(dp_build(ctx, st, b, used, &lb, err));
    sl_logical_op *j = sl_logical_new(ctx, SL_LOP_JOIN, 2);
    if (!j)
        return sl_error_oom(err);
    bool a_probes = st->rows[a] >= st->rows[b];
    j->join_type = SL_JOIN_INNER;
    j->children[0] = a_probes ? la : lb;   /* larger side probes */
    j->children[1] = a_probes ? lb : la;   /* smaller side builds */
    sl_expr_list mine = { 0 };
    for (uint32_t c = 0; c < st->conds->count; c++) {
        relset m = st->mask[c];
        if (used[c] || popcount(m) < 2 || (m & ~s) || !(m & a) || !(m & b))
            continue;
        SL_TRY(sl_expr_list_push(ctx->arena, &mine, st->conds->items[c], err));
        used[c] = true;
    }
    j->condition = sl_expr_make_and(ctx->arena, mine.items, mine.count);
    if (mine.count && !j->condition)
        return sl_error_oom(err);
    SL_TRY(sl_logical_columns(ctx, j, err));
    *out = j;
    return SL_OK;
}

/* DPsub over connected splits minimizing C_out. *found = false when the relations are
 * not connected by predicates (the caller then orders greedily). */
static sl_status dp_order(sl_plan_context *ctx, rel_list rels, const sl_expr_list *conds, bool *used,
                          sl_logical_op **opp, bool *found, sl_error *err)
{
    dp_state st = { 0 };
    st.n = rels.count;
    st.rels = rels.items;
    st.conds = conds;
    SL_TRY(dp_prepare(ctx, &st, err));
    relset full = ((relset)1 << st.n) - 1;
    size_t subsets = (size_t)full + 1;
    st.valid = sl_arena_calloc(ctx->arena, subsets);
    st.rows = sl_arena_alloc(ctx->arena, sizeof(double) * subsets);
    st.cost = sl_arena_alloc(ctx->arena, sizeof(double) * subsets);
    st.split = sl_arena_alloc(ctx->arena, sizeof(relset) * subsets);
    if (!st.valid || !st.rows || !st.cost || !st.split)
        return sl_error_oom(err);
    for (relset s = 1; s <= full; s++) {
        if (popcount(s) == 1) {
            st.valid[s] = true;
            st.rows[s] = st.rel_rows[__builtin_ctz(s)];
            st.cost[s] = 0.0;
            continue;
        }
        for (relset a = (s - 1) & s; a > 0; a = (a - 1) & s) {
            relset b = s ^ a;
            if (a < b || !st.valid[a] || !st.valid[b] || !dp_connected(&st, a, b))
                continue;
            bool first = !st.valid[s];
            if (first) {
                st.rows[s] = dp_rows(&st, s);
                st.cost[s] = INFINITY;
                st.valid[s] = true;
            }
            double cost = st.rows[s] + st.cost[a] + st.cost[b];
            /* the first split is always taken, even at an infinite or NaN cost, so
             * split[s] is never left unset (dp_build would recurse forever) */
            if (first || cost < st.cost[s]) {
                st.cost[s] = cost;
                st.split[s] = a;
            }
        }
    }
    *found = st.valid[full];
    if (!*found)
        return SL_OK;
    return dp_build(ctx, &st, full, used, opp, err);
}

static sl_status reorder_inner(sl_plan_context *ctx, sl_logical_op **opp, sl_error *err)
{
    rel_list rels = { 0 };
    sl_expr_list conds = { 0 };
    SL_TRY(flatten(ctx, *opp, &rels, &conds, err));
    bool *used = sl_arena_calloc(ctx->arena, conds.count + 1);
    if (!used)
        return sl_error_oom(err);
    sl_logical_op *result = NULL;
    bool found = false;
    if (rels.count >= 2 && rels.count <= DP_MAX_RELATIONS)
        SL_TRY(dp_order(ctx, rels, &conds, used, &result, &found, err));
    if (!found) {
        for (uint32_t i = 0; i < conds.count; i++)
            used[i] = false;
        SL_TRY(greedy_order(ctx, rels, conds, used, &result, err));
    }
    return wrap_rest(ctx, result, &conds, used, opp, err);
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
