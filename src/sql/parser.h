/*
 * parser.h — SQL text to AST (ast.h).
 *
 * A hand-written recursive-descent parser over the token stream of lexer.h, one function
 * per grammar rule, precedence climbing for expressions (PostgreSQL precedence). The
 * grammar it accepts is listed in src/sql/README.md.
 *
 * Errors are SL_ERR_SYNTAX with `syntax error at or near "TOKEN"` (or `syntax error at end
 * of input`) and err->position = byte offset of the offending token. Nesting of
 * expressions and subqueries is capped (SL_PARSER_MAX_DEPTH) so hostile input cannot
 * exhaust the C stack.
 *
 * Memory: every node, string and array of the result is allocated in `arena` and lives
 * as long as it. On error, partially built nodes stay in the arena (freed with it).
 */
#ifndef SL_SQL_PARSER_H
#define SL_SQL_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/alloc.h"
#include "common/status.h"
#include "sql/ast.h"

#define SL_PARSER_MAX_DEPTH 1000

/* Parses the first statement of sql starting at byte `offset`; *end receives the byte
 * offset just past it (past its ';'); *out = NULL when only whitespace/comments remain
 * (then *end = strlen(sql)). Positions in the AST and in err are offsets into `sql`
 * (not relative to `offset`). Nodes are allocated in arena. */
sl_status sl_parse_statement(sl_arena *arena, const char *sql, size_t offset, sl_ast_stmt **out,
                             size_t *end, sl_error *err);

/* Parses every statement of sql. *out receives an arena-allocated array of *count
 * statements (empty statements such as ";;" are skipped). */
sl_status sl_parse_all(sl_arena *arena, const char *sql, sl_ast_stmt ***out, uint32_t *count,
                       sl_error *err);

/* Parses a standalone expression (whole text); used by tests and option values. */
sl_status sl_parse_expression(sl_arena *arena, const char *sql, sl_ast_expr **out, sl_error *err);

/* True when `text` holds at least one complete statement (a ';' outside quotes and
 * comments) — the shell uses it for multi-line input. */
bool sl_sql_is_complete(const char *text);

#endif
