/*
 * bind_stream_ddl.c — binding CREATE MATERIALIZED VIEW, CREATE SINK and materialized views
 * named in FROM.
 *
 *   CREATE MATERIALIZED VIEW v AS query        the query is bound here (errors point into
 *                                              the statement), its output is the schema
 *   CREATE SINK s FROM name | FROM (query) | AS query WITH (connector = 'file',
 *       path = '...', format = 'csv' | 'json') | WITH (connector = 'nats', server = '...',
 *       subject = '...', format = 'json' | 'debezium-json')
 *
 * `FROM name` names a materialized view (the sink follows the view's changes: stream_from),
 * a source or a table (the sink runs `SELECT * FROM name`). What runs is built by the
 * background job (api/background.c) from the bound statement: it binds the query text
 * again in an arena of its own, since the job outlives this statement.
 *
 * A materialized view in FROM is a TABLE_FUNCTION over sl_view_scan_function
 * (stream/view_scan.h) whose bind data names the view; the scan snapshots its rows.
 */
#include <stdio.h>
#include <string.h>

#include <strings.h>

#include "connect/kafka_sink.h"
#include "connect/nats_sink.h"
#include "sql/bind_internal.h"
#include "sql/parser.h"
#include "stream/view_scan.h"

static sl_status oom(sl_error *err) { return sl_error_oom(err); }

/* Outputs of the statement = the query's columns. */
static void set_query_outputs(sl_bound_statement *s)
{
    s->column_count = s->plan->column_count;
    s->names = s->plan->names;
    s->types = s->plan->types;
}

/* The constant text of a WITH option (strings as written, other constants formatted). */
static sl_status option_value_text(sl_binder *b, const sl_ast_option *o, const char **out, sl_error *err)
{
    sl_binder cb;
    sl_binder_init(&cb, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, b->nesting);
    sl_expr *e;
    sl_value v;
    SL_TRY(sl_bind_expr(&cb, o->value, SL_BIND_PLAIN, &e, err));
    SL_TRY(sl_bind_fold_constant(&cb, e, &v, err));
    if (v.is_null)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' cannot be NULL", o->name);
    char buf[128];
    if (v.type.id == SL_TYPE_VARCHAR)
        *out = sl_arena_strndup(b->arena, v.v.str.data, v.v.str.length);
    else {
        sl_value_format(&v, buf, sizeof buf);
        *out = sl_bind_strdup(b, buf);
    }
    return *out ? SL_OK : oom(err);
}

/* WITH (connector = 'nats', server = '...', subject = '...', format = 'json' |
 * 'debezium-json') of CREATE SINK (connect/nats_sink.h): sink_server, path = the subject. */
static sl_status bind_nats_sink_options(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->stream_format = "json";
    s->sink_server = "nats://127.0.0.1:4222";
    for (uint32_t i = 0; i < stmt->create_stream.option_count; i++) {
        const sl_ast_option *o = &stmt->create_stream.options[i];
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(stmt->create_stream.options[k].name, o->name) == 0)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' is given more than once",
                                       o->name);
        const char *text = NULL;
        SL_TRY(option_value_text(b, o, &text, err));
        sl_nats_sink_format format;
        if (strcmp(o->name, "connector") == 0) {
            continue;
        } else if (strcmp(o->name, "server") == 0) {
            if (!*text)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "sink option 'server' is empty");
            s->sink_server = text;
        } else if (strcmp(o->name, "subject") == 0) {
            sl_status st = sl_nats_sink_check_subject(text, err);
            if (st != SL_OK) {
                if (err)
                    err->position = o->position;
                return st;
            }
            s->path = text;
        } else if (strcmp(o->name, "format") == 0) {
            if (!sl_nats_sink_format_parse(text, &format))
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                       "unknown nats sink format '%s': use format = 'json' or 'debezium-json'", text);
            s->stream_format = format == SL_NATS_SINK_JSON ? "json" : "debezium-json";
        } else {
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "unknown sink option '%s' (a nats sink takes connector, server, subject, format)",
                                   o->name);
        }
    }
    if (!s->path)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, stmt->position, "a nats sink needs the option subject = '...'");
    return SL_OK;
}

/* WITH (connector = 'kafka', topic = '...', properties.bootstrap.server = '...', ...) of
 * CREATE SINK (connect/kafka_sink.h): kafka_sink, path = the topic. */
static sl_status bind_kafka_sink_options(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    uint32_t n = stmt->create_stream.option_count;
    sl_connector_option *options = sl_arena_calloc(b->arena, sizeof *options * (n ? n : 1));
    sl_kafka_sink_options *kafka = sl_arena_calloc(b->arena, sizeof *kafka);
    if (!options || !kafka)
        return oom(err);
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        const sl_ast_option *o = &stmt->create_stream.options[i];
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(stmt->create_stream.options[k].name, o->name) == 0)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' is given more than once",
                                       o->name);
        if (strcmp(o->name, "connector") == 0)
            continue;
        options[count] = (sl_connector_option){ .name = o->name, .position = o->position };
        SL_TRY(option_value_text(b, o, &options[count].value, err));
        count++;
    }
    SL_TRY(sl_kafka_sink_bind(b->arena, options, count, stmt->position, kafka, err));
    kafka->sink_name = s->table_name;
    s->kafka_sink = kafka;
    s->path = kafka->topic;
    s->stream_format = kafka->format == SL_KAFKA_SINK_JSON ? "json" : "debezium-json";
    return SL_OK;
}

/* WITH (connector = 'file', path = '...', format = 'csv' | 'json') of CREATE SINK. */
static sl_status bind_sink_options(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    const char *connector = NULL;
    for (uint32_t i = 0; i < stmt->create_stream.option_count; i++)   /* connector = 'nats': its own options */
        if (strcmp(stmt->create_stream.options[i].name, "connector") == 0 &&
            option_value_text(b, &stmt->create_stream.options[i], &connector, err) == SL_OK &&
            (strcasecmp(connector, "nats") == 0 || strcasecmp(connector, "kafka") == 0))
            return connector[0] == 'n' || connector[0] == 'N' ? bind_nats_sink_options(b, stmt, s, err)
                                                              : bind_kafka_sink_options(b, stmt, s, err);
    connector = NULL;
    s->stream_format = "csv";
    for (uint32_t i = 0; i < stmt->create_stream.option_count; i++) {
        const sl_ast_option *o = &stmt->create_stream.options[i];
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(stmt->create_stream.options[k].name, o->name) == 0)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' is given more than once",
                                       o->name);
        const char *text = NULL;
        SL_TRY(option_value_text(b, o, &text, err));
        if (strcmp(o->name, "connector") == 0) {
            if (strcasecmp(text, "file") != 0)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                       "unknown sink connector '%s': sinks support connector = 'file', 'nats' or 'kafka'", text);
            connector = text;
        } else if (strcmp(o->name, "path") == 0) {
            if (!*text)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "sink option 'path' is empty");
            s->path = text;
        } else if (strcmp(o->name, "format") == 0) {
            if (strcasecmp(text, "csv") == 0)
                s->stream_format = "csv";
            else if (strcasecmp(text, "json") == 0)
                s->stream_format = "json";
            else
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                       "unknown sink format '%s': use format = 'csv' or 'json'", text);
        } else {
            return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position,
                                   "unknown sink option '%s' (a file sink takes connector, path, format)", o->name);
        }
    }
    if (!connector)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, stmt->position,
                               "CREATE SINK needs WITH (connector = 'file', path = '...', format = 'csv' | 'json')");
    if (!s->path)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, stmt->position, "a file sink needs the option path = '...'");
    return SL_OK;
}

/* `SELECT * FROM "name"` with the name quoted as an identifier. */
static char *select_all_from(sl_binder *b, const char *name)
{
    size_t n = strlen(name);
    char *sql = sl_arena_alloc(b->arena, 2 * n + 32);
    if (!sql)
        return NULL;
    size_t at = (size_t)sprintf(sql, "SELECT * FROM \"");
    for (const char *c = name; *c; c++) {
        if (*c == '"')
            sql[at++] = '"';
        sql[at++] = *c;
    }
    sprintf(sql + at, "\"");
    return sql;
}

/* Binds `sql` (a query standing alone) as the statement's plan. */
static sl_status bind_query_text(sl_binder *b, const char *sql, sl_bound_statement *s, sl_error *err)
{
    sl_ast_stmt *stmt = NULL;
    size_t end = 0;
    SL_TRY(sl_parse_statement(b->arena, sql, 0, &stmt, &end, err));
    if (!stmt || stmt->kind != SL_AST_STMT_SELECT)
        return sl_error_set(err, SL_ERR_INTERNAL, "not a query: %s", sql);
    SL_TRY(sl_bind_subquery(b, NULL, stmt->select.query, NULL, 0, sql, &s->plan, err));
    set_query_outputs(s);
    return SL_OK;
}

sl_status sl_bind_create_stream(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    bool sink = stmt->kind == SL_AST_STMT_CREATE_SINK;
    const sl_ast_name *name = &stmt->create_stream.name;
    s->kind = sink ? SL_BOUND_CREATE_SINK : SL_BOUND_CREATE_MATERIALIZED_VIEW;
    s->if_not_exists = stmt->create_stream.if_not_exists;
    if (!(s->table_name = sl_bind_strdup(b, name->parts[name->count - 1].name)))
        return oom(err);
    if (sink)
        SL_TRY(bind_sink_options(b, stmt, s, err));
    if (s->if_not_exists && sl_catalog_find_stream_object(b->catalog, s->table_name))
        return SL_OK;   /* nothing to do: the query is not even bound */
    const sl_ast_name *from = &stmt->create_stream.from;
    if (from->count > 0) {
        const char *fname = from->parts[from->count - 1].name;
        sl_stream_object *object = sl_catalog_find_stream_object(b->catalog, fname);
        if (object && object->kind == SL_STREAM_OBJECT_MATERIALIZED_VIEW) {
            if (!(s->stream_from = sl_bind_strdup(b, object->name)))
                return oom(err);
            s->column_count = object->column_count;
            s->names = sl_arena_alloc(b->arena, sizeof(char *) * (object->column_count ? object->column_count : 1));
            s->types = sl_arena_alloc(b->arena, sizeof(sl_type) * (object->column_count ? object->column_count : 1));
            if (!s->names || !s->types)
                return oom(err);
            for (uint32_t c = 0; c < object->column_count; c++) {
                if (!(s->names[c] = sl_bind_strdup(b, object->columns[c].name)))
                    return oom(err);
                s->types[c] = object->columns[c].type;
            }
            return SL_OK;
        }
        if (object)
            return sl_error_set_at(err, SL_ERR_CATALOG, from->position, "a sink cannot read sink \"%s\"", fname);
        if (!sl_catalog_find_source(b->catalog, fname) && !sl_catalog_find_table(b->catalog, fname))
            return sl_error_set_at(err, SL_ERR_CATALOG, from->position,
                                   "CREATE SINK ... FROM %s: no materialized view, source or table has that name",
                                   fname);
        if (!(s->view_sql = select_all_from(b, fname)))
            return oom(err);
        return bind_query_text(b, s->view_sql, s, err);
    }
    s->view_sql = stmt->create_stream.query_text;
    if (stmt->create_stream.query->emit != SL_AST_EMIT_NONE)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, stmt->create_stream.query->position,
                               "EMIT does not apply to a %s: it keeps its query's changelog itself",
                               sink ? "sink" : "materialized view");
    SL_TRY(sl_bind_subquery(b, NULL, stmt->create_stream.query, NULL, 0, b->sql, &s->plan, err));
    set_query_outputs(s);
    return SL_OK;
}

sl_status sl_bind_view_scan(sl_binder *b, const sl_stream_object *view, int position, sl_logical_op **out,
                            sl_error *err)
{
    (void)position;
    uint32_t n = view->column_count;
    sl_view_scan_bind *bind = sl_arena_calloc(b->arena, sizeof *bind);
    sl_type *types = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
    const char **names = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
    if (!bind || !types || !names || !(bind->name = sl_bind_strdup(b, view->name)))
        return oom(err);
    for (uint32_t c = 0; c < n; c++) {
        types[c] = view->columns[c].type;
        if (!(names[c] = sl_bind_strdup(b, view->columns[c].name)))
            return oom(err);
    }
    bind->column_count = n;
    bind->types = types;
    sl_logical_op *op = sl_bind_new_op(b, SL_LOP_TABLE_FUNCTION, 0, err);
    if (!op)
        return err ? err->code : SL_ERR_OOM;
    op->function = &sl_view_scan_function;
    op->function_data = bind;
    op->function_column_count = n;
    op->function_types = types;
    op->function_names = names;
    op->table_index = sl_bind_next_index(b);
    SL_TRY(sl_logical_columns(b->ctx, op, err));
    *out = op;
    return SL_OK;
}
