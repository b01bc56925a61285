/*
 * spill.c — spill files (see spill.h): batches serialized column by column, compressed
 * with LZ4, appended to an unlinked temporary file and read back sequentially.
 *
 * On disk a file is a sequence of frames, one per sl_spill_file_write call:
 *
 *     u32 raw_size | u32 compressed_size | compressed_size bytes of LZ4 block
 *
 * and the raw (decompressed) payload of a frame is
 *
 *     u32 rows | u8 has_change
 *     per column: u8 has_validity | [validity bitmap, (rows + 7) / 8 bytes]
 *                 | fixed-width values (rows * width bytes), or for VARCHAR:
 *                   rows u32 lengths (0 for NULL) ++ the string bytes, concatenated
 *     [rows change codes, one int8 each]
 *
 * Writes are collected in a block buffer of SL_SPILL_WRITE_BLOCK bytes and written with
 * one write() per block; reads fill a buffer of SL_SPILL_READ_BLOCK bytes with pread()
 * (grown when a single frame is larger). The buffers are charged to the memory manager
 * as a floor reservation (never refused: every spilling operator needs them).
 */
#include "exec/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define SL_SPILL_WRITE_BLOCK ((size_t)1 << 20)
#define SL_SPILL_READ_BLOCK ((size_t)64 << 10)
#define SL_SPILL_FRAME_HEADER 8

struct sl_spill_file {
    sl_exec_context *exec;
    int fd;
    char *directory;             /* for error messages */
    sl_type *types;
    uint32_t column_count;
    bool finished;
    uint64_t rows;
    uint64_t file_size;          /* bytes written to disk */
    /* writing */
    uint8_t *raw;                /* one serialized batch */
    size_t raw_capacity;
    uint8_t *block;              /* compressed frames waiting to be written */
    size_t block_used;
    size_t block_capacity;
    /* reading */
    uint8_t *read_buffer;
    size_t read_capacity;
    size_t read_pos;             /* next unread byte in read_buffer */
    size_t read_end;             /* valid bytes in read_buffer */
    uint64_t disk_offset;        /* file offset of read_buffer[read_end] */
    int64_t reserved;            /* bytes charged to exec->memory */
};

/* The buffers' floor reservation: counted against the limit but never refused. */
static void charge(sl_spill_file *f, int64_t bytes)
{
    if (!f->exec->memory || bytes == 0)
        return;
    atomic_fetch_add((_Atomic int64_t *)&f->exec->memory->reserved, bytes);
    f->reserved += bytes;
}

/* Grows *buf (sl_realloc) to at least `needed` bytes, charging the growth. */
static sl_status grow(sl_spill_file *f, uint8_t **buf, size_t *capacity, size_t needed, sl_error *err)
{
    if (needed <= *capacity)
        return SL_OK;
    size_t cap = *capacity ? *capacity : 4096;
    while (cap < needed)
        cap *= 2;
    uint8_t *p = sl_realloc(*buf, cap);
    if (!p)
        return sl_error_oom(err);
    charge(f, (int64_t)(cap - *capacity));
    *buf = p;
    *capacity = cap;
    return SL_OK;
}

static void release_buffer(sl_spill_file *f, uint8_t **buf, size_t *capacity)
{
    sl_free(*buf);
    *buf = NULL;
    if (f->exec->memory && *capacity) {
        sl_memory_release(f->exec->memory, (int64_t)*capacity);
        f->reserved -= (int64_t)*capacity;
    }
    *capacity = 0;
}

/* mkdir -p: creates `dir` and its missing parents. */
static sl_status make_directory(const char *dir, sl_error *err)
{
    char *path = sl_strdup(dir);
    if (!path)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            st = sl_error_set(err, SL_ERR_IO, "spill: cannot create temp_directory '%s': %s", dir, strerror(errno));
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    sl_free(path);
    return st;
}

sl_status sl_spill_file_new(sl_exec_context *exec, const sl_type *types, uint32_t column_count, sl_spill_file **out,
                            sl_error *err)
{
    *out = NULL;
    const char *dir = exec->temp_directory && exec->temp_directory[0] ? exec->temp_directory : ".tmp";
    SL_TRY(make_directory(dir, err));
    sl_spill_file *f = sl_calloc(1, sizeof *f);
    if (!f)
        return sl_error_oom(err);
    f->exec = exec;
    f->fd = -1;
    f->column_count = column_count;
    f->directory = sl_strdup(dir);
    f->types = sl_malloc(sizeof *types * (column_count ? column_count : 1));
    char *name = sl_asprintf("%s/sluice-%ld-XXXXXX.spill", dir, (long)getpid());
    if (!f->directory || !f->types || !name) {
        sl_free(name);
        sl_spill_file_free(f);
        return sl_error_oom(err);
    }
    if (column_count)
        memcpy(f->types, types, sizeof *types * column_count);
    f->fd = mkostemps(name, 6, O_CLOEXEC);
    if (f->fd < 0) {
        sl_status st = sl_error_set(err, SL_ERR_IO, "spill: cannot create a file in temp_directory '%s': %s", dir,
                                    strerror(errno));
        sl_free(name);
        sl_spill_file_free(f);
        return st;
    }
    unlink(name);
    sl_free(name);
    atomic_fetch_add(&exec->spill.files_created, 1);
    *out = f;
    return SL_OK;
}

/* ------------------------------------------------------------------ writing */

static sl_status write_all(sl_spill_file *f, const uint8_t *data, size_t size, sl_error *err)
{
    while (size > 0) {
        ssize_t n = write(f->fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sl_error_set(err, SL_ERR_IO, "spill: cannot write to temp_directory '%s': %s", f->directory,
                                n < 0 ? strerror(errno) : "no bytes written");
        data += n;
        size -= (size_t)n;
        f->file_size += (uint64_t)n;
    }
    return SL_OK;
}

static sl_status flush_block(sl_spill_file *f, sl_error *err)
{
    if (f->block_used == 0)
        return SL_OK;
    SL_TRY(write_all(f, f->block, f->block_used, err));
    atomic_fetch_add(&f->exec->spill.bytes_written, (long long)f->block_used);
    f->block_used = 0;
    return SL_OK;
}

static inline void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Bytes the raw payload of `batch` takes. */
static size_t raw_size_of(const sl_spill_file *f, const sl_batch *b)
{
    uint32_t rows = b->count;
    size_t size = 5 + (b->change ? rows : 0);
    for (uint32_t c = 0; c < f->column_count; c++) {
        const sl_vector *v = b->columns[c];
        size += 1 + (v->validity ? (rows + 7) / 8 : 0);
        if (f->types[c].id == SL_TYPE_VARCHAR) {
            size += (size_t)rows * 4;
            const sl_string *s = v->data;
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t p = sl_batch_row(b, r);
                if (sl_vector_is_valid(v, p))
                    size += s[p].length;
            }
        } else {
            size += (size_t)rows * sl_type_width(f->types[c]);
        }
    }
    return size;
}

/* Serializes the active rows of b into f->raw (sized by raw_size_of). */
static void serialize(sl_spill_file *f, const sl_batch *b)
{
    uint32_t rows = b->count;
    uint8_t *p = f->raw;
    put_u32(p, rows);
    p[4] = b->change != NULL;
    p += 5;
    for (uint32_t c = 0; c < f->column_count; c++) {
        const sl_vector *v = b->columns[c];
        *p++ = v->validity != NULL;
        if (v->validity) {
            size_t bytes = (rows + 7) / 8;
            memset(p, 0, bytes);
            for (uint32_t r = 0; r < rows; r++)
                if (sl_vector_is_valid(v, sl_batch_row(b, r)))
                    p[r >> 3] |= (uint8_t)(1u << (r & 7));
            p += bytes;
        }
        if (f->types[c].id == SL_TYPE_VARCHAR) {
            const sl_string *s = v->data;
            uint8_t *lengths = p;
            p += (size_t)rows * 4;
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t row = sl_batch_row(b, r);
                uint32_t len = sl_vector_is_valid(v, row) ? s[row].length : 0;
                put_u32(lengths + (size_t)r * 4, len);
                if (len)
                    memcpy(p, sl_string_data(&s[row]), len);
                p += len;
            }
            continue;
        }
        size_t width = sl_type_width(f->types[c]);
        if (!b->sel) {
            memcpy(p, v->data, (size_t)rows * width);
        } else {
            for (uint32_t r = 0; r < rows; r++)
                memcpy(p + (size_t)r * width, (const uint8_t *)v->data + (size_t)b->sel[r] * width, width);
        }
        p += (size_t)rows * width;
    }
    if (b->change)
        for (uint32_t r = 0; r < rows; r++)
            *p++ = (uint8_t)b->change[sl_batch_row(b, r)];
}

sl_status sl_spill_file_write(sl_spill_file *file, const sl_batch *batch, sl_error *err)
{
    sl_spill_file *f = file;
    if (f->finished)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill: write after the file was finished");
    if (batch->column_count < f->column_count)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill: batch has %u columns, the file %u", batch->column_count,
                            f->column_count);
    size_t raw = raw_size_of(f, batch);
    if (raw > (size_t)LZ4_MAX_INPUT_SIZE)
        return sl_error_set(err, SL_ERR_IO, "spill: a batch of %zu bytes is too large to spill", raw);
    SL_TRY(grow(f, &f->raw, &f->raw_capacity, raw, err));
    serialize(f, batch);
    size_t bound = (size_t)LZ4_compressBound((int)raw) + SL_SPILL_FRAME_HEADER;
    if (f->block_used > 0 && f->block_used + bound > SL_SPILL_WRITE_BLOCK)
        SL_TRY(flush_block(f, err));
    SL_TRY(grow(f, &f->block, &f->block_capacity, f->block_used + bound, err));
    uint8_t *frame = f->block + f->block_used;
    int compressed = LZ4_compress_default((const char *)f->raw, (char *)frame + SL_SPILL_FRAME_HEADER, (int)raw,
                                          (int)(bound - SL_SPILL_FRAME_HEADER));
    if (compressed <= 0)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill: LZ4 compression failed");
    put_u32(frame, (uint32_t)raw);
    put_u32(frame + 4, (uint32_t)compressed);
    f->block_used += SL_SPILL_FRAME_HEADER + (size_t)compressed;
    f->rows += batch->count;
    atomic_fetch_add(&f->exec->spill.rows_written, (long long)batch->count);
    if (f->block_used >= SL_SPILL_WRITE_BLOCK)
        SL_TRY(flush_block(f, err));
    return SL_OK;
}

sl_status sl_spill_file_finish(sl_spill_file *file, sl_error *err)
{
    if (file->finished)
        return SL_OK;
    SL_TRY(flush_block(file, err));
    file->finished = true;
    release_buffer(file, &file->block, &file->block_capacity);
    release_buffer(file, &file->raw, &file->raw_capacity);   /* reading allocates its own when it starts */
    file->block_used = 0;
    return sl_spill_file_rewind(file, err);
}

/* ------------------------------------------------------------------ reading */

sl_status sl_spill_file_rewind(sl_spill_file *file, sl_error *err)
{
    if (!file->finished)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill: read before the file was finished");
    file->read_pos = file->read_end = 0;
    file->disk_offset = 0;
    return SL_OK;
}

/* Makes read_buffer[read_pos, read_pos + need) hold the next `need` bytes of the file. */
static sl_status fill(sl_spill_file *f, size_t need, sl_error *err)
{
    if (f->read_end - f->read_pos >= need)
        return SL_OK;
    size_t have = f->read_end - f->read_pos;
    if (have && f->read_pos)
        memmove(f->read_buffer, f->read_buffer + f->read_pos, have);
    f->read_pos = 0;
    f->read_end = have;
    size_t want = need > SL_SPILL_READ_BLOCK ? need : SL_SPILL_READ_BLOCK;
    SL_TRY(grow(f, &f->read_buffer, &f->read_capacity, want, err));
    while (f->read_end < need) {
        size_t room = f->read_capacity - f->read_end;
        uint64_t left = f->file_size - f->disk_offset;
        if (room > left)
            room = (size_t)left;
        if (room == 0)
            return sl_error_set(err, SL_ERR_IO, "spill: a file in temp_directory '%s' is truncated", f->directory);
        ssize_t n = pread(f->fd, f->read_buffer + f->read_end, room, (off_t)f->disk_offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sl_error_set(err, SL_ERR_IO, "spill: cannot read from temp_directory '%s': %s", f->directory,
                                n < 0 ? strerror(errno) : "unexpected end of file");
        f->read_end += (size_t)n;
        f->disk_offset += (uint64_t)n;
    }
    return SL_OK;
}

static sl_status corrupt(const sl_spill_file *f, sl_error *err)
{
    return sl_error_set(err, SL_ERR_IO, "spill: a file in temp_directory '%s' is corrupt", f->directory);
}

/* Decodes one raw payload into a new dense batch. */
static sl_status deserialize(sl_spill_file *f, const uint8_t *p, size_t size, sl_batch **out, sl_error *err)
{
    const uint8_t *end = p + size;
    if (size < 5)
        return corrupt(f, err);
    uint32_t rows = get_u32(p);
    bool has_change = p[4] != 0;
    p += 5;
    sl_batch *b = f->column_count ? sl_batch_new_typed(f->types, f->column_count, rows ? rows : 1) : sl_batch_new(0);
    if (!b)
        return sl_error_oom(err);
    sl_status st = SL_OK;
    size_t bitmap = (rows + 7) / 8;
    for (uint32_t c = 0; c < f->column_count && st == SL_OK; c++) {
        sl_vector *v = b->columns[c];
        if (p >= end) {
            st = corrupt(f, err);
            break;
        }
        if (*p++) {
            if ((size_t)(end - p) < bitmap || (st = sl_vector_ensure_validity(v, err)) != SL_OK) {
                if (st == SL_OK)
                    st = corrupt(f, err);
                break;
            }
            memcpy(v->validity, p, bitmap);
            p += bitmap;
        }
        if (f->types[c].id == SL_TYPE_VARCHAR) {
            if ((size_t)(end - p) < (size_t)rows * 4) {
                st = corrupt(f, err);
                break;
            }
            const uint8_t *lengths = p;
            p += (size_t)rows * 4;
            size_t long_bytes = 0;
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t len = get_u32(lengths + (size_t)r * 4);
                if (len > SL_STRING_INLINE_MAX)
                    long_bytes += len;
            }
            char *heap = NULL;
            if (long_bytes) {
                sl_buffer *buf = sl_buffer_new(long_bytes);
                if (!buf) {
                    st = sl_error_oom(err);
                    break;
                }
                buf->size = long_bytes;
                st = sl_vector_add_heap(v, buf, err);
                sl_buffer_unref(buf);
                if (st != SL_OK)
                    break;
                heap = (char *)buf->data;
            }
            sl_string *s = v->data;
            for (uint32_t r = 0; r < rows; r++) {
                uint32_t len = get_u32(lengths + (size_t)r * 4);
                if ((size_t)(end - p) < len) {
                    st = corrupt(f, err);
                    break;
                }
                if (len > SL_STRING_INLINE_MAX) {
                    memcpy(heap, p, len);
                    s[r] = sl_string_make(heap, len);
                    heap += len;
                } else {
                    s[r] = sl_string_make((const char *)p, len);
                }
                p += len;
            }
            continue;
        }
        size_t bytes = (size_t)rows * sl_type_width(f->types[c]);
        if ((size_t)(end - p) < bytes) {
            st = corrupt(f, err);
            break;
        }
        if (bytes)
            memcpy(v->data, p, bytes);
        p += bytes;
    }
    if (st == SL_OK && has_change) {
        if ((size_t)(end - p) < rows)
            st = corrupt(f, err);
        else
            st = sl_batch_set_change(b, (const int8_t *)p, 0, rows, err);
    }
    if (st != SL_OK) {
        sl_batch_free(b);
        return st;
    }
    b->length = b->count = rows;
    *out = b;
    return SL_OK;
}

sl_status sl_spill_file_read(sl_spill_file *file, sl_batch **out, sl_error *err)
{
    sl_spill_file *f = file;
    *out = NULL;
    if (!f->finished)
        return sl_error_set(err, SL_ERR_INTERNAL, "spill: read before the file was finished");
    if (f->disk_offset == f->file_size && f->read_pos == f->read_end)
        return SL_OK;
    SL_TRY(fill(f, SL_SPILL_FRAME_HEADER, err));
    uint32_t raw = get_u32(f->read_buffer + f->read_pos);
    uint32_t compressed = get_u32(f->read_buffer + f->read_pos + 4);
    if (compressed > (uint32_t)LZ4_compressBound((int)(raw < (uint32_t)LZ4_MAX_INPUT_SIZE ? raw : 0)) + 16u)
        return corrupt(f, err);
    SL_TRY(fill(f, SL_SPILL_FRAME_HEADER + (size_t)compressed, err));
    SL_TRY(grow(f, &f->raw, &f->raw_capacity, raw ? raw : 1, err));
    int got = LZ4_decompress_safe((const char *)f->read_buffer + f->read_pos + SL_SPILL_FRAME_HEADER,
                                  (char *)f->raw, (int)compressed, (int)raw);
    if (got < 0 || (uint32_t)got != raw)
        return corrupt(f, err);
    f->read_pos += SL_SPILL_FRAME_HEADER + (size_t)compressed;
    return deserialize(f, f->raw, raw, out, err);
}

uint64_t sl_spill_file_rows(const sl_spill_file *file)
{
    return file->rows;
}

void sl_spill_file_free(sl_spill_file *file)
{
    if (!file)
        return;
    if (file->fd >= 0)
        close(file->fd);
    sl_free(file->raw);
    sl_free(file->block);
    sl_free(file->read_buffer);
    if (file->exec && file->exec->memory && file->reserved)
        sl_memory_release(file->exec->memory, file->reserved);
    sl_free(file->directory);
    sl_free(file->types);
    sl_free(file);
}
