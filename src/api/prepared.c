/*
 * prepared.c — prepared statements: the SQL is parsed once to check it and count its
 * parameters; each execution binds it afresh with the parameter values as typed
 * constants (so a parameter's type comes from its value, and plans see constants).
 */
#include <string.h>

#include "api/api_internal.h"
#include "sql/binder.h"
#include "sql/parser.h"

struct sluice_prepared {
    sluice_connection *connection;
    char *sql;
    uint32_t parameter_count;
    sl_value *values;
    bool *bound;
};

sluice_status sluice_prepare(sluice_connection *conn, const char *sql, sluice_prepared **out)
{
    if (!conn || !sql || !out)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_error err;
    sl_error_clear(&err);
    sl_arena arena;
    sl_arena_init(&arena, 0);
    sl_ast_stmt *stmt = NULL;
    size_t end = 0;
    sl_status st = sl_parse_statement(&arena, sql, 0, &stmt, &end, &err);
    if (st == SL_OK && !stmt)
        st = sl_error_set(&err, SL_ERR_INVALID_ARG, "cannot prepare an empty statement");
    if (st == SL_OK) {
        sl_ast_stmt *next = NULL;
        size_t next_end = 0;
        st = sl_parse_statement(&arena, sql, end, &next, &next_end, &err);
        if (st == SL_OK && next)
            st = sl_error_set_at(&err, SL_ERR_INVALID_ARG, (int)end,
                                 "a prepared statement holds exactly one statement; split the text");
    }
    if (st != SL_OK) {
        sl_arena_free(&arena);
        return sl_api_fail(conn, &err);
    }
    sluice_prepared *p = sl_calloc(1, sizeof *p);
    uint32_t count = sl_ast_parameter_count(stmt);
    sl_arena_free(&arena);
    if (!p || !(p->sql = sl_strdup(sql)) || !(p->values = sl_calloc(count ? count : 1, sizeof(sl_value))) ||
        !(p->bound = sl_calloc(count ? count : 1, sizeof(bool)))) {
        sluice_prepared_free(p);
        return sl_api_fail(conn, &(sl_error){ SL_ERR_OOM, -1, "out of memory preparing a statement" });
    }
    p->connection = conn;
    p->parameter_count = count;
    for (uint32_t i = 0; i < count; i++)
        p->values[i] = sl_value_null(sl_type_make(SL_TYPE_NULL));
    *out = p;
    return SLUICE_OK;
}

void sluice_prepared_free(sluice_prepared *p)
{
    if (!p)
        return;
    if (p->values)
        for (uint32_t i = 0; i < p->parameter_count; i++)
            sl_value_free(&p->values[i]);
    sl_free(p->values);
    sl_free(p->bound);
    sl_free(p->sql);
    sl_free(p);
}

uint32_t sluice_prepared_parameter_count(const sluice_prepared *p) { return p ? p->parameter_count : 0; }

static sluice_status bind_value(sluice_prepared *p, uint32_t index, sl_value value)
{
    if (!p)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    if (index < 1 || index > p->parameter_count) {
        sl_value_free(&value);
        sl_error err;
        sl_error_set(&err, SL_ERR_INVALID_ARG, "parameter index %u out of range: the statement has %u parameter%s",
                     index, p->parameter_count, p->parameter_count == 1 ? "" : "s");
        return sl_api_fail(p->connection, &err);
    }
    sl_value_free(&p->values[index - 1]);
    p->values[index - 1] = value;
    p->bound[index - 1] = true;
    return SLUICE_OK;
}

sluice_status sluice_bind_null(sluice_prepared *p, uint32_t index)
{
    return bind_value(p, index, sl_value_null(sl_type_make(SL_TYPE_NULL)));
}

sluice_status sluice_bind_boolean(sluice_prepared *p, uint32_t index, bool value)
{
    return bind_value(p, index, sl_value_boolean(value));
}

sluice_status sluice_bind_int64(sluice_prepared *p, uint32_t index, int64_t value)
{
    sl_type_id id = value >= INT32_MIN && value <= INT32_MAX ? SL_TYPE_INTEGER : SL_TYPE_BIGINT;
    return bind_value(p, index, sl_value_int(id, value));
}

sluice_status sluice_bind_double(sluice_prepared *p, uint32_t index, double value)
{
    return bind_value(p, index, sl_value_double(value));
}

sluice_status sluice_bind_text(sluice_prepared *p, uint32_t index, const char *value, size_t length)
{
    if (!p || (!value && length))
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_value v;
    sl_error err;
    if (sl_value_varchar(value ? value : "", (uint32_t)length, &v, &err) != SL_OK)
        return sl_api_fail(p->connection, &err);
    return bind_value(p, index, v);
}

sluice_status sluice_prepared_execute(sluice_prepared *p, sluice_result **out)
{
    if (!p)
        return SLUICE_ERROR_INVALID_ARGUMENT;
    sl_error err;
    sl_error_clear(&err);
    for (uint32_t i = 0; i < p->parameter_count; i++) {
        if (!p->bound[i]) {
            sl_error_set(&err, SL_ERR_INVALID_ARG, "parameter $%u has no value: bind it before executing", i + 1);
            return sl_api_fail(p->connection, &err);
        }
    }
    size_t end = 0;
    sluice_result *result = NULL;
    if (sl_run_statement(p->connection, p->sql, 0, &end, p->values, p->parameter_count, &result, &err) != SL_OK)
        return sl_api_fail(p->connection, &err);
    sl_error_clear(&p->connection->error);
    if (out)
        *out = result;
    else
        sluice_result_free(result);
    return SLUICE_OK;
}
