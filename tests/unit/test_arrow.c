/*
 * test_arrow.c — Arrow C Data / Stream Interface: export of every type, import of the
 * exported arrays (round trip), foreign layouts (unsigned, date64, ns timestamps,
 * dictionary strings, string views, offsets), chunked import, and release discipline.
 */
#include "check.h"
#include "vector/arrow.h"
#include "vector/value.h"

#define N 300

static const sl_type_id all_ids[] = {
    SL_TYPE_BOOLEAN, SL_TYPE_TINYINT, SL_TYPE_SMALLINT, SL_TYPE_INTEGER, SL_TYPE_BIGINT, SL_TYPE_REAL,
    SL_TYPE_DOUBLE, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_VARCHAR, SL_TYPE_DATE, SL_TYPE_TIMESTAMP,
    SL_TYPE_INTERVAL,
};
#define NCOLS (sizeof all_ids / sizeof all_ids[0])

static sl_batch *make_all_types(sl_type *types)
{
    sl_error err;
    for (size_t c = 0; c < NCOLS; c++)
        types[c] = sl_type_make(all_ids[c]);
    types[7] = sl_type_decimal(15, 2);
    types[8] = sl_type_decimal(30, 4);
    sl_batch *b = sl_batch_new_typed(types, NCOLS, N);
    for (uint32_t r = 0; r < N; r++) {
        SL_VECTOR_DATA(b->columns[0], uint8_t)[r] = r % 3 == 0;
        SL_VECTOR_DATA(b->columns[1], int8_t)[r] = (int8_t)(r - 100);
        SL_VECTOR_DATA(b->columns[2], int16_t)[r] = (int16_t)(r * 7);
        SL_VECTOR_DATA(b->columns[3], int32_t)[r] = (int32_t)(r * 1000);
        SL_VECTOR_DATA(b->columns[4], int64_t)[r] = (int64_t)r << 40;
        SL_VECTOR_DATA(b->columns[5], float)[r] = r / 4.0f;
        SL_VECTOR_DATA(b->columns[6], double)[r] = r / 8.0;
        SL_VECTOR_DATA(b->columns[7], int64_t)[r] = -(int64_t)r * 101;
        SL_VECTOR_DATA(b->columns[8], sl_int128)[r] = (sl_int128)r * sl_pow10_i128(25);
        char text[64];
        int n = snprintf(text, sizeof text, r % 2 ? "s%u" : "a long string value %u", r);
        sl_vector_set_string(b->columns[9], r, text, n, &err);
        SL_VECTOR_DATA(b->columns[10], int32_t)[r] = (int32_t)r * 10 - 1000;
        SL_VECTOR_DATA(b->columns[11], int64_t)[r] = (int64_t)r * 1234567891 - 5;
        SL_VECTOR_DATA(b->columns[12], sl_interval)[r] = (sl_interval){ (int32_t)r, -(int32_t)r, (int64_t)r * 999 };
    }
    for (size_t c = 0; c < NCOLS; c++)
        for (uint32_t r = c % 5; r < N; r += 7)
            sl_vector_set_null(b->columns[c], r, &err);
    b->length = b->count = N;
    return b;
}

/* Compares the text of every active row of two batches. */
static void check_same_rows(const sl_batch *a, const sl_batch *b)
{
    CHECK_EQ_INT(a->count, b->count);
    CHECK_EQ_INT(a->column_count, b->column_count);
    if (a->count != b->count || a->column_count != b->column_count)
        return;
    int mismatches = 0;
    for (uint32_t c = 0; c < a->column_count; c++) {
        CHECK(sl_type_equal(a->columns[c]->type, b->columns[c]->type));
        for (uint32_t r = 0; r < a->count; r++) {
            char x[96], y[96];
            uint32_t ra = sl_batch_row(a, r), rb = sl_batch_row(b, r);
            sl_format_slot(a->columns[c], ra, x, sizeof x);
            sl_format_slot(b->columns[c], rb, y, sizeof y);
            bool same = strcmp(x, y) == 0 &&
                        sl_vector_is_valid(a->columns[c], ra) == sl_vector_is_valid(b->columns[c], rb);
            if (!same && mismatches++ < 5)
                fprintf(stderr, "column %u row %u: '%s' vs '%s'\n", c, r, x, y);
        }
    }
    CHECK_EQ_INT(mismatches, 0);
}

static void test_round_trip(void)
{
    sl_error err;
    sl_type types[NCOLS];
    sl_batch *b = make_all_types(types);
    const char *names[NCOLS] = { "b", "t", "s", "i", "l", "f", "d", "dec", "bigdec", "str", "date", "ts", "iv" };

    struct ArrowSchema schema;
    CHECK_OK(sl_arrow_export_schema(types, names, NCOLS, &schema, &err));
    CHECK_EQ_STR(schema.format, "+s");
    CHECK_EQ_STR(schema.children[7]->format, "d:15,2");
    CHECK_EQ_STR(schema.children[9]->format, "u");
    CHECK_EQ_STR(schema.children[11]->format, "tsu:");
    CHECK_EQ_STR(schema.children[12]->format, "tin");
    CHECK_EQ_STR(schema.children[3]->name, "i");

    struct ArrowArray array;
    CHECK_OK(sl_arrow_export_batch(b, &array, &err));
    CHECK(array.length == N && array.n_children == (int64_t)NCOLS);
    CHECK(array.children[3]->buffers[1] == b->columns[3]->data);   /* zero-copy */
    CHECK(array.children[3]->null_count > 0);
    CHECK(((const sl_interval *)array.children[12]->buffers[1])[2].micros == 2 * 999 * 1000);

    sl_type *itypes;
    char **inames;
    uint32_t icount;
    CHECK_OK(sl_arrow_import_schema(&schema, &itypes, &inames, &icount, &err));
    CHECK(icount == NCOLS && strcmp(inames[8], "bigdec") == 0 && sl_type_equal(itypes[7], types[7]));
    sl_arrow_free_columns(itypes, inames, icount);

    sl_batch *back = NULL;
    CHECK_OK(sl_arrow_import_array(&array, &schema, &back, &err));
    CHECK(array.release == NULL);
    check_same_rows(b, back);
    /* imported fixed-width data points at the exported buffer, which points at b's vector */
    CHECK(back->columns[4]->data == b->columns[4]->data);
    sl_batch_free(b);          /* the export keeps b's vectors alive */
    sl_batch *b2 = make_all_types(types);
    check_same_rows(b2, back);
    sl_batch_free(b2);
    sl_batch_free(back);       /* last reference: the exported array's release runs now */
    schema.release(&schema);
    CHECK(schema.release == NULL);
}

static void test_selection_and_chunks(void)
{
    sl_error err;
    sl_type types[NCOLS];
    sl_batch *b = make_all_types(types);
    uint32_t sel[N / 2];
    for (uint32_t i = 0; i < N / 2; i++)
        sel[i] = i * 2 + 1;
    CHECK_OK(sl_batch_set_selection(b, sel, N / 2, &err));
    struct ArrowSchema schema;
    struct ArrowArray array;
    CHECK_OK(sl_arrow_export_schema(types, NULL, NCOLS, &schema, &err));
    CHECK_EQ_STR(schema.children[0]->name, "column0");
    CHECK_OK(sl_arrow_export_batch(b, &array, &err));
    CHECK(array.length == N / 2);
    sl_batch **chunks;
    size_t n;
    CHECK_OK(sl_arrow_import_array_chunked(&array, &schema, 64, &chunks, &n, &err));
    CHECK_EQ_INT(n, 3);
    /* compare chunk by chunk against the selected rows */
    uint32_t first = 0;
    for (size_t k = 0; k < n; k++) {
        CHECK(chunks[k]->count == (k < 2 ? 64u : N / 2 - 128u));
        CHECK_OK(sl_batch_set_selection(b, sel + first, chunks[k]->count, &err));
        check_same_rows(b, chunks[k]);
        first += chunks[k]->count;
        sl_batch_free(chunks[k]);
    }
    sl_free(chunks);
    sl_batch_free(b);
    schema.release(&schema);
}

/* ---- foreign arrays built by hand (as another producer would) ---- */

static int foreign_released;
static void foreign_release(struct ArrowArray *a)
{
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i]->release)
            a->children[i]->release(a->children[i]);
    foreign_released++;
    a->release = NULL;
}
static void foreign_child_release(struct ArrowArray *a) { a->release = NULL; }
static void schema_noop_release(struct ArrowSchema *s) { s->release = NULL; }

static void test_foreign_layouts(void)
{
    sl_error err;
    /* column 0: uint32 with offset 3; 1: timestamp ns; 2: dictionary<int8, utf8>;
     * 3: date64; 4: string view; 5: uint64; 6: bool with offset 5 and nulls */
    static uint32_t u32[8] = { 0, 0, 0, 4000000000u, 1, 2, 3, 4 };
    static int64_t ns[5] = { 1500, -1500, 0, INT64_C(1700000000123456789), 7 };
    static int8_t dict_idx[5] = { 1, 0, 1, 2, 0 };
    static int32_t dict_off[4] = { 0, 5, 35, 38 };
    static const char dict_data[] = "applea much longer dictionary valuekiw";
    static int64_t ms[5] = { 0, 86400000, -1, 86400000 * 2 + 5, -86400000 };
    static uint8_t views[5][16];
    static const char long_text[] = "view strings longer than twelve";
    static uint64_t u64[5] = { 0, UINT64_MAX, 5, 6, 7 };
    static uint8_t bools[2] = { 0xA0, 0x07 };   /* bits 5.. : 1,0,1,1,1,1 */
    static uint8_t bool_valid[2] = { 0xE0, 0x03 }; /* bit 5,6,7,8,9 valid -> rows 0..4 valid except none; row 2 */
    int32_t len = 5;
    memset(views, 0, sizeof views);
    for (int i = 0; i < 5; i++) {
        if (i % 2 == 0) {
            memcpy(views[i], &len, 4);
            memcpy(views[i] + 4, "short", 5);
        } else {
            int32_t l = (int32_t)strlen(long_text), bi = 0, off = 0;
            memcpy(views[i], &l, 4);
            memcpy(views[i] + 4, long_text, 4);
            memcpy(views[i] + 8, &bi, 4);
            memcpy(views[i] + 12, &off, 4);
        }
    }
    static int64_t view_sizes[1] = { 31 };
    bool_valid[0] = 0xE0 & ~(1u << 7);          /* row 2 (bit 7) NULL */

    const void *b_u32[2] = { NULL, u32 };
    const void *b_ns[2] = { NULL, ns };
    const void *b_idx[2] = { NULL, dict_idx };
    const void *b_dict[3] = { NULL, dict_off, dict_data };
    const void *b_ms[2] = { NULL, ms };
    const void *b_view[4] = { NULL, views, long_text, view_sizes };
    const void *b_u64[2] = { NULL, u64 };
    const void *b_bool[2] = { bool_valid, bools };
    struct ArrowArray dict = { 3, 0, 0, 3, 0, b_dict, NULL, NULL, foreign_child_release, NULL };
    struct ArrowArray kids[7] = {
        { 5, 0, 3, 2, 0, b_u32, NULL, NULL, foreign_child_release, NULL },
        { 5, 0, 0, 2, 0, b_ns, NULL, NULL, foreign_child_release, NULL },
        { 5, 0, 0, 2, 0, b_idx, NULL, &dict, foreign_child_release, NULL },
        { 5, 0, 0, 2, 0, b_ms, NULL, NULL, foreign_child_release, NULL },
        { 5, 0, 0, 4, 0, b_view, NULL, NULL, foreign_child_release, NULL },
        { 5, 0, 0, 2, 0, b_u64, NULL, NULL, foreign_child_release, NULL },
        { 5, 1, 5, 2, 0, b_bool, NULL, NULL, foreign_child_release, NULL },
    };
    struct ArrowArray *kid_ptrs[7];
    for (int i = 0; i < 7; i++)
        kid_ptrs[i] = &kids[i];
    const void *root_buffers[1] = { NULL };
    struct ArrowArray root = { 5, 0, 0, 1, 7, root_buffers, kid_ptrs, NULL, foreign_release, NULL };

    struct ArrowSchema dict_schema = { "u", "", NULL, 0, 0, NULL, NULL, schema_noop_release, NULL };
    struct ArrowSchema cs[7] = {
        { "I", "u32", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
        { "tsn:UTC", "ns", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
        { "c", "dict", NULL, 2, 0, NULL, &dict_schema, schema_noop_release, NULL },
        { "tdm", "d64", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
        { "vu", "view", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
        { "L", "u64", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
        { "b", "flag", NULL, 2, 0, NULL, NULL, schema_noop_release, NULL },
    };
    struct ArrowSchema *cs_ptrs[7];
    for (int i = 0; i < 7; i++)
        cs_ptrs[i] = &cs[i];
    struct ArrowSchema schema = { "+s", "", NULL, 0, 7, cs_ptrs, NULL, schema_noop_release, NULL };

    foreign_released = 0;
    sl_batch *b = NULL;
    CHECK_OK(sl_arrow_import_array(&root, &schema, &b, &err));
    CHECK(b && b->count == 5);
    CHECK_EQ_INT(foreign_released, 0);     /* zero-copy columns keep the array alive */
    char buf[96];
    const char *expect[7][5] = {
        { "4000000000", "1", "2", "3", "4" },
        { "1970-01-01 00:00:00.000001", "1969-12-31 23:59:59.999998", "1970-01-01 00:00:00",
          "2023-11-14 22:13:20.123456", "1970-01-01 00:00:00" },
        { "a much longer dictionary value", "apple", "a much longer dictionary value", "kiw", "apple" },
        { "1970-01-01", "1970-01-02", "1969-12-31", "1970-01-03", "1969-12-31" },
        { "short", "view strings longer than twelve", "short", "view strings longer than twelve", "short" },
        { "0", "18446744073709551615", "5", "6", "7" },
        { "true", "false", "", "true", "true" },
    };
    for (int c = 0; c < 7; c++)
        for (uint32_t r = 0; r < 5; r++) {
            sl_format_slot(b->columns[c], r, buf, sizeof buf);
            CHECK_EQ_STR(buf, expect[c][r]);
        }
    CHECK(b->columns[5]->type.precision == 20);
    CHECK(!sl_vector_is_valid(b->columns[6], 2));
    sl_batch_free(b);
    CHECK_EQ_INT(foreign_released, 1);

    /* unsupported type: clear error naming column and format, and the array is released */
    cs[1].format = "tts";
    root.release = foreign_release;
    for (int i = 0; i < 7; i++)
        kids[i].release = foreign_child_release;
    dict.release = foreign_child_release;
    CHECK(sl_arrow_import_array(&root, &schema, &b, &err) == SL_ERR_TYPE);
    CHECK_EQ_STR(err.message, "unsupported Arrow type for column 2 \"ns\": format \"tts\"");
    CHECK_EQ_INT(foreign_released, 2);
    sl_type *t;
    char **names;
    uint32_t count;
    CHECK(sl_arrow_import_schema(&schema, &t, &names, &count, &err) == SL_ERR_TYPE);
}

/* ---- streams ---- */

static void test_stream(void)
{
    sl_error err;
    sl_type types[1] = { sl_type_make(SL_TYPE_VARCHAR) };
    const char *names[1] = { "word" };
    sl_batch **batches = sl_malloc(3 * sizeof(sl_batch *));
    for (int k = 0; k < 3; k++) {
        batches[k] = sl_batch_new_typed(types, 1, 2);
        sl_vector_set_string(batches[k]->columns[0], 0, "first word of the batch", 23, &err);
        sl_vector_set_string(batches[k]->columns[0], 1, "w", 1, &err);
        batches[k]->length = batches[k]->count = 2;
    }
    struct ArrowArrayStream stream;
    CHECK_OK(sl_arrow_stream_from_batches(types, names, 1, batches, 3, &stream, &err));
    struct ArrowSchema schema;
    CHECK_EQ_INT(stream.get_schema(&stream, &schema), 0);
    CHECK_EQ_STR(schema.children[0]->name, "word");
    int got = 0;
    for (;;) {
        struct ArrowArray a;
        CHECK_EQ_INT(stream.get_next(&stream, &a), 0);
        if (!a.release)
            break;
        got++;
        const int32_t *off = a.children[0]->buffers[1];
        CHECK(off[1] == 23 && off[2] == 24);
        CHECK(memcmp((const char *)a.children[0]->buffers[2] + 23, "w", 1) == 0);
        if (got == 2) {
            a.release(&a);
            break;     /* stop early: the rest is freed by the stream's release */
        }
        a.release(&a);
    }
    CHECK_EQ_INT(got, 2);
    CHECK(stream.get_last_error(&stream) == NULL);
    schema.release(&schema);
    stream.release(&stream);
    CHECK(stream.release == NULL);
}

int main(void)
{
    int64_t before = sl_alloc_live_bytes();
    CHECK_RUN(test_round_trip);
    CHECK_RUN(test_selection_and_chunks);
    CHECK_RUN(test_foreign_layouts);
    CHECK_RUN(test_stream);
    CHECK_EQ_INT(sl_alloc_live_bytes(), before);
    return CHECK_EXIT_CODE();
}
