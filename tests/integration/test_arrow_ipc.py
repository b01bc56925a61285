"""test_arrow_ipc.py — Arrow IPC interop with pyarrow: files pyarrow writes (file and stream
format; every type Sluice reads; NULLs; dictionaries incl. deltas; LZ4 and ZSTD; several
batches) read by read_arrow / COPY FROM, and files Sluice writes (COPY TO, FORMAT arrow /
arrows, each compression) read by pyarrow with the same values and types."""
import datetime
import decimal

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from sluice_api import SluiceError


def sample_table(rows=3000):
    def nulls(values, every=7):
        return [None if i % every == 3 else v for i, v in enumerate(values)]
    r = range(rows)
    return pa.table({
        'b': pa.array(nulls([i % 3 == 0 for i in r]), pa.bool_()),
        'i8': pa.array(nulls([i % 128 for i in r]), pa.int8()),
        'i16': pa.array(nulls([i * 3 for i in r]), pa.int16()),
        'i32': pa.array(nulls([i * 1000 - 5 for i in r]), pa.int32()),
        'i64': pa.array(nulls([i << 33 for i in r]), pa.int64()),
        'u8': pa.array(nulls([i % 256 for i in r]), pa.uint8()),
        'u16': pa.array(nulls([i * 20 for i in r]), pa.uint16()),
        'u32': pa.array(nulls([i * 1000000 for i in r]), pa.uint32()),
        'f32': pa.array(nulls([i / 4 for i in r]), pa.float32()),
        'f64': pa.array(nulls([i / 3 for i in r]), pa.float64()),
        's': pa.array(nulls([f'str{i}' * (i % 5) for i in r]), pa.string()),
        'ls': pa.array(nulls([f'large{i}' for i in r]), pa.large_string()),
        'd32': pa.array(nulls([datetime.date(2000, 1, 1) + datetime.timedelta(days=i) for i in r]), pa.date32()),
        'ts_us': pa.array(nulls([datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=i, microseconds=i)
                                 for i in r]), pa.timestamp('us')),
        'ts_ms': pa.array(nulls([datetime.datetime(2020, 1, 1) + datetime.timedelta(milliseconds=i * 7)
                                 for i in r]), pa.timestamp('ms')),
        'ts_ns': pa.array(nulls([datetime.datetime(2020, 1, 1) + datetime.timedelta(microseconds=i * 3)
                                 for i in r]), pa.timestamp('ns')),
        'dec': pa.array(nulls([decimal.Decimal(i) / 100 for i in r]), pa.decimal128(12, 2)),
        'dec38': pa.array(nulls([decimal.Decimal(i) * 10**20 for i in r]), pa.decimal128(38, 0)),
        'dict': pa.array(nulls([f'k{i % 10}' for i in r])).dictionary_encode(),
    })


def expected_rows(t):
    """The values Sluice should return through its Arrow export: dictionaries decoded,
    large strings as strings, timestamps in microseconds (unsigned ints compare equal
    as Python ints after widening)."""
    cols = {}
    for name in t.column_names:
        col = t.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        elif pa.types.is_timestamp(col.type):
            col = col.cast(pa.timestamp('us'))
        cols[name] = col.to_pylist()
    return cols


def compare(conn, path, t):
    got = conn.arrow(f"SELECT * FROM read_arrow('{path}')")
    assert got.num_rows == t.num_rows
    want = expected_rows(t)
    for name in t.column_names:
        g = got.column(name).to_pylist()
        assert g == want[name], name


FORMATS = [('file', 'arrow'), ('stream', 'arrows')]
CODECS = [None, 'lz4', 'zstd']


@pytest.mark.parametrize('kind,ext', FORMATS)
@pytest.mark.parametrize('codec', CODECS)
def test_read_pyarrow_files(conn, tmp_path, kind, ext, codec):
    t = sample_table()
    path = tmp_path / f'x.{ext}'
    opts = ipc.IpcWriteOptions(compression=codec)
    writer = ipc.new_file if kind == 'file' else ipc.new_stream
    with writer(str(path), t.schema, options=opts) as w:
        for b in t.to_batches(max_chunksize=700):   # several record batches
            w.write_batch(b)
    compare(conn, path, t)


def test_read_feather_and_glob(conn, tmp_path):
    import pyarrow.feather as feather
    t = sample_table(500)
    feather.write_feather(t, str(tmp_path / 'a.feather'))
    feather.write_feather(t, str(tmp_path / 'b.feather'), compression='zstd')
    non_null = 2 * (t.num_rows - t.column('s').null_count)
    assert conn.rows(f"SELECT count(*), count(s) FROM read_arrow('{tmp_path}/*.feather')") == [['1000', str(non_null)]]


def test_delta_and_replacement_dictionaries(conn, tmp_path):
    schema = pa.schema([('k', pa.dictionary(pa.int16(), pa.string())), ('v', pa.int32())])
    b1 = pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([0, 1, None], pa.int16()), ['a', 'b']),
                          pa.array([1, 2, 3], pa.int32())], schema=schema)
    b2 = pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([2, 0, 1], pa.int16()), ['a', 'b', 'c']),
                          pa.array([4, 5, 6], pa.int32())], schema=schema)
    for kind in ('file', 'stream'):
        path = tmp_path / f'd.{kind}'
        opts = ipc.IpcWriteOptions(emit_dictionary_deltas=True)
        writer = ipc.new_file if kind == 'file' else ipc.new_stream
        with writer(str(path), schema, options=opts) as w:
            w.write_batch(b1)
            w.write_batch(b2)
        assert conn.rows(f"SELECT k, v FROM read_arrow('{path}') ORDER BY v") == [
            ['a', '1'], ['b', '2'], [None, '3'], ['c', '4'], ['a', '5'], ['b', '6']]
    # stream replacement (not a delta)
    b3 = pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int16()), ['x', 'y']),
                          pa.array([7, 8, 9], pa.int32())], schema=schema)
    path = tmp_path / 'r.arrows'
    with ipc.new_stream(str(path), schema) as w:
        w.write_batch(b1)
        w.write_batch(b3)
    assert conn.rows(f"SELECT k FROM read_arrow('{path}') ORDER BY v") == [['a'], ['b'], [None], ['x'], ['y'], ['x']]


@pytest.mark.parametrize('fmt,ext', [('arrow', 'arrow'), ('arrows', 'arrows')])
@pytest.mark.parametrize('codec', ['none', 'lz4', 'zstd'])
def test_pyarrow_reads_sluice_files(conn, tmp_path, fmt, ext, codec):
    conn.execute("""CREATE TABLE t AS SELECT i, i % 2 = 0 AS b, CAST(i % 100 AS TINYINT) AS i8,
        CAST(i % 30000 AS SMALLINT) AS i16, CAST(i * 7 AS INTEGER) AS i32, CAST(i AS BIGINT) * 1000000000 AS i64,
        CAST(i AS REAL) / 2 AS f32, CAST(i AS DOUBLE) / 3 AS f64, CAST(i AS DECIMAL(12,2)) / 100 AS dec,
        CAST(i AS DECIMAL(30,0)) * 1000000000000 AS dec30, 'v' || CAST(i AS VARCHAR) AS s,
        DATE '2000-01-01' + CAST(i AS INTEGER) AS dt, TIMESTAMP '2020-01-01 00:00:00' + INTERVAL '1 second' * i AS ts,
        INTERVAL '1 month' * i AS iv
        FROM range(0, 100000) r(i)""")
    conn.execute("INSERT INTO t (i) VALUES (NULL)")
    path = tmp_path / f'out.{ext}'
    conn.execute(f"COPY t TO '{path}' (FORMAT {fmt}, COMPRESSION {codec})")
    reader = ipc.open_file(str(path)) if fmt == 'arrow' else ipc.open_stream(str(path))
    got = reader.read_all()
    want = conn.arrow("SELECT * FROM t")
    assert got.schema.equals(want.schema, check_metadata=False), (got.schema, want.schema)
    assert got.num_rows == 100001
    assert got.equals(want)
    assert got.column('s').null_count == 1
    # and back
    assert conn.rows(f"SELECT count(*), sum(i32), count(iv) FROM read_arrow('{path}')") == [['100001', '34999650000', '100000']]


def test_corrupt_files_error(conn, tmp_path):
    t = sample_table(100)
    path = tmp_path / 'ok.arrow'
    with ipc.new_file(str(path), t.schema) as w:
        w.write_table(t)
    data = path.read_bytes()
    bad = tmp_path / 'bad.arrow'
    bad.write_bytes(data[:len(data) // 2])
    with pytest.raises(SluiceError, match='bad.arrow'):
        conn.rows(f"SELECT * FROM read_arrow('{bad}')")
    big = bytearray(data)
    big[-10:-6] = (10**6).to_bytes(4, 'little')   # footer length beyond the file
    bad.write_bytes(bytes(big))
    with pytest.raises(SluiceError, match='footer'):
        conn.rows(f"SELECT * FROM read_arrow('{bad}')")


def test_unsupported_type_names_column(conn, tmp_path):
    t = pa.table({'a': pa.array([1], pa.int32()), 'bin': pa.array([b'x'], pa.binary())})
    path = tmp_path / 'u.arrow'
    with ipc.new_file(str(path), t.schema) as w:
        w.write_table(t)
    with pytest.raises(SluiceError, match='bin'):
        conn.rows(f"SELECT * FROM read_arrow('{path}')")
