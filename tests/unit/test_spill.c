/*
 * test_spill.c — unit tests for spill files (src/exec/spill.c): round trips of every
 * type with NULLs, long strings, selection vectors and change columns, empty batches,
 * many batches over several write blocks, rewind + re-read, the counters in exec->spill,
 * the memory charge, and the error paths (a temp_directory that cannot be created, a
 * write that fails because the file may not grow, reading before finishing).
 */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "exec/spill.h"

static char temp_dir[256];

static void exec_init(sl_exec_context *exec, sl_memory *memory)
{
    memset(exec, 0, sizeof *exec);
    sl_memory_init(memory, (int64_t)1 << 40);
    exec->memory = memory;
    exec->temp_directory = temp_dir;
}

static const sl_type_id all_ids[] = { SL_TYPE_BOOLEAN, SL_TYPE_TINYINT, SL_TYPE_SMALLINT, SL_TYPE_INTEGER,
                                      SL_TYPE_BIGINT,  SL_TYPE_REAL,    SL_TYPE_DOUBLE,   SL_TYPE_VARCHAR,
                                      SL_TYPE_DATE,    SL_TYPE_TIMESTAMP, SL_TYPE_INTERVAL };
#define ALL_FIXED (sizeof all_ids / sizeof all_ids[0])
#define ALL_COLUMNS (ALL_FIXED + 3)   /* + DECIMAL(10,2), DECIMAL(30,5), NULL */

static void all_types(sl_type *types)
{
    for (size_t i = 0; i < ALL_FIXED; i++)
        types[i] = sl_type_make(all_ids[i]);
    types[ALL_FIXED] = sl_type_decimal(10, 2);
    types[ALL_FIXED + 1] = sl_type_decimal(30, 5);
    types[ALL_FIXED + 2] = sl_type_make(SL_TYPE_NULL);
}

/* Deterministic value of row r (seed distinguishes batches); NULL when (r + seed) % 7 == 3. */
static bool is_null_at(uint32_t r, uint32_t seed) { return (r + seed) % 7 == 3; }

static void string_of(uint32_t r, uint32_t seed, char *buf, uint32_t *len)
{
    /* lengths 0..40: inline and heap strings; some very long ones */
    uint32_t n = (r * 7 + seed) % 41;
    if (r % 97 == 5)
        n = 3000;
    for (uint32_t i = 0; i < n; i++)
        buf[i] = (char)('a' + (r + i + seed) % 26);
    *len = n;
}

static sl_batch *make_batch(const sl_type *types, uint32_t rows, uint32_t seed, bool change)
{
    sl_error err;
    sl_batch *b = sl_batch_new_typed(types, ALL_COLUMNS, rows ? rows : 1);
    static char buf[4096];
    for (uint32_t c = 0; c < ALL_COLUMNS; c++) {
        sl_vector *v = b->columns[c];
        for (uint32_t r = 0; r < rows; r++) {
            int64_t x = (int64_t)r * 1000003 + seed;
            if (types[c].id == SL_TYPE_NULL) {
                continue;
            }
            switch ((sl_type_id)types[c].id) {
            case SL_TYPE_BOOLEAN: SL_VECTOR_DATA(v, uint8_t)[r] = x & 1; break;
            case SL_TYPE_TINYINT: SL_VECTOR_DATA(v, int8_t)[r] = (int8_t)x; break;
            case SL_TYPE_SMALLINT: SL_VECTOR_DATA(v, int16_t)[r] = (int16_t)x; break;
            case SL_TYPE_INTEGER:
            case SL_TYPE_DATE: SL_VECTOR_DATA(v, int32_t)[r] = (int32_t)x; break;
            case SL_TYPE_BIGINT:
            case SL_TYPE_TIMESTAMP: SL_VECTOR_DATA(v, int64_t)[r] = x * 977; break;
            case SL_TYPE_REAL: SL_VECTOR_DATA(v, float)[r] = (float)x / 3; break;
            case SL_TYPE_DOUBLE: SL_VECTOR_DATA(v, double)[r] = (double)x / 7; break;
            case SL_TYPE_INTERVAL: {
                sl_interval iv = { (int32_t)r, (int32_t)seed, x };
                SL_VECTOR_DATA(v, sl_interval)[r] = iv;
                break;
            }
            case SL_TYPE_DECIMAL:
                if (sl_decimal_is_small(types[c]))
                    SL_VECTOR_DATA(v, int64_t)[r] = x - 5000;
                else
                    SL_VECTOR_DATA(v, sl_int128)[r] = (sl_int128)x * (sl_int128)1000000000000LL;
                break;
            case SL_TYPE_VARCHAR: {
                uint32_t len;
                string_of(r, seed, buf, &len);
                sl_vector_set_string(v, r, buf, len, &err);
                break;
            }
            default: break;
            }
            if ((c % 2 == 0 || types[c].id == SL_TYPE_VARCHAR) && is_null_at(r, seed + c)) {
                sl_vector_set_null(v, r, &err);
                if (types[c].id == SL_TYPE_VARCHAR) {
                    /* a NULL slot's contents are undefined: a long length and no bytes */
                    SL_VECTOR_DATA(v, sl_string)[r].length = 100;
                    SL_VECTOR_DATA(v, sl_string)[r].u.ptr = NULL;
                }
            }
        }
    }
    b->length = b->count = rows;
    if (change) {
        int8_t codes[SL_BATCH_CAPACITY];
        for (uint32_t r = 0; r < rows; r++)
            codes[r] = (int8_t)((r % 4) == 0 ? -1 : (r % 4) == 1 ? 1 : (r % 4) == 2 ? 2 : -2);
        sl_batch_set_change(b, codes, 0, rows, &err);
    }
    return b;
}

/* Does row `ra` of a equal row `rb` of b in every column (validity and value)? */
static bool rows_equal(const sl_type *types, const sl_batch *a, uint32_t ra, const sl_batch *b, uint32_t rb)
{
    for (uint32_t c = 0; c < ALL_COLUMNS; c++) {
        const sl_vector *x = a->columns[c], *y = b->columns[c];
        bool vx = sl_vector_is_valid(x, ra), vy = sl_vector_is_valid(y, rb);
        if (vx != vy)
            return false;
        if (!vx)
            continue;
        if (types[c].id == SL_TYPE_VARCHAR) {
            if (!sl_string_equal(&SL_VECTOR_DATA(x, sl_string)[ra], &SL_VECTOR_DATA(y, sl_string)[rb]))
                return false;
            continue;
        }
        size_t w = sl_type_width(types[c]);
        if (w && memcmp((const uint8_t *)x->data + ra * w, (const uint8_t *)y->data + rb * w, w) != 0)
            return false;
    }
    if ((a->change == NULL) != (b->change == NULL))
        return false;
    return !a->change || a->change[ra] == b->change[rb];
}

static void test_round_trip_every_type(void)
{
    sl_memory memory;
    sl_exec_context exec;
    exec_init(&exec, &memory);
    sl_type types[ALL_COLUMNS];
    all_types(types);
    sl_error err;
    sl_spill_file *f = NULL;
    CHECK_OK(sl_spill_file_new(&exec, types, ALL_COLUMNS, &f, &err));
    if (!f)
        return;
    CHECK_EQ_INT(atomic_load(&exec.spill.files_created), 1);
    sl_batch *in[4];
    in[0] = make_batch(types, SL_BATCH_CAPACITY, 1, false);
    in[1] = make_batch(types, 0, 2, false);                    /* empty */
    in[2] = make_batch(types, 100, 3, true);                   /* change column */
    in[3] = make_batch(types, 1, 4, false);
    for (int i = 0; i < 4; i++)
        CHECK_OK(sl_spill_file_write(f, in[i], &err));
    CHECK_OK(sl_spill_file_finish(f, &err));
    CHECK_EQ_INT(sl_spill_file_rows(f), SL_BATCH_CAPACITY + 101);
    CHECK_EQ_INT(atomic_load(&exec.spill.rows_written), SL_BATCH_CAPACITY + 101);
    CHECK(atomic_load(&exec.spill.bytes_written) > 0);
    CHECK_EQ_INT(memory.reserved, 0);    /* finished: the write buffers are gone */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 4; i++) {
            sl_batch *out = NULL;
            CHECK_OK(sl_spill_file_read(f, &out, &err));
            CHECK(out != NULL);
            if (!out)
                break;
            CHECK(memory.reserved > 0);      /* the read/decode buffers are charged */
            CHECK_EQ_INT(out->count, in[i]->count);
            CHECK(out->sel == NULL);
            bool same = true;
            for (uint32_t r = 0; r < out->count; r++)
                same &= rows_equal(types, in[i], r, out, r);
            CHECK(same);
            sl_batch_free(out);
        }
        sl_batch *end = (sl_batch *)1;
        CHECK_OK(sl_spill_file_read(f, &end, &err));
        CHECK(end == NULL);
        CHECK_OK(sl_spill_file_rewind(f, &err));
    }
    for (int i = 0; i < 4; i++)
        sl_batch_free(in[i]);
    sl_spill_file_free(f);
    CHECK_EQ_INT(memory.reserved, 0);
}

static void test_selection_vector(void)
{
    sl_memory memory;
    sl_exec_context exec;
    exec_init(&exec, &memory);
    sl_type types[ALL_COLUMNS];
    all_types(types);
    sl_error err;
    sl_spill_file *f = NULL;
    CHECK_OK(sl_spill_file_new(&exec, types, ALL_COLUMNS, &f, &err));
    if (!f)
        return;
    sl_batch *in = make_batch(types, 500, 9, true);
    uint32_t sel[200];
    for (uint32_t i = 0; i < 200; i++)
        sel[i] = i * 2 + 7;
    CHECK_OK(sl_batch_set_selection(in, sel, 200, &err));
    CHECK_OK(sl_spill_file_write(f, in, &err));
    CHECK_OK(sl_spill_file_finish(f, &err));
    sl_batch *out = NULL;
    CHECK_OK(sl_spill_file_read(f, &out, &err));
    CHECK(out && out->count == 200);
    if (out) {
        bool same = true;
        for (uint32_t r = 0; r < 200; r++)
            same &= rows_equal(types, in, sel[r], out, r);
        CHECK(same);
        sl_batch_free(out);
    }
    sl_batch_free(in);
    sl_spill_file_free(f);
}

/* Many batches: several 1 MiB write blocks and read buffers; the file reads back twice. */
static void test_many_batches(void)
{
    sl_memory memory;
    sl_exec_context exec;
    exec_init(&exec, &memory);
    sl_type types[2] = { sl_type_make(SL_TYPE_BIGINT), sl_type_make(SL_TYPE_VARCHAR) };
    sl_error err;
    sl_spill_file *f = NULL;
    CHECK_OK(sl_spill_file_new(&exec, types, 2, &f, &err));
    if (!f)
        return;
    const uint32_t batches = 300;
    char buf[64];
    for (uint32_t i = 0; i < batches; i++) {
        sl_batch *b = sl_batch_new_typed(types, 2, SL_BATCH_CAPACITY);
        for (uint32_t r = 0; r < SL_BATCH_CAPACITY; r++) {
            uint64_t x = (uint64_t)i * SL_BATCH_CAPACITY + r;
            SL_VECTOR_DATA(b->columns[0], int64_t)[r] = (int64_t)(x * 2654435761u);
            int n = snprintf(buf, sizeof buf, "row %llu of the spill file test", (unsigned long long)x);
            sl_vector_set_string(b->columns[1], r, buf, (uint32_t)n, &err);
        }
        b->length = b->count = SL_BATCH_CAPACITY;
        CHECK_OK(sl_spill_file_write(f, b, &err));
        sl_batch_free(b);
    }
    CHECK_OK(sl_spill_file_finish(f, &err));
    CHECK(atomic_load(&exec.spill.bytes_written) > (long long)(2u << 20));
    for (int pass = 0; pass < 2; pass++) {
        uint64_t seen = 0;
        bool same = true;
        sl_batch *b = NULL;
        while (sl_spill_file_read(f, &b, &err) == SL_OK && b) {
            for (uint32_t r = 0; r < b->count; r++, seen++) {
                int n = snprintf(buf, sizeof buf, "row %llu of the spill file test", (unsigned long long)seen);
                sl_string s = sl_string_make(buf, (uint32_t)n);
                same &= SL_VECTOR_DATA(b->columns[0], int64_t)[r] == (int64_t)(seen * 2654435761u);
                same &= sl_string_equal(&SL_VECTOR_DATA(b->columns[1], sl_string)[r], &s);
            }
            sl_batch_free(b);
        }
        CHECK(same);
        CHECK_EQ_INT(seen, (uint64_t)batches * SL_BATCH_CAPACITY);
        CHECK_OK(sl_spill_file_rewind(f, &err));
    }
    sl_spill_file_free(f);
    CHECK_EQ_INT(memory.reserved, 0);
}

static void test_errors(void)
{
    sl_memory memory;
    sl_exec_context exec;
    exec_init(&exec, &memory);
    sl_type types[1] = { sl_type_make(SL_TYPE_BIGINT) };
    sl_error err;
    sl_spill_file *f = NULL;

    /* a directory that cannot be created (a path below a regular file) */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/not-a-dir", temp_dir);
    FILE *plain = fopen(bad, "w");
    if (plain)
        fclose(plain);
    char below[320];
    snprintf(below, sizeof below, "%s/below", bad);
    exec.temp_directory = below;
    CHECK_EQ_INT(sl_spill_file_new(&exec, types, 1, &f, &err), SL_ERR_IO);
    CHECK(f == NULL);
    CHECK(strstr(err.message, "not-a-dir/below") != NULL);
    CHECK(strstr(err.message, "Not a directory") != NULL);
    unlink(bad);

    /* a read-only file system */
    exec.temp_directory = "/proc/sluice-spill-test";
    CHECK_EQ_INT(sl_spill_file_new(&exec, types, 1, &f, &err), SL_ERR_IO);
    CHECK(strstr(err.message, "/proc/sluice-spill-test") != NULL);

    /* reading before finish, writing after */
    exec.temp_directory = temp_dir;
    CHECK_OK(sl_spill_file_new(&exec, types, 1, &f, &err));
    if (!f)
        return;
    sl_batch *b = sl_batch_new_typed(types, 1, SL_BATCH_CAPACITY);
    for (uint32_t r = 0; r < SL_BATCH_CAPACITY; r++)
        SL_VECTOR_DATA(b->columns[0], int64_t)[r] = (int64_t)r * 0x9E3779B97F4A7C15ull;
    b->length = b->count = SL_BATCH_CAPACITY;
    sl_batch *out = NULL;
    CHECK_EQ_INT(sl_spill_file_read(f, &out, &err), SL_ERR_INTERNAL);
    CHECK_OK(sl_spill_file_write(f, b, &err));
    CHECK_OK(sl_spill_file_finish(f, &err));
    CHECK_EQ_INT(sl_spill_file_write(f, b, &err), SL_ERR_INTERNAL);
    sl_spill_file_free(f);

    /* a write the file system refuses (the file may not grow past 64 KiB: EFBIG, as a
     * full disk's ENOSPC takes the same path) */
    struct rlimit old, small;
    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 64 << 10;
    signal(SIGXFSZ, SIG_IGN);
    CHECK_OK(sl_spill_file_new(&exec, types, 1, &f, &err));
    if (f && setrlimit(RLIMIT_FSIZE, &small) == 0) {
        sl_status st = SL_OK;
        for (int i = 0; i < 200 && st == SL_OK; i++)
            st = sl_spill_file_write(f, b, &err);
        if (st == SL_OK)
            st = sl_spill_file_finish(f, &err);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK_EQ_INT(st, SL_ERR_IO);
        CHECK(strstr(err.message, temp_dir) != NULL);
        CHECK(strstr(err.message, "File too large") != NULL);
    }
    sl_spill_file_free(f);
    sl_batch_free(b);
    CHECK_EQ_INT(memory.reserved, 0);
}

int main(void)
{
    snprintf(temp_dir, sizeof temp_dir, "%s/sluice-test-spill-%ld/nested", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (long)getpid());
    CHECK_RUN(test_round_trip_every_type);
    CHECK_RUN(test_selection_vector);
    CHECK_RUN(test_many_batches);
    CHECK_RUN(test_errors);
    /* the files were unlinked on creation: the directory is empty */
    CHECK_EQ_INT(rmdir(temp_dir), 0);
    char parent[256];
    snprintf(parent, sizeof parent, "%s", temp_dir);
    *strrchr(parent, '/') = '\0';
    rmdir(parent);
    return CHECK_EXIT_CODE();
}
