/*
 * parser_query.c — query expressions: WITH, SELECT cores, VALUES, set operations
 * (INTERSECT binds tighter than UNION / EXCEPT), ORDER BY / LIMIT / OFFSET / FETCH, and
 * the FROM clause (tables, subqueries, table functions, joins).
 *
 *   query      := [WITH cte, ...] set_expr [ORDER BY ...] [LIMIT n|ALL] [OFFSET n] [FETCH ...]
 *   set_expr   := intersect { (UNION | EXCEPT) [ALL | DISTINCT] intersect }
 *   intersect  := simple { INTERSECT [ALL | DISTINCT] simple }
 *   simple     := select_core | VALUES (..), (..) | '(' query ')'
 *   select_core ends with an optional EMIT CHANGES | EMIT ON WINDOW CLOSE (after HAVING),
 *   which may also follow the whole query (after LIMIT).
 *
 * FROM also takes the window table functions, Flink's TABLE(TUMBLE(TABLE t,
 * DESCRIPTOR(ts), size)) with positional or named (DATA =>, TIMECOL =>, SIZE => ...)
 * arguments and the short form TUMBLE(t, ts, size); see ast.h (SL_AST_TABLE_WINDOW).
 */
#include "sql/parser_internal.h"

static sl_ast_table_ref *parse_join_tree(sl_parser *p);

bool sl_parser_at_query(sl_parser *p, size_t k)
{
    for (;;) {
        const sl_token *t = sl_parser_peek(p, k);
        if (t->kind == SL_TOKEN_LPAREN) {
            k++;
            continue;
        }
        return sl_parser_is_keyword(t, "select") || sl_parser_is_keyword(t, "with") ||
               sl_parser_is_keyword(t, "values");
    }
}

static sl_ast_query *new_query(sl_parser *p, sl_ast_query_kind kind, int position)
{
    sl_ast_query *q = sl_ast_query_new(p->arena, kind, position);
    if (!q)
        return sl_parser_oom(p);
    q->start = position;
    return q;
}

static sl_ast_table_ref *new_table_ref(sl_parser *p, sl_ast_table_ref_kind kind, int position)
{
    sl_ast_table_ref *r = sl_ast_table_ref_new(p->arena, kind, position);
    if (!r)
        return sl_parser_oom(p);
    return r;
}

/* Wraps q as SELECT * FROM (q): used when a parenthesised query that already has its own
 * ORDER BY / LIMIT / WITH receives another one from outside. */
static sl_ast_query *wrap_query(sl_parser *p, sl_ast_query *q)
{
    sl_ast_query *outer = new_query(p, SL_AST_QUERY_SELECT, q->position);
    sl_ast_table_ref *from = new_table_ref(p, SL_AST_TABLE_SUBQUERY, q->position);
    sl_ast_select_item *item = sl_parser_alloc(p, sizeof *item);
    sl_ast_expr *star = sl_ast_expr_new(p->arena, SL_AST_EXPR_STAR, q->position);
    if (!outer || !from || !item || !star)
        return sl_parser_oom(p);
    from->subquery.query = q;
    item->expr = star;
    item->position = q->position;
    outer->select.items = item;
    outer->select.item_count = 1;
    outer->select.from = from;
    outer->start = q->start;
    outer->end = q->end;
    return outer;
}

/* ------------------------------------------------------------------ FROM clause */

/* [AS] alias [(col, ...)] after a table reference. */
static bool parse_table_alias(sl_parser *p, sl_ast_table_ref *ref)
{
    const sl_token *t = sl_parser_peek(p, 0);
    if (sl_parser_is_keyword(t, "as")) {
        sl_parser_advance(p);
        if (!sl_parser_identifier(p, &ref->alias, true))
            return false;
    } else if (t->kind == SL_TOKEN_QUOTED_IDENT || (t->kind == SL_TOKEN_IDENT && !sl_parser_is_alias_blocker(t->text))) {
        if (!sl_parser_identifier(p, &ref->alias, false))
            return false;
    } else {
        return true;
    }
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN)
        return sl_parser_ident_list(p, &ref->column_aliases, &ref->column_alias_count);
    return true;
}

/* Table functions take `name = value` as a named argument (DuckDB): turn a top-level
 * equality whose left side is a bare column name into a named argument. */
static bool name_table_function_args(sl_parser *p, sl_ast_expr *call)
{
    uint32_t n = call->function.arg_count;
    for (uint32_t i = 0; i < n; i++) {
        sl_ast_expr *arg = call->function.args[i];
        if (call->function.arg_names && call->function.arg_names[i])
            continue;
        if (arg->kind != SL_AST_EXPR_BINARY || arg->binary.op != SL_AST_OP_EQ ||
            arg->binary.left->kind != SL_AST_EXPR_COLUMN || arg->binary.left->column.name.count != 1)
            continue;
        if (!call->function.arg_names) {
            call->function.arg_names = sl_parser_alloc(p, n * sizeof(char *));
            if (!call->function.arg_names)
                return false;
        }
        call->function.arg_names[i] = arg->binary.left->column.name.parts[0].name;
        call->function.args[i] = arg->binary.right;
    }
    return true;
}

/* ------------------------------------------------------------------ window table functions */

/* TUMBLE / HOP / CUMULATE / SESSION when `word` names one (unquoted), else -1. */
static int window_kind_of(const sl_token *t)
{
    if (t->kind != SL_TOKEN_IDENT)
        return -1;
    if (sl_parser_is_keyword(t, "tumble"))
        return SL_AST_WINDOW_TUMBLE;
    if (sl_parser_is_keyword(t, "hop"))
        return SL_AST_WINDOW_HOP;
    if (sl_parser_is_keyword(t, "cumulate"))
        return SL_AST_WINDOW_CUMULATE;
    if (sl_parser_is_keyword(t, "session"))
        return SL_AST_WINDOW_SESSION;
    return -1;
}

static const char *const window_kind_names[] = { "TUMBLE", "HOP", "CUMULATE", "SESSION" };

/* Argument slots of a window table function, in positional order per kind. */
enum { WARG_DATA, WARG_TIMECOL, WARG_SIZE, WARG_SLIDE, WARG_OFFSET, WARG_COUNT_ };

static const int window_positional[4][5] = {
    [SL_AST_WINDOW_TUMBLE] = { WARG_DATA, WARG_TIMECOL, WARG_SIZE, WARG_OFFSET, -1 },
    [SL_AST_WINDOW_HOP] = { WARG_DATA, WARG_TIMECOL, WARG_SLIDE, WARG_SIZE, WARG_OFFSET },
    [SL_AST_WINDOW_CUMULATE] = { WARG_DATA, WARG_TIMECOL, WARG_SLIDE, WARG_SIZE, WARG_OFFSET },
    [SL_AST_WINDOW_SESSION] = { WARG_DATA, WARG_TIMECOL, WARG_SIZE, -1, -1 },
};

/* The slot of a Flink argument name for `kind`, or -1. */
static int window_named_slot(int kind, const char *name)
{
    if (strcmp(name, "data") == 0)
        return WARG_DATA;
    if (strcmp(name, "timecol") == 0)
        return WARG_TIMECOL;
    if (strcmp(name, "size") == 0 && kind != SL_AST_WINDOW_SESSION)
        return WARG_SIZE;
    if (strcmp(name, "gap") == 0 && kind == SL_AST_WINDOW_SESSION)
        return WARG_SIZE;
    if (strcmp(name, "slide") == 0 && kind == SL_AST_WINDOW_HOP)
        return WARG_SLIDE;
    if (strcmp(name, "step") == 0 && kind == SL_AST_WINDOW_CUMULATE)
        return WARG_SLIDE;
    if (strcmp(name, "offset") == 0 && kind != SL_AST_WINDOW_SESSION)
        return WARG_OFFSET;
    return -1;
}

/* True when the tokens at k start the next window argument rather than another
 * PARTITION BY key: DESCRIPTOR(...) or `name =>`. */
static bool at_window_argument(sl_parser *p, size_t k)
{
    const sl_token *next = sl_parser_peek(p, k + 1);
    const sl_token *t = sl_parser_peek(p, k);
    if (sl_parser_is_keyword(t, "descriptor") && next->kind == SL_TOKEN_LPAREN)
        return true;
    return (t->kind == SL_TOKEN_IDENT || t->kind == SL_TOKEN_QUOTED_IDENT) &&
           (next->kind == SL_TOKEN_COLON_EQUALS || (next->kind == SL_TOKEN_OP && strcmp(next->text, "=>") == 0));
}

/* TABLE name [PARTITION BY k, .. | PARTITION BY (k, ..)] — TABLE is current. */
static sl_ast_table_ref *parse_window_data(sl_parser *p, sl_ast_table_ref *w)
{
    int position = sl_parser_advance(p).position;
    sl_ast_table_ref *input = new_table_ref(p, SL_AST_TABLE_BASE, position);
    if (!input || !sl_parser_qualified_name(p, &input->base.name))
        return NULL;
    if (!sl_parser_accept_keyword(p, "partition"))
        return input;
    if (!sl_parser_expect_keyword(p, "by"))
        return NULL;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN && !sl_parser_at_query(p, 0)) {
        sl_parser_advance(p);
        if (!sl_parser_expr_list(p, &w->window.partition_by, &w->window.partition_count) ||
            !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
        return input;
    }
    uint32_t capacity = 0;
    for (;;) {
        sl_ast_expr *key = sl_parser_expr(p);
        if (!key || !SL_PUSH(p, w->window.partition_by, w->window.partition_count, capacity, key))
            return NULL;
        if (sl_parser_peek(p, 0)->kind != SL_TOKEN_COMMA || at_window_argument(p, 1))
            return input;
        sl_parser_advance(p);
    }
}

/* The arguments of a window table function after its name (current token '('), in
 * either syntax (see ast.h). Returns the SL_AST_TABLE_WINDOW node. */
static sl_ast_table_ref *parse_window_function(sl_parser *p, int kind, int position)
{
    sl_ast_table_ref *w = new_table_ref(p, SL_AST_TABLE_WINDOW, position);
    if (!w || !sl_parser_expect(p, SL_TOKEN_LPAREN))
        return NULL;
    w->window.kind = (sl_ast_window_kind)kind;
    const char *fname = window_kind_names[kind];
    sl_ast_expr *args[WARG_COUNT_] = { 0 };
    sl_ast_table_ref *input = NULL;
    uint32_t positional = 0;
    bool any_named = false;
    do {
        bool named = at_window_argument(p, 0) && !sl_parser_peek_keyword(p, 0, "descriptor");
        const sl_token *t = sl_parser_peek(p, 0);
        int arg_position = t->position;
        int slot;
        if (named) {
            char *name = t->text;
            slot = window_named_slot(kind, name);
            if (slot < 0)
                return sl_parser_error_at(p, arg_position, "%s has no argument named %s", fname, name);
            sl_parser_advance(p);
            sl_parser_advance(p);
            any_named = true;
        } else {
            if (any_named)
                return sl_parser_error_at(p, arg_position,
                                          "positional arguments must come before named arguments");
            if (positional >= 5 || window_positional[kind][positional] < 0)
                return sl_parser_error_at(p, arg_position, "too many arguments for %s", fname);
            slot = window_positional[kind][positional++];
        }
        if (args[slot] || (slot == WARG_DATA && input)) {
            static const char *const slot_names[WARG_COUNT_] = { "DATA", "TIMECOL", "SIZE", "SLIDE", "OFFSET" };
            const char *what = slot_names[slot];
            if (slot == WARG_SIZE && kind == SL_AST_WINDOW_SESSION)
                what = "GAP";
            else if (slot == WARG_SLIDE && kind == SL_AST_WINDOW_CUMULATE)
                what = "STEP";
            return sl_parser_error_at(p, arg_position, "the %s argument of %s is given twice", what, fname);
        }
        t = sl_parser_peek(p, 0);
        if (sl_parser_is_keyword(t, "table")) {
            if (slot != WARG_DATA)
                return sl_parser_error_at(p, t->position, "TABLE may only be the DATA argument of %s", fname);
            if (!(input = parse_window_data(p, w)))
                return NULL;
            continue;
        }
        sl_ast_expr *arg;
        if (sl_parser_is_keyword(t, "descriptor") && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
            if (slot != WARG_TIMECOL)
                return sl_parser_error_at(p, t->position, "DESCRIPTOR may only be the TIMECOL argument of %s",
                                          fname);
            sl_parser_advance(p);
            sl_parser_advance(p);
            arg = sl_ast_expr_new(p->arena, SL_AST_EXPR_COLUMN, sl_parser_peek(p, 0)->position);
            if (!arg)
                return sl_parser_oom(p);
            if (!sl_parser_qualified_name(p, &arg->column.name) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
                return NULL;
        } else if (!(arg = sl_parser_expr(p))) {
            return NULL;
        }
        if (slot == WARG_DATA) {
            /* short form: a bare table name */
            if (arg->kind != SL_AST_EXPR_COLUMN)
                return sl_parser_error_at(p, arg->position, "the first argument of %s must name a table", fname);
            if (!(input = new_table_ref(p, SL_AST_TABLE_BASE, arg->position)))
                return NULL;
            input->base.name = arg->column.name;
            continue;
        }
        args[slot] = arg;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    if (!sl_parser_expect(p, SL_TOKEN_RPAREN))
        return NULL;
    static const char *const what[4] = {
        "(TABLE t, DESCRIPTOR(time column), size [, offset])",
        "(TABLE t, DESCRIPTOR(time column), slide, size [, offset])",
        "(TABLE t, DESCRIPTOR(time column), step, size [, offset])",
        "(TABLE t [PARTITION BY keys], DESCRIPTOR(time column), gap)",
    };
    if (!input || !args[WARG_TIMECOL] || !args[WARG_SIZE] ||
        ((kind == SL_AST_WINDOW_HOP || kind == SL_AST_WINDOW_CUMULATE) && !args[WARG_SLIDE]))
        return sl_parser_error_at(p, position, "%s needs the arguments %s", fname, what[kind]);
    w->window.input = input;
    w->window.time_column = args[WARG_TIMECOL];
    w->window.size = args[WARG_SIZE];
    w->window.slide = args[WARG_SLIDE];
    w->window.offset = args[WARG_OFFSET];
    return w;
}

/* table | (query) | (join) | function(args) — each with an optional alias. */
static sl_ast_table_ref *parse_table_primary(sl_parser *p)
{
    int position = sl_parser_peek(p, 0)->position;
    bool lateral = sl_parser_accept_keyword(p, "lateral");
    sl_ast_table_ref *ref;
    if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN) {
        if (sl_parser_at_query(p, 1)) {
            sl_parser_advance(p);
            ref = new_table_ref(p, SL_AST_TABLE_SUBQUERY, position);
            if (!ref || !(ref->subquery.query = sl_parser_query(p)) || !sl_parser_expect(p, SL_TOKEN_RPAREN))
                return NULL;
            ref->subquery.lateral = lateral;
        } else {
            if (lateral)
                return sl_parser_syntax_error(p);
            if (!sl_parser_enter(p, position))
                return NULL;
            sl_parser_advance(p);
            ref = parse_join_tree(p);
            sl_parser_leave(p);
            if (!ref || !sl_parser_expect(p, SL_TOKEN_RPAREN))
                return NULL;
            if (ref->kind == SL_AST_TABLE_JOIN)
                return ref;   /* (a JOIN b) takes no alias here */
        }
    } else if (sl_parser_peek_keyword(p, 0, "table") && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
        /* Flink: TABLE(TUMBLE(TABLE t, ...)) */
        if (lateral)
            return sl_parser_syntax_error(p);
        sl_parser_advance(p);
        sl_parser_advance(p);
        const sl_token *t = sl_parser_peek(p, 0);
        int kind = window_kind_of(t);
        if (kind < 0 || sl_parser_peek(p, 1)->kind != SL_TOKEN_LPAREN)
            return sl_parser_error_at(p, t->position,
                                      "expected TUMBLE, HOP, CUMULATE or SESSION inside TABLE(...)");
        int call_position = t->position;
        sl_parser_advance(p);
        if (!sl_parser_enter(p, call_position))
            return NULL;
        ref = parse_window_function(p, kind, call_position);
        sl_parser_leave(p);
        if (!ref || !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
    } else if (window_kind_of(sl_parser_peek(p, 0)) >= 0 && sl_parser_peek(p, 1)->kind == SL_TOKEN_LPAREN) {
        /* short form: TUMBLE(t, ts, size) */
        if (lateral)
            return sl_parser_syntax_error(p);
        int kind = window_kind_of(sl_parser_peek(p, 0));
        sl_parser_advance(p);
        if (!sl_parser_enter(p, position))
            return NULL;
        ref = parse_window_function(p, kind, position);
        sl_parser_leave(p);
        if (!ref)
            return NULL;
    } else if (sl_parser_at_identifier(p)) {
        sl_ast_name name;
        if (!sl_parser_qualified_name(p, &name))
            return NULL;
        if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN) {
            ref = new_table_ref(p, SL_AST_TABLE_FUNCTION, position);
            if (!ref || !(ref->function.call = sl_parser_function_call(p, name, name.position)) ||
                !name_table_function_args(p, ref->function.call))
                return NULL;
            ref->function.lateral = lateral;
        } else {
            if (lateral)
                return sl_parser_syntax_error(p);
            ref = new_table_ref(p, SL_AST_TABLE_BASE, position);
            if (!ref)
                return NULL;
            ref->base.name = name;
        }
    } else {
        return sl_parser_syntax_error(p);
    }
    if (!parse_table_alias(p, ref))
        return NULL;
    return ref;
}

/* Recognises a join operator at the cursor and consumes it. Returns false if none. */
static bool parse_join_operator(sl_parser *p, sl_ast_join_type *type, bool *natural)
{
    size_t k = 0;
    *natural = sl_parser_peek_keyword(p, 0, "natural");
    if (*natural)
        k++;
    const sl_token *t = sl_parser_peek(p, k);
    size_t words;
    if (sl_parser_is_keyword(t, "join")) {
        *type = SL_AST_JOIN_INNER;
        words = 1;
    } else if (sl_parser_is_keyword(t, "inner") || sl_parser_is_keyword(t, "cross")) {
        *type = sl_parser_is_keyword(t, "inner") ? SL_AST_JOIN_INNER : SL_AST_JOIN_CROSS;
        if (!sl_parser_peek_keyword(p, k + 1, "join"))
            return false;
        words = 2;
    } else if (sl_parser_is_keyword(t, "left") || sl_parser_is_keyword(t, "right") || sl_parser_is_keyword(t, "full")) {
        *type = sl_parser_is_keyword(t, "left") ? SL_AST_JOIN_LEFT
              : sl_parser_is_keyword(t, "right") ? SL_AST_JOIN_RIGHT : SL_AST_JOIN_FULL;
        words = sl_parser_peek_keyword(p, k + 1, "outer") ? 3 : 2;
        if (!sl_parser_peek_keyword(p, k + words - 1, "join"))
            return false;
    } else {
        return false;
    }
    for (size_t i = 0; i < k + words; i++)
        sl_parser_advance(p);
    return true;
}

static sl_ast_table_ref *parse_join_tree(sl_parser *p)
{
    sl_ast_table_ref *left = parse_table_primary(p);
    while (left) {
        int position = sl_parser_peek(p, 0)->position;
        sl_ast_join_type type;
        bool natural;
        if (!parse_join_operator(p, &type, &natural))
            return left;
        if (natural && type == SL_AST_JOIN_CROSS)
            return sl_parser_error_at(p, position, "NATURAL CROSS JOIN is not valid");
        sl_ast_table_ref *join = new_table_ref(p, SL_AST_TABLE_JOIN, position);
        if (!join || !(join->join.right = parse_table_primary(p)))
            return NULL;
        join->join.type = type;
        join->join.natural = natural;
        join->join.left = left;
        if (type != SL_AST_JOIN_CROSS && !natural) {
            if (sl_parser_accept_keyword(p, "on")) {
                if (!(join->join.condition = sl_parser_expr(p)))
                    return NULL;
            } else if (sl_parser_peek_keyword(p, 0, "using")) {
                sl_parser_advance(p);
                if (!sl_parser_ident_list(p, &join->join.using_columns, &join->join.using_count))
                    return NULL;
            } else {
                return sl_parser_syntax_error(p);
            }
        }
        left = join;
    }
    return NULL;
}

static sl_ast_table_ref *parse_from_list(sl_parser *p)
{
    sl_ast_table_ref *left = parse_join_tree(p);
    while (left && sl_parser_peek(p, 0)->kind == SL_TOKEN_COMMA) {
        int position = sl_parser_advance(p).position;
        sl_ast_table_ref *join = new_table_ref(p, SL_AST_TABLE_JOIN, position);
        if (!join || !(join->join.right = parse_join_tree(p)))
            return NULL;
        join->join.type = SL_AST_JOIN_CROSS;
        join->join.comma = true;
        join->join.left = left;
        left = join;
    }
    return left;
}

/* ------------------------------------------------------------------ SELECT core */

static bool parse_select_item(sl_parser *p, sl_ast_select_item *item)
{
    memset(item, 0, sizeof *item);
    const sl_token *t = sl_parser_peek(p, 0);
    item->position = t->position;
    if (t->kind == SL_TOKEN_OP && strcmp(t->text, "*") == 0) {
        sl_parser_advance(p);
        if (!(item->expr = sl_ast_expr_new(p->arena, SL_AST_EXPR_STAR, item->position))) {
            sl_parser_oom(p);
            return false;
        }
        return true;   /* SELECT * takes no alias */
    }
    if (!(item->expr = sl_parser_expr(p)))
        return false;
    t = sl_parser_peek(p, 0);
    if (sl_parser_is_keyword(t, "as")) {
        sl_parser_advance(p);
        t = sl_parser_peek(p, 0);
        if (t->kind == SL_TOKEN_STRING) {   /* AS 'alias' (DuckDB, MySQL) */
            item->alias.name = t->text;
            item->alias.quoted = true;
            item->alias.position = t->position;
            sl_parser_advance(p);
            return true;
        }
        return sl_parser_identifier(p, &item->alias, true);
    }
    if (t->kind == SL_TOKEN_QUOTED_IDENT || (t->kind == SL_TOKEN_IDENT && !sl_parser_is_alias_blocker(t->text)))
        return sl_parser_identifier(p, &item->alias, false);
    return true;
}

static bool parse_window_clause(sl_parser *p, sl_ast_select_core *core)
{
    uint32_t capacity = 0;
    do {
        sl_ast_window w;
        memset(&w, 0, sizeof w);
        if (!sl_parser_identifier(p, &w.name, false) || !sl_parser_expect_keyword(p, "as") ||
            !sl_parser_window_spec(p, &w))
            return false;
        w.position = w.name.position;
        if (!SL_PUSH(p, core->windows, core->window_count, capacity, w))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return true;
}

/* EMIT CHANGES | EMIT ON WINDOW CLOSE — EMIT is current. */
static bool parse_emit(sl_parser *p, sl_ast_query *q)
{
    int position = sl_parser_advance(p).position;
    if (q->emit != SL_AST_EMIT_NONE) {
        sl_parser_error_at(p, position, "EMIT given twice");
        return false;
    }
    if (sl_parser_accept_keyword(p, "changes")) {
        q->emit = SL_AST_EMIT_CHANGES;
    } else if (sl_parser_accept_keyword(p, "on")) {
        if (!sl_parser_expect_keyword(p, "window") || !sl_parser_expect_keyword(p, "close"))
            return false;
        q->emit = SL_AST_EMIT_ON_WINDOW_CLOSE;
    } else {
        sl_parser_syntax_error(p);
        return false;
    }
    q->emit_position = position;
    return true;
}

static sl_ast_query *parse_select_core(sl_parser *p)
{
    int position = sl_parser_advance(p).position;   /* SELECT */
    sl_ast_query *q = new_query(p, SL_AST_QUERY_SELECT, position);
    if (!q)
        return NULL;
    sl_ast_select_core *core = &q->select;
    if (sl_parser_accept_keyword(p, "distinct")) {
        core->distinct = true;
        if (sl_parser_accept_keyword(p, "on")) {
            if (!sl_parser_expect(p, SL_TOKEN_LPAREN) ||
                !sl_parser_expr_list(p, &core->distinct_on, &core->distinct_on_count) ||
                !sl_parser_expect(p, SL_TOKEN_RPAREN))
                return NULL;
        }
    } else {
        sl_parser_accept_keyword(p, "all");
    }
    uint32_t capacity = 0;
    do {
        sl_ast_select_item item;
        if (!parse_select_item(p, &item) || !SL_PUSH(p, core->items, core->item_count, capacity, item))
            return NULL;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));

    if (sl_parser_accept_keyword(p, "from") && !(core->from = parse_from_list(p)))
        return NULL;
    if (sl_parser_accept_keyword(p, "where") && !(core->where = sl_parser_expr(p)))
        return NULL;
    if (sl_parser_peek_keyword(p, 0, "group")) {
        sl_parser_advance(p);
        if (!sl_parser_expect_keyword(p, "by"))
            return NULL;
        if (sl_parser_accept_keyword(p, "all")) {
            core->group_by_all = true;
        } else if (!sl_parser_expr_list(p, &core->group_by, &core->group_count)) {
            return NULL;
        }
    }
    if (sl_parser_accept_keyword(p, "having") && !(core->having = sl_parser_expr(p)))
        return NULL;
    if (sl_parser_peek_keyword(p, 0, "emit") && !parse_emit(p, q))
        return NULL;
    if (sl_parser_accept_keyword(p, "window") && !parse_window_clause(p, core))
        return NULL;
    if (sl_parser_accept_keyword(p, "qualify") && !(core->qualify = sl_parser_expr(p)))
        return NULL;
    q->end = p->prev_end;
    return q;
}

/* VALUES (a, b), (c, d) — VALUES is current. */
static sl_ast_query *parse_values(sl_parser *p)
{
    int position = sl_parser_advance(p).position;
    sl_ast_query *q = new_query(p, SL_AST_QUERY_VALUES, position);
    uint32_t capacity = 0;
    if (!q)
        return NULL;
    do {
        int row_position = sl_parser_peek(p, 0)->position;
        sl_ast_expr **row;
        uint32_t count;
        if (!sl_parser_expect(p, SL_TOKEN_LPAREN) || !sl_parser_expr_list(p, &row, &count) ||
            !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
        if (q->values.row_count == 0)
            q->values.column_count = count;
        else if (count != q->values.column_count)
            return sl_parser_error_at(p, row_position, "VALUES lists must all be the same length");
        if (!SL_PUSH(p, q->values.rows, q->values.row_count, capacity, row))
            return NULL;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    q->end = p->prev_end;
    return q;
}

/* ------------------------------------------------------------------ set operations */

static sl_ast_query *parse_simple_query(sl_parser *p)
{
    const sl_token *t = sl_parser_peek(p, 0);
    if (sl_parser_is_keyword(t, "select"))
        return parse_select_core(p);
    if (sl_parser_is_keyword(t, "values"))
        return parse_values(p);
    if (t->kind == SL_TOKEN_LPAREN) {
        sl_parser_advance(p);
        sl_ast_query *q = sl_parser_query(p);
        if (!q || !sl_parser_expect(p, SL_TOKEN_RPAREN))
            return NULL;
        return q;
    }
    return sl_parser_syntax_error(p);
}

static sl_ast_query *set_op(sl_parser *p, sl_ast_set_op op, int position, sl_ast_query *left, sl_ast_query *right)
{
    sl_ast_query *q = new_query(p, SL_AST_QUERY_SET_OP, position);
    if (!q)
        return NULL;
    q->set_op.op = op;
    q->set_op.left = left;
    q->set_op.right = right;
    if (sl_parser_accept_keyword(p, "all"))
        q->set_op.all = true;
    else
        sl_parser_accept_keyword(p, "distinct");
    q->start = left->start;
    return q;
}

static sl_ast_query *parse_intersect(sl_parser *p)
{
    sl_ast_query *left = parse_simple_query(p);
    while (left && sl_parser_peek_keyword(p, 0, "intersect")) {
        int position = sl_parser_advance(p).position;
        sl_ast_query *q = set_op(p, SL_AST_SET_INTERSECT, position, left, NULL);
        if (!q || !(q->set_op.right = parse_simple_query(p)))
            return NULL;
        q->end = p->prev_end;
        left = q;
    }
    return left;
}

static sl_ast_query *parse_set_expr(sl_parser *p)
{
    sl_ast_query *left = parse_intersect(p);
    while (left && (sl_parser_peek_keyword(p, 0, "union") || sl_parser_peek_keyword(p, 0, "except"))) {
        sl_token op = sl_parser_advance(p);
        sl_ast_query *q = set_op(p, sl_parser_is_keyword(&op, "union") ? SL_AST_SET_UNION : SL_AST_SET_EXCEPT,
                                 op.position, left, NULL);
        if (!q || !(q->set_op.right = parse_intersect(p)))
            return NULL;
        q->end = p->prev_end;
        left = q;
    }
    return left;
}

/* ------------------------------------------------------------------ full query */

static bool parse_ctes(sl_parser *p, sl_ast_cte **ctes, uint32_t *count, bool *recursive)
{
    uint32_t capacity = 0;
    *recursive = sl_parser_accept_keyword(p, "recursive");
    do {
        sl_ast_cte cte;
        memset(&cte, 0, sizeof cte);
        cte.position = sl_parser_peek(p, 0)->position;
        if (!sl_parser_identifier(p, &cte.name, false))
            return false;
        if (sl_parser_peek(p, 0)->kind == SL_TOKEN_LPAREN && !sl_parser_ident_list(p, &cte.columns, &cte.column_count))
            return false;
        if (!sl_parser_expect_keyword(p, "as"))
            return false;
        if (sl_parser_peek_keyword(p, 0, "not") && sl_parser_peek_keyword(p, 1, "materialized")) {
            sl_parser_advance(p);
            sl_parser_advance(p);
        } else {
            sl_parser_accept_keyword(p, "materialized");
        }
        if (!sl_parser_expect(p, SL_TOKEN_LPAREN) || !(cte.query = sl_parser_query(p)) ||
            !sl_parser_expect(p, SL_TOKEN_RPAREN) || !SL_PUSH(p, *ctes, *count, capacity, cte))
            return false;
    } while (sl_parser_accept(p, SL_TOKEN_COMMA));
    return true;
}

/* ORDER BY / LIMIT / OFFSET / FETCH, in any of the orders PostgreSQL accepts. */
static bool parse_query_modifiers(sl_parser *p, sl_ast_query *q)
{
    if (sl_parser_peek_keyword(p, 0, "order")) {
        sl_parser_advance(p);
        if (!sl_parser_expect_keyword(p, "by") || !sl_parser_order_list(p, &q->order_by, &q->order_count))
            return false;
    }
    bool have_limit = false, have_offset = false;
    for (;;) {
        const sl_token *t = sl_parser_peek(p, 0);
        int position = t->position;
        if (!have_limit && sl_parser_is_keyword(t, "limit")) {
            sl_parser_advance(p);
            have_limit = true;
            if (sl_parser_accept_keyword(p, "all"))
                continue;
            if (!(q->limit = sl_parser_expr(p)))
                return false;
        } else if (!have_offset && sl_parser_is_keyword(t, "offset")) {
            sl_parser_advance(p);
            have_offset = true;
            if (!(q->offset = sl_parser_expr(p)))
                return false;
            if (!sl_parser_accept_keyword(p, "rows"))
                sl_parser_accept_keyword(p, "row");
        } else if (!have_limit && sl_parser_is_keyword(t, "fetch")) {
            sl_parser_advance(p);
            have_limit = true;
            if (!sl_parser_accept_keyword(p, "first") && !sl_parser_expect_keyword(p, "next"))
                return false;
            if (!sl_parser_peek_keyword(p, 0, "row") && !sl_parser_peek_keyword(p, 0, "rows") &&
                !(q->limit = sl_parser_expr(p)))
                return false;
            if (!sl_parser_accept_keyword(p, "rows") && !sl_parser_expect_keyword(p, "row"))
                return false;
            if (!sl_parser_expect_keyword(p, "only"))
                return false;
            if (!q->limit) {   /* FETCH FIRST ROW ONLY = 1 row */
                sl_ast_expr *one = sl_ast_expr_new(p->arena, SL_AST_EXPR_CONSTANT, position);
                if (!one) {
                    sl_parser_oom(p);
                    return false;
                }
                one->constant.kind = SL_AST_CONST_INTEGER;
                one->constant.text = "1";
                one->constant.length = 1;
                q->limit = one;
            }
        } else {
            return true;
        }
    }
}

sl_ast_query *sl_parser_query(sl_parser *p)
{
    int start = sl_parser_peek(p, 0)->position;
    if (!sl_parser_enter(p, start))
        return NULL;
    sl_ast_query *result = NULL;
    sl_ast_cte *ctes = NULL;
    uint32_t cte_count = 0;
    bool recursive = false;
    if (sl_parser_accept_keyword(p, "with") && !parse_ctes(p, &ctes, &cte_count, &recursive))
        goto done;
    sl_ast_query *q = parse_set_expr(p);
    if (!q)
        goto done;
    if (q->kind == SL_AST_QUERY_SET_OP) {
        /* an EMIT after the last arm's GROUP BY / HAVING ends the whole set operation */
        sl_ast_query *last = q->set_op.right;
        while (last->kind == SL_AST_QUERY_SET_OP)
            last = last->set_op.right;
        if (last->emit != SL_AST_EMIT_NONE && last->order_count == 0 && !last->limit && !last->offset) {
            q->emit = last->emit;
            q->emit_position = last->emit_position;
            last->emit = SL_AST_EMIT_NONE;
        }
    }
    sl_ast_query modifiers;
    memset(&modifiers, 0, sizeof modifiers);
    if (!parse_query_modifiers(p, &modifiers))
        goto done;
    if (sl_parser_peek_keyword(p, 0, "emit") && !parse_emit(p, &modifiers))
        goto done;
    bool has_modifiers = modifiers.order_count || modifiers.limit || modifiers.offset;
    bool q_has_modifiers = q->order_count || q->limit || q->offset;
    if ((has_modifiers && q_has_modifiers) || (cte_count && q->cte_count)) {
        sl_ast_query *inner = q;
        if (!(q = wrap_query(p, q)))
            goto done;
        q->emit = inner->emit;   /* the EMIT clause belongs to the outermost query */
        q->emit_position = inner->emit_position;
        inner->emit = SL_AST_EMIT_NONE;
    }
    if (modifiers.emit != SL_AST_EMIT_NONE) {
        if (q->emit != SL_AST_EMIT_NONE) {
            sl_parser_error_at(p, modifiers.emit_position, "EMIT given twice");
            goto done;
        }
        q->emit = modifiers.emit;
        q->emit_position = modifiers.emit_position;
    }
    if (has_modifiers) {
        q->order_by = modifiers.order_by;
        q->order_count = modifiers.order_count;
        q->limit = modifiers.limit;
        q->offset = modifiers.offset;
    }
    if (cte_count) {
        q->ctes = ctes;
        q->cte_count = cte_count;
        q->recursive = recursive;
    }
    q->start = start;
    q->end = p->prev_end;
    result = q;
done:
    sl_parser_leave(p);
    return result;
}
