/*
 * test_exec.c — unit tests for the executor and the operators of src/exec that do not
 * depend on other engineers' operators: table scan, values, empty, filter, projection,
 * limit, union all, sort, top-N, window, result and insert, driven through
 * sl_executor_run with hand-built physical plans. Expressions are plain column
 * references (a BOOLEAN column serves as filter predicate) so the tests exercise the
 * operators, not the expression library.
 */
#include "check.h"

#include <stdlib.h>

#include "catalog/catalog.h"
#include "exec/executor.h"
#include "expr/function.h"

static sl_arena arena;

static sl_expr *col(uint32_t index, sl_type_id type)
{
    sl_expr *e = sl_arena_calloc(&arena, sizeof *e);
    e->kind = SL_EXPR_COLUMN;
    e->type = sl_type_make(type);
    e->index = index;
    e->position = -1;
    return e;
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

static void set_schema(sl_physical_op *op, const sl_physical_op *from)
{
    op->column_count = from->column_count;
    op->types = from->types;
}

/* Table t(a INTEGER, b VARCHAR, c BOOLEAN) with n rows: a = i (NULL when i % 10 == 9),
 * b = "s<i % 7>-long-string-tail", c = (i % 3 == 0). */
static sl_table *make_table(uint32_t n)
{
    sl_table *t = sl_arena_calloc(&arena, sizeof *t);
    t->name = "t";
    t->column_count = 3;
    t->columns = sl_arena_calloc(&arena, sizeof *t->columns * 3);
    t->columns[0].name = "a";
    t->columns[0].type = sl_type_make(SL_TYPE_INTEGER);
    t->columns[1].name = "b";
    t->columns[1].type = sl_type_make(SL_TYPE_VARCHAR);
    t->columns[2].name = "c";
    t->columns[2].type = sl_type_make(SL_TYPE_BOOLEAN);
    sl_type types[3] = { t->columns[0].type, t->columns[1].type, t->columns[2].type };
    for (uint32_t at = 0; at < n; at += SL_BATCH_CAPACITY) {
        uint32_t m = n - at < SL_BATCH_CAPACITY ? n - at : SL_BATCH_CAPACITY;
        sl_batch *b = sl_batch_new_typed(types, 3, SL_BATCH_CAPACITY);
        for (uint32_t r = 0; r < m; r++) {
            uint32_t i = at + r;
            SL_VECTOR_DATA(b->columns[0], int32_t)[r] = (int32_t)i;
            if (i % 10 == 9)
                sl_vector_set_null(b->columns[0], r, NULL);
            char s[64];
            int len = snprintf(s, sizeof s, "s%u-long-string-tail", i % 7);
            sl_vector_set_string(b->columns[1], r, s, (uint32_t)len, NULL);
            SL_VECTOR_DATA(b->columns[2], uint8_t)[r] = i % 3 == 0;
        }
        b->length = b->count = m;
        sl_array_reserve((void **)&t->chunks, &t->chunk_capacity, t->chunk_count + 1, sizeof *t->chunks, NULL);
        t->chunks[t->chunk_count++] = b;
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
    op->scan_column_count = 3;
    op->scan_columns = sl_arena_calloc(&arena, sizeof(uint32_t) * 3);
    op->types = sl_arena_calloc(&arena, sizeof(sl_type) * 3);
    for (uint32_t i = 0; i < 3; i++) {
        op->scan_columns[i] = i;
        op->types[i] = t->columns[i].type;
    }
    op->column_count = 3;
    return op;
}

static sl_physical_op *result(sl_physical_op *child)
{
    sl_physical_op *op = node(SL_POP_RESULT, 1);
    op->children[0] = child;
    return op;
}

typedef struct rows {
    sl_batch **batches;
    size_t count;
    uint64_t total;
} rows;

static sl_status run(sl_physical_op *root, rows *out)
{
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    sl_error err;
    sl_error_clear(&err);
    memset(out, 0, sizeof *out);
    sl_status st = sl_executor_run(&exec, root, &out->batches, &out->count, &err);
    if (st != SL_OK)
        fprintf(stderr, "run failed: %s\n", err.message);
    for (size_t i = 0; i < out->count; i++) {
        CHECK(out->batches[i]->sel == NULL);
        out->total += out->batches[i]->count;
    }
    return st;
}

static void rows_free(rows *r)
{
    for (size_t i = 0; i < r->count; i++)
        sl_batch_free(r->batches[i]);
    sl_free(r->batches);
}

/* Value of column c at overall row i (dense result batches); NULL -> INT32_MIN. */
static int32_t int_at(const rows *r, uint32_t c, uint64_t i)
{
    for (size_t b = 0; b < r->count; b++) {
        if (i < r->batches[b]->count) {
            const sl_vector *v = r->batches[b]->columns[c];
            return sl_vector_is_valid(v, (uint32_t)i) ? SL_VECTOR_DATA(v, int32_t)[i] : INT32_MIN;
        }
        i -= r->batches[b]->count;
    }
    return -12345;
}

static int64_t i64_at(const rows *r, uint32_t c, uint64_t i)
{
    for (size_t b = 0; b < r->count; b++) {
        if (i < r->batches[b]->count) {
            const sl_vector *v = r->batches[b]->columns[c];
            return sl_vector_is_valid(v, (uint32_t)i) ? SL_VECTOR_DATA(v, int64_t)[i] : INT64_MIN;
        }
        i -= r->batches[b]->count;
    }
    return -12345;
}

static const sl_string *str_at(const rows *r, uint32_t c, uint64_t i)
{
    for (size_t b = 0; b < r->count; b++) {
        if (i < r->batches[b]->count)
            return &SL_VECTOR_DATA(r->batches[b]->columns[c], sl_string)[i];
        i -= r->batches[b]->count;
    }
    return NULL;
}

static void test_scan_filter_projection(void)
{
    sl_table *t = make_table(5000);
    sl_physical_op *s = scan(t);
    sl_physical_op *f = node(SL_POP_FILTER, 1);
    f->children[0] = s;
    f->predicate = col(2, SL_TYPE_BOOLEAN);
    set_schema(f, s);
    sl_physical_op *p = node(SL_POP_PROJECTION, 1);
    p->children[0] = f;
    p->expr_count = 2;
    p->exprs = sl_arena_calloc(&arena, sizeof(sl_expr *) * 2);
    p->exprs[0] = col(0, SL_TYPE_INTEGER);
    p->exprs[1] = col(1, SL_TYPE_VARCHAR);
    p->column_count = 2;
    p->types = s->types;
    rows r;
    CHECK_OK(run(result(p), &r));
    CHECK_EQ_INT(r.total, 1667);
    bool ok = true;
    for (uint64_t i = 0; i < r.total; i++) {
        uint32_t v = (uint32_t)(i * 3);
        int32_t want = v % 10 == 9 ? INT32_MIN : (int32_t)v;
        char s2[64];
        snprintf(s2, sizeof s2, "s%u-long-string-tail", v % 7);
        const sl_string *got = str_at(&r, 1, i);
        if (int_at(&r, 0, i) != want || got->length != strlen(s2) || memcmp(sl_string_data(got), s2, got->length))
            ok = false;
    }
    CHECK(ok);
    rows_free(&r);

    /* plain scan: all rows, shared chunks */
    CHECK_OK(run(result(s), &r));
    CHECK_EQ_INT(r.total, 5000);
    rows_free(&r);
    free_table(t);
}

static void test_values_empty(void)
{
    sl_physical_op *v = node(SL_POP_VALUES, 0);
    v->column_count = 1;
    v->types = sl_arena_calloc(&arena, sizeof(sl_type));
    v->types[0] = sl_type_make(SL_TYPE_BIGINT);
    v->row_count = 3000;
    v->values = sl_arena_calloc(&arena, sizeof(sl_value) * 3000);
    for (uint32_t i = 0; i < 3000; i++)
        v->values[i] = i == 5 ? sl_value_null(sl_type_make(SL_TYPE_NULL)) : sl_value_int(SL_TYPE_BIGINT, i * 2);
    rows r;
    CHECK_OK(run(result(v), &r));
    CHECK_EQ_INT(r.total, 3000);
    CHECK_EQ_INT(r.count, 2);
    CHECK_EQ_INT(i64_at(&r, 0, 2999), 5998);
    CHECK_EQ_INT(i64_at(&r, 0, 5), INT64_MIN);
    rows_free(&r);

    sl_physical_op *dummy = node(SL_POP_VALUES, 0);
    dummy->row_count = 1;
    CHECK_OK(run(result(dummy), &r));
    CHECK_EQ_INT(r.total, 1);
    rows_free(&r);

    sl_physical_op *e = node(SL_POP_EMPTY, 0);
    set_schema(e, v);
    CHECK_OK(run(result(e), &r));
    CHECK_EQ_INT(r.total, 0);
    CHECK_EQ_INT(r.count, 0);
    rows_free(&r);
}

static void test_limit_union(void)
{
    sl_table *t = make_table(5000);
    sl_physical_op *s = scan(t);
    sl_physical_op *l = node(SL_POP_LIMIT, 1);
    l->children[0] = s;
    set_schema(l, s);
    l->limit = 100;
    l->offset = 2040;
    rows r;
    CHECK_OK(run(result(l), &r));
    CHECK_EQ_INT(r.total, 100);
    CHECK_EQ_INT(int_at(&r, 0, 0), 2040);
    CHECK_EQ_INT(int_at(&r, 0, 98), 2138);
    CHECK_EQ_INT(int_at(&r, 0, 99), INT32_MIN);
    rows_free(&r);

    l->limit = 0;
    l->offset = 0;
    CHECK_OK(run(result(l), &r));
    CHECK_EQ_INT(r.total, 0);
    rows_free(&r);

    /* UNION ALL of two scans, limit across the branches */
    sl_physical_op *u = node(SL_POP_UNION_ALL, 2);
    u->children[0] = s;
    u->children[1] = scan(t);
    set_schema(u, s);
    CHECK_OK(run(result(u), &r));
    CHECK_EQ_INT(r.total, 10000);
    rows_free(&r);
    l->children[0] = u;
    l->limit = 10;
    l->offset = 4995;
    CHECK_OK(run(result(l), &r));
    CHECK_EQ_INT(r.total, 10);
    CHECK_EQ_INT(int_at(&r, 0, 0), 4995);
    CHECK_EQ_INT(int_at(&r, 0, 5), 0);
    rows_free(&r);
    free_table(t);
}

/* Reference order for "ORDER BY b DESC, a ASC NULLS FIRST" over make_table rows. */
static int ref_cmp(uint32_t x, uint32_t y)
{
    if (x % 7 != y % 7)
        return x % 7 > y % 7 ? -1 : 1;
    bool xn = x % 10 == 9, yn = y % 10 == 9;
    if (xn || yn)
        return xn && yn ? (x < y ? -1 : x > y) : xn ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int ref_qsort(const void *a, const void *b)
{
    return ref_cmp(*(const uint32_t *)a, *(const uint32_t *)b);
}

static sl_physical_op *sort_plan(sl_physical_kind kind, sl_physical_op *child)
{
    sl_physical_op *o = node(kind, 1);
    o->children[0] = child;
    set_schema(o, child);
    o->order_count = 2;
    o->orders = sl_arena_calloc(&arena, sizeof(sl_order_spec) * 2);
    o->orders[0].expr = col(1, SL_TYPE_VARCHAR);
    o->orders[0].descending = true;
    o->orders[0].nulls_first = true;
    o->orders[1].expr = col(0, SL_TYPE_INTEGER);
    o->orders[1].nulls_first = true;
    return o;
}

static void test_sort_top_n(void)
{
    uint32_t n = 7000;
    sl_table *t = make_table(n);
    uint32_t *ref = sl_malloc(sizeof *ref * n);
    for (uint32_t i = 0; i < n; i++)
        ref[i] = i;
    qsort(ref, n, sizeof *ref, ref_qsort);

    sl_physical_op *o = sort_plan(SL_POP_SORT, scan(t));
    rows r;
    CHECK_OK(run(result(o), &r));
    CHECK_EQ_INT(r.total, n);
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        int32_t want = ref[i] % 10 == 9 ? INT32_MIN : (int32_t)ref[i];
        if (int_at(&r, 0, i) != want) {
            fprintf(stderr, "sort row %u: got %d want %d\n", i, int_at(&r, 0, i), want);
            ok = false;
        }
    }
    CHECK(ok);
    rows_free(&r);

    /* sort + limit stops the sort source early */
    sl_physical_op *l = node(SL_POP_LIMIT, 1);
    l->children[0] = o;
    set_schema(l, o);
    l->limit = 3;
    CHECK_OK(run(result(l), &r));
    CHECK_EQ_INT(r.total, 3);
    CHECK_EQ_INT(int_at(&r, 0, 2), ref[2] % 10 == 9 ? INT32_MIN : (int32_t)ref[2]);
    rows_free(&r);

    /* top-N equals sort + limit/offset, across compactions */
    sl_physical_op *tn = sort_plan(SL_POP_TOP_N, scan(t));
    tn->limit = 50;
    tn->offset = 20;
    CHECK_OK(run(result(tn), &r));
    CHECK_EQ_INT(r.total, 50);
    ok = true;
    for (uint32_t i = 0; i < 50; i++) {
        int32_t want = ref[20 + i] % 10 == 9 ? INT32_MIN : (int32_t)ref[20 + i];
        if (int_at(&r, 0, i) != want)
            ok = false;
    }
    CHECK(ok);
    rows_free(&r);
    tn->limit = 0;
    CHECK_OK(run(result(tn), &r));
    CHECK_EQ_INT(r.total, 0);
    rows_free(&r);
    sl_free(ref);
    free_table(t);
}

static void test_insert_explain(void)
{
    sl_table *src = make_table(3000);
    sl_table *dst = make_table(0);
    sl_physical_op *ins = node(SL_POP_INSERT, 1);
    sl_physical_op *f = node(SL_POP_FILTER, 1);
    f->children[0] = scan(src);
    f->predicate = col(2, SL_TYPE_BOOLEAN);
    set_schema(f, f->children[0]);
    ins->children[0] = f;
    ins->target = dst;
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    sl_batch **batches = NULL;
    size_t count = 0;
    sl_error err;
    CHECK_OK(sl_executor_run(&exec, ins, &batches, &count, &err));
    CHECK_EQ_INT(exec.rows_affected, 1000);
    CHECK_EQ_INT(dst->row_count, 1000);
    CHECK_EQ_INT(count, 1);
    if (count == 1)
        CHECK_EQ_INT(SL_VECTOR_DATA(batches[0]->columns[0], int64_t)[0], 1000);
    for (size_t i = 0; i < count; i++)
        sl_batch_free(batches[i]);
    sl_free(batches);

    char *text = NULL;
    sl_physical_op *o = sort_plan(SL_POP_SORT, f);
    CHECK_OK(sl_executor_explain(result(o), &text, &err));
    CHECK(text && strstr(text, "#0: TABLE_SCAN -> FILTER -> SORT"));
    CHECK(text && strstr(text, "#1: SORT -> RESULT  after #0"));
    sl_free(text);

    /* a plan without a RESULT root is refused */
    CHECK(sl_executor_run(&exec, o, &batches, &count, &err) == SL_ERR_INVALID_ARG);
    free_table(src);
    free_table(dst);
}

static void test_cancel(void)
{
    sl_table *t = make_table(5000);
    atomic_bool flag;
    atomic_init(&flag, true);
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    exec.interrupt = &flag;
    sl_batch **batches = NULL;
    size_t count = 0;
    sl_error err;
    CHECK(sl_executor_run(&exec, result(scan(t)), &batches, &count, &err) == SL_ERR_CANCELLED);
    CHECK(batches == NULL && count == 0);
    free_table(t);
}


static void test_window(void)
{
    sl_table *t = make_table(3000);
    sl_physical_op *s = scan(t);
    sl_window_spec *spec = sl_arena_calloc(&arena, sizeof *spec);
    spec->order_count = 1;
    spec->orders = sl_arena_calloc(&arena, sizeof(sl_order_spec));
    spec->orders[0].expr = col(0, SL_TYPE_INTEGER);
    sl_expr *rn = col(0, SL_TYPE_BIGINT);
    rn->kind = SL_EXPR_WINDOW;
    rn->window = spec;
    rn->window_function = "row_number";
    sl_physical_op *w = node(SL_POP_WINDOW, 1);
    w->children[0] = s;
    w->expr_count = 1;
    w->exprs = sl_arena_calloc(&arena, sizeof(sl_expr *));
    w->exprs[0] = rn;
    w->column_count = 4;
    w->types = sl_arena_calloc(&arena, sizeof(sl_type) * 4);
    memcpy(w->types, s->types, sizeof(sl_type) * 3);
    w->types[3] = sl_type_make(SL_TYPE_BIGINT);
    rows r;
    CHECK_OK(run(result(w), &r));
    CHECK_EQ_INT(r.total, 3000);
    bool ok = true;
    for (uint32_t i = 0; i < 3000; i++) {
        int64_t want = i % 10 == 9 ? 2700 + i / 10 + 1 : i - i / 10 + 1;   /* NULLS LAST, stable */
        if (i64_at(&r, 3, i) != want)
            ok = false;
    }
    CHECK(ok);
    rows_free(&r);
    free_table(t);
}

int main(void)
{
    sl_arena_init(&arena, 0);
    CHECK_RUN(test_scan_filter_projection);
    CHECK_RUN(test_values_empty);
    CHECK_RUN(test_limit_union);
    CHECK_RUN(test_sort_top_n);
    CHECK_RUN(test_insert_explain);
    CHECK_RUN(test_cancel);
    CHECK_RUN(test_window);
    sl_arena_free(&arena);
    return CHECK_EXIT_CODE();
}
