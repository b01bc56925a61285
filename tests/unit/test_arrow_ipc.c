/*
 * test_arrow_ipc.c — Arrow IPC writer and reader: round trip of every type (with NULLs)
 * through the file and stream formats, uncompressed, LZ4 and ZSTD, across several record
 * batches; the FlatBuffers builder/reader; and a deterministic fuzz pass that corrupts
 * and truncates a valid file and requires an error (never a crash) naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "formats/arrow_ipc.h"
#include "formats/flatbuf.h"
#include "vector/value.h"

#define ROWS 5000
#define NCOLS 13

static void make_types(sl_type *types)
{
    static const sl_type_id ids[NCOLS] = {
        SL_TYPE_BOOLEAN, SL_TYPE_TINYINT, SL_TYPE_SMALLINT, SL_TYPE_INTEGER, SL_TYPE_BIGINT, SL_TYPE_REAL,
        SL_TYPE_DOUBLE, SL_TYPE_DECIMAL, SL_TYPE_DECIMAL, SL_TYPE_VARCHAR, SL_TYPE_DATE, SL_TYPE_TIMESTAMP,
        SL_TYPE_INTERVAL,
    };
    for (int c = 0; c < NCOLS; c++)
        types[c] = sl_type_make(ids[c]);
    types[7] = sl_type_decimal(15, 2);
    types[8] = sl_type_decimal(30, 4);
}

/* Rows [start, start + n) of the test table; every 7th value of a column is NULL. */
static sl_batch *make_batch(const sl_type *types, uint32_t start, uint32_t n)
{
    sl_error err;
    sl_batch *b = sl_batch_new_typed(types, NCOLS, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = start + i;
        SL_VECTOR_DATA(b->columns[0], uint8_t)[i] = r % 3 == 0;
        SL_VECTOR_DATA(b->columns[1], int8_t)[i] = (int8_t)(r % 200 - 100);
        SL_VECTOR_DATA(b->columns[2], int16_t)[i] = (int16_t)(r * 7);
        SL_VECTOR_DATA(b->columns[3], int32_t)[i] = (int32_t)(r * 1000);
        SL_VECTOR_DATA(b->columns[4], int64_t)[i] = (int64_t)r << 40;
        SL_VECTOR_DATA(b->columns[5], float)[i] = r / 4.0f;
        SL_VECTOR_DATA(b->columns[6], double)[i] = r / 8.0;
        SL_VECTOR_DATA(b->columns[7], int64_t)[i] = -(int64_t)r * 101;
        SL_VECTOR_DATA(b->columns[8], sl_int128)[i] = (sl_int128)r * 1000000000000000000LL;
        char text[64];
        int len = snprintf(text, sizeof text, r % 2 ? "s%u" : "a long string value %u", r);
        sl_vector_set_string(b->columns[9], i, text, (uint32_t)len, &err);
        SL_VECTOR_DATA(b->columns[10], int32_t)[i] = (int32_t)r * 10 - 1000;
        SL_VECTOR_DATA(b->columns[11], int64_t)[i] = (int64_t)r * 86400000000LL + 123456;
        SL_VECTOR_DATA(b->columns[12], sl_interval)[i] = (sl_interval){ (int32_t)r, 2, 3000000 };
        for (int c = 0; c < NCOLS; c++)
            if ((r + (uint32_t)c) % 7 == 0)
                sl_vector_set_null(b->columns[c], i, &err);
    }
    b->length = b->count = n;
    return b;
}

static const char *const names[NCOLS] = { "b", "i8", "i16", "i32", "i64", "f32", "f64", "d15", "d30",
                                           "s", "date", "ts", "iv" };

static void write_file(const char *path, bool file_format, sl_arrow_ipc_compression compression)
{
    sl_type types[NCOLS];
    make_types(types);
    sl_error err;
    sl_arrow_ipc_writer *w = NULL;
    CHECK_OK(sl_arrow_ipc_writer_open(path, file_format, compression, NCOLS, types, names, &w, &err));
    if (!w)
        return;
    /* uneven batch sizes: gathered into record batches and split again on read */
    for (uint32_t start = 0; start < ROWS;) {
        uint32_t n = start % 3 == 0 ? 1000 : 37;
        if (start + n > ROWS)
            n = ROWS - start;
        sl_batch *b = make_batch(types, start, n);
        CHECK_OK(sl_arrow_ipc_writer_write(w, b, &err));
        sl_batch_free(b);
        start += n;
    }
    CHECK_OK(sl_arrow_ipc_writer_commit(w, &err));
}

/* Reads path and compares every value with the generated table. Returns the status. */
static sl_status read_and_compare(const char *path, bool compare, sl_error *err)
{
    sl_type types[NCOLS];
    make_types(types);
    const char *paths[1] = { path };
    sl_arrow_ipc_reader_config config = { paths, 1, NCOLS, types, names, false };
    sl_arrow_ipc_reader *r;
    sl_status st = sl_arrow_ipc_reader_open(&config, &r, err);
    if (st != SL_OK)
        return st;
    uint32_t row = 0;
    for (;;) {
        sl_batch *b = NULL;
        st = sl_arrow_ipc_reader_next(r, &b, err);
        if (st != SL_OK || !b)
            break;
        if (compare) {
            sl_batch *expect = make_batch(types, row, b->count);
            for (int c = 0; c < NCOLS; c++) {
                for (uint32_t i = 0; i < b->count; i++) {
                    sl_value x, y;
                    char bx[128], by[128];
                    sl_vector_get_value(b->columns[c], i, &x, err);
                    sl_vector_get_value(expect->columns[c], i, &y, err);
                    sl_value_format(&x, bx, sizeof bx);
                    sl_value_format(&y, by, sizeof by);
                    sl_value_free(&x);
                    sl_value_free(&y);
                    if (x.is_null != y.is_null || strcmp(bx, by) != 0) {
                        CHECK_EQ_STR(bx, by);
                        c = NCOLS;
                        break;
                    }
                }
            }
            sl_batch_free(expect);
        }
        row += b->count;
        sl_batch_free(b);
    }
    sl_arrow_ipc_reader_free(r);
    if (st == SL_OK && compare)
        CHECK_EQ_INT(row, ROWS);
    return st;
}

static char tmpdir[64];

static void test_round_trip(void)
{
    static const sl_arrow_ipc_compression codecs[] = { SL_ARROW_IPC_UNCOMPRESSED, SL_ARROW_IPC_LZ4,
                                                       SL_ARROW_IPC_ZSTD };
    for (int format = 0; format < 2; format++) {
        for (int c = 0; c < 3; c++) {
            char path[128];
            snprintf(path, sizeof path, "%s/t%d%d.arrow", tmpdir, format, c);
            write_file(path, format == 1, codecs[c]);
            sl_error err;
            CHECK_OK(read_and_compare(path, true, &err));
            sl_arena arena;
            sl_arena_init(&arena, 0);
            uint32_t n = 0;
            sl_type *types;
            const char **nm;
            CHECK_OK(sl_arrow_ipc_sniff(&arena, path, &n, &types, &nm, &err));
            CHECK_EQ_INT(n, NCOLS);
            if (n == NCOLS) {
                CHECK_EQ_STR(nm[9], "s");
                CHECK(types[8].id == SL_TYPE_DECIMAL && types[8].precision == 30 && types[8].scale == 4);
            }
            sl_arena_free(&arena);
        }
    }
}

static void test_flatbuf(void)
{
    sl_fb_builder b;
    sl_fb_builder_init(&b);
    sl_fb_ref s = sl_fb_create_string(&b, "hello", 5);
    int64_t v[3] = { 1, 2, 3 };
    sl_fb_ref vec = sl_fb_create_vector(&b, v, 8, 3, 8);
    sl_fb_table_start(&b);
    int32_t x = 42;
    sl_fb_add_scalar(&b, 2, &x, 4);
    sl_fb_add_ref(&b, 0, s);
    sl_fb_add_ref(&b, 3, vec);
    sl_fb_ref root = sl_fb_table_end(&b);
    const uint8_t *data;
    size_t len;
    sl_error err;
    CHECK_OK(sl_fb_finish(&b, root, &data, &len, &err));
    sl_fb_table t;
    CHECK(sl_fb_root(data, len, &t));
    int32_t got = 0, absent = 7;
    CHECK(sl_fb_scalar(&t, 2, 4, &got));
    CHECK_EQ_INT(got, 42);
    CHECK(sl_fb_scalar(&t, 1, 4, &absent));
    CHECK_EQ_INT(absent, 7);
    const char *str;
    uint32_t slen;
    CHECK(sl_fb_string(&t, 0, &str, &slen));
    CHECK(slen == 5 && memcmp(str, "hello", 5) == 0);
    const uint8_t *vd;
    uint32_t vn;
    CHECK(sl_fb_vector(&t, 3, 8, &vd, &vn));
    CHECK_EQ_INT(vn, 3);
    /* every truncation is rejected or stays in bounds */
    for (size_t n = 0; n < len; n++) {
        sl_fb_table tt;
        if (sl_fb_root(data, n, &tt)) {
            sl_fb_scalar(&tt, 2, 4, &got);
            sl_fb_string(&tt, 0, &str, &slen);
        }
    }
    sl_fb_builder_free(&b);
}

/* Random byte corruptions and truncations of valid files: errors, never crashes. */
static void test_fuzz(void)
{
    srand(12345);
    for (int which = 0; which < 4; which++) {
        char path[128], bad[128];
        snprintf(path, sizeof path, "%s/t%d%d.arrow", tmpdir, which & 1, which >> 1 ? 2 : 0);
        snprintf(bad, sizeof bad, "%s/bad.arrow", tmpdir);
        FILE *fp = fopen(path, "rb");
        CHECK(fp != NULL);
        if (!fp)
            return;
        fseek(fp, 0, SEEK_END);
        long size = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        uint8_t *orig = malloc((size_t)size), *buf = malloc((size_t)size);
        CHECK(fread(orig, 1, (size_t)size, fp) == (size_t)size);
        fclose(fp);
        for (int it = 0; it < 150; it++) {
            memcpy(buf, orig, (size_t)size);
            long n = size;
            if (it % 5 == 0) {
                n = rand() % size;
            } else {
                int flips = 1 + rand() % 6;
                for (int k = 0; k < flips; k++) {
                    long at = it % 2 ? rand() % (size < 4096 ? size : 4096) : rand() % size;  /* metadata-heavy */
                    buf[at] = (uint8_t)(rand() % 3 == 0 ? 0xFF : buf[at] ^ (1u << (rand() % 8)));
                }
            }
            fp = fopen(bad, "wb");
            fwrite(buf, 1, (size_t)n, fp);
            fclose(fp);
            sl_error err;
            err.message[0] = '\0';
            sl_status st = read_and_compare(bad, false, &err);
            if (st != SL_OK)
                CHECK(strstr(err.message, "bad.arrow") != NULL);
        }
        free(orig);
        free(buf);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sl_arrow_ipc_%d", (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", tmpdir);
    if (system(cmd) != 0)
        return 1;
    CHECK_RUN(test_flatbuf);
    CHECK_RUN(test_round_trip);
    CHECK_RUN(test_fuzz);
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        return 1;
    return CHECK_EXIT_CODE();
}
