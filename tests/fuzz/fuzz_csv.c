/*
 * fuzz_csv.c — libFuzzer target for the CSV reader, driven through the public C API.
 *
 * The first input byte picks a read_csv option set (auto-detection, explicit header,
 * another delimiter, all_varchar, ignore_errors, explicit columns); the remaining bytes
 * are written to a temporary file and read with
 *     SELECT * FROM read_csv('<file>', <options>)
 * fetching every chunk and rendering every value as text. Sniffing, parsing, type
 * conversion and formatting all see the hostile bytes. Errors are fine (malformed CSV is
 * an Invalid Input error); crashes, sanitizer reports and leaks are not. Each input gets
 * its own database so nothing carries over between inputs.
 *
 * Built and run by scripts/run-fuzz.sh; seeds live in tests/fuzz/corpus/csv/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sluice.h"

static const char *const option_sets[] = {
    "",
    ", header = true",
    ", header = false",
    ", delim = '|', quote = '\"'",
    ", all_varchar = true",
    ", ignore_errors = true",
    ", sample_size = 1",
    ", columns = '{''a'': ''INTEGER'', ''b'': ''VARCHAR'', ''c'': ''DOUBLE''}'",
    ", delim = ';', header = true, ignore_errors = true",
    ", types = '[''DATE'', ''TIMESTAMP'', ''DECIMAL(15,2)'']', header = false",
};

static void fuzz_check(int ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *options = option_sets[data[0] % (sizeof option_sets / sizeof option_sets[0])];
    data++;
    size--;

    char path[64];
    snprintf(path, sizeof path, "/tmp/sluice-fuzz-csv-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return 0;
    }
    fclose(f);

    sluice_database *db = NULL;
    sluice_connection *conn = NULL;
    char *open_error = NULL;
    fuzz_check(sluice_open(NULL, &db, &open_error) == SLUICE_OK);
    fuzz_check(sluice_connect(db, &conn) == SLUICE_OK);

    char sql[512];
    snprintf(sql, sizeof sql, "SELECT * FROM read_csv('%s'%s)", path, options);
    sluice_result *result = NULL;
    if (sluice_query(conn, sql, &result) == SLUICE_OK && result) {
        uint32_t columns = sluice_result_column_count(result);
        for (uint32_t c = 0; c < columns; c++) {
            fuzz_check(sluice_result_column_name(result, c) != NULL);
            fuzz_check(sluice_result_column_type_name(result, c) != NULL);
        }
        char text[64];
        for (;;) {
            sluice_chunk *chunk = NULL;
            if (sluice_result_fetch(result, &chunk) != SLUICE_OK || !chunk)
                break;
            uint64_t rows = sluice_chunk_row_count(chunk);
            for (uint64_t r = 0; r < rows; r++)
                for (uint32_t c = 0; c < columns; c++)
                    if (!sluice_chunk_is_null(chunk, c, r))
                        (void)sluice_chunk_value_text(chunk, c, r, text, sizeof text);
            sluice_chunk_free(chunk);
        }
        sluice_result_free(result);
    } else {
        fuzz_check(sluice_connection_error(conn)[0] != '\0');
    }
    sluice_disconnect(conn);
    sluice_close(db);
    unlink(path);
    return 0;
}
