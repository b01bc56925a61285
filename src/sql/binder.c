/*
 * binder.c — entry point of the binder: statements (queries, EXPLAIN, CREATE TABLE [AS],
 * CREATE VIEW, DROP, INSERT, COPY, SET/RESET/SHOW, DESCRIBE, SHOW TABLES, SHOW SOURCES;
 * CREATE SOURCE is in bind_source.c) and the
 * parameter counter. Queries are bound by bind_query.c, FROM items by bind_from.c and
 * expressions by bind_expr.c; see binder.h for the plan shapes and conventions.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/bind_internal.h"

void sl_binder_init(sl_binder *b, sl_plan_context *ctx, sl_catalog *catalog, const char *sql,
                    const sl_bind_options *options, sl_binder *parent, const sl_bind_cte *ctes, int nesting)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    b->arena = ctx->arena;
    b->catalog = catalog;
    b->sql = sql;
    b->options = options;
    b->parent = parent;
    b->ctes = ctes;
    b->nesting = nesting;
    b->group_index = b->aggregate_index = b->window_index = UINT32_MAX;
}

sl_logical_op *sl_bind_new_op(sl_binder *b, sl_logical_kind kind, uint32_t child_count, sl_error *err)
{
    sl_logical_op *op = sl_logical_new(b->ctx, kind, child_count);
    if (!op)
        sl_error_oom(err);
    return op;
}

uint32_t sl_bind_next_index(sl_binder *b) { return b->ctx->next_table_index++; }

char *sl_bind_strdup(sl_binder *b, const char *s) { return s ? sl_arena_strdup(b->arena, s) : NULL; }

static sl_status oom(sl_error *err) { return sl_error_oom(err); }

static const char *last_part(const sl_ast_name *n) { return n->parts[n->count - 1].name; }

static sl_status find_table(sl_binder *b, const sl_ast_name *name, int position, sl_table **out, sl_error *err)
{
    const char *tname = last_part(name);
    sl_table *t = sl_catalog_find_table(b->catalog, tname);
    if (t) {
        *out = t;
        return SL_OK;
    }
    const char *suggest = sl_catalog_suggest(b->catalog, tname);
    if (suggest)
        return sl_error_set_at(err, SL_ERR_CATALOG, position, "Table with name %s does not exist! Did you mean \"%s\"?",
                               tname, suggest);
    return sl_error_set_at(err, SL_ERR_CATALOG, position, "Table with name %s does not exist!", tname);
}

static sl_status set_outputs(sl_bound_statement *s)
{
    if (s->plan) {
        s->column_count = s->plan->column_count;
        s->names = s->plan->names;
        s->types = s->plan->types;
    }
    return SL_OK;
}

/* ---------------------------------------------------------------- constant tables */

/* A query over a constant VARCHAR table (SHOW TABLES, DESCRIBE): rows x ncols cells. */
static sl_status string_table(sl_binder *b, uint32_t ncols, const char *const *names, uint32_t nrows,
                              const char *const *cells, sl_logical_op **out, sl_error *err)
{
    sl_logical_op *src;
    if (nrows > 0) {
        src = sl_bind_new_op(b, SL_LOP_VALUES, 0, err);
        if (!src)
            return err ? err->code : SL_ERR_OOM;
        src->row_count = nrows;
        src->value_width = ncols;
        src->values = sl_arena_alloc(b->arena, sizeof(sl_expr *) * nrows * ncols);
        if (!src->values)
            return oom(err);
        for (uint32_t i = 0; i < nrows * ncols; i++) {
            sl_value v;
            if (cells[i]) {
                SL_TRY(sl_value_varchar(cells[i], (uint32_t)strlen(cells[i]), &v, err));
            } else {
                v = sl_value_null(sl_type_make(SL_TYPE_VARCHAR));
            }
            src->values[i] = sl_expr_constant(b->arena, &v);
            sl_value_free(&v);
            if (!src->values[i])
                return oom(err);
        }
        src->table_index = sl_bind_next_index(b);
        SL_TRY(sl_logical_columns(b->ctx, src, err));
    } else {
        src = sl_bind_new_op(b, SL_LOP_EMPTY, 0, err);
        if (!src)
            return err ? err->code : SL_ERR_OOM;
        uint32_t ti = sl_bind_next_index(b);
        src->column_count = ncols;
        src->columns = sl_arena_alloc(b->arena, sizeof(sl_column_binding) * ncols);
        src->types = sl_arena_alloc(b->arena, sizeof(sl_type) * ncols);
        src->names = sl_arena_alloc(b->arena, sizeof(char *) * ncols);
        if (!src->columns || !src->types || !src->names)
            return oom(err);
        for (uint32_t c = 0; c < ncols; c++) {
            src->columns[c].table_index = ti;
            src->columns[c].column_index = c;
            src->types[c] = sl_type_make(SL_TYPE_VARCHAR);
            src->names[c] = names[c];
        }
    }
    sl_logical_op *proj = sl_bind_new_op(b, SL_LOP_PROJECT, 1, err);
    if (!proj)
        return err ? err->code : SL_ERR_OOM;
    proj->children[0] = src;
    proj->table_index = sl_bind_next_index(b);
    proj->expr_count = ncols;
    proj->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * ncols);
    if (!proj->exprs)
        return oom(err);
    for (uint32_t c = 0; c < ncols; c++) {
        sl_expr *e = sl_expr_column(b->arena, src->types[c], src->columns[c].table_index, src->columns[c].column_index);
        if (!e)
            return oom(err);
        e->alias = names[c];
        proj->exprs[c] = e;
    }
    SL_TRY(sl_logical_columns(b->ctx, proj, err));
    *out = proj;
    return SL_OK;
}

static sl_status bind_show_tables(sl_binder *b, sl_bound_statement *s, sl_error *err)
{
    const char **tables = NULL, **views = NULL;
    size_t nt = 0, nv = 0;
    sl_status st = sl_catalog_list_tables(b->catalog, &tables, &nt, err);
    if (st == SL_OK)
        st = sl_catalog_list_views(b->catalog, &views, &nv, err);
    const char **cells = NULL;
    if (st == SL_OK) {
        cells = sl_arena_alloc(b->arena, sizeof(char *) * (nt + nv + 1));
        if (!cells)
            st = oom(err);
    }
    if (st == SL_OK) {
        /* merge the two sorted lists */
        size_t i = 0, j = 0, n = 0;
        while (i < nt || j < nv) {
            const char *pick;
            if (j >= nv || (i < nt && strcmp(tables[i], views[j]) <= 0))
                pick = tables[i++];
            else
                pick = views[j++];
            if (!(cells[n++] = sl_arena_strdup(b->arena, pick))) {
                st = oom(err);
                break;
            }
        }
    }
    sl_free(tables);
    sl_free(views);
    SL_TRY(st);
    static const char *names[] = { "name" };
    SL_TRY(string_table(b, 1, names, (uint32_t)(nt + nv), cells, &s->plan, err));
    s->kind = SL_BOUND_SELECT;
    return set_outputs(s);
}

/* SHOW SOURCES: one row per source (name, connector, watermark, bounded, options). */
static sl_status bind_show_sources(sl_binder *b, sl_bound_statement *s, sl_error *err)
{
    const char **names = NULL;
    size_t n = 0;
    SL_TRY(sl_catalog_list_sources(b->catalog, &names, &n, err));
    enum { NCOLS = 6 };
    const char **cells = sl_arena_alloc(b->arena, sizeof(char *) * NCOLS * (n ? n : 1));
    sl_status st = cells ? SL_OK : oom(err);
    for (size_t i = 0; i < n && st == SL_OK; i++) {
        const sl_source *src = sl_catalog_find_source(b->catalog, names[i]);
        const char **row = cells + i * NCOLS;
        size_t length = 1;
        for (uint32_t k = 0; src && k < src->option_count; k++)
            length += strlen(src->options[k].name) + strlen(src->options[k].value) * 2 + 8;
        char *options = sl_arena_alloc(b->arena, length);
        if (!src || !options) {
            st = src ? oom(err) : sl_error_set(err, SL_ERR_INTERNAL, "source %s vanished", names[i]);
            break;
        }
        size_t at = 0;
        options[0] = '\0';
        for (uint32_t k = 0; k < src->option_count; k++) {
            at += (size_t)snprintf(options + at, length - at, "%s%s = '", k ? ", " : "", src->options[k].name);
            for (const char *c = src->options[k].value; *c && at + 2 < length; c++) {
                if (*c == '\'')
                    options[at++] = '\'';
                options[at++] = *c;
            }
            at += (size_t)snprintf(options + at, length - at, "'");
        }
        row[0] = sl_bind_strdup(b, src->name);
        row[1] = sl_bind_strdup(b, src->connector);
        row[2] = src->watermark_column >= 0 ? sl_bind_strdup(b, src->columns[src->watermark_column].name) : NULL;
        row[3] = src->watermark_sql ? sl_bind_strdup(b, src->watermark_sql) : NULL;
        row[4] = src->bounded ? "true" : "false";
        row[5] = options;
        if (!row[0] || !row[1] || (src->watermark_column >= 0 && !row[2]) || (src->watermark_sql && !row[3]))
            st = oom(err);
    }
    sl_free(names);
    SL_TRY(st);
    static const char *columns[NCOLS] = { "name", "connector", "watermark_column", "watermark", "bounded", "options" };
    SL_TRY(string_table(b, NCOLS, columns, (uint32_t)n, cells, &s->plan, err));
    s->kind = SL_BOUND_SELECT;
    return set_outputs(s);
}

static sl_status bind_describe(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    uint32_t n;
    const char **col_names;
    const sl_type *col_types;
    const bool *not_null = NULL;
    sl_table *table = NULL;
    if (stmt->describe.query) {
        sl_logical_op *plan;
        SL_TRY(sl_bind_subquery(b, NULL, stmt->describe.query, NULL, 0, b->sql, &plan, err));
        n = plan->column_count;
        col_names = plan->names;
        col_types = plan->types;
    } else {
        const char *tname = last_part(&stmt->describe.table);
        table = sl_catalog_find_table(b->catalog, tname);
        const sl_source *source = table ? NULL : sl_catalog_find_source(b->catalog, tname);
        if (source) {
            /* a source: its schema, also when it is unbounded */
            n = source->column_count;
            const char **nm = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
            sl_type *ty = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
            bool *nn = sl_arena_alloc(b->arena, sizeof(bool) * (n ? n : 1));
            if (!nm || !ty || !nn)
                return oom(err);
            for (uint32_t i = 0; i < n; i++) {
                if (!(nm[i] = sl_bind_strdup(b, source->columns[i].name)))
                    return oom(err);
                ty[i] = source->columns[i].type;
                nn[i] = source->columns[i].not_null;
            }
            col_names = nm;
            col_types = ty;
            not_null = nn;
        } else if (!table) {
            /* a view: describe its query */
            sl_ast_table_ref ref;
            memset(&ref, 0, sizeof ref);
            ref.kind = SL_AST_TABLE_BASE;
            ref.position = stmt->describe.table.position;
            ref.base.name = stmt->describe.table;
            sl_logical_op *plan;
            SL_TRY(sl_bind_from(b, &ref, &plan, err));
            n = plan->column_count;
            col_names = b->scope.rels[b->scope.rel_count - 1].names;
            col_types = plan->types;
        } else {
            n = table->column_count;
            const char **nm = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
            sl_type *ty = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
            bool *nn = sl_arena_alloc(b->arena, sizeof(bool) * (n ? n : 1));
            if (!nm || !ty || !nn)
                return oom(err);
            for (uint32_t i = 0; i < n; i++) {
                nm[i] = table->columns[i].name;
                ty[i] = table->columns[i].type;
                nn[i] = table->columns[i].not_null;
            }
            col_names = nm;
            col_types = ty;
            not_null = nn;
        }
    }
    static const char *names[] = { "column_name", "column_type", "null", "key", "default", "extra" };
    const char **cells = sl_arena_alloc(b->arena, sizeof(char *) * 6 * (n ? n : 1));
    if (!cells)
        return oom(err);
    for (uint32_t i = 0; i < n; i++) {
        char tn[32];
        sl_type_name(col_types[i], tn, sizeof tn);
        cells[i * 6 + 0] = col_names[i];
        cells[i * 6 + 1] = sl_arena_strdup(b->arena, tn);
        cells[i * 6 + 2] = not_null && not_null[i] ? "NO" : "YES";
        cells[i * 6 + 3] = NULL;
        cells[i * 6 + 4] = NULL;
        cells[i * 6 + 5] = NULL;
        if (!cells[i * 6 + 1])
            return oom(err);
    }
    SL_TRY(string_table(b, 6, names, n, cells, &s->plan, err));
    s->kind = SL_BOUND_SELECT;
    return set_outputs(s);
}

/* ---------------------------------------------------------------- DDL */

static sl_status resolve_type(const sl_ast_type *at, sl_type *out, sl_error *err)
{
    if (at->array_dims > 0)
        return sl_error_set_at(err, SL_ERR_TYPE, at->position, "LIST types are not supported yet");
    if (!sl_type_parse(at->name, at->param_count > 0 ? (int)at->params[0] : -1,
                       at->param_count > 1 ? (int)at->params[1] : -1, out))
        return sl_error_set_at(err, SL_ERR_CATALOG, at->position, "Type with name %s does not exist!", at->name);
    return SL_OK;
}

static sl_status check_duplicate_columns(const sl_column_def *defs, uint32_t n, int position, sl_error *err)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (strcasecmp(defs[i].name, defs[j].name) == 0)
                return sl_error_set_at(err, SL_ERR_CATALOG, position, "Column with name %s already exists!",
                                       defs[i].name);
    return SL_OK;
}

static sl_status bind_create_table(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    const __typeof__(stmt->create_table) *ct = &stmt->create_table;
    s->table_name = sl_bind_strdup(b, last_part(&ct->name));
    s->if_not_exists = ct->if_not_exists;
    s->or_replace = ct->or_replace;
    s->temporary = ct->temporary;
    if (ct->as_query) {
        s->kind = SL_BOUND_CREATE_TABLE_AS;
        SL_TRY(sl_bind_subquery(b, NULL, ct->as_query, NULL, 0, b->sql, &s->plan, err));
        uint32_t n = s->plan->column_count;
        if (ct->as_column_count > n)
            return sl_error_set_at(err, SL_ERR_CATALOG, stmt->position,
                                   "CREATE TABLE AS names %u columns but the query produces %u", ct->as_column_count, n);
        s->column_defs = sl_arena_calloc(b->arena, sizeof(sl_column_def) * (n ? n : 1));
        if (!s->column_defs)
            return oom(err);
        s->column_def_count = n;
        sl_type *types = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
        if (!types)
            return oom(err);
        for (uint32_t i = 0; i < n; i++) {
            const char *nm = i < ct->as_column_count ? ct->as_columns[i].name : s->plan->names[i];
            s->column_defs[i].name = sl_bind_strdup(b, nm ? nm : "?column?");
            types[i] = s->plan->types[i].id == SL_TYPE_NULL ? sl_type_make(SL_TYPE_INTEGER) : s->plan->types[i];
            s->column_defs[i].type = types[i];
        }
        SL_TRY(check_duplicate_columns(s->column_defs, n, stmt->position, err));
        SL_TRY(sl_bind_cast_columns(b, s->plan, types, &s->plan, err));
        return SL_OK;
    }
    s->kind = SL_BOUND_CREATE_TABLE;
    uint32_t n = ct->column_count;
    s->column_defs = sl_arena_calloc(b->arena, sizeof(sl_column_def) * (n ? n : 1));
    if (!s->column_defs)
        return oom(err);
    s->column_def_count = n;
    for (uint32_t i = 0; i < n; i++) {
        const sl_ast_column_def *cd = &ct->columns[i];
        s->column_defs[i].name = sl_bind_strdup(b, cd->name.name);
        SL_TRY(resolve_type(&cd->type, &s->column_defs[i].type, err));
        s->column_defs[i].not_null = cd->not_null || cd->primary_key;
    }
    for (uint32_t k = 0; k < ct->primary_key_count; k++) {
        uint32_t i;
        for (i = 0; i < n; i++)
            if (strcasecmp(s->column_defs[i].name, ct->primary_key[k].name) == 0)
                break;
        if (i == n)
            return sl_error_set_at(err, SL_ERR_CATALOG, ct->primary_key[k].position,
                                   "PRIMARY KEY column \"%s\" is not a column of the table", ct->primary_key[k].name);
        s->column_defs[i].not_null = true;
    }
    return check_duplicate_columns(s->column_defs, n, stmt->position, err);
}

static sl_status bind_create_view(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->kind = SL_BOUND_CREATE_VIEW;
    s->table_name = sl_bind_strdup(b, last_part(&stmt->create_view.name));
    s->or_replace = stmt->create_view.or_replace;
    s->if_not_exists = stmt->create_view.if_not_exists;
    s->temporary = stmt->create_view.temporary;
    const sl_ast_query *q = stmt->create_view.query;
    if (stmt->create_view.query_text)
        s->view_sql = sl_bind_strdup(b, stmt->create_view.query_text);
    else
        s->view_sql = sl_arena_strndup(b->arena, b->sql + q->start, (size_t)(q->end - q->start));
    if (!s->view_sql)
        return oom(err);
    /* Bind the query once to report errors now rather than at first use. */
    sl_logical_op *plan;
    SL_TRY(sl_bind_subquery(b, NULL, q, NULL, 0, b->sql, &plan, err));
    uint32_t n = stmt->create_view.column_count;
    if (n > plan->column_count)
        return sl_error_set_at(err, SL_ERR_CATALOG, stmt->position,
                               "view has %u column aliases but the query produces %u columns", n, plan->column_count);
    s->view_alias_count = n;
    s->view_aliases = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
    if (!s->view_aliases)
        return oom(err);
    for (uint32_t i = 0; i < n; i++)
        if (!(s->view_aliases[i] = sl_bind_strdup(b, stmt->create_view.columns[i].name)))
            return oom(err);
    return SL_OK;
}

static sl_status bind_drop(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->kind = SL_BOUND_DROP;
    s->drop_kind = stmt->drop.object;
    s->if_exists = stmt->drop.if_exists;
    s->drop_count = stmt->drop.name_count;
    s->drop_names = sl_arena_alloc(b->arena, sizeof(char *) * (s->drop_count ? s->drop_count : 1));
    if (!s->drop_names)
        return oom(err);
    for (uint32_t i = 0; i < s->drop_count; i++)
        if (!(s->drop_names[i] = sl_bind_strdup(b, last_part(&stmt->drop.names[i]))))
            return oom(err);
    return SL_OK;
}

/* ---------------------------------------------------------------- INSERT */

static sl_status bind_insert(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->kind = SL_BOUND_INSERT;
    sl_table *table = NULL;
    SL_TRY(find_table(b, &stmt->insert.table, stmt->insert.table.position, &table, err));
    s->table = table;
    s->table_name = table->name;
    uint32_t tc = table->column_count;
    int32_t *map = sl_arena_alloc(b->arena, sizeof(int32_t) * (tc ? tc : 1));
    if (!map)
        return oom(err);
    s->insert_map = map;
    for (uint32_t i = 0; i < tc; i++)
        map[i] = -1;

    sl_logical_op *src;
    if (stmt->insert.default_values || !stmt->insert.query) {
        src = sl_bind_new_op(b, SL_LOP_DUMMY, 0, err);
        if (!src)
            return err ? err->code : SL_ERR_OOM;
        SL_TRY(sl_logical_columns(b->ctx, src, err));
    } else {
        const sl_ast_query *q = stmt->insert.query;
        const sl_type *targets = NULL;
        if (q->kind == SL_AST_QUERY_VALUES && !q->cte_count && !q->order_count && !q->limit && !q->offset &&
            !stmt->insert.by_name && q->values.row_count > 0) {
            /* INSERT ... VALUES: cast each value to its column's type directly */
            uint32_t width = q->values.column_count;
            sl_type *t = sl_arena_alloc(b->arena, sizeof(sl_type) * (width ? width : 1));
            if (!t)
                return oom(err);
            bool known = true;
            for (uint32_t c = 0; c < width && known; c++) {
                if (stmt->insert.column_count > 0) {
                    known = false;
                    for (uint32_t i = 0; i < tc && c < stmt->insert.column_count; i++) {
                        if (strcasecmp(table->columns[i].name, stmt->insert.columns[c].name) == 0) {
                            t[c] = table->columns[i].type;
                            known = true;
                        }
                    }
                } else if (c < tc) {
                    t[c] = table->columns[c].type;
                } else {
                    known = false;
                }
            }
            if (known)
                targets = t;
        }
        if (targets) {
            sl_binder values_binder;
            sl_binder_init(&values_binder, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, 0);
            SL_TRY(sl_bind_insert_values(&values_binder, q, targets, &src, err));
        } else {
            SL_TRY(sl_bind_subquery(b, NULL, q, NULL, 0, b->sql, &src, err));
        }
        uint32_t given = src->column_count;
        if (stmt->insert.by_name) {
            for (uint32_t c = 0; c < given; c++) {
                uint32_t i;
                for (i = 0; i < tc; i++)
                    if (src->names[c] && strcasecmp(table->columns[i].name, src->names[c]) == 0)
                        break;
                if (i == tc)
                    return sl_error_set_at(err, SL_ERR_CATALOG, stmt->position,
                                           "Table \"%s\" does not have a column with name \"%s\"", table->name,
                                           src->names[c] ? src->names[c] : "?");
                map[i] = (int32_t)c;
            }
        } else if (stmt->insert.column_count > 0) {
            if (stmt->insert.column_count != given)
                return sl_error_set_at(err, SL_ERR_CATALOG, stmt->position,
                                       "Column name/value mismatch for insert on %s: expected %u columns but %u "
                                       "values were supplied",
                                       table->name, stmt->insert.column_count, given);
            for (uint32_t c = 0; c < given; c++) {
                const sl_ast_ident *id = &stmt->insert.columns[c];
                uint32_t i;
                for (i = 0; i < tc; i++)
                    if (strcasecmp(table->columns[i].name, id->name) == 0)
                        break;
                if (i == tc)
                    return sl_error_set_at(err, SL_ERR_CATALOG, id->position,
                                           "Table \"%s\" does not have a column with name \"%s\"", table->name,
                                           id->name);
                if (map[i] >= 0)
                    return sl_error_set_at(err, SL_ERR_CATALOG, id->position,
                                           "Duplicate column name \"%s\" in INSERT", id->name);
                map[i] = (int32_t)c;
            }
        } else {
            if (given != tc)
                return sl_error_set_at(err, SL_ERR_CATALOG, stmt->position,
                                       "table %s has %u columns but %u values were supplied", table->name, tc, given);
            for (uint32_t i = 0; i < tc; i++)
                map[i] = (int32_t)i;
        }
    }
    /* PROJECT to the table's columns and types (missing columns are NULL). */
    sl_logical_op *proj = sl_bind_new_op(b, SL_LOP_PROJECT, 1, err);
    if (!proj)
        return err ? err->code : SL_ERR_OOM;
    proj->children[0] = src;
    proj->table_index = sl_bind_next_index(b);
    proj->expr_count = tc;
    proj->exprs = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (tc ? tc : 1));
    if (!proj->exprs)
        return oom(err);
    for (uint32_t i = 0; i < tc; i++) {
        sl_type t = table->columns[i].type;
        sl_expr *e;
        if (map[i] >= 0) {
            uint32_t c = (uint32_t)map[i];
            e = sl_expr_column(b->arena, src->types[c], src->columns[c].table_index, src->columns[c].column_index);
            if (!e)
                return oom(err);
            if (!sl_type_equal(src->types[c], t)) {
                sl_status st = sl_cast_bind(b->arena, e, t, false, &e, err);
                if (st != SL_OK) {
                    if (err && err->position < 0)
                        err->position = stmt->position;
                    return st;
                }
            }
        } else {
            sl_value v = sl_value_null(t);
            e = sl_expr_constant(b->arena, &v);
            if (!e)
                return oom(err);
        }
        e = sl_expr_copy(b->arena, e);
        if (!e)
            return oom(err);
        e->alias = table->columns[i].name;
        proj->exprs[i] = e;
    }
    SL_TRY(sl_logical_columns(b->ctx, proj, err));
    s->plan = proj;
    return SL_OK;
}

/* ---------------------------------------------------------------- COPY / SET */

static sl_status fold_option_value(sl_binder *b, const sl_ast_expr *ast, sl_value *out, sl_error *err)
{
    /* A bare identifier is its own name as a string (SET search_path = main). */
    if (ast->kind == SL_AST_EXPR_COLUMN && ast->column.name.count == 1) {
        const char *nm = ast->column.name.parts[0].name;
        out->type = sl_type_make(SL_TYPE_VARCHAR);
        out->is_null = false;
        out->v.str.data = sl_bind_strdup(b, nm);
        out->v.str.length = (uint32_t)strlen(nm);
        return out->v.str.data ? SL_OK : oom(err);
    }
    sl_binder cb;
    sl_binder_init(&cb, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, b->nesting);
    sl_expr *e;
    SL_TRY(sl_bind_expr(&cb, ast, SL_BIND_PLAIN, &e, err));
    return sl_bind_fold_constant(&cb, e, out, err);
}

static sl_status bind_options(sl_binder *b, const sl_ast_option *opts, uint32_t n, sl_bound_statement *s,
                              sl_error *err)
{
    s->option_count = n;
    s->options = sl_arena_calloc(b->arena, sizeof(sl_bound_option) * (n ? n : 1));
    if (!s->options)
        return oom(err);
    for (uint32_t i = 0; i < n; i++) {
        sl_bound_option *o = &s->options[i];
        o->name = sl_bind_strdup(b, opts[i].name);
        o->position = opts[i].position;
        if (opts[i].list_count > 0) {
            size_t len = 0;
            sl_value *vals = sl_arena_alloc(b->arena, sizeof(sl_value) * opts[i].list_count);
            if (!vals)
                return oom(err);
            for (uint32_t k = 0; k < opts[i].list_count; k++) {
                SL_TRY(fold_option_value(b, opts[i].list[k], &vals[k], err));
                char buf[128];
                sl_value_format(&vals[k], buf, sizeof buf);
                len += strlen(buf) + 1;
            }
            char *joined = sl_arena_alloc(b->arena, len + 1);
            if (!joined)
                return oom(err);
            joined[0] = '\0';
            for (uint32_t k = 0; k < opts[i].list_count; k++) {
                char buf[128];
                sl_value_format(&vals[k], buf, sizeof buf);
                if (k)
                    strcat(joined, ",");
                strcat(joined, buf);
            }
            o->value.type = sl_type_make(SL_TYPE_VARCHAR);
            o->value.v.str.data = joined;
            o->value.v.str.length = (uint32_t)strlen(joined);
        } else if (opts[i].value) {
            SL_TRY(fold_option_value(b, opts[i].value, &o->value, err));
        } else {
            o->value = sl_value_boolean(true);
        }
    }
    return SL_OK;
}

static sl_status bind_copy(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    const __typeof__(stmt->copy) *cp = &stmt->copy;
    s->path = sl_bind_strdup(b, cp->path ? cp->path : "");
    SL_TRY(bind_options(b, cp->options, cp->option_count, s, err));
    if (cp->query) {
        if (!cp->to)
            return sl_error_set_at(err, SL_ERR_SYNTAX, stmt->position, "COPY (query) FROM is not valid");
        s->kind = SL_BOUND_COPY_TO;
        SL_TRY(sl_bind_subquery(b, NULL, cp->query, NULL, 0, b->sql, &s->plan, err));
        return set_outputs(s);
    }
    sl_table *table = NULL;
    SL_TRY(find_table(b, &cp->table, cp->table.position, &table, err));
    s->table = table;
    s->table_name = table->name;
    if (cp->column_count > 0) {
        s->copy_column_count = cp->column_count;
        s->copy_columns = sl_arena_alloc(b->arena, sizeof(uint32_t) * cp->column_count);
        if (!s->copy_columns)
            return oom(err);
        for (uint32_t c = 0; c < cp->column_count; c++) {
            uint32_t i;
            for (i = 0; i < table->column_count; i++)
                if (strcasecmp(table->columns[i].name, cp->columns[c].name) == 0)
                    break;
            if (i == table->column_count)
                return sl_error_set_at(err, SL_ERR_CATALOG, cp->columns[c].position,
                                       "Table \"%s\" does not have a column with name \"%s\"", table->name,
                                       cp->columns[c].name);
            s->copy_columns[c] = i;
        }
    }
    if (!cp->to) {
        s->kind = SL_BOUND_COPY_FROM;
        return SL_OK;
    }
    /* COPY t [(cols)] TO: a scan of the table (projected to the listed columns). */
    s->kind = SL_BOUND_COPY_TO;
    sl_logical_op *scan = sl_bind_new_op(b, SL_LOP_SCAN, 0, err);
    if (!scan)
        return err ? err->code : SL_ERR_OOM;
    scan->table = table;
    scan->table_index = sl_bind_next_index(b);
    uint32_t n = s->copy_column_count ? s->copy_column_count : table->column_count;
    scan->scan_column_count = n;
    scan->scan_columns = sl_arena_alloc(b->arena, sizeof(uint32_t) * (n ? n : 1));
    if (!scan->scan_columns)
        return oom(err);
    for (uint32_t i = 0; i < n; i++)
        scan->scan_columns[i] = s->copy_column_count ? s->copy_columns[i] : i;
    SL_TRY(sl_logical_columns(b->ctx, scan, err));
    s->plan = scan;
    return set_outputs(s);
}

static sl_status bind_set(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->kind = SL_BOUND_SET;
    s->setting_name = sl_bind_strdup(b, stmt->set.name);
    if (!s->setting_name)
        return oom(err);
    if (stmt->set.is_default || !stmt->set.value) {
        s->setting_default = true;
        s->setting_value = sl_value_null(sl_type_make(SL_TYPE_NULL));
        return SL_OK;
    }
    return fold_option_value(b, stmt->set.value, &s->setting_value, err);
}

/* ---------------------------------------------------------------- entry point */

static sl_status bind_statement(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err)
{
    s->position = stmt->position;
    switch (stmt->kind) {
    case SL_AST_STMT_SELECT: {
        s->kind = SL_BOUND_SELECT;
        sl_binder top;
        sl_binder_init(&top, b->ctx, b->catalog, b->sql, b->options, NULL, NULL, 0);
        top.emit_allowed = true;   /* the trailing EMIT clause belongs to this query */
        SL_TRY(sl_bind_query(&top, stmt->select.query, &s->plan, err));
        s->emit_changes = stmt->select.query->emit == SL_AST_EMIT_CHANGES;
        s->emit_on_window_close = stmt->select.query->emit == SL_AST_EMIT_ON_WINDOW_CLOSE;
        return set_outputs(s);
    }
    case SL_AST_STMT_EXPLAIN: {
        s->kind = SL_BOUND_EXPLAIN;
        s->explain_analyze = stmt->explain.analyze;
        s->explained = sl_arena_calloc(b->arena, sizeof(sl_bound_statement));
        if (!s->explained)
            return oom(err);
        SL_TRY(bind_statement(b, stmt->explain.stmt, s->explained, err));
        static const char *names[] = { "explain_key", "explain_value" };
        static const sl_type types[] = { { SL_TYPE_VARCHAR, 0, 0 }, { SL_TYPE_VARCHAR, 0, 0 } };
        s->column_count = 2;
        s->names = (const char **)names;
        s->types = (sl_type *)types;
        return SL_OK;
    }
    case SL_AST_STMT_CREATE_TABLE: return bind_create_table(b, stmt, s, err);
    case SL_AST_STMT_CREATE_VIEW: return bind_create_view(b, stmt, s, err);
    case SL_AST_STMT_DROP: return bind_drop(b, stmt, s, err);
    case SL_AST_STMT_INSERT: return bind_insert(b, stmt, s, err);
    case SL_AST_STMT_COPY: return bind_copy(b, stmt, s, err);
    case SL_AST_STMT_SET: return bind_set(b, stmt, s, err);
    case SL_AST_STMT_RESET:
        s->kind = SL_BOUND_RESET;
        s->setting_name = stmt->reset.all ? NULL : sl_bind_strdup(b, stmt->reset.name);
        return SL_OK;
    case SL_AST_STMT_SHOW:
        if (stmt->show.kind == SL_AST_SHOW_SOURCES)
            return bind_show_sources(b, s, err);
        if (stmt->show.kind == SL_AST_SHOW_MATERIALIZED_VIEWS || stmt->show.kind == SL_AST_SHOW_SINKS) {
            s->kind = SL_BOUND_SHOW_STREAMS;
            s->drop_kind = stmt->show.kind == SL_AST_SHOW_SINKS ? SL_AST_OBJECT_SINK : SL_AST_OBJECT_MATERIALIZED_VIEW;
            return SL_OK;
        }
        if (stmt->show.kind != SL_AST_SHOW_VARIABLE)
            return bind_show_tables(b, s, err);
        s->kind = SL_BOUND_SHOW;
        s->setting_name = sl_bind_strdup(b, stmt->show.name ? stmt->show.name : "all");
        return SL_OK;
    case SL_AST_STMT_DESCRIBE: return bind_describe(b, stmt, s, err);
    case SL_AST_STMT_CREATE_SOURCE: return sl_bind_create_source(b, stmt, s, err);
    case SL_AST_STMT_CREATE_MATERIALIZED_VIEW:
    case SL_AST_STMT_CREATE_SINK: return sl_bind_create_stream(b, stmt, s, err);
    }
    return sl_error_set_at(err, SL_ERR_INTERNAL, stmt->position, "unknown statement kind %d", (int)stmt->kind);
}

sl_status sl_bind_statement(sl_plan_context *ctx, struct sl_catalog *catalog, const sl_ast_stmt *stmt,
                            const char *sql, const sl_bind_options *options, sl_bound_statement **out,
                            sl_error *err)
{
    sl_binder b;
    sl_binder_init(&b, ctx, catalog, sql, options, NULL, NULL, 0);
    sl_bound_statement *s = sl_arena_calloc(ctx->arena, sizeof *s);
    if (!s)
        return oom(err);
    sl_status st = bind_statement(&b, stmt, s, err);
    sl_free(b.groups);
    sl_free(b.aggregates);
    sl_free(b.windows);
    if (st != SL_OK)
        return st;
    *out = s;
    return SL_OK;
}

/* ---------------------------------------------------------------- parameter counting */

typedef struct param_count {
    uint32_t max_index;
} param_count;

static void count_query(param_count *pc, const sl_ast_query *q);

static void count_expr(param_count *pc, const sl_ast_expr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case SL_AST_EXPR_PARAMETER:
        if (e->parameter.index > pc->max_index)
            pc->max_index = e->parameter.index;
        break;
    case SL_AST_EXPR_UNARY: count_expr(pc, e->unary.arg); break;
    case SL_AST_EXPR_BINARY:
        count_expr(pc, e->binary.left);
        count_expr(pc, e->binary.right);
        break;
    case SL_AST_EXPR_IS: count_expr(pc, e->is.arg); break;
    case SL_AST_EXPR_BETWEEN:
        count_expr(pc, e->between.arg);
        count_expr(pc, e->between.low);
        count_expr(pc, e->between.high);
        break;
    case SL_AST_EXPR_IN_LIST:
        count_expr(pc, e->in_list.arg);
        for (uint32_t i = 0; i < e->in_list.count; i++)
            count_expr(pc, e->in_list.list[i]);
        break;
    case SL_AST_EXPR_LIKE:
        count_expr(pc, e->like.arg);
        count_expr(pc, e->like.pattern);
        count_expr(pc, e->like.escape);
        break;
    case SL_AST_EXPR_SUBQUERY:
        count_expr(pc, e->subquery.left);
        count_query(pc, e->subquery.query);
        break;
    case SL_AST_EXPR_FUNCTION:
        for (uint32_t i = 0; i < e->function.arg_count; i++)
            count_expr(pc, e->function.args[i]);
        count_expr(pc, e->function.filter);
        for (uint32_t i = 0; i < e->function.order_count; i++)
            count_expr(pc, e->function.order_by[i].expr);
        if (e->function.over) {
            for (uint32_t i = 0; i < e->function.over->partition_count; i++)
                count_expr(pc, e->function.over->partition_by[i]);
            for (uint32_t i = 0; i < e->function.over->order_count; i++)
                count_expr(pc, e->function.over->order_by[i].expr);
            count_expr(pc, e->function.over->frame_start.offset);
            count_expr(pc, e->function.over->frame_end.offset);
        }
        break;
    case SL_AST_EXPR_CASE:
        count_expr(pc, e->case_.operand);
        for (uint32_t i = 0; i < e->case_.when_count; i++) {
            count_expr(pc, e->case_.whens[i].condition);
            count_expr(pc, e->case_.whens[i].result);
        }
        count_expr(pc, e->case_.else_result);
        break;
    case SL_AST_EXPR_CAST: count_expr(pc, e->cast.arg); break;
    case SL_AST_EXPR_SUBSCRIPT:
        count_expr(pc, e->subscript.arg);
        count_expr(pc, e->subscript.index);
        count_expr(pc, e->subscript.slice_end);
        break;
    case SL_AST_EXPR_FIELD: count_expr(pc, e->field.arg); break;
    default: break;
    }
}

static void count_table_ref(param_count *pc, const sl_ast_table_ref *r)
{
    if (!r)
        return;
    switch (r->kind) {
    case SL_AST_TABLE_SUBQUERY: count_query(pc, r->subquery.query); break;
    case SL_AST_TABLE_FUNCTION: count_expr(pc, r->function.call); break;
    case SL_AST_TABLE_WINDOW:
        count_expr(pc, r->window.time_column);
        for (uint32_t i = 0; i < r->window.partition_count; i++)
            count_expr(pc, r->window.partition_by[i]);
        count_expr(pc, r->window.size);
        count_expr(pc, r->window.slide);
        count_expr(pc, r->window.offset);
        break;
    case SL_AST_TABLE_JOIN:
        count_table_ref(pc, r->join.left);
        count_table_ref(pc, r->join.right);
        count_expr(pc, r->join.condition);
        break;
    default: break;
    }
}

static void count_query(param_count *pc, const sl_ast_query *q)
{
    if (!q)
        return;
    for (uint32_t i = 0; i < q->cte_count; i++)
        count_query(pc, q->ctes[i].query);
    switch (q->kind) {
    case SL_AST_QUERY_SELECT: {
        const sl_ast_select_core *c = &q->select;
        for (uint32_t i = 0; i < c->item_count; i++)
            count_expr(pc, c->items[i].expr);
        count_table_ref(pc, c->from);
        count_expr(pc, c->where);
        for (uint32_t i = 0; i < c->group_count; i++)
            count_expr(pc, c->group_by[i]);
        count_expr(pc, c->having);
        count_expr(pc, c->qualify);
        break;
    }
    case SL_AST_QUERY_SET_OP:
        count_query(pc, q->set_op.left);
        count_query(pc, q->set_op.right);
        break;
    case SL_AST_QUERY_VALUES:
        for (uint32_t r = 0; r < q->values.row_count; r++)
            for (uint32_t c = 0; c < q->values.column_count; c++)
                count_expr(pc, q->values.rows[r][c]);
        break;
    }
    for (uint32_t i = 0; i < q->order_count; i++)
        count_expr(pc, q->order_by[i].expr);
    count_expr(pc, q->limit);
    count_expr(pc, q->offset);
}

uint32_t sl_ast_parameter_count(const sl_ast_stmt *stmt)
{
    param_count pc = { 0 };
    if (!stmt)
        return 0;
    switch (stmt->kind) {
    case SL_AST_STMT_SELECT: count_query(&pc, stmt->select.query); break;
    case SL_AST_STMT_INSERT: count_query(&pc, stmt->insert.query); break;
    case SL_AST_STMT_CREATE_TABLE: count_query(&pc, stmt->create_table.as_query); break;
    case SL_AST_STMT_COPY: count_query(&pc, stmt->copy.query); break;
    case SL_AST_STMT_EXPLAIN: return sl_ast_parameter_count(stmt->explain.stmt);
    case SL_AST_STMT_DESCRIBE: count_query(&pc, stmt->describe.query); break;
    case SL_AST_STMT_SET: count_expr(&pc, stmt->set.value); break;
    default: break;
    }
    return pc.max_index;
}
