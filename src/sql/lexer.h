/*
 * lexer.h — splits SQL text into tokens for the parser.
 *
 * The lexer is pull-based: sl_lexer_next() produces one token at a time, so parsing the
 * first statement of a long script never scans the rest. Tokens carry their byte
 * position in the original text and a decoded `text`:
 *   IDENT         unquoted identifier or keyword, folded to lower case (ASCII only)
 *   QUOTED_IDENT  "name" or `name`, doubled quotes resolved, case kept
 *   STRING        'abc' or E'a\nb', escapes resolved
 *   INTEGER / DECIMAL / FLOAT   number text as written (no sign)
 *   PARAM         $n (text = the digits); QMARK ?
 *   OP            operator made of + - * / < > = ~ ! @ # % ^ & | (PostgreSQL rules)
 *   punctuation   ( ) [ ] , ; . : :: := (text is the punctuation)
 * Comments (-- line, nested block comments) and whitespace are skipped.
 *
 * Memory: token texts are allocated in the arena given to sl_lexer_init.
 */
#ifndef SL_SQL_LEXER_H
#define SL_SQL_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/alloc.h"
#include "common/status.h"

typedef enum sl_token_kind {
    SL_TOKEN_EOF,
    SL_TOKEN_IDENT,
    SL_TOKEN_QUOTED_IDENT,
    SL_TOKEN_STRING,
    SL_TOKEN_INTEGER,
    SL_TOKEN_DECIMAL,
    SL_TOKEN_FLOAT,
    SL_TOKEN_PARAM,
    SL_TOKEN_QMARK,
    SL_TOKEN_OP,
    SL_TOKEN_LPAREN,
    SL_TOKEN_RPAREN,
    SL_TOKEN_LBRACKET,
    SL_TOKEN_RBRACKET,
    SL_TOKEN_COMMA,
    SL_TOKEN_SEMICOLON,
    SL_TOKEN_DOT,
    SL_TOKEN_COLON,
    SL_TOKEN_DOUBLE_COLON,
    SL_TOKEN_COLON_EQUALS
} sl_token_kind;

typedef struct sl_token {
    sl_token_kind kind;
    int position;        /* byte offset of the first character in the SQL text */
    int length;          /* bytes of source text the token spans */
    char *text;          /* decoded text (see above), NUL-terminated; "" for EOF */
    size_t text_length;
} sl_token;

typedef struct sl_lexer {
    const char *sql;
    size_t length;
    size_t pos;          /* next byte to scan */
    sl_arena *arena;
} sl_lexer;

void sl_lexer_init(sl_lexer *lexer, sl_arena *arena, const char *sql, size_t offset);

/* Scans the next token into *out. At the end of the text returns an EOF token at the
 * text length (repeatedly). Errors (SL_ERR_SYNTAX): unterminated string, quoted
 * identifier or comment, zero-length quoted identifier, bad escape; SL_ERR_OOM. */
sl_status sl_lexer_next(sl_lexer *lexer, sl_token *out, sl_error *err);

/* Skips whitespace and comments from `offset`; returns the offset of the next token or
 * strlen(sql). Unterminated block comments run to the end. */
size_t sl_lexer_skip_space(const char *sql, size_t length, size_t offset);

#endif
