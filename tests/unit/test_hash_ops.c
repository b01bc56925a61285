/*
 * test_hash_ops.c — unit tests for the hash table and the hash-based operators of
 * src/exec: HASH_JOIN and NESTED_LOOP_JOIN (every join type, NULL keys, duplicate keys,
 * IS NOT DISTINCT FROM keys, residual conditions, empty sides, inputs over several
 * batches), HASH_AGGREGATE (groups, no groups on empty input, FILTER, DISTINCT, string
 * keys) and SET_OPERATION (INTERSECT / EXCEPT [ALL]). Plans are built by hand and run
 * through sl_executor_run; every result is compared, as a multiset of rows, with a
 * brute-force reference computed here.
 */
#include "check.h"

#include <stdlib.h>

#include "catalog/catalog.h"
#include "exec/executor.h"
#include "exec/hash_table.h"
#include "expr/function.h"

#define NUL INT64_MIN   /* NULL marker in reference rows */

static sl_arena arena;

/* ------------------------------------------------------------------ plan helpers */

static sl_expr *col(uint32_t index, sl_type_id type)
{
    sl_expr *e = sl_arena_calloc(&arena, sizeof *e);
    e->kind = SL_EXPR_COLUMN;
    e->type = sl_type_make(type);
    e->index = index;
    e->position = -1;
    return e;
}

static sl_expr *call2(const char *name, sl_expr *a, sl_expr *b)
{
    sl_expr *args[2] = { a, b };
    sl_expr *out = NULL;
    sl_error err;
    if (sl_function_bind(&arena, name, args, 2, -1, &out, &err) != SL_OK) {
        fprintf(stderr, "bind %s: %s\n", name, err.message);
        return NULL;
    }
    return out;
}

static sl_expr *agg(const char *name, sl_expr *arg)
{
    sl_expr *args[1] = { arg };
    sl_expr *out = NULL;
    sl_error err;
    if (sl_aggregate_bind(&arena, name, args, arg ? 1 : 0, -1, &out, &err) != SL_OK) {
        fprintf(stderr, "bind %s: %s\n", name, err.message);
        return NULL;
    }
    return out;
}

static sl_physical_op *node(sl_physical_kind kind, uint32_t child_count)
{
    sl_physical_op *op = sl_arena_calloc(&arena, sizeof *op);
    op->kind = kind;
    op->child_count = child_count;
    op->children = sl_arena_calloc(&arena, sizeof *op->children * (child_count + 1));
    op->limit = -1;
    return op;
}

/* A table of two INTEGER columns from value arrays (NUL = NULL). */
static sl_table *make_table(const int64_t *a, const int64_t *b, uint32_t n)
{
    sl_table *t = sl_arena_calloc(&arena, sizeof *t);
    t->name = "t";
    t->column_count = 2;
    t->columns = sl_arena_calloc(&arena, sizeof *t->columns * 2);
    t->columns[0].name = "a";
    t->columns[1].name = "b";
    t->columns[0].type = t->columns[1].type = sl_type_make(SL_TYPE_INTEGER);
    sl_type types[2] = { t->columns[0].type, t->columns[1].type };
    for (uint32_t at = 0; at < n; at += SL_BATCH_CAPACITY) {
        uint32_t m = n - at < SL_BATCH_CAPACITY ? n - at : SL_BATCH_CAPACITY;
        sl_batch *batch = sl_batch_new_typed(types, 2, SL_BATCH_CAPACITY);
        for (uint32_t r = 0; r < m; r++) {
            const int64_t *src[2] = { a, b };
            for (uint32_t c = 0; c < 2; c++) {
                int64_t v = src[c][at + r];
                SL_VECTOR_DATA(batch->columns[c], int32_t)[r] = v == NUL ? 0 : (int32_t)v;
                if (v == NUL)
                    sl_vector_set_null(batch->columns[c], r, NULL);
            }
        }
        batch->length = batch->count = m;
        sl_array_reserve((void **)&t->chunks, &t->chunk_capacity, t->chunk_count + 1, sizeof *t->chunks, NULL);
        t->chunks[t->chunk_count++] = batch;
        t->row_count += m;
    }
    return t;
}

static void free_table(sl_table *t)
{
    for (size_t i = 0; i < t->chunk_count; i++)
        sl_batch_free(t->chunks[i]);
    sl_free(t->chunks);
}

static sl_physical_op *scan(sl_table *t)
{
    sl_physical_op *op = node(SL_POP_TABLE_SCAN, 0);
    op->table = t;
    op->scan_column_count = 2;
    op->scan_columns = sl_arena_calloc(&arena, sizeof(uint32_t) * 2);
    op->types = sl_arena_calloc(&arena, sizeof(sl_type) * 2);
    for (uint32_t i = 0; i < 2; i++) {
        op->scan_columns[i] = i;
        op->types[i] = t->columns[i].type;
    }
    op->column_count = 2;
    return op;
}

static sl_physical_op *result(sl_physical_op *child)
{
    sl_physical_op *op = node(SL_POP_RESULT, 1);
    op->children[0] = child;
    return op;
}

/* ------------------------------------------------------------------ row multisets */

typedef struct rowset {
    uint32_t width;
    size_t count;
    size_t capacity;
    int64_t *values;      /* count x width */
} rowset;

static void rowset_add(rowset *s, const int64_t *row)
{
    /* plain realloc: the rowset must not consume the fault-injection countdown */
    if ((s->count + 1) * s->width > s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 1024;
        s->values = realloc(s->values, sizeof *s->values * s->capacity);
    }
    memcpy(s->values + s->count * s->width, row, sizeof *row * s->width);
    s->count++;
}

static uint32_t sort_width;
static int row_cmp(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    for (uint32_t i = 0; i < sort_width; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

static bool rowset_equal(rowset *a, rowset *b)
{
    if (a->width != b->width || a->count != b->count) {
        fprintf(stderr, "  rowsets differ: %zu x %u vs %zu x %u rows\n", a->count, a->width, b->count, b->width);
        return false;
    }
    if (a->count == 0)
        return true;
    sort_width = a->width;
    qsort(a->values, a->count, sizeof(int64_t) * a->width, row_cmp);
    qsort(b->values, b->count, sizeof(int64_t) * b->width, row_cmp);
    for (size_t i = 0; i < a->count * a->width; i++)
        if (a->values[i] != b->values[i]) {
            fprintf(stderr, "  rowsets differ at row %zu\n", i / a->width);
            return false;
        }
    return true;
}

static int64_t read_value(const sl_vector *v, uint32_t row)
{
    if (!sl_vector_is_valid(v, row))
        return NUL;
    switch (v->type.id) {
    case SL_TYPE_BOOLEAN: return SL_VECTOR_DATA(v, uint8_t)[row];
    case SL_TYPE_INTEGER: return SL_VECTOR_DATA(v, int32_t)[row];
    case SL_TYPE_BIGINT: return SL_VECTOR_DATA(v, int64_t)[row];
    case SL_TYPE_DECIMAL: return (int64_t)SL_VECTOR_DATA(v, sl_int128)[row];
    case SL_TYPE_DOUBLE: return (int64_t)SL_VECTOR_DATA(v, double)[row];
    default: return -999;
    }
}

/* Rows the last run() wrote to spill files (exec->spill). */
static int64_t last_spilled_rows;

/* Runs the plan; collects the result rows. Returns the status; err filled. */
static sl_status run(sl_physical_op *root, rowset *out, uint32_t width, sl_error *err, int64_t memory_limit)
{
    sl_memory memory;
    sl_memory_init(&memory, memory_limit ? memory_limit : (int64_t)1 << 34);
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    exec.memory = &memory;
    sl_error_clear(err);
    memset(out, 0, sizeof *out);
    out->width = width;
    sl_batch **batches = NULL;
    size_t count = 0;
    sl_status st = sl_executor_run(&exec, root, &batches, &count, err);
    int64_t row[16];
    for (size_t b = 0; b < count; b++) {
        CHECK(batches[b]->column_count == width);
        CHECK(batches[b]->count <= SL_BATCH_CAPACITY);
        for (uint32_t r = 0; r < batches[b]->count; r++) {
            for (uint32_t c = 0; c < width; c++)
                row[c] = read_value(batches[b]->columns[c], r);
            rowset_add(out, row);
        }
        sl_batch_free(batches[b]);
    }
    sl_free(batches);
    CHECK_EQ_INT(memory.reserved, 0);
    last_spilled_rows = atomic_load(&exec.spill.rows_written);
    return st;
}

/* ------------------------------------------------------------------ join reference */

typedef struct side {
    uint32_t n;
    int64_t *k, *v;
} side;

static side make_side(uint32_t n, uint32_t mod, uint32_t mul, uint32_t null_every, uint32_t null_at,
                      uint32_t vmod, uint32_t vnull_every)
{
    side s = { n, sl_arena_alloc(&arena, sizeof(int64_t) * (n + 1)), sl_arena_alloc(&arena, sizeof(int64_t) * (n + 1)) };
    for (uint32_t i = 0; i < n; i++) {
        s.k[i] = null_every && i % null_every == null_at ? NUL : (int64_t)((i * mul) % mod);
        s.v[i] = vnull_every && i % vnull_every == 1 ? NUL : (int64_t)(i % vmod);
    }
    return s;
}

/* Three-valued logic: 0 FALSE, 1 NULL, 2 TRUE. */
static int key_eq3(int64_t a, int64_t b, bool null_equal)
{
    if (null_equal)
        return (a == NUL && b == NUL) || (a != NUL && b != NUL && a == b) ? 2 : 0;
    if (a == NUL || b == NUL)
        return 1;
    return a == b ? 2 : 0;
}

static int cond3(int64_t v, int64_t w, bool has_cond)
{
    if (!has_cond)
        return 2;
    if (v == NUL || w == NUL)
        return 1;
    return v < w ? 2 : 0;
}

static int and3(int a, int b) { return a < b ? a : b; }

/* Expected rows of L join R on L.k = R.k [AND L.v < R.w]. */
static void join_reference(sl_join_type type, const side *l, const side *r, bool null_equal, bool has_cond,
                           bool keyless, rowset *out)
{
    uint32_t width = type == SL_JOIN_SEMI || type == SL_JOIN_ANTI ? 2 : type == SL_JOIN_MARK ? 3 : 4;
    memset(out, 0, sizeof *out);
    out->width = width;
    uint8_t *rmatched = calloc(r->n + 1, 1);
    for (uint32_t i = 0; i < l->n; i++) {
        uint32_t matches = 0;
        int mark = 0;
        for (uint32_t j = 0; j < r->n; j++) {
            int t = and3(keyless ? 2 : key_eq3(l->k[i], r->k[j], null_equal), cond3(l->v[i], r->v[j], has_cond));
            if (t > mark)
                mark = t;
            if (t == 2) {
                matches++;
                rmatched[j] = 1;
                if (width == 4) {
                    int64_t row[4] = { l->k[i], l->v[i], r->k[j], r->v[j] };
                    rowset_add(out, row);
                }
            }
        }
        int64_t row[4] = { l->k[i], l->v[i], NUL, NUL };
        if ((type == SL_JOIN_LEFT || type == SL_JOIN_FULL || type == SL_JOIN_SINGLE) && matches == 0)
            rowset_add(out, row);
        if ((type == SL_JOIN_SEMI && matches) || (type == SL_JOIN_ANTI && !matches))
            rowset_add(out, row);
        if (type == SL_JOIN_MARK) {
            row[2] = mark == 1 ? NUL : mark == 2;
            rowset_add(out, row);
        }
    }
    if (type == SL_JOIN_RIGHT || type == SL_JOIN_FULL)
        for (uint32_t j = 0; j < r->n; j++)
            if (!rmatched[j]) {
                int64_t row[4] = { NUL, NUL, r->k[j], r->v[j] };
                rowset_add(out, row);
            }
    free(rmatched);
}

static sl_physical_op *join_plan(sl_physical_kind kind, sl_join_type type, sl_table *lt, sl_table *rt,
                                 bool null_equal, bool has_cond)
{
    sl_physical_op *j = node(kind, 2);
    j->children[0] = scan(lt);
    j->children[1] = scan(rt);
    j->join_type = type;
    if (kind == SL_POP_HASH_JOIN) {
        j->key_count = 1;
        j->probe_keys = sl_arena_alloc(&arena, sizeof(sl_expr *));
        j->build_keys = sl_arena_alloc(&arena, sizeof(sl_expr *));
        j->key_null_equal = sl_arena_alloc(&arena, sizeof(bool));
        j->probe_keys[0] = col(0, SL_TYPE_INTEGER);
        j->build_keys[0] = col(0, SL_TYPE_INTEGER);
        j->key_null_equal[0] = null_equal;
    }
    sl_expr *cond = has_cond ? call2("<", col(1, SL_TYPE_INTEGER), col(3, SL_TYPE_INTEGER)) : NULL;
    if (kind == SL_POP_NESTED_LOOP_JOIN) {
        /* the key equality becomes part of the condition */
        sl_expr *eq = null_equal ? NULL : call2("=", col(0, SL_TYPE_INTEGER), col(2, SL_TYPE_INTEGER));
        if (null_equal) {
            eq = sl_arena_calloc(&arena, sizeof *eq);
            eq->kind = SL_EXPR_IS_DISTINCT;
            eq->negated = true;
            eq->type = sl_type_make(SL_TYPE_BOOLEAN);
            eq->arg_count = 2;
            eq->args = sl_arena_alloc(&arena, sizeof(sl_expr *) * 2);
            eq->args[0] = col(0, SL_TYPE_INTEGER);
            eq->args[1] = col(2, SL_TYPE_INTEGER);
        }
        if (cond) {
            sl_expr *and = sl_arena_calloc(&arena, sizeof *and);
            and->kind = SL_EXPR_AND;
            and->type = sl_type_make(SL_TYPE_BOOLEAN);
            and->arg_count = 2;
            and->args = sl_arena_alloc(&arena, sizeof(sl_expr *) * 2);
            and->args[0] = eq;
            and->args[1] = cond;
            cond = and;
        } else {
            cond = eq;
        }
    }
    j->condition = cond;
    uint32_t width = type == SL_JOIN_SEMI || type == SL_JOIN_ANTI ? 2 : type == SL_JOIN_MARK ? 3 : 4;
    j->column_count = width;
    j->types = sl_arena_alloc(&arena, sizeof(sl_type) * 4);
    for (uint32_t i = 0; i < 4; i++)
        j->types[i] = sl_type_make(SL_TYPE_INTEGER);
    if (type == SL_JOIN_MARK)
        j->types[2] = sl_type_make(SL_TYPE_BOOLEAN);
    return j;
}

static const char *type_names[] = { "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI", "MARK", "SINGLE" };

static void check_join(sl_physical_kind kind, sl_join_type type, const side *l, const side *r, bool null_equal,
                       bool has_cond)
{
    sl_table *lt = make_table(l->k, l->v, l->n), *rt = make_table(r->k, r->v, r->n);
    sl_physical_op *j = join_plan(kind, type, lt, rt, null_equal, has_cond);
    rowset got, want;
    sl_error err;
    sl_status st = run(result(j), &got, j->column_count, &err, 0);
    if (st != SL_OK)
        fprintf(stderr, "  join failed: %s\n", err.message);
    CHECK_OK(st);
    join_reference(type, l, r, null_equal, has_cond, false, &want);
    if (getenv("HASH_OPS_VERBOSE"))
        fprintf(stderr, "  %s %s nulleq=%d cond=%d: %zu rows\n", kind == SL_POP_HASH_JOIN ? "hash" : "nlj",
                type_names[type], null_equal, has_cond, got.count);
    bool same = rowset_equal(&got, &want);
    if (!same)
        fprintf(stderr, "  %s %s join (null_equal=%d cond=%d, %u x %u rows) differs\n",
                kind == SL_POP_HASH_JOIN ? "hash" : "nested loop", type_names[type], null_equal, has_cond, l->n, r->n);
    CHECK(same);
    free(got.values);
    free(want.values);
    free_table(lt);
    free_table(rt);
}

static void test_join_types(sl_physical_kind kind, uint32_t nl, uint32_t nr)
{
    side l = make_side(nl, 97, 7, 13, 5, 100, 17);
    side r = make_side(nr, 89, 3, 11, 3, 50, 0);
    side empty = make_side(0, 1, 1, 0, 0, 1, 0);
    for (int type = SL_JOIN_INNER; type <= SL_JOIN_MARK; type++) {
        for (int nulleq = 0; nulleq < 2; nulleq++)
            for (int cond = 0; cond < 2; cond++) {
                if (type == SL_JOIN_MARK && nulleq)
                    continue;
                check_join(kind, (sl_join_type)type, &l, &r, nulleq, cond);
            }
        check_join(kind, (sl_join_type)type, &l, &empty, false, false);
        check_join(kind, (sl_join_type)type, &empty, &r, false, true);
    }
}

static void test_hash_join(void)
{
    test_join_types(SL_POP_HASH_JOIN, 5000, 3000);
}

static void test_nested_loop_join(void)
{
    test_join_types(SL_POP_NESTED_LOOP_JOIN, 700, 2500);
}

/* SINGLE: fine with unique build keys, an error with a duplicate match. */
static void test_single_join(void)
{
    side l = make_side(3000, 50, 1, 7, 2, 10, 0);
    side r = make_side(40, 1000, 1, 9, 4, 10, 0);   /* unique keys 0..39 (some NULL) */
    for (int k = 0; k < 2; k++) {
        sl_physical_kind kind = k ? SL_POP_NESTED_LOOP_JOIN : SL_POP_HASH_JOIN;
        check_join(kind, SL_JOIN_SINGLE, &l, &r, false, false);
        side dup = make_side(100, 40, 1, 0, 0, 10, 0);   /* keys 0..39 twice */
        sl_table *lt = make_table(l.k, l.v, l.n), *rt = make_table(dup.k, dup.v, dup.n);
        sl_physical_op *j = join_plan(kind, SL_JOIN_SINGLE, lt, rt, false, false);
        rowset got;
        sl_error err;
        CHECK_EQ_INT(run(result(j), &got, 4, &err, 0), SL_ERR_RUNTIME);
        CHECK(strstr(err.message, "more than one row returned by a subquery") != NULL);
        free(got.values);
        free_table(lt);
        free_table(rt);
    }
}

/* MARK with NULLs on the build side: NULL instead of FALSE. */
static void test_mark_nulls(void)
{
    side l = make_side(300, 30, 1, 10, 0, 10, 0);
    side r = make_side(20, 1000, 2, 5, 1, 10, 0);   /* even keys, some NULL */
    check_join(SL_POP_HASH_JOIN, SL_JOIN_MARK, &l, &r, false, false);
    check_join(SL_POP_HASH_JOIN, SL_JOIN_MARK, &l, &r, false, true);
    check_join(SL_POP_NESTED_LOOP_JOIN, SL_JOIN_MARK, &l, &r, false, false);
    check_join(SL_POP_NESTED_LOOP_JOIN, SL_JOIN_MARK, &l, &r, false, true);
}

/* Cross product (no condition) through the nested loop join. */
static void test_cross_product(void)
{
    side l = make_side(70, 5, 1, 0, 0, 7, 0);
    side r = make_side(100, 3, 1, 0, 0, 9, 0);
    for (int type = SL_JOIN_INNER; type <= SL_JOIN_MARK; type++) {
        sl_table *lt = make_table(l.k, l.v, l.n), *rt = make_table(r.k, r.v, r.n);
        sl_physical_op *j = join_plan(SL_POP_NESTED_LOOP_JOIN, (sl_join_type)type, lt, rt, false, false);
        j->condition = NULL;
        rowset got, want;
        sl_error err;
        CHECK_OK(run(result(j), &got, j->column_count, &err, 0));
        join_reference((sl_join_type)type, &l, &r, false, false, true, &want);
        CHECK(rowset_equal(&got, &want));
        free(got.values);
        free(want.values);
        free_table(lt);
        free_table(rt);
    }
}

/* A build side over the memory limit makes HASH_JOIN spill (a Grace join): every join type,
 * NULL keys, `=` and IS NOT DISTINCT FROM keys, with and without a residual condition, must
 * equal the reference and produce the rows in the order of the in-memory run. A MARK join
 * with a residual condition cannot spill: a clear SL_ERR_OOM. */
static void test_join_spills(void)
{
    side l = make_side(1500, 4999, 7, 13, 5, 100, 17);
    side r = make_side(20000, 5003, 3, 11, 3, 50, 0);
    sl_table *lt = make_table(l.k, l.v, l.n), *rt = make_table(r.k, r.v, r.n);
    for (int type = SL_JOIN_INNER; type <= SL_JOIN_MARK; type++) {
        for (int nulleq = 0; nulleq < 2; nulleq++)
            for (int cond = 0; cond < 2; cond++) {
                if (type == SL_JOIN_MARK && nulleq)
                    continue;
                sl_physical_op *j = join_plan(SL_POP_HASH_JOIN, (sl_join_type)type, lt, rt, nulleq, cond);
                rowset got, in_memory, want;
                sl_error err;
                sl_status st = run(result(j), &got, j->column_count, &err, 64 * 1024);
                if (type == SL_JOIN_MARK && cond) {
                    CHECK_EQ_INT(st, SL_ERR_OOM);
                    CHECK(strstr(err.message, "HASH_JOIN") != NULL);
                    CHECK(strstr(err.message, "memory_limit") != NULL);
                    free(got.values);
                    continue;
                }
                if (st != SL_OK)
                    fprintf(stderr, "  spilling %s join failed: %s\n", type_names[type], err.message);
                CHECK_OK(st);
                CHECK(last_spilled_rows > 0);
                CHECK_OK(run(result(j), &in_memory, j->column_count, &err, 0));
                CHECK(last_spilled_rows == 0);
                /* same rows in the same order as in memory */
                CHECK(got.count == in_memory.count &&
                      (got.count == 0 ||
                       memcmp(got.values, in_memory.values, sizeof(int64_t) * got.count * got.width) == 0));
                join_reference((sl_join_type)type, &l, &r, nulleq, cond, false, &want);
                bool same = rowset_equal(&got, &want);
                if (!same)
                    fprintf(stderr, "  spilling %s join (null_equal=%d cond=%d) differs\n", type_names[type], nulleq,
                            cond);
                CHECK(same);
                free(got.values);
                free(in_memory.values);
                free(want.values);
            }
    }
    free_table(lt);
    free_table(rt);
}

/* ------------------------------------------------------------------ aggregate */

static sl_physical_op *agg_plan(sl_table *t, uint32_t group_count, sl_expr **aggs, uint32_t agg_count)
{
    sl_physical_op *a = node(SL_POP_HASH_AGGREGATE, 1);
    a->children[0] = scan(t);
    a->expr_count = group_count;
    a->exprs = sl_arena_alloc(&arena, sizeof(sl_expr *) * (group_count + 1));
    for (uint32_t i = 0; i < group_count; i++)
        a->exprs[i] = col(i, SL_TYPE_INTEGER);
    a->aggregate_count = agg_count;
    a->aggregates = aggs;
    a->column_count = group_count + agg_count;
    a->types = sl_arena_alloc(&arena, sizeof(sl_type) * (a->column_count + 1));
    for (uint32_t i = 0; i < group_count; i++)
        a->types[i] = sl_type_make(SL_TYPE_INTEGER);
    for (uint32_t j = 0; j < agg_count; j++)
        a->types[group_count + j] = aggs[j]->type;
    return a;
}

static void test_aggregate(void)
{
    uint32_t n = 10000;
    side s = make_side(n, 313, 7, 29, 3, 40, 9);   /* group k (NULLs), values v (NULLs) */
    sl_table *t = make_table(s.k, s.v, n);
    sl_expr **aggs = sl_arena_alloc(&arena, sizeof(sl_expr *) * 5);
    aggs[0] = agg("count_star", NULL);
    aggs[1] = agg("count", col(1, SL_TYPE_INTEGER));
    aggs[2] = agg("sum", col(1, SL_TYPE_INTEGER));
    aggs[3] = agg("count", col(1, SL_TYPE_INTEGER));
    aggs[3]->distinct = true;
    aggs[4] = agg("sum", col(1, SL_TYPE_INTEGER));
    aggs[4]->filter = call2(">", col(1, SL_TYPE_INTEGER), col(0, SL_TYPE_INTEGER));
    rowset got, want;
    sl_error err;
    CHECK_OK(run(result(agg_plan(t, 1, aggs, 5)), &got, 6, &err, 0));
    /* reference */
    memset(&want, 0, sizeof want);
    want.width = 6;
    for (int64_t g = -1; g < 313; g++) {
        int64_t key = g < 0 ? NUL : g;
        int64_t cnt = 0, cntv = 0, sum = 0, fsum = 0, fcnt = 0;
        bool seen[40] = { false };
        int64_t distinct = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (s.k[i] != key)
                continue;
            cnt++;
            if (s.v[i] != NUL) {
                cntv++;
                sum += s.v[i];
                if (!seen[s.v[i]]) {
                    seen[s.v[i]] = true;
                    distinct++;
                }
                if (key != NUL && s.v[i] > key) {
                    fsum += s.v[i];
                    fcnt++;
                }
            }
        }
        if (cnt == 0)
            continue;
        int64_t row[6] = { key, cnt, cntv, cntv ? sum : NUL, distinct, fcnt ? fsum : NUL };
        rowset_add(&want, row);
    }
    CHECK(rowset_equal(&got, &want));
    free(got.values);
    free(want.values);

    /* no groups: one row, also on empty input */
    side e = make_side(0, 1, 1, 0, 0, 1, 0);
    sl_table *et = make_table(e.k, e.v, 0);
    sl_expr **aggs2 = sl_arena_alloc(&arena, sizeof(sl_expr *) * 2);
    aggs2[0] = agg("count_star", NULL);
    aggs2[1] = agg("sum", col(1, SL_TYPE_INTEGER));
    CHECK_OK(run(result(agg_plan(et, 0, aggs2, 2)), &got, 2, &err, 0));
    CHECK_EQ_INT(got.count, 1);
    if (got.count == 1) {
        CHECK_EQ_INT(got.values[0], 0);
        CHECK(got.values[1] == NUL);
    }
    free(got.values);
    CHECK_OK(run(result(agg_plan(t, 0, aggs2, 2)), &got, 2, &err, 0));
    CHECK_EQ_INT(got.count, 1);
    int64_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += s.v[i] == NUL ? 0 : s.v[i];
    if (got.count == 1) {
        CHECK_EQ_INT(got.values[0], n);
        CHECK_EQ_INT(got.values[1], total);
    }
    free(got.values);
    /* groups on empty input: no rows */
    CHECK_OK(run(result(agg_plan(et, 1, aggs2, 2)), &got, 3, &err, 0));
    CHECK_EQ_INT(got.count, 0);
    free(got.values);
    /* two group columns, many groups (several chunks and table resizes) */
    side big = make_side(30000, 30000, 1, 0, 0, 3, 0);
    sl_table *bt = make_table(big.k, big.v, big.n);
    CHECK_OK(run(result(agg_plan(bt, 2, aggs2, 1)), &got, 3, &err, 0));
    CHECK_EQ_INT(got.count, 30000);
    free(got.values);
    free_table(t);
    free_table(et);
    free_table(bt);
}

/* ------------------------------------------------------------------ set operations */

/* A group table over the memory limit makes HASH_AGGREGATE spill: the groups, their
 * values and their order equal the in-memory run's (sum, count, min, max, count DISTINCT). */
static void test_aggregate_spills(void)
{
    side l = make_side(60000, 20011, 7, 13, 5, 1000, 17);
    sl_table *lt = make_table(l.k, l.v, l.n);
    sl_expr **aggs = sl_arena_alloc(&arena, sizeof(sl_expr *) * 4);
    aggs[0] = agg("sum", col(1, SL_TYPE_INTEGER));
    aggs[1] = agg("count", col(1, SL_TYPE_INTEGER));
    aggs[2] = agg("max", col(1, SL_TYPE_INTEGER));
    aggs[3] = agg("count", col(1, SL_TYPE_INTEGER));
    aggs[3]->distinct = true;
    sl_physical_op *plan = result(agg_plan(lt, 1, aggs, 4));
    rowset in_memory, got;
    sl_error err;
    CHECK_OK(run(plan, &in_memory, 5, &err, 0));
    CHECK(last_spilled_rows == 0);
    CHECK(in_memory.count == 20012);   /* 20011 keys and NULL */
    int64_t limits[] = { 64 * 1024, 512 * 1024, 2 * 1024 * 1024 };
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        sl_status st = run(plan, &got, 5, &err, limits[i]);
        if (st != SL_OK)
            fprintf(stderr, "  spilling aggregate failed: %s\n", err.message);
        CHECK_OK(st);
        CHECK(last_spilled_rows > 0);
        CHECK(got.count == in_memory.count &&
              memcmp(got.values, in_memory.values, sizeof(int64_t) * got.count * got.width) == 0);
        free(got.values);
    }
    free(in_memory.values);
    free_table(lt);
}

static void test_set_operations(void)
{
    side l = make_side(6000, 40, 1, 17, 2, 3, 0);
    side r = make_side(5000, 30, 1, 19, 5, 2, 0);
    sl_table *lt = make_table(l.k, l.v, l.n), *rt = make_table(r.k, r.v, r.n);
    for (int kind = 0; kind < 2; kind++)
        for (int all = 0; all < 2; all++) {
            sl_physical_op *op = node(SL_POP_SET_OPERATION, 2);
            op->children[0] = scan(lt);
            op->children[1] = scan(rt);
            op->setop = kind ? SL_SETOP_EXCEPT : SL_SETOP_INTERSECT;
            op->setop_all = all;
            op->column_count = 2;
            op->types = op->children[0]->types;
            rowset got, want;
            sl_error err;
            CHECK_OK(run(result(op), &got, 2, &err, 0));
            memset(&want, 0, sizeof want);
            want.width = 2;
            /* reference: count per distinct (k, v) */
            for (int64_t k = -1; k < 40; k++)
                for (int64_t v = 0; v < 3; v++) {
                    int64_t key = k < 0 ? NUL : k, cl = 0, cr = 0;
                    for (uint32_t i = 0; i < l.n; i++)
                        cl += l.k[i] == key && l.v[i] == v;
                    for (uint32_t i = 0; i < r.n; i++)
                        cr += r.k[i] == key && r.v[i] == v;
                    int64_t copies = kind == 0 ? (all ? (cl < cr ? cl : cr) : (cl && cr))
                                               : (all ? (cl > cr ? cl - cr : 0) : (cl && !cr));
                    int64_t row[2] = { key, v };
                    for (int64_t c = 0; c < copies; c++)
                        rowset_add(&want, row);
                }
            bool same = rowset_equal(&got, &want);
            if (!same)
                fprintf(stderr, "  %s%s differs\n", kind ? "EXCEPT" : "INTERSECT", all ? " ALL" : "");
            CHECK(same);
            free(got.values);
            free(want.values);
        }
    free_table(lt);
    free_table(rt);
}

/* ------------------------------------------------------------------ hash table directly */

static void test_hash_table_partitions(void)
{
    /* radix bits > 0 and string keys: every key found again after many inserts */
    sl_hash_table ht;
    sl_type types[2] = { sl_type_make(SL_TYPE_VARCHAR), sl_type_make(SL_TYPE_DOUBLE) };
    CHECK_OK(sl_hash_table_init(&ht, types, 2, 8, 3, NULL, "test", NULL));
    sl_hash_scratch *scratch = sl_malloc(sizeof *scratch);
    uint32_t n = 5000;
    sl_vector *s = sl_vector_new(types[0], n), *d = sl_vector_new(types[1], n);
    for (uint32_t i = 0; i < n; i++) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "key-%u-with-a-long-tail", i % 1234);
        sl_vector_set_string(s, i, buf, (uint32_t)len, NULL);
        SL_VECTOR_DATA(d, double)[i] = (i % 1234) % 3 == 0 ? -0.0 : 0.0;
        if (i % 1234 == 7)
            sl_vector_set_null(s, i, NULL);
    }
    sl_vector *keys[2] = { s, d };
    uint64_t *hashes = sl_malloc(sizeof *hashes * n), *ids = sl_malloc(sizeof *ids * n);
    uint64_t *ids2 = sl_malloc(sizeof *ids2 * n);
    uint32_t *fresh = sl_malloc(sizeof *fresh * n), fresh_count = 0;
    sl_hash_table_hash(keys, 2, NULL, n, hashes);
    CHECK_OK(sl_hash_table_find_or_insert(&ht, scratch, keys, NULL, n, hashes, ids, NULL, fresh, &fresh_count, NULL));
    CHECK_EQ_INT(fresh_count, 1234);
    CHECK_EQ_INT(ht.entry_count, 1234);
    sl_hash_table_find(&ht, scratch, keys, NULL, n, hashes, ids2, NULL);
    bool same = true;
    for (uint32_t i = 0; i < n; i++)
        same &= ids[i] == ids2[i] && ids[i] == ids[i % 1234];
    CHECK(same);
    sl_free(hashes);
    sl_free(ids);
    sl_free(ids2);
    sl_free(fresh);
    sl_free(scratch);
    sl_vector_unref(s);
    sl_vector_unref(d);
    sl_hash_table_free(&ht);
}

/* Every allocation failure point of a small query fails cleanly (no crash, no leak, all
 * reservations released) until the query succeeds. */
static void fault_injection(sl_physical_op *root, uint32_t width)
{
    for (int64_t n = 1; n < 100000; n++) {
        rowset got;
        sl_error err;
        sl_alloc_fail_after(n);
        sl_status st = run(root, &got, width, &err, 0);
        sl_alloc_fail_after(0);
        free(got.values);
        if (st == SL_OK)
            return;
        CHECK(st == SL_ERR_OOM);
    }
    CHECK(!"fault injection did not converge");
}

/* fault_injection under a memory limit small enough to spill: the spill paths' failures
 * (files, partitions, merges) leave nothing behind either. */
static void fault_injection_spilling(sl_physical_op *root, uint32_t width, int64_t limit)
{
    rowset got;
    sl_error err;
    CHECK_OK(run(root, &got, width, &err, limit));
    CHECK(last_spilled_rows > 0);
    free(got.values);
    /* every allocation of the first 400, then every 11th (a spilling run allocates a lot:
     * failing each one would take minutes) */
    for (int64_t n = 1; n < 200000; n += n < 400 ? 1 : 11) {
        sl_alloc_fail_after(n);
        sl_status st = run(root, &got, width, &err, limit);
        sl_alloc_fail_after(0);
        free(got.values);
        if (st == SL_OK)
            return;
        CHECK(st == SL_ERR_OOM);
    }
    CHECK(!"fault injection did not converge");
}

static void test_fault_injection(void)
{
    side l = make_side(2100, 97, 7, 13, 5, 100, 17);
    side r = make_side(300, 89, 3, 11, 3, 50, 0);
    sl_table *lt = make_table(l.k, l.v, l.n), *rt = make_table(r.k, r.v, r.n);
    fault_injection(result(join_plan(SL_POP_HASH_JOIN, SL_JOIN_FULL, lt, rt, false, true)), 4);
    fault_injection(result(join_plan(SL_POP_HASH_JOIN, SL_JOIN_MARK, lt, rt, false, true)), 3);
    fault_injection_spilling(result(join_plan(SL_POP_HASH_JOIN, SL_JOIN_FULL, lt, lt, false, true)), 4, 24 * 1024);
    fault_injection_spilling(result(join_plan(SL_POP_HASH_JOIN, SL_JOIN_ANTI, lt, lt, false, false)), 2, 24 * 1024);
    sl_table *small = make_table(l.k, l.v, 40);
    fault_injection(result(join_plan(SL_POP_NESTED_LOOP_JOIN, SL_JOIN_LEFT, small, rt, false, true)), 4);
    free_table(small);
    sl_expr **aggs = sl_arena_alloc(&arena, sizeof(sl_expr *) * 2);
    aggs[0] = agg("sum", col(1, SL_TYPE_INTEGER));
    aggs[1] = agg("count", col(1, SL_TYPE_INTEGER));
    aggs[1]->distinct = true;
    fault_injection(result(agg_plan(lt, 1, aggs, 2)), 3);
    side many = make_side(20000, 30011, 7, 13, 5, 100, 17);
    sl_table *mt = make_table(many.k, many.v, many.n);
    fault_injection_spilling(result(agg_plan(mt, 1, aggs, 2)), 3, 64 * 1024);
    free_table(mt);
    sl_physical_op *op = node(SL_POP_SET_OPERATION, 2);
    op->children[0] = scan(lt);
    op->children[1] = scan(rt);
    op->setop = SL_SETOP_EXCEPT;
    op->setop_all = true;
    op->column_count = 2;
    op->types = op->children[0]->types;
    fault_injection(result(op), 2);
    free_table(lt);
    free_table(rt);
}

int main(void)
{
    sl_arena_init(&arena, 0);
    CHECK_RUN(test_hash_table_partitions);
    CHECK_RUN(test_hash_join);
    CHECK_RUN(test_nested_loop_join);
    CHECK_RUN(test_single_join);
    CHECK_RUN(test_mark_nulls);
    CHECK_RUN(test_cross_product);
    CHECK_RUN(test_join_spills);
    CHECK_RUN(test_aggregate_spills);
    CHECK_RUN(test_aggregate);
    CHECK_RUN(test_set_operations);
    CHECK_RUN(test_fault_injection);
    sl_arena_free(&arena);
    return CHECK_EXIT_CODE();
}
