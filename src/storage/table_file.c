/*
 * table_file.c — one table's append-only data file (<dir>/t_<n>.data).
 *
 * Layout (all integers little-endian):
 *
 *   header   "SLUICETB" | u32 version (1) | u32 column_count
 *            | column_count x { u8 type code, u8 precision, u8 scale, u8 0 } | u64 xxh64(header)
 *   record   u32 kind | u32 0 | u64 payload_length | payload | u64 xxh64(kind .. payload)
 *     CHUNK  (kind 1) u32 rows | u32 column_count | per column:
 *              u8 has_validity | [ceil(rows/8) bitmap bytes] | values
 *              values: fixed-width types as raw slots (rows x width, NULL slots zeroed);
 *                      VARCHAR as rows x u32 lengths followed by the bytes
 *     COMMIT (kind 2) u64 total number of CHUNK records committed so far
 *
 * A statement's new chunks are appended followed by one COMMIT and an fdatasync, so the
 * chunks after the last valid COMMIT belong to a statement that did not finish: loading
 * ignores them and truncates the file back to that COMMIT. A record that fails its
 * checksum while a valid COMMIT still follows it is damage to committed data: that is an
 * error naming the file and offset, never silently dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "storage/storage_internal.h"

#define SL_TABLE_FILE_MAGIC "SLUICETB"
#define SL_TABLE_FILE_VERSION 1u
#define SL_RECORD_CHUNK 1u
#define SL_RECORD_COMMIT 2u
#define SL_RECORD_HEADER 16u    /* kind, reserved, payload length */
#define SL_RECORD_TRAILER 8u    /* checksum */

static char *sl_table_file_path(const char *dir, uint64_t number)
{
    return sl_asprintf("%s/t_%llu.data", dir, (unsigned long long)number);
}

static size_t sl_header_size(uint32_t column_count)
{
    return 8 + 4 + 4 + (size_t)column_count * 4 + 8;
}

static uint32_t sl_read_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t sl_read_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static sl_status sl_io_error(sl_error *err, const char *what, const char *path)
{
    return sl_error_set(err, SL_ERR_IO, "cannot %s '%s': %s", what, path, strerror(errno));
}

/* ----------------------------------------------------------------- encoding */

/* Appends a record (header, payload already in `payload`, checksum) to out. */
static sl_status sl_record_build(uint32_t kind, const sl_bytes *payload, sl_bytes *out, sl_error *err)
{
    uint8_t *p = NULL;
    size_t start = out->size;
    SL_TRY(sl_bytes_grow(out, SL_RECORD_HEADER + payload->size + SL_RECORD_TRAILER, &p, err));
    uint64_t length = payload->size;
    memcpy(p, &kind, 4);
    memcpy(p + 8, &length, 8);
    if (payload->size)
        memcpy(p + SL_RECORD_HEADER, payload->data, payload->size);
    uint64_t sum = XXH64(out->data + start, SL_RECORD_HEADER + payload->size, 0);
    memcpy(out->data + start + SL_RECORD_HEADER + payload->size, &sum, 8);
    return SL_OK;
}

/* The CHUNK payload of one dense chunk. */
static sl_status sl_chunk_encode(const sl_table *table, const sl_batch *chunk, sl_bytes *out, sl_error *err)
{
    uint32_t rows = chunk->count;
    uint32_t columns = table->column_count;
    SL_TRY(sl_bytes_append(out, &rows, 4, err));
    SL_TRY(sl_bytes_append(out, &columns, 4, err));
    size_t bitmap_bytes = ((size_t)rows + 7) / 8;
    for (uint32_t c = 0; c < columns; c++) {
        const sl_vector *v = chunk->columns[c];
        sl_type type = table->columns[c].type;
        bool has_nulls = sl_vector_has_nulls(v, chunk->sel, rows);
        uint8_t flag = has_nulls;
        SL_TRY(sl_bytes_append(out, &flag, 1, err));
        if (has_nulls) {
            uint8_t *bitmap = NULL;
            SL_TRY(sl_bytes_grow(out, bitmap_bytes, &bitmap, err));
            for (uint32_t r = 0; r < rows; r++)
                if (sl_vector_is_valid(v, sl_batch_row(chunk, r)))
                    sl_validity_set(bitmap, r, true);
        }
        if (type.id == SL_TYPE_VARCHAR) {
            const sl_string *s = SL_VECTOR_DATA(v, const sl_string);
            uint8_t *lengths = NULL;
            size_t lengths_at = out->size;
            SL_TRY(sl_bytes_grow(out, (size_t)rows * 4, &lengths, err));
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t row = sl_batch_row(chunk, r);
                uint32_t length = sl_vector_is_valid(v, row) ? s[row].length : 0;
                memcpy(out->data + lengths_at + (size_t)r * 4, &length, 4);
                if (length)
                    SL_TRY(sl_bytes_append(out, sl_string_data(&s[row]), length, err));
            }
        } else {
            size_t width = sl_type_width(type);
            uint8_t *values = NULL;
            size_t values_at = out->size;
            SL_TRY(sl_bytes_grow(out, (size_t)rows * width, &values, err));
            const uint8_t *data = v->data;
            for (uint32_t r = 0; r < rows && width; r++) {
                uint32_t row = sl_batch_row(chunk, r);
                if (sl_vector_is_valid(v, row))
                    memcpy(out->data + values_at + (size_t)r * width, data + (size_t)row * width, width);
            }
        }
    }
    return SL_OK;
}

/* Decodes a CHUNK payload into a new dense batch. Returns false for malformed bytes
 * (the caller reports the file and offset). */
static bool sl_chunk_decode(const sl_table *table, const uint8_t *p, size_t size, sl_batch **out, bool *oom)
{
    *oom = false;
    if (size < 8)
        return false;
    uint32_t rows = sl_read_u32(p), columns = sl_read_u32(p + 4);
    if (rows == 0 || rows > SL_BATCH_CAPACITY || columns != table->column_count)
        return false;
    size_t at = 8, bitmap_bytes = ((size_t)rows + 7) / 8;
    sl_batch *batch = sl_batch_new(columns);
    if (!batch) {
        *oom = true;
        return false;
    }
    sl_error err;
    for (uint32_t c = 0; c < columns; c++) {
        sl_type type = table->columns[c].type;
        sl_vector *v = sl_vector_new(type, rows);
        if (!v)
            goto oom;
        batch->columns[c] = v;
        if (at + 1 > size)
            goto bad;
        uint8_t flag = p[at++];
        if (flag > 1)
            goto bad;
        const uint8_t *bitmap = NULL;
        if (flag) {
            if (at + bitmap_bytes > size)
                goto bad;
            bitmap = p + at;
            at += bitmap_bytes;
            if (sl_vector_ensure_validity(v, &err) != SL_OK)
                goto oom;
            memcpy(v->validity, bitmap, bitmap_bytes);
        }
        if (type.id == SL_TYPE_VARCHAR) {
            if (at + (size_t)rows * 4 > size)
                goto bad;
            const uint8_t *lengths = p + at;
            at += (size_t)rows * 4;
            sl_string *s = SL_VECTOR_DATA(v, sl_string);
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t length = sl_read_u32(lengths + (size_t)r * 4);
                if (length > size - at)
                    goto bad;
                if (bitmap && !((bitmap[r >> 3] >> (r & 7)) & 1)) {
                    memset(&s[r], 0, sizeof s[r]);
                } else if (sl_vector_set_string(v, r, (const char *)p + at, length, &err) != SL_OK) {
                    goto oom;
                }
                at += length;
            }
        } else {
            size_t width = sl_type_width(type);
            if ((size_t)rows * width > size - at)
                goto bad;
            if (width)
                memcpy(v->data, p + at, (size_t)rows * width);
            at += (size_t)rows * width;
        }
    }
    if (at != size)
        goto bad;
    batch->length = batch->count = rows;
    *out = batch;
    return true;
oom:
    *oom = true;
bad:
    sl_batch_free(batch);
    return false;
}

/* ----------------------------------------------------------------- create / append */

sl_status sl_table_file_create(const char *dir, uint64_t number, const sl_table *table, sl_table_file *out,
                               sl_error *err)
{
    char *path = sl_table_file_path(dir, number);
    if (!path)
        return sl_error_oom(err);
    sl_bytes header = { 0 };
    sl_status st = sl_bytes_append(&header, SL_TABLE_FILE_MAGIC, 8, err);
    uint32_t version = SL_TABLE_FILE_VERSION, columns = table->column_count;
    if (st == SL_OK)
        st = sl_bytes_append(&header, &version, 4, err);
    if (st == SL_OK)
        st = sl_bytes_append(&header, &columns, 4, err);
    for (uint32_t c = 0; c < columns && st == SL_OK; c++) {
        sl_type type = table->columns[c].type;
        uint8_t code = sl_storage_type_code(type);
        if (!code) {
            char name[32];
            st = sl_error_set(err, SL_ERR_IO, "cannot store column \"%s\" of table \"%s\": type %s has no on-disk form",
                              table->columns[c].name, table->name, sl_type_name(type, name, sizeof name));
            break;
        }
        uint8_t entry[4] = { code, type.id == SL_TYPE_DECIMAL ? type.precision : 0,
                             type.id == SL_TYPE_DECIMAL ? type.scale : 0, 0 };
        st = sl_bytes_append(&header, entry, 4, err);
    }
    if (st == SL_OK) {
        uint64_t sum = XXH64(header.data, header.size, 0);
        st = sl_bytes_append(&header, &sum, 8, err);
    }
    int fd = -1;
    if (st == SL_OK) {
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            st = sl_io_error(err, "create table data file", path);
    }
    if (st == SL_OK && (sl_storage_pwrite_all(fd, header.data, header.size, 0) != 0 || fsync(fd) != 0)) {
        st = sl_io_error(err, "write table data file", path);
        close(fd);
        unlink(path);
    }
    sl_bytes_free(&header);
    if (st != SL_OK) {
        sl_free(path);
        return st;
    }
    out->number = number;
    out->path = path;
    out->fd = fd;
    out->committed_size = sl_header_size(columns);
    out->persisted_chunks = 0;
    return SL_OK;
}

sl_status sl_table_file_append(sl_table_file *file, const sl_table *table, sl_error *err)
{
    if (table->chunk_count <= file->persisted_chunks)
        return SL_OK;
    sl_bytes payload = { 0 }, record = { 0 };
    uint64_t offset = file->committed_size;
    sl_status st = SL_OK;
    bool wrote = false;
    for (size_t i = file->persisted_chunks; i < table->chunk_count && st == SL_OK; i++) {
        payload.size = record.size = 0;
        st = sl_chunk_encode(table, table->chunks[i], &payload, err);
        if (st == SL_OK)
            st = sl_record_build(SL_RECORD_CHUNK, &payload, &record, err);
        if (st == SL_OK) {
            wrote = true;
            if (sl_storage_pwrite_all(file->fd, record.data, record.size, offset) != 0)
                st = sl_io_error(err, "write table data file", file->path);
            offset += record.size;
        }
    }
    if (st == SL_OK) {
        uint64_t total = table->chunk_count;
        payload.size = record.size = 0;
        st = sl_bytes_append(&payload, &total, 8, err);
        if (st == SL_OK)
            st = sl_record_build(SL_RECORD_COMMIT, &payload, &record, err);
        if (st == SL_OK && (sl_storage_pwrite_all(file->fd, record.data, record.size, offset) != 0 ||
                            fdatasync(file->fd) != 0))
            st = sl_io_error(err, "write table data file", file->path);
        offset += record.size;
    }
    sl_bytes_free(&payload);
    sl_bytes_free(&record);
    if (st != SL_OK) {
        /* Cut the uncommitted records off again (best effort: loading ignores them anyway). */
        if (wrote && ftruncate(file->fd, (off_t)file->committed_size) == 0)
            (void)fdatasync(file->fd);
        return st;
    }
    file->committed_size = offset;
    file->persisted_chunks = table->chunk_count;
    return SL_OK;
}

void sl_table_file_close(sl_table_file *file)
{
    if (!file)
        return;
    if (file->fd >= 0)
        close(file->fd);
    file->fd = -1;
    sl_free(file->path);
    file->path = NULL;
}

/* ----------------------------------------------------------------- load */

/* Is there a valid COMMIT record anywhere in [from, file_size)? Scans byte by byte for a
 * COMMIT header (kind 2, payload length 8) whose checksum holds, so damage to a length
 * field cannot hide committed data that follows it. -1 on a read error. */
static int sl_commit_follows(int fd, uint64_t from, uint64_t file_size)
{
    enum { RECORD = SL_RECORD_HEADER + 8 + SL_RECORD_TRAILER, BLOCK = 1 << 20 };
    uint8_t pattern[SL_RECORD_HEADER] = { 0 };
    uint32_t kind = SL_RECORD_COMMIT;
    uint64_t length = 8;
    memcpy(pattern, &kind, 4);
    memcpy(pattern + 8, &length, 8);
    uint8_t *block = sl_malloc(BLOCK + RECORD);
    if (!block)
        return -1;
    int found = 0;
    for (uint64_t at = from; at + RECORD <= file_size && !found; at += BLOCK) {
        size_t n = file_size - at < BLOCK + RECORD ? (size_t)(file_size - at) : BLOCK + RECORD;
        if (sl_storage_pread_all(fd, block, n, at) != 1) {
            found = -1;
            break;
        }
        for (size_t i = 0; i + RECORD <= n && i < BLOCK; i++) {
            if (memcmp(block + i, pattern, SL_RECORD_HEADER) != 0)
                continue;
            if (XXH64(block + i, SL_RECORD_HEADER + 8, 0) == sl_read_u64(block + i + SL_RECORD_HEADER + 8)) {
                found = 1;
                break;
            }
        }
    }
    sl_free(block);
    return found;
}

/* Loads the header and checks it against the table's columns. */
static sl_status sl_header_check(const sl_table_file *file, const sl_table *table, uint64_t file_size, sl_error *err)
{
    size_t size = sl_header_size(table->column_count);
    if (file_size < 16)
        return sl_error_set(err, SL_ERR_IO, "table data file '%s' is damaged at offset 0: too short for a header (%llu bytes)",
                            file->path, (unsigned long long)file_size);
    uint8_t *header = sl_malloc(size);
    if (!header)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    int r = sl_storage_pread_all(file->fd, header, file_size < size ? (size_t)file_size : size, 0);
    if (r < 0)
        st = sl_io_error(err, "read table data file", file->path);
    else if (memcmp(header, SL_TABLE_FILE_MAGIC, 8) != 0)
        st = sl_error_set(err, SL_ERR_IO, "'%s' is not a Sluice table data file (bad magic at offset 0)", file->path);
    else if (sl_read_u32(header + 8) != SL_TABLE_FILE_VERSION)
        st = sl_error_set(err, SL_ERR_IO, "table data file '%s' has format version %u at offset 8; this Sluice reads version %u",
                          file->path, sl_read_u32(header + 8), SL_TABLE_FILE_VERSION);
    else if (sl_read_u32(header + 12) != table->column_count || file_size < size)
        st = sl_error_set(err, SL_ERR_IO, "table data file '%s' does not match the manifest at offset 12: %u columns, "
                          "the manifest lists %u for table \"%s\"", file->path, sl_read_u32(header + 12),
                          table->column_count, table->name);
    else if (XXH64(header, size - 8, 0) != sl_read_u64(header + size - 8))
        st = sl_error_set(err, SL_ERR_IO, "table data file '%s' is damaged at offset 0: header checksum mismatch",
                          file->path);
    for (uint32_t c = 0; c < table->column_count && st == SL_OK; c++) {
        const uint8_t *e = header + 16 + (size_t)c * 4;
        sl_type type = table->columns[c].type;
        sl_type stored;
        if (!sl_storage_type_from_code(e[0], e[1], e[2], &stored) || !sl_type_equal(stored, type)) {
            char want[32];
            st = sl_error_set(err, SL_ERR_IO, "table data file '%s' does not match the manifest at offset %zu: "
                              "column \"%s\" should be %s", file->path, (size_t)(16 + c * 4), table->columns[c].name,
                              sl_type_name(type, want, sizeof want));
        }
    }
    sl_free(header);
    return st;
}

sl_status sl_table_file_load(const char *dir, uint64_t number, sl_table *table, sl_table_file *out, sl_error *err)
{
    sl_table_file file = { number, sl_table_file_path(dir, number), -1, 0, 0 };
    if (!file.path)
        return sl_error_oom(err);
    file.fd = open(file.path, O_RDWR | O_CLOEXEC);
    if (file.fd < 0) {
        sl_status st = sl_io_error(err, "open table data file", file.path);
        sl_table_file_close(&file);
        return st;
    }
    struct stat info;
    sl_status st = SL_OK;
    if (fstat(file.fd, &info) != 0)
        st = sl_io_error(err, "stat table data file", file.path);
    uint64_t file_size = st == SL_OK ? (uint64_t)info.st_size : 0;
    if (st == SL_OK)
        st = sl_header_check(&file, table, file_size, err);

    /* Chunks read since the last COMMIT wait in `pending` until a COMMIT covers them. */
    sl_batch **pending = NULL;
    size_t pending_count = 0, pending_capacity = 0;
    sl_bytes record = { 0 };
    uint64_t offset = sl_header_size(table->column_count);
    uint64_t committed_end = offset, chunks_seen = 0;
    uint64_t damaged_at = UINT64_MAX;   /* first record that failed its checksum, if any */
    const char *damage = NULL;

    while (st == SL_OK) {
        if (file_size - offset < SL_RECORD_HEADER + SL_RECORD_TRAILER)
            break;                                        /* end of file or torn header */
        record.size = 0;
        uint8_t *p = NULL;
        st = sl_bytes_grow(&record, SL_RECORD_HEADER, &p, err);
        if (st != SL_OK)
            break;
        if (sl_storage_pread_all(file.fd, p, SL_RECORD_HEADER, offset) != 1) {
            st = sl_io_error(err, "read table data file", file.path);
            break;
        }
        uint32_t kind = sl_read_u32(p);
        uint64_t length = sl_read_u64(p + 8);
        if ((kind != SL_RECORD_CHUNK && kind != SL_RECORD_COMMIT) || sl_read_u32(p + 4) != 0 ||
            length > file_size - offset - SL_RECORD_HEADER - SL_RECORD_TRAILER) {
            damaged_at = offset;
            damage = "bad record header";
            break;
        }
        st = sl_bytes_grow(&record, (size_t)length + SL_RECORD_TRAILER, &p, err);
        if (st != SL_OK)
            break;
        if (sl_storage_pread_all(file.fd, p, (size_t)length + SL_RECORD_TRAILER, offset + SL_RECORD_HEADER) != 1) {
            st = sl_io_error(err, "read table data file", file.path);
            break;
        }
        uint64_t record_size = SL_RECORD_HEADER + length + SL_RECORD_TRAILER;
        if (XXH64(record.data, SL_RECORD_HEADER + length, 0) != sl_read_u64(record.data + SL_RECORD_HEADER + length)) {
            damaged_at = offset;
            damage = "checksum mismatch";
            break;
        }
        const uint8_t *payload = record.data + SL_RECORD_HEADER;
        if (kind == SL_RECORD_CHUNK) {
            sl_batch *batch = NULL;
            bool oom = false;
            if (!sl_chunk_decode(table, payload, (size_t)length, &batch, &oom)) {
                st = oom ? sl_error_oom(err)
                         : sl_error_set(err, SL_ERR_IO, "table data file '%s' is damaged at offset %llu: malformed chunk "
                                        "for table \"%s\"", file.path, (unsigned long long)offset, table->name);
                break;
            }
            st = sl_array_reserve((void **)&pending, &pending_capacity, pending_count + 1, sizeof(sl_batch *), err);
            if (st != SL_OK) {
                sl_batch_free(batch);
                break;
            }
            pending[pending_count++] = batch;
            chunks_seen++;
        } else {
            uint64_t total = length == 8 ? sl_read_u64(payload) : UINT64_MAX;
            if (total != chunks_seen) {
                st = sl_error_set(err, SL_ERR_IO, "table data file '%s' is damaged at offset %llu: COMMIT of %llu "
                                  "chunks after %llu chunk records", file.path, (unsigned long long)offset,
                                  (unsigned long long)total, (unsigned long long)chunks_seen);
                break;
            }
            for (size_t i = 0; i < pending_count && st == SL_OK; i++)
                st = sl_table_append(table, pending[i], err);
            for (size_t i = 0; i < pending_count; i++)
                sl_batch_free(pending[i]);
            pending_count = 0;
            if (st != SL_OK)
                break;
            committed_end = offset + record_size;
        }
        offset += record_size;
    }
    if (st == SL_OK && damaged_at != UINT64_MAX) {
        /* Torn tail or damage? Damage if committed data follows the bad record. */
        int follows = sl_commit_follows(file.fd, damaged_at + 1, file_size);
        if (follows < 0)
            st = sl_io_error(err, "read table data file", file.path);
        else if (follows)
            st = sl_error_set(err, SL_ERR_IO, "table data file '%s' is damaged at offset %llu (%s) before its last "
                              "COMMIT: committed rows of table \"%s\" cannot be read", file.path,
                              (unsigned long long)damaged_at, damage, table->name);
    }
    for (size_t i = 0; i < pending_count; i++)
        sl_batch_free(pending[i]);
    sl_free(pending);
    sl_bytes_free(&record);
    if (st == SL_OK && file_size > committed_end) {
        /* The tail of a statement that did not finish: cut it off. */
        if (ftruncate(file.fd, (off_t)committed_end) != 0 || fsync(file.fd) != 0)
            st = sl_io_error(err, "truncate the uncommitted tail of table data file", file.path);
    }
    if (st != SL_OK) {
        sl_table_file_close(&file);
        return st;
    }
    file.committed_size = committed_end;
    file.persisted_chunks = table->chunk_count;
    *out = file;
    return SL_OK;
}
