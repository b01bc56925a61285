/*
 * parser_query.c — query expressions: WITH, SELECT cores, VALUES, set operations
 * (INTERSECT binds tighter than UNION / EXCEPT), ORDER BY / LIMIT / OFFSET / FETCH, and
 * the FROM clause (tables, subqueries, table functions, joins).
 *
 *   query      := [WITH cte, ...] set_expr [ORDER BY ...] [LIMIT n|ALL] [OFFSET n] [FETCH ...]
 *   set_expr   := intersect { (UNION | EXCEPT) [ALL | DISTINCT] intersect }
 *   intersect  := simple { INTERSECT [ALL | DISTINCT] simple }
 *   simple     := select_core | VALUES (..), (..) | '(' query ')'
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
    sl_ast_query modifiers;
    memset(&modifiers, 0, sizeof modifiers);
    if (!parse_query_modifiers(p, &modifiers))
        goto done;
    bool has_modifiers = modifiers.order_count || modifiers.limit || modifiers.offset;
    bool q_has_modifiers = q->order_count || q->limit || q->offset;
    if ((has_modifiers && q_has_modifiers) || (cte_count && q->cte_count)) {
        if (!(q = wrap_query(p, q)))
            goto done;
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
