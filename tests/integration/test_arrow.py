"""test_arrow.py — Arrow interchange through the C API, checked with pyarrow and DuckDB.

Export: sluice_result_arrow_stream moves a result into an ArrowArrayStream which pyarrow
imports; every core type is checked for its Arrow type AND its values (NULLs, long and
non-ASCII strings, empty and multi-batch results).
Import: pyarrow readers are exported to C and registered with sluice_register_arrow_stream,
then queried (scans, aggregates, joins with Sluice tables) and compared with DuckDB querying
the same pyarrow data; unsupported Arrow types must fail with a clear error, not crash.
"""
import datetime as dt
import gc
import math
from decimal import Decimal

import pyarrow as pa
import pytest

from sluice_api import SluiceError

ALL_TYPES_DDL = """
CREATE TABLE all_types(b BOOLEAN, i1 TINYINT, i2 SMALLINT, i4 INTEGER, i8 BIGINT, f4 REAL,
    f8 DOUBLE, d15 DECIMAL(15,2), d38 DECIMAL(38,10), s VARCHAR, d DATE, ts TIMESTAMP,
    iv INTERVAL);
INSERT INTO all_types VALUES
  (true, -128, -32768, -2147483648, -9223372036854775807, 1.5, 0.1, -1234567890123.45,
   -1234567890123456789012345678.0123456789, 'hello', DATE '1970-01-01',
   TIMESTAMP '2024-02-29 12:34:56.789012', INTERVAL '1 year 2 months 3 days 04:05:06.5'),
  (false, 127, 32767, 2147483647, 9223372036854775807, -2.25, 1e20, 9999999999999.99,
   9999999999999999999999999999.9999999999, 'héllo wörld ☃ 日本語 😀', DATE '2262-04-11',
   TIMESTAMP '1969-12-31 23:59:59', INTERVAL '-3 days'),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
"""

ALL_TYPES_SCHEMA = [
    ("b", pa.bool_()), ("i1", pa.int8()), ("i2", pa.int16()), ("i4", pa.int32()),
    ("i8", pa.int64()), ("f4", pa.float32()), ("f8", pa.float64()),
    ("d15", pa.decimal128(15, 2)), ("d38", pa.decimal128(38, 10)), ("s", pa.string()),
    ("d", pa.date32()), ("ts", pa.timestamp("us")), ("iv", pa.month_day_nano_interval()),
]

ALL_TYPES_ROWS = [
    [True, -128, -32768, -2147483648, -9223372036854775807, 1.5, 0.1,
     Decimal("-1234567890123.45"), Decimal("-1234567890123456789012345678.0123456789"), "hello",
     dt.date(1970, 1, 1), dt.datetime(2024, 2, 29, 12, 34, 56, 789012),
     pa.MonthDayNano([14, 3, (4 * 3600 + 5 * 60 + 6) * 10**9 + 500_000_000])],
    [False, 127, 32767, 2147483647, 9223372036854775807, -2.25, 1e20,
     Decimal("9999999999999.99"), Decimal("9999999999999999999999999999.9999999999"),
     "héllo wörld ☃ 日本語 😀", dt.date(2262, 4, 11), dt.datetime(1969, 12, 31, 23, 59, 59),
     pa.MonthDayNano([0, -3, 0])],
    [None] * 13,
]


def rows_of(table):
    cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [list(r) for r in zip(*cols)]


def assert_schema(table, expected):
    got = [(f.name, f.type) for f in table.schema]
    assert got == expected


# ------------------------------------------------------------------ export


def test_export_every_core_type(conn):
    conn.execute(ALL_TYPES_DDL)
    table = conn.arrow("SELECT * FROM all_types")
    assert_schema(table, ALL_TYPES_SCHEMA)
    assert table.num_rows == 3
    assert rows_of(table) == ALL_TYPES_ROWS
    # the NULL row is NULL in every column (validity bitmaps exported)
    assert all(table.column(i).null_count == 1 for i in range(table.num_columns))


def test_export_matches_text_rendering(conn):
    """The Arrow values agree with what sluice_chunk_value_text renders."""
    conn.execute(ALL_TYPES_DDL)
    meta, text_rows = conn.query("SELECT * FROM all_types")
    assert meta.types == ["BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE",
                          "DECIMAL", "DECIMAL", "VARCHAR", "DATE", "TIMESTAMP", "INTERVAL"]
    assert meta.type_names[7] == "DECIMAL(15,2)"
    assert meta.type_names[8] == "DECIMAL(38,10)"
    assert text_rows[0][:7] == ["true", "-128", "-32768", "-2147483648", "-9223372036854775807", "1.5", "0.1"]
    assert text_rows[0][7:12] == ["-1234567890123.45", "-1234567890123456789012345678.0123456789", "hello",
                                  "1970-01-01", "2024-02-29 12:34:56.789012"]
    assert text_rows[1][6] == "1e+20"
    assert text_rows[2] == [None] * 13


def test_export_computed_expressions(conn):
    """Constants and computed columns (not only stored vectors) export with the right types."""
    table = conn.arrow("SELECT 42 AS i, 'x' || 'y' AS s, 1.25::DOUBLE * 2 AS f, NULL::DATE AS d, "
                       "CAST(3.5 AS DECIMAL(38,10)) AS big, 1 < 2 AS b")
    assert_schema(table, [("i", pa.int32()), ("s", pa.string()), ("f", pa.float64()),
                          ("d", pa.date32()), ("big", pa.decimal128(38, 10)), ("b", pa.bool_())])
    assert rows_of(table) == [[42, "xy", 2.5, None, Decimal("3.5"), True]]


@pytest.mark.parametrize("length", [0, 1, 11, 12, 13, 16, 100, 5000, 100_000])
def test_export_string_lengths(conn, length):
    """Inline (<= 12 bytes) and out-of-line string views, up to 100 KB."""
    value = ("abcdefghijklmnopqrstuvwxyzé" * (length // 27 + 1))[:length]
    conn.execute("CREATE TABLE s(v VARCHAR)")
    conn.execute(f"INSERT INTO s VALUES ('{value}'), (NULL), ('{value}')")
    table = conn.arrow("SELECT v FROM s")
    assert table.schema.field("v").type == pa.string()
    assert table.column("v").to_pylist() == [value, None, value]


def test_export_non_ascii_strings(conn):
    values = ["日本語テキスト", "Ελληνικά", "emoji 😀🎉 mixed", "a\tb\nc", "quote ' and \" both", "", "ÿ"]
    conn.execute("CREATE TABLE s(id INTEGER, v VARCHAR)")
    literals = ", ".join(f"({i}, '{v.replace(chr(39), chr(39) * 2)}')" for i, v in enumerate(values))
    conn.execute(f"INSERT INTO s VALUES {literals}")
    table = conn.arrow("SELECT v, length(v) AS n FROM s ORDER BY id")
    assert table.column("v").to_pylist() == values
    # length counts characters, not bytes
    assert table.column("n").to_pylist() == [len(v) for v in values]


def test_export_empty_result_keeps_schema(conn):
    conn.execute(ALL_TYPES_DDL)
    table = conn.arrow("SELECT * FROM all_types WHERE i4 = 12345")
    assert table.num_rows == 0
    assert_schema(table, ALL_TYPES_SCHEMA)
    table = conn.arrow("SELECT 1 AS x WHERE 1 = 0")
    assert table.num_rows == 0
    assert table.schema.names == ["x"]


def test_export_multi_batch(conn, duck):
    sql = ("SELECT n, n * 2 AS twice, 'row ' || n AS label, CAST(n AS DOUBLE) / 4 AS quarter "
           "FROM generate_series(1, 10000) AS g(n) ORDER BY n")
    table = conn.arrow(sql)
    assert table.num_rows == 10000
    assert table.column("n").type == pa.int64()
    assert table.column("n").to_pylist() == list(range(1, 10001))
    assert table.column("label").to_pylist() == [f"row {i}" for i in range(1, 10001)]
    assert table.column("quarter").to_pylist() == [i / 4 for i in range(1, 10001)]
    assert len(table.column("n").chunks) > 1, "10000 rows should span several batches"
    assert rows_of(table) == [list(r) for r in duck.execute(sql).fetchall()]


def test_export_filtered_batches(conn):
    """Filters leave selection vectors; only the selected rows may be exported."""
    table = conn.arrow("SELECT n, n::VARCHAR AS s FROM generate_series(1, 9000) AS g(n) WHERE n % 7 = 3")
    expected = [n for n in range(1, 9001) if n % 7 == 3]
    assert sorted(table.column("n").to_pylist()) == expected
    assert sorted(table.column("s").to_pylist(), key=int) == [str(n) for n in expected]


def test_export_stream_outlives_result(conn):
    """The stream owns its batches: reading it after sluice_result_free works."""
    table = conn.arrow("SELECT n, repeat('x', 20) || n AS s FROM generate_series(1, 5000) AS g(n)",
                       free_result_first=True)
    assert table.num_rows == 5000
    assert sorted(table.column("n").to_pylist()) == list(range(1, 5001))


def test_export_aggregates_match_duckdb(conn, duck):
    ddl = ("CREATE TABLE m AS SELECT n, n % 10 AS k, CAST(n AS DECIMAL(15,2)) / 8 AS price, "
           "CAST(n AS DOUBLE) * 0.5 AS x FROM generate_series(1, 5000) AS g(n)")
    conn.execute(ddl)
    duck.execute(ddl)
    sql = ("SELECT k, count(*) AS c, sum(n) AS s, min(price) AS lo, max(price) AS hi, sum(price) AS sp, "
           "avg(x) AS ax FROM m GROUP BY k ORDER BY k")
    ours = rows_of(conn.arrow(sql))
    theirs = [list(r) for r in duck.execute(sql).fetchall()]
    assert len(ours) == len(theirs) == 10
    for a, b in zip(ours, theirs):
        for x, y in zip(a, b):
            if isinstance(y, float):
                assert math.isclose(x, y, rel_tol=1e-12)
            else:
                assert x == y


# ------------------------------------------------------------------ import


def make_reader(table, max_chunksize=None):
    return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=max_chunksize))


def sample_table(n=5000):
    return pa.table({
        "id": pa.array(range(n), pa.int32()),
        "big": pa.array([i * 1_000_003 if i % 11 else None for i in range(n)], pa.int64()),
        "x": pa.array([i / 3 for i in range(n)], pa.float64()),
        "name": pa.array([None if i % 17 == 0 else f"name-{i % 100}-{'é' * (i % 5)}" for i in range(n)],
                         pa.string()),
        "flag": pa.array([i % 3 == 0 for i in range(n)], pa.bool_()),
        "day": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=i % 400) for i in range(n)], pa.date32()),
        "ts": pa.array([dt.datetime(2021, 5, 6, 7, 8, 9, i) for i in range(n)], pa.timestamp("us")),
        "amount": pa.array([Decimal(i) / 100 for i in range(n)], pa.decimal128(15, 2)),
    })


def test_register_round_trip(conn):
    source = sample_table()
    conn.register("arrow_t", make_reader(source, max_chunksize=1000))
    back = conn.arrow("SELECT * FROM arrow_t ORDER BY id")
    assert back.schema.names == source.schema.names
    assert [f.type for f in back.schema] == [f.type for f in source.schema]
    assert rows_of(back) == rows_of(source)


def test_register_data_survives_python_objects(conn):
    """Zero-copy imported buffers must stay alive after Python drops its references."""
    source = sample_table(3000)
    expected = rows_of(source)
    conn.register("arrow_t", make_reader(source, max_chunksize=700))
    del source
    gc.collect()
    back = conn.arrow("SELECT * FROM arrow_t ORDER BY id")
    assert rows_of(back) == expected


def test_register_aggregate_and_join_match_duckdb(conn, duck):
    facts = sample_table(6000)
    conn.register("facts", make_reader(facts, max_chunksize=1024))
    dims_ddl = "CREATE TABLE dims(k INTEGER, label VARCHAR)"
    dims_rows = "INSERT INTO dims VALUES " + ", ".join(f"({k}, 'label {k}')" for k in range(0, 7))
    for engine in (conn, duck):
        engine.execute(dims_ddl)
        engine.execute(dims_rows)
    duck.register("facts", facts)
    queries = [
        "SELECT count(*), count(big), sum(id), min(name), max(name), sum(amount), min(day), max(ts) FROM facts",
        "SELECT flag, count(*) AS c, sum(x) AS sx, avg(id) AS a FROM facts GROUP BY flag ORDER BY flag",
        "SELECT d.label, count(*) AS c, sum(f.amount) AS total FROM facts f JOIN dims d ON f.id % 10 = d.k "
        "GROUP BY d.label ORDER BY d.label",
        "SELECT name, count(*) FROM facts WHERE name LIKE 'name-4%' GROUP BY name ORDER BY name",
        "SELECT id, name FROM facts WHERE day = DATE '2020-02-01' ORDER BY id LIMIT 5",
    ]
    for sql in queries:
        ours = rows_of(conn.arrow(sql))
        theirs = [list(r) for r in duck.execute(sql).fetchall()]
        assert len(ours) == len(theirs), sql
        for a, b in zip(ours, theirs):
            for x, y in zip(a, b):
                if isinstance(y, float):
                    assert math.isclose(x, y, rel_tol=1e-9), sql
                else:
                    assert x == y, sql


def test_register_converted_layouts(conn):
    """Unsigned ints widen, other string encodings and time units convert."""
    source = pa.table({
        "u8": pa.array([0, 255, None], pa.uint8()),
        "u16": pa.array([0, 65535, None], pa.uint16()),
        "u32": pa.array([0, 4294967295, None], pa.uint32()),
        "u64": pa.array([0, 18446744073709551615, None], pa.uint64()),
        "ls": pa.array(["a", "long string beyond twelve bytes", None], pa.large_string()),
        "dict": pa.array(["x", "y", None]).dictionary_encode(),
        "ms": pa.array([0, 1_600_000_000_123, None], pa.timestamp("ms")),
        "ns": pa.array([0, 1_600_000_000_123_456_000, None], pa.timestamp("ns")),
        "d64": pa.array([0, 86_400_000 * 365, None], pa.date64()),
        "f32": pa.array([0.5, -1.25, None], pa.float32()),
        "i8": pa.array([-1, 127, None], pa.int8()),
    })
    conn.register("conv", make_reader(source))
    meta, rows = conn.query("SELECT * FROM conv")
    assert meta.type_names == ["SMALLINT", "INTEGER", "BIGINT", "DECIMAL(20,0)", "VARCHAR", "VARCHAR",
                               "TIMESTAMP", "TIMESTAMP", "DATE", "FLOAT", "TINYINT"]
    assert rows[0] == ["0", "0", "0", "0", "a", "x", "1970-01-01 00:00:00", "1970-01-01 00:00:00",
                       "1970-01-01", "0.5", "-1"]
    assert rows[1] == ["255", "65535", "4294967295", "18446744073709551615", "long string beyond twelve bytes",
                       "y", "2020-09-13 12:26:40.123", "2020-09-13 12:26:40.123456", "1971-01-01", "-1.25", "127"]
    assert rows[2] == [None] * 11


def test_register_empty_stream(conn):
    schema = pa.schema([("a", pa.int64()), ("s", pa.string())])
    conn.register("nothing", pa.RecordBatchReader.from_batches(schema, []))
    assert conn.rows("SELECT count(*), sum(a) FROM nothing") == [["0", None]]
    table = conn.arrow("SELECT * FROM nothing")
    assert table.num_rows == 0 and table.schema.names == ["a", "s"]


def test_register_sliced_arrays(conn):
    """Arrays with a non-zero offset (slices) import correctly."""
    base = sample_table(100)
    sliced = base.slice(37, 20)
    conn.register("sl", pa.RecordBatchReader.from_batches(sliced.schema, sliced.to_batches()))
    back = conn.arrow("SELECT * FROM sl ORDER BY id")
    assert rows_of(back) == rows_of(sliced)


@pytest.mark.parametrize("arrow_type,values", [
    (pa.list_(pa.int32()), [[1, 2], None]),
    (pa.struct([("a", pa.int32())]), [{"a": 1}, None]),
    (pa.binary(), [b"\x00\x01", None]),
    (pa.duration("s"), [dt.timedelta(seconds=5), None]),
    (pa.decimal256(50, 2), [Decimal("1.25"), None]),
    (pa.time64("us"), [dt.time(1, 2, 3), None]),
    (pa.map_(pa.string(), pa.int32()), [[("k", 1)], None]),
])
def test_register_unsupported_type_is_a_clear_error(conn, arrow_type, values):
    array = pa.array(values, arrow_type)
    table = pa.table({"ok": pa.array([1, 2], pa.int32()), "bad": array})
    with pytest.raises(SluiceError) as info:
        conn.register("bad_t", make_reader(table))
    message = info.value.message
    assert "bad" in message or str(arrow_type) in message or "type" in message.lower(), message
    # the connection still works and nothing was registered
    assert conn.rows("SELECT 1 + 1") == [["2"]]
    with pytest.raises(SluiceError):
        conn.rows("SELECT * FROM bad_t")


def test_register_stream_error_is_reported(conn):
    """A producer that fails mid-stream gives an error, not a crash or a half table."""
    schema = pa.schema([("a", pa.int64())])

    def batches():
        yield pa.record_batch([pa.array([1, 2, 3], pa.int64())], schema=schema)
        raise ValueError("producer broke")

    with pytest.raises(SluiceError):
        conn.register("broken", pa.RecordBatchReader.from_batches(schema, batches()))
    assert conn.rows("SELECT 42") == [["42"]]


def test_register_then_export_again(conn):
    """Imported data can be re-exported through a query result (and filtered on the way)."""
    source = sample_table(4000)
    conn.register("src", make_reader(source, max_chunksize=512))
    conn.execute("CREATE TABLE copy_t AS SELECT id, name, amount FROM src WHERE flag")
    back = conn.arrow("SELECT * FROM copy_t ORDER BY id")
    expected = [[r[0], r[3], r[7]] for r in rows_of(source) if r[4]]
    assert rows_of(back) == expected
