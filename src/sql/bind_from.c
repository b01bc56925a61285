/*
 * bind_from.c — the FROM clause: tables, views, CTEs, derived tables, VALUES, table
 * functions and joins; plus name resolution of column references against the scope the
 * FROM clause builds (and the scopes of enclosing queries, for correlated references).
 *
 * Every relation adds an entry (alias, column names, types, bindings) to the binder's
 * scope in FROM order. JOIN ... USING / NATURAL JOIN additionally records merged
 * columns: an unqualified reference to a USING column means the left column (INNER,
 * LEFT), the right column (RIGHT) or COALESCE(left, right) (FULL), and SELECT * shows
 * the merged column once, at the position of its leftmost occurrence (DuckDB).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "plan/table_function.h"
#include "sql/bind_internal.h"
#include "sql/parser.h"

#define SL_BIND_MAX_NESTING 64

/* ---------------------------------------------------------------- scope */

sl_status sl_bind_scope_add(sl_binder *b, const char *alias, uint32_t n, const char **names,
                            const sl_type *types, const sl_column_binding *bindings, int position,
                            sl_error *err)
{
    sl_bind_scope *s = &b->scope;
    if (alias) {
        for (uint32_t i = 0; i < s->rel_count; i++)
            if (s->rels[i].alias && strcasecmp(s->rels[i].alias, alias) == 0)
                return sl_error_set_at(err, SL_ERR_CATALOG, position,
                                       "Duplicate alias \"%s\" in query!", alias);
    }
    /* The scope arrays grow with sl_realloc; entries are copied into the arena. */
    if (s->rel_count + 1 > s->rel_cap) {
        size_t cap = s->rel_cap ? s->rel_cap * 2 : 8;
        sl_bind_relation *r = sl_arena_alloc(b->arena, sizeof *r * cap);
        if (!r)
            return sl_error_oom(err);
        if (s->rel_count)
            memcpy(r, s->rels, sizeof *r * s->rel_count);
        s->rels = r;
        s->rel_cap = cap;
    }
    sl_bind_relation *rel = &s->rels[s->rel_count];
    rel->alias = alias ? sl_bind_strdup(b, alias) : NULL;
    rel->column_count = n;
    rel->names = sl_arena_alloc(b->arena, sizeof(char *) * (n ? n : 1));
    rel->types = sl_arena_alloc(b->arena, sizeof(sl_type) * (n ? n : 1));
    rel->bindings = sl_arena_alloc(b->arena, sizeof(sl_column_binding) * (n ? n : 1));
    if (!rel->names || !rel->types || !rel->bindings || (alias && !rel->alias))
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++) {
        rel->names[i] = names[i] ? names[i] : "";
        rel->types[i] = types[i];
        rel->bindings[i] = bindings[i];
    }
    s->rel_count++;
    return SL_OK;
}

static sl_status scope_add_using(sl_binder *b, const char *name, sl_expr *expr, const uint32_t *rels,
                                 uint32_t rel_count, sl_error *err)
{
    sl_bind_scope *s = &b->scope;
    /* Replace an existing merged column of the same name (chained USING joins). */
    for (uint32_t i = 0; i < s->using_count; i++) {
        if (strcasecmp(s->usings[i].name, name) == 0) {
            s->usings[i] = s->usings[s->using_count - 1];
            s->using_count--;
            break;
        }
    }
    if (s->using_count + 1 > s->using_cap) {
        size_t cap = s->using_cap ? s->using_cap * 2 : 8;
        sl_bind_using *u = sl_arena_alloc(b->arena, sizeof *u * cap);
        if (!u)
            return sl_error_oom(err);
        if (s->using_count)
            memcpy(u, s->usings, sizeof *u * s->using_count);
        s->usings = u;
        s->using_cap = cap;
    }
    sl_bind_using *u = &s->usings[s->using_count++];
    u->name = name;
    u->expr = expr;
    u->rel_count = rel_count;
    u->rels = sl_arena_alloc(b->arena, sizeof(uint32_t) * (rel_count ? rel_count : 1));
    if (!u->rels)
        return sl_error_oom(err);
    memcpy(u->rels, rels, sizeof(uint32_t) * rel_count);
    return SL_OK;
}

static const sl_bind_using *find_using(const sl_binder *b, const char *name)
{
    for (uint32_t i = 0; i < b->scope.using_count; i++)
        if (strcasecmp(b->scope.usings[i].name, name) == 0)
            return &b->scope.usings[i];
    return NULL;
}

static bool using_covers(const sl_bind_using *u, uint32_t rel)
{
    for (uint32_t i = 0; i < u->rel_count; i++)
        if (u->rels[i] == rel)
            return true;
    return false;
}

static int find_column(const sl_bind_relation *r, const char *name)
{
    for (uint32_t c = 0; c < r->column_count; c++)
        if (strcasecmp(r->names[c], name) == 0)
            return (int)c;
    return -1;
}

static sl_expr *relation_column(sl_binder *b, const sl_bind_relation *r, uint32_t c, int position)
{
    sl_expr *e = sl_expr_column(b->arena, r->types[c], r->bindings[c].table_index, r->bindings[c].column_index);
    if (e) {
        e->position = position;
        e->alias = r->names[c];
    }
    return e;
}

/* Marks every column reference of this level inside e (a copy) as `depth` levels up. */
static void set_depth(sl_expr *e, uint32_t depth)
{
    if (e->kind == SL_EXPR_COLUMN)
        e->depth += depth;
    for (uint32_t i = 0; i < e->arg_count; i++)
        set_depth(e->args[i], depth);
}

typedef enum { LOOKUP_NOT_FOUND, LOOKUP_FOUND, LOOKUP_ERROR } lookup_result;

/* Looks a column up in one level's scope. */
static lookup_result lookup_in_scope(sl_binder *level, sl_binder *b, const sl_ast_name *name, int position,
                                     sl_expr **out, sl_error *err)
{
    const sl_bind_scope *s = &level->scope;
    uint32_t n = name->count;
    const char *col = name->parts[n - 1].name;
    if (n == 1) {
        const sl_bind_using *u = find_using(level, col);
        if (u) {
            *out = sl_expr_copy(b->arena, u->expr);
            if (!*out) {
                sl_error_oom(err);
                return LOOKUP_ERROR;
            }
            (*out)->alias = u->name;
            return LOOKUP_FOUND;
        }
        int found_rel = -1, found_col = -1;
        for (uint32_t r = 0; r < s->rel_count; r++) {
            int c = find_column(&s->rels[r], col);
            if (c < 0)
                continue;
            if (found_rel >= 0) {
                const char *a1 = s->rels[found_rel].alias ? s->rels[found_rel].alias : "subquery";
                const char *a2 = s->rels[r].alias ? s->rels[r].alias : "subquery";
                sl_error_set_at(err, SL_ERR_CATALOG, position,
                                "Ambiguous reference to column name \"%s\" (use: \"%s.%s\" or \"%s.%s\")", col, a1,
                                col, a2, col);
                return LOOKUP_ERROR;
            }
            found_rel = (int)r;
            found_col = c;
        }
        if (found_rel < 0)
            return LOOKUP_NOT_FOUND;
        *out = relation_column(b, &s->rels[found_rel], (uint32_t)found_col, position);
        if (!*out) {
            sl_error_oom(err);
            return LOOKUP_ERROR;
        }
        return LOOKUP_FOUND;
    }
    /* qualified: [schema.]table.column */
    const char *table = name->parts[n - 2].name;
    for (uint32_t r = 0; r < s->rel_count; r++) {
        if (!s->rels[r].alias || strcasecmp(s->rels[r].alias, table) != 0)
            continue;
        int c = find_column(&s->rels[r], col);
        if (c < 0) {
            sl_error_set_at(err, SL_ERR_CATALOG, position, "Table \"%s\" does not have a column named \"%s\"", table,
                            col);
            return LOOKUP_ERROR;
        }
        *out = relation_column(b, &s->rels[r], (uint32_t)c, position);
        if (!*out) {
            sl_error_oom(err);
            return LOOKUP_ERROR;
        }
        return LOOKUP_FOUND;
    }
    return LOOKUP_NOT_FOUND;
}

/* Builds "Candidate bindings: "t.a", "t.b"" listing the closest visible columns; *closest
 * receives the nearest column name when it is close enough to be a likely misspelling. */
static void candidate_list(sl_binder *b, const char *col, char *buf, size_t cap, const char **closest)
{
    *closest = NULL;
    buf[0] = '\0';
    size_t len = 0;
    int best[5] = { 0 };
    const char *rel_names[5], *col_names[5];
    int count = 0;
    for (sl_binder *level = b; level; level = level->parent) {
        for (uint32_t r = 0; r < level->scope.rel_count; r++) {
            const sl_bind_relation *rel = &level->scope.rels[r];
            for (uint32_t c = 0; c < rel->column_count; c++) {
                int d = (int)sl_edit_distance(col, rel->names[c], 64);
                int pos = count;
                while (pos > 0 && best[pos - 1] > d)
                    pos--;
                if (pos >= 5)
                    continue;
                int last = count < 5 ? count : 4;
                for (int k = last; k > pos; k--) {
                    best[k] = best[k - 1];
                    rel_names[k] = rel_names[k - 1];
                    col_names[k] = col_names[k - 1];
                }
                best[pos] = d;
                rel_names[pos] = rel->alias;
                col_names[pos] = rel->names[c];
                if (count < 5)
                    count++;
            }
        }
    }
    if (count > 0 && (size_t)best[0] <= sl_suggestion_limit(col))
        *closest = col_names[0];
    for (int i = 0; i < count && len < cap; i++) {
        int n;
        if (rel_names[i])
            n = snprintf(buf + len, cap - len, "%s\"%s.%s\"", i ? ", " : "", rel_names[i], col_names[i]);
        else
            n = snprintf(buf + len, cap - len, "%s\"%s\"", i ? ", " : "", col_names[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

sl_status sl_bind_column_ref(sl_binder *b, const sl_ast_name *name, int position, sl_expr **out, sl_error *err)
{
    uint32_t depth = 0;
    for (sl_binder *level = b; level; level = level->parent, depth++) {
        lookup_result r = lookup_in_scope(level, b, name, position, out, err);
        if (r == LOOKUP_ERROR)
            return err ? err->code : SL_ERR_CATALOG;
        if (r == LOOKUP_FOUND) {
            if (depth > 0 && level->grouped_scope) {
                uint32_t g;
                for (g = 0; g < level->group_count; g++) {
                    if (sl_expr_equal(*out, level->groups[g])) {
                        sl_expr *c = sl_expr_column(b->arena, (*out)->type, level->group_index, g);
                        if (!c)
                            return sl_error_oom(err);
                        c->position = position;
                        c->alias = (*out)->alias;
                        *out = c;
                        break;
                    }
                }
                if (g == level->group_count)
                    return sl_error_set_at(err, SL_ERR_CATALOG, position,
                                           "subquery uses ungrouped column \"%s\" from outer query; it must appear "
                                           "in the GROUP BY clause or be used in an aggregate function",
                                           (*out)->alias ? (*out)->alias : "?");
            }
            if (depth > 0)
                set_depth(*out, depth);
            return SL_OK;
        }
    }
    const char *col = name->parts[name->count - 1].name;
    if (name->count > 1) {
        const char *table = name->parts[name->count - 2].name;
        return sl_error_set_at(err, SL_ERR_CATALOG, position, "Referenced table \"%s\" not found!", table);
    }
    char cands[512];
    const char *closest;
    candidate_list(b, col, cands, sizeof cands, &closest);
    if (closest)
        return sl_error_set_at(err, SL_ERR_CATALOG, position,
                               "Referenced column \"%s\" not found in FROM clause! Did you mean \"%s\"? "
                               "Candidate bindings: %s",
                               col, closest, cands);
    if (cands[0])
        return sl_error_set_at(err, SL_ERR_CATALOG, position,
                               "Referenced column \"%s\" not found in FROM clause! Candidate bindings: %s", col, cands);
    return sl_error_set_at(err, SL_ERR_CATALOG, position, "Referenced column \"%s\" not found in FROM clause!", col);
}

sl_status sl_bind_star(sl_binder *b, const sl_ast_name *qualifier, int position, sl_expr ***exprs, uint32_t *count,
                       sl_error *err)
{
    const sl_bind_scope *s = &b->scope;
    uint32_t total = 0;
    for (uint32_t r = 0; r < s->rel_count; r++)
        total += s->rels[r].column_count;
    sl_expr **list = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (total ? total : 1));
    if (!list)
        return sl_error_oom(err);
    uint32_t n = 0;
    if (qualifier && qualifier->count > 0) {
        const char *table = qualifier->parts[qualifier->count - 1].name;
        uint32_t r;
        for (r = 0; r < s->rel_count; r++)
            if (s->rels[r].alias && strcasecmp(s->rels[r].alias, table) == 0)
                break;
        if (r == s->rel_count)
            return sl_error_set_at(err, SL_ERR_CATALOG, position, "Referenced table \"%s\" not found!", table);
        for (uint32_t c = 0; c < s->rels[r].column_count; c++)
            if (!(list[n++] = relation_column(b, &s->rels[r], c, position)))
                return sl_error_oom(err);
    } else {
        if (s->rel_count == 0)
            return sl_error_set_at(err, SL_ERR_CATALOG, position, "SELECT * with no tables specified is not valid");
        for (uint32_t r = 0; r < s->rel_count; r++) {
            const sl_bind_relation *rel = &s->rels[r];
            for (uint32_t c = 0; c < rel->column_count; c++) {
                const sl_bind_using *u = find_using(b, rel->names[c]);
                if (u && using_covers(u, r)) {
                    /* shown once, at the first relation it covers */
                    uint32_t first = u->rels[0];
                    for (uint32_t k = 1; k < u->rel_count; k++)
                        if (u->rels[k] < first)
                            first = u->rels[k];
                    if (first != r)
                        continue;
                    sl_expr *e = sl_expr_copy(b->arena, u->expr);
                    if (!e)
                        return sl_error_oom(err);
                    e->alias = rel->names[c];
                    list[n++] = e;
                    continue;
                }
                if (!(list[n++] = relation_column(b, rel, c, position)))
                    return sl_error_oom(err);
            }
        }
    }
    *exprs = list;
    *count = n;
    return SL_OK;
}

/* ---------------------------------------------------------------- relations */

static sl_status bind_function_op(sl_binder *b, const sl_table_function *fn, const sl_table_function_args *args,
                                  const char *alias, const sl_ast_table_ref *ref, int position, sl_logical_op **out,
                                  sl_error *err);

/* Output names of a relation: the plan's names with the alias list applied on top. */
static sl_status apply_column_aliases(sl_binder *b, const sl_logical_op *plan, const sl_ast_ident *aliases,
                                      uint32_t alias_count, int position, const char ***names_out, sl_error *err)
{
    if (alias_count > plan->column_count)
        return sl_error_set_at(err, SL_ERR_CATALOG, position,
                               "table has %u columns available but %u columns specified", plan->column_count,
                               alias_count);
    const char **names = sl_arena_alloc(b->arena, sizeof(char *) * (plan->column_count ? plan->column_count : 1));
    if (!names)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < plan->column_count; i++) {
        const char *nm = i < alias_count ? aliases[i].name : (plan->names ? plan->names[i] : NULL);
        if (!nm) {
            char tmp[24];
            snprintf(tmp, sizeof tmp, "col%u", i);
            nm = sl_bind_strdup(b, tmp);
            if (!nm)
                return sl_error_oom(err);
        }
        names[i] = nm;
    }
    *names_out = names;
    return SL_OK;
}

/* Registers `plan`'s output as a relation named alias and returns plan. */
static sl_status add_plan_relation(sl_binder *b, sl_logical_op *plan, const char *alias,
                                   const sl_ast_table_ref *ref, sl_error *err)
{
    const char **names = NULL;
    SL_TRY(apply_column_aliases(b, plan, ref->column_aliases, ref->column_alias_count, ref->position, &names, err));
    return sl_bind_scope_add(b, alias, plan->column_count, names, plan->types, plan->columns, ref->position, err);
}

/* Binds a view's or CTE's query in a fresh binder and renames its columns. */
static sl_status bind_named_query(sl_binder *b, const sl_ast_query *q, const sl_bind_cte *ctes, const char *sql,
                                  sl_logical_op **out, int position, sl_error *err)
{
    if (b->nesting >= SL_BIND_MAX_NESTING)
        return sl_error_set_at(err, SL_ERR_CATALOG, position,
                               "views or CTEs are nested too deeply (recursive definition?)");
    return sl_bind_subquery(b, NULL, q, ctes, b->nesting + 1, sql, out, err);
}

/* Renames plan outputs to `names` (n of them); the rest keep theirs. */
static sl_status rename_outputs(sl_binder *b, sl_logical_op *plan, char *const *names, uint32_t n, int position,
                                const char *what, sl_error *err)
{
    if (n > plan->column_count)
        return sl_error_set_at(err, SL_ERR_CATALOG, position, "%s has %u columns available but %u columns specified",
                               what, plan->column_count, n);
    for (uint32_t i = 0; i < n; i++)
        plan->names[i] = names[i];
    return SL_OK;
}

static sl_status bind_base_table(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    const sl_ast_name *name = &ref->base.name;
    const char *tname = name->parts[name->count - 1].name;
    const char *alias = ref->alias.name ? ref->alias.name : tname;
    /* CTEs shadow catalog objects. */
    if (name->count == 1) {
        for (const sl_bind_cte *c = b->ctes; c; c = c->next) {
            if (strcasecmp(c->cte->name.name, tname) != 0)
                continue;
            sl_logical_op *plan;
            SL_TRY(bind_named_query(b, c->cte->query, c->next, b->sql, &plan, ref->position, err));
            if (c->cte->column_count > 0) {
                char **names = sl_arena_alloc(b->arena, sizeof(char *) * c->cte->column_count);
                if (!names)
                    return sl_error_oom(err);
                for (uint32_t i = 0; i < c->cte->column_count; i++)
                    names[i] = c->cte->columns[i].name;
                SL_TRY(rename_outputs(b, plan, names, c->cte->column_count, ref->position, "CTE", err));
            }
            SL_TRY(add_plan_relation(b, plan, alias, ref, err));
            *out = plan;
            return SL_OK;
        }
    }
    if (name->count > 1) {
        const char *schema = name->parts[name->count - 2].name;
        if (strcasecmp(schema, "main") != 0 && strcasecmp(schema, "public") != 0)
            return sl_error_set_at(err, SL_ERR_CATALOG, ref->position, "Schema with name %s does not exist!", schema);
    }
    sl_table *table = sl_catalog_find_table(b->catalog, tname);
    if (table) {
        sl_logical_op *scan = sl_bind_new_op(b, SL_LOP_SCAN, 0, err);
        if (!scan)
            return err ? err->code : SL_ERR_OOM;
        scan->table = table;
        scan->table_index = sl_bind_next_index(b);
        scan->scan_column_count = table->column_count;
        scan->scan_columns = sl_arena_alloc(b->arena, sizeof(uint32_t) * (table->column_count ? table->column_count : 1));
        if (!scan->scan_columns)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < table->column_count; i++)
            scan->scan_columns[i] = i;
        SL_TRY(sl_logical_columns(b->ctx, scan, err));
        SL_TRY(add_plan_relation(b, scan, alias, ref, err));
        *out = scan;
        return SL_OK;
    }
    sl_source *source = sl_catalog_find_source(b->catalog, tname);
    if (source) {
        sl_logical_op *scan;
        SL_TRY(sl_bind_source_scan(b, source, ref->position, &scan, err));
        SL_TRY(add_plan_relation(b, scan, alias, ref, err));
        *out = scan;
        return SL_OK;
    }
    sl_view *view = sl_catalog_find_view(b->catalog, tname);
    if (view) {
        sl_ast_stmt *stmt;
        size_t end;
        sl_status st = sl_parse_statement(b->arena, view->sql, 0, &stmt, &end, err);
        if (st != SL_OK)
            return st;
        if (!stmt || stmt->kind != SL_AST_STMT_SELECT)
            return sl_error_set_at(err, SL_ERR_CATALOG, ref->position, "view \"%s\" does not hold a query", tname);
        const char *view_sql = sl_bind_strdup(b, view->sql);
        if (!view_sql)
            return sl_error_oom(err);
        sl_logical_op *plan;
        st = bind_named_query(b, stmt->select.query, NULL, view_sql, &plan, ref->position, err);
        if (st != SL_OK) {
            if (err) {
                char msg[SL_ERROR_MESSAGE_MAX];
                snprintf(msg, sizeof msg, "%s", err->message);
                sl_error_set_at(err, st, ref->position, "while binding view \"%s\": %s", tname, msg);
            }
            return st;
        }
        SL_TRY(rename_outputs(b, plan, view->column_aliases, view->column_alias_count, ref->position, "view", err));
        SL_TRY(add_plan_relation(b, plan, alias, ref, err));
        *out = plan;
        return SL_OK;
    }
    sl_stream_object *stream = sl_catalog_find_stream_object(b->catalog, tname);
    if (stream && stream->kind == SL_STREAM_OBJECT_MATERIALIZED_VIEW) {   /* sql/bind_stream_ddl.c */
        SL_TRY(sl_bind_view_scan(b, stream, ref->position, out, err));
        return add_plan_relation(b, *out, alias, ref, err);
    }
    if (stream)
        return sl_error_set_at(err, SL_ERR_CATALOG, ref->position, "\"%s\" is a sink, which has no rows to read",
                               tname);
    /* system tables: argument-less table functions found by bare name */
    if (strncmp(tname, "sluice_", 7) == 0 && sl_table_function_find(tname)) {
        sl_table_function_args none;
        memset(&none, 0, sizeof none);
        none.position = ref->position;
        return bind_function_op(b, sl_table_function_find(tname), &none, alias, ref, ref->position, out, err);
    }
    const char *suggest = sl_catalog_suggest(b->catalog, tname);
    if (suggest)
        return sl_error_set_at(err, SL_ERR_CATALOG, ref->position,
                               "Table with name %s does not exist! Did you mean \"%s\"?", tname, suggest);
    return sl_error_set_at(err, SL_ERR_CATALOG, ref->position, "Table with name %s does not exist!", tname);
}

/* The TABLE_FUNCTION op of `fn` called with `args`, added to the FROM scope as `alias`. */
static sl_status bind_function_op(sl_binder *b, const sl_table_function *fn, const sl_table_function_args *args,
                                  const char *alias, const sl_ast_table_ref *ref, int position, sl_logical_op **out,
                                  sl_error *err)
{
    sl_logical_op *op = sl_bind_new_op(b, SL_LOP_TABLE_FUNCTION, 0, err);
    if (!op)
        return err ? err->code : SL_ERR_OOM;
    op->function = fn;
    op->table_index = sl_bind_next_index(b);
    sl_status st = fn->bind(b->arena, args, &op->function_data, &op->function_column_count, &op->function_types,
                            &op->function_names, err);
    if (st != SL_OK) {
        if (err && err->position < 0)
            err->position = position;
        return st;
    }
    SL_TRY(sl_logical_columns(b->ctx, op, err));
    SL_TRY(add_plan_relation(b, op, alias, ref, err));
    *out = op;
    return SL_OK;
}

static sl_status bind_table_function(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    const sl_ast_expr *call = ref->function.call;
    if (ref->function.lateral)
        return sl_error_set_at(err, SL_ERR_SYNTAX, ref->position, "LATERAL is not supported");
    const sl_ast_name *fname = &call->function.name;
    const char *name = fname->parts[fname->count - 1].name;
    const sl_table_function *fn = sl_table_function_find(name);
    if (!fn)
        return sl_error_set_at(err, SL_ERR_CATALOG, call->position, "Table Function with name %s does not exist!",
                               name);
    /* Arguments are constants: bind them in a binder with no FROM scope. */
    sl_binder argb;
    sl_binder_init(&argb, b->ctx, b->catalog, b->sql, b->options, NULL, b->ctes, b->nesting);
    uint32_t n = call->function.arg_count;
    sl_value *positional = sl_arena_calloc(b->arena, sizeof(sl_value) * (n ? n : 1));
    sl_value *named = sl_arena_calloc(b->arena, sizeof(sl_value) * (n ? n : 1));
    const char **named_names = sl_arena_calloc(b->arena, sizeof(char *) * (n ? n : 1));
    if (!positional || !named || !named_names)
        return sl_error_oom(err);
    sl_table_function_args args;
    memset(&args, 0, sizeof args);
    for (uint32_t i = 0; i < n; i++) {
        sl_expr *e;
        SL_TRY(sl_bind_expr(&argb, call->function.args[i], SL_BIND_PLAIN, &e, err));
        sl_value v;
        SL_TRY(sl_bind_fold_constant(b, e, &v, err));
        const char *an = call->function.arg_names ? call->function.arg_names[i] : NULL;
        if (an) {
            named_names[args.named_count] = an;
            named[args.named_count++] = v;
        } else {
            if (args.named_count > 0)
                return sl_error_set_at(err, SL_ERR_SYNTAX, call->function.args[i]->position,
                                       "positional arguments must come before named arguments");
            positional[args.positional_count++] = v;
        }
    }
    args.positional = positional;
    args.named_names = named_names;
    args.named_values = named;
    args.position = call->position;
    return bind_function_op(b, fn, &args, ref->alias.name ? ref->alias.name : name, ref, call->position, out, err);
}

static sl_status bind_derived_table(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    if (ref->subquery.lateral)
        return sl_error_set_at(err, SL_ERR_SYNTAX, ref->position, "LATERAL is not supported");
    sl_logical_op *plan;
    /* A derived table is part of this level's plan: outer references resolve from our parent. */
    SL_TRY(sl_bind_subquery(b, b->parent, ref->subquery.query, b->ctes, b->nesting, b->sql, &plan, err));
    SL_TRY(add_plan_relation(b, plan, ref->alias.name, ref, err));
    *out = plan;
    return SL_OK;
}

/* Finds an unqualified column among scope relations [from, to): the merged USING column
 * if any, else the unique relation column. */
static sl_status find_join_column(sl_binder *b, uint32_t from, uint32_t to, const char *name, int position,
                                  const char *side, sl_expr **out, uint32_t **rels, uint32_t *rel_count,
                                  sl_error *err)
{
    const sl_bind_using *u = find_using(b, name);
    if (u && u->rel_count > 0 && u->rels[0] >= from && u->rels[0] < to) {
        *out = sl_expr_copy(b->arena, u->expr);
        *rels = u->rels;
        *rel_count = u->rel_count;
        return *out ? SL_OK : sl_error_oom(err);
    }
    int found = -1, col = -1;
    for (uint32_t r = from; r < to; r++) {
        int c = find_column(&b->scope.rels[r], name);
        if (c < 0)
            continue;
        if (found >= 0)
            return sl_error_set_at(err, SL_ERR_CATALOG, position,
                                   "Ambiguous column \"%s\" on the %s side of the USING clause", name, side);
        found = (int)r;
        col = c;
    }
    if (found < 0)
        return sl_error_set_at(err, SL_ERR_CATALOG, position,
                               "Column \"%s\" does not exist on %s side of join!", name, side);
    *out = relation_column(b, &b->scope.rels[found], (uint32_t)col, position);
    uint32_t *one = sl_arena_alloc(b->arena, sizeof(uint32_t));
    if (!*out || !one)
        return sl_error_oom(err);
    *one = (uint32_t)found;
    *rels = one;
    *rel_count = 1;
    return SL_OK;
}

static sl_status bind_using(sl_binder *b, sl_logical_op *join, const char *const *names, uint32_t n,
                            uint32_t left_from, uint32_t split, uint32_t right_to, int position, sl_error *err)
{
    sl_expr **conds = sl_arena_alloc(b->arena, sizeof(sl_expr *) * (n ? n : 1));
    if (!conds)
        return sl_error_oom(err);
    for (uint32_t i = 0; i < n; i++) {
        sl_expr *l, *r;
        uint32_t *lrels, *rrels, lcount, rcount;
        SL_TRY(find_join_column(b, left_from, split, names[i], position, "left", &l, &lrels, &lcount, err));
        SL_TRY(find_join_column(b, split, right_to, names[i], position, "right", &r, &rrels, &rcount, err));
        sl_expr *args[2] = { l, r };
        SL_TRY(sl_function_bind(b->arena, "=", args, 2, position, &conds[i], err));
        /* merged column */
        sl_expr *merged;
        switch (join->join_type) {
        case SL_JOIN_RIGHT:
            merged = sl_expr_copy(b->arena, r);
            break;
        case SL_JOIN_FULL: {
            sl_expr *m[2] = { sl_expr_copy(b->arena, l), sl_expr_copy(b->arena, r) };
            if (!m[0] || !m[1])
                return sl_error_oom(err);
            sl_type t;
            SL_TRY(sl_bind_unify(b, m, 2, "USING column", position, &t, err));
            merged = sl_expr_new(b->arena, SL_EXPR_COALESCE, t);
            if (merged) {
                merged->args = sl_arena_alloc(b->arena, sizeof(sl_expr *) * 2);
                if (!merged->args)
                    return sl_error_oom(err);
                merged->args[0] = m[0];
                merged->args[1] = m[1];
                merged->arg_count = 2;
                merged->position = position;
            }
            break;
        }
        default:
            merged = sl_expr_copy(b->arena, l);
            break;
        }
        if (!merged)
            return sl_error_oom(err);
        uint32_t *all = sl_arena_alloc(b->arena, sizeof(uint32_t) * (lcount + rcount));
        if (!all)
            return sl_error_oom(err);
        memcpy(all, lrels, sizeof(uint32_t) * lcount);
        memcpy(all + lcount, rrels, sizeof(uint32_t) * rcount);
        const char *nm = sl_bind_strdup(b, names[i]);
        if (!nm)
            return sl_error_oom(err);
        SL_TRY(scope_add_using(b, nm, merged, all, lcount + rcount, err));
    }
    if (n == 1) {
        join->condition = conds[0];
    } else if (n > 1) {
        sl_expr *and_e = sl_expr_new(b->arena, SL_EXPR_AND, sl_type_make(SL_TYPE_BOOLEAN));
        if (!and_e)
            return sl_error_oom(err);
        and_e->args = conds;
        and_e->arg_count = n;
        and_e->position = position;
        join->condition = and_e;
    }
    return SL_OK;
}

static sl_status bind_join(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    uint32_t left_from = b->scope.rel_count;
    sl_logical_op *left, *right;
    SL_TRY(sl_bind_from(b, ref->join.left, &left, err));
    uint32_t split = b->scope.rel_count;
    SL_TRY(sl_bind_from(b, ref->join.right, &right, err));
    uint32_t right_to = b->scope.rel_count;
    sl_logical_op *join = sl_bind_new_op(b, SL_LOP_JOIN, 2, err);
    if (!join)
        return err ? err->code : SL_ERR_OOM;
    join->children[0] = left;
    join->children[1] = right;
    switch (ref->join.type) {
    case SL_AST_JOIN_LEFT: join->join_type = SL_JOIN_LEFT; break;
    case SL_AST_JOIN_RIGHT: join->join_type = SL_JOIN_RIGHT; break;
    case SL_AST_JOIN_FULL: join->join_type = SL_JOIN_FULL; break;
    default: join->join_type = SL_JOIN_INNER; break;
    }
    if (ref->join.condition) {
        sl_expr *c;
        SL_TRY(sl_bind_expr(b, ref->join.condition, SL_BIND_PLAIN, &c, err));
        if (c->type.id != SL_TYPE_BOOLEAN)
            SL_TRY(sl_bind_cast(b, c, sl_type_make(SL_TYPE_BOOLEAN), &c, err));
        join->condition = c;
    } else if (ref->join.using_count > 0) {
        const char **names = sl_arena_alloc(b->arena, sizeof(char *) * ref->join.using_count);
        if (!names)
            return sl_error_oom(err);
        for (uint32_t i = 0; i < ref->join.using_count; i++)
            names[i] = ref->join.using_columns[i].name;
        SL_TRY(bind_using(b, join, names, ref->join.using_count, left_from, split, right_to, ref->position, err));
    } else if (ref->join.natural) {
        /* columns visible on both sides, in left order */
        uint32_t cap = 0;
        for (uint32_t r = left_from; r < split; r++)
            cap += b->scope.rels[r].column_count;
        const char **names = sl_arena_alloc(b->arena, sizeof(char *) * (cap ? cap : 1));
        if (!names)
            return sl_error_oom(err);
        uint32_t n = 0;
        for (uint32_t r = left_from; r < split; r++) {
            const sl_bind_relation *rel = &b->scope.rels[r];
            for (uint32_t c = 0; c < rel->column_count; c++) {
                bool dup = false, on_right = false;
                for (uint32_t k = 0; k < n && !dup; k++)
                    dup = strcasecmp(names[k], rel->names[c]) == 0;
                for (uint32_t rr = split; rr < right_to && !on_right; rr++)
                    on_right = find_column(&b->scope.rels[rr], rel->names[c]) >= 0;
                if (!dup && on_right)
                    names[n++] = rel->names[c];
            }
        }
        SL_TRY(bind_using(b, join, names, n, left_from, split, right_to, ref->position, err));
    } else if (ref->join.type != SL_AST_JOIN_CROSS && !ref->join.comma) {
        return sl_error_set_at(err, SL_ERR_SYNTAX, ref->position, "JOIN requires an ON or USING clause");
    }
    SL_TRY(sl_logical_columns(b->ctx, join, err));
    *out = join;
    return SL_OK;
}

sl_status sl_bind_from(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err)
{
    switch (ref->kind) {
    case SL_AST_TABLE_BASE: return bind_base_table(b, ref, out, err);
    case SL_AST_TABLE_SUBQUERY: return bind_derived_table(b, ref, out, err);
    case SL_AST_TABLE_FUNCTION: return bind_table_function(b, ref, out, err);
    case SL_AST_TABLE_JOIN: return bind_join(b, ref, out, err);
    case SL_AST_TABLE_WINDOW: return sl_bind_window_table(b, ref, out, err);
    }
    return sl_error_set_at(err, SL_ERR_INTERNAL, ref->position, "unknown FROM item");
}
