/*
 * test_catalog.c — tables and views: case-insensitive lookup, duplicates, drop,
 * suggestions, sorted listing, and appends (sharing, chunking, NOT NULL, atomicity).
 */
#include "catalog/catalog.h"
#include "check.h"
#include "vector/value.h"

static sl_column_def cols[2];

static void test_ddl(void)
{
    sl_error err;
    sl_catalog *c = sl_catalog_new();
    cols[0] = (sl_column_def){ "id", sl_type_make(SL_TYPE_INTEGER), true };
    cols[1] = (sl_column_def){ "name", sl_type_make(SL_TYPE_VARCHAR), false };
    sl_table *t = NULL;
    CHECK_OK(sl_catalog_create_table(c, "Orders", cols, 2, false, &t, &err));
    CHECK(t && sl_catalog_find_table(c, "orders") == t && sl_catalog_find_table(c, "ORDERS") == t);
    CHECK(sl_catalog_create_table(c, "orders", cols, 2, false, NULL, &err) == SL_ERR_CATALOG);
    sl_table *again = NULL;
    CHECK_OK(sl_catalog_create_table(c, "orders", cols, 2, true, &again, &err));
    CHECK(again == t);
    sl_column_def dup[2] = { cols[0], cols[0] };
    CHECK(sl_catalog_create_table(c, "d", dup, 2, false, NULL, &err) == SL_ERR_CATALOG);

    char *aliases[1] = { "x" };
    CHECK_OK(sl_catalog_create_view(c, "v1", "SELECT 1", aliases, 1, false, &err));
    CHECK(sl_catalog_create_view(c, "V1", "SELECT 2", NULL, 0, false, &err) == SL_ERR_CATALOG);
    CHECK_OK(sl_catalog_create_view(c, "V1", "SELECT 2", NULL, 0, true, &err));
    sl_view *v = sl_catalog_find_view(c, "v1");
    CHECK(v && strcmp(v->sql, "SELECT 2") == 0 && v->column_alias_count == 0);
    CHECK(sl_catalog_create_view(c, "orders", "SELECT 1", NULL, 0, true, &err) == SL_ERR_CATALOG);
    CHECK(sl_catalog_create_table(c, "v1", cols, 2, false, NULL, &err) == SL_ERR_CATALOG);

    CHECK_EQ_STR(sl_catalog_suggest(c, "order"), "Orders");
    CHECK_EQ_STR(sl_catalog_suggest(c, "ordres"), "Orders");
    CHECK(sl_catalog_suggest(c, "customers") == NULL);
    CHECK(sl_catalog_drop_table(c, "ordr", false, &err) == SL_ERR_CATALOG);
    CHECK(strstr(err.message, "Did you mean \"Orders\"") != NULL);

    CHECK_OK(sl_catalog_create_table(c, "apples", cols, 2, false, NULL, &err));
    const char **names;
    size_t n;
    CHECK_OK(sl_catalog_list_tables(c, &names, &n, &err));
    CHECK(n == 2 && strcmp(names[0], "apples") == 0 && strcmp(names[1], "Orders") == 0);
    sl_free(names);
    CHECK_OK(sl_catalog_list_views(c, &names, &n, &err));
    CHECK(n == 1);
    sl_free(names);

    CHECK(sl_catalog_drop_view(c, "orders", false, &err) == SL_ERR_CATALOG);
    CHECK_OK(sl_catalog_drop_table(c, "ORDERS", false, &err));
    CHECK(sl_catalog_find_table(c, "orders") == NULL);
    CHECK_OK(sl_catalog_drop_table(c, "orders", true, &err));
    CHECK_OK(sl_catalog_drop_view(c, "v1", false, &err));
    CHECK(sl_catalog_find_view(c, "v1") == NULL);
    sl_catalog_lock(c);   /* recursive: nested calls under the lock are fine */
    CHECK(sl_catalog_find_table(c, "apples") != NULL);
    sl_catalog_unlock(c);
    sl_catalog_free(c);
}

static sl_batch *make_batch(uint32_t n, int null_at)
{
    sl_error err;
    sl_type types[2] = { sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR) };
    sl_batch *b = sl_batch_new_typed(types, 2, n);
    for (uint32_t i = 0; i < n; i++) {
        SL_VECTOR_DATA(b->columns[0], int32_t)[i] = (int32_t)i;
        char text[48];
        int len = snprintf(text, sizeof text, "name number %u, long enough", i);
        sl_vector_set_string(b->columns[1], i, text, len, &err);
    }
    if (null_at >= 0)
        sl_vector_set_null(b->columns[0], null_at, &err);
    b->length = b->count = n;
    return b;
}

static void test_append(void)
{
    sl_error err;
    sl_catalog *c = sl_catalog_new();
    sl_table *t;
    CHECK_OK(sl_catalog_create_table(c, "t", cols, 2, false, &t, &err));

    sl_batch *small = make_batch(10, -1);
    CHECK_OK(sl_table_append(t, small, &err));
    CHECK(t->chunk_count == 1 && t->row_count == 10 && t->chunks[0]->columns[0] == small->columns[0]);

    /* selection: copied */
    uint32_t sel[3] = { 2, 5, 9 };
    CHECK_OK(sl_batch_set_selection(small, sel, 3, &err));
    CHECK_OK(sl_table_append(t, small, &err));
    CHECK(t->chunk_count == 2 && t->row_count == 13 && t->chunks[1]->length == 3);
    CHECK(SL_VECTOR_DATA(t->chunks[1]->columns[0], int32_t)[2] == 9);
    sl_batch_free(small);

    /* more than a chunk's worth of rows with a selection: split into dense chunks */
    sl_batch *big = make_batch(5000, -1);
    uint32_t *all = sl_malloc(5000 * sizeof(uint32_t));
    for (uint32_t i = 0; i < 4999; i++)
        all[i] = i + 1;
    CHECK_OK(sl_batch_set_selection(big, all, 4999, &err));
    sl_free(all);
    CHECK_OK(sl_table_append(t, big, &err));
    CHECK(t->chunk_count == 5 && t->row_count == 13 + 4999);
    CHECK(t->chunks[2]->length == 2048 && t->chunks[4]->length == 4999 - 4096);
    CHECK(SL_VECTOR_DATA(t->chunks[3]->columns[0], int32_t)[0] == 2049);
    char buf[64];
    sl_format_slot(t->chunks[4]->columns[1], 0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "name number 4097, long enough");
    sl_batch_free(big);

    /* a dense batch larger than a chunk is split too */
    sl_batch *huge = sl_batch_new_typed((sl_type[]){ sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR) }, 2, 3000);
    huge->length = huge->count = 3000;
    memset(huge->columns[0]->data, 0, 3000 * 4);
    for (uint32_t i = 0; i < 3000; i++)
        sl_vector_set_string(huge->columns[1], i, "x", 1, &err);
    CHECK_OK(sl_table_append(t, huge, &err));
    CHECK(t->chunk_count == 7 && t->chunks[6]->length == 3000 - 2048);
    sl_batch_free(huge);

    /* NOT NULL: nothing is appended, the message names table and column */
    sl_batch *bad = make_batch(4, 2);
    int64_t rows = t->row_count;
    CHECK(sl_table_append(t, bad, &err) == SL_ERR_CONSTRAINT);
    CHECK_EQ_STR(err.message, "NOT NULL constraint failed: t.id");
    CHECK(t->row_count == rows);
    /* ...unless the NULL row is not active */
    uint32_t skip[2] = { 0, 3 };
    CHECK_OK(sl_batch_set_selection(bad, skip, 2, &err));
    CHECK_OK(sl_table_append(t, bad, &err));
    sl_batch_free(bad);

    /* wrong types */
    sl_type wrong[2] = { sl_type_make(SL_TYPE_BIGINT), sl_type_make(SL_TYPE_VARCHAR) };
    sl_batch *w = sl_batch_new_typed(wrong, 2, 1);
    w->length = w->count = 1;
    CHECK(sl_table_append(t, w, &err) == SL_ERR_TYPE);
    sl_batch_free(w);

    /* out of memory midway leaves the table unchanged */
    sl_batch *oom = make_batch(5000, -1);
    uint32_t *s2 = sl_malloc(5000 * sizeof(uint32_t));
    for (uint32_t i = 0; i < 5000; i++)
        s2[i] = i;
    CHECK_OK(sl_batch_set_selection(oom, s2, 5000, &err));
    sl_free(s2);
    size_t chunks = t->chunk_count;
    rows = t->row_count;
    for (int n = 1; n < 40; n++) {
        sl_alloc_fail_after(n);
        sl_status st = sl_table_append(t, oom, &err);
        sl_alloc_fail_after(0);
        if (st == SL_OK) {
            CHECK(t->chunk_count == chunks + 3 && t->row_count == rows + 5000);
            break;
        }
        CHECK(st == SL_ERR_OOM && t->chunk_count == chunks && t->row_count == rows);
    }
    sl_batch_free(oom);
    sl_catalog_free(c);
}

int main(void)
{
    int64_t before = sl_alloc_live_bytes();
    CHECK_RUN(test_ddl);
    CHECK_RUN(test_append);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    return CHECK_EXIT_CODE();
}
