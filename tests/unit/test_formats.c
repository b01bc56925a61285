/*
 * test_formats.c — unit tests of src/formats (CSV/JSON readers, sniffers, writers, COPY
 * options, COPY FROM) and the generate_series / range table functions.
 *
 * Input files are written into a fresh temporary directory at run time, so the test runs
 * from any working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "check.h"
#include "exec/operator.h"
#include "formats/copy.h"
#include "formats/csv.h"
#include "formats/json.h"
#include "plan/table_function.h"

static char tmpdir[256];

static const char *write_file(const char *name, const char *content)
{
    static char paths[32][512];
    static int next;
    char *path = paths[next++ % 32];
    snprintf(path, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    fputs(content, f);
    fclose(f);
    return path;
}

static char *read_whole(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static sl_value text_value(const char *s)
{
    sl_value v;
    sl_value_varchar(s, (uint32_t)strlen(s), &v, NULL);
    return v;
}

/* Runs a table function to the end; returns all rows rendered "a|b|c\n" (NULL as "∅"). */
static sl_status run_function(const char *fname, const sl_value *pos, uint32_t npos, const char **names,
                              const sl_value *vals, uint32_t nnamed, char *out, size_t cap, uint32_t *ncols_out,
                              sl_type **types_out, const char ***names_out, int64_t *rejected, sl_error *err,
                              sl_arena *arena)
{
    const sl_table_function *fn = sl_table_function_find(fname);
    if (!fn)
        return sl_error_set(err, SL_ERR_CATALOG, "no function %s", fname);
    sl_table_function_args args = { npos, pos, nnamed, names, vals, 0 };
    void *bind;
    uint32_t ncols;
    sl_type *types;
    const char **cnames;
    SL_TRY(fn->bind(arena, &args, &bind, &ncols, &types, &cnames, err));
    if (ncols_out)
        *ncols_out = ncols;
    if (types_out)
        *types_out = types;
    if (names_out)
        *names_out = cnames;
    sl_exec_context exec;
    memset(&exec, 0, sizeof exec);
    atomic_init(&exec.rows_rejected, 0);
    void *state;
    SL_TRY(fn->init(bind, &exec, &state, err));
    size_t used = 0;
    out[0] = '\0';
    sl_status st = SL_OK;
    for (;;) {
        sl_batch *b = NULL;
        st = fn->next(state, &exec, &b, err);
        if (st != SL_OK || !b)
            break;
        for (uint32_t i = 0; i < b->count; i++) {
            uint32_t row = sl_batch_row(b, i);
            for (uint32_t c = 0; c < ncols; c++) {
                char cell[256];
                if (!sl_vector_is_valid(b->columns[c], row))
                    strcpy(cell, "NULL");
                else
                    sl_format_slot(b->columns[c], row, cell, sizeof cell);
                used += snprintf(out + used, used < cap ? cap - used : 0, "%s%s", c ? "|" : "", cell);
            }
            used += snprintf(out + used, used < cap ? cap - used : 0, "\n");
        }
        sl_batch_free(b);
    }
    fn->free(state);
    if (rejected)
        *rejected = atomic_load(&exec.rows_rejected);
    return st;
}

static void test_csv_sniff_and_read(void)
{
    const char *path = write_file("people.csv",
                                  "id,name,score,ok,day,ts\r\n"
                                  "1,\"Smith, Al\",2.5,true,2020-01-01,2020-01-01 10:00:00\r\n"
                                  "2,\"say \"\"hi\"\"\",,false,2021-02-03,2020-01-01T10:00:00.5\r\n"
                                  "3,\"two\nlines\",7,,,\r\n"
                                  ",plain,1e3,TRUE,2024-02-29,2024-02-29 23:59:59\r\n");
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_value p = text_value(path);
    char out[4096];
    uint32_t ncols;
    sl_type *types;
    const char **names;
    sl_error err;
    CHECK_OK(run_function("read_csv", &p, 1, NULL, NULL, 0, out, sizeof out, &ncols, &types, &names, NULL, &err,
                          &arena));
    CHECK_EQ_INT(ncols, 6);
    CHECK_EQ_STR(names[0], "id");
    CHECK_EQ_STR(names[5], "ts");
    CHECK_EQ_INT(types[0].id, SL_TYPE_BIGINT);
    CHECK_EQ_INT(types[1].id, SL_TYPE_VARCHAR);
    CHECK_EQ_INT(types[2].id, SL_TYPE_DOUBLE);
    CHECK_EQ_INT(types[3].id, SL_TYPE_BOOLEAN);
    CHECK_EQ_INT(types[4].id, SL_TYPE_DATE);
    CHECK_EQ_INT(types[5].id, SL_TYPE_TIMESTAMP);
    CHECK_EQ_STR(out, "1|Smith, Al|2.5|true|2020-01-01|2020-01-01 10:00:00\n"
                      "2|say \"hi\"|NULL|false|2021-02-03|2020-01-01 10:00:00.5\n"
                      "3|two\nlines|7.0|NULL|NULL|NULL\n"
                      "NULL|plain|1000.0|true|2024-02-29|2024-02-29 23:59:59\n");
    sl_value_free(&p);

    /* no header, '|' delimiter, single quotes */
    path = write_file("noheader.txt", "1|'a|b'|x\n2|'c'|y\n");
    p = text_value(path);
    CHECK_OK(run_function("read_csv_auto", &p, 1, NULL, NULL, 0, out, sizeof out, &ncols, &types, &names, NULL,
                          &err, &arena));
    CHECK_EQ_INT(ncols, 3);
    CHECK_EQ_STR(names[0], "column0");
    CHECK_EQ_STR(out, "1|a|b|x\n2|c|y\n");
    sl_value_free(&p);

    /* explicit options: columns, header, delim */
    path = write_file("typed.csv", "a;b\n1;2.345\n");
    p = text_value(path);
    const char *on[] = { "header", "delim", "columns" };
    sl_value ov[3] = { sl_value_boolean(true), text_value(";"), text_value("{'x': 'INTEGER', 'y': 'DECIMAL(5,2)'}") };
    CHECK_OK(run_function("read_csv", &p, 1, on, ov, 3, out, sizeof out, &ncols, &types, &names, NULL, &err, &arena));
    CHECK_EQ_STR(names[1], "y");
    CHECK_EQ_INT(types[1].id, SL_TYPE_DECIMAL);
    CHECK_EQ_STR(out, "1|2.35\n");
    sl_value_free(&p);
    sl_value_free(&ov[1]);
    sl_value_free(&ov[2]);
    sl_arena_free(&arena);
}

static void test_csv_errors(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[4096];
    sl_error err;
    const char *on[] = { "columns", "header" };
    sl_value ov[2] = { text_value("{'id': 'INTEGER', 'qty': 'DECIMAL(15,2)'}"), sl_value_boolean(true) };

    const char *path = write_file("bad.csv", "id,qty\n1,2\n2,abc\n3,4\n");
    sl_value p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "bad.csv:3:2") != NULL);
    CHECK(strstr(err.message, "\"abc\"") != NULL);
    CHECK(strstr(err.message, "DECIMAL(15,2)") != NULL);
    CHECK(strstr(err.message, "\"qty\"") != NULL);

    /* ignore_errors skips and counts */
    const char *on3[] = { "columns", "header", "ignore_errors" };
    sl_value ov3[3] = { ov[0], ov[1], sl_value_boolean(true) };
    int64_t rejected = 0;
    CHECK_OK(run_function("read_csv", &p, 1, on3, ov3, 3, out, sizeof out, NULL, NULL, NULL, &rejected, &err,
                          &arena));
    CHECK_EQ_STR(out, "1|2.00\n3|4.00\n");
    CHECK_EQ_INT(rejected, 1);
    sl_value_free(&p);

    path = write_file("count.csv", "id,qty\n1,2\n2\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "expected 2 columns but found 1") != NULL && strstr(err.message, "count.csv:3"));
    sl_value_free(&p);

    path = write_file("unterminated.csv", "id,qty\n1,2\n2,\"3\n");
    p = text_value(path);
    const char *onq[] = { "columns", "header", "quote" };
    sl_value ovq[3] = { ov[0], ov[1], text_value("\"") };
    CHECK(run_function("read_csv", &p, 1, onq, ovq, 3, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "unterminated quoted field starting at") && strstr(err.message, "unterminated.csv:3:2"));
    sl_value_free(&ovq[2]);
    sl_value_free(&p);

    const char *on2[] = { "header" };
    path = write_file("utf8.csv", "a,b\n1,ok\n2,bad\xff\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on2, &ov[1], 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "invalid UTF-8 at") && strstr(err.message, "utf8.csv:3:2"));
    sl_value_free(&p);

    /* DECIMAL overflow and integer range */
    path = write_file("range.csv", "id,qty\n99999999999,1\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "to INTEGER") != NULL);
    sl_value_free(&p);

    /* unknown option */
    const char *bad_opt[] = { "delimitr" };
    sl_value bv = text_value("|");
    path = write_file("x.csv", "a\n1\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, bad_opt, &bv, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_ARG);
    CHECK(strstr(err.message, "unknown option 'delimitr'") != NULL);
    sl_value_free(&p);
    sl_value_free(&bv);
    sl_value_free(&ov[0]);
    sl_arena_free(&arena);
}

/* Errors come in file order: a conversion error before a structural one (wrong field
 * count, unterminated quote) wins, and so does an earlier row in a later column. */
static void test_csv_error_order(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[4096];
    sl_error err;
    const char *on[] = { "columns", "header" };
    sl_value ov[2] = { text_value("{'id': 'INTEGER', 'val': 'INTEGER'}"), sl_value_boolean(true) };

    const char *path = write_file("order1.csv", "id,val\n1,10\n2,oops\n3,30\n4,40,extra\n5,50\n");
    sl_value p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "order1.csv:3:2") && strstr(err.message, "\"oops\"") && strstr(err.message, "\"val\""));
    sl_value_free(&p);

    /* line 2 column 2 comes before line 3 column 1 */
    path = write_file("order2.csv", "id,val\n1,x\ny,2\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "order2.csv:2:2") && strstr(err.message, "\"x\""));
    sl_value_free(&p);

    /* a conversion error before an unterminated quote */
    path = write_file("order3.csv", "id,val\n1,2\nz,3\n4,\"5\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "order3.csv:3:1") && strstr(err.message, "\"z\""));
    sl_value_free(&p);

    /* the structural error is still reported when the rows before it are fine */
    path = write_file("order4.csv", "id,val\n1,2\n3,4,5\nq,6\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "expected 2 columns but found 3") && strstr(err.message, "order4.csv:3"));
    sl_value_free(&p);

    /* COPY FROM takes the same path */
    sl_catalog *cat = sl_catalog_new();
    sl_column_def cols[2] = { { "id", sl_type_make(SL_TYPE_INTEGER), false },
                              { "val", sl_type_make(SL_TYPE_INTEGER), false } };
    sl_table *t = NULL;
    CHECK_OK(sl_catalog_create_table(cat, "strict_t", cols, 2, false, &t, &err));
    sl_copy_options opts;
    sl_copy_options_init(&opts);
    opts.path = write_file("order5.csv", "id,val\n1,10\n2,oops\n3,30\n4,40,extra\n5,50\n");
    opts.header = 1;
    CHECK(sl_copy_from(NULL, t, &opts, NULL, NULL, &err) == SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "order5.csv:3:2") && strstr(err.message, "\"oops\""));
    sl_catalog_free(cat);

    /* ignore_errors: a row with a bad quote after a quoted line break is skipped whole */
    path = write_file("badquote.csv", "a,b\n1,\"x\ny\"z\n2,3\n4,5\n");
    p = text_value(path);
    const char *onq[] = { "columns", "header", "quote", "ignore_errors" };
    sl_value ovq[4] = { ov[0], ov[1], text_value("\""), sl_value_boolean(true) };
    int64_t rejected = 0;
    CHECK_OK(run_function("read_csv", &p, 1, onq, ovq, 4, out, sizeof out, NULL, NULL, NULL, &rejected, &err,
                          &arena));
    CHECK_EQ_STR(out, "2|3\n4|5\n");
    CHECK_EQ_INT(rejected, 1);
    sl_value_free(&ovq[2]);
    sl_value_free(&p);

    sl_value_free(&ov[0]);
    sl_arena_free(&arena);
}

/* A quote opened and never closed is an error at the line:field where it opened, also
 * when the quote character is sniffed (the quote ' must not be picked just because it
 * hides the problem). */
static void test_csv_unterminated_sniffed(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[4096];
    sl_error err;
    const char *on[] = { "header" };
    sl_value ov[1] = { sl_value_boolean(true) };

    const char *path = write_file("unterm1.csv", "id,name\n1,\"unterminated\n2,ok\n");
    sl_value p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "unterminated quoted field starting at") && strstr(err.message, "unterm1.csv:2:2"));
    sl_value_free(&p);

    /* the open quote is on the row's second line (after a quoted line break) */
    path = write_file("unterm2.csv", "a,b,c\n1,\"x\ny\",z\n2,\"p\nq\",\"open\n3,4,5\n");
    p = text_value(path);
    CHECK(run_function("read_csv", &p, 1, on, ov, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "unterminated quoted field starting at") && strstr(err.message, "unterm2.csv:5:3"));
    sl_value_free(&p);
    sl_arena_free(&arena);
}

/* A few malformed rows do not make the sniffer fall back to one column: the delimiter
 * that gives most rows the same column count wins (like DuckDB). */
static void test_csv_sniff_majority(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[4096];
    sl_error err;
    uint32_t ncols;
    sl_type *types;
    const char **names;
    const char *on[] = { "header", "ignore_errors" };
    sl_value ov[2] = { sl_value_boolean(true), sl_value_boolean(true) };

    const char *path = write_file("majority.csv", "id,val\n1,10\n2,oops\n3,30\n4,40,extra\n5,50\n");
    sl_value p = text_value(path);
    int64_t rejected = 0;
    CHECK_OK(run_function("read_csv", &p, 1, on, ov, 2, out, sizeof out, &ncols, &types, &names, &rejected, &err,
                          &arena));
    CHECK_EQ_INT(ncols, 2);
    if (ncols == 2) {
        CHECK_EQ_STR(names[0], "id");
        CHECK_EQ_STR(names[1], "val");
        CHECK_EQ_INT(types[0].id, SL_TYPE_BIGINT);
        CHECK_EQ_INT(types[1].id, SL_TYPE_VARCHAR);   /* "oops" is a value of the column, as in DuckDB */
    }
    CHECK_EQ_STR(out, "1|10\n2|oops\n3|30\n5|50\n");
    CHECK_EQ_INT(rejected, 1);

    /* without ignore_errors the bad row is reported, not hidden in a one-column schema */
    CHECK(run_function("read_csv", &p, 1, on, ov, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "expected 2 columns but found 3") && strstr(err.message, "majority.csv:5"));
    sl_value_free(&p);

    /* but when many rows disagree there is no consistent multi-column reading */
    path = write_file("ragged.csv", "a,b\n1\n2,3,4\n5\n6,7\n");
    p = text_value(path);
    CHECK_OK(run_function("read_csv", &p, 1, NULL, NULL, 0, out, sizeof out, &ncols, &types, &names, NULL, &err,
                          &arena));
    CHECK_EQ_INT(ncols, 1);
    sl_value_free(&p);
    sl_arena_free(&arena);
}

/* Big file crossing the reader's buffer, TPC-H style trailing delimiter, COPY FROM. */
static void test_copy_from_tbl(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.tbl", tmpdir);
    FILE *f = fopen(path, "wb");
    const int rows = 150000;
    for (int i = 0; i < rows; i++)
        fprintf(f, "%d|%d.%02d|comment number %d with some padding text|1995-03-%02d|\n", i, i % 50, i % 100, i,
                1 + i % 28);
    fclose(f);
    sl_catalog *cat = sl_catalog_new();
    sl_column_def cols[4] = { { "k", sl_type_make(SL_TYPE_BIGINT), false },
                              { "q", sl_type_decimal(15, 2), false },
                              { "c", sl_type_make(SL_TYPE_VARCHAR), false },
                              { "d", sl_type_make(SL_TYPE_DATE), false } };
    sl_table *t = NULL;
    sl_error err;
    CHECK_OK(sl_catalog_create_table(cat, "t", cols, 4, false, &t, &err));
    sl_copy_options opts;
    sl_copy_options_init(&opts);
    opts.path = path;
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_value d = text_value("|");
    CHECK_OK(sl_copy_option_set(&arena, &opts, "DELIMITER", &d, &err));
    int64_t loaded = 0, rejected = -1;
    sl_status st = sl_copy_from(NULL, t, &opts, &loaded, &rejected, &err);
    CHECK_OK(st);
    if (st)
        fprintf(stderr, "%s\n", err.message);
    CHECK_EQ_INT(loaded, rows);
    CHECK_EQ_INT(rejected, 0);
    CHECK_EQ_INT(t->row_count, rows);
    int64_t sum_k = 0, sum_q = 0;
    for (size_t i = 0; i < t->chunk_count; i++) {
        sl_batch *b = t->chunks[i];
        for (uint32_t r = 0; r < b->count; r++) {
            sum_k += SL_VECTOR_DATA(b->columns[0], int64_t)[r];
            sum_q += SL_VECTOR_DATA(b->columns[1], int64_t)[r];
        }
    }
    int64_t want_k = 0, want_q = 0;
    for (int i = 0; i < rows; i++)
        want_k += i, want_q += (i % 50) * 100 + i % 100;
    CHECK_EQ_INT(sum_k, want_k);
    CHECK_EQ_INT(sum_q, want_q);
    sl_batch *last = t->chunks[t->chunk_count - 1];
    char cell[128];
    sl_format_slot(last->columns[2], last->count - 1, cell, sizeof cell);
    CHECK_EQ_STR(cell, "comment number 149999 with some padding text");
    sl_value_free(&d);
    sl_arena_free(&arena);
    sl_catalog_free(cat);
}

static void test_csv_writer(void)
{
    sl_type types[3] = { sl_type_make(SL_TYPE_INTEGER), sl_type_make(SL_TYPE_VARCHAR), sl_type_make(SL_TYPE_DOUBLE) };
    sl_batch *b = sl_batch_new_typed(types, 3, 4);
    sl_error err;
    SL_VECTOR_DATA(b->columns[0], int32_t)[0] = 1;
    SL_VECTOR_DATA(b->columns[0], int32_t)[1] = 2;
    sl_vector_set_string(b->columns[1], 0, "x,\"y\"", 5, &err);
    sl_vector_set_string(b->columns[1], 1, "", 0, &err);
    SL_VECTOR_DATA(b->columns[2], double)[0] = 1.5;
    sl_vector_set_null(b->columns[2], 1, &err);
    b->length = b->count = 2;
    const char *names[3] = { "a", "b", "c" };
    sl_copy_options opts;
    sl_copy_options_init(&opts);
    char path[512];
    snprintf(path, sizeof path, "%s/out.csv", tmpdir);
    sl_csv_writer *w;
    CHECK_OK(sl_csv_writer_open(path, &opts, 3, names, &w, &err));
    CHECK_OK(sl_csv_writer_write(w, b, &err));
    CHECK_OK(sl_csv_writer_commit(w, &err));
    CHECK_EQ_STR(read_whole(path), "a,b,c\n1,\"x,\"\"y\"\"\",1.5\n2,\"\",\n");

    snprintf(path, sizeof path, "%s/out.json", tmpdir);
    sl_vector_set_string(b->columns[1], 1, "tab\there\n\x01", 10, &err);
    sl_json_writer *jw;
    CHECK_OK(sl_json_writer_open(path, 3, names, &jw, &err));
    CHECK_OK(sl_json_writer_write(jw, b, &err));
    CHECK_OK(sl_json_writer_commit(jw, &err));
    CHECK_EQ_STR(read_whole(path), "{\"a\":1,\"b\":\"x,\\\"y\\\"\",\"c\":1.5}\n"
                                   "{\"a\":2,\"b\":\"tab\\there\\n\\u0001\",\"c\":null}\n");
    sl_batch_free(b);
}

static void test_json_reader(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[4096];
    sl_error err;
    uint32_t ncols;
    sl_type *types;
    const char **names;
    const char *path = write_file("rows.json",
                                  "{\"id\": 1, \"name\": \"a\\u00e9\\n\", \"ok\": true, \"v\": 1.5, \"n\": {\"x\": [1, 2]}}\n"
                                  "{\"id\": 2, \"name\": \"b\", \"ok\": false, \"v\": 2}\n"
                                  "\n"
                                  "{\"name\": null, \"id\": 3, \"v\": null, \"extra\": 1}\n");
    sl_value p = text_value(path);
    CHECK_OK(run_function("read_json", &p, 1, NULL, NULL, 0, out, sizeof out, &ncols, &types, &names, NULL, &err,
                          &arena));
    CHECK_EQ_INT(ncols, 6);
    CHECK_EQ_STR(names[4], "n");
    CHECK_EQ_INT(types[0].id, SL_TYPE_BIGINT);
    CHECK_EQ_INT(types[2].id, SL_TYPE_BOOLEAN);
    CHECK_EQ_INT(types[3].id, SL_TYPE_DOUBLE);
    CHECK_EQ_INT(types[4].id, SL_TYPE_VARCHAR);
    CHECK_EQ_STR(out, "1|a\xc3\xa9\n|true|1.5|{\"x\": [1, 2]}|NULL\n"
                      "2|b|false|2.0|NULL|NULL\n"
                      "3|NULL|NULL|NULL|NULL|1\n");
    sl_value_free(&p);

    path = write_file("array.json", "[ {\"a\": 1, \"d\": \"2024-01-02\"},\n  {\"a\": 2} ]\n");
    p = text_value(path);
    const char *on[] = { "columns" };
    sl_value ov = text_value("{'a': 'INTEGER', 'd': 'DATE'}");
    CHECK_OK(run_function("read_ndjson", &p, 1, on, &ov, 1, out, sizeof out, &ncols, &types, &names, NULL, &err,
                          &arena));
    CHECK_EQ_STR(out, "1|2024-01-02\n2|NULL\n");
    sl_value_free(&p);

    path = write_file("broken.json", "{\"a\": 1}\n{\"a\": 2,, }\n");
    p = text_value(path);
    CHECK(run_function("read_json", &p, 1, on, &ov, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena) ==
          SL_ERR_INVALID_INPUT);
    CHECK(strstr(err.message, "broken.json:2:9") != NULL);
    sl_value_free(&p);

    /* deep nesting (300 levels, in a key without a column) is skipped iteratively: any
     * depth, never recursed */
    char deep[2000];
    size_t k = 0;
    k += sprintf(deep, "{\"a\": 1, \"n\": ");
    for (int i = 0; i < 300; i++)
        deep[k++] = '[';
    for (int i = 0; i < 300; i++)
        deep[k++] = ']';
    strcpy(deep + k, "}\n");
    path = write_file("deep.json", deep);
    p = text_value(path);
    CHECK_OK(run_function("read_json", &p, 1, on, &ov, 1, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena));
    CHECK_EQ_STR(out, "1|NULL\n");
    sl_value_free(&p);
    sl_value_free(&ov);
    sl_arena_free(&arena);
}

static void test_series(void)
{
    sl_arena arena;
    sl_arena_init(&arena, 0);
    char out[65536];
    sl_error err;
    const char **names;
    sl_value a[3] = { sl_value_int(SL_TYPE_BIGINT, 1), sl_value_int(SL_TYPE_BIGINT, 10),
                      sl_value_int(SL_TYPE_BIGINT, 4) };
    CHECK_OK(run_function("generate_series", a, 3, NULL, NULL, 0, out, sizeof out, NULL, NULL, &names, NULL, &err,
                          &arena));
    CHECK_EQ_STR(out, "1\n5\n9\n");
    CHECK_EQ_STR(names[0], "generate_series");
    CHECK_OK(run_function("range", a, 2, NULL, NULL, 0, out, sizeof out, NULL, NULL, &names, NULL, &err, &arena));
    CHECK_EQ_STR(out, "1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    CHECK_EQ_STR(names[0], "range");
    sl_value n = sl_value_int(SL_TYPE_INTEGER, 3);
    CHECK_OK(run_function("range", &n, 1, NULL, NULL, 0, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena));
    CHECK_EQ_STR(out, "0\n1\n2\n");
    sl_value down[3] = { sl_value_int(SL_TYPE_BIGINT, 3), sl_value_int(SL_TYPE_BIGINT, 1),
                         sl_value_int(SL_TYPE_BIGINT, -1) };
    CHECK_OK(run_function("generate_series", down, 3, NULL, NULL, 0, out, sizeof out, NULL, NULL, NULL, NULL, &err,
                          &arena));
    CHECK_EQ_STR(out, "3\n2\n1\n");
    down[2] = sl_value_int(SL_TYPE_BIGINT, 0);
    CHECK(run_function("generate_series", down, 3, NULL, NULL, 0, out, sizeof out, NULL, NULL, NULL, NULL, &err,
                       &arena) == SL_ERR_INVALID_ARG);
    /* more than one batch */
    sl_value big = sl_value_int(SL_TYPE_BIGINT, 5000);
    CHECK_OK(run_function("range", &big, 1, NULL, NULL, 0, out, sizeof out, NULL, NULL, NULL, NULL, &err, &arena));
    CHECK(strncmp(out + strlen(out) - 5, "4999\n", 5) == 0);
    /* timestamps with a month step clamp to the month's end */
    sl_value ts[3] = { sl_value_int(SL_TYPE_TIMESTAMP, 1706659200LL * 1000000), /* 2024-01-31 */
                       sl_value_int(SL_TYPE_TIMESTAMP, 1714521600LL * 1000000), /* 2024-05-01 */
                       sl_value_interval((sl_interval){ 1, 0, 0 }) };
    CHECK_OK(run_function("generate_series", ts, 3, NULL, NULL, 0, out, sizeof out, NULL, NULL, NULL, NULL, &err,
                          &arena));
    CHECK_EQ_STR(out, "2024-01-31 00:00:00\n2024-02-29 00:00:00\n2024-03-29 00:00:00\n2024-04-29 00:00:00\n");
    sl_arena_free(&arena);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sluice_test_formats_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK_RUN(test_csv_sniff_and_read);
    CHECK_RUN(test_csv_errors);
    CHECK_RUN(test_csv_error_order);
    CHECK_RUN(test_csv_unterminated_sniffed);
    CHECK_RUN(test_csv_sniff_majority);
    CHECK_RUN(test_copy_from_tbl);
    CHECK_RUN(test_csv_writer);
    CHECK_RUN(test_json_reader);
    CHECK_RUN(test_series);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return CHECK_EXIT_CODE();
}
