/*
 * parser_expr.c — expressions, type names, ORDER BY lists and window specifications.
 *
 * Binary operators are parsed by precedence climbing (parse_binary), with PostgreSQL's
 * precedence, lowest first:
 *    1 OR   2 AND   3 NOT (prefix)   4 IS, ISNULL, NOTNULL (postfix)
 *    5 comparison = <> != < > <= >= (non-associative)
 *    6 [NOT] BETWEEN / IN / LIKE / ILIKE / SIMILAR TO / GLOB
 *    7 || and any other operator   8 + -   9 * / %   10 ^
 *   11 unary + - ~   12 ::   13 [ ] and .field
 * Nesting through parentheses, function calls, CASE and prefix operators is counted
 * against SL_PARSER_MAX_DEPTH.
 */
#include "sql/parser_internal.h"

#include <stdio.h>
#include <stdlib.h>

enum {
    PREC_NONE = 0,
    PREC_OR = 1,
    PREC_AND = 2,
    PREC_NOT = 3,
    PREC_IS = 4,
    PREC_COMPARE = 5,
    PREC_PATTERN = 6,
    PREC_OTHER = 7,
    PREC_ADD = 8,
    PREC_MUL = 9,
    PREC_POW = 10,
    PREC_UNARY = 11
};

static sl_ast_expr *parse_binary(sl_parser *p, int min_prec);
static sl_ast_expr *parse_prefix(sl_parser *p);

static sl_ast_expr *new_expr(sl_parser *p, sl_ast_expr_kind kind, int position)
{
    sl_ast_expr *e = sl_ast_expr_new(p->arena, kind, position);
    if (!e)
        return sl_parser_oom(p);
    return e;
}

sl_ast_expr *sl_parser_expr(sl_parser *p)
{
    return parse_binary(p, PREC_OR);
}

sl_ast_expr *sl_parser_expr_above_in(sl_parser *p)
{
    return parse_binary(p, PREC_OTHER);
}

bool sl_parser_expr_list(sl_parser *p, sl_ast_expr ***out, uint32_t *count)
{
    uint32_t capacity = 0;
    *out = NULL;
    *count = 0;
    do {
        sl_ast_expr *e = sl_parser_expr(p);
        if (!e || !SL_PUSH(p, *out, *count, capacity, e))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return true;
}

/* ------------------------------------------------------------------ operator table */

typedef enum op_class {
    OPC_NONE,
    OPC_BINARY,      /* plain binary operator, op/prec filled */
    OPC_COMPARE,     /* comparison (binary, may be followed by ANY/ALL) */
    OPC_IS,          /* IS ... */
    OPC_ISNULL,      /* ISNULL / NOTNULL */
    OPC_PATTERN      /* [NOT] BETWEEN/IN/LIKE/ILIKE/SIMILAR/GLOB */
} op_class;

typedef struct op_info {
    op_class cls;
    int prec;
    sl_ast_binary_op op;
} op_info;

static bool is_pattern_keyword(const sl_token *t)
{
    static const char *const words[] = { "between", "in", "like", "ilike", "similar", "glob" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (sl_parser_is_keyword(t, words[i]))
            return true;
    return false;
}

/* Classifies the current token as an infix/postfix operator. */
static op_info classify(sl_parser *p)
{
    op_info info = { OPC_NONE, PREC_NONE, SL_AST_OP_OTHER };
    const sl_token *t = sl_parser_peek(p, 0);
    if (t->kind == SL_TOKEN_IDENT) {
        if (strcmp(t->text, "or") == 0)
            info = (op_info){ OPC_BINARY, PREC_OR, SL_AST_OP_OR };
        else if (strcmp(t->text, "and") == 0)
            info = (op_info){ OPC_BINARY, PREC_AND, SL_AST_OP_AND };
        else if (strcmp(t->text, "is") == 0)
            info = (op_info){ OPC_IS, PREC_IS, SL_AST_OP_OTHER };
        else if (strcmp(t->text, "isnull") == 0 || strcmp(t->text, "notnull") == 0)
            info = (op_info){ OPC_ISNULL, PREC_IS, SL_AST_OP_OTHER };
        else if (is_pattern_keyword(t) || (strcmp(t->text, "not") == 0 && is_pattern_keyword(sl_parser_peek(p, 1))))
            info = (op_info){ OPC_PATTERN, PREC_PATTERN, SL_AST_OP_OTHER };
        return info;
    }
    if (t->kind != SL_TOKEN_OP)
        return info;
    const char *s = t->text;
    static const struct {
        const char *text;
        op_class cls;
        int prec;
        sl_ast_binary_op op;
    } table[] = {
        { "=", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_EQ },   { "==", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_EQ },
        { "<>", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_NE },  { "!=", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_NE },
        { "<", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_LT },   { "<=", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_LE },
        { ">", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_GT },   { ">=", OPC_COMPARE, PREC_COMPARE, SL_AST_OP_GE },
        { "+", OPC_BINARY, PREC_ADD, SL_AST_OP_ADD },       { "-", OPC_BINARY, PREC_ADD, SL_AST_OP_SUB },
        { "*", OPC_BINARY, PREC_MUL, SL_AST_OP_MUL },       { "/", OPC_BINARY, PREC_MUL, SL_AST_OP_DIV },
        { "%", OPC_BINARY, PREC_MUL, SL_AST_OP_MOD },       { "^", OPC_BINARY, PREC_POW, SL_AST_OP_POW },
        { "**", OPC_BINARY, PREC_POW, SL_AST_OP_POW },      { "||", OPC_BINARY, PREC_OTHER, SL_AST_OP_CONCAT },
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(s, table[i].text) == 0)
            return (op_info){ table[i].cls, table[i].prec, table[i].op };
    /* => is the named-argument arrow, never an operator */
    if (strcmp(s, "=>") == 0)
        return info;
    return (op_info){ OPC_BINARY, PREC_OTHER, SL_AST_OP_OTHER };
}

static sl_ast_expr *make_binary(sl_parser *p, sl_ast_binary_op op, const char *text, sl_ast_expr *left,
                                sl_ast_expr *right, int position)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_BINARY, position);
    if (!e)
        return NULL;
    e->binary.op = op;
    e->binary.op_text = text;
    e->binary.left = left;
    e->binary.right = right;
    return e;
}

/* '(' query ')' after the current position; returns the query. */
static sl_ast_query *parenthesized_query(sl_parser *p)
{
    if (!sl_parser_expect(p, SL_TOKEN_LPAREN))
        return NULL;
    sl_ast_query *q = sl_parser_query(p);
    if (!q || !sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    return q;
}

/* x IS [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM y — IS already current. */
static sl_ast_expr *parse_is(sl_parser *p, sl_ast_expr *left)
{
    int position = sl_parser_advance(p).position;
    bool negated = sl_parser_accept_keyword(p, "not");
    if (sl_parser_accept_keyword(p, "distinct")) {
        if (!sl_parser_expect_keyword(p, "from"))
            return NULL;
        sl_ast_expr *right = parse_binary(p, PREC_COMPARE);
        if (!right)
            return NULL;
        return make_binary(p, negated ? SL_AST_OP_IS_NOT_DISTINCT : SL_AST_OP_IS_DISTINCT,
                           negated ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", left, right, position);
    }
    sl_ast_is_kind what;
    if (sl_parser_accept_keyword(p, "null"))
        what = SL_AST_IS_NULL;
    else if (sl_parser_accept_keyword(p, "true"))
        what = SL_AST_IS_TRUE;
    else if (sl_parser_accept_keyword(p, "false"))
        what = SL_AST_IS_FALSE;
    else if (sl_parser_accept_keyword(p, "unknown"))
        what = SL_AST_IS_UNKNOWN;
    else
        return sl_parser_syntax_error(p);
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_IS, position);
    if (!e)
        return NULL;
    e->is.what = what;
    e->is.negated = negated;
    e->is.arg = left;
    return e;
}

/* [NOT] BETWEEN / IN / LIKE / ILIKE / SIMILAR TO / GLOB after `left`. */
static sl_ast_expr *parse_pattern(sl_parser *p, sl_ast_expr *left)
{
    bool negated = sl_parser_accept_keyword(p, "not");
    sl_token t = sl_parser_advance(p);
    if (sl_parser_is_keyword(&t, "between")) {
        sl_ast_expr *e = new_expr(p, SL_AST_EXPR_BETWEEN, t.position);
        if (!e)
            return NULL;
        if (!sl_parser_accept_keyword(p, "asymmetric"))
            e->between.symmetric = sl_parser_accept_keyword(p, "symmetric");
        e->between.arg = left;
        e->between.negated = negated;
        if (!(e->between.low = parse_binary(p, PREC_OTHER)) || !sl_parser_expect_keyword(p, "and") ||
            !(e->between.high = parse_binary(p, PREC_OTHER)))
            return NULL;
        return e;
    }
    if (sl_parser_is_keyword(&t, "in")) {
        if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN && sl_parser_at_query(p, 1)) {
            sl_ast_expr *e = new_expr(p, SL_AST_EXPR_SUBQUERY, t.position);
            if (!e)
                return NULL;
            e->subquery.kind = SL_AST_SUBQUERY_IN;
            e->subquery.left = left;
            e->subquery.op = SL_AST_OP_EQ;
            e->subquery.negated = negated;
            if (!(e->subquery.query = parenthesized_query(p)))
                return NULL;
            return e;
        }
        sl_ast_expr *e = new_expr(p, SL_AST_EXPR_IN_LIST, t.position);
        if (!e || !sl_parser_expect(p, SL_TOKEN_LPAREN))
            return NULL;
        e->in_list.arg = left;
        e->in_list.negated = negated;
        if (!sl_parser_expr_list(p, &e->in_list.list, &e->in_list.count) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
        return e;
    }
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_LIKE, t.position);
    if (!e)
        return NULL;
    if (sl_parser_is_keyword(&t, "like"))
        e->like.like = SL_AST_LIKE_LIKE;
    else if (sl_parser_is_keyword(&t, "ilike"))
        e->like.like = SL_AST_LIKE_ILIKE;
    else if (sl_parser_is_keyword(&t, "glob"))
        e->like.like = SL_AST_LIKE_GLOB;
    else {
        e->like.like = SL_AST_LIKE_SIMILAR;
        if (!sl_parser_expect_keyword(p, "to"))
            return NULL;
    }
    e->like.arg = left;
    e->like.negated = negated;
    if (!(e->like.pattern = parse_binary(p, PREC_OTHER)))
        return NULL;
    if (sl_parser_accept_keyword(p, "escape") && !(e->like.escape = parse_binary(p, PREC_OTHER)))
        return NULL;
    return e;
}

/* Precedence climbing: parses operators of precedence >= min_prec. */
static sl_ast_expr *parse_binary(sl_parser *p, int min_prec)
{
    sl_ast_expr *left = parse_prefix(p);
    if (!left)
        return NULL;
    for (;;) {
        op_info info = classify(p);
        if (info.cls == OPC_NONE || info.prec < min_prec)
            return left;
        const sl_token *t = sl_parser_peek(p, 0);
        int position = t->position;
        switch (info.cls) {
        case OPC_IS:
            left = parse_is(p, left);
            break;
        case OPC_ISNULL: {
            bool negated = sl_parser_is_keyword(t, "notnull");
            sl_parser_advance(p);
            sl_ast_expr *e = new_expr(p, SL_AST_EXPR_IS, position);
            if (e) {
                e->is.what = SL_AST_IS_NULL;
                e->is.negated = negated;
                e->is.arg = left;
            }
            left = e;
            break;
        }
        case OPC_PATTERN:
            left = parse_pattern(p, left);
            break;
        case OPC_COMPARE: {
            sl_token op = sl_parser_advance(p);
            const sl_token *q = sl_parser_peek(p, 0);
            bool any = sl_parser_is_keyword(q, "any") || sl_parser_is_keyword(q, "some");
            bool all = sl_parser_is_keyword(q, "all");
            if ((any || all) && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
                if (!sl_parser_at_query(p, 2)) {
                    sl_parser_advance(p);
                    sl_parser_advance(p);
                    return sl_parser_syntax_error(p);   /* op ANY (array) is not supported */
                }
                sl_parser_advance(p);
                sl_ast_expr *e = new_expr(p, SL_AST_EXPR_SUBQUERY, op.position);
                if (!e)
                    return NULL;
                e->subquery.kind = any ? SL_AST_SUBQUERY_ANY : SL_AST_SUBQUERY_ALL;
                e->subquery.left = left;
                e->subquery.op = info.op;
                if (!(e->subquery.query = parenthesized_query(p)))
                    return NULL;
                left = e;
            } else {
                sl_ast_expr *right = parse_binary(p, PREC_COMPARE + 1);
                if (!right)
                    return NULL;
                left = make_binary(p, info.op, op.text, left, right, op.position);
            }
            /* comparisons do not associate: a = b = c is an error, as in PostgreSQL */
            if (left && classify(p).cls == OPC_COMPARE)
                return sl_parser_syntax_error(p);
            break;
        }
        case OPC_BINARY: {
            sl_token op = sl_parser_advance(p);
            sl_ast_expr *right = parse_binary(p, info.prec + 1);   /* all left-associative */
            if (!right)
                return NULL;
            const char *text = op.kind == SL_TOKEN_IDENT ? (info.op == SL_AST_OP_AND ? "AND" : "OR") : op.text;
            left = make_binary(p, info.op, text, left, right, op.position);
            break;
        }
        case OPC_NONE:
            return left;
        }
        if (!left)
            return NULL;
    }
}

/* ------------------------------------------------------------------ prefix and postfix */

static sl_ast_expr *parse_postfix(sl_parser *p, sl_ast_expr *e);
static sl_ast_expr *parse_primary(sl_parser *p);

/* Prefix NOT, unary + - ~, then a primary with its postfix operators. A minus directly
 * before a numeric literal is folded into the literal ("-5"), as PostgreSQL does. */
static sl_ast_expr *parse_prefix(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    int position = t->position;
    bool is_not = sl_parser_is_keyword(t, "not");
    bool is_sign = t->kind == SL_TOKEN_OP && (strcmp(t->text, "-") == 0 || strcmp(t->text, "+") == 0 ||
                                               strcmp(t->text, "~") == 0);
    if (!is_not && !is_sign) {
        sl_ast_expr *e = parse_primary(p);
        return e ? parse_postfix(p, e) : NULL;
    }
    char sign = is_not ? 'n' : t->text[0];
    sl_parser_advance(p);
    if (!sl_parser_enter(p, position))
        return NULL;
    sl_ast_expr *arg = parse_binary(p, is_not ? PREC_IS : PREC_UNARY);
    sl_parser_leave(p);
    if (!arg)
        return NULL;
    if (sign == '-' && arg->kind == SL_AST_EXPR_CONSTANT && arg->position > position &&
        (arg->constant.kind == SL_AST_CONST_INTEGER || arg->constant.kind == SL_AST_CONST_DECIMAL ||
         arg->constant.kind == SL_AST_CONST_FLOAT) &&
        arg->constant.text[0] != '-') {
        char *text = sl_arena_alloc(p->arena, arg->constant.length + 2);
        if (!text)
            return sl_parser_oom(p);
        text[0] = '-';
        memcpy(text + 1, arg->constant.text, arg->constant.length + 1);
        arg->constant.text = text;
        arg->constant.length++;
        arg->position = position;
        return arg;
    }
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_UNARY, position);
    if (!e)
        return NULL;
    e->unary.op = sign == 'n' ? SL_AST_UNARY_NOT : sign == '-' ? SL_AST_UNARY_MINUS
                : sign == '+' ? SL_AST_UNARY_PLUS : SL_AST_UNARY_BITNOT;
    e->unary.arg = arg;
    return e;
}

/* Postfix ::type, [index], [a:b] and .field, binding tighter than any operator. */
static sl_ast_expr *parse_postfix(sl_parser *p, sl_ast_expr *e)
{
    for (;;) {
        const sl_token *t = sl_parser_peek(p, 0);
        int position = t->position;
        if (t->kind == SL_TOKEN_DOUBLE_COLON) {
            sl_parser_advance(p);
            sl_ast_expr *cast = new_expr(p, SL_AST_EXPR_CAST, position);
            if (!cast || !sl_parser_type(p, &cast->cast.type))
                return NULL;
            cast->cast.arg = e;
            cast->cast.double_colon = true;
            e = cast;
        } else if (t->kind == SL_TOKEN_LBRACKET) {
            sl_parser_advance(p);
            sl_ast_expr *sub = new_expr(p, SL_AST_EXPR_SUBSCRIPT, position);
            if (!sub)
                return NULL;
            sub->subscript.arg = e;
            if (sl_parser_peek(p, 0)->kind != SL_TOKEN_COLON && !(sub->subscript.index = sl_parser_expr(p)))
                return NULL;
            if (sl_parser_accept(p, SL_TOKEN_COLON)) {
                sub->subscript.slice = true;
                if (sl_parser_peek(p, 0)->kind != SL_TOKEN_RBRACKET && !(sub->subscript.slice_end = sl_parser_expr(p)))
                    return NULL;
            }
            if (!sl_parser_expect(p, SL_TOKEN_RBRACKET))
                return NULL;
            e = sub;
        } else if (t->kind == SL_TOKEN_DOT) {   /* (expr).field; a name already took its dots */
            sl_parser_advance(p);
            sl_ast_expr *field = new_expr(p, SL_AST_EXPR_FIELD, position);
            if (!field || !sl_parser_identifier(p, &field->field.field, true))
                return NULL;
            field->field.arg = e;
            e = field;
        } else {
            return e;
        }
    }
}

/* ------------------------------------------------------------------ literals */

static sl_ast_expr *constant(sl_parser *p, sl_ast_constant_kind kind, const sl_token *t)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_CONSTANT, t->position);
    if (!e)
        return NULL;
    e->constant.kind = kind;
    if (kind != SL_AST_CONST_NULL && kind != SL_AST_CONST_BOOLEAN) {
        e->constant.text = t->text;
        e->constant.length = t->text_length;
    }
    return e;
}

static sl_ast_expr *constant_advance(sl_parser *p, sl_ast_constant_kind kind)
{
    sl_token t = sl_parser_advance(p);
    return constant(p, kind, &t);
}

static bool is_interval_unit(const sl_token *t)
{
    static const char *const units[] = {
        "year", "years", "month", "months", "day", "days", "hour", "hours", "minute", "minutes",
        "second", "seconds", "millisecond", "milliseconds", "microsecond", "microseconds", "week", "weeks",
        "quarter", "quarters", "decade", "decades", "century", "centuries", "millennium", "millennia",
    };
    if (t->kind != SL_TOKEN_IDENT)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (strcmp(t->text, units[i]) == 0)
            return true;
    return false;
}

/* INTERVAL 'text' [unit [TO unit]] | INTERVAL number unit — INTERVAL is current. */
static sl_ast_expr *parse_interval(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_token value = sl_parser_advance(p);   /* STRING or number, checked by the caller */
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_TYPED_LITERAL, kw.position);
    if (!e)
        return NULL;
    e->typed.type.name = "interval";
    e->typed.type.position = kw.position;
    e->typed.text = value.text;
    if (is_interval_unit(sl_parser_peek(p, 0))) {
        sl_token unit = sl_parser_advance(p);
        e->typed.interval_unit = unit.text;
        if (sl_parser_peek_keyword(p, 0, "to") && is_interval_unit(sl_parser_peek(p, 1))) {
            sl_parser_advance(p);
            sl_token to = sl_parser_advance(p);
            char buf[64];
            snprintf(buf, sizeof buf, "%s to %s", unit.text, to.text);
            if (!(e->typed.interval_unit = sl_parser_strdup(p, buf)))
                return NULL;
        }
    } else if (value.kind != SL_TOKEN_STRING) {
        return sl_parser_syntax_error(p);   /* INTERVAL 3 needs a unit */
    }
    return e;
}

/* <type> 'text' — the type's first word is current and the literal follows it. */
static sl_ast_expr *parse_typed_literal(sl_parser *p)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_TYPED_LITERAL, sl_parser_peek(p, 0)->position);
    if (!e || !sl_parser_type(p, &e->typed.type))
        return NULL;
    const sl_token *t = sl_parser_peek(p, 0);
    if (t->kind != SL_TOKEN_STRING)
        return sl_parser_syntax_error(p);
    e->typed.text = sl_parser_advance(p).text;
    return e;
}

/* True when the tokens at the cursor are a multi-word type name followed by a string,
 * e.g. TIMESTAMP WITH TIME ZONE '...', DOUBLE PRECISION '1.5'. */
static bool at_multiword_typed_literal(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    if (sl_parser_is_keyword(t, "double"))
        return sl_parser_peek_keyword(p, 1, "precision") && sl_parser_peek(p, 2)->kind == SL_TOKEN_STRING;
    if (sl_parser_is_keyword(t, "timestamp") || sl_parser_is_keyword(t, "time"))
        return (sl_parser_peek_keyword(p, 1, "with") || sl_parser_peek_keyword(p, 1, "without")) &&
               sl_parser_peek_keyword(p, 2, "time") && sl_parser_peek_keyword(p, 3, "zone") &&
               sl_parser_peek(p, 4)->kind == SL_TOKEN_STRING;
    return false;
}

/* ------------------------------------------------------------------ special forms */

static sl_ast_expr *new_call(sl_parser *p, const char *name, int position)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_FUNCTION, position);
    sl_ast_ident *part = sl_parser_alloc(p, sizeof *part);
    if (!e || !part)
        return NULL;
    part->name = (char *)name;
    part->position = position;
    e->function.name.parts = part;
    e->function.name.count = 1;
    e->function.name.position = position;
    return e;
}

static bool add_arg(sl_parser *p, sl_ast_expr *call, sl_ast_expr *arg, uint32_t *capacity)
{
    return arg && SL_PUSH(p, call->function.args, call->function.arg_count, *capacity, arg);
}

static sl_ast_expr *string_constant(sl_parser *p, const char *text, int position)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_CONSTANT, position);
    if (!e)
        return NULL;
    e->constant.kind = SL_AST_CONST_STRING;
    e->constant.text = (char *)text;
    e->constant.length = strlen(text);
    return e;
}

/* EXTRACT(field FROM x) -> extract('field', x). Current token: EXTRACT. */
static sl_ast_expr *parse_extract(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_parser_advance(p);   /* ( */
    sl_ast_expr *call = new_call(p, "extract", kw.position);
    uint32_t capacity = 0;
    if (!call)
        return NULL;
    const sl_token *f = sl_parser_peek(p, 0);
    if (f->kind != SL_TOKEN_IDENT && f->kind != SL_TOKEN_STRING && f->kind != SL_TOKEN_QUOTED_IDENT)
        return sl_parser_syntax_error(p);
    sl_token field = sl_parser_advance(p);
    char *name = field.text;
    if (field.kind != SL_TOKEN_IDENT) {   /* 'Year' or "Year": fold to lower case too */
        if (!(name = sl_parser_strdup(p, field.text)))
            return NULL;
        for (char *c = name; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
    if (!add_arg(p, call, string_constant(p, name, field.position), &capacity) ||
        !sl_parser_expect_keyword(p, "from") || !add_arg(p, call, sl_parser_expr(p), &capacity) ||
        !sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    return call;
}

/* SUBSTRING(x FROM a [FOR b]) | SUBSTRING(x FOR b) | substring(x, a, b). */
static sl_ast_expr *parse_substring(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_parser_advance(p);   /* ( */
    sl_ast_expr *call = new_call(p, "substring", kw.position);
    uint32_t capacity = 0;
    if (!call || !add_arg(p, call, sl_parser_expr(p), &capacity))
        return NULL;
    if (sl_parser_accept_keyword(p, "from")) {
        if (!add_arg(p, call, sl_parser_expr(p), &capacity))
            return NULL;
        if (sl_parser_accept_keyword(p, "for") && !add_arg(p, call, sl_parser_expr(p), &capacity))
            return NULL;
    } else if (sl_parser_peek_keyword(p, 0, "for")) {
        int position = sl_parser_advance(p).position;
        sl_token one = { SL_TOKEN_INTEGER, position, 0, "1", 1 };
        if (!add_arg(p, call, constant(p, SL_AST_CONST_INTEGER, &one), &capacity) ||
            !add_arg(p, call, sl_parser_expr(p), &capacity))
            return NULL;
    } else {
        while (sl_parser_accept(p, SL_TOKEN_COMMA))
            if (!add_arg(p, call, sl_parser_expr(p), &capacity))
                return NULL;
    }
    if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    return call;
}

/* POSITION(needle IN haystack) -> strpos(haystack, needle). */
static sl_ast_expr *parse_position(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_parser_advance(p);   /* ( */
    sl_ast_expr *call = new_call(p, "strpos", kw.position);
    uint32_t capacity = 0;
    sl_ast_expr *needle = sl_parser_expr_above_in(p);
    if (!call || !needle)
        return NULL;
    if (!sl_parser_expect_keyword(p, "in"))
        return NULL;
    if (!add_arg(p, call, sl_parser_expr(p), &capacity) || !add_arg(p, call, needle, &capacity) ||
        !sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    return call;
}

/* TRIM([LEADING|TRAILING|BOTH] [chars] FROM x) | TRIM(x [, chars]). */
static sl_ast_expr *parse_trim(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_parser_advance(p);   /* ( */
    const char *name = "trim";
    if (sl_parser_accept_keyword(p, "leading"))
        name = "ltrim";
    else if (sl_parser_accept_keyword(p, "trailing"))
        name = "rtrim";
    else
        sl_parser_accept_keyword(p, "both");
    sl_ast_expr *call = new_call(p, name, kw.position);
    uint32_t capacity = 0;
    if (!call)
        return NULL;
    sl_ast_expr *chars = NULL, *subject;
    if (sl_parser_accept_keyword(p, "from")) {
        subject = sl_parser_expr(p);
    } else {
        sl_ast_expr *first = sl_parser_expr(p);
        if (!first)
            return NULL;
        if (sl_parser_accept_keyword(p, "from")) {
            chars = first;
            subject = sl_parser_expr(p);
        } else {
            subject = first;
            if (sl_parser_accept(p, SL_TOKEN_COMMA) && !(chars = sl_parser_expr(p)))
                return NULL;
        }
    }
    if (!add_arg(p, call, subject, &capacity) || (chars && !add_arg(p, call, chars, &capacity)) ||
        !sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    return call;
}

/* CASE [operand] WHEN a THEN b ... [ELSE c] END. */
static sl_ast_expr *parse_case(sl_parser *p)
{
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_CASE, sl_parser_advance(p).position);
    uint32_t capacity = 0;
    if (!e)
        return NULL;
    if (!sl_parser_peek_keyword(p, 0, "when") && !(e->case_.operand = sl_parser_expr(p)))
        return NULL;
    if (!sl_parser_peek_keyword(p, 0, "when"))
        return sl_parser_syntax_error(p);
    while (sl_parser_accept_keyword(p, "when")) {
        sl_ast_when when;
        if (!(when.condition = sl_parser_expr(p)) || !sl_parser_expect_keyword(p, "then") ||
            !(when.result = sl_parser_expr(p)) || !SL_PUSH(p, e->case_.whens, e->case_.when_count, capacity, when))
            return NULL;
    }
    if (sl_parser_accept_keyword(p, "else") && !(e->case_.else_result = sl_parser_expr(p)))
        return NULL;
    if (!sl_parser_expect_keyword(p, "end"))
        return NULL;
    return e;
}

/* CAST(x AS type) / TRY_CAST(x AS type). */
static sl_ast_expr *parse_cast(sl_parser *p)
{
    sl_token kw = sl_parser_advance(p);
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_CAST, kw.position);
    if (!e || !sl_parser_expect(p, SL_TOKEN_LPAREN) || !(e->cast.arg = sl_parser_expr(p)) ||
        !sl_parser_expect_keyword(p, "as") || !sl_parser_type(p, &e->cast.type) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    e->cast.try_cast = sl_parser_is_keyword(&kw, "try_cast");
    return e;
}

/* ------------------------------------------------------------------ function calls */

bool sl_parser_order_list(sl_parser *p, sl_ast_order_item **out, uint32_t *count)
{
    uint32_t capacity = 0;
    *out = NULL;
    *count = 0;
    do {
        sl_ast_order_item item;
        memset(&item, 0, sizeof item);
        item.position = sl_parser_peek(p, 0)->position;
        if (!(item.expr = sl_parser_expr(p)))
            return false;
        if (sl_parser_accept_keyword(p, "desc"))
            item.descending = true;
        else
            sl_parser_accept_keyword(p, "asc");
        if (sl_parser_accept_keyword(p, "nulls")) {
            if (sl_parser_accept_keyword(p, "first"))
                item.nulls = SL_AST_NULLS_FIRST;
            else if (sl_parser_expect_keyword(p, "last"))
                item.nulls = SL_AST_NULLS_LAST;
            else
                return false;
        }
        if (!SL_PUSH(p, *out, *count, capacity, item))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return true;
}

static bool parse_frame_bound(sl_parser *p, sl_ast_frame_bound *bound)
{
    memset(bound, 0, sizeof *bound);
    if (sl_parser_accept_keyword(p, "unbounded")) {
        if (sl_parser_accept_keyword(p, "preceding"))
            bound->kind = SL_AST_BOUND_UNBOUNDED_PRECEDING;
        else if (sl_parser_expect_keyword(p, "following"))
            bound->kind = SL_AST_BOUND_UNBOUNDED_FOLLOWING;
        else
            return false;
        return true;
    }
    if (sl_parser_accept_keyword(p, "current")) {
        bound->kind = SL_AST_BOUND_CURRENT_ROW;
        return sl_parser_expect_keyword(p, "row");
    }
    if (!(bound->offset = parse_binary(p, PREC_ADD)))
        return false;
    if (sl_parser_accept_keyword(p, "preceding"))
        bound->kind = SL_AST_BOUND_PRECEDING;
    else if (sl_parser_expect_keyword(p, "following"))
        bound->kind = SL_AST_BOUND_FOLLOWING;
    else
        return false;
    return true;
}

bool sl_parser_window_spec(sl_parser *p, sl_ast_window *w)
{
    w->position = sl_parser_peek(p, 0)->position;
    if (!sl_parser_expect(p, SL_TOKEN_LPAREN))
        return false;
    const sl_token *t = sl_parser_peek(p, 0);
    if (sl_parser_at_identifier(p) && !sl_parser_is_keyword(t, "partition") && !sl_parser_is_keyword(t, "rows") &&
        !sl_parser_is_keyword(t, "range") && !sl_parser_is_keyword(t, "groups")) {
        if (!sl_parser_identifier(p, &w->ref, false))
            return false;
    }
    if (sl_parser_accept_keyword(p, "partition")) {
        if (!sl_parser_expect_keyword(p, "by") || !sl_parser_expr_list(p, &w->partition_by, &w->partition_count))
            return false;
    }
    if (sl_parser_accept_keyword(p, "order")) {
        if (!sl_parser_expect_keyword(p, "by") || !sl_parser_order_list(p, &w->order_by, &w->order_count))
            return false;
    }
    t = sl_parser_peek(p, 0);
    if (sl_parser_is_keyword(t, "rows") || sl_parser_is_keyword(t, "range") || sl_parser_is_keyword(t, "groups")) {
        w->frame_unit = sl_parser_is_keyword(t, "rows") ? SL_AST_FRAME_ROWS
                      : sl_parser_is_keyword(t, "range") ? SL_AST_FRAME_RANGE : SL_AST_FRAME_GROUPS;
        sl_parser_advance(p);
        if (sl_parser_accept_keyword(p, "between")) {
            if (!parse_frame_bound(p, &w->frame_start) || !sl_parser_expect_keyword(p, "and") ||
                !parse_frame_bound(p, &w->frame_end))
                return false;
        } else {
            if (!parse_frame_bound(p, &w->frame_start))
                return false;
            w->frame_end.kind = SL_AST_BOUND_CURRENT_ROW;
        }
        if (sl_parser_accept_keyword(p, "exclude")) {
            if (sl_parser_accept_keyword(p, "current")) {
                if (!sl_parser_expect_keyword(p, "row"))
                    return false;
                w->exclude = SL_AST_EXCLUDE_CURRENT_ROW;
            } else if (sl_parser_accept_keyword(p, "group")) {
                w->exclude = SL_AST_EXCLUDE_GROUP;
            } else if (sl_parser_accept_keyword(p, "ties")) {
                w->exclude = SL_AST_EXCLUDE_TIES;
            } else if (sl_parser_expect_keyword(p, "no") && sl_parser_expect_keyword(p, "others")) {
                w->exclude = SL_AST_EXCLUDE_NO_OTHERS;
            } else {
                return false;
            }
        }
    }
    return sl_parser_expect(p, SL_TOKEN_RPAREN);
}

/* IGNORE NULLS / RESPECT NULLS, if present. */
static bool parse_null_treatment(sl_parser *p, sl_ast_expr *call)
{
    if ((sl_parser_peek_keyword(p, 0, "ignore") || sl_parser_peek_keyword(p, 0, "respect")) &&
        sl_parser_peek_keyword(p, 1, "nulls")) {
        call->function.ignore_nulls = sl_parser_peek_keyword(p, 0, "ignore");
        sl_parser_advance(p);
        sl_parser_advance(p);
    }
    return true;
}

sl_ast_expr *sl_parser_function_call(sl_parser *p, sl_ast_name name, int position)
{
    if (!sl_parser_enter(p, position))
        return NULL;
    sl_ast_expr *call = new_expr(p, SL_AST_EXPR_FUNCTION, position);
    sl_ast_expr *result = NULL;
    if (!call || !sl_parser_expect(p, SL_TOKEN_LPAREN))
        goto done;
    call->function.name = name;
    if (sl_parser_peek_op(p, 0, "*") && sl_parser_peek(p, 1)->kind == SL_TOKEN_RPAREN) {
        sl_parser_advance(p);
        call->function.star = true;
    } else if (sl_parser_peek(p, 0)->kind != SL_TOKEN_RPAREN) {
        if (sl_parser_accept_keyword(p, "distinct"))
            call->function.distinct = true;
        else
            sl_parser_accept_keyword(p, "all");
        uint32_t capacity = 0, name_capacity = 0, name_count = 0;
        bool any_named = false;
        do {
            char *arg_name = NULL;
            const sl_token *next = sl_parser_peek(p, 1);   /* peek 1 first: it may move the buffer */
            const sl_token *t = sl_parser_peek(p, 0);
            if ((t->kind == SL_TOKEN_IDENT || t->kind == SL_TOKEN_QUOTED_IDENT) &&
                (next->kind == SL_TOKEN_COLON_EQUALS || (next->kind == SL_TOKEN_OP && strcmp(next->text, "=>") == 0))) {
                arg_name = sl_parser_advance(p).text;
                sl_parser_advance(p);
                any_named = true;
            }
            sl_ast_expr *arg = sl_parser_expr(p);
            if (!arg || !SL_PUSH(p, call->function.args, call->function.arg_count, capacity, arg) ||
                !SL_PUSH(p, call->function.arg_names, name_count, name_capacity, arg_name))
                goto done;
        } while (sl_parser_accept(p, SL_TOKEN_COMMA));
        if (!any_named)
            call->function.arg_names = NULL;
        parse_null_treatment(p, call);
        if (sl_parser_accept_keyword(p, "order")) {
            if (!sl_parser_expect_keyword(p, "by") ||
                !sl_parser_order_list(p, &call->function.order_by, &call->function.order_count))
                goto done;
        }
    }
    if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
        goto done;
    if (sl_parser_peek_keyword(p, 0, "within") && sl_parser_peek_keyword(p, 1, "group")) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        if (!sl_parser_expect(p, SL_TOKEN_LPAREN) || !sl_parser_expect_keyword(p, "order") ||
            !sl_parser_expect_keyword(p, "by") ||
            !sl_parser_order_list(p, &call->function.order_by, &call->function.order_count) ||
            !sl_parser_expect(p, SL_TOKEN_RPAREN))
            goto done;
    }
    if (sl_parser_peek_keyword(p, 0, "filter") && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
        sl_parser_advance(p);
        sl_parser_advance(p);
        sl_parser_accept_keyword(p, "where");
        if (!(call->function.filter = sl_parser_expr(p)) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
            goto done;
    }
    parse_null_treatment(p, call);
    if (sl_parser_accept_keyword(p, "over")) {
        sl_ast_window *w = sl_parser_alloc(p, sizeof *w);
        if (!w)
            goto done;
        if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN) {
            if (!sl_parser_window_spec(p, w))
                goto done;
        } else {
            w->position = sl_parser_peek(p, 0)->position;
            if (!sl_parser_identifier(p, &w->ref, false))
                goto done;
        }
        call->function.over = w;
    }
    result = call;
done:
    sl_parser_leave(p);
    return result;
}

/* ------------------------------------------------------------------ primary */

static bool is_no_paren_function(const char *word)
{
    return strcmp(word, "current_date") == 0 || strcmp(word, "current_timestamp") == 0 ||
           strcmp(word, "current_time") == 0 || strcmp(word, "localtimestamp") == 0 ||
           strcmp(word, "localtime") == 0;
}

/* Reserved words that may still name a function when followed by '(' (PostgreSQL's
 * type_func_name keywords). */
static bool is_reserved_function_name(const char *word)
{
    return strcmp(word, "left") == 0 || strcmp(word, "right") == 0;
}

/* A column reference, t.*, or a function call starting at an identifier. */
static sl_ast_expr *parse_name_or_call(sl_parser *p)
{
    int position = sl_parser_peek(p, 0)->position;
    sl_ast_name name;
    uint32_t capacity = 0;
    memset(&name, 0, sizeof name);
    name.position = position;
    for (;;) {
        const sl_token *t = sl_parser_peek(p, 0);
        sl_ast_ident part = { t->text, t->kind == SL_TOKEN_QUOTED_IDENT, t->position };
        sl_parser_advance(p);
        if (!SL_PUSH(p, name.parts, name.count, capacity, part))
            return NULL;
        if (sl_parser_peek(p, 0)->kind != SL_TOKEN_DOT)
            break;
        const sl_token *after = sl_parser_peek(p, 1);
        if (after->kind == SL_TOKEN_OP && strcmp(after->text, "*") == 0) {
            sl_parser_advance(p);
            sl_parser_advance(p);
            sl_ast_expr *star = new_expr(p, SL_AST_EXPR_STAR, position);
            if (!star)
                return NULL;
            star->star.qualifier = name;
            return star;
        }
        if (after->kind != SL_TOKEN_IDENT && after->kind != SL_TOKEN_QUOTED_IDENT) {
            sl_parser_advance(p);
            return sl_parser_syntax_error(p);
        }
        sl_parser_advance(p);   /* the dot */
    }
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN)
        return sl_parser_function_call(p, name, position);
    sl_ast_expr *e = new_expr(p, SL_AST_EXPR_COLUMN, position);
    if (!e)
        return NULL;
    e->column.name = name;
    return e;
}

static sl_ast_expr *parse_primary(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    int position = t->position;
    switch (t->kind) {
    case SL_TOKEN_INTEGER:
        return constant_advance(p, SL_AST_CONST_INTEGER);
    case SL_TOKEN_DECIMAL:
        return constant_advance(p, SL_AST_CONST_DECIMAL);
    case SL_TOKEN_FLOAT:
        return constant_advance(p, SL_AST_CONST_FLOAT);
    case SL_TOKEN_STRING:
        return constant_advance(p, SL_AST_CONST_STRING);
    case SL_TOKEN_PARAM: {
        sl_token tok = sl_parser_advance(p);
        long index = strtol(tok.text, NULL, 10);
        if (index < 1 || index > 65535 || tok.text_length > 5)
            return sl_parser_error_at(p, position, "parameter number %s is out of range (1 to 65535)", tok.text);
        sl_ast_expr *e = new_expr(p, SL_AST_EXPR_PARAMETER, position);
        if (e)
            e->parameter.index = (uint32_t)index;
        return e;
    }
    case SL_TOKEN_QMARK: {
        sl_parser_advance(p);
        sl_ast_expr *e = new_expr(p, SL_AST_EXPR_PARAMETER, position);
        if (e) {
            e->parameter.index = ++p->param_count;
            e->parameter.question_mark = true;
        }
        return e;
    }
    case SL_TOKEN_LPAREN: {
        if (!sl_parser_enter(p, position))
            return NULL;
        sl_ast_expr *e;
        if (sl_parser_at_query(p, 1)) {
            e = new_expr(p, SL_AST_EXPR_SUBQUERY, position);
            if (e) {
                e->subquery.kind = SL_AST_SUBQUERY_SCALAR;
                if (!(e->subquery.query = parenthesized_query(p)))
                    e = NULL;
            }
        } else {
            sl_parser_advance(p);
            e = sl_parser_expr(p);
            if (e && !sl_parser_expect(p, SL_TOKEN_RPAREN))
                e = NULL;
        }
        sl_parser_leave(p);
        return e;
    }
    case SL_TOKEN_QUOTED_IDENT:
        return parse_name_or_call(p);
    case SL_TOKEN_IDENT:
        break;
    default:
        return sl_parser_syntax_error(p);
    }

    /* keywords and identifiers */
    const char *w = t->text;
    /* copy what we need: a later peek may move the token buffer */
    sl_token_kind next_kind = sl_parser_peek(p, 1)->kind;
    bool call = next_kind == SL_TOKEN_LPAREN;
    if (strcmp(w, "null") == 0)
        return constant_advance(p, SL_AST_CONST_NULL);
    if (strcmp(w, "true") == 0 || strcmp(w, "false") == 0) {
        sl_ast_expr *e = constant_advance(p, SL_AST_CONST_BOOLEAN);
        if (e)
            e->constant.boolean = w[0] == 't';
        return e;
    }
    if (strcmp(w, "case") == 0) {
        if (!sl_parser_enter(p, position))
            return NULL;
        sl_ast_expr *e = parse_case(p);
        sl_parser_leave(p);
        return e;
    }
    if ((strcmp(w, "cast") == 0 || strcmp(w, "try_cast") == 0) && call) {
        if (!sl_parser_enter(p, position))
            return NULL;
        sl_ast_expr *e = parse_cast(p);
        sl_parser_leave(p);
        return e;
    }
    if (strcmp(w, "exists") == 0 && call) {
        sl_parser_advance(p);
        if (!sl_parser_enter(p, position))
            return NULL;
        sl_ast_expr *e = new_expr(p, SL_AST_EXPR_SUBQUERY, position);
        if (e) {
            e->subquery.kind = SL_AST_SUBQUERY_EXISTS;
            if (!(e->subquery.query = parenthesized_query(p)))
                e = NULL;
        }
        sl_parser_leave(p);
        return e;
    }
    if (strcmp(w, "interval") == 0 &&
        (next_kind == SL_TOKEN_STRING ||
         ((next_kind == SL_TOKEN_INTEGER || next_kind == SL_TOKEN_DECIMAL) && is_interval_unit(sl_parser_peek(p, 2)))))
        return parse_interval(p);
    if (is_no_paren_function(w) && !call) {
        sl_parser_advance(p);
        sl_ast_expr *e = new_call(p, w, position);
        if (e)
            e->function.no_parens = true;
        return e;
    }
    if (call) {
        sl_ast_expr *e = NULL;
        bool special = true;
        if (!sl_parser_enter(p, position))
            return NULL;
        if (strcmp(w, "extract") == 0)
            e = parse_extract(p);
        else if (strcmp(w, "substring") == 0)
            e = parse_substring(p);
        else if (strcmp(w, "position") == 0)
            e = parse_position(p);
        else if (strcmp(w, "trim") == 0)
            e = parse_trim(p);
        else
            special = false;
        sl_parser_leave(p);
        if (special)
            return e;
    }
    if (next_kind == SL_TOKEN_STRING && !sl_parser_is_reserved(w))
        return parse_typed_literal(p);
    if (at_multiword_typed_literal(p))
        return parse_typed_literal(p);
    if (sl_parser_is_reserved(w) && !(call && is_reserved_function_name(w)))
        return sl_parser_syntax_error(p);
    return parse_name_or_call(p);
}

/* ------------------------------------------------------------------ types */

bool sl_parser_type(sl_parser *p, sl_ast_type *out)
{
    memset(out, 0, sizeof *out);
    const sl_token *t = sl_parser_peek(p, 0);
    out->position = t->position;
    if (t->kind != SL_TOKEN_IDENT && t->kind != SL_TOKEN_QUOTED_IDENT) {
        sl_parser_syntax_error(p);
        return false;
    }
    sl_token first = sl_parser_advance(p);
    char buf[96];
    snprintf(buf, sizeof buf, "%s", first.text);
    if (first.kind == SL_TOKEN_IDENT) {
        if (strcmp(first.text, "double") == 0 && sl_parser_accept_keyword(p, "precision")) {
            snprintf(buf, sizeof buf, "double precision");
        } else if ((strcmp(first.text, "character") == 0 || strcmp(first.text, "char") == 0) &&
                   sl_parser_accept_keyword(p, "varying")) {
            snprintf(buf, sizeof buf, "%s varying", first.text);
        }
    }
    /* parameters: (p) or (p, s) */
    if (sl_parser_accept(p, SL_TOKEN_LPAREN)) {
        do {
            const sl_token *n = sl_parser_peek(p, 0);
            if (n->kind != SL_TOKEN_INTEGER || out->param_count == 2) {
                sl_parser_syntax_error(p);
                return false;
            }
            long long value = n->text_length > 9 ? -1 : strtoll(n->text, NULL, 10);
            if (value < 0) {
                sl_parser_error_at(p, n->position, "type modifier %s is out of range", n->text);
                return false;
            }
            out->params[out->param_count++] = value;
            sl_parser_advance(p);
        } while (sl_parser_accept(p, SL_TOKEN_COMMA));
        if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
            return false;
    }
    /* TIMESTAMP/TIME [(p)] WITH|WITHOUT TIME ZONE */
    if (first.kind == SL_TOKEN_IDENT && (strcmp(first.text, "timestamp") == 0 || strcmp(first.text, "time") == 0) &&
        (sl_parser_peek_keyword(p, 0, "with") || sl_parser_peek_keyword(p, 0, "without")) &&
        sl_parser_peek_keyword(p, 1, "time") && sl_parser_peek_keyword(p, 2, "zone")) {
        bool with = sl_parser_peek_keyword(p, 0, "with");
        sl_parser_advance(p);
        sl_parser_advance(p);
        sl_parser_advance(p);
        if (with)
            snprintf(buf, sizeof buf, "%s with time zone", first.text);
    }
    while (sl_parser_peek(p, 0)->kind == SL_TOKEN_LBRACKET) {
        sl_parser_advance(p);
        sl_parser_accept(p, SL_TOKEN_INTEGER);
        if (!sl_parser_expect(p, SL_TOKEN_RBRACKET))
            return false;
        out->array_dims++;
    }
    out->name = sl_parser_strdup(p, buf);
    return out->name != NULL;
}
