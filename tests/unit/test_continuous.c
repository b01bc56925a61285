/*
 * test_continuous.c — continuous queries through the public C API: a query over an
 * unbounded source returns a live result whose rows arrive as it runs, the system tables
 * show its operators and watermarks from another connection meanwhile, sluice_interrupt
 * ends it, and a bounded run equals the batch result.
 */
#include <stdlib.h>

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

/* The text of (row, column) of the first chunk of a batch query's result. */
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

static void test_live_result_and_system_tables(void)
{
    sluice_database *db = NULL;
    sluice_connection *a = NULL, *b = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &a), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &b), SLUICE_OK);
    sluice_result_free(query(a, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid')"));

    sluice_result *live = query(a, "SELECT auction, price, dateTime FROM bid WHERE price > 1000");
    CHECK(live != NULL);
    CHECK(sluice_result_is_continuous(live));
    CHECK_EQ_INT(sluice_result_column_count(live), 3);
    /* rows arrive while the (endless) query runs */
    uint64_t rows = 0;
    for (int i = 0; i < 5; i++) {
        sluice_chunk *chunk = NULL;
        CHECK_EQ_INT(sluice_result_fetch(live, &chunk), SLUICE_OK);
        CHECK(chunk != NULL);
        rows += sluice_chunk_row_count(chunk);
        sluice_chunk_free(chunk);
    }
    CHECK(rows > 0);

    /* another connection sees its operators and the source's watermark */
    char text[128];
    first_value(b, "SELECT count(*) FROM sluice_operator_metrics", text, sizeof text);
    CHECK_EQ_STR(text, "4");   /* RESULT, PROJECTION, FILTER, TABLE_FUNCTION */
    first_value(b, "SELECT rows_out FROM sluice_operator_metrics WHERE operator = 'TABLE_FUNCTION'", text,
                sizeof text);
    CHECK(atoll(text) > 0);
    first_value(b, "SELECT rows_in >= rows_out FROM sluice_operator_metrics WHERE operator = 'FILTER'", text,
                sizeof text);
    CHECK_EQ_STR(text, "true");
    first_value(b, "SELECT source FROM sluice_watermarks", text, sizeof text);
    CHECK_EQ_STR(text, "bid");
    first_value(b, "SELECT watermark IS NOT NULL AND lag > INTERVAL '0' SECOND FROM sluice_watermarks", text,
                sizeof text);
    CHECK_EQ_STR(text, "true");

    /* interrupting ends it: the next fetch reports the cancellation */
    sluice_interrupt(a);
    sluice_chunk *chunk = NULL;
    CHECK_EQ_INT(sluice_result_fetch(live, &chunk), SLUICE_ERROR_CANCELLED);
    CHECK(chunk == NULL);
    sluice_result_free(live);
    first_value(b, "SELECT count(*) FROM sluice_operator_metrics", text, sizeof text);
    CHECK_EQ_STR(text, "0");

    sluice_disconnect(a);
    sluice_disconnect(b);
    sluice_close(db);
}

static void test_updating_snapshot_and_progress(void)
{
    sluice_database *db = NULL;
    sluice_connection *c = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &c), SLUICE_OK);
    sluice_result_free(query(c, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid')"));
    sluice_result *live = query(c, "SELECT channel, count(*) FROM bid GROUP BY channel");
    CHECK(sluice_result_is_continuous(live));
    CHECK(sluice_result_is_updating(live));
    /* an updating result delivers nothing before its inputs end: polls time out */
    sluice_chunk *chunk = NULL;
    CHECK_EQ_INT(sluice_result_poll(live, 50, &chunk), SLUICE_OK);
    CHECK(chunk == NULL);
    CHECK(!sluice_result_is_finished(live));
    sluice_result *snap = NULL;
    CHECK_EQ_INT(sluice_result_snapshot(live, &snap), SLUICE_OK);
    uint64_t rows = 0;
    while (sluice_result_fetch(snap, &chunk) == SLUICE_OK && chunk) {
        rows += sluice_chunk_row_count(chunk);
        sluice_chunk_free(chunk);
    }
    sluice_result_free(snap);
    CHECK(rows > 0);
    sluice_progress progress;
    CHECK_EQ_INT(sluice_result_progress(live, &progress), SLUICE_OK);
    CHECK(progress.source_rows > 0);
    CHECK(progress.has_watermark);
    CHECK(progress.state_rows >= rows);
    sluice_interrupt(c);
    CHECK_EQ_INT(sluice_result_poll(live, 50, &chunk), SLUICE_ERROR_CANCELLED);
    sluice_result_free(live);
    sluice_disconnect(c);
    sluice_close(db);
}

static void test_source_splits_table(void)
{
    sluice_database *db = NULL;
    sluice_connection *a = NULL, *b = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &a), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &b), SLUICE_OK);
    sluice_result_free(query(a, "CREATE TABLE ev AS SELECT i % 3 AS p, TIMESTAMP '2024-01-01' + i * INTERVAL '1' "
                                "SECOND AS ts FROM generate_series(1, 3000) AS g(i)"));
    sluice_result_free(query(a, "CREATE SOURCE s (p BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = "
                                "'table', table = 'ev', rows_per_batch = 10, partition_column = 'p', "
                                "rows_per_second = 20000)"));
    sluice_result_free(query(a, "SET execution_mode = 'streaming'"));
    sluice_result *live = query(a, "SELECT p, ts FROM s");
    sluice_chunk *chunk = NULL;
    CHECK_EQ_INT(sluice_result_fetch(live, &chunk), SLUICE_OK);
    sluice_chunk_free(chunk);
    char text[128];
    first_value(b, "SELECT count(*) FROM sluice_sources WHERE source = 's'", text, sizeof text);
    CHECK_EQ_STR(text, "3");   /* one row per partition */
    first_value(b, "SELECT sum(rows) > 0 AND sum(rows) + sum(lag) = 3000 FROM sluice_sources", text, sizeof text);
    CHECK_EQ_STR(text, "true");
    first_value(b, "SELECT count(watermark) >= 1 FROM sluice_sources", text, sizeof text);
    CHECK_EQ_STR(text, "true");
    sluice_interrupt(a);
    sluice_result_free(live);
    sluice_disconnect(a);
    sluice_disconnect(b);
    sluice_close(db);
}

static void test_bounded_run_equals_batch(void)
{
    sluice_database *db = NULL;
    sluice_connection *c = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &c), SLUICE_OK);
    sluice_result_free(query(c, "CREATE SOURCE bid WITH (connector = 'nexmark', table = 'bid', max_events = 20000)"));
    const char *sql = "SELECT sum(n), sum(total) FROM (SELECT auction, count(*) AS n, sum(price) AS total "
                      "FROM bid GROUP BY auction)";
    char batch[128], streaming[128];
    first_value(c, sql, batch, sizeof batch);
    sluice_result_free(query(c, "SET execution_mode = 'streaming'"));
    sluice_result *r = query(c, sql);
    CHECK(sluice_result_is_continuous(r));
    sluice_result_free(r);
    first_value(c, sql, streaming, sizeof streaming);
    CHECK_EQ_STR(streaming, batch);
    CHECK_EQ_STR(batch, "18400");
    sluice_disconnect(c);
    sluice_close(db);
}

int main(void)
{
    CHECK_RUN(test_live_result_and_system_tables);
    CHECK_RUN(test_updating_snapshot_and_progress);
    CHECK_RUN(test_source_splits_table);
    CHECK_RUN(test_bounded_run_equals_batch);
    return CHECK_EXIT_CODE();
}
