/*
 * bind_internal.h — private state shared by the binder's files (binder.c, bind_query.c,
 * bind_from.c, bind_expr.c, bind_name.c). Not for use outside src/sql/bind*.c.
 *
 * One sl_binder exists per query level. Subquery expressions get a child binder whose
 * `parent` is the binder of the enclosing query (correlated names resolve there, with
 * depth = number of hops). Derived tables, CTE bodies and views get a binder whose
 * parent is the enclosing binder's parent (derived table) or NULL (CTE body, view), since
 * their plans are embedded in the current plan rather than in a subquery expression.
 *
 * The FROM clause fills the binder's scope: an ordered list of relations (alias, column
 * names, types, bindings) plus the merged USING columns.
 */
#ifndef SL_SQL_BIND_INTERNAL_H
#define SL_SQL_BIND_INTERNAL_H

#include "catalog/catalog.h"
#include "expr/function.h"
#include "plan/logical.h"
#include "sql/ast.h"
#include "sql/binder.h"

/* A relation visible in FROM: a table, view, subquery, function or VALUES. */
typedef struct sl_bind_relation {
    const char *alias;               /* qualifier (alias or table name); may be NULL (unnamed) */
    uint32_t column_count;
    const char **names;
    sl_type *types;
    sl_column_binding *bindings;
} sl_bind_relation;

/* A column merged by JOIN ... USING / NATURAL JOIN: an unqualified reference to `name`
 * means `expr` (left side, right side for RIGHT JOIN, COALESCE for FULL JOIN). */
typedef struct sl_bind_using {
    const char *name;
    sl_expr *expr;
    uint32_t rel_count;              /* relations whose column `name` is merged into this one */
    uint32_t *rels;                  /* indexes into scope.rels */
} sl_bind_using;

typedef struct sl_bind_scope {
    sl_bind_relation *rels;
    uint32_t rel_count;
    size_t rel_cap;
    sl_bind_using *usings;
    uint32_t using_count;
    size_t using_cap;
} sl_bind_scope;

/* CTE visible at a query level (linked list, innermost first). */
typedef struct sl_bind_cte {
    const sl_ast_cte *cte;
    const struct sl_bind_cte *next;  /* CTEs defined before this one / in outer queries */
} sl_bind_cte;

typedef struct sl_binder {
    sl_plan_context *ctx;
    sl_arena *arena;
    sl_catalog *catalog;
    const char *sql;
    const sl_bind_options *options;
    struct sl_binder *parent;        /* enclosing query level, NULL at the top */
    const sl_bind_cte *ctes;
    int nesting;                     /* views/CTE expansion depth (recursion guard) */

    sl_bind_scope scope;

    /* Aggregation / window state of the SELECT being bound. */
    bool aggregating;
    uint32_t group_index, aggregate_index, window_index;
    uint32_t group_count;
    sl_expr **groups;
    size_t group_cap;
    uint32_t aggregate_count;
    sl_expr **aggregates;
    size_t aggregate_cap;
    uint32_t window_count;
    sl_expr **windows;
    size_t window_cap;
    /* Binding the select list / HAVING / ORDER BY of an aggregating level (outside aggregate
     * arguments): a subquery's reference to a GROUP BY expression of this level resolves to
     * its group binding, the column the subquery sees above the aggregate. */
    bool grouped_scope;
    const sl_ast_select_core *core;  /* for named windows */
    /* select list (for aliases in GROUP BY / ORDER BY) */
    const sl_ast_select_core *select_core;
    /* Flink legacy group window of the SELECT being bound (GROUP BY TUMBLE(..)), or NULL. */
    struct sl_bind_group_window *group_window;
    /* This level's query may carry an EMIT clause (the outermost query of a SELECT). */
    bool emit_allowed;
} sl_binder;

/* What an expression context allows. */
typedef enum sl_bind_mode {
    SL_BIND_PLAIN = 0,               /* WHERE, ON, GROUP BY, arguments of aggregates */
    SL_BIND_AGGREGATES = 1,          /* aggregate calls allowed (HAVING) */
    SL_BIND_WINDOWS = 2,             /* window calls allowed */
    SL_BIND_SELECT = 3               /* SELECT list, ORDER BY, QUALIFY */
} sl_bind_mode;

/* ---------------------------------------------------------------- binder.c */
void sl_binder_init(sl_binder *b, sl_plan_context *ctx, sl_catalog *catalog, const char *sql,
                    const sl_bind_options *options, sl_binder *parent, const sl_bind_cte *ctes, int nesting);
/* Creates a new node, or reports OOM. */
sl_logical_op *sl_bind_new_op(sl_binder *b, sl_logical_kind kind, uint32_t child_count, sl_error *err);
uint32_t sl_bind_next_index(sl_binder *b);
char *sl_bind_strdup(sl_binder *b, const char *s);

/* ---------------------------------------------------------------- bind_query.c */
/* Binds a whole query (WITH, set operations, ORDER BY, LIMIT) at a fresh level. */
sl_status sl_bind_query(sl_binder *b, const sl_ast_query *q, sl_logical_op **out, sl_error *err);
/* Binds `q` in a new binder with the given parent (subqueries, derived tables). */
/* Binds a bare VALUES query of INSERT with every value cast to targets[column]. */
sl_status sl_bind_insert_values(sl_binder *b, const sl_ast_query *q, const sl_type *targets, sl_logical_op **out,
                                sl_error *err);
sl_status sl_bind_subquery(sl_binder *b, sl_binder *parent, const sl_ast_query *q, const sl_bind_cte *ctes,
                           int nesting, const char *sql, sl_logical_op **out, sl_error *err);
/* Wraps plan in a PROJECT that casts its columns to `types` (no-op when equal). */
sl_status sl_bind_cast_columns(sl_binder *b, sl_logical_op *plan, const sl_type *types, sl_logical_op **out,
                               sl_error *err);
/* Folds a constant expression to a value (string bytes moved into the arena). */
sl_status sl_bind_fold_constant(sl_binder *b, sl_expr *e, sl_value *out, sl_error *err);

/* Adds e to the GROUP BY list unless an equal expression is there. */
sl_status sl_bind_add_group(sl_binder *b, sl_expr *e, sl_error *err);

/* ---------------------------------------------------------------- bind_window.c */
/* TUMBLE / HOP / CUMULATE / SESSION in FROM: a WINDOW_TVF added to the scope. */
sl_status sl_bind_window_table(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err);
/* Is e a GROUP BY TUMBLE / HOP / SESSION call (legacy group window)? */
bool sl_bind_is_group_window_call(const sl_ast_expr *e);
/* Finds the legacy group window in core's GROUP BY (at most one); if there is one, wraps
 * *plan (FROM + WHERE) in its WINDOW_TVF and records it in b->group_window. */
sl_status sl_bind_group_window(sl_binder *b, const sl_ast_select_core *core, sl_logical_op **plan, sl_error *err);
/* Adds the group window's window_start and window_end to the GROUP BY list. */
sl_status sl_bind_group_window_groups(sl_binder *b, sl_error *err);
/* Is e a TUMBLE_START / _END / _ROWTIME (HOP_*, SESSION_*) call? */
bool sl_bind_is_group_window_ref(const sl_ast_expr *e);
/* Binds such a call to the group window's column (arguments checked against GROUP BY). */
sl_status sl_bind_group_window_ref(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err);

/* ---------------------------------------------------------------- bind_from.c */
sl_status sl_bind_from(sl_binder *b, const sl_ast_table_ref *ref, sl_logical_op **out, sl_error *err);

/* ---- bind_source.c: CREATE SOURCE, SHOW SOURCES and sources in FROM */
sl_status sl_bind_create_source(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err);
/* ---- bind_stream_ddl.c: CREATE MATERIALIZED VIEW / SINK and materialized views in FROM */
sl_status sl_bind_create_stream(sl_binder *b, const sl_ast_stmt *stmt, sl_bound_statement *s, sl_error *err);
/* A TABLE_FUNCTION scanning a snapshot of the materialized view (not yet in scope). */
sl_status sl_bind_view_scan(sl_binder *b, const sl_stream_object *view, int position, sl_logical_op **out,
                            sl_error *err);

/* A TABLE_FUNCTION over the source's connector (columns computed, not yet in scope).
 * Fails at `position` when the source is unbounded. */
sl_status sl_bind_source_scan(sl_binder *b, const sl_source *source, int position, sl_logical_op **out,
                              sl_error *err);
/* Adds a relation to the scope (arrays copied into the arena). Returns its index. */
sl_status sl_bind_scope_add(sl_binder *b, const char *alias, uint32_t n, const char **names,
                            const sl_type *types, const sl_column_binding *bindings, int position,
                            sl_error *err);
/* Resolves a (possibly qualified) column name in b's scope and the enclosing scopes. */
sl_status sl_bind_column_ref(sl_binder *b, const sl_ast_name *name, int position, sl_expr **out,
                             sl_error *err);
/* Expands * or t.* into the visible columns (USING columns merged). */
sl_status sl_bind_star(sl_binder *b, const sl_ast_name *qualifier, int position, sl_expr ***exprs,
                       uint32_t *count, sl_error *err);

/* ---------------------------------------------------------------- bind_expr.c */
sl_status sl_bind_expr(sl_binder *b, const sl_ast_expr *e, sl_bind_mode mode, sl_expr **out, sl_error *err);
/* Binds a literal of the given constant kind. */
sl_status sl_bind_constant(sl_binder *b, const sl_ast_expr *e, sl_expr **out, sl_error *err);
/* Casts expr to target (sl_cast_bind with position). */
sl_status sl_bind_cast(sl_binder *b, sl_expr *e, sl_type target, sl_expr **out, sl_error *err);
/* Coerces all exprs to their common type (error naming `what` if there is none). */
sl_status sl_bind_unify(sl_binder *b, sl_expr **exprs, uint32_t n, const char *what, int position,
                        sl_type *common, sl_error *err);
/* Does the AST expression contain an aggregate call (outside subqueries and OVER)? */
bool sl_ast_has_aggregate(const sl_ast_expr *e);
bool sl_ast_has_window(const sl_ast_expr *e);
/* In an aggregating query: replaces GROUP BY expressions by group bindings and checks
 * that no other column of this level is used outside an aggregate. */
sl_status sl_bind_rewrite_groups(sl_binder *b, sl_expr *e, sl_expr **out, sl_error *err);
/* Binds ORDER BY items of a window / aggregate (mode for their expressions). */
sl_status sl_bind_order_items(sl_binder *b, const sl_ast_order_item *items, uint32_t n, sl_bind_mode mode,
                              sl_order_spec **out, sl_error *err);
bool sl_bind_nulls_first(const sl_ast_order_item *item);

/* ---------------------------------------------------------------- bind_name.c */
/* DuckDB-style output name of a select-list expression ("(a + 1)", "count_star()"). */
const char *sl_bind_expr_name(sl_binder *b, const sl_ast_expr *e);

#endif
