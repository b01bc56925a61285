/*
 * embed.c — embedding Sluice in a C program through include/sluice.h.
 *
 * Opens an in-memory database, creates and fills a table, prints a query result with
 * sluice_chunk_value_text, runs a prepared statement with parameters, shows how an error
 * is reported (message + byte offset into the SQL), and cleans up. Every call returns a
 * status; nothing in the library aborts the program.
 *
 * Built by CMake as build/<type>/example_embed; by hand:
 *   cc -Iinclude examples/embed.c build/release/libsluice.a -lpcre2-8 -lxxhash -lm -lpthread
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.h"

/* Prints every row of a result as tab-separated text, with a header line. */
static int print_result(sluice_connection *conn, sluice_result *result)
{
    uint32_t columns = sluice_result_column_count(result);
    for (uint32_t c = 0; c < columns; c++)
        printf("%s%s (%s)", c ? "\t" : "", sluice_result_column_name(result, c),
               sluice_result_column_type_name(result, c));
    printf("\n");
    char text[256];
    for (;;) {
        sluice_chunk *chunk = NULL;
        if (sluice_result_fetch(result, &chunk) != SLUICE_OK) {
            fprintf(stderr, "fetch failed: %s\n", sluice_connection_error(conn));
            return 1;
        }
        if (!chunk)
            break;                                  /* end of the result */
        for (uint64_t r = 0; r < sluice_chunk_row_count(chunk); r++) {
            for (uint32_t c = 0; c < columns; c++) {
                const char *value = text;
                if (sluice_chunk_is_null(chunk, c, r))
                    value = "NULL";
                else if (sluice_chunk_value_text(chunk, c, r, text, sizeof text) >= sizeof text)
                    value = "(too long for this example's buffer)";
                printf("%s%s", c ? "\t" : "", value);
            }
            printf("\n");
        }
        sluice_chunk_free(chunk);
    }
    return 0;
}

/* Runs sql and prints its rows; returns 0 on success. */
static int run(sluice_connection *conn, const char *sql)
{
    sluice_result *result = NULL;
    if (sluice_query(conn, sql, &result) != SLUICE_OK) {
        fprintf(stderr, "%s\n", sluice_connection_error(conn));
        return 1;
    }
    int rc = 0;
    if (result && sluice_result_returns_rows(result))
        rc = print_result(conn, result);
    sluice_result_free(result);
    return rc;
}

int main(void)
{
    sluice_database *db = NULL;
    sluice_connection *conn = NULL;
    char *open_error = NULL;
    printf("Sluice %s\n", sluice_version());

    /* 1. open an in-memory database and connect */
    if (sluice_open(":memory:", &db, &open_error) != SLUICE_OK) {
        fprintf(stderr, "cannot open: %s\n", open_error ? open_error : "?");
        sluice_free(open_error);
        return 1;
    }
    if (sluice_connect(db, &conn) != SLUICE_OK) {
        fprintf(stderr, "cannot connect\n");
        sluice_close(db);
        return 1;
    }

    int rc = 0;
    /* 2. create and fill a table (several statements in one call) */
    rc |= run(conn, "CREATE TABLE readings(sensor VARCHAR, taken_at TIMESTAMP, celsius DECIMAL(5,2));"
                    "INSERT INTO readings VALUES"
                    "  ('north', TIMESTAMP '2026-01-05 08:00:00', 3.25),"
                    "  ('north', TIMESTAMP '2026-01-05 09:00:00', 4.50),"
                    "  ('south', TIMESTAMP '2026-01-05 08:00:00', 11.75),"
                    "  ('south', TIMESTAMP '2026-01-05 09:00:00', NULL);");

    /* 3. a query, printed value by value */
    printf("\n-- average per sensor\n");
    rc |= run(conn, "SELECT sensor, count(celsius) AS readings, avg(celsius) AS average "
                    "FROM readings GROUP BY sensor ORDER BY sensor");

    /* 4. a prepared statement with parameters ($1, $2), executed twice */
    printf("\n-- prepared: readings of a sensor above a threshold\n");
    sluice_prepared *stmt = NULL;
    if (sluice_prepare(conn, "SELECT taken_at, celsius FROM readings WHERE sensor = $1 AND celsius > $2 "
                             "ORDER BY taken_at", &stmt) != SLUICE_OK) {
        fprintf(stderr, "prepare failed: %s\n", sluice_connection_error(conn));
        rc = 1;
    } else {
        printf("parameters: %u\n", sluice_prepared_parameter_count(stmt));
        const char *sensors[] = { "north", "south" };
        for (int i = 0; i < 2; i++) {
            sluice_result *result = NULL;
            if (sluice_bind_text(stmt, 1, sensors[i], strlen(sensors[i])) != SLUICE_OK ||
                sluice_bind_double(stmt, 2, 4.0) != SLUICE_OK ||
                sluice_prepared_execute(stmt, &result) != SLUICE_OK) {
                fprintf(stderr, "execute failed: %s\n", sluice_connection_error(conn));
                rc = 1;
                continue;
            }
            printf("sensor = %s\n", sensors[i]);
            rc |= print_result(conn, result);
            sluice_result_free(result);
        }
        sluice_prepared_free(stmt);
    }

    /* 5. an error: the message names the problem, the offset points into the SQL */
    printf("\n-- an error\n");
    const char *bad = "SELECT sensor, celsius FROM readngs";
    sluice_result *result = NULL;
    sluice_status st = sluice_query(conn, bad, &result);
    if (st == SLUICE_OK) {
        fprintf(stderr, "expected an error\n");
        sluice_result_free(result);
        rc = 1;
    } else {
        int offset = sluice_connection_error_offset(conn);
        printf("status %d: %s\n", (int)st, sluice_connection_error(conn));
        if (offset >= 0)
            printf("  %s\n  %*s^\n", bad, offset, "");
    }

    /* 6. cleanup: connections before the database */
    sluice_disconnect(conn);
    sluice_close(db);
    return rc;
}
