/*
 * ast.h — the abstract syntax tree produced by the SQL parser (src/sql/parser.c).
 *
 * Data flow: SQL text ─► lexer ─► parser ─► AST (this file) ─► binder ─► logical plan.
 *
 * The AST is a faithful, untyped picture of what the user wrote. Nothing is resolved:
 * names are strings, types are names with parameters, literals keep their source text.
 *
 * Conventions shared by every node:
 *  - `position` is the byte offset into the SQL text of the token that starts the node
 *    (for operators: the operator token), so later stages can report errors with a caret.
 *  - Identifiers (sl_ast_ident) keep the spelling after PostgreSQL folding: unquoted
 *    identifiers are folded to lower case by the parser, quoted ones ("Name", `name`)
 *    are kept exactly and flagged `quoted`.
 *  - Lists are (pointer, count) pairs; an empty list has count 0 (pointer may be NULL).
 *  - Every node, string and array is allocated in the sl_arena passed to the parser and
 *    lives exactly as long as that arena. Nodes are never freed one by one.
 *
 * Special forms are normalised to plain function calls, as DuckDB does, so the binder
 * sees fewer node kinds (the function name is always lower case, `position` of the
 * keyword):
 *    EXTRACT(field FROM x)            -> extract('field', x)   (field lower-cased string)
 *    SUBSTRING(x FROM a [FOR b])      -> substring(x, a [, b]) (FOR only: substring(x, 1, b))
 *    POSITION(a IN b)                 -> position(a, b)
 *    TRIM([BOTH] [c] FROM x)          -> trim(x [, c]);  LEADING -> ltrim, TRAILING -> rtrim
 *    OVERLAY is not supported.
 *    current_date, current_timestamp, current_time, localtimestamp, localtime
 *                                     -> call with no args, `no_parens` = true
 *    COALESCE/NULLIF/GREATEST/LEAST   -> plain calls
 */
#ifndef SL_SQL_AST_H
#define SL_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/status.h"

typedef struct sl_ast_expr sl_ast_expr;
typedef struct sl_ast_query sl_ast_query;
typedef struct sl_ast_table_ref sl_ast_table_ref;
typedef struct sl_ast_window sl_ast_window;
typedef struct sl_ast_stmt sl_ast_stmt;

/* ------------------------------------------------------------------ names and types */

typedef struct sl_ast_ident {
    char *name;          /* folded to lower case unless quoted; NUL-terminated */
    bool quoted;         /* written as "name" or `name` */
    int position;
} sl_ast_ident;

/* A possibly qualified name: catalog.schema.table, table.column, ... */
typedef struct sl_ast_name {
    sl_ast_ident *parts;
    uint32_t count;      /* >= 1 */
    int position;
} sl_ast_name;

/* A type as written: `name` is the lower-case canonical spelling with multi-word names
 * joined by single spaces ("double precision", "timestamp with time zone",
 * "character varying"); TIMESTAMP/TIME WITHOUT TIME ZONE become "timestamp"/"time".
 * Parameters such as DECIMAL(15,2) or VARCHAR(25) are in params (count 0..2); sl_type_parse(name, p0, p1) resolves it. `array_dims` counts trailing
 * [] (lists are a later feature; the binder rejects them). */
typedef struct sl_ast_type {
    char *name;
    int64_t params[2];
    uint32_t param_count;
    uint32_t array_dims;
    int position;
} sl_ast_type;

/* ------------------------------------------------------------------ expressions */

typedef enum sl_ast_expr_kind {
    SL_AST_EXPR_CONSTANT,       /* constant */
    SL_AST_EXPR_COLUMN,         /* column: name.parts = [table.]column (or deeper) */
    SL_AST_EXPR_STAR,           /* star: *, t.*  (select list, count(*) uses function.star) */
    SL_AST_EXPR_PARAMETER,      /* parameter: $n or ? (numbered left to right from 1) */
    SL_AST_EXPR_UNARY,          /* unary: NOT x, -x, +x, ~x */
    SL_AST_EXPR_BINARY,         /* binary: arithmetic, comparison, AND/OR, ||, IS DISTINCT */
    SL_AST_EXPR_IS,             /* is: x IS [NOT] NULL|TRUE|FALSE|UNKNOWN, ISNULL, NOTNULL */
    SL_AST_EXPR_BETWEEN,        /* between */
    SL_AST_EXPR_IN_LIST,        /* in_list: x [NOT] IN (a, b, ...) */
    SL_AST_EXPR_LIKE,           /* like: x [NOT] LIKE|ILIKE|SIMILAR TO p [ESCAPE e] */
    SL_AST_EXPR_SUBQUERY,       /* subquery: scalar, EXISTS, IN, ANY/ALL */
    SL_AST_EXPR_FUNCTION,       /* function: calls incl. aggregates and window calls */
    SL_AST_EXPR_CASE,           /* case_ */
    SL_AST_EXPR_CAST,           /* cast: CAST(x AS t), TRY_CAST, x::t */
    SL_AST_EXPR_TYPED_LITERAL,  /* typed: DATE '...', TIMESTAMP '...', INTERVAL '...' [unit] */
    SL_AST_EXPR_SUBSCRIPT,      /* subscript: x[i] or x[a:b] */
    SL_AST_EXPR_FIELD           /* field: (expr).name */
} sl_ast_expr_kind;

typedef enum sl_ast_constant_kind {
    SL_AST_CONST_NULL,
    SL_AST_CONST_BOOLEAN,       /* boolean */
    SL_AST_CONST_INTEGER,       /* text: digits, with a leading '-' when a unary minus was folded
                                   into the literal ("-5"); binder picks INTEGER/BIGINT/DECIMAL */
    SL_AST_CONST_DECIMAL,       /* text: "1.5", ".5", "1." (no exponent) -> DECIMAL */
    SL_AST_CONST_FLOAT,         /* text: with exponent, "1e10", "2.5E-3" -> DOUBLE */
    SL_AST_CONST_STRING         /* text: unescaped contents ('' and E'\n' already resolved) */
} sl_ast_constant_kind;

typedef enum sl_ast_unary_op {
    SL_AST_UNARY_NOT,
    SL_AST_UNARY_MINUS,
    SL_AST_UNARY_PLUS,
    SL_AST_UNARY_BITNOT         /* ~ */
} sl_ast_unary_op;

typedef enum sl_ast_binary_op {
    SL_AST_OP_OR,
    SL_AST_OP_AND,
    SL_AST_OP_EQ,               /* =, == */
    SL_AST_OP_NE,               /* <>, != */
    SL_AST_OP_LT,
    SL_AST_OP_LE,
    SL_AST_OP_GT,
    SL_AST_OP_GE,
    SL_AST_OP_IS_DISTINCT,      /* IS DISTINCT FROM */
    SL_AST_OP_IS_NOT_DISTINCT,  /* IS NOT DISTINCT FROM */
    SL_AST_OP_ADD,
    SL_AST_OP_SUB,
    SL_AST_OP_MUL,
    SL_AST_OP_DIV,
    SL_AST_OP_MOD,
    SL_AST_OP_POW,              /* ^ (and **) */
    SL_AST_OP_CONCAT,           /* || */
    SL_AST_OP_OTHER             /* any other operator; its text is in binary.op_text
                                   (&, |, #, <<, >>, ~, !~, ~~, @>, <@, &&, ...) */
} sl_ast_binary_op;

typedef enum sl_ast_is_kind {
    SL_AST_IS_NULL,
    SL_AST_IS_TRUE,
    SL_AST_IS_FALSE,
    SL_AST_IS_UNKNOWN
} sl_ast_is_kind;

typedef enum sl_ast_like_kind {
    SL_AST_LIKE_LIKE,
    SL_AST_LIKE_ILIKE,
    SL_AST_LIKE_SIMILAR,        /* SIMILAR TO */
    SL_AST_LIKE_GLOB            /* GLOB (DuckDB) */
} sl_ast_like_kind;

typedef enum sl_ast_subquery_kind {
    SL_AST_SUBQUERY_SCALAR,     /* (SELECT ...) */
    SL_AST_SUBQUERY_EXISTS,     /* EXISTS (SELECT ...); NOT EXISTS is UNARY NOT over it */
    SL_AST_SUBQUERY_IN,         /* left [NOT] IN (SELECT ...) */
    SL_AST_SUBQUERY_ANY,        /* left op ANY|SOME (SELECT ...) */
    SL_AST_SUBQUERY_ALL         /* left op ALL (SELECT ...) */
} sl_ast_subquery_kind;

typedef enum sl_ast_null_order {
    SL_AST_NULLS_DEFAULT,       /* not written: PostgreSQL default (LAST for ASC, FIRST for DESC) */
    SL_AST_NULLS_FIRST,
    SL_AST_NULLS_LAST
} sl_ast_null_order;

/* One ORDER BY item (query ORDER BY, window ORDER BY, agg(x ORDER BY y)). An ordinal
 * (ORDER BY 2) is an INTEGER constant expression; the binder interprets it. */
typedef struct sl_ast_order_item {
    sl_ast_expr *expr;
    bool descending;
    sl_ast_null_order nulls;
    int position;
} sl_ast_order_item;

typedef struct sl_ast_when {
    sl_ast_expr *condition;     /* WHEN condition (or the value compared to the CASE operand) */
    sl_ast_expr *result;        /* THEN result */
} sl_ast_when;

struct sl_ast_expr {
    sl_ast_expr_kind kind;
    int position;
    union {
        struct {
            sl_ast_constant_kind kind;
            bool boolean;
            char *text;             /* INTEGER/DECIMAL/FLOAT/STRING; NULL otherwise */
            size_t length;          /* strlen(text); STRING may contain no NUL (rejected) */
        } constant;
        struct {
            sl_ast_name name;
        } column;
        struct {
            sl_ast_name qualifier;  /* count 0 for plain *, else t.* */
        } star;
        struct {
            uint32_t index;         /* 1-based */
            bool question_mark;     /* written as ? rather than $n */
        } parameter;
        struct {
            sl_ast_unary_op op;
            sl_ast_expr *arg;
        } unary;
        struct {
            sl_ast_binary_op op;
            const char *op_text;    /* operator as written ("<>", "AND", "||", ...) */
            sl_ast_expr *left;
            sl_ast_expr *right;
        } binary;
        struct {
            sl_ast_is_kind what;
            bool negated;           /* IS NOT ... / NOTNULL */
            sl_ast_expr *arg;
        } is;
        struct {
            sl_ast_expr *arg;
            sl_ast_expr *low;
            sl_ast_expr *high;
            bool negated;
            bool symmetric;         /* BETWEEN SYMMETRIC */
        } between;
        struct {
            sl_ast_expr *arg;
            sl_ast_expr **list;
            uint32_t count;         /* >= 1 */
            bool negated;
        } in_list;
        struct {
            sl_ast_like_kind like;
            sl_ast_expr *arg;
            sl_ast_expr *pattern;
            sl_ast_expr *escape;    /* NULL when no ESCAPE clause */
            bool negated;
        } like;
        struct {
            sl_ast_subquery_kind kind;
            sl_ast_query *query;
            sl_ast_expr *left;      /* IN / ANY / ALL: the tested expression */
            sl_ast_binary_op op;    /* ANY / ALL: comparison operator (IN uses EQ) */
            bool negated;           /* NOT IN */
        } subquery;
        struct {
            sl_ast_name name;       /* function name (possibly schema-qualified) */
            sl_ast_expr **args;
            char **arg_names;       /* NULL, or per-arg: NULL for positional, name for
                                       `name := value` / `name => value` (and for table
                                       functions also `name = value`) */
            uint32_t arg_count;
            bool distinct;          /* f(DISTINCT x) */
            bool star;              /* count(*) : arg_count == 0 */
            bool no_parens;         /* current_date etc. written without () */
            sl_ast_order_item *order_by;    /* agg(x ORDER BY y) */
            uint32_t order_count;
            sl_ast_expr *filter;    /* FILTER (WHERE ...) or NULL */
            bool ignore_nulls;      /* f(x) IGNORE NULLS / f(x IGNORE NULLS) */
            sl_ast_window *over;    /* OVER (...) / OVER w, NULL if not a window call */
        } function;
        struct {
            sl_ast_expr *operand;   /* CASE operand WHEN ...; NULL for searched CASE */
            sl_ast_when *whens;
            uint32_t when_count;    /* >= 1 */
            sl_ast_expr *else_result;   /* NULL when no ELSE */
        } case_;
        struct {
            sl_ast_expr *arg;
            sl_ast_type type;
            bool try_cast;
            bool double_colon;      /* written x::t */
        } cast;
        struct {
            sl_ast_type type;       /* DATE, TIMESTAMP, INTERVAL, any type name */
            char *text;             /* the string literal (unescaped); for INTERVAL 3 DAY the number text */
            char *interval_unit;    /* INTERVAL only: "day", "year", "year to month", NULL if absent */
        } typed;
        struct {
            sl_ast_expr *arg;
            sl_ast_expr *index;     /* x[index]; slice start for x[a:b] (may be NULL) */
            sl_ast_expr *slice_end; /* NULL unless a slice */
            bool slice;
        } subscript;
        struct {
            sl_ast_expr *arg;
            sl_ast_ident field;
        } field;
    };
};

/* ------------------------------------------------------------------ windows */

typedef enum sl_ast_frame_unit {
    SL_AST_FRAME_NONE,          /* no frame clause written: SQL default */
    SL_AST_FRAME_ROWS,
    SL_AST_FRAME_RANGE,
    SL_AST_FRAME_GROUPS
} sl_ast_frame_unit;

typedef enum sl_ast_bound_kind {
    SL_AST_BOUND_UNBOUNDED_PRECEDING,
    SL_AST_BOUND_PRECEDING,     /* offset PRECEDING */
    SL_AST_BOUND_CURRENT_ROW,
    SL_AST_BOUND_FOLLOWING,     /* offset FOLLOWING */
    SL_AST_BOUND_UNBOUNDED_FOLLOWING
} sl_ast_bound_kind;

typedef struct sl_ast_frame_bound {
    sl_ast_bound_kind kind;
    sl_ast_expr *offset;        /* PRECEDING / FOLLOWING only */
} sl_ast_frame_bound;

typedef enum sl_ast_frame_exclude {
    SL_AST_EXCLUDE_NO_OTHERS,   /* default */
    SL_AST_EXCLUDE_CURRENT_ROW,
    SL_AST_EXCLUDE_GROUP,
    SL_AST_EXCLUDE_TIES
} sl_ast_frame_exclude;

/* A window specification: OVER (...), OVER w, or an entry of the WINDOW clause. */
struct sl_ast_window {
    sl_ast_ident name;          /* WINDOW clause entry name; name.name NULL otherwise */
    sl_ast_ident ref;           /* OVER w / OVER (w ORDER BY ...): base window; ref.name NULL if none */
    sl_ast_expr **partition_by;
    uint32_t partition_count;
    sl_ast_order_item *order_by;
    uint32_t order_count;
    sl_ast_frame_unit frame_unit;
    sl_ast_frame_bound frame_start;   /* "ROWS x" alone means BETWEEN x AND CURRENT ROW */
    sl_ast_frame_bound frame_end;
    sl_ast_frame_exclude exclude;
    int position;
};

/* ------------------------------------------------------------------ FROM clause */

typedef enum sl_ast_table_ref_kind {
    SL_AST_TABLE_BASE,          /* base: a table, view or CTE by name */
    SL_AST_TABLE_SUBQUERY,      /* subquery: (SELECT ...) alias / (VALUES ...) alias */
    SL_AST_TABLE_FUNCTION,      /* function: read_csv('f', header = true), range(5) */
    SL_AST_TABLE_JOIN,          /* join */
    SL_AST_TABLE_WINDOW         /* window: TUMBLE / HOP / CUMULATE / SESSION (bind_window.c) */
} sl_ast_table_ref_kind;

/* Window table functions in FROM. Both spellings give the same node:
 *   TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset]))      Flink (named arguments
 *   TABLE(HOP(TABLE t, DESCRIPTOR(ts), slide, size [, offset]))   DATA =>, TIMECOL =>,
 *   TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, size [, off]))  SIZE =>, SLIDE =>,
 *   TABLE(SESSION(TABLE t PARTITION BY k, .., DESCRIPTOR(ts), gap))  STEP =>, OFFSET =>,
 *                                                                 GAP => in any order)
 *   TUMBLE(t, ts, size [, offset]), HOP(t, ts, slide, size [, offset]),
 *   CUMULATE(t, ts, step, size [, offset]), SESSION(t, ts, gap)   short form (RisingWave) */
typedef enum sl_ast_window_kind {
    SL_AST_WINDOW_TUMBLE,
    SL_AST_WINDOW_HOP,
    SL_AST_WINDOW_CUMULATE,
    SL_AST_WINDOW_SESSION
} sl_ast_window_kind;

typedef enum sl_ast_join_type {
    SL_AST_JOIN_INNER,
    SL_AST_JOIN_LEFT,
    SL_AST_JOIN_RIGHT,
    SL_AST_JOIN_FULL,
    SL_AST_JOIN_CROSS           /* CROSS JOIN and the comma */
} sl_ast_join_type;

struct sl_ast_table_ref {
    sl_ast_table_ref_kind kind;
    int position;
    sl_ast_ident alias;         /* alias.name NULL when no alias */
    sl_ast_ident *column_aliases;   /* alias(c1, c2, ...) */
    uint32_t column_alias_count;
    union {
        struct {
            sl_ast_name name;
        } base;
        struct {
            sl_ast_query *query;
            bool lateral;
        } subquery;
        struct {
            sl_ast_expr *call;      /* SL_AST_EXPR_FUNCTION (arg_names set for named args) */
            bool lateral;
        } function;
        struct {
            sl_ast_join_type type;
            bool natural;
            bool comma;             /* written as FROM a, b */
            sl_ast_table_ref *left;
            sl_ast_table_ref *right;
            sl_ast_expr *condition; /* ON expr, NULL otherwise */
            sl_ast_ident *using_columns;   /* USING (a, b) */
            uint32_t using_count;
        } join;
        struct {
            sl_ast_window_kind kind;
            sl_ast_table_ref *input;        /* BASE: the table, view, CTE or source */
            sl_ast_expr *time_column;       /* DESCRIPTOR(c) or c: a column expression */
            sl_ast_expr **partition_by;     /* SESSION: TABLE t PARTITION BY keys */
            uint32_t partition_count;
            sl_ast_expr *size;              /* TUMBLE / HOP size, CUMULATE max size, SESSION gap */
            sl_ast_expr *slide;             /* HOP slide, CUMULATE step; NULL otherwise */
            sl_ast_expr *offset;            /* NULL = no offset */
        } window;
    };
};

/* ------------------------------------------------------------------ queries */

typedef enum sl_ast_query_kind {
    SL_AST_QUERY_SELECT,        /* select core (SELECT ... FROM ... WHERE ...) */
    SL_AST_QUERY_SET_OP,        /* left UNION|INTERSECT|EXCEPT right */
    SL_AST_QUERY_VALUES         /* VALUES (...), (...) */
} sl_ast_query_kind;

typedef enum sl_ast_set_op {
    SL_AST_SET_UNION,
    SL_AST_SET_INTERSECT,
    SL_AST_SET_EXCEPT
} sl_ast_set_op;

/* A select-list entry: expression (possibly SL_AST_EXPR_STAR) with optional alias. */
typedef struct sl_ast_select_item {
    sl_ast_expr *expr;
    sl_ast_ident alias;         /* alias.name NULL when none */
    int position;
} sl_ast_select_item;

/* WITH name [(cols)] AS [NOT] [MATERIALIZED] (query) */
typedef struct sl_ast_cte {
    sl_ast_ident name;
    sl_ast_ident *columns;
    uint32_t column_count;
    sl_ast_query *query;
    int position;
} sl_ast_cte;

typedef struct sl_ast_select_core {
    bool distinct;              /* SELECT DISTINCT */
    sl_ast_expr **distinct_on;  /* SELECT DISTINCT ON (exprs) */
    uint32_t distinct_on_count;
    sl_ast_select_item *items;
    uint32_t item_count;
    sl_ast_table_ref *from;     /* NULL when no FROM; a comma list is a CROSS join tree */
    sl_ast_expr *where;
    sl_ast_expr **group_by;     /* ordinals are INTEGER constants */
    uint32_t group_count;
    bool group_by_all;          /* GROUP BY ALL */
    sl_ast_expr *having;
    sl_ast_window *windows;     /* WINDOW w AS (...), ... */
    uint32_t window_count;
    sl_ast_expr *qualify;       /* QUALIFY (DuckDB), NULL when absent */
} sl_ast_select_core;

/* A trailing EMIT clause (streaming result mode, src/stream/README.md). */
typedef enum sl_ast_emit {
    SL_AST_EMIT_NONE,
    SL_AST_EMIT_CHANGES,            /* EMIT CHANGES */
    SL_AST_EMIT_ON_WINDOW_CLOSE     /* EMIT ON WINDOW CLOSE */
} sl_ast_emit;

/* A query expression. ORDER BY / LIMIT / OFFSET and WITH apply to the whole query
 * (the set operation's result for SET_OP), exactly as in PostgreSQL's SelectStmt.
 * A parenthesised query is just a nested sl_ast_query. */
struct sl_ast_query {
    sl_ast_query_kind kind;
    int position;
    int start;                  /* byte span of the query text in the statement: */
    int end;                    /* sql[start, end) (used by CREATE VIEW) */

    sl_ast_cte *ctes;
    uint32_t cte_count;
    bool recursive;             /* WITH RECURSIVE */

    sl_ast_select_core select;  /* kind SELECT */

    struct {                    /* kind SET_OP */
        sl_ast_set_op op;
        bool all;               /* UNION ALL; DISTINCT is the default */
        sl_ast_query *left;
        sl_ast_query *right;
    } set_op;

    struct {                    /* kind VALUES */
        sl_ast_expr ***rows;    /* rows[r][c] */
        uint32_t row_count;
        uint32_t column_count;  /* every row has this many (checked by the parser) */
    } values;

    sl_ast_order_item *order_by;
    uint32_t order_count;
    sl_ast_expr *limit;         /* LIMIT n / FETCH FIRST n ROWS ONLY; NULL = none or ALL */
    sl_ast_expr *offset;        /* OFFSET n; NULL = none */
    /* EMIT clause, written after GROUP BY / HAVING or at the end of the query; only the
     * outermost query of a SELECT statement may have one (the binder checks). */
    sl_ast_emit emit;
    int emit_position;
};

/* ------------------------------------------------------------------ statements */

typedef enum sl_ast_stmt_kind {
    SL_AST_STMT_SELECT,         /* select: a query */
    SL_AST_STMT_CREATE_TABLE,   /* create_table */
    SL_AST_STMT_CREATE_VIEW,    /* create_view */
    SL_AST_STMT_DROP,           /* drop */
    SL_AST_STMT_INSERT,         /* insert */
    SL_AST_STMT_COPY,           /* copy */
    SL_AST_STMT_EXPLAIN,        /* explain */
    SL_AST_STMT_SET,            /* set */
    SL_AST_STMT_RESET,          /* reset */
    SL_AST_STMT_SHOW,           /* show */
    SL_AST_STMT_DESCRIBE,       /* describe */
    SL_AST_STMT_CREATE_SOURCE,  /* create_source */
    SL_AST_STMT_CREATE_MATERIALIZED_VIEW, /* create_stream */
    SL_AST_STMT_CREATE_SINK     /* create_stream */
} sl_ast_stmt_kind;

/* An option of COPY (...) / WITH (...): `name [value]`, `name = value`. value NULL means
 * the option was written without a value (true). A bare identifier value (FORMAT csv)
 * becomes a STRING constant holding the identifier as written (folded); a parenthesised
 * list value (FORCE_QUOTE (a, b)) is in list. */
typedef struct sl_ast_option {
    char *name;                 /* lower case */
    sl_ast_expr *value;
    sl_ast_expr **list;
    uint32_t list_count;
    int position;
} sl_ast_option;

typedef struct sl_ast_column_def {
    sl_ast_ident name;
    sl_ast_type type;
    bool not_null;
    bool primary_key;           /* accepted; implies not_null */
    bool unique;                /* accepted */
    sl_ast_expr *default_value; /* DEFAULT expr, NULL if none */
    int position;
} sl_ast_column_def;

typedef enum sl_ast_object_kind {
    SL_AST_OBJECT_TABLE,
    SL_AST_OBJECT_VIEW,
    SL_AST_OBJECT_SOURCE,
    SL_AST_OBJECT_MATERIALIZED_VIEW,
    SL_AST_OBJECT_SINK
} sl_ast_object_kind;

typedef enum sl_ast_set_scope {
    SL_AST_SCOPE_DEFAULT,
    SL_AST_SCOPE_SESSION,
    SL_AST_SCOPE_LOCAL,
    SL_AST_SCOPE_GLOBAL
} sl_ast_set_scope;

typedef enum sl_ast_show_kind {
    SL_AST_SHOW_VARIABLE,       /* SHOW name (name = "all" for SHOW ALL) */
    SL_AST_SHOW_TABLES,         /* SHOW TABLES */
    SL_AST_SHOW_ALL_TABLES,     /* SHOW ALL TABLES */
    SL_AST_SHOW_SOURCES,        /* SHOW SOURCES */
    SL_AST_SHOW_MATERIALIZED_VIEWS, /* SHOW MATERIALIZED VIEWS */
    SL_AST_SHOW_SINKS           /* SHOW SINKS */
} sl_ast_show_kind;

struct sl_ast_stmt {
    sl_ast_stmt_kind kind;
    int position;               /* first token of the statement */
    int start;                  /* statement text span sql[start, end), without the ';' */
    int end;
    union {
        struct {
            sl_ast_query *query;
        } select;
        struct {
            sl_ast_name name;
            bool if_not_exists;
            bool or_replace;
            bool temporary;
            sl_ast_column_def *columns;     /* empty for CREATE TABLE ... AS */
            uint32_t column_count;
            sl_ast_ident *primary_key;      /* table constraint PRIMARY KEY (a, b) */
            uint32_t primary_key_count;
            sl_ast_ident *as_columns;       /* CREATE TABLE t (a, b) AS query */
            uint32_t as_column_count;
            sl_ast_query *as_query;         /* NULL unless CREATE TABLE ... AS */
        } create_table;
        struct {
            sl_ast_name name;
            bool or_replace;
            bool if_not_exists;
            bool temporary;
            sl_ast_ident *columns;          /* optional column names */
            uint32_t column_count;
            sl_ast_query *query;
            char *query_text;               /* copy of the query's source text (NUL-terminated) */
        } create_view;
        struct {
            sl_ast_object_kind object;
            sl_ast_name *names;
            uint32_t name_count;
            bool if_exists;
            bool cascade;
        } drop;
        struct {
            sl_ast_name table;
            sl_ast_ident alias;             /* INSERT INTO t AS alias; name NULL if none */
            sl_ast_ident *columns;
            uint32_t column_count;
            sl_ast_query *query;            /* VALUES or SELECT; NULL for DEFAULT VALUES */
            bool default_values;
            bool by_name;                   /* INSERT INTO t BY NAME SELECT ... (DuckDB) */
        } insert;
        struct {
            sl_ast_name table;              /* count 0 when `query` is set */
            sl_ast_ident *columns;
            uint32_t column_count;
            sl_ast_query *query;            /* COPY (query) TO ... */
            bool to;                        /* true: COPY ... TO file; false: FROM file */
            char *path;                     /* file name (string literal contents) */
            sl_ast_option *options;
            uint32_t option_count;
        } copy;
        struct {
            bool analyze;
            bool verbose;
            sl_ast_stmt *stmt;
        } explain;
        struct {
            sl_ast_set_scope scope;
            char *name;                     /* lower case, dotted parts joined by '.' */
            sl_ast_expr *value;             /* NULL for SET x TO DEFAULT */
            bool is_default;
        } set;
        struct {
            char *name;                     /* NULL for RESET ALL */
            bool all;
        } reset;
        struct {
            sl_ast_show_kind kind;
            char *name;                     /* SHOW name */
        } show;
        struct {
            sl_ast_name table;              /* count 0 when `query` is set */
            sl_ast_query *query;            /* DESCRIBE SELECT ... */
        } describe;
        /* CREATE [OR REPLACE] SOURCE [IF NOT EXISTS] name [(col type, ..., WATERMARK FOR col AS expr)]
         * WITH (key = value, ...). Keys are identifiers, dotted paths (fields.id.kind) or
         * string literals ('connector'), lower-cased, '-' written as '_'. */
        struct {
            sl_ast_name name;
            bool if_not_exists;
            bool or_replace;
            sl_ast_column_def *columns;     /* may be empty (nexmark takes its own) */
            uint32_t column_count;
            sl_ast_ident watermark_column;  /* name NULL when no WATERMARK FOR clause */
            sl_ast_expr *watermark;         /* the watermark expression */
            char *watermark_text;           /* its SQL text (NUL-terminated) */
            sl_ast_option *options;
            uint32_t option_count;
        } create_source;
        /* Background jobs (src/api/background.c):
         *   CREATE MATERIALIZED VIEW [IF NOT EXISTS] name AS query
         *   CREATE SINK [IF NOT EXISTS] name (FROM name | FROM (query) | AS query) WITH (key = value, ...) */
        struct {
            sl_ast_name name;
            bool if_not_exists;
            sl_ast_name from;               /* CREATE SINK s FROM name; count 0 otherwise */
            sl_ast_query *query;            /* NULL for FROM name */
            char *query_text;               /* the query's source text (NUL-terminated); NULL for FROM name */
            sl_ast_option *options;         /* CREATE SINK ... WITH (...) (keys as for CREATE SOURCE) */
            uint32_t option_count;
        } create_stream;
    };
};

/* ------------------------------------------------------------------ constructors, printing */

/* Allocates a zeroed node of the given kind at `position` in arena; NULL on OOM. */
sl_ast_expr *sl_ast_expr_new(sl_arena *arena, sl_ast_expr_kind kind, int position);
sl_ast_query *sl_ast_query_new(sl_arena *arena, sl_ast_query_kind kind, int position);
sl_ast_table_ref *sl_ast_table_ref_new(sl_arena *arena, sl_ast_table_ref_kind kind, int position);
sl_ast_stmt *sl_ast_stmt_new(sl_arena *arena, sl_ast_stmt_kind kind, int position);

/* Renders a node as an S-expression, e.g. (select (items (col a)) (from (table t))).
 * Writes at most cap bytes including the NUL into buf (truncating) and returns the
 * length the full text would have (snprintf convention). Used by tests and EXPLAIN-like
 * debugging; the format is stable enough for golden tests. */
size_t sl_ast_print_stmt(const sl_ast_stmt *stmt, char *buf, size_t cap);
size_t sl_ast_print_query(const sl_ast_query *query, char *buf, size_t cap);
size_t sl_ast_print_expr(const sl_ast_expr *expr, char *buf, size_t cap);

/* Names used by the printer and in error messages. */
const char *sl_ast_binary_op_name(sl_ast_binary_op op);
const char *sl_ast_stmt_kind_name(sl_ast_stmt_kind kind);

#endif
