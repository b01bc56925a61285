/*
 * fuzz_parser.c — libFuzzer target for the SQL parser (src/sql/parser.h).
 *
 * Each input is treated as SQL text (cut at its first NUL byte): it is parsed with
 * sl_parse_all into a fresh arena, and also walked statement by statement with
 * sl_parse_statement and checked with sl_sql_is_complete, so both entry points the
 * engine and the shell use see the same hostile text. The target asserts only what the
 * parser promises: no crash, no leak (the arena owns everything), a syntax error carries
 * a message and a position inside the text.
 *
 * Built and run by scripts/run-fuzz.sh; seeds live in tests/fuzz/corpus/parser/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/status.h"
#include "sql/parser.h"

/* Invariant violation: crash loudly so libFuzzer records the input. */
static void fuzz_check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void check_error(const char *sql, sl_status st, const sl_error *err)
{
    if (st == SL_OK)
        return;
    fuzz_check(err->code == st);
    fuzz_check(err->message[0] != '\0');
    fuzz_check(err->position >= -1 && (size_t)(err->position + 1) <= strlen(sql) + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sql = malloc(size + 1);
    if (!sql)
        return 0;
    memcpy(sql, data, size);
    sql[size] = '\0';

    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_error err;
    sl_error_clear(&err);
    sl_ast_stmt **statements = NULL;
    uint32_t count = 0;
    sl_status st = sl_parse_all(&arena, sql, &statements, &count, &err);
    check_error(sql, st, &err);
    if (st == SL_OK)
        for (uint32_t i = 0; i < count; i++)
            fuzz_check(statements[i] != NULL);
    sl_arena_free(&arena);

    /* statement by statement, as sluice_query_first does */
    sl_arena_init(&arena, 0);
    size_t offset = 0, length = strlen(sql);
    for (int guard = 0; guard < 10000 && offset <= length; guard++) {
        sl_ast_stmt *statement = NULL;
        size_t end = offset;
        sl_error_clear(&err);
        st = sl_parse_statement(&arena, sql, offset, &statement, &end, &err);
        check_error(sql, st, &err);
        if (st != SL_OK || !statement)
            break;
        fuzz_check(end > offset && end <= length);
        offset = end;
        sl_arena_reset(&arena);
    }
    sl_arena_free(&arena);

    (void)sl_sql_is_complete(sql);
    free(sql);
    return 0;
}
