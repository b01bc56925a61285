/*
 * runner.c — the sqllogictest runner (SQLite/DuckDB file format) over the public C API.
 *
 * Usage: sqllogictest [--verbose] [--stop-on-failure] [--threads N] [--memory-limit SIZE] [--streaming] FILE...
 *
 * --threads N (a verification mode) issues `SET threads = N` on each fresh database before
 * its file runs; results must not depend on it.
 * --memory-limit SIZE (a verification mode) issues `SET memory_limit = 'SIZE'` likewise: a
 * tiny limit makes the blocking operators spill to disk, and results must not change.
 * --streaming (a verification mode) issues `SET execution_mode = 'streaming'`: every query
 * over a source runs as a continuous query, whose final result must equal the batch
 * result the file expects. A query that fails because its construct cannot run
 * continuously (the error says "unbounded input" or "continuous query") counts as skipped.
 *
 * Each file runs in a fresh in-memory database. Records are separated by blank lines:
 *
 *   statement ok            the SQL must succeed
 *   statement error         the SQL must fail; text after a `----` line (if any) must
 *                           occur in the error message
 *   query <types> [nosort|rowsort|valuesort] [label]
 *                           the SQL's rows, after `----`, one row per line with values
 *                           separated by tabs; NULL is `NULL`, the empty string `(empty)`
 *   mode skip / mode unskip skip records until unskip
 *   skipif memory_limit     skip the next record in --memory-limit mode
 *   halt                    stop reading the file
 *   require NAME            skip the whole file (no extensions exist yet)
 *   # ...                   comment
 *
 * Values are rendered with the engine's text rendering (the CSV output contract).
 * Floating-point values compare with a relative tolerance of 1e-9; everything else
 * compares exactly. The runner ends with the line "N passed, N failed".
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.h"

typedef struct text_lines {
    char **items;
    size_t count, capacity;
} text_lines;

static void lines_push(text_lines *l, char *s)
{
    if (l->count == l->capacity) {
        l->capacity = l->capacity ? l->capacity * 2 : 64;
        l->items = realloc(l->items, l->capacity * sizeof *l->items);
        if (!l->items) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
    }
    l->items[l->count++] = s;
}

static void lines_clear(text_lines *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    l->count = 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[size] = 0;
    fclose(f);
    return buf;
}

/* Splits text into lines (without newline), in place. */
static char **split_lines(char *text, size_t *count)
{
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *p = text;
    while (*p) {
        if (n == cap) {
            cap *= 2;
            lines = realloc(lines, cap * sizeof *lines);
        }
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (nl > p && nl[-1] == '\r')
            nl[-1] = 0;
        p = nl + 1;
    }
    *count = n;
    return lines;
}

static bool is_blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Renders every value of a result: rows x columns strings. */
static sluice_status collect_result(sluice_result *result, text_lines *values, uint32_t *columns, size_t *rows)
{
    *columns = sluice_result_column_count(result);
    *rows = 0;
    for (;;) {
        sluice_chunk *chunk = NULL;
        sluice_status st = sluice_result_fetch(result, &chunk);
        if (st != SLUICE_OK)
            return st;
        if (!chunk)
            break;
        uint64_t n = sluice_chunk_row_count(chunk);
        for (uint64_t r = 0; r < n; r++) {
            for (uint32_t c = 0; c < *columns; c++) {
                if (sluice_chunk_is_null(chunk, c, r)) {
                    lines_push(values, strdup("NULL"));
                    continue;
                }
                char small[256];
                size_t len = sluice_chunk_value_text(chunk, c, r, small, sizeof small);
                char *text = malloc(len + 1);
                if (len < sizeof small)
                    memcpy(text, small, len + 1);
                else
                    sluice_chunk_value_text(chunk, c, r, text, len + 1);
                if (len == 0) {
                    free(text);
                    text = strdup("(empty)");
                }
                /* tabs/newlines inside values would break the line format */
                for (char *q = text; *q; q++)
                    if (*q == '\t' || *q == '\n')
                        *q = ' ';
                lines_push(values, text);
            }
            (*rows)++;
        }
        sluice_chunk_free(chunk);
    }
    return SLUICE_OK;
}

static bool looks_floating(const char *s)
{
    char *end;
    errno = 0;
    strtod(s, &end);
    if (*end != 0 || end == s)
        return false;
    return strpbrk(s, ".eE") != NULL || strstr(s, "inf") != NULL || strstr(s, "nan") != NULL;
}

static bool values_match(const char *expected, const char *actual)
{
    if (strcmp(expected, actual) == 0)
        return true;
    if (looks_floating(expected) && looks_floating(actual)) {
        double e = strtod(expected, NULL), a = strtod(actual, NULL);
        if (isnan(e) && isnan(a))
            return true;
        double diff = fabs(e - a), scale = fmax(fabs(e), fabs(a));
        return diff <= 1e-9 * scale || diff < 1e-12;
    }
    return false;
}

typedef struct runner {
    bool verbose;
    int threads;                 /* > 0: SET threads = N on every fresh database */
    bool streaming;              /* SET execution_mode = 'streaming' on every fresh database */
    const char *memory_limit;    /* non-NULL: SET memory_limit = '...' on every fresh database */
    long passed, failed, skipped;
} runner;

static void report_failure(runner *rn, const char *file, size_t line, const char *sql, const char *what)
{
    rn->failed++;
    fprintf(stderr, "\nFAIL %s:%zu\n%s\n---- %s\n", file, line, sql, what);
}

/* Joins lines [from, to) with newlines into a malloc'd string. */
static char *join_lines(char **lines, size_t from, size_t to)
{
    size_t len = 0;
    for (size_t i = from; i < to; i++)
        len += strlen(lines[i]) + 1;
    char *out = malloc(len + 1), *p = out;
    for (size_t i = from; i < to; i++) {
        size_t l = strlen(lines[i]);
        memcpy(p, lines[i], l);
        p += l;
        *p++ = '\n';
    }
    *p = 0;
    return out;
}

/* In --streaming mode: did the query fail only because it cannot run continuously? */
static bool not_continuous(const runner *rn, sluice_connection *conn)
{
    const char *e = sluice_connection_error(conn);
    return rn->streaming && e && (strstr(e, "unbounded input") || strstr(e, "continuous query"));
}

/* Runs a statement; a continuous query's result is drained so its errors show. */
static sluice_status run_statement(sluice_connection *conn, const char *sql)
{
    sluice_result *result = NULL;
    sluice_status st = sluice_query(conn, sql, &result);
    while (st == SLUICE_OK && result && sluice_result_is_continuous(result)) {
        sluice_chunk *chunk = NULL;
        st = sluice_result_fetch(result, &chunk);
        if (!chunk)
            break;
        sluice_chunk_free(chunk);
    }
    if (result)
        sluice_result_free(result);
    return st;
}

static void run_query_record(runner *rn, sluice_connection *conn, const char *file, size_t line, const char *sql,
                             const char *header, char **expected, size_t expected_count)
{
    /* header: "query III rowsort" */
    char types[64] = "", sortmode[32] = "nosort";
    sscanf(header, "query %63s %31s", types, sortmode);
    sluice_result *result = NULL;
    if (sluice_query(conn, sql, &result) != SLUICE_OK) {
        if (not_continuous(rn, conn)) {
            rn->skipped++;
            return;
        }
        char msg[2048];
        snprintf(msg, sizeof msg, "query failed: %s", sluice_connection_error(conn));
        report_failure(rn, file, line, sql, msg);
        return;
    }
    text_lines values = { 0 };
    uint32_t columns = 0;
    size_t rows = 0;
    if (collect_result(result, &values, &columns, &rows) != SLUICE_OK) {
        if (not_continuous(rn, conn)) {
            rn->skipped++;
            sluice_result_free(result);
            lines_clear(&values);
            free(values.items);
            return;
        }
        char msg[2048];
        snprintf(msg, sizeof msg, "fetch failed: %s", sluice_connection_error(conn));
        report_failure(rn, file, line, sql, msg);
        sluice_result_free(result);
        lines_clear(&values);
        free(values.items);
        return;
    }
    sluice_result_free(result);

    if (strlen(types) != columns) {
        char msg[256];
        snprintf(msg, sizeof msg, "expected %zu columns (%s) but the result has %u", strlen(types), types, columns);
        report_failure(rn, file, line, sql, msg);
        lines_clear(&values);
        free(values.items);
        return;
    }

    /* Expected values: each line is a row of tab-separated values; with valuesort each
     * value may also be on its own line (SQLite style). */
    text_lines want = { 0 };
    for (size_t i = 0; i < expected_count; i++) {
        char *copy = strdup(expected[i]);
        char *save = NULL;
        if (strchr(copy, '\t') || columns == 1) {
            for (char *tok = strtok_r(copy, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save))
                lines_push(&want, strdup(tok));
            if (expected[i][0] == 0)
                lines_push(&want, strdup(""));
        } else {
            lines_push(&want, strdup(copy));
        }
        free(copy);
    }

    /* Row-wise strings for sorting. */
    if (strcmp(sortmode, "rowsort") == 0 || strcmp(sortmode, "valuesort") == 0) {
        if (strcmp(sortmode, "valuesort") == 0) {
            qsort(values.items, values.count, sizeof(char *), compare_strings);
            qsort(want.items, want.count, sizeof(char *), compare_strings);
        } else if (columns > 0) {
            /* sort rows by their tab-joined text */
            size_t nrows_got = values.count / columns, nrows_want = want.count / columns;
            char **got_rows = malloc((nrows_got + 1) * sizeof(char *));
            char **want_rows = malloc((nrows_want + 1) * sizeof(char *));
            for (int side = 0; side < 2; side++) {
                text_lines *src = side ? &want : &values;
                char **dst = side ? want_rows : got_rows;
                size_t nr = src->count / columns;
                for (size_t r = 0; r < nr; r++) {
                    size_t len = 0;
                    for (uint32_t c = 0; c < columns; c++)
                        len += strlen(src->items[r * columns + c]) + 1;
                    char *row = malloc(len + 1), *p = row;
                    for (uint32_t c = 0; c < columns; c++) {
                        size_t l = strlen(src->items[r * columns + c]);
                        memcpy(p, src->items[r * columns + c], l);
                        p += l;
                        *p++ = '\t';
                    }
                    *p = 0;
                    dst[r] = row;
                }
                qsort(dst, nr, sizeof(char *), compare_strings);
                /* rebuild src in sorted order */
                lines_clear(src);
                for (size_t r = 0; r < nr; r++) {
                    char *save = NULL;
                    char *row = dst[r];
                    /* split on tabs, keeping empty tokens */
                    char *p2 = row;
                    for (uint32_t c = 0; c < columns; c++) {
                        char *tab = strchr(p2, '\t');
                        if (tab)
                            *tab = 0;
                        lines_push(src, strdup(p2));
                        p2 = tab ? tab + 1 : p2 + strlen(p2);
                    }
                    (void)save;
                    free(row);
                }
            }
            free(got_rows);
            free(want_rows);
        }
    }

    bool ok = values.count == want.count;
    size_t mismatch = 0;
    for (size_t i = 0; ok && i < values.count; i++) {
        if (!values_match(want.items[i], values.items[i])) {
            ok = false;
            mismatch = i;
        }
    }
    if (ok) {
        rn->passed++;
    } else {
        char msg[8192];
        int off = 0;
        if (values.count != want.count)
            off += snprintf(msg + off, sizeof msg - off, "expected %zu values, got %zu (%zu rows)\n", want.count,
                            values.count, rows);
        else
            off += snprintf(msg + off, sizeof msg - off, "value %zu (row %zu, column %zu): expected '%s', got '%s'\n",
                            mismatch, mismatch / columns + 1, mismatch % columns + 1, want.items[mismatch],
                            values.items[mismatch]);
        off += snprintf(msg + off, sizeof msg - off, "actual result:");
        for (size_t i = 0; i < values.count && off < (int)sizeof msg - 200 && i < 40 * (size_t)columns; i++)
            off += snprintf(msg + off, sizeof msg - off, "%s%s", i % columns == 0 ? "\n" : "\t", values.items[i]);
        report_failure(rn, file, line, sql, msg);
    }
    lines_clear(&values);
    free(values.items);
    lines_clear(&want);
    free(want.items);
}

static void run_file(runner *rn, const char *path, bool stop_on_failure)
{
    char *text = read_file(path);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        rn->failed++;
        return;
    }
    size_t nlines = 0;
    char **lines = split_lines(text, &nlines);

    sluice_database *db = NULL;
    sluice_connection *conn = NULL;
    char *open_error = NULL;
    if (sluice_open(NULL, &db, &open_error) != SLUICE_OK || sluice_connect(db, &conn) != SLUICE_OK) {
        fprintf(stderr, "%s: cannot open database: %s\n", path, open_error ? open_error : "?");
        sluice_free(open_error);
        rn->failed++;
        free(lines);
        free(text);
        return;
    }

    char settings[3][96];
    int setting_count = 0;
    if (rn->memory_limit)
        snprintf(settings[setting_count++], sizeof settings[0], "SET memory_limit = '%s'", rn->memory_limit);
    if (rn->threads > 0)
        snprintf(settings[setting_count++], sizeof settings[0], "SET threads = %d", rn->threads);
    if (rn->streaming)
        snprintf(settings[setting_count++], sizeof settings[0], "SET execution_mode = 'streaming'");
    for (int k = 0; k < setting_count; k++) {
        if (run_statement(conn, settings[k]) != SLUICE_OK) {
            fprintf(stderr, "%s: %s failed: %s\n", path, settings[k], sluice_connection_error(conn));
            rn->failed++;
        }
    }

    long failed_before = rn->failed;
    bool skipping = false;
    bool skip_next = false;      /* a `skipif` line applies to the next record */
    size_t i = 0;
    while (i < nlines) {
        const char *l = lines[i];
        if (is_blank(l) || l[0] == '#') {
            i++;
            continue;
        }
        size_t record_line = i + 1;
        if (strncmp(l, "skipif ", 7) == 0) {
            /* skipif memory_limit: the next record is skipped in --memory-limit mode (an
             * operator that cannot spill yet; the file says why) */
            skip_next = strcmp(l + 7, "memory_limit") == 0 && rn->memory_limit;
            i++;
            continue;
        }
        if (strncmp(l, "halt", 4) == 0)
            break;
        if (strncmp(l, "require", 7) == 0) {
            rn->skipped++;
            break;
        }
        if (strncmp(l, "mode skip", 9) == 0) {
            skipping = true;
            i++;
            continue;
        }
        if (strncmp(l, "mode unskip", 11) == 0) {
            skipping = false;
            i++;
            continue;
        }
        bool is_statement = strncmp(l, "statement", 9) == 0;
        bool is_query = strncmp(l, "query", 5) == 0;
        if (!is_statement && !is_query) {
            fprintf(stderr, "%s:%zu: unknown record '%s'\n", path, record_line, l);
            rn->failed++;
            i++;
            while (i < nlines && !is_blank(lines[i]))
                i++;
            continue;
        }
        const char *header = l;
        size_t sql_start = ++i;
        while (i < nlines && !is_blank(lines[i]) && strcmp(lines[i], "----") != 0)
            i++;
        char *sql = join_lines(lines, sql_start, i);
        size_t expected_start = i, expected_end = i;
        if (i < nlines && strcmp(lines[i], "----") == 0) {
            expected_start = ++i;
            while (i < nlines && !is_blank(lines[i]))
                i++;
            expected_end = i;
        }
        if (skipping || skip_next) {
            skip_next = false;
            rn->skipped++;
            free(sql);
            continue;
        }
        if (rn->verbose)
            fprintf(stderr, "%s:%zu\n", path, record_line);

        if (is_statement) {
            bool expect_error = strstr(header, "error") != NULL;
            sluice_status st = run_statement(conn, sql);
            if (!expect_error && st != SLUICE_OK && not_continuous(rn, conn)) {
                rn->skipped++;
            } else if (!expect_error && st != SLUICE_OK) {
                char msg[2048];
                snprintf(msg, sizeof msg, "statement failed: %s", sluice_connection_error(conn));
                report_failure(rn, path, record_line, sql, msg);
            } else if (expect_error && st == SLUICE_OK) {
                report_failure(rn, path, record_line, sql, "statement succeeded but an error was expected");
            } else if (expect_error && expected_end > expected_start) {
                char *fragment = join_lines(lines, expected_start, expected_end);
                fragment[strlen(fragment) - 1] = 0;
                if (!strstr(sluice_connection_error(conn), fragment)) {
                    char msg[4096];
                    snprintf(msg, sizeof msg, "error message '%s' does not contain '%s'", sluice_connection_error(conn),
                             fragment);
                    report_failure(rn, path, record_line, sql, msg);
                } else {
                    rn->passed++;
                }
                free(fragment);
            } else {
                rn->passed++;
            }
        } else {
            run_query_record(rn, conn, path, record_line, sql, header, lines + expected_start,
                             expected_end - expected_start);
        }
        free(sql);
        if (stop_on_failure && rn->failed > failed_before)
            break;
    }
    sluice_disconnect(conn);
    sluice_close(db);
    free(lines);
    free(text);
    if (rn->failed > failed_before)
        fprintf(stderr, "%s: %ld failures\n", path, rn->failed - failed_before);
}

int main(int argc, char **argv)
{
    runner rn = { 0 };
    bool stop_on_failure = false;
    int files = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--verbose") == 0) {
            rn.verbose = true;
        } else if (strcmp(argv[a], "--stop-on-failure") == 0) {
            stop_on_failure = true;
        } else if (strcmp(argv[a], "--streaming") == 0) {
            rn.streaming = true;
        } else if (strcmp(argv[a], "--memory-limit") == 0 && a + 1 < argc) {
            rn.memory_limit = argv[++a];
            if (strlen(rn.memory_limit) > 40 || strchr(rn.memory_limit, '\'')) {
                fprintf(stderr, "sqllogictest: --memory-limit expects a size such as 2MB, got '%s'\n", rn.memory_limit);
                return 2;
            }
        } else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc) {
            char *end = NULL;
            long n = strtol(argv[++a], &end, 10);
            if (!end || *end || n < 1 || n > 1024) {
                fprintf(stderr, "sqllogictest: --threads expects an integer between 1 and 1024, got '%s'\n", argv[a]);
                return 2;
            }
            rn.threads = (int)n;
        } else {
            run_file(&rn, argv[a], stop_on_failure);
            files++;
        }
    }
    if (files == 0) {
        fprintf(stderr, "usage: sqllogictest [--verbose] [--stop-on-failure] [--threads N] [--memory-limit SIZE] [--streaming] FILE...\n");
        return 2;
    }
    printf("sqllogictest: %d files, %ld skipped\n", files, rn.skipped);
    printf("%ld passed, %ld failed\n", rn.passed, rn.failed);
    return rn.failed ? 1 : 0;
}
