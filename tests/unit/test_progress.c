/*
 * test_progress.c — unit tests for statement progress (sluice_query_progress): the
 * fraction of the known input the scans read. After a statement ends its counters stay
 * readable: a full table scan, a COPY FROM of a CSV file, read_csv and read_parquet end
 * at 1; a LIMIT that stops a large scan early ends below 1; a statement without scans of
 * known size reports -1. (The shell's progress bar reads the same counters from another
 * thread while the statement runs.)
 */
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

#include "sluice.h"

static sluice_status run(sluice_connection *conn, const char *sql)
{
    sluice_result *r = NULL;
    sluice_status st = sluice_query(conn, sql, &r);
    if (st != SLUICE_OK)
        fprintf(stderr, "%s: %s\n", sql, sluice_connection_error(conn));
    sluice_result_free(r);
    return st;
}

static void test_progress(void)
{
    sluice_database *db = NULL;
    sluice_connection *conn = NULL;
    CHECK_EQ_INT(sluice_open(NULL, &db, NULL), SLUICE_OK);
    CHECK_EQ_INT(sluice_connect(db, &conn), SLUICE_OK);
    CHECK(sluice_query_progress(conn) < 0);             /* nothing ran yet */
    CHECK(sluice_query_progress(NULL) < 0);

    CHECK_OK(run(conn, "CREATE TABLE t AS SELECT i, i * 2 AS j FROM range(0, 100000) r(i)"));
    CHECK(sluice_query_progress(conn) < 0);             /* range(): size not known */
    CHECK_OK(run(conn, "SELECT sum(j) FROM t"));
    CHECK(sluice_query_progress(conn) == 1.0);
    CHECK_OK(run(conn, "SET threads = 1"));
    CHECK_OK(run(conn, "SELECT * FROM t LIMIT 1"));     /* stops after the first chunk */
    double f = sluice_query_progress(conn);
    CHECK(f > 0 && f < 0.5);
    CHECK_OK(run(conn, "SELECT 42"));
    CHECK(sluice_query_progress(conn) < 0);

    char dir[] = "/tmp/sluice-test-progress-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(false);
        return;
    }
    char sql[512], csv[128], parquet[128];
    snprintf(csv, sizeof csv, "%s/t.csv", dir);
    snprintf(parquet, sizeof parquet, "%s/t.parquet", dir);
    snprintf(sql, sizeof sql, "COPY t TO '%s' (HEADER)", csv);
    CHECK_OK(run(conn, sql));
    snprintf(sql, sizeof sql, "COPY t TO '%s' (FORMAT parquet)", parquet);
    CHECK_OK(run(conn, sql));
    CHECK_OK(run(conn, "CREATE TABLE u (i BIGINT, j BIGINT)"));
    snprintf(sql, sizeof sql, "COPY u FROM '%s' (HEADER)", csv);
    CHECK_OK(run(conn, sql));
    CHECK(sluice_query_progress(conn) == 1.0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM read_csv('%s')", csv);
    CHECK_OK(run(conn, sql));
    CHECK(sluice_query_progress(conn) == 1.0);
    snprintf(sql, sizeof sql, "SELECT sum(i) FROM read_parquet('%s')", parquet);
    CHECK_OK(run(conn, sql));
    CHECK(sluice_query_progress(conn) == 1.0);
    unlink(csv);
    unlink(parquet);
    rmdir(dir);
    sluice_disconnect(conn);
    sluice_close(db);
}

int main(void)
{
    CHECK_RUN(test_progress);
    return CHECK_EXIT_CODE();
}
