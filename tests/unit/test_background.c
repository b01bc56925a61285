/*
 * test_background.c — materialized views and sinks over UNBOUNDED sources (api/background.c):
 * their jobs run on threads of their own while the database serves other statements. A
 * view's rows appear and grow over time, the system table shows its query while it runs,
 * DROP stops it; a sink following a running view blocks the view's DROP; a file sink over
 * a paced source writes a file that keeps growing; sluice_close stops jobs still running.
 * (Bounded inputs are covered by tests/sql/streaming/materialized_view.test and sink.test.)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "sluice.h"

static sluice_result *query(sluice_connection *conn, const char *sql)
{
    sluice_result *r = NULL;
    sluice_status st = sluice_query(conn, sql, &r);
    if (st != SLUICE_OK)
        fprintf(stderr, "query failed: %s\n  %s\n", sluice_connection_error(conn), sql);
    CHECK_EQ_INT(st, SLUICE_OK);
    return r;
}

static void run(sluice_connection *conn, const char *sql) { sluice_result_free(query(conn, sql)); }

/* The text of (0, 0) of a batch query's result ("" when it has no rows). */
static void first_value(sluice_connection *conn, const char *sql, char *buf, size_t cap)
{
    buf[0] = 0;
    sluice_result *r = query(conn, sql);
    sluice_chunk *chunk = NULL;
    if (r && sluice_result_fetch(r, &chunk) == SLUICE_OK && chunk && sluice_chunk_row_count(chunk) > 0)
        sluice_chunk_value_text(chunk, 0, 0, buf, cap);
    sluice_chunk_free(chunk);
    sluice_result_free(r);
}

static long long value_int(sluice_connection *conn, const char *sql)
{
    char text[64];
    first_value(conn, sql, text, sizeof text);
    return atoll(text);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Polls `sql` (a count) until it exceeds `above`, for at most 10 s. */
static long long wait_above(sluice_connection *conn, const char *sql, long long above)
{
    long long v = 0;
    for (int i = 0; i < 1000 && (v = value_int(conn, sql)) <= above; i++)
        sleep_ms(10);
    return v;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void test_view_over_unbounded_source(void)
{
    sluice_database *db = NULL;
    sluice_connection *a = NULL, *b = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &a), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &b), SLUICE_OK);
    run(a, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid')");
    run(a, "CREATE MATERIALIZED VIEW per_bucket AS SELECT auction % 10 AS bucket, count(*) AS n FROM bid "
           "GROUP BY auction % 10");

    /* CREATE returned at once; rows appear and the counts keep growing */
    long long groups = wait_above(b, "SELECT count(*) FROM per_bucket", 0);
    CHECK(groups > 0 && groups <= 10);
    long long first = wait_above(b, "SELECT sum(n) FROM per_bucket", 0);
    CHECK(first > 0);
    long long later = wait_above(b, "SELECT sum(n) FROM per_bucket", first);
    CHECK(later > first);

    char text[256];
    sluice_result *show = query(b, "SHOW MATERIALIZED VIEWS");
    sluice_chunk *chunk = NULL;
    CHECK(show && sluice_result_fetch(show, &chunk) == SLUICE_OK && chunk);
    if (chunk) {
        sluice_chunk_value_text(chunk, 1, 0, text, sizeof text);
        CHECK_EQ_STR(text, "running");
    }
    sluice_chunk_free(chunk);
    sluice_result_free(show);

    /* the system table shows the view's query while it runs */
    CHECK(value_int(b, "SELECT count(*) FROM sluice_operator_metrics") > 0);
    CHECK(value_int(b, "SELECT rows_out FROM sluice_operator_metrics WHERE operator = 'TABLE_FUNCTION'") > 0);

    /* a sink following the running view: it writes the view's changelog with op first */
    const char *path = "/tmp/sluice_test_background_follow.csv";
    unlink(path);
    run(a, "CREATE SINK follow FROM per_bucket WITH (connector = 'file', path = '/tmp/sluice_test_background_follow.csv')");
    long long size = file_size(path);
    CHECK(size > 0);
    for (int i = 0; i < 1000 && file_size(path) <= size; i++)
        sleep_ms(10);
    CHECK(file_size(path) > size);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) {
        char header[64] = "";
        CHECK(fgets(header, sizeof header, f) != NULL);
        CHECK_EQ_STR(header, "op,bucket,n\n");
        fclose(f);
    }
    sluice_result *r = NULL;
    CHECK_EQ_INT(sluice_query(a, "DROP MATERIALIZED VIEW per_bucket", &r), SLUICE_ERROR_CATALOG);
    CHECK(strstr(sluice_connection_error(a), "sink follow reads materialized view per_bucket") != NULL);
    run(a, "DROP SINK follow");

    /* a source a running view reads cannot be dropped under it */
    CHECK_EQ_INT(sluice_query(a, "DROP SOURCE bid", &r), SLUICE_ERROR_CATALOG);
    CHECK(strstr(sluice_connection_error(a), "materialized view per_bucket reads \"bid\"") != NULL);

    /* DROP stops the job: its query leaves the system table, the name is free again */
    run(a, "DROP MATERIALIZED VIEW per_bucket");
    CHECK_EQ_INT((int)value_int(b, "SELECT count(*) FROM sluice_operator_metrics"), 0);
    CHECK_EQ_INT(sluice_query(b, "SELECT * FROM per_bucket", &r), SLUICE_ERROR_CATALOG);
    run(a, "CREATE MATERIALIZED VIEW per_bucket AS SELECT 1 AS one");
    CHECK_EQ_INT((int)value_int(b, "SELECT one FROM per_bucket"), 1);

    sluice_disconnect(a);
    sluice_disconnect(b);
    sluice_close(db);
}

static void test_file_sink_grows(void)
{
    sluice_database *db = NULL;
    sluice_connection *a = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &a), SLUICE_OK);
    const char *path = "/tmp/sluice_test_background_sink.json";
    unlink(path);
    run(a, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', pace = true, event_rate = 2000)");
    run(a, "CREATE SINK out AS SELECT auction, price FROM bid WHERE price > 100 "
           "WITH (connector = 'file', path = '/tmp/sluice_test_background_sink.json', format = 'json')");
    long long size = -1;
    for (int i = 0; i < 1000 && (size = file_size(path)) <= 0; i++)
        sleep_ms(10);
    CHECK(size > 0);
    long long grown = size;
    for (int i = 0; i < 1000 && (grown = file_size(path)) <= size; i++)
        sleep_ms(10);
    CHECK(grown > size);
    /* the file holds whole JSON lines of the query's columns */
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) {
        char line[256] = "";
        CHECK(fgets(line, sizeof line, f) != NULL);
        CHECK(strncmp(line, "{\"auction\":", 11) == 0);
        fclose(f);
    }
    char text[64];
    first_value(a, "SHOW SINKS", text, sizeof text);
    CHECK_EQ_STR(text, "out");
    /* sluice_close stops the running sink */
    sluice_disconnect(a);
    sluice_close(db);
    long long closed = file_size(path);
    sleep_ms(100);
    CHECK_EQ_INT((int)(file_size(path) == closed), 1);
}

static void test_failed_view(void)
{
    sluice_database *db = NULL;
    sluice_connection *a = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &a), SLUICE_OK);
    run(a, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid')");
    /* `extra` is random text: the cast fails on the first batch, in the background */
    run(a, "CREATE MATERIALIZED VIEW broken AS SELECT CAST(extra AS INTEGER) AS n FROM bid");
    char state[64] = "";
    for (int i = 0; i < 1000; i++) {
        sluice_result *r = query(a, "SHOW MATERIALIZED VIEWS");
        sluice_chunk *chunk = NULL;
        if (r && sluice_result_fetch(r, &chunk) == SLUICE_OK && chunk)
            sluice_chunk_value_text(chunk, 1, 0, state, sizeof state);
        sluice_chunk_free(chunk);
        sluice_result_free(r);
        if (strcmp(state, "running") != 0)
            break;
        sleep_ms(10);
    }
    CHECK_EQ_STR(state, "failed");
    sluice_result *r = NULL;
    CHECK_EQ_INT(sluice_query(a, "SELECT * FROM broken", &r), SLUICE_ERROR_INVALID_ARGUMENT);
    CHECK(strstr(sluice_connection_error(a), "materialized view broken failed: ") != NULL);
    /* a failed view no longer holds its source */
    run(a, "DROP SOURCE bid");
    run(a, "DROP MATERIALIZED VIEW broken");
    sluice_disconnect(a);
    sluice_close(db);
}

int main(void)
{
    CHECK_RUN(test_view_over_unbounded_source);
    CHECK_RUN(test_file_sink_grows);
    CHECK_RUN(test_failed_view);
    return CHECK_EXIT_CODE();
}
