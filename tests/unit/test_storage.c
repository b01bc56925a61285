/*
 * test_storage.c — persistent databases (src/storage): every column type with NULLs and
 * long strings survives close + reopen, a torn or uncommitted tail is cut back to the
 * last COMMIT, a damaged byte in committed data or the manifest is a clear IO error,
 * DROP / CREATE OR REPLACE never mix data files, a second open of the directory is
 * refused while the first holds its lock, and a write failure reports "not persisted".
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "common/alloc.h"
#include "sluice.h"
#include "vector/arrow.h"

static char root[256];
static int dir_counter;

/* A fresh (not yet existing) database directory path under the test's temp root. */
static void fresh_dir(char *out, size_t cap)
{
    snprintf(out, cap, "%s/db%d", root, ++dir_counter);
}

static sluice_database *open_db(const char *path, sluice_connection **conn)
{
    sluice_database *db = NULL;
    char *msg = NULL;
    sluice_status st = sluice_open(path, &db, &msg);
    if (st != SLUICE_OK) {
        fprintf(stderr, "open %s failed: %s\n", path, msg ? msg : "?");
        sluice_free(msg);
        return NULL;
    }
    CHECK(sluice_connect(db, conn) == SLUICE_OK);
    return db;
}

static void close_db(sluice_database *db, sluice_connection *conn)
{
    sluice_disconnect(conn);
    sluice_close(db);
}

static bool exec_ok(sluice_connection *conn, const char *sql)
{
    if (sluice_query(conn, sql, NULL) == SLUICE_OK)
        return true;
    fprintf(stderr, "query failed: %s\n  %s\n", sluice_connection_error(conn), sql);
    return false;
}

/* Every row of the query as text ("a|b|NULL\n" ...), sl_malloc'd; NULL on failure. */
static char *dump(sluice_connection *conn, const char *sql)
{
    sluice_result *r = NULL;
    if (sluice_query(conn, sql, &r) != SLUICE_OK) {
        fprintf(stderr, "query failed: %s\n  %s\n", sluice_connection_error(conn), sql);
        return NULL;
    }
    size_t size = 0, cap = 1024;
    char *text = sl_malloc(cap);
    text[0] = 0;
    uint32_t columns = sluice_result_column_count(r);
    sluice_chunk *chunk = NULL;
    char value[8192];
    while (sluice_result_fetch(r, &chunk) == SLUICE_OK && chunk) {
        for (uint64_t row = 0; row < sluice_chunk_row_count(chunk); row++) {
            for (uint32_t c = 0; c < columns; c++) {
                if (sluice_chunk_is_null(chunk, c, row))
                    snprintf(value, sizeof value, "NULL");
                else
                    sluice_chunk_value_text(chunk, c, row, value, sizeof value);
                size_t n = strlen(value) + 2;
                while (size + n + 1 > cap)
                    text = sl_realloc(text, cap *= 2);
                size += snprintf(text + size, cap - size, "%s%s", value, c + 1 == columns ? "\n" : "|");
            }
        }
        sluice_chunk_free(chunk);
    }
    sluice_result_free(r);
    return text;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int count_data_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, "t_", 2) == 0;
    if (d)
        closedir(d);
    return n;
}

static const char *all_types_sql =
    "CREATE TABLE t(a INTEGER NOT NULL, b VARCHAR, c DECIMAL(30,5), d DECIMAL(10,2), e DATE, f TIMESTAMP, "
    "g INTERVAL, h BOOLEAN, i DOUBLE, j REAL, k TINYINT, l SMALLINT, m BIGINT);"
    "INSERT INTO t VALUES (1, 'short', 12345.6789, 3.14, DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.123456', "
    "INTERVAL '1 year 3 days', true, 1.5, 2.5, -1, 300, 9000000000),"
    "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
    "(3, '', -0.00001, -99999999.99, DATE '1969-12-31', TIMESTAMP '1900-01-01 00:00:00', INTERVAL '-5 seconds', "
    "false, -0.0, 1e30, 127, -32768, -9223372036854775807);";

static void test_round_trip(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    CHECK(db != NULL);
    if (!db)
        return;
    CHECK(exec_ok(conn, all_types_sql));
    CHECK(exec_ok(conn, "INSERT INTO t SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE repeat('long string ', i % 40) END, "
                        "i * 1.5, i, DATE '2000-01-01' + CAST(i AS INTEGER), NULL, NULL, i % 2 = 0, i / 3.0, i, NULL, i % 1000, i * i "
                        "FROM generate_series(10, 6000) g(i)"));
    CHECK(exec_ok(conn, "INSERT INTO t (a, b) VALUES (7000, repeat('z', 100000))"));
    CHECK(exec_ok(conn, "CREATE TABLE empty(x INTEGER, y VARCHAR)"));
    CHECK(exec_ok(conn, "CREATE TABLE copy AS SELECT a, b FROM t WHERE a % 3 = 0"));
    CHECK(exec_ok(conn, "CREATE VIEW \"odd view\"(n, s) AS SELECT a, b\nFROM t WHERE a < 3"));
    const char *queries[] = { "SELECT * FROM t ORDER BY a", "SELECT * FROM copy ORDER BY a",
                              "SELECT count(*) FROM empty", "SELECT * FROM \"odd view\" ORDER BY n" };
    char *before[4];
    for (int q = 0; q < 4; q++)
        before[q] = dump(conn, queries[q]);
    close_db(db, conn);

    db = open_db(dir, &conn);
    CHECK(db != NULL);
    if (!db)
        return;
    for (int q = 0; q < 4; q++) {
        char *after = dump(conn, queries[q]);
        CHECK(before[q] && after && strcmp(before[q], after) == 0);
        sl_free(after);
    }
    char *names = dump(conn, "SELECT n, s FROM \"odd view\" ORDER BY 1");
    CHECK_EQ_STR(names, "1|short\n2|NULL\n");
    sl_free(names);
    /* appends after a reopen go to the same file and survive another reopen */
    CHECK(exec_ok(conn, "INSERT INTO empty VALUES (1, 'one'), (NULL, NULL)"));
    close_db(db, conn);
    db = open_db(dir, &conn);
    CHECK(db != NULL);
    if (!db)
        return;
    char *rows = dump(conn, "SELECT * FROM empty ORDER BY x NULLS LAST");
    CHECK_EQ_STR(rows, "1|one\nNULL|NULL\n");
    sl_free(rows);
    char *after = dump(conn, queries[0]);
    CHECK(after && before[0] && strcmp(before[0], after) == 0);
    sl_free(after);
    /* NOT NULL survives */
    CHECK(sluice_query(conn, "INSERT INTO t (a) VALUES (NULL)", NULL) == SLUICE_ERROR_CONSTRAINT);
    close_db(db, conn);
    for (int q = 0; q < 4; q++)
        sl_free(before[q]);
}

/* Two committed statements, then cut the file inside the second one's records. */
static void test_torn_tail(void)
{
    char dir[300], data[400];
    fresh_dir(dir, sizeof dir);
    snprintf(data, sizeof data, "%s/t_1.data", dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "CREATE TABLE t(a INTEGER, b VARCHAR)"));
    CHECK(exec_ok(conn, "INSERT INTO t SELECT i, 'row ' || i FROM generate_series(1, 3000) g(i)"));
    long first = file_size(data);
    CHECK(exec_ok(conn, "INSERT INTO t SELECT i, 'row ' || i FROM generate_series(3001, 5000) g(i)"));
    long second = file_size(data);
    close_db(db, conn);
    CHECK(first > 0 && second > first);

    long cuts[] = { second - 5, first + 30, first + 1 };
    for (int i = 0; i < 3; i++) {
        CHECK(truncate(data, cuts[i]) == 0);
        db = open_db(dir, &conn);
        CHECK(db != NULL);
        if (!db)
            return;
        char *rows = dump(conn, "SELECT count(*), max(a) FROM t");
        CHECK_EQ_STR(rows, "3000|3000\n");
        sl_free(rows);
        CHECK_EQ_INT(file_size(data), first);     /* cut back to the last COMMIT */
        close_db(db, conn);
    }
    /* the database keeps working after recovery */
    db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "INSERT INTO t VALUES (9, 'nine')"));
    close_db(db, conn);
    db = open_db(dir, &conn);
    if (!db)
        return;
    char *rows = dump(conn, "SELECT count(*) FROM t");
    CHECK_EQ_STR(rows, "3001\n");
    sl_free(rows);
    close_db(db, conn);
}

static void flip_byte(const char *path, long offset)
{
    int fd = open(path, O_RDWR);
    unsigned char b = 0;
    CHECK(fd >= 0 && pread(fd, &b, 1, offset) == 1);
    b ^= 0x5a;
    CHECK(pwrite(fd, &b, 1, offset) == 1);
    close(fd);
}

static void expect_open_error(const char *dir, const char *needle1, const char *needle2)
{
    sluice_database *db = NULL;
    char *msg = NULL;
    CHECK(sluice_open(dir, &db, &msg) == SLUICE_ERROR_IO);
    CHECK(db == NULL);
    CHECK(msg && strstr(msg, needle1) != NULL);
    CHECK(msg && strstr(msg, needle2) != NULL);
    if (msg && (!strstr(msg, needle1) || !strstr(msg, needle2)))
        fprintf(stderr, "  message was: %s\n", msg);
    sluice_free(msg);
}

static void test_corruption(void)
{
    char dir[300], data[400], manifest[400];
    fresh_dir(dir, sizeof dir);
    snprintf(data, sizeof data, "%s/t_1.data", dir);
    snprintf(manifest, sizeof manifest, "%s/manifest", dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "CREATE TABLE t(a INTEGER, b VARCHAR)"));
    CHECK(exec_ok(conn, "INSERT INTO t VALUES (1, 'one'), (2, 'two')"));
    CHECK(exec_ok(conn, "INSERT INTO t VALUES (3, 'three')"));
    close_db(db, conn);

    /* a byte inside the first chunk (header: 8 + 4 + 4 + 2*4 + 8 = 32 bytes) */
    flip_byte(data, 32 + 16 + 10);
    expect_open_error(dir, "t_1.data", "damaged at offset 32");
    flip_byte(data, 32 + 16 + 10);
    /* the record header's length field */
    flip_byte(data, 32 + 9);
    expect_open_error(dir, "t_1.data", "offset 32");
    flip_byte(data, 32 + 9);
    /* the data file header */
    flip_byte(data, 17);
    expect_open_error(dir, "t_1.data", "offset");
    flip_byte(data, 17);
    /* the manifest */
    flip_byte(manifest, 25);
    expect_open_error(dir, "manifest", "checksum mismatch");
    flip_byte(manifest, 25);
    long size = file_size(manifest);
    char saved[8192];
    FILE *f = fopen(manifest, "rb");
    size_t n = f ? fread(saved, 1, sizeof saved, f) : 0;
    if (f)
        fclose(f);
    CHECK(n == (size_t)size);
    CHECK(truncate(manifest, size - 10) == 0);
    expect_open_error(dir, "manifest", "offset");
    f = fopen(manifest, "wb");
    if (f) {
        fwrite(saved, 1, n, f);
        fclose(f);
    }
    /* a data file the manifest lists is missing */
    char moved[450];
    snprintf(moved, sizeof moved, "%s.moved", data);
    CHECK(rename(data, moved) == 0);
    expect_open_error(dir, "t_1.data", "No such file");
    CHECK(rename(moved, data) == 0);
    /* everything restored: the database opens with its rows */
    db = open_db(dir, &conn);
    CHECK(db != NULL);
    if (db) {
        char *rows = dump(conn, "SELECT count(*) FROM t");
        CHECK_EQ_STR(rows, "3\n");
        sl_free(rows);
        close_db(db, conn);
    }

    /* a non-database directory and a plain file are refused */
    char other[300];
    fresh_dir(other, sizeof other);
    mkdir(other, 0777);
    char stray[400];
    snprintf(stray, sizeof stray, "%s/notes.txt", other);
    FILE *s = fopen(stray, "w");
    if (s)
        fclose(s);
    expect_open_error(other, "not empty", "notes.txt");
    expect_open_error(stray, "notes.txt", "not a directory");
}

static void test_drop_recreate(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "CREATE TABLE t(a INTEGER); INSERT INTO t VALUES (1), (2), (3)"));
    CHECK(exec_ok(conn, "DROP TABLE t"));
    CHECK(exec_ok(conn, "CREATE TABLE t(x VARCHAR, y INTEGER); INSERT INTO t VALUES ('a', 1)"));
    CHECK(exec_ok(conn, "CREATE TABLE r AS SELECT 1 AS one"));
    CHECK(exec_ok(conn, "CREATE OR REPLACE TABLE r AS SELECT 'two' AS two, 2.5 AS half"));
    CHECK(exec_ok(conn, "CREATE OR REPLACE TABLE r AS SELECT 'three' AS two, 3.5 AS half"));
    CHECK(exec_ok(conn, "CREATE TABLE gone(a INTEGER); INSERT INTO gone VALUES (1); DROP TABLE gone"));
    CHECK(exec_ok(conn, "CREATE VIEW v AS SELECT 1 AS a; CREATE OR REPLACE VIEW v AS SELECT 2 AS b"));
    CHECK(exec_ok(conn, "CREATE VIEW w AS SELECT 1; DROP VIEW w"));
    CHECK_EQ_INT(count_data_files(dir), 2);
    close_db(db, conn);

    db = open_db(dir, &conn);
    if (!db)
        return;
    char *rows = dump(conn, "SELECT * FROM t");
    CHECK_EQ_STR(rows, "a|1\n");
    sl_free(rows);
    rows = dump(conn, "SELECT * FROM r");
    CHECK_EQ_STR(rows, "three|3.5\n");
    sl_free(rows);
    rows = dump(conn, "SELECT b FROM v");
    CHECK_EQ_STR(rows, "2\n");
    sl_free(rows);
    CHECK(sluice_query(conn, "SELECT * FROM gone", NULL) == SLUICE_ERROR_CATALOG);
    CHECK(sluice_query(conn, "SELECT * FROM w", NULL) == SLUICE_ERROR_CATALOG);
    CHECK_EQ_INT(count_data_files(dir), 2);
    close_db(db, conn);
}

static void test_lock(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    expect_open_error(dir, "already open in another process", "lock");
    close_db(db, conn);
    db = open_db(dir, &conn);      /* the lock went with the first handle */
    CHECK(db != NULL);
    if (db)
        close_db(db, conn);
    /* :memory: and NULL stay in-memory */
    db = open_db(":memory:", &conn);
    CHECK(db != NULL);
    if (db)
        close_db(db, conn);
}

/* A write refused by the file system (RLIMIT_FSIZE) is an IO error saying the change is
 * in memory only; the next statement retries and persists it. */
static void test_write_failure(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "CREATE TABLE t(a INTEGER, b VARCHAR)"));
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, small;
    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 4096;
    setrlimit(RLIMIT_FSIZE, &small);
    sluice_status st = sluice_query(conn, "INSERT INTO t SELECT i, repeat('x', 100) FROM generate_series(1, 1000) g(i)", NULL);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(st == SLUICE_ERROR_IO);
    CHECK(strstr(sluice_connection_error(conn), "t_1.data") != NULL);
    CHECK(strstr(sluice_connection_error(conn), "in memory but not persisted") != NULL);
    CHECK(exec_ok(conn, "INSERT INTO t VALUES (0, 'zero')"));
    close_db(db, conn);
    db = open_db(dir, &conn);
    if (!db)
        return;
    char *rows = dump(conn, "SELECT count(*) FROM t");
    CHECK_EQ_STR(rows, "1001\n");
    sl_free(rows);
    close_db(db, conn);
}

/* A table registered from an Arrow stream is persisted like one made by SQL. */
static void test_arrow_registration(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *mem_conn, *conn;
    sluice_database *mem = open_db(":memory:", &mem_conn);
    sluice_database *db = open_db(dir, &conn);
    if (!mem || !db)
        return;
    sluice_result *r = NULL;
    CHECK(sluice_query(mem_conn, "SELECT i AS id, CASE WHEN i % 3 = 0 THEN NULL ELSE 'name ' || i END AS name "
                                 "FROM generate_series(1, 5000) g(i)", &r) == SLUICE_OK);
    struct ArrowArrayStream stream;
    memset(&stream, 0, sizeof stream);
    CHECK(r && sluice_result_arrow_stream(r, &stream) == SLUICE_OK);
    CHECK(sluice_register_arrow_stream(conn, "imported", &stream) == SLUICE_OK);
    sluice_result_free(r);
    char *before = dump(conn, "SELECT count(*), count(name), sum(id), max(name) FROM imported");
    close_db(db, conn);
    close_db(mem, mem_conn);
    db = open_db(dir, &conn);
    if (!db)
        return;
    char *after = dump(conn, "SELECT count(*), count(name), sum(id), max(name) FROM imported");
    CHECK_EQ_STR(after, "5000|3334|12502500|name 998\n");
    CHECK(before && after && strcmp(before, after) == 0);
    sl_free(before);
    sl_free(after);
    close_db(db, conn);
}

/* Reopening fails cleanly (OOM, nothing leaked, directory unlocked) when the Nth
 * allocation fails, for every N until the open succeeds. */
static void test_open_allocation_failures(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir);
    sluice_connection *conn;
    sluice_database *db = open_db(dir, &conn);
    if (!db)
        return;
    CHECK(exec_ok(conn, "CREATE TABLE t(a INTEGER, b VARCHAR); INSERT INTO t SELECT i, repeat('y', i % 30) "
                        "FROM generate_series(1, 3000) g(i); CREATE VIEW v(x) AS SELECT a FROM t"));
    close_db(db, conn);
    bool opened = false;
    for (int64_t n = 1; n < 100000 && !opened; n++) {
        sluice_database *again = NULL;
        char *msg = NULL;
        sl_alloc_fail_after(n);
        sluice_status st = sluice_open(dir, &again, &msg);
        sl_alloc_fail_after(0);
        if (st == SLUICE_OK) {
            opened = true;
            sluice_connection *c2;
            CHECK(sluice_connect(again, &c2) == SLUICE_OK);
            char *rows = dump(c2, "SELECT count(*), count(x) FROM t, v WHERE t.a = v.x");
            CHECK_EQ_STR(rows, "3000|3000\n");
            sl_free(rows);
            close_db(again, c2);
        } else {
            CHECK(st == SLUICE_ERROR_OOM || st == SLUICE_ERROR_IO);
            CHECK(again == NULL);
            sluice_free(msg);
        }
    }
    CHECK(opened);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/sluice_test_storage_XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK_RUN(test_round_trip);
    CHECK_RUN(test_torn_tail);
    CHECK_RUN(test_corruption);
    CHECK_RUN(test_drop_recreate);
    CHECK_RUN(test_lock);
    CHECK_RUN(test_write_failure);
    CHECK_RUN(test_arrow_registration);
    CHECK_RUN(test_open_allocation_failures);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return CHECK_EXIT_CODE();
}
