"""sluice_api.py — a small ctypes binding of include/sluice.h for the integration tests.

It loads build/release/libsluice.so (override with the SLUICE_LIB environment variable) and
wraps a database + connection. Rows come back either as text (sluice_chunk_value_text, the
CSV rendering contract) or as a pyarrow Table through sluice_result_arrow_stream; pyarrow
readers register as tables through sluice_register_arrow_stream.

The Arrow C Stream struct is declared with ctypes (five pointers, per the Arrow C Stream
Interface) so no cffi is needed: pyarrow's _import_from_c / _export_to_c take its address.
"""
import ctypes
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LIBRARY = Path(os.environ.get("SLUICE_LIB", ROOT / "build" / "release" / "libsluice.so"))
SHELL = Path(os.environ.get("SLUICE_BIN", ROOT / "build" / "release" / "sluice"))

SLUICE_OK = 0
STATUS_NAMES = ["OK", "SYNTAX", "CATALOG", "TYPE", "RUNTIME", "INVALID_INPUT", "IO", "OOM",
                "CONSTRAINT", "CANCELLED", "INVALID_ARGUMENT", "INTERNAL"]
TYPE_NAMES = ["INVALID", "NULL", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL",
              "DOUBLE", "DECIMAL", "VARCHAR", "DATE", "TIMESTAMP", "INTERVAL"]


class ArrowArrayStream(ctypes.Structure):
    """struct ArrowArrayStream of the Arrow C Stream Interface."""
    _fields_ = [("get_schema", ctypes.c_void_p), ("get_next", ctypes.c_void_p),
                ("get_last_error", ctypes.c_void_p), ("release", ctypes.c_void_p),
                ("private_data", ctypes.c_void_p)]


_RELEASE = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


class SluiceError(Exception):
    def __init__(self, status, message, offset):
        super().__init__(message)
        self.status = status
        self.status_name = STATUS_NAMES[status] if 0 <= status < len(STATUS_NAMES) else str(status)
        self.message = message
        self.offset = offset


_lib = None


def library():
    """Loads libsluice.so once and declares the signatures used here."""
    global _lib
    if _lib is not None:
        return _lib
    lib = ctypes.CDLL(str(LIBRARY))
    vp = ctypes.c_void_p
    sigs = {
        "sluice_version": ([], ctypes.c_char_p),
        "sluice_open": ([ctypes.c_char_p, ctypes.POINTER(vp), ctypes.POINTER(vp)], ctypes.c_int),
        "sluice_close": ([vp], None),
        "sluice_connect": ([vp, ctypes.POINTER(vp)], ctypes.c_int),
        "sluice_disconnect": ([vp], None),
        "sluice_connection_error": ([vp], ctypes.c_char_p),
        "sluice_connection_error_offset": ([vp], ctypes.c_int),
        "sluice_query": ([vp, ctypes.c_char_p, ctypes.POINTER(vp)], ctypes.c_int),
        "sluice_result_free": ([vp], None),
        "sluice_result_returns_rows": ([vp], ctypes.c_bool),
        "sluice_result_column_count": ([vp], ctypes.c_uint32),
        "sluice_result_column_name": ([vp, ctypes.c_uint32], ctypes.c_char_p),
        "sluice_result_column_type": ([vp, ctypes.c_uint32], ctypes.c_int),
        "sluice_result_column_type_name": ([vp, ctypes.c_uint32], ctypes.c_char_p),
        "sluice_result_fetch": ([vp, ctypes.POINTER(vp)], ctypes.c_int),
        "sluice_chunk_row_count": ([vp], ctypes.c_uint64),
        "sluice_chunk_is_null": ([vp, ctypes.c_uint32, ctypes.c_uint64], ctypes.c_bool),
        "sluice_chunk_value_text": ([vp, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t],
                                    ctypes.c_size_t),
        "sluice_chunk_free": ([vp], None),
        "sluice_result_arrow_stream": ([vp, vp], ctypes.c_int),
        "sluice_register_arrow_stream": ([vp, ctypes.c_char_p, vp], ctypes.c_int),
        "sluice_free": ([vp], None),
    }
    for name, (args, res) in sigs.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = res
    _lib = lib
    return lib


class Result:
    """Column metadata of a result (names, type ids, SQL type names)."""

    def __init__(self, names, types, type_names):
        self.names = names
        self.types = types
        self.type_names = type_names


class Connection:
    """An in-memory database with one connection. Use as a context manager or call close()."""

    def __init__(self):
        lib = library()
        self.lib = lib
        self.db = ctypes.c_void_p()
        err = ctypes.c_void_p()
        if lib.sluice_open(None, ctypes.byref(self.db), ctypes.byref(err)) != SLUICE_OK:
            msg = ctypes.cast(err, ctypes.c_char_p).value
            lib.sluice_free(err)
            raise RuntimeError(f"sluice_open failed: {msg!r}")
        self.conn = ctypes.c_void_p()
        if lib.sluice_connect(self.db, ctypes.byref(self.conn)) != SLUICE_OK:
            lib.sluice_close(self.db)
            raise RuntimeError("sluice_connect failed")

    def close(self):
        if self.conn:
            self.lib.sluice_disconnect(self.conn)
            self.conn = ctypes.c_void_p()
        if self.db:
            self.lib.sluice_close(self.db)
            self.db = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _error(self, status):
        lib = self.lib
        return SluiceError(status, lib.sluice_connection_error(self.conn).decode(errors="replace"),
                           lib.sluice_connection_error_offset(self.conn))

    def _run(self, sql):
        result = ctypes.c_void_p()
        st = self.lib.sluice_query(self.conn, sql.encode(), ctypes.byref(result))
        if st != SLUICE_OK:
            raise self._error(st)
        return result

    def _meta(self, result):
        lib = self.lib
        n = lib.sluice_result_column_count(result)
        return Result([lib.sluice_result_column_name(result, i).decode() for i in range(n)],
                      [TYPE_NAMES[lib.sluice_result_column_type(result, i)] for i in range(n)],
                      [lib.sluice_result_column_type_name(result, i).decode() for i in range(n)])

    def execute(self, sql):
        """Runs statements, discarding any result."""
        result = self._run(sql)
        if result:
            self.lib.sluice_result_free(result)

    def query(self, sql):
        """Runs sql; returns (Result metadata, rows as lists of text or None)."""
        lib = self.lib
        result = self._run(sql)
        if not result:
            return Result([], [], []), []
        try:
            meta = self._meta(result)
            ncols = len(meta.names)
            rows = []
            buf = ctypes.create_string_buffer(256)
            while True:
                chunk = ctypes.c_void_p()
                st = lib.sluice_result_fetch(result, ctypes.byref(chunk))
                if st != SLUICE_OK:
                    raise self._error(st)
                if not chunk:
                    break
                for r in range(lib.sluice_chunk_row_count(chunk)):
                    row = []
                    for c in range(ncols):
                        if lib.sluice_chunk_is_null(chunk, c, r):
                            row.append(None)
                            continue
                        n = lib.sluice_chunk_value_text(chunk, c, r, buf, len(buf))
                        if n >= len(buf):
                            buf = ctypes.create_string_buffer(n + 1)
                            lib.sluice_chunk_value_text(chunk, c, r, buf, len(buf))
                        row.append(buf.raw[:n].decode())
                    rows.append(row)
                lib.sluice_chunk_free(chunk)
            return meta, rows
        finally:
            lib.sluice_result_free(result)

    def rows(self, sql):
        return self.query(sql)[1]

    def arrow(self, sql, free_result_first=False):
        """Runs sql and returns its result as a pyarrow Table read from the Arrow C stream.
        With free_result_first the result handle is freed before the stream is read (the
        stream must own its data)."""
        import pyarrow as pa
        lib = self.lib
        result = self._run(sql)
        assert result, "statement produced no result"
        stream = ArrowArrayStream()
        try:
            st = lib.sluice_result_arrow_stream(result, ctypes.addressof(stream))
            if st != SLUICE_OK:
                raise self._error(st)
            reader = pa.RecordBatchReader._import_from_c(ctypes.addressof(stream))
        except BaseException:
            lib.sluice_result_free(result)
            raise
        if free_result_first:
            lib.sluice_result_free(result)
            return reader.read_all()
        try:
            return reader.read_all()
        finally:
            lib.sluice_result_free(result)

    def register(self, name, reader):
        """Registers a pyarrow RecordBatchReader (or Table) as table `name`."""
        import pyarrow as pa
        if isinstance(reader, pa.Table):
            reader = pa.RecordBatchReader.from_batches(reader.schema, reader.to_batches())
        stream = ArrowArrayStream()
        reader._export_to_c(ctypes.addressof(stream))
        st = self.lib.sluice_register_arrow_stream(self.conn, name.encode(), ctypes.addressof(stream))
        if stream.release:
            # not consumed (an error path): release it ourselves so nothing leaks
            _RELEASE(stream.release)(ctypes.addressof(stream))
        if st != SLUICE_OK:
            raise self._error(st)
