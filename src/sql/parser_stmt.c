/*
 * parser_stmt.c — statements. sl_parser_statement dispatches on the first keyword through
 * `statement_table`; CREATE dispatches on the object word through `create_table`. New
 * statements (CREATE SOURCE / SINK / MATERIALIZED VIEW, ...) are a new row in one of the
 * tables plus a parse function here and a kind in ast.h.
 *
 *   CREATE [OR REPLACE] [TEMP|TEMPORARY] TABLE [IF NOT EXISTS] name (col type [constraints], ...)
 *   CREATE [OR REPLACE] [TEMP] TABLE [IF NOT EXISTS] name [(cols)] AS query
 *   CREATE [OR REPLACE] [TEMP] VIEW [IF NOT EXISTS] name [(cols)] AS query
 *   CREATE [OR REPLACE] SOURCE [IF NOT EXISTS] name [(col type, ..., WATERMARK FOR col AS expr)]
 *       WITH (key = value, ...)      keys: word, dotted path (fields.id.kind) or 'string'
 *   CREATE MATERIALIZED VIEW [IF NOT EXISTS] name AS query
 *   CREATE SINK [IF NOT EXISTS] name (FROM name | FROM (query) | AS query) WITH (key = value, ...)
 *   DROP TABLE|VIEW|SOURCE|MATERIALIZED VIEW|SINK [IF EXISTS] name, ... [CASCADE|RESTRICT]
 *   INSERT INTO name [AS alias] [(cols)] [BY NAME] (VALUES ... | query | DEFAULT VALUES)
 *   COPY name [(cols)] FROM|TO 'file' [[WITH] (options) | bare options]
 *   COPY (query) TO 'file' [[WITH] (options) | bare options]
 *   EXPLAIN [ANALYZE] [VERBOSE] statement
 *   SET [SESSION|LOCAL|GLOBAL] name (= | TO) value | DEFAULT;  SET TIME ZONE value
 *   RESET name | ALL;  SHOW name | ALL | TABLES | ALL TABLES | SOURCES | MATERIALIZED VIEWS | SINKS
 *   DESCRIBE name | query
 */
#include "sql/parser_internal.h"

#include <stdio.h>

static sl_ast_stmt *new_stmt(sl_parser *p, sl_ast_stmt_kind kind, int position)
{
    sl_ast_stmt *s = sl_ast_stmt_new(p->arena, kind, position);
    if (!s)
        return sl_parser_oom(p);
    s->start = position;
    return s;
}

/* ------------------------------------------------------------------ SELECT */

static sl_ast_stmt *parse_query_statement(sl_parser *p)
{
    int position = sl_parser_peek(p, 0)->position;
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_SELECT, position);
    if (!s || !(s->select.query = sl_parser_query(p)))
        return NULL;
    return s;
}

/* ------------------------------------------------------------------ CREATE */

typedef struct create_prefix {
    int position;
    bool or_replace;
    bool temporary;
} create_prefix;

static bool parse_if_not_exists(sl_parser *p)
{
    if (sl_parser_peek_keyword(p, 0, "if") && sl_parser_peek_keyword(p, 1, "not") &&
        sl_parser_peek_keyword(p, 2, "exists")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        sl_parser_advance(p);
        return true;
    }
    return false;
}

/* Column constraints: NOT NULL, NULL, PRIMARY KEY, UNIQUE, DEFAULT expr. */
static bool parse_column_constraints(sl_parser *p, sl_ast_column_def *col)
{
    for (;;) {
        if (sl_parser_peek_keyword(p, 0, "not") && sl_parser_peek_keyword(p, 1, "null")) {
            sl_parser_advance(p);
            sl_parser_advance(p);
            col->not_null = true;
        } else if (sl_parser_accept_keyword(p, "null")) {
            /* explicitly nullable */
        } else if (sl_parser_accept_keyword(p, "primary")) {
            if (!sl_parser_expect_keyword(p, "key"))
                return false;
            col->primary_key = true;
            col->not_null = true;
        } else if (sl_parser_accept_keyword(p, "unique")) {
            col->unique = true;
        } else if (sl_parser_accept_keyword(p, "default")) {
            if (!(col->default_value = sl_parser_expr_above_in(p)))
                return false;
        } else {
            return true;
        }
    }
}

static bool parse_table_elements(sl_parser *p, sl_ast_stmt *s)
{
    uint32_t capacity = 0;
    if (!sl_parser_expect(p, SL_TOKEN_LPAREN))
        return false;
    do {
        if (sl_parser_peek_keyword(p, 0, "primary")) {   /* table constraint PRIMARY KEY (a, b) */
            int position = sl_parser_advance(p).position;
            if (s->create_table.primary_key_count)
                return sl_parser_error_at(p, position, "multiple primary keys for table are not allowed");
            if (!sl_parser_expect_keyword(p, "key") ||
                !sl_parser_ident_list(p, &s->create_table.primary_key, &s->create_table.primary_key_count))
                return false;
            continue;
        }
        if (sl_parser_peek_keyword(p, 0, "unique") && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
            sl_ast_ident *cols;
            uint32_t count;
            sl_parser_advance(p);
            if (!sl_parser_ident_list(p, &cols, &count))
                return false;
            continue;   /* accepted, not enforced */
        }
        sl_ast_column_def col;
        memset(&col, 0, sizeof col);
        col.position = sl_parser_peek(p, 0)->position;
        if (!sl_parser_identifier(p, &col.name, false) || !sl_parser_type(p, &col.type) ||
            !parse_column_constraints(p, &col) ||
            !SL_PUSH(p, s->create_table.columns, s->create_table.column_count, capacity, col))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
        return false;
    /* mark primary-key columns NOT NULL as PostgreSQL does */
    for (uint32_t k = 0; k < s->create_table.primary_key_count; k++)
        for (uint32_t c = 0; c < s->create_table.column_count; c++)
            if (strcmp(s->create_table.columns[c].name.name, s->create_table.primary_key[k].name) == 0)
                s->create_table.columns[c].not_null = true;
    return true;
}

static sl_ast_stmt *parse_create_table(sl_parser *p, create_prefix prefix)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_CREATE_TABLE, prefix.position);
    if (!s)
        return NULL;
    s->create_table.or_replace = prefix.or_replace;
    s->create_table.temporary = prefix.temporary;
    s->create_table.if_not_exists = parse_if_not_exists(p);
    if (!sl_parser_qualified_name(p, &s->create_table.name))
        return NULL;
    /* (col type, ...) | (a, b) AS query | AS query */
    bool column_names_only = false;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN) {
        const sl_token *after = sl_parser_peek(p, 2);
        column_names_only = after->kind == SL_TOKEN_COMMA || after->kind == SL_TOKEN_RPAREN;
        if (column_names_only) {
            if (!sl_parser_ident_list(p, &s->create_table.as_columns, &s->create_table.as_column_count))
                return NULL;
        } else if (!parse_table_elements(p, s)) {
            return NULL;
        }
    }
    if (sl_parser_accept_keyword(p, "as")) {
        if (s->create_table.column_count)
            return sl_parser_error_at(p, s->create_table.columns[0].position,
                                      "CREATE TABLE AS takes column names only, not column definitions");
        if (!(s->create_table.as_query = sl_parser_query(p)))
            return NULL;
    } else if (column_names_only || s->create_table.column_count == 0) {
        return sl_parser_syntax_error(p);
    }
    return s;
}

static sl_ast_stmt *parse_create_view(sl_parser *p, create_prefix prefix)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_CREATE_VIEW, prefix.position);
    if (!s)
        return NULL;
    s->create_view.or_replace = prefix.or_replace;
    s->create_view.temporary = prefix.temporary;
    s->create_view.if_not_exists = parse_if_not_exists(p);
    if (!sl_parser_qualified_name(p, &s->create_view.name))
        return NULL;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN &&
        !sl_parser_ident_list(p, &s->create_view.columns, &s->create_view.column_count))
        return NULL;
    if (!sl_parser_expect_keyword(p, "as") || !(s->create_view.query = sl_parser_query(p)))
        return NULL;
    sl_ast_query *q = s->create_view.query;
    s->create_view.query_text = sl_arena_strndup(p->arena, p->sql + q->start, (size_t)(q->end - q->start));
    if (!s->create_view.query_text)
        return sl_parser_oom(p);
    return s;
}

static bool parse_option_value(sl_parser *p, sl_ast_option *opt, bool allow_words);

/* A source option key: 'string' or word ('.' word)*, lower-cased with '-' as '_'. */
static char *parse_source_option_key(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    char buf[256];
    size_t n = 0;
    if (t->kind == SL_TOKEN_STRING) {
        sl_token key = sl_parser_advance(p);
        n = (size_t)snprintf(buf, sizeof buf, "%s", key.text);
    } else {
        for (;;) {
            t = sl_parser_peek(p, 0);
            if (t->kind != SL_TOKEN_IDENT && t->kind != SL_TOKEN_QUOTED_IDENT)
                return sl_parser_syntax_error(p);
            sl_token part = sl_parser_advance(p);
            n += (size_t)snprintf(buf + n, sizeof buf - (n < sizeof buf ? n : sizeof buf), "%s%s", n ? "." : "",
                                  part.text);
            if (n >= sizeof buf || !sl_parser_accept(p, SL_TOKEN_DOT))
                break;
        }
    }
    if (n >= sizeof buf)
        return sl_parser_error_at(p, t->position, "option name is too long");
    for (size_t i = 0; i < n; i++) {
        if (buf[i] >= 'A' && buf[i] <= 'Z')
            buf[i] = (char)(buf[i] - 'A' + 'a');
        else if (buf[i] == '-')
            buf[i] = '_';
    }
    return sl_parser_strdup(p, buf);
}

/* WITH ( key = value, ... ) of CREATE SOURCE / CREATE SINK into options[0..*count). */
static bool parse_with_options(sl_parser *p, sl_ast_option **options, uint32_t *count)
{
    uint32_t capacity = 0;
    if (!sl_parser_expect_keyword(p, "with") || !sl_parser_expect(p, SL_TOKEN_LPAREN))
        return false;
    do {
        sl_ast_option opt;
        memset(&opt, 0, sizeof opt);
        opt.position = sl_parser_peek(p, 0)->position;
        if (!(opt.name = parse_source_option_key(p)))
            return false;
        if (!sl_parser_accept_op(p, "=")) {
            sl_parser_syntax_error(p);
            return false;
        }
        if (!parse_option_value(p, &opt, true))
            return false;
        if (!opt.value || opt.list_count)
            return sl_parser_syntax_error(p);
        if (!SL_PUSH(p, *options, *count, capacity, opt))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return sl_parser_expect(p, SL_TOKEN_RPAREN);
}

static sl_ast_stmt *parse_create_source(sl_parser *p, create_prefix prefix)
{
    if (prefix.temporary)
        return sl_parser_error_at(p, prefix.position, "a source cannot be TEMPORARY");
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_CREATE_SOURCE, prefix.position);
    if (!s)
        return NULL;
    s->create_source.or_replace = prefix.or_replace;
    s->create_source.if_not_exists = parse_if_not_exists(p);
    if (!sl_parser_qualified_name(p, &s->create_source.name))
        return NULL;
    if (sl_parser_accept(p, SL_TOKEN_LPAREN)) {
        uint32_t capacity = 0;
        do {
            if (sl_parser_peek_keyword(p, 0, "watermark") && sl_parser_peek_keyword(p, 1, "for")) {
                int position = sl_parser_advance(p).position;
                sl_parser_advance(p);
                if (s->create_source.watermark_column.name)
                    return sl_parser_error_at(p, position, "a source takes only one WATERMARK clause");
                if (!sl_parser_identifier(p, &s->create_source.watermark_column, false) ||
                    !sl_parser_expect_keyword(p, "as"))
                    return NULL;
                int start = sl_parser_peek(p, 0)->position;
                if (!(s->create_source.watermark = sl_parser_expr(p)))
                    return NULL;
                s->create_source.watermark_text =
                    sl_arena_strndup(p->arena, p->sql + start, (size_t)(p->prev_end - start));
                if (!s->create_source.watermark_text)
                    return sl_parser_oom(p);
                continue;
            }
            sl_ast_column_def col;
            memset(&col, 0, sizeof col);
            col.position = sl_parser_peek(p, 0)->position;
            if (!sl_parser_identifier(p, &col.name, false) || !sl_parser_type(p, &col.type) ||
                !parse_column_constraints(p, &col) ||
                !SL_PUSH(p, s->create_source.columns, s->create_source.column_count, capacity, col))
                return NULL;
        } while (sl_parser_accept(p, SL_TOKEN_COMMA));
        if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
    }
    if (!parse_with_options(p, &s->create_source.options, &s->create_source.option_count))
        return NULL;
    return s;
}

/* The query of CREATE MATERIALIZED VIEW / SINK with a copy of its text. */
static bool parse_stream_query(sl_parser *p, sl_ast_stmt *s)
{
    sl_ast_query *q = sl_parser_query(p);
    if (!q)
        return false;
    s->create_stream.query = q;
    s->create_stream.query_text = sl_arena_strndup(p->arena, p->sql + q->start, (size_t)(q->end - q->start));
    if (!s->create_stream.query_text) {
        sl_parser_oom(p);
        return false;
    }
    return true;
}

/* CREATE MATERIALIZED VIEW [IF NOT EXISTS] name AS query */
static sl_ast_stmt *parse_create_materialized(sl_parser *p, create_prefix prefix)
{
    if (!sl_parser_expect_keyword(p, "view"))
        return NULL;
    if (prefix.or_replace || prefix.temporary)
        return sl_parser_error_at(p, prefix.position, "a materialized view cannot be %s",
                                  prefix.or_replace ? "created with OR REPLACE (drop it first)" : "TEMPORARY");
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_CREATE_MATERIALIZED_VIEW, prefix.position);
    if (!s)
        return NULL;
    s->create_stream.if_not_exists = parse_if_not_exists(p);
    if (!sl_parser_qualified_name(p, &s->create_stream.name) || !sl_parser_expect_keyword(p, "as") ||
        !parse_stream_query(p, s))
        return NULL;
    return s;
}

/* CREATE SINK [IF NOT EXISTS] name (FROM name | FROM (query) | AS query) WITH (...) */
static sl_ast_stmt *parse_create_sink(sl_parser *p, create_prefix prefix)
{
    if (prefix.or_replace || prefix.temporary)
        return sl_parser_error_at(p, prefix.position, "a sink cannot be %s",
                                  prefix.or_replace ? "created with OR REPLACE (drop it first)" : "TEMPORARY");
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_CREATE_SINK, prefix.position);
    if (!s)
        return NULL;
    s->create_stream.if_not_exists = parse_if_not_exists(p);
    if (!sl_parser_qualified_name(p, &s->create_stream.name))
        return NULL;
    if (sl_parser_accept_keyword(p, "as")) {
        if (!parse_stream_query(p, s))
            return NULL;
    } else {
        if (!sl_parser_expect_keyword(p, "from"))
            return NULL;
        if (sl_parser_accept(p, SL_TOKEN_LPAREN)) {
            if (!parse_stream_query(p, s) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
                return NULL;
        } else if (!sl_parser_qualified_name(p, &s->create_stream.from)) {
            return NULL;
        }
    }
    if (!parse_with_options(p, &s->create_stream.options, &s->create_stream.option_count))
        return NULL;
    return s;
}

typedef sl_ast_stmt *(*create_parse_fn)(sl_parser *p, create_prefix prefix);

/* CREATE <word>: one row per object kind. */
static const struct {
    const char *word;
    create_parse_fn parse;
} create_table[] = {
    { "table", parse_create_table },
    { "view", parse_create_view },
    { "source", parse_create_source },
    { "materialized", parse_create_materialized },
    { "sink", parse_create_sink },
};

static sl_ast_stmt *parse_create(sl_parser *p)
{
    create_prefix prefix = { sl_parser_advance(p).position, false, false };
    if (sl_parser_accept_keyword(p, "or")) {
        if (!sl_parser_expect_keyword(p, "replace"))
            return NULL;
        prefix.or_replace = true;
    }
    if (sl_parser_accept_keyword(p, "temp") || sl_parser_accept_keyword(p, "temporary"))
        prefix.temporary = true;
    for (size_t i = 0; i < sizeof create_table / sizeof *create_table; i++)
        if (sl_parser_accept_keyword(p, create_table[i].word))
            return create_table[i].parse(p, prefix);
    return sl_parser_syntax_error(p);
}

/* ------------------------------------------------------------------ DROP */

static sl_ast_stmt *parse_drop(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_DROP, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_accept_keyword(p, "table"))
        s->drop.object = SL_AST_OBJECT_TABLE;
    else if (sl_parser_accept_keyword(p, "view"))
        s->drop.object = SL_AST_OBJECT_VIEW;
    else if (sl_parser_accept_keyword(p, "source"))
        s->drop.object = SL_AST_OBJECT_SOURCE;
    else if (sl_parser_accept_keyword(p, "sink"))
        s->drop.object = SL_AST_OBJECT_SINK;
    else if (sl_parser_accept_keyword(p, "materialized")) {
        if (!sl_parser_expect_keyword(p, "view"))
            return NULL;
        s->drop.object = SL_AST_OBJECT_MATERIALIZED_VIEW;
    } else
        return sl_parser_syntax_error(p);
    if (sl_parser_peek_keyword(p, 0, "if") && sl_parser_peek_keyword(p, 1, "exists")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->drop.if_exists = true;
    }
    uint32_t capacity = 0;
    do {
        sl_ast_name name;
        if (!sl_parser_qualified_name(p, &name) || !SL_PUSH(p, s->drop.names, s->drop.name_count, capacity, name))
            return NULL;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    if (sl_parser_accept_keyword(p, "cascade"))
        s->drop.cascade = true;
    else
        sl_parser_accept_keyword(p, "restrict");
    return s;
}

/* ------------------------------------------------------------------ INSERT */

static sl_ast_stmt *parse_insert(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_INSERT, sl_parser_advance(p).position);
    if (!s || !sl_parser_expect_keyword(p, "into") || !sl_parser_qualified_name(p, &s->insert.table))
        return NULL;
    if (sl_parser_accept_keyword(p, "as") && !sl_parser_identifier(p, &s->insert.alias, false))
        return NULL;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN && !sl_parser_at_query(p, 1) &&
        !sl_parser_ident_list(p, &s->insert.columns, &s->insert.column_count))
        return NULL;
    if (sl_parser_peek_keyword(p, 0, "by") && sl_parser_peek_keyword(p, 1, "name")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->insert.by_name = true;
    }
    if (sl_parser_peek_keyword(p, 0, "default") && sl_parser_peek_keyword(p, 1, "values")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->insert.default_values = true;
        return s;
    }
    if (!sl_parser_at_query(p, 0))
        return sl_parser_syntax_error(p);
    if (!(s->insert.query = sl_parser_query(p)))
        return NULL;
    return s;
}

/* ------------------------------------------------------------------ COPY and options */

/* An option value: string / number / TRUE / FALSE / NULL / -number, a bare word
 * (kept as a STRING constant) or, when allow_list, a parenthesised list. */
static bool parse_option_value(sl_parser *p, sl_ast_option *opt, bool allow_words)
{
    const sl_token *t = sl_parser_peek(p, 0);
    if (t->kind == SL_TOKEN_LPAREN && allow_words) {
        sl_parser_advance(p);
        uint32_t capacity = 0;
        if (sl_parser_peek(p, 0)->kind != SL_TOKEN_RPAREN) {
            do {
                sl_ast_option item;
                memset(&item, 0, sizeof item);
                if (!parse_option_value(p, &item, true))
                    return false;
                if (!item.value)
                    return sl_parser_syntax_error(p);
                if (!SL_PUSH(p, opt->list, opt->list_count, capacity, item.value))
                    return false;
            } while (sl_parser_accept(p, SL_TOKEN_COMMA));
        }
        return sl_parser_expect(p, SL_TOKEN_RPAREN);
    }
    if (allow_words && (t->kind == SL_TOKEN_QUOTED_IDENT ||
                        (t->kind == SL_TOKEN_IDENT && strcmp(t->text, "true") && strcmp(t->text, "false") &&
                         strcmp(t->text, "null")))) {
        sl_token word = sl_parser_advance(p);
        sl_ast_expr *e = sl_ast_expr_new(p->arena, SL_AST_EXPR_CONSTANT, word.position);
        if (!e) {
            sl_parser_oom(p);
            return false;
        }
        e->constant.kind = SL_AST_CONST_STRING;
        e->constant.text = word.text;
        e->constant.length = word.text_length;
        opt->value = e;
        return true;
    }
    bool literal = t->kind == SL_TOKEN_STRING || t->kind == SL_TOKEN_INTEGER || t->kind == SL_TOKEN_DECIMAL ||
                   t->kind == SL_TOKEN_FLOAT || sl_parser_is_keyword(t, "true") || sl_parser_is_keyword(t, "false") ||
                   sl_parser_is_keyword(t, "null") ||
                   (t->kind == SL_TOKEN_OP && (strcmp(t->text, "-") == 0 || strcmp(t->text, "+") == 0));
    if (!literal)
        return true;   /* no value: the option is a flag */
    return (opt->value = sl_parser_expr_above_in(p)) != NULL;
}

/* name [=] [value] — name is any word. */
static bool parse_option(sl_parser *p, sl_ast_option *opt, bool allow_words)
{
    memset(opt, 0, sizeof *opt);
    const sl_token *t = sl_parser_peek(p, 0);
    if (t->kind != SL_TOKEN_IDENT && t->kind != SL_TOKEN_QUOTED_IDENT) {
        sl_parser_syntax_error(p);
        return false;
    }
    sl_token name = sl_parser_advance(p);
    opt->name = name.text;
    opt->position = name.position;
    if (name.kind == SL_TOKEN_QUOTED_IDENT) {   /* option names are case-insensitive */
        if (!(opt->name = sl_parser_strdup(p, name.text)))
            return false;
        for (char *c = opt->name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
    bool equals = sl_parser_accept_op(p, "=");
    if (!parse_option_value(p, opt, allow_words))
        return false;
    if (equals && !opt->value && !opt->list_count)
        return sl_parser_syntax_error(p);
    return true;
}

/* '(' option, ... ')' or (legacy PostgreSQL) a bare list `CSV HEADER DELIMITER '|'` whose
 * values must be literals. */
static bool parse_copy_options(sl_parser *p, sl_ast_stmt *s)
{
    uint32_t capacity = 0;
    bool with = sl_parser_accept_keyword(p, "with");
    if (sl_parser_accept(p, SL_TOKEN_LPAREN)) {
        if (sl_parser_peek(p, 0)->kind != SL_TOKEN_RPAREN) {
            do {
                sl_ast_option opt;
                if (!parse_option(p, &opt, true) || !SL_PUSH(p, s->copy.options, s->copy.option_count, capacity, opt))
                    return false;
            } while (sl_parser_accept(p, SL_TOKEN_COMMA));
        }
        return sl_parser_expect(p, SL_TOKEN_RPAREN);
    }
    for (;;) {
        const sl_token *t = sl_parser_peek(p, 0);
        if (t->kind != SL_TOKEN_IDENT && t->kind != SL_TOKEN_QUOTED_IDENT)
            break;
        sl_ast_option opt;
        if (!parse_option(p, &opt, false) || !SL_PUSH(p, s->copy.options, s->copy.option_count, capacity, opt))
            return false;
    }
    if (with && s->copy.option_count == 0)
        return sl_parser_syntax_error(p);
    return true;
}

static sl_ast_stmt *parse_copy(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_COPY, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN) {
        sl_parser_advance(p);
        if (!(s->copy.query = sl_parser_query(p)) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
        if (!sl_parser_expect_keyword(p, "to"))
            return NULL;
        s->copy.to = true;
    } else {
        if (!sl_parser_qualified_name(p, &s->copy.table))
            return NULL;
        if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN &&
            !sl_parser_ident_list(p, &s->copy.columns, &s->copy.column_count))
            return NULL;
        if (sl_parser_accept_keyword(p, "to"))
            s->copy.to = true;
        else if (!sl_parser_expect_keyword(p, "from"))
            return NULL;
    }
    if (sl_parser_peek(p, 0)->kind != SL_TOKEN_STRING)
        return sl_parser_syntax_error(p);
    s->copy.path = sl_parser_advance(p).text;
    if (!parse_copy_options(p, s))
        return NULL;
    return s;
}

/* ------------------------------------------------------------------ EXPLAIN, SET, SHOW ... */

static sl_ast_stmt *parse_explain(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_EXPLAIN, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_accept_keyword(p, "analyze") || sl_parser_accept_keyword(p, "analyse"))
        s->explain.analyze = true;
    if (sl_parser_accept_keyword(p, "verbose"))
        s->explain.verbose = true;
    if (!sl_parser_enter(p, s->position))
        return NULL;
    s->explain.stmt = sl_parser_statement(p);
    sl_parser_leave(p);
    if (!s->explain.stmt)
        return NULL;
    s->explain.stmt->end = p->prev_end;
    return s;
}

/* A dotted setting name as one lower-case string ("threads", "s3.region"). */
static char *parse_setting_name(sl_parser *p)
{
    sl_ast_name name;
    if (!sl_parser_qualified_name(p, &name))
        return NULL;
    size_t length = 0;
    for (uint32_t i = 0; i < name.count; i++)
        length += strlen(name.parts[i].name) + 1;
    char *text = sl_arena_alloc(p->arena, length);
    if (!text)
        return sl_parser_oom(p);
    text[0] = '\0';
    size_t at = 0;
    for (uint32_t i = 0; i < name.count; i++)
        at += (size_t)sprintf(text + at, "%s%s", i ? "." : "", name.parts[i].name);
    return text;
}

static sl_ast_stmt *parse_set(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_SET, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_accept_keyword(p, "session"))
        s->set.scope = SL_AST_SCOPE_SESSION;
    else if (sl_parser_accept_keyword(p, "local"))
        s->set.scope = SL_AST_SCOPE_LOCAL;
    else if (sl_parser_accept_keyword(p, "global"))
        s->set.scope = SL_AST_SCOPE_GLOBAL;
    if (sl_parser_peek_keyword(p, 0, "time") && sl_parser_peek_keyword(p, 1, "zone")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->set.name = "timezone";
    } else {
        if (!(s->set.name = parse_setting_name(p)))
            return NULL;
        if (!sl_parser_accept_op(p, "=") && !sl_parser_expect_keyword(p, "to"))
            return NULL;
    }
    if (sl_parser_peek_keyword(p, 0, "default")) {
        sl_parser_advance(p);
        s->set.is_default = true;
        return s;
    }
    /* a bare word value (SET x TO on) is kept as a string */
    const sl_token *next = sl_parser_peek(p, 1);
    sl_token_kind next_kind = next->kind;
    const sl_token *t = sl_parser_peek(p, 0);
    if ((t->kind == SL_TOKEN_IDENT || t->kind == SL_TOKEN_QUOTED_IDENT) && strcmp(t->text, "true") &&
        strcmp(t->text, "false") && strcmp(t->text, "null") &&
        (next_kind == SL_TOKEN_SEMICOLON || next_kind == SL_TOKEN_EOF)) {
        sl_ast_option opt;
        memset(&opt, 0, sizeof opt);
        if (!parse_option_value(p, &opt, true))
            return NULL;
        s->set.value = opt.value;
        return s;
    }
    if (!(s->set.value = sl_parser_expr(p)))
        return NULL;
    return s;
}

static sl_ast_stmt *parse_reset(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_RESET, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_accept_keyword(p, "all")) {
        s->reset.all = true;
        return s;
    }
    if (!(s->reset.name = parse_setting_name(p)))
        return NULL;
    return s;
}

static sl_ast_stmt *parse_show(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_SHOW, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_accept_keyword(p, "tables")) {
        s->show.kind = SL_AST_SHOW_TABLES;
        return s;
    }
    if (sl_parser_accept_keyword(p, "sources")) {
        s->show.kind = SL_AST_SHOW_SOURCES;
        return s;
    }
    if (sl_parser_accept_keyword(p, "sinks")) {
        s->show.kind = SL_AST_SHOW_SINKS;
        return s;
    }
    if (sl_parser_peek_keyword(p, 0, "materialized") && sl_parser_peek_keyword(p, 1, "views")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->show.kind = SL_AST_SHOW_MATERIALIZED_VIEWS;
        return s;
    }
    if (sl_parser_peek_keyword(p, 0, "all")) {
        sl_parser_advance(p);
        if (sl_parser_accept_keyword(p, "tables")) {
            s->show.kind = SL_AST_SHOW_ALL_TABLES;
        } else {
            s->show.kind = SL_AST_SHOW_VARIABLE;
            s->show.name = "all";
        }
        return s;
    }
    s->show.kind = SL_AST_SHOW_VARIABLE;
    if (sl_parser_peek_keyword(p, 0, "time") && sl_parser_peek_keyword(p, 1, "zone")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        s->show.name = "timezone";
        return s;
    }
    if (!(s->show.name = parse_setting_name(p)))
        return NULL;
    return s;
}

static sl_ast_stmt *parse_describe(sl_parser *p)
{
    sl_ast_stmt *s = new_stmt(p, SL_AST_STMT_DESCRIBE, sl_parser_advance(p).position);
    if (!s)
        return NULL;
    if (sl_parser_at_query(p, 0)) {
        if (!(s->describe.query = sl_parser_query(p)))
            return NULL;
        return s;
    }
    if (!sl_parser_qualified_name(p, &s->describe.table))
        return NULL;
    return s;
}

/* ------------------------------------------------------------------ dispatch */

typedef sl_ast_stmt *(*stmt_parse_fn)(sl_parser *p);

/* First keyword of a statement -> its parser. Queries (SELECT, WITH, VALUES, '(') are
 * recognised before this table is consulted. */
static const struct {
    const char *keyword;
    stmt_parse_fn parse;
} statement_table[] = {
    { "create", parse_create },
    { "drop", parse_drop },
    { "insert", parse_insert },
    { "copy", parse_copy },
    { "explain", parse_explain },
    { "set", parse_set },
    { "reset", parse_reset },
    { "show", parse_show },
    { "describe", parse_describe },
};

sl_ast_stmt *sl_parser_statement(sl_parser *p)
{
    int start = sl_parser_peek(p, 0)->position;
    sl_ast_stmt *s = NULL;
    if (sl_parser_at_query(p, 0)) {
        s = parse_query_statement(p);
    } else {
        const sl_token *t = sl_parser_peek(p, 0);
        size_t i = 0, n = sizeof statement_table / sizeof *statement_table;
        if (t->kind == SL_TOKEN_IDENT)
            while (i < n && strcmp(t->text, statement_table[i].keyword) != 0)
                i++;
        if (t->kind != SL_TOKEN_IDENT || i == n)
            return sl_parser_syntax_error(p);
        s = statement_table[i].parse(p);
    }
    if (!s || p->status != SL_OK)
        return NULL;
    s->start = start;
    s->end = p->prev_end;
    return s;
}
