/*
 * parser.c — the parser's machinery and entry points: the lookahead token stream,
 * syntax errors, keyword tables, arena lists, identifiers, sl_parse_statement,
 * sl_parse_all and sl_sql_is_complete. The grammar rules live in parser_expr.c,
 * parser_query.c and parser_stmt.c (see parser_internal.h for the error convention).
 */
#include "sql/parser_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* ------------------------------------------------------------------ token stream */

const sl_token *sl_parser_peek(sl_parser *p, size_t k)
{
    while (p->head + k >= p->count) {
        if (p->count > 0 && p->tokens[p->count - 1].kind == SL_TOKEN_EOF)
            return &p->tokens[p->count - 1];
        if (p->head > 0 && p->head == p->count) {
            p->head = p->count = 0;   /* everything consumed: reuse the buffer */
        }
        if (p->count == p->capacity) {
            size_t cap = p->capacity ? p->capacity * 2 : 16;
            sl_token *grown = sl_realloc(p->tokens, cap * sizeof(sl_token));
            if (!grown) {
                sl_parser_oom(p);
                static const sl_token eof = { SL_TOKEN_EOF, 0, 0, "", 0 };
                return &eof;
            }
            p->tokens = grown;
            p->capacity = cap;
        }
        sl_token *t = &p->tokens[p->count];
        if (p->status != SL_OK || sl_lexer_next(&p->lexer, t, p->err) != SL_OK) {
            if (p->status == SL_OK)
                p->status = p->err ? p->err->code : SL_ERR_SYNTAX;
            /* on a lexer error, continue as if the input ended: the error is already kept */
            t->kind = SL_TOKEN_EOF;
            t->position = (int)p->lexer.length;
            t->length = 0;
            t->text = "";
            t->text_length = 0;
        }
        p->count++;
    }
    return &p->tokens[p->head + k];
}

sl_token sl_parser_advance(sl_parser *p)
{
    sl_token t = *sl_parser_peek(p, 0);
    if (t.kind != SL_TOKEN_EOF) {
        p->head++;
        p->prev_end = t.position + t.length;
    }
    return t;
}

bool sl_parser_is_keyword(const sl_token *t, const char *keyword)
{
    return t->kind == SL_TOKEN_IDENT && strcmp(t->text, keyword) == 0;
}

bool sl_parser_peek_keyword(sl_parser *p, size_t k, const char *keyword)
{
    return sl_parser_is_keyword(sl_parser_peek(p, k), keyword);
}

bool sl_parser_accept_keyword(sl_parser *p, const char *keyword)
{
    if (!sl_parser_peek_keyword(p, 0, keyword))
        return false;
    sl_parser_advance(p);
    return true;
}

bool sl_parser_expect_keyword(sl_parser *p, const char *keyword)
{
    if (sl_parser_accept_keyword(p, keyword))
        return true;
    sl_parser_syntax_error(p);
    return false;
}

bool sl_parser_accept(sl_parser *p, sl_token_kind kind)
{
    if (sl_parser_peek(p, 0)->kind != kind)
        return false;
    sl_parser_advance(p);
    return true;
}

bool sl_parser_expect(sl_parser *p, sl_token_kind kind)
{
    if (sl_parser_accept(p, kind))
        return true;
    sl_parser_syntax_error(p);
    return false;
}

bool sl_parser_peek_op(sl_parser *p, size_t k, const char *op)
{
    const sl_token *t = sl_parser_peek(p, k);
    return t->kind == SL_TOKEN_OP && strcmp(t->text, op) == 0;
}

bool sl_parser_accept_op(sl_parser *p, const char *op)
{
    if (!sl_parser_peek_op(p, 0, op))
        return false;
    sl_parser_advance(p);
    return true;
}

/* ------------------------------------------------------------------ errors */

void *sl_parser_error_at(sl_parser *p, int position, const char *fmt, ...)
{
    if (p->status != SL_OK)
        return NULL;   /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    if (p->err)
        sl_error_setv(p->err, SL_ERR_SYNTAX, position, fmt, ap);
    va_end(ap);
    p->status = SL_ERR_SYNTAX;
    return NULL;
}

void *sl_parser_syntax_error(sl_parser *p)
{
    if (p->status != SL_OK)
        return NULL;
    const sl_token *t = sl_parser_peek(p, 0);
    if (p->status != SL_OK)
        return NULL;
    if (t->kind == SL_TOKEN_EOF)
        return sl_parser_error_at(p, t->position, "syntax error at end of input");
    /* show the token as written, like PostgreSQL (cut very long tokens) */
    int length = t->length > 60 ? 60 : t->length;
    return sl_parser_error_at(p, t->position, "syntax error at or near \"%.*s\"", length, p->sql + t->position);
}

void *sl_parser_oom(sl_parser *p)
{
    if (p->status == SL_OK) {
        sl_error_oom(p->err);
        p->status = SL_ERR_OOM;
    }
    return NULL;
}

bool sl_parser_enter(sl_parser *p, int position)
{
    if (p->depth >= SL_PARSER_MAX_DEPTH) {
        sl_parser_error_at(p, position, "statement is nested too deeply (more than %d levels of expressions or subqueries)",
                           SL_PARSER_MAX_DEPTH);
        return false;
    }
    p->depth++;
    return true;
}

void sl_parser_leave(sl_parser *p)
{
    p->depth--;
}

/* ------------------------------------------------------------------ keywords */

static int compare_words(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool in_sorted(const char *word, const char *const *words, size_t n)
{
    return bsearch(&word, words, n, sizeof(*words), compare_words) != NULL;
}

/* PostgreSQL's reserved keywords plus the type_func_name keywords that cannot be column
 * names (join words, LIKE, IS, ...). Sorted for bsearch. */
static const char *const reserved_words[] = {
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "cross", "current_catalog", "current_date",
    "current_role", "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc",
    "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign", "from", "full", "grant",
    "group", "having", "ilike", "in", "initially", "inner", "intersect", "into", "is", "isnull", "join",
    "lateral", "leading", "left", "like", "limit", "localtime", "localtimestamp", "natural", "not", "notnull",
    "null", "offset", "on", "only", "or", "order", "outer", "placing", "primary", "references", "returning",
    "right", "select", "session_user", "similar", "some", "symmetric", "table", "then", "to", "trailing",
    "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
};

/* Unreserved words that still end an expression or table reference, so they are not
 * taken as an alias written without AS. */
static const char *const alias_blockers[] = {
    "anti", "asof", "emit", "escape", "glob", "positional", "qualify", "semi", "tablesample",
};

bool sl_parser_is_reserved(const char *word)
{
    return in_sorted(word, reserved_words, sizeof reserved_words / sizeof *reserved_words);
}

bool sl_parser_is_alias_blocker(const char *word)
{
    return sl_parser_is_reserved(word) ||
           in_sorted(word, alias_blockers, sizeof alias_blockers / sizeof *alias_blockers);
}

/* ------------------------------------------------------------------ allocation */

void *sl_parser_alloc(sl_parser *p, size_t size)
{
    void *mem = sl_arena_calloc(p->arena, size);
    if (!mem)
        return sl_parser_oom(p);
    return mem;
}

char *sl_parser_strdup(sl_parser *p, const char *s)
{
    char *copy = sl_arena_strdup(p->arena, s);
    if (!copy)
        return sl_parser_oom(p);
    return copy;
}

bool sl_parser_push(sl_parser *p, void **items, uint32_t *count, uint32_t *capacity, const void *elem,
                    size_t elem_size)
{
    if (*count == *capacity) {
        uint32_t cap = *capacity ? *capacity * 2 : 4;
        /* arena arrays cannot grow in place: copy into a twice larger block (amortised O(1)) */
        void *grown = sl_arena_alloc(p->arena, (size_t)cap * elem_size);
        if (!grown) {
            sl_parser_oom(p);
            return false;
        }
        if (*count)
            memcpy(grown, *items, (size_t)*count * elem_size);
        *items = grown;
        *capacity = cap;
    }
    memcpy((char *)*items + (size_t)*count * elem_size, elem, elem_size);
    (*count)++;
    return true;
}

/* ------------------------------------------------------------------ identifiers */

bool sl_parser_at_identifier(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    return t->kind == SL_TOKEN_QUOTED_IDENT || (t->kind == SL_TOKEN_IDENT && !sl_parser_is_reserved(t->text));
}

bool sl_parser_identifier(sl_parser *p, sl_ast_ident *out, bool any_keyword)
{
    const sl_token *t = sl_parser_peek(p, 0);
    if (t->kind == SL_TOKEN_QUOTED_IDENT || (t->kind == SL_TOKEN_IDENT && (any_keyword || !sl_parser_is_reserved(t->text)))) {
        out->name = t->text;
        out->quoted = t->kind == SL_TOKEN_QUOTED_IDENT;
        out->position = t->position;
        sl_parser_advance(p);
        return true;
    }
    sl_parser_syntax_error(p);
    return false;
}

bool sl_parser_qualified_name(sl_parser *p, sl_ast_name *out)
{
    uint32_t capacity = 0;
    memset(out, 0, sizeof *out);
    out->position = sl_parser_peek(p, 0)->position;
    do {
        sl_ast_ident part;
        /* after a dot any word is allowed (PostgreSQL attr_name is ColLabel) */
        if (!sl_parser_identifier(p, &part, out->count > 0))
            return false;
        if (!SL_PUSH(p, out->parts, out->count, capacity, part))
            return false;
    } while (sl_parser_peek(p, 0)->kind == SL_TOKEN_DOT &&
             (sl_parser_peek(p, 1)->kind == SL_TOKEN_IDENT || sl_parser_peek(p, 1)->kind == SL_TOKEN_QUOTED_IDENT) &&
             sl_parser_advance(p).kind == SL_TOKEN_DOT);
    return true;
}

bool sl_parser_ident_list(sl_parser *p, sl_ast_ident **out, uint32_t *count)
{
    uint32_t capacity = 0;
    *out = NULL;
    *count = 0;
    if (!sl_parser_expect(p, SL_TOKEN_LPAREN))
        return false;
    do {
        sl_ast_ident ident;
        if (!sl_parser_identifier(p, &ident, false) || !SL_PUSH(p, *out, *count, capacity, ident))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return sl_parser_expect(p, SL_TOKEN_RPAREN);
}

/* ------------------------------------------------------------------ entry points */

static void parser_init(sl_parser *p, sl_arena *arena, const char *sql, size_t offset, sl_error *err)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->sql = sql;
    p->err = err;
    p->status = SL_OK;
    sl_lexer_init(&p->lexer, arena, sql, offset);
    p->prev_end = (int)p->lexer.pos;
}

static void parser_release(sl_parser *p)
{
    sl_free(p->tokens);
    p->tokens = NULL;
}

sl_status sl_parse_statement(sl_arena *arena, const char *sql, size_t offset, sl_ast_stmt **out, size_t *end,
                             sl_error *err)
{
    sl_error_clear(err);
    if (!arena || !sql || !out || !end)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "sl_parse_statement: NULL argument");
    sl_parser p;
    parser_init(&p, arena, sql, offset, err);
    *out = NULL;
    /* skip empty statements */
    while (sl_parser_peek(&p, 0)->kind == SL_TOKEN_SEMICOLON)
        sl_parser_advance(&p);
    sl_ast_stmt *stmt = NULL;
    if (p.status == SL_OK && sl_parser_peek(&p, 0)->kind != SL_TOKEN_EOF) {
        stmt = sl_parser_statement(&p);
        if (stmt && p.status == SL_OK) {
            stmt->end = p.prev_end;
            const sl_token *t = sl_parser_peek(&p, 0);
            if (t->kind == SL_TOKEN_SEMICOLON)
                sl_parser_advance(&p);
            else if (t->kind != SL_TOKEN_EOF)
                sl_parser_syntax_error(&p);
        }
    }
    sl_status status = p.status;
    size_t stop = p.status == SL_OK && stmt ? (size_t)p.prev_end : p.lexer.length;
    parser_release(&p);
    if (status != SL_OK)
        return status;
    *out = stmt;
    *end = stop;
    return SL_OK;
}

sl_status sl_parse_all(sl_arena *arena, const char *sql, sl_ast_stmt ***out, uint32_t *count, sl_error *err)
{
    if (!arena || !sql || !out || !count)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "sl_parse_all: NULL argument");
    sl_ast_stmt **stmts = NULL;
    uint32_t n = 0, capacity = 0;
    size_t offset = 0;
    for (;;) {
        sl_ast_stmt *stmt;
        size_t end;
        SL_TRY(sl_parse_statement(arena, sql, offset, &stmt, &end, err));
        if (!stmt)
            break;
        if (n == capacity) {
            uint32_t cap = capacity ? capacity * 2 : 8;
            sl_ast_stmt **grown = sl_arena_alloc(arena, cap * sizeof *grown);
            if (!grown)
                return sl_error_oom(err);
            if (n)
                memcpy(grown, stmts, n * sizeof *grown);
            stmts = grown;
            capacity = cap;
        }
        stmts[n++] = stmt;
        offset = end;
    }
    *out = stmts;
    *count = n;
    return SL_OK;
}

sl_status sl_parse_expression(sl_arena *arena, const char *sql, sl_ast_expr **out, sl_error *err)
{
    sl_error_clear(err);
    if (!arena || !sql || !out)
        return sl_error_set(err, SL_ERR_INVALID_ARG, "sl_parse_expression: NULL argument");
    sl_parser p;
    parser_init(&p, arena, sql, 0, err);
    sl_ast_expr *expr = sl_parser_expr(&p);
    if (expr && p.status == SL_OK && sl_parser_peek(&p, 0)->kind != SL_TOKEN_EOF)
        sl_parser_syntax_error(&p);
    sl_status status = p.status;
    parser_release(&p);
    if (status != SL_OK)
        return status;
    *out = expr;
    return SL_OK;
}

/* Scans quotes and comments the way the lexer does, looking for a ';' outside them. */
bool sl_sql_is_complete(const char *text)
{
    if (!text)
        return false;
    size_t n = strlen(text), i = 0;
    while (i < n) {
        char c = text[i];
        if (c == '-' && i + 1 < n && text[i + 1] == '-') {
            while (i < n && text[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            int depth = 0;
            while (i < n) {
                if (text[i] == '/' && i + 1 < n && text[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (text[i] == '*' && i + 1 < n && text[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else if (c == '\'' || c == '"' || c == '`') {
            bool backslash = c == '\'' && i > 0 && (text[i - 1] == 'e' || text[i - 1] == 'E') &&
                             (i < 2 || !(isalnum((unsigned char)text[i - 2]) || text[i - 2] == '_'));
            i++;
            while (i < n) {
                if (backslash && text[i] == '\\' && i + 1 < n) {
                    i += 2;
                } else if (text[i] == c) {
                    if (i + 1 < n && text[i + 1] == c) {
                        i += 2;
                    } else {
                        break;
                    }
                } else {
                    i++;
                }
            }
            if (i >= n)
                return false;   /* inside an unterminated quote */
            i++;
        } else if (c == ';') {
            return true;
        } else {
            i++;
        }
    }
    return false;
}
