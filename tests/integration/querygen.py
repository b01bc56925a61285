"""querygen.py — random tables and random SQL queries for differential testing against DuckDB.

Used by test_differential.py (and runnable by hand for long runs:
    .venv/bin/python tests/integration/querygen.py --seeds 1-20 --queries 500
prints every mismatching query).

Everything is deterministic in the seed. Tables t1..t4 share one schema
    id BIGINT (unique, never NULL), k INTEGER (skewed join key), i INTEGER, b BIGINT,
    d DOUBLE, m DECIMAL(12,2), s VARCHAR (short, >12 bytes, empty), dt DATE, f BOOLEAN
with ~15% NULLs outside id, duplicates and a skewed key distribution; t1 is large, t2
medium, t3 small and t4 tiny or empty. The same INSERT statements load both engines.

The query grammar avoids constructs where Sluice deliberately differs from DuckDB:
no integer `/` (only DOUBLE division by a value that is never zero), no division by zero,
no ORDER BY + LIMIT on a non-unique key (NULL placement defaults to DuckDB's NULLS LAST),
no DOUBLE -> VARCHAR casts (the text rendering of doubles differs), and only
deterministic window frames (ROWS frames and row_number/lag/lead order by a unique key).
"""
import datetime
import decimal
import math
import random
import re

INT, BIGINT, DOUBLE, DEC, STR, DATE, BOOL = "int", "bigint", "double", "dec", "str", "date", "bool"
NUMERIC = (INT, BIGINT, DOUBLE, DEC)

COLUMNS = [("id", BIGINT), ("k", INT), ("i", INT), ("b", BIGINT), ("d", DOUBLE), ("m", DEC),
           ("s", STR), ("dt", DATE), ("f", BOOL)]
SQL_TYPES = {INT: "INTEGER", BIGINT: "BIGINT", DOUBLE: "DOUBLE", DEC: "DECIMAL(12,2)",
             STR: "VARCHAR", DATE: "DATE", BOOL: "BOOLEAN"}

WORDS = ["", "a", "b", "ab", "abc", "xyz", "Hello", "hello world", "zz", "A", "b%c", "x_y",
         "a long string value", "another long string!", "the quick brown fox", "abcdefghijklmnop",
         "  padded  ", "MiXeD CaSe", "12345", "0"]


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------

def _maybe_null(rng, value, rate=0.15):
    return None if rng.random() < rate else value


def _skewed_key(rng):
    r = rng.random()
    if r < 0.2:
        return 0
    if r < 0.35:
        return 1
    if r < 0.45:
        return 2
    return rng.randint(3, 40)


def gen_rows(rng, n, id_base):
    ids = list(range(id_base, id_base + n))
    rng.shuffle(ids)
    rows = []
    for rid in ids:
        d = rng.choice([rng.randint(-500, 500) / 4, round(rng.uniform(-1000, 1000), 3), 0.0, 1.5])
        m = decimal.Decimal(rng.randint(-99999, 99999)) / 100
        s = rng.choice(WORDS) if rng.random() < 0.8 else "w%d_%s" % (rng.randint(0, 30), "x" * rng.randint(0, 20))
        dt = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randint(-400, 1500))
        rows.append((rid,
                     _maybe_null(rng, _skewed_key(rng)),
                     _maybe_null(rng, rng.choice([rng.randint(-1000, 1000), rng.randint(0, 9)])),
                     _maybe_null(rng, rng.choice([rng.randint(-10 ** 12, 10 ** 12), rng.randint(-50, 50)])),
                     _maybe_null(rng, d),
                     _maybe_null(rng, m),
                     _maybe_null(rng, s),
                     _maybe_null(rng, dt),
                     _maybe_null(rng, rng.random() < 0.5)))
    return rows


def sql_literal(value, typ):
    if value is None:
        return "NULL"
    if typ == BOOL:
        return "true" if value else "false"
    if typ == STR:
        return "'" + value.replace("'", "''") + "'"
    if typ == DATE:
        return "DATE '%s'" % value.isoformat()
    if typ == DOUBLE:
        return "CAST(%r AS DOUBLE)" % value
    return str(value)


def gen_tables(seed, scale=1):
    """Returns (list of SQL statements creating and loading t1..t4, {table: row count});
    scale multiplies the size of t1 (long runs use it to cross more batch boundaries)."""
    rng = random.Random(seed * 7919 + 17)
    sizes = {"t1": rng.randint(1500, 3000) * scale, "t2": rng.randint(100, 500),
             "t3": rng.randint(5, 60), "t4": rng.choice([0, 0, 1, 3])}
    stmts = []
    base = 1
    for name, n in sizes.items():
        cols = ", ".join("%s %s" % (c, SQL_TYPES[t]) for c, t in COLUMNS)
        stmts.append("CREATE TABLE %s (%s)" % (name, cols))
        rows = gen_rows(rng, n, base)
        base += n // 2 + 1  # overlapping id ranges between tables
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            values = ", ".join("(" + ", ".join(sql_literal(v, t) for v, (_, t) in zip(row, COLUMNS)) + ")"
                               for row in chunk)
            stmts.append("INSERT INTO %s VALUES %s" % (name, values))
    return stmts, sizes


# --------------------------------------------------------------------------------------
# queries
# --------------------------------------------------------------------------------------

class Scope:
    """Columns visible to an expression: list of (qualified name, type)."""

    def __init__(self, cols):
        self.cols = cols

    def of_type(self, typ):
        if typ in (INT, BIGINT):
            return [c for c, t in self.cols if t in (INT, BIGINT) and not c.endswith(".id")] or \
                   [c for c, t in self.cols if t in (INT, BIGINT)]
        return [c for c, t in self.cols if t == typ]


def table_scope(alias):
    return [("%s.%s" % (alias, c), t) for c, t in COLUMNS]


class QueryGen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.alias_counter = 0

    # ---- helpers ------------------------------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    def new_alias(self):
        self.alias_counter += 1
        return "q%d" % self.alias_counter

    def table(self):
        return self.pick(["t1", "t1", "t2", "t2", "t3", "t4"])

    # ---- typed expressions --------------------------------------------------------
    def literal(self, typ):
        r = self.rng
        if typ in (INT, BIGINT):
            return str(r.choice([0, 1, 2, 3, 5, 10, -1, 100, r.randint(-1000, 1000)]))
        if typ == DOUBLE:
            return "CAST(%s AS DOUBLE)" % r.choice(["0.5", "1.25", "-3.75", "100.0", "2"])
        if typ == DEC:
            return r.choice(["1.50", "0.25", "-12.75", "100.00", "3"])
        if typ == STR:
            return "'%s'" % r.choice(["a", "abc", "", "hello world", "zz", "w1_x", "a long string value"])
        if typ == DATE:
            return "DATE '%s'" % r.choice(["2020-01-01", "2021-06-15", "2019-12-31", "2023-03-01"])
        if typ == BOOL:
            return r.choice(["true", "false"])
        raise ValueError(typ)

    def column(self, scope, typ):
        cands = scope.of_type(typ)
        if not cands:
            return None
        return self.pick(cands)

    def expr(self, scope, typ, depth=0):
        """A random expression of type typ over scope."""
        if depth >= 3 or self.chance(0.35 if depth == 0 else 0.55):
            col = self.column(scope, typ)
            if col is not None and self.chance(0.85):
                return col
            return self.literal(typ)
        fn = getattr(self, "expr_" + typ)
        return fn(scope, depth + 1)

    def common(self, scope, typ, depth):
        """Type-independent forms: CASE, COALESCE, NULLIF."""
        if self.chance(0.1):
            return self.pick(["CAST(NULL AS %s)" % SQL_TYPES[typ],
                              "CASE WHEN %s THEN NULL ELSE %s END" % (self.pred(scope, depth), self.expr(scope, typ, depth)),
                              "COALESCE(NULL, %s, %s)" % (self.expr(scope, typ, depth), self.literal(typ))])
        c = self.rng.randint(0, 3)
        if c == 0:
            return "CASE WHEN %s THEN %s ELSE %s END" % (self.pred(scope, depth), self.expr(scope, typ, depth),
                                                         self.expr(scope, typ, depth))
        if c == 1:
            return "COALESCE(%s, %s)" % (self.expr(scope, typ, depth), self.expr(scope, typ, depth))
        if c == 2:
            whens = " ".join("WHEN %s THEN %s" % (self.pred(scope, depth), self.expr(scope, typ, depth))
                             for _ in range(self.rng.randint(1, 3)))
            tail = (" ELSE %s" % self.expr(scope, typ, depth)) if self.chance(0.6) else ""
            return "CASE %s%s END" % (whens, tail)
        return "NULLIF(%s, %s)" % (self.expr(scope, typ, depth), self.expr(scope, typ, depth))

    def expr_int(self, scope, depth):
        c = self.rng.randint(0, 9)
        if c <= 2:
            op = self.pick(["+", "-", "*"])
            return "(%s %s %s)" % (self.expr(scope, INT, depth), op, self.expr(scope, INT, depth))
        if c == 3:
            return self.common(scope, INT, depth)
        if c == 4:
            return "abs(%s)" % self.expr(scope, INT, depth)
        if c == 5:
            return "length(%s)" % self.expr(scope, STR, depth)
        if c == 6:
            return "CAST(%s AS INTEGER)" % self.pick([self.expr(scope, DEC, depth), "round(%s)" % self.expr(scope, DOUBLE, depth)])
        if c == 7:
            return "extract(%s FROM %s)" % (self.pick(["year", "month", "day"]), self.expr(scope, DATE, depth))
        if c == 8:
            return "(%s %% %s)" % (self.expr(scope, INT, depth), self.pick(["3", "7", "10", "-4"]))
        if c == 9:
            return "(%s - %s)" % (self.expr(scope, DATE, depth), self.expr(scope, DATE, depth))
        c = self.rng.randint(0, 13)
        if c == 0:
            return "(%s // %s)" % (self.expr(scope, INT, depth), self.pick(["2", "-3", "7"]))
        if c == 1:
            return "%s(%s, %s)" % (self.pick(["greatest", "least"]), self.expr(scope, INT, depth), self.expr(scope, INT, depth))
        if c == 2:
            return "%s(%s)" % (self.pick(["year", "month", "day", "quarter", "dayofweek", "dayofyear", "isodow", "week"]),
                               self.expr(scope, DATE, depth))
        if c == 3:
            return "date_diff('%s', %s, %s)" % (self.pick(["day", "month", "year"]), self.expr(scope, DATE, depth), self.expr(scope, DATE, depth))
        if c == 4:
            return "%s(%s, %s)" % (self.pick(["strpos", "position", "instr"]) if False else "strpos", self.expr(scope, STR, depth), self.literal(STR))
        if c == 5:
            return "sign(%s)" % self.expr(scope, self.pick([INT, DEC, DOUBLE]), depth)
        if c == 6:
            return "CAST(%s AS %s)" % (self.expr(scope, self.pick([DOUBLE, DEC]), depth), self.pick(["INTEGER", "BIGINT", "SMALLINT"]))
        if c == 7:
            return "TRY_CAST(%s AS INTEGER)" % self.expr(scope, STR, depth)
        if c == 8:
            return "CAST(%s AS INTEGER)" % self.pred(scope, depth)
        if c == 9:
            return "ascii(%s)" % self.expr(scope, STR, depth)
        if c == 10:
            return "(%s %s %s)" % (self.expr(scope, BIGINT, depth), self.pick(["+", "-"]), self.expr(scope, INT, depth))
        if c == 11:
            return "strlen(%s)" % self.expr(scope, STR, depth)
        if c == 12:
            return "-(%s)" % self.expr(scope, INT, depth)
        return "(%s * %s)" % (self.expr(scope, INT, depth), self.pick(["2", "-1", "1000"]))

    def expr_bigint(self, scope, depth):
        return self.expr_int(scope, depth)

    def expr_double(self, scope, depth):
        c = self.rng.randint(0, 7)
        if c <= 1:
            op = self.pick(["+", "-", "*"])
            return "(%s %s %s)" % (self.expr(scope, DOUBLE, depth), op, self.expr(scope, DOUBLE, depth))
        if c == 2:
            return "(%s / %s)" % (self.expr(scope, DOUBLE, depth), self.pick(["4.0", "CAST(3 AS DOUBLE)", "(abs(%s) + 1)" % self.expr(scope, DOUBLE, depth)]))
        if c == 3:
            return "CAST(%s AS DOUBLE)" % self.expr(scope, self.pick([INT, DEC]), depth)
        if c == 4:
            return self.common(scope, DOUBLE, depth)
        if c == 5:
            return "round(%s, %d)" % (self.expr(scope, DOUBLE, depth), self.rng.randint(0, 2))
        if c == 6:
            c = self.rng.randint(0, 7)
            if c == 0:
                return "sqrt(abs(%s))" % self.expr(scope, DOUBLE, depth)
            if c == 1:
                return "%s(%s)" % (self.pick(["floor", "ceil", "trunc", "abs", "round"]), self.expr(scope, DOUBLE, depth))
            if c == 2:
                return "(%s + %s)" % (self.expr(scope, DOUBLE, depth), self.expr(scope, self.pick([INT, DEC]), depth))
            if c == 3:
                return "%s(%s, %s)" % (self.pick(["greatest", "least"]), self.expr(scope, DOUBLE, depth), self.expr(scope, self.pick([INT, DEC]), depth))
            if c == 4:
                return "(%s * %s)" % (self.expr(scope, DEC, depth), self.expr(scope, DOUBLE, depth))
            if c == 5:
                return "TRY_CAST(%s AS DOUBLE)" % self.expr(scope, STR, depth)
            if c == 6:
                return "CASE WHEN %s THEN %s ELSE %s END" % (self.pred(scope, depth), self.expr(scope, INT, depth), self.expr(scope, DOUBLE, depth))
            return "ln(abs(%s) + 1)" % self.expr(scope, DOUBLE, depth)
        return "(CAST(%s AS DOUBLE) / %s)" % (self.expr(scope, INT, depth), self.pick(["2", "7.0", "(abs(%s) + 0.5)" % self.expr(scope, DOUBLE, depth)]))

    def expr_dec(self, scope, depth):
        c = self.rng.randint(0, 4)
        if c <= 1:
            op = self.pick(["+", "-"])
            return "(%s %s %s)" % (self.expr(scope, DEC, depth), op, self.expr(scope, DEC, depth))
        if c == 2:
            return "(%s * %s)" % (self.expr(scope, DEC, depth), self.pick(["2", "3", "-1"]))
        if c == 3:
            return "CAST(%s AS DECIMAL(18,2))" % self.expr(scope, INT, depth)
        if self.chance(0.5):
            return self.common(scope, DEC, depth)
        c = self.rng.randint(0, 8)
        if c == 0:
            return "round(%s, %d)" % (self.expr(scope, DEC, depth), self.rng.randint(0, 3))
        if c == 1:
            return "%s(%s)" % (self.pick(["floor", "ceil", "abs", "round", "trunc"]), self.expr(scope, DEC, depth))
        if c == 2:
            return "(%s * %s)" % (self.expr(scope, DEC, depth), self.pick(["m", "1.5", "0.01"]) if False else self.literal(DEC))
        if c == 3:
            return "(%s + %s)" % (self.expr(scope, DEC, depth), self.expr(scope, INT, depth))
        if c == 4:
            return "CAST(%s AS DECIMAL(10,1))" % self.expr(scope, self.pick([DEC, DOUBLE]), depth)
        if c == 5:
            return "CASE WHEN %s THEN %s ELSE %s END" % (self.pred(scope, depth), self.expr(scope, INT, depth), self.expr(scope, DEC, depth))
        if c == 6:
            return "COALESCE(%s, %s)" % (self.expr(scope, DEC, depth), self.expr(scope, INT, depth))
        if c == 7:
            return "(%s %% %s)" % (self.expr(scope, DEC, depth), self.pick(["3", "2.5", "-7"]))
        return "-(%s)" % self.expr(scope, DEC, depth)

    def expr_str(self, scope, depth):
        c = self.rng.randint(0, 11)
        e = lambda: self.expr(scope, STR, depth)  # noqa: E731
        if c == 0:
            return "upper(%s)" % e()
        if c == 1:
            return "lower(%s)" % e()
        if c == 2:
            return "substr(%s, %d, %d)" % (e(), self.rng.randint(1, 5), self.rng.randint(0, 15))
        if c == 3:
            return "(%s || %s)" % (e(), e())
        if c == 4:
            return "concat(%s, %s)" % (e(), e())
        if c == 5:
            return self.common(scope, STR, depth)
        if c == 6:
            return "CAST(%s AS VARCHAR)" % self.expr(scope, self.pick([INT, DEC, DATE, BOOL]), depth)
        if c == 7:
            return "trim(%s)" % e()
        if c == 8:
            return "replace(%s, '%s', '%s')" % (e(), self.pick(["a", "l", " ", "x"]), self.pick(["", "Q", "--"]))
        if c == 9:
            return "%s(%s, %d)" % (self.pick(["left", "right"]), e(), self.rng.randint(0, 6))
        if c == 10:
            return "reverse(%s)" % e()
        if c == 11:
            return "lpad(%s, %d, '*')" % (e(), self.rng.randint(0, 14))
        c = self.rng.randint(0, 14)
        if c == 0:
            return "rpad(%s, %d, '-=')" % (e(), self.rng.randint(0, 14))
        if c == 1:
            return "split_part(%s, '%s', %d)" % (e(), self.pick([" ", "_", "x", "l"]), self.rng.randint(1, 3))
        if c == 2:
            return "%s(%s)" % (self.pick(["ltrim", "rtrim", "initcap", "upper"]), e())
        if c == 3:
            return "repeat(%s, %d)" % (e(), self.rng.randint(0, 3))
        if c == 4:
            return "substring(%s, %d, %d)" % (e(), self.rng.randint(-3, 4), self.rng.randint(0, 6))
        if c == 5:
            return "substr(%s, %d)" % (e(), self.rng.randint(-3, 12))
        if c == 6:
            return "regexp_replace(%s, '%s', '%s')" % (e(), self.pick(["[aeiou]", "l+", "^.", "x*$", "(\\w)(\\w)"]), self.pick(["", "#", "\\2\\1"]))
        if c == 7:
            return "%s(%s, %d)" % (self.pick(["left", "right"]), e(), self.rng.randint(-3, 3))
        if c == 8:
            return "concat(%s, %s, %s)" % (e(), self.expr(scope, INT, depth), self.expr(scope, DATE, depth))
        if c == 9:
            return "(%s || %s)" % (e(), self.expr(scope, self.pick([INT, DEC]), depth))
        if c == 10:
            return "strftime(%s, '%s')" % (self.expr(scope, DATE, depth), self.pick(["%Y/%m/%d", "%d-%b-%Y", "%j %a"]))
        if c == 11:
            return "%s(%s)" % (self.pick(["dayname", "monthname"]), self.expr(scope, DATE, depth))
        if c == 12:
            return "%s(%s, %s)" % (self.pick(["greatest", "least"]), e(), e())
        if c == 13:
            return "chr(%d)" % self.rng.randint(65, 122)
        return "rtrim(%s, '%s')" % (e(), self.pick(["x", " ", "lo"]))

    def expr_date(self, scope, depth):
        c = self.rng.randint(0, 2)
        if c == 0:
            return "(%s + %s)" % (self.expr(scope, DATE, depth), self.pick(["1", "30", "-7", "365"]))
        if c == 1:
            c = self.rng.randint(0, 5)
            if c == 0:
                return "last_day(%s)" % self.expr(scope, DATE, depth)
            if c == 1:
                return "make_date(%s, %d, %d)" % (self.pick(["2020", "2023", "extract(year FROM %s)" % self.expr(scope, DATE, depth)]),
                                                  self.rng.randint(1, 12), self.rng.randint(1, 28))
            if c == 2:
                return "%s(%s, %s)" % (self.pick(["greatest", "least"]), self.expr(scope, DATE, depth), self.expr(scope, DATE, depth))
            if c == 3:
                return "TRY_CAST(%s AS DATE)" % self.expr(scope, STR, depth)
            if c == 4:
                return "CAST(date_trunc('%s', %s) AS DATE)" % (self.pick(["month", "year", "week", "quarter"]), self.expr(scope, DATE, depth))
            return "(%s - %s)" % (self.expr(scope, DATE, depth), self.pick(["1", "10"]))
        return self.common(scope, DATE, depth)

    def expr_bool(self, scope, depth):
        return self.pred(scope, depth)

    def comparable_type(self):
        return self.pick([INT, INT, BIGINT, DOUBLE, DEC, STR, STR, DATE])

    def pred(self, scope, depth=0):
        """A random boolean expression."""
        if depth >= 3:
            typ = self.comparable_type()
            return "%s %s %s" % (self.expr(scope, typ, 3), self.pick(["=", "<>", "<", "<=", ">", ">="]),
                                 self.literal(typ))
        c = self.rng.randint(0, 14)
        d = depth + 1
        if c <= 3:
            typ = self.comparable_type()
            return "(%s %s %s)" % (self.expr(scope, typ, d), self.pick(["=", "<>", "<", "<=", ">", ">="]),
                                   self.expr(scope, typ, d) if self.chance(0.4) else self.literal(typ))
        if c == 4:
            return "(%s AND %s)" % (self.pred(scope, d), self.pred(scope, d))
        if c == 5:
            return "(%s OR %s)" % (self.pred(scope, d), self.pred(scope, d))
        if c == 6:
            return "(NOT %s)" % self.pred(scope, d)
        if c == 7:
            typ = self.comparable_type()
            items = ", ".join(self.literal(typ) for _ in range(self.rng.randint(1, 4)))
            if self.chance(0.15):
                items += ", NULL"
            return "(%s %sIN (%s))" % (self.expr(scope, typ, d), self.pick(["", "NOT "]), items)
        if c == 8:
            typ = self.comparable_type()
            lo, hi = sorted([self.literal(typ), self.literal(typ)]) if typ not in NUMERIC else (self.literal(typ), self.literal(typ))
            return "(%s %sBETWEEN %s AND %s)" % (self.expr(scope, typ, d), self.pick(["", "NOT "]), lo, hi)
        if c == 9:
            pat = self.pick(["'a%'", "'%o%'", "'_b%'", "'%'", "''", "'w1%'", "'%x'", "'hello_world'", "'%long%'"])
            return "(%s %s %s)" % (self.expr(scope, STR, d), self.pick(["LIKE", "NOT LIKE", "ILIKE"]), pat)
        if c == 10:
            typ = self.pick([INT, DOUBLE, DEC, STR, DATE, BOOL])
            return "(%s IS %sNULL)" % (self.expr(scope, typ, d), self.pick(["", "NOT "]))
        if c == 11:
            col = self.column(scope, BOOL)
            if col:
                return col if self.chance(0.5) else "(%s IS %s)" % (col, self.pick(["TRUE", "NOT TRUE", "FALSE", "NOT FALSE"]))
            return self.literal(BOOL)
        if c == 12:
            typ = self.comparable_type()
            return "(%s IS %sDISTINCT FROM %s)" % (self.expr(scope, typ, d), self.pick(["", "NOT "]), self.expr(scope, typ, d))
        if c == 13:
            return "(%s %s %s)" % (self.expr(scope, STR, d), self.pick(["=", "<", ">="]), self.expr(scope, STR, d))
        c = self.rng.randint(0, 9)
        if c == 0:
            return self.common(scope, BOOL, d)
        if c == 1:
            # mixed numeric types in one comparison
            t1, t2 = self.pick(NUMERIC), self.pick(NUMERIC)
            return "(%s %s %s)" % (self.expr(scope, t1, d), self.pick(["=", "<", ">=", "<>"]), self.expr(scope, t2, d))
        if c == 2:
            return "(%s %sIN (%s, %s))" % (self.expr(scope, INT, d), self.pick(["", "NOT "]), self.expr(scope, INT, d), self.expr(scope, INT, d))
        if c == 3:
            return "(%s %sBETWEEN %s AND %s)" % (self.expr(scope, INT, d), self.pick(["", "NOT "]), self.expr(scope, INT, d), self.expr(scope, INT, d))
        if c == 4:
            op, pats = self.pick([("SIMILAR TO", ["'a.*'", "'.*o.*'", "'[a-h].*'", "'.*x'", "'(ab|zz)'"]),
                                  ("GLOB", ["'a*'", "'*o*'", "'[a-h]*'", "'w?_*'", "'*x'"]),
                                  ("NOT ILIKE", ["'%L%'", "'A%'", "'%X'"])])
            return "(%s %s %s)" % (self.expr(scope, STR, d), op, self.pick(pats))
        if c == 5:
            return "(%s LIKE '%s' ESCAPE '!')" % (self.expr(scope, STR, d), self.pick(["%!%%", "b!%c", "x!_%", "%!_y"]))
        if c == 6:
            return "%s(%s, %s)" % (self.pick(["starts_with", "contains", "ends_with"]), self.expr(scope, STR, d), self.literal(STR))
        if c == 7:
            return "(%s IS %s)" % (self.pred(scope, d), self.pick(["TRUE", "NOT TRUE", "FALSE", "NOT FALSE", "UNKNOWN", "NOT UNKNOWN"]))
        if c == 8:
            return "regexp_matches(%s, '%s')" % (self.expr(scope, STR, d), self.pick(["^a", "o", "[0-9]+", "x{3}", "^$"]))
        return "(%s = %s)" % (self.expr(scope, DATE, d), self.pick(["'2020-01-01'", "CAST('2021-06-15' AS DATE)"]))

    # ---- FROM clauses -------------------------------------------------------------
    def from_clause(self, allow_join=True):
        """Returns (sql, scope columns, list of id columns forming a unique row key)."""
        t = self.table()
        a = self.new_alias()
        sql = "%s %s" % (t, a)
        cols = table_scope(a)
        keys = ["%s.id" % a]
        if not allow_join or self.chance(0.45):
            return sql, cols, keys
        njoin = 1 if self.chance(0.75) else 2
        for _ in range(njoin):
            t2 = self.pick(["t2", "t3", "t3", "t4", "t1"]) if njoin == 1 else self.pick(["t3", "t4", "t2"])
            b = self.new_alias()
            kind = self.pick(["JOIN", "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN"])
            prev = self.pick([c for c in keys]).split(".")[0]
            if kind == "CROSS JOIN":
                if t2 not in ("t3", "t4"):
                    t2 = "t3"
                sql += " CROSS JOIN %s %s" % (t2, b)
            else:
                c = self.rng.randint(0, 5)
                if c == 0 and njoin == 1:
                    col = self.pick(["k", "i", "s", "dt", "k, f", "f, k"])
                    sql += " %s %s %s USING (%s)" % (kind, t2, b, col)
                elif c <= 2:
                    sql += " %s %s %s ON %s.k = %s.k" % (kind, t2, b, prev, b)
                elif c == 3:
                    extra = self.pred(Scope(cols + table_scope(b)), 2)
                    sql += " %s %s %s ON %s.k = %s.k AND %s" % (kind, t2, b, prev, b, extra)
                elif c == 4 and self.chance(0.5):
                    cond = self.pick(["%s.k = %s.k OR %s.i = %s.i" % (prev, b, prev, b),
                                      "%s.k + 1 = %s.k" % (prev, b),
                                      "%s.k = %s.k AND %s.f = %s.f" % (prev, b, prev, b),
                                      "%s.k IS NOT DISTINCT FROM %s.k" % (prev, b),
                                      "%s.s = %s.s" % (prev, b),
                                      "%s.k = %s.i" % (prev, b),
                                      "%s.m = %s.i" % (prev, b),
                                      "%s.k = %s.k AND %s.i < %s.i" % (prev, b, prev, b)])
                    sql += " %s %s %s ON %s" % (kind, t2, b, cond)
                elif c == 4:
                    col, typ = self.pick([("i", INT), ("s", STR), ("dt", DATE), ("m", DEC)])
                    sql += " %s %s %s ON %s.%s %s %s.%s" % (kind, t2, b, prev, col, self.pick(["<", ">=", "<>"]) if t2 in ("t3", "t4") else "=", b, col)
                else:
                    if t2 not in ("t3", "t4"):
                        t2 = "t3"
                    sql += " %s %s %s ON %s" % (kind, t2, b, self.pred(Scope(cols + table_scope(b)), 1))
            cols = cols + table_scope(b)
            keys.append("%s.id" % b)
        return sql, cols, keys

    # ---- subquery predicates ------------------------------------------------------
    def subquery_pred(self, scope_cols):
        """[NOT] IN / [NOT] EXISTS / scalar subquery, correlated or not."""
        t = self.pick(["t2", "t3", "t4", "t1"])
        a = self.new_alias()
        inner = Scope(table_scope(a))
        outer = Scope(scope_cols)
        correlated = self.chance(0.5)
        corr = ""
        if correlated:
            oc = self.column(outer, INT)
            corr = "%s.k = %s" % (a, oc) if self.chance(0.7) else "%s.i > %s" % (a, oc)
        where_parts = [p for p in [corr, self.pred(inner, 2) if self.chance(0.5) else ""] if p]
        where = (" WHERE " + " AND ".join(where_parts)) if where_parts else ""
        c = self.rng.randint(0, 3)
        if c == 0:
            typ = self.pick([INT, STR, DATE])
            col = {INT: "k", STR: "s", DATE: "dt"}[typ]
            return "(%s %sIN (SELECT %s.%s FROM %s %s%s))" % (self.expr(outer, typ, 2), self.pick(["", "NOT "]),
                                                              a, col, t, a, where)
        if c == 1:
            return "(%sEXISTS (SELECT 1 FROM %s %s%s))" % (self.pick(["", "NOT "]), t, a, where)
        if c == 2:
            agg = self.pick(["max(%s.i)" % a, "min(%s.b)" % a, "count(*)", "sum(%s.i)" % a, "avg(%s.d)" % a])
            return "(%s %s (SELECT %s FROM %s %s%s))" % (self.expr(outer, INT, 2), self.pick(["<", ">", "=", "<>"]),
                                                         agg, t, a, where)
        typ = INT
        return "(%s %s %s (SELECT %s.i FROM %s %s%s))" % (self.expr(outer, typ, 2), self.pick(["=", "<", ">"]),
                                                           self.pick(["ANY", "ALL"]), a, t, a, where)

    def where(self, scope_cols):
        if self.chance(0.3):
            return ""
        p = self.pred(Scope(scope_cols))
        if self.chance(0.25):
            # correlated IN/ANY/ALL is only supported as a top-level WHERE conjunct
            p = "%s %s %s" % (p, self.pick(["AND", "AND", "AND", "OR"]), self.subquery_pred(scope_cols))
        return " WHERE " + p

    # ---- query shapes -------------------------------------------------------------
    def select_list(self, scope, n):
        items = []
        for _ in range(n):
            typ = self.pick([INT, BIGINT, DOUBLE, DEC, STR, STR, DATE, BOOL])
            items.append(self.expr(scope, typ) if typ != BOOL else self.pred(scope, 1))
        return items

    def order_limit(self, keys, exprs_count):
        """ORDER BY over a total key (+ LIMIT/OFFSET) or nothing. Returns (sql, ordered)."""
        if self.chance(0.4):
            return "", False
        parts = []
        scope = Scope(self.last_scope)
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            typ = self.pick([INT, DOUBLE, DEC, STR, STR, DATE, BOOL])
            e = self.expr(scope, typ, 1) if typ != BOOL else self.pred(scope, 2)
            if e.lstrip("-").isdigit():
                continue  # a bare integer would be an ORDER BY position
            parts.append("%s %s%s" % (e, self.pick(["ASC", "DESC"]), self.pick([" NULLS FIRST", " NULLS LAST", ""])))
        for key in keys:
            parts.append("%s %s%s" % (key, self.pick(["ASC", "DESC"]), self.pick([" NULLS FIRST", " NULLS LAST", ""])))
        sql = " ORDER BY " + ", ".join(parts)
        if self.chance(0.6):
            sql += " LIMIT %d" % self.rng.randint(0, 50)
            if self.chance(0.4):
                sql += " OFFSET %d" % self.rng.randint(0, 30)
        return sql, True

    def q_simple(self):
        frm, cols, keys = self.from_clause()
        scope = Scope(cols)
        self.last_scope = cols
        items = self.select_list(scope, self.rng.randint(1, 4))
        distinct = self.chance(0.15)
        if distinct:
            return "SELECT DISTINCT %s FROM %s%s" % (", ".join(items), frm, self.where(cols)), False
        if " USING " in frm and self.chance(0.3):
            return "SELECT * FROM %s%s" % (frm, self.where(cols)), False
        order, ordered = self.order_limit(keys, len(items))
        return "SELECT %s FROM %s%s%s" % (", ".join(keys + items if ordered else items), frm, self.where(cols), order), ordered

    def aggregate(self, scope, keys):
        r = self.rng
        c = r.randint(0, 12)
        if c == 0:
            return "count(*)"
        if c == 1:
            return "count(%s%s)" % (self.pick(["", "DISTINCT "]), self.expr(scope, self.pick([INT, STR, DATE, DEC])))
        if c == 2:
            return "sum(%s%s)" % (self.pick(["", "", "DISTINCT "]), self.expr(scope, self.pick([INT, BIGINT, DEC, DOUBLE])))
        if c == 3:
            return "avg(%s)" % self.expr(scope, self.pick([INT, DEC, DOUBLE]))
        if c in (4, 5):
            return "%s(%s)" % (self.pick(["min", "max"]), self.expr(scope, self.pick([INT, DOUBLE, DEC, STR, DATE])))
        if c == 6:
            order = ", ".join("%s %s NULLS LAST" % (k, self.pick(["ASC", "DESC"])) for k in keys)
            return "string_agg(%s, '%s' ORDER BY %s)" % (self.expr(scope, STR), self.pick([",", "|", ""]), order)
        if c == 7:
            return "%s(%s)" % (self.pick(["bool_and", "bool_or"]), self.pred(scope, 1))
        if c == 8:
            return "count(%s) FILTER (WHERE %s)" % (self.expr(scope, INT), self.pred(scope, 2))
        if c == 9:
            return "sum(%s) FILTER (WHERE %s)" % (self.expr(scope, DEC), self.pred(scope, 2))
        if c == 10:
            return "count(DISTINCT %s)" % self.pick(scope.of_type(STR) or ["1"])
        if c == 11:
            if self.chance(0.5):
                return "max(%s) - min(%s)" % ((self.pick(scope.of_type(INT)),) * 2)
            c = self.rng.randint(0, 7)
            if c == 0:
                return "%s(%s)" % (self.pick(["stddev", "stddev_pop", "variance", "var_pop"]), self.expr(scope, self.pick([INT, DOUBLE, DEC])))
            if c == 1:
                return "avg(DISTINCT %s)" % self.expr(scope, INT)
            if c == 2:
                return "string_agg(DISTINCT %s, ',' ORDER BY %s)" % ((self.pick(scope.of_type(STR)),) * 2)
            if c == 3:
                return "%s(%s)" % (self.pick(["min", "max"]), self.pick(scope.of_type(BOOL)))
            if c == 4:
                return "count(DISTINCT %s)" % self.expr(scope, self.pick([DEC, DATE, BOOL]))
            if c == 5:
                return "sum(%s) / count(*)" % self.expr(scope, DOUBLE)
            if c == 6:
                fn = self.pick(["min", "max", "avg"])
                typ = self.pick([INT, DEC] if fn == "avg" else [INT, DEC, STR, DATE])
                return "%s(%s) FILTER (WHERE %s)" % (fn, self.expr(scope, typ), self.pred(scope, 2))
            return "coalesce(sum(%s), 0) + count(%s)" % (self.expr(scope, INT), self.expr(scope, STR))
        return "%s(%s)" % (self.pick(["sum", "avg"]), self.pick(scope.of_type(DEC) or ["1"]))

    def q_aggregate(self):
        frm, cols, keys = self.from_clause()
        scope = Scope(cols)
        ngroups = self.rng.choice([0, 1, 1, 2, 2, 3])
        groups = []
        for _ in range(ngroups):
            if self.chance(0.7):
                groups.append(self.pick([c for c, t in cols if not c.endswith(".id") and t != DOUBLE]))
            else:
                g = self.expr(scope, self.pick([INT, STR, DATE, BOOL]), 1)
                if g.lstrip("-").isdigit():
                    g = "(%s + 0)" % g  # a bare integer would be a GROUP BY position
                groups.append(g)
        aggs = [self.aggregate(scope, keys) for _ in range(self.rng.randint(1, 4))]
        sql = "SELECT %s FROM %s%s" % (", ".join(groups + aggs), frm, self.where(cols))
        if groups:
            sql += " GROUP BY %s" % ", ".join(groups)
            if self.chance(0.4):
                h = self.pick(["count(*) > %d" % self.rng.randint(0, 5),
                               "sum(%s) > %d" % (self.pick(scope.of_type(INT)), self.rng.randint(-100, 100)),
                               "min(%s) < %s" % (self.pick(scope.of_type(STR)), self.literal(STR)),
                               "count(DISTINCT %s) >= 2 OR max(%s) IS NULL" % (self.pick(scope.of_type(INT)), self.pick(scope.of_type(DEC)))])
                sql += " HAVING " + h
            if self.chance(0.3):
                n = len(groups)
                order = ", ".join("%d %s NULLS %s" % (i + 1, self.pick(["ASC", "DESC"]), self.pick(["FIRST", "LAST"]))
                                  for i in range(n))
                sql += " ORDER BY " + order
                if self.chance(0.5):
                    sql += " LIMIT %d" % self.rng.randint(0, 20)  # group keys are unique: a total order
                return sql, True
        return sql, False

    def q_setop(self):
        n = self.rng.randint(1, 3)
        types = [self.pick([INT, STR, DATE, DEC, BOOL]) for _ in range(n)]

        # numeric columns may mix types across the sides (INTEGER/BIGINT/DECIMAL/DOUBLE)
        mix = {INT: [INT, BIGINT, DEC, INT], DEC: [DEC, INT, DOUBLE, DEC]}

        def side():
            t = self.table()
            a = self.new_alias()
            scope = Scope(table_scope(a))
            items = []
            for ty in types:
                ty = self.pick(mix.get(ty, [ty]))
                if self.chance(0.05):
                    # typed: Sluice types an all-NULL set operation column INTEGER (DuckDB
                    # keeps it NULL-typed), which then cannot meet a BOOLEAN/VARCHAR column
                    items.append("CAST(NULL AS %s)" % SQL_TYPES[ty] if self.chance(0.8) else "NULL")
                else:
                    items.append(self.expr(scope, ty, 2) if ty != BOOL else self.pred(scope, 2))
            return "SELECT %s FROM %s %s%s" % (", ".join(items), t, a, self.where(table_scope(a)) if self.chance(0.7) else "")

        op = self.pick(["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"])
        sql = "%s %s %s" % (side(), op, side())
        if self.chance(0.2):
            sql = "SELECT * FROM (%s) %s" % (sql, self.new_alias()) + " %s SELECT * FROM (%s) %s" % (
                self.pick(["UNION", "EXCEPT", "INTERSECT ALL"]), side(), self.new_alias())
        return sql, False

    def q_window(self):
        t = self.table()
        a = self.new_alias()
        scope = Scope(table_scope(a))
        items = ["%s.id" % a]
        for _ in range(self.rng.randint(1, 3)):
            part = self.pick(["", "PARTITION BY %s.k" % a, "PARTITION BY %s.f" % a,
                              "PARTITION BY %s.k, %s.f" % (a, a), "PARTITION BY %s" % self.expr(scope, STR, 2)])
            c = self.rng.randint(0, 7)
            okey = self.expr(scope, self.pick([INT, STR, DATE]), 2)
            if "." not in okey:
                okey = "%s.k" % a  # DuckDB rejects ORDER BY a constant
            uniq = "ORDER BY %s %s NULLS %s, %s.id %s" % (okey, self.pick(["ASC", "DESC"]),
                                                          self.pick(["FIRST", "LAST"]), a, self.pick(["ASC", "DESC"]))
            if c == 0:
                items.append("row_number() OVER (%s %s)" % (part, uniq))
            elif c == 1:
                o = "ORDER BY %s %s NULLS %s" % (self.expr(scope, self.pick([INT, STR]), 2), self.pick(["ASC", "DESC"]), self.pick(["FIRST", "LAST"]))
                items.append("%s() OVER (%s %s)" % (self.pick(["rank", "dense_rank"]), part, o))
            elif c == 2:
                items.append("%s(%s%s) OVER (%s %s)" % (self.pick(["lag", "lead"]), self.expr(scope, self.pick([INT, STR, DEC]), 2),
                                                        self.pick(["", ", 2", ", 1"]), part, uniq))
            elif c == 3:
                frame = self.pick(["ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
                                   "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING",
                                   "ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING",
                                   "ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
                                   "ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING", ""])
                items.append("%s(%s) OVER (%s %s %s)" % (self.pick(["sum", "count", "min", "max", "avg"]),
                                                         self.expr(scope, self.pick([INT, DEC]), 2), part, uniq, frame))
            elif c == 4:
                o = "ORDER BY %s.k %s NULLS %s" % (a, self.pick(["ASC", "DESC"]), self.pick(["FIRST", "LAST"]))
                items.append("sum(%s) OVER (%s %s)" % (self.expr(scope, INT, 2), part, o))
            elif c == 5:
                items.append("%s(%s) OVER (%s)" % (self.pick(["sum", "count", "max", "min"]), self.expr(scope, INT, 2), part))
            elif c == 6:
                items.append("%s(%s) OVER (%s %s)" % (self.pick(["first_value", "last_value"]), self.expr(scope, STR, 2), part, uniq))
            elif self.chance(0.3):
                items.append("count(*) OVER (%s)" % part)
            else:
                c = self.rng.randint(0, 6)
                okey = "%s.%s" % (a, self.pick(["k", "i", "m", "dt"]))
                o = "ORDER BY %s %s NULLS %s" % (okey, self.pick(["ASC", "DESC"]), self.pick(["FIRST", "LAST"]))
                if c == 0:
                    items.append("%s() OVER (%s %s)" % (self.pick(["percent_rank", "cume_dist"]), part, o))
                elif c == 1:
                    items.append("ntile(%d) OVER (%s %s)" % (self.rng.randint(1, 5), part, uniq))
                elif c == 2:
                    off = "INTERVAL 10 DAY" if okey.endswith(".dt") else "%d" % self.rng.randint(0, 5)
                    off2 = "INTERVAL 3 DAY" if okey.endswith(".dt") else "%d" % self.rng.randint(0, 5)
                    frame = self.pick(["RANGE BETWEEN %s PRECEDING AND CURRENT ROW" % off,
                                       "RANGE BETWEEN %s PRECEDING AND %s FOLLOWING" % (off, off2),
                                       "RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
                                       "RANGE BETWEEN UNBOUNDED PRECEDING AND %s FOLLOWING" % off2])
                    items.append("%s(%s) OVER (%s %s %s)" % (self.pick(["sum", "count", "min", "max"]), self.expr(scope, INT, 2), part, o, frame))
                elif c == 3:
                    items.append("%s(%s) OVER (%s %s ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)" % (
                        self.pick(["first_value", "last_value"]), self.expr(scope, self.pick([INT, STR]), 2), part, uniq))
                elif c == 4:
                    items.append("%s(%s, %d, %s) OVER (%s %s)" % (self.pick(["lag", "lead"]), self.expr(scope, INT, 2),
                                                                  self.rng.randint(0, 3), self.literal(INT), part, uniq))
                elif c == 5:
                    items.append("avg(%s) OVER (%s %s ROWS BETWEEN %d PRECEDING AND %d FOLLOWING)" % (
                        self.expr(scope, self.pick([DEC, DOUBLE]), 2), part, uniq, self.rng.randint(0, 3), self.rng.randint(0, 3)))
                elif self.chance(0.5):
                    items.append("%s(%s) FILTER (WHERE %s) OVER (%s %s)" % (self.pick(["sum", "count", "max"]), self.expr(scope, INT, 2),
                                                                           self.pred(scope, 2), part, self.pick([o, uniq, ""])))
                else:
                    items.append("sum(%s) OVER (%s %s)" % (self.expr(scope, DEC, 2), part, o))
        sql = "SELECT %s FROM %s %s%s" % (", ".join(items), t, a, self.where(table_scope(a)) if self.chance(0.5) else "")
        if self.chance(0.3):
            sql += " ORDER BY %s.id DESC NULLS LAST LIMIT %d" % (a, self.rng.randint(1, 40))
            return sql, True
        return sql, False

    def q_derived(self):
        """An aggregate over a derived table / CTE, or a scalar subquery in the select list."""
        t = self.table()
        a = self.new_alias()
        scope = Scope(table_scope(a))
        if self.chance(0.5):
            inner, _ = self.q_aggregate()
            # every column is used: DuckDB prunes unused aggregates (and their errors)
            return "SELECT DISTINCT * FROM (SELECT * FROM (%s) %s) %s" % (inner, a, self.new_alias()), False
        b = self.new_alias()
        sub = "(SELECT %s FROM %s %s WHERE %s.k = %s.k%s)" % (
            self.pick(["count(*)", "max(%s.s)" % b, "sum(%s.m)" % b, "min(%s.dt)" % b]), self.pick(["t2", "t3", "t4"]), b, b, a,
            (" AND " + self.pred(Scope(table_scope(b)), 2)) if self.chance(0.5) else "")
        items = ["%s.id" % a, sub] + self.select_list(scope, self.rng.randint(0, 2))
        return "WITH c AS (SELECT * FROM %s %s%s) SELECT %s FROM c %s" % (
            t, a, self.where(table_scope(a)), ", ".join(items), a), False

    def q_misc(self):
        """Grouped windows, GROUP BY ALL, HAVING without GROUP BY, CTE self-joins, VALUES,
        set operations under ORDER BY / LIMIT, subqueries in the select list."""
        c = self.rng.randint(0, 8)
        t = self.table()
        a = self.new_alias()
        scope = Scope(table_scope(a))
        if c == 0:
            return ("SELECT %s.k, sum(%s.i), rank() OVER (ORDER BY sum(%s.i) DESC NULLS LAST), "
                    "sum(count(*)) OVER (ORDER BY %s.k NULLS FIRST) FROM %s %s%s GROUP BY %s.k"
                    % (a, a, a, a, t, a, self.where(table_scope(a)), a)), False
        if c == 1:
            return ("SELECT %s.f, %s.k, count(*), max(%s) FROM %s %s GROUP BY ALL"
                    % (a, a, self.expr(scope, STR, 1), t, a)), False
        if c == 2:
            return ("SELECT count(*), sum(%s) FROM %s %s%s HAVING count(*) %s %d"
                    % (self.expr(scope, INT, 1), t, a, self.where(table_scope(a)), self.pick([">", "<"]), self.rng.randint(0, 100))), False
        if c == 3:
            b = self.new_alias()
            return ("WITH c AS (SELECT %s.k, %s.i, %s.s FROM %s %s%s) SELECT x.k, y.i, x.s FROM c x %s c y ON x.k = y.k AND x.i < y.i"
                    % (a, a, a, self.pick(["t3", "t4", "t2"]), a, self.where(table_scope(a)),
                       self.pick(["JOIN", "LEFT JOIN", "FULL JOIN"]))), False
        if c == 4:
            return ("SELECT v.x, v.y, count(%s.id) FROM (VALUES (0, 'a'), (1, NULL), (NULL, 'abc'), (2, 'zz'), (1, 'a')) v(x, y) "
                    "LEFT JOIN %s %s ON %s.k = v.x AND %s GROUP BY v.x, v.y" % (a, t, a, a, self.pred(scope, 2))), False
        if c == 5:
            b = self.new_alias()
            return ("SELECT %s.id FROM %s %s%s UNION SELECT %s.id FROM t2 %s%s ORDER BY 1 %s NULLS LAST LIMIT %d OFFSET %d"
                    % (a, t, a, self.where(table_scope(a)), b, b, self.where(table_scope(b)), self.pick(["ASC", "DESC"]),
                       self.rng.randint(0, 30), self.rng.randint(0, 5))), True
        if c == 6:
            b = self.new_alias()
            return ("SELECT %s.id, (SELECT max(%s.s) FROM t3 %s), %s.k IN (SELECT %s.k FROM t3 %s WHERE %s.k IS NOT NULL) FROM %s %s"
                    % (a, b, b, a, b, b, b, t, a)), False
        if c == 7:
            b = self.new_alias()
            return ("SELECT %s.k, %s.id, sum(%s.i) OVER (PARTITION BY %s.k ORDER BY %s.id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
                    "FROM %s %s QUALIFY row_number() OVER (PARTITION BY %s.k ORDER BY %s.id DESC) <= %d"
                    % (a, a, a, a, a, t, a, a, a, self.rng.randint(1, 3))), False
        if c == 8 and self.chance(0.5):
            b = self.new_alias()
            g = self.pick(["k", "i", "s", "f"])
            inner = self.pick(["count(*)", "max(%s.s)" % b, "sum(%s.i)" % b, "min(%s.dt)" % b])
            return ("SELECT %s.%s, count(*), (SELECT %s FROM %s %s WHERE %s.%s = %s.%s%s) FROM %s %s%s GROUP BY %s.%s%s"
                    % (a, g, inner, self.pick(["t2", "t3", "t4"]), b, b, g, a, g,
                       (" AND " + self.pred(Scope(table_scope(b)), 2)) if self.chance(0.5) else "",
                       t, a, self.where(table_scope(a)), a, g,
                       (" HAVING EXISTS (SELECT 1 FROM t3 %s WHERE %s.%s = %s.%s)" % (b + "h", b + "h", g, a, g)) if self.chance(0.3) else "")), False
        b = self.new_alias()
        return ("SELECT %s.k, count(*) FROM %s %s WHERE %s.k %sIN (SELECT %s.%s FROM %s %s%s) GROUP BY %s.k"
                % (a, t, a, a, self.pick(["", "NOT "]), b, self.pick(["k", "i"]), self.pick(["t2", "t3", "t4"]), b,
                   self.where(table_scope(b)), a)), False

    def query(self):
        """Returns (sql, ordered): ordered is True when the result order is fully determined."""
        if self.chance(0.12):
            return self.q_misc()
        c = self.rng.random()
        if c < 0.3:
            return self.q_simple()
        if c < 0.55:
            return self.q_aggregate()
        if c < 0.7:
            return self.q_setop()
        if c < 0.85:
            return self.q_window()
        return self.q_derived()


# --------------------------------------------------------------------------------------
# comparison
# --------------------------------------------------------------------------------------

NUMERIC_SLUICE = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "DECIMAL"}


def norm_duck(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, decimal.Decimal)):
        return float(v)
    if isinstance(v, datetime.datetime):
        return str(v)  # '2020-01-01 00:00:00', Sluice's rendering
    if isinstance(v, datetime.date):
        return v.isoformat()
    return str(v)


def norm_sluice(text, typ):
    if text is None:
        return None
    if typ in NUMERIC_SLUICE:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _sig(x):
    if math.isnan(x):
        return math.inf  # sorts consistently (nan compares false with everything)
    if x == 0 or math.isinf(x):
        return x
    return round(x, 5 - int(math.floor(math.log10(abs(x)))))


def sort_key(row):
    return tuple((0, 0) if v is None else (1, _sig(v)) if isinstance(v, float) else (2, v) for v in row)


def values_equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    return a == b


def compare(duck_rows, sluice_rows, ordered):
    """Returns None when equal, else a short description of the first difference."""
    if len(duck_rows) != len(sluice_rows):
        return "row count: duckdb %d, sluice %d" % (len(duck_rows), len(sluice_rows))
    if duck_rows and len(duck_rows[0]) != len(sluice_rows[0]):
        return "column count: duckdb %d, sluice %d" % (len(duck_rows[0]), len(sluice_rows[0]))
    if not ordered:
        duck_rows = sorted(duck_rows, key=sort_key)
        sluice_rows = sorted(sluice_rows, key=sort_key)
    for n, (dr, sr) in enumerate(zip(duck_rows, sluice_rows)):
        if not all(values_equal(x, y) for x, y in zip(dr, sr)):
            return "row %d: duckdb %r, sluice %r" % (n, dr, sr)
    return None


# Sluice errors that are explicit, documented limitations rather than wrong answers.
NOT_SUPPORTED = [
    "correlated IN / ANY / ALL outside a top-level WHERE conjunct",
    "DISTINCT is not supported in window aggregates",
]


class Harness:
    """Loads the tables of a seed into Sluice and DuckDB and compares queries."""

    MAX_ROWS = 5000

    def __init__(self, seed, sluice_conn, duck_conn, scale=1):
        self.seed = seed
        self.sluice = sluice_conn
        self.duck = duck_conn
        stmts, self.sizes = gen_tables(seed, scale)
        for s in stmts:
            self.duck.execute(s)
            self.sluice.execute(s)

    def run(self, sql, ordered):
        """Returns ('ok' | 'skip' | 'fail', detail)."""
        import duckdb
        from sluice_api import SluiceError
        try:
            drows = self.duck.execute(sql).fetchall()
        except duckdb.Error as e:
            # both engines must reject it; Sluice accepting is fine (e.g. overflow checks differ)
            return "skip", "duckdb error: %s" % str(e).splitlines()[0]
        if len(drows) > self.MAX_ROWS:
            return "skip", "too many rows"
        try:
            meta, srows = self.sluice.query(sql)
        except SluiceError as e:
            msg = e.message.splitlines()[0] if e.message else ""
            if re.search(r"(overflow|out of range: -?\d+ [-+*] -?\d+)", msg, re.I):
                # SQL leaves evaluation order open: DuckDB may filter (or short-circuit
                # AND) before it computes an overflowing product on the rows filtered out
                return "skip", "sluice overflow: " + msg
            for pattern in NOT_SUPPORTED:
                if pattern in msg:
                    return "skip", "not supported: " + msg
            return "fail", "sluice error (%s): %s" % (e.status_name, msg)
        drows = [tuple(norm_duck(v) for v in r) for r in drows]
        srows = [tuple(norm_sluice(v, t) for v, t in zip(r, meta.types)) for r in srows]
        diff = compare(drows, srows, ordered)
        if diff:
            return "fail", diff
        return "ok", ""


def main():
    import argparse
    import sys
    import time
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import duckdb
    import sluice_api

    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--show-skips", action="store_true")
    ap.add_argument("--scale", type=int, default=1, help="multiply the size of t1")
    ap.add_argument("--log", help="append every query to this file before running it (to find crashes)")
    args = ap.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    total = {"ok": 0, "skip": 0, "fail": 0}
    t0 = time.time()
    for seed in seeds:
        duck = duckdb.connect()
        duck.execute("SET threads = 1")
        with sluice_api.Connection() as conn:
            h = Harness(seed, conn, duck, args.scale)
            gen = QueryGen(seed)
            for qn in range(args.queries):
                sql, ordered = gen.query()
                if args.log:
                    with open(args.log, "a") as f:
                        f.write("seed %d #%d: %s\n" % (seed, qn, sql))
                status, detail = h.run(sql, ordered)
                total[status] += 1
                if status == "fail" or (status == "skip" and args.show_skips):
                    print("[seed %d #%d] %s: %s\n    %s" % (seed, qn, status.upper(), detail, sql), flush=True)
        duck.close()
    print("queries: %d ok, %d skipped, %d failed in %.1fs" % (total["ok"], total["skip"], total["fail"],
                                                              time.time() - t0))


if __name__ == "__main__":
    main()
