/*
 * parser_internal.h — state and helpers shared by the parser's files:
 *   parser.c         token stream, errors, keyword tables, lists, entry points
 *   parser_expr.c    expressions (precedence climbing), types, window specs
 *   parser_query.c   SELECT / VALUES / set operations / FROM clause
 *   parser_stmt.c    statements (dispatch table by first keyword)
 *
 * Error convention inside the parser: grammar functions return the node they built, or
 * NULL after recording the first error in the parser (p->status / p->err). Booleans
 * returning helpers likewise return false on error. Callers check p->status (or the NULL)
 * and unwind; only the first error is kept, so the message points at the real culprit.
 */
#ifndef SL_SQL_PARSER_INTERNAL_H
#define SL_SQL_PARSER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sql/ast.h"
#include "sql/lexer.h"
#include "sql/parser.h"

typedef struct sl_parser {
    sl_arena *arena;
    const char *sql;
    sl_lexer lexer;
    sl_token *tokens;        /* lookahead buffer: tokens[head .. count) not yet consumed */
    size_t head;
    size_t count;
    size_t capacity;
    int prev_end;            /* byte offset just past the last consumed token */
    int depth;               /* current nesting depth (expressions, subqueries, joins) */
    uint32_t param_count;    /* ? parameters numbered so far */
    sl_status status;        /* first error, SL_OK while parsing succeeds */
    sl_error *err;
} sl_parser;

/* ---- token stream (parser.c) */
const sl_token *sl_parser_peek(sl_parser *p, size_t k);      /* k-th token ahead (0 = current) */
sl_token sl_parser_advance(sl_parser *p);                     /* consumes the current token */
bool sl_parser_is_keyword(const sl_token *t, const char *keyword);
bool sl_parser_peek_keyword(sl_parser *p, size_t k, const char *keyword);
bool sl_parser_accept_keyword(sl_parser *p, const char *keyword);
bool sl_parser_expect_keyword(sl_parser *p, const char *keyword);
bool sl_parser_accept(sl_parser *p, sl_token_kind kind);
bool sl_parser_expect(sl_parser *p, sl_token_kind kind);
bool sl_parser_peek_op(sl_parser *p, size_t k, const char *op);
bool sl_parser_accept_op(sl_parser *p, const char *op);

/* ---- errors */
/* Records `syntax error at or near "<current token>"` (or at end of input). Returns NULL. */
void *sl_parser_syntax_error(sl_parser *p);
/* Records an error with a custom message at `position`. Returns NULL. */
void *sl_parser_error_at(sl_parser *p, int position, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *sl_parser_oom(sl_parser *p);
/* Depth guard: enter returns false (error recorded) beyond SL_PARSER_MAX_DEPTH. */
bool sl_parser_enter(sl_parser *p, int position);
void sl_parser_leave(sl_parser *p);

/* ---- keywords */
/* Reserved words cannot be column names, table names or aliases without quotes. */
bool sl_parser_is_reserved(const char *word);
/* Words that may not be used as an alias without AS (clause starters). */
bool sl_parser_is_alias_blocker(const char *word);

/* ---- allocation */
void *sl_parser_alloc(sl_parser *p, size_t size);              /* zeroed */
char *sl_parser_strdup(sl_parser *p, const char *s);
/* Appends elem (elem_size bytes) to the arena array *items, growing count and capacity. */
bool sl_parser_push(sl_parser *p, void **items, uint32_t *count, uint32_t *capacity, const void *elem,
                    size_t elem_size);
#define SL_PUSH(p, items, count, capacity, elem) \
    sl_parser_push((p), (void **)&(items), &(count), &(capacity), &(elem), sizeof(elem))

/* ---- identifiers and names */
/* True when the current token can be an identifier (unreserved word or quoted). */
bool sl_parser_at_identifier(sl_parser *p);
/* Parses an identifier (error if reserved). `any_keyword` allows reserved words (after AS). */
bool sl_parser_identifier(sl_parser *p, sl_ast_ident *out, bool any_keyword);
/* Parses ident ('.' ident)*. */
bool sl_parser_qualified_name(sl_parser *p, sl_ast_name *out);
/* Parses '(' ident, ... ')'. */
bool sl_parser_ident_list(sl_parser *p, sl_ast_ident **out, uint32_t *count);

/* ---- grammar rules shared across files */
sl_ast_expr *sl_parser_expr(sl_parser *p);
sl_ast_expr *sl_parser_expr_above_in(sl_parser *p);           /* operators binding tighter than IN */
bool sl_parser_expr_list(sl_parser *p, sl_ast_expr ***out, uint32_t *count);
bool sl_parser_type(sl_parser *p, sl_ast_type *out);
bool sl_parser_order_list(sl_parser *p, sl_ast_order_item **out, uint32_t *count);  /* after ORDER BY */
bool sl_parser_window_spec(sl_parser *p, sl_ast_window *out);  /* '(' ... ')' */
/* Function call arguments after the name (current token '('). */
sl_ast_expr *sl_parser_function_call(sl_parser *p, sl_ast_name name, int position);

sl_ast_query *sl_parser_query(sl_parser *p);
/* True when the tokens at k start a query (SELECT, WITH, VALUES, or '(' ... leading to one). */
bool sl_parser_at_query(sl_parser *p, size_t k);

sl_ast_stmt *sl_parser_statement(sl_parser *p);

#endif
