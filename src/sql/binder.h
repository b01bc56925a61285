/*
 * binder.h — AST (sql/ast.h) to bound statement with a logical plan (plan/logical.h).
 *
 * Data flow: parser ─► AST ─► binder (this module, with the catalog) ─► logical plan ─►
 * optimizer. The binder resolves names (tables, views, CTEs, columns), types every
 * expression through the function registry (expr/function.h: coercions are decided
 * there, never here), and builds the logical plan of each query following DuckDB's
 * design: every operator that creates columns takes fresh table indexes from
 * sl_plan_context.next_table_index, and expressions refer to columns by
 * (table_index, column_index) bindings.
 *
 * Shape of a bound SELECT (each part only when present):
 *
 *   FROM plan ─► FILTER(where) ─► AGGREGATE(groups; aggregates) ─► FILTER(having)
 *   ─► WINDOW ─► FILTER(qualify) ─► PROJECT(select list ++ hidden ORDER BY columns)
 *   ─► DISTINCT ─► SORT ─► LIMIT ─► PROJECT(drop hidden columns)
 *
 *   - FROM: SCAN (all table columns; the optimizer prunes scan_columns), TABLE_FUNCTION,
 *     VALUES, DUMMY (no FROM), JOIN trees. A comma / CROSS JOIN is a JOIN INNER with
 *     condition NULL; WHERE stays in a FILTER above it (the optimizer turns it into join
 *     conditions). Views and CTEs are bound afresh from their AST at every reference.
 *   - Expressions above the AGGREGATE refer to (group_index, i) and (aggregate_index, j);
 *     above the WINDOW to (window_index, k).
 *   - ORDER BY NULL order defaults to NULLS LAST for ASC and DESC (DuckDB's default).
 *   - Not supported yet (clear errors): SELECT DISTINCT ON, WITH RECURSIVE, LATERAL,
 *     GROUPS frames / EXCLUDE, LIST/STRUCT access.
 *
 * Subqueries inside expressions are SL_EXPR_SUBQUERY nodes (expr.h) carrying the bound
 * plan of the subquery in `subquery` (subquery_kind SCALAR / EXISTS / IN / ANY / ALL;
 * for IN / ANY / ALL args[0] is the tested expression, already cast to the common type
 * with the subquery's single output column, and subquery_op is "=", "<>", "<", ...;
 * NOT IN sets `negated`). NOT EXISTS is SL_EXPR_NOT over an EXISTS subquery.
 *
 * CORRELATION — the representation the optimizer's decorrelation relies on:
 *   A column of an enclosing query used inside a subquery is an SL_EXPR_COLUMN with
 *   `depth` = how many subquery levels up the column lives (1 = the query immediately
 *   containing the subquery expression) and `binding` = the column's binding in that
 *   outer query's plan (a binding produced by the outer query's FROM operators).
 *   Derived tables (FROM (SELECT ...)) are not a level: they are part of the enclosing
 *   plan, so a reference from inside them to the query around the subquery has depth 1.
 *   A subquery is correlated iff its plan (including nested subquery plans, where the
 *   depth is relative to *their* level) contains such columns.
 *
 * Prepared-statement parameters ($n, ?) are replaced by typed constants taken from
 * options->params at bind time (an unbound parameter is an error).
 *
 * Lifetime: the bound statement, its plan, expressions and strings are allocated in
 * ctx->arena and live as long as it.
 */
#ifndef SL_SQL_BINDER_H
#define SL_SQL_BINDER_H

#include "catalog/catalog.h"
#include "plan/logical.h"
#include "sql/ast.h"

struct sl_catalog;

typedef struct sl_bind_options {
    const sl_value *params;          /* prepared-statement parameter values, $1 = params[0] */
    uint32_t param_count;
    const sl_eval_context *eval;     /* now_micros for current_date / now(); may be NULL */
} sl_bind_options;

typedef enum sl_bound_kind {
    SL_BOUND_SELECT,          /* plan; also DESCRIBE, SHOW TABLES (queries over VALUES) */
    SL_BOUND_EXPLAIN,         /* explained (+ explain_analyze) */
    SL_BOUND_CREATE_TABLE,    /* table_name, columns, if_not_exists, or_replace */
    SL_BOUND_CREATE_TABLE_AS, /* table_name, columns (from the query), plan, if_not_exists, or_replace */
    SL_BOUND_CREATE_VIEW,     /* table_name, view_sql, view_aliases, or_replace, if_not_exists */
    SL_BOUND_DROP,            /* drop_kind, drop_names, if_exists */
    SL_BOUND_INSERT,          /* table, plan (outputs exactly the table's columns, typed) */
    SL_BOUND_COPY_FROM,       /* table, path, options, copy_columns */
    SL_BOUND_COPY_TO,         /* plan (table scan or the query), path, options */
    SL_BOUND_SET,             /* setting_name, setting_value (or setting_default) */
    SL_BOUND_RESET,           /* setting_name (NULL = RESET ALL) */
    SL_BOUND_SHOW,            /* setting_name ("all" for SHOW ALL) */
    SL_BOUND_CREATE_SOURCE,   /* source (validated definition), if_not_exists, or_replace */
    SL_BOUND_CREATE_MATERIALIZED_VIEW, /* table_name, if_not_exists, plan, view_sql (bind_stream_ddl.c) */
    SL_BOUND_CREATE_SINK,     /* table_name, if_not_exists, plan + view_sql or stream_from, path, stream_format */
    SL_BOUND_SHOW_STREAMS     /* SHOW MATERIALIZED VIEWS / SINKS: drop_kind says which */
} sl_bound_kind;

/* A COPY / WITH option: lower-case name and a constant value. A value-less option is
 * BOOLEAN true; a list value (FORCE_QUOTE (a, b)) is a VARCHAR "a,b". VARCHAR bytes live
 * in the arena: never sl_value_free these values. */
typedef struct sl_bound_option {
    const char *name;
    sl_value value;
    int position;
} sl_bound_option;

typedef struct sl_bound_statement {
    sl_bound_kind kind;
    int position;                    /* of the statement in the SQL text */

    /* SELECT, INSERT source, CREATE TABLE AS, COPY TO: the logical plan. */
    sl_logical_op *plan;
    /* The query's trailing EMIT clause (src/stream/README.md). */
    bool emit_changes;               /* ... EMIT CHANGES */
    bool emit_on_window_close;       /* ... EMIT ON WINDOW CLOSE */
    /* Output (SELECT / EXPLAIN / SHOW): column names and types, plan->column_count of them. */
    uint32_t column_count;
    const char **names;
    sl_type *types;

    /* CREATE TABLE [AS] / CREATE VIEW / INSERT / COPY: the object name (lower-case unless quoted) */
    const char *table_name;
    uint32_t column_def_count;       /* CREATE TABLE: column definitions (types resolved) */
    sl_column_def *column_defs;
    bool if_not_exists;
    bool or_replace;
    bool temporary;

    /* CREATE VIEW */
    const char *view_sql;            /* the view's query text */
    uint32_t view_alias_count;
    char **view_aliases;

    /* DROP */
    sl_ast_object_kind drop_kind;    /* SL_AST_OBJECT_TABLE / SL_AST_OBJECT_VIEW */
    uint32_t drop_count;
    const char **drop_names;
    bool if_exists;

    /* INSERT / COPY FROM: the target table (catalog-owned). */
    struct sl_table *table;
    /* INSERT: for each table column, the index of the INSERT column list entry that feeds it,
     * or -1 when it is filled with NULL (already done in the plan; informative). */
    int32_t *insert_map;

    /* COPY */
    const char *path;
    uint32_t option_count;
    sl_bound_option *options;
    uint32_t copy_column_count;      /* COPY t (a, b) FROM ...: table column ids; 0 = all */
    uint32_t *copy_columns;

    /* SET / RESET / SHOW */
    const char *setting_name;
    sl_value setting_value;          /* constant (VARCHAR bytes in the arena) */
    bool setting_default;            /* SET x TO DEFAULT */

    /* EXPLAIN */
    struct sl_bound_statement *explained;
    bool explain_analyze;

    /* CREATE SOURCE: the definition to store (arena-allocated; the catalog copies it).
     * DROP SOURCE uses drop_kind SL_AST_OBJECT_SOURCE. */
    struct sl_source *source;

    /* CREATE MATERIALIZED VIEW / CREATE SINK (sql/bind_stream_ddl.c). plan, column_count,
     * names and types describe the query (bound to check it; the background job binds
     * view_sql, its text, again in its own arena). A sink FROM a materialized view has
     * stream_from = the view's name and follows its changes (view_sql is NULL). Sinks:
     * path, and stream_format "csv" or "json". */
    const char *stream_from;
    const char *stream_format;
    /* Sinks with connector = 'nats' (connect/nats_sink.h): sink_server is set (the NATS
     * URL), path holds the subject and stream_format "json" or "debezium-json". */
    const char *sink_server;
    /* Sinks with connector = 'kafka' (connect/kafka_sink.h): its options; path = the topic. */
    const struct sl_kafka_sink_options *kafka_sink;
} sl_bound_statement;

/* Binds one statement. `sql` is the text the AST was parsed from (view definitions and
 * error positions refer to it). On success *out is arena-allocated (ctx->arena). On
 * failure err carries the code (SL_ERR_CATALOG unknown names, SL_ERR_TYPE type errors,
 * SL_ERR_SYNTAX / SL_ERR_INVALID_INPUT for misuse) and the SQL position. The catalog is
 * only read (callers hold whatever lock they need). */
sl_status sl_bind_statement(sl_plan_context *ctx, struct sl_catalog *catalog, const sl_ast_stmt *stmt,
                            const char *sql, const sl_bind_options *options, sl_bound_statement **out,
                            sl_error *err);

/* Counts parameters in a statement (for sluice_prepared_parameter_count): the highest
 * $n index, or the number of ? markers. */
uint32_t sl_ast_parameter_count(const sl_ast_stmt *stmt);

#endif
