/*
 * bind_source.c — sources in the binder: CREATE SOURCE (options folded to text, the
 * connector's validation and schema, the watermark bound against the schema) and a source
 * referenced in FROM (a TABLE_FUNCTION over the connector's scan).
 *
 * A source is bound afresh at every reference, like a view: its stored options go through
 * the connector's bind again, which yields the scan's bind data in the query's arena.
 * The scan carries the source and its watermark expression (bound over the scan's own
 * columns) so that a continuous query can generate watermarks (src/stream/README.md).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "connect/connector.h"
#include "sql/bind_internal.h"
#include "sql/parser.h"

static sl_status oom(sl_error *err) { return sl_error_oom(err); }

/* The connector spec of a source definition (options borrowed from it). */
static sl_status source_spec(sl_binder *b, const sl_source *source, int position, const int *option_positions,
                             sl_connector_spec *spec, sl_error *err)
{
    memset(spec, 0, sizeof *spec);
    sl_connector_option *opts = sl_arena_calloc(b->arena, sizeof *opts * (source->option_count ? source->option_count : 1));
    if (!opts)
        return oom(err);
    for (uint32_t i = 0; i < source->option_count; i++) {
        opts[i].name = source->options[i].name;
        opts[i].value = source->options[i].value;
        opts[i].position = option_positions ? option_positions[i] : position;
    }
    spec->source_name = source->name;
    spec->options = opts;
    spec->option_count = source->option_count;
    spec->columns = source->columns;
    spec->column_count = source->column_count;
    spec->position = position;
    spec->catalog = b->catalog;
    return SL_OK;
}

/* Text of a folded option value: strings as written, booleans true/false, numbers as text. */
static char *option_text(sl_binder *b, const sl_value *v)
{
    if (v->is_null)
        return NULL;
    if (v->type.id == SL_TYPE_VARCHAR)
        return sl_arena_strndup(b->arena, v->v.str.data, v->v.str.length);
    char buf[128];
    sl_value_format(v, buf, sizeof buf);
    return sl_bind_strdup(b, buf);
}

/* Binds `ast` as the watermark expression over the source's columns, which carry the
 * bindings (table_index, column number); it must be a TIMESTAMP. *out may be NULL. */
static sl_status bind_watermark(sl_binder *b, const sl_source *source, const sl_ast_expr *ast, int position,
                                uint32_t table_index, sl_expr **out, sl_error *err)
{
    uint32_t n = source->column_count;
    const char **names = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
    sl_type *types = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
    sl_column_binding *bindings = sl_arena_alloc(b->arena, sizeof(sl_column_binding) * (n ? n : 1));
    if (!names || !types || !bindings)
        return oom(err);
    for (uint32_t i = 0; i < n; i++) {
        names[i] = source->columns[i].name;
        types[i] = source->columns[i].type;
        bindings[i].table_index = table_index;
        bindings[i].column_index = i;
    }
    sl_binder wb;
    sl_binder_init(&wb, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, b->nesting);
    SL_TRY(sl_bind_scope_add(&wb, source->name, n, names, types, bindings, position, err));
    sl_expr *e = NULL;
    sl_status st = sl_bind_expr(&wb, ast, SL_BIND_PLAIN, &e, err);
    sl_free(wb.groups);
    sl_free(wb.aggregates);
    sl_free(wb.windows);
    SL_TRY(st);
    if (e->type.id != SL_TYPE_TIMESTAMP) {
        char tn[32];
        return sl_error_set_at(err, SL_ERR_TYPE, ast->position,
                               "the watermark expression of source \"%s\" must be a TIMESTAMP, not %s", source->name,
                               sl_type_name(e->type, tn, sizeof tn));
    }
    if (out)
        *out = e;
    return SL_OK;
}

sl_status sl_bind_create_source(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    const __typeof__(stmt->create_source) *cs = &stmt->create_source;
    s->kind = SL_BOUND_CREATE_SOURCE;
    s->if_not_exists = cs->if_not_exists;
    s->or_replace = cs->or_replace;
    sl_source *src = sl_arena_calloc(b->arena, sizeof *src);
    if (!src)
        return oom(err);
    src->name = sl_bind_strdup(b, cs->name.parts[cs->name.count - 1].name);
    s->table_name = src->name;
    s->source = src;
    if (!src->name)
        return oom(err);

    /* options: fold each value to text; `connector` picks the connector */
    uint32_t n = cs->option_count;
    src->options = sl_arena_calloc(b->arena, sizeof(sl_source_option) * (n ? n : 1));
    int *positions = sl_arena_alloc(b->arena, sizeof(int) * (n ? n : 1));
    if (!src->options || !positions)
        return oom(err);
    const sl_ast_option *connector_option = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const sl_ast_option *o = &cs->options[i];
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(cs->options[k].name, o->name) == 0)
                return sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' is given more than once",
                                       o->name);
        sl_binder cb;
        sl_binder_init(&cb, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, b->nesting);
        sl_expr *e;
        sl_value v;
        SL_TRY(sl_bind_expr(&cb, o->value, SL_BIND_PLAIN, &e, err));
        SL_TRY(sl_bind_fold_constant(&cb, e, &v, err));
        char *text = option_text(b, &v);
        if (!text)
            return v.is_null ? sl_error_set_at(err, SL_ERR_INVALID_ARG, o->position, "option '%s' cannot be NULL",
                                               o->name)
                             : oom(err);
        if (strcmp(o->name, "connector") == 0) {
            connector_option = o;
            src->connector = text;
            continue;
        }
        positions[src->option_count] = o->position;
        src->options[src->option_count].name = o->name;
        src->options[src->option_count].value = text;
        src->option_count++;
    }
    if (!connector_option)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, stmt->position,
                               "CREATE SOURCE needs the option connector = '...' (one of: %s)", sl_connector_names());
    const sl_connector *connector = sl_connector_find(src->connector);
    if (!connector)
        return sl_error_set_at(err, SL_ERR_INVALID_ARG, connector_option->position,
                               "unknown connector '%s' (known connectors: %s)", src->connector, sl_connector_names());
    src->connector = sl_bind_strdup(b, connector->name);

    /* declared columns */
    src->column_count = cs->column_count;
    src->columns = sl_arena_calloc(b->arena, sizeof(sl_column_def) * (cs->column_count ? cs->column_count : 1));
    if (!src->columns || !src->connector)
        return oom(err);
    for (uint32_t i = 0; i < cs->column_count; i++) {
        const sl_ast_column_def *cd = &cs->columns[i];
        for (uint32_t k = 0; k < i; k++)
            if (strcasecmp(cs->columns[k].name.name, cd->name.name) == 0)
                return sl_error_set_at(err, SL_ERR_CATALOG, cd->position, "Column with name %s already exists!",
                                       cd->name.name);
        const sl_ast_type *at = &cd->type;
        if (at->array_dims > 0)
            return sl_error_set_at(err, SL_ERR_TYPE, at->position, "LIST types are not supported yet");
        /* TIMESTAMP(3) (Flink's DDL) is our TIMESTAMP: precision is accepted and ignored */
        bool timestamp = strcmp(at->name, "timestamp") == 0;
        if (!sl_type_parse(at->name, !timestamp && at->param_count > 0 ? (int)at->params[0] : -1,
                           !timestamp && at->param_count > 1 ? (int)at->params[1] : -1, &src->columns[i].type))
            return sl_error_set_at(err, SL_ERR_CATALOG, at->position, "Type with name %s does not exist!", at->name);
        src->columns[i].name = cd->name.name;
        src->columns[i].not_null = cd->not_null;
    }

    /* the connector validates the options and decides the schema */
    sl_connector_spec spec;
    sl_connector_bound bound;
    memset(&bound, 0, sizeof bound);
    SL_TRY(source_spec(b, src, stmt->position, positions, &spec, err));
    SL_TRY(connector->bind(b->arena, &spec, &bound, err));
    sl_column_def *schema = sl_arena_calloc(b->arena, sizeof(sl_column_def) * (bound.column_count ? bound.column_count : 1));
    if (!schema)
        return oom(err);
    for (uint32_t i = 0; i < bound.column_count; i++) {
        schema[i].name = (char *)bound.names[i];
        schema[i].type = bound.types[i];
        schema[i].not_null = i < cs->column_count && src->columns[i].not_null;
    }
    src->columns = schema;
    src->column_count = bound.column_count;
    src->bounded = bound.bounded;
    src->changelog = bound.changelog;

    /* watermark: declared, else the connector's default */
    src->watermark_column = -1;
    const char *column = cs->watermark_column.name;
    const sl_ast_expr *expr = cs->watermark;
    int position = cs->watermark_column.position;
    const char *text = cs->watermark_text;
    if (!column && bound.default_watermark_column) {
        column = bound.default_watermark_column;
        text = bound.default_watermark_sql;
        position = stmt->position;
        sl_ast_expr *parsed = NULL;
        SL_TRY(sl_parse_expression(b->arena, text, &parsed, err));
        expr = parsed;
    }
    if (column) {
        for (uint32_t i = 0; i < src->column_count; i++)
            if (strcasecmp(src->columns[i].name, column) == 0)
                src->watermark_column = (int32_t)i;
        if (src->watermark_column < 0)
            return sl_error_set_at(err, SL_ERR_CATALOG, position,
                                   "WATERMARK FOR \"%s\": source \"%s\" has no such column", column, src->name);
        const sl_column_def *wc = &src->columns[src->watermark_column];
        if (wc->type.id != SL_TYPE_TIMESTAMP) {
            char tn[32];
            return sl_error_set_at(err, SL_ERR_TYPE, position,
                                   "WATERMARK FOR \"%s\": the event-time column must be a TIMESTAMP, not %s",
                                   wc->name, sl_type_name(wc->type, tn, sizeof tn));
        }
        const char *saved_sql = b->sql;
        if (expr != cs->watermark)
            b->sql = text;
        sl_status st = bind_watermark(b, src, expr, position, sl_bind_next_index(b), NULL, err);
        b->sql = saved_sql;
        if (st != SL_OK) {
            if (expr != cs->watermark && err)
                err->position = stmt->position;
            return st;
        }
        src->watermark_sql = sl_bind_strdup(b, text);
        if (!src->watermark_sql)
            return oom(err);
    }
    return SL_OK;
}

sl_status sl_bind_source_scan(sl_binder *b, const sl_source *source, int position, sl_logical_op **out,
                              sl_error *err)
{
    const sl_connector *connector = sl_connector_find(source->connector);
    if (!connector)
        return sl_error_set_at(err, SL_ERR_INTERNAL, position, "source \"%s\" has an unknown connector '%s'",
                               source->name, source->connector);
    sl_connector_spec spec;
    sl_connector_bound bound;
    memset(&bound, 0, sizeof bound);
    SL_TRY(source_spec(b, source, position, NULL, &spec, err));
    if (source->watermark_column >= 0 && (uint32_t)source->watermark_column < source->column_count)
        spec.event_time_column = source->columns[source->watermark_column].name;
    SL_TRY(connector->bind(b->arena, &spec, &bound, err));
    if (bound.column_count != source->column_count)
        return sl_error_set_at(err, SL_ERR_INTERNAL, position, "source \"%s\": connector schema changed", source->name);
    sl_logical_op *op = sl_bind_new_op(b, SL_LOP_TABLE_FUNCTION, 0, err);
    if (!op)
        return err ? err->code : SL_ERR_OOM;
    op->function = connector->scan;
    op->function_data = bound.bind_data;
    op->function_column_count = bound.column_count;
    op->function_types = bound.types;
    op->function_names = bound.names;
    op->table_index = sl_bind_next_index(b);
    op->source = source;
    if (source->watermark_sql) {
        sl_ast_expr *parsed = NULL;
        SL_TRY(sl_parse_expression(b->arena, source->watermark_sql, &parsed, err));
        const char *saved_sql = b->sql;
        b->sql = source->watermark_sql;
        sl_status st = bind_watermark(b, source, parsed, 0, op->table_index, &op->watermark, err);
        b->sql = saved_sql;
        if (st != SL_OK) {
            if (err)
                err->position = position;
            return st;
        }
    }
    SL_TRY(sl_logical_columns(b->ctx, op, err));
    *out = op;
    return SL_OK;
}
