/*
 * storage_util.c — small pieces the storage files share: the growable byte buffer that
 * records and the manifest are built in, the stable on-disk type codes, and full-length
 * pread/pwrite loops.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "storage/storage_internal.h"

/* ----------------------------------------------------------------- byte buffer */

sl_status sl_bytes_grow(sl_bytes *b, size_t n, uint8_t **out, sl_error *err)
{
    if (b->size + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < b->size + n)
            capacity *= 2;
        uint8_t *grown = sl_realloc(b->data, capacity);
        if (!grown)
            return sl_error_oom(err);
        b->data = grown;
        b->capacity = capacity;
    }
    uint8_t *p = b->data + b->size;
    memset(p, 0, n);
    b->size += n;
    if (out)
        *out = p;
    return SL_OK;
}

sl_status sl_bytes_append(sl_bytes *b, const void *data, size_t n, sl_error *err)
{
    uint8_t *p = NULL;
    SL_TRY(sl_bytes_grow(b, n, &p, err));
    if (n)
        memcpy(p, data, n);
    return SL_OK;
}

void sl_bytes_free(sl_bytes *b)
{
    sl_free(b->data);
    b->data = NULL;
    b->size = b->capacity = 0;
}

/* ----------------------------------------------------------------- type codes */

/* Code i (1-based) is entry i - 1. Never reorder: the numbers are in every data file. */
static const struct {
    sl_type_id id;
    const char *name;
} sl_storage_types[] = {
    { SL_TYPE_BOOLEAN, "BOOLEAN" },   { SL_TYPE_TINYINT, "TINYINT" },   { SL_TYPE_SMALLINT, "SMALLINT" },
    { SL_TYPE_INTEGER, "INTEGER" },   { SL_TYPE_BIGINT, "BIGINT" },     { SL_TYPE_REAL, "REAL" },
    { SL_TYPE_DOUBLE, "DOUBLE" },     { SL_TYPE_DECIMAL, "DECIMAL" },   { SL_TYPE_VARCHAR, "VARCHAR" },
    { SL_TYPE_DATE, "DATE" },         { SL_TYPE_TIMESTAMP, "TIMESTAMP" }, { SL_TYPE_INTERVAL, "INTERVAL" },
    { SL_TYPE_NULL, "NULL" },
};
#define SL_STORAGE_TYPE_COUNT (sizeof sl_storage_types / sizeof sl_storage_types[0])

uint8_t sl_storage_type_code(sl_type type)
{
    for (size_t i = 0; i < SL_STORAGE_TYPE_COUNT; i++)
        if (sl_storage_types[i].id == type.id)
            return (uint8_t)(i + 1);
    return 0;
}

const char *sl_storage_type_code_name(uint8_t code)
{
    return code >= 1 && code <= SL_STORAGE_TYPE_COUNT ? sl_storage_types[code - 1].name : NULL;
}

uint8_t sl_storage_type_code_parse(const char *name, size_t length)
{
    for (size_t i = 0; i < SL_STORAGE_TYPE_COUNT; i++)
        if (strlen(sl_storage_types[i].name) == length && memcmp(sl_storage_types[i].name, name, length) == 0)
            return (uint8_t)(i + 1);
    return 0;
}

bool sl_storage_type_from_code(uint8_t code, uint8_t precision, uint8_t scale, sl_type *out)
{
    if (code < 1 || code > SL_STORAGE_TYPE_COUNT)
        return false;
    sl_type_id id = sl_storage_types[code - 1].id;
    if (id == SL_TYPE_DECIMAL) {
        if (precision < 1 || precision > SL_DECIMAL_MAX_PRECISION || scale > precision)
            return false;
        *out = sl_type_decimal(precision, scale);
        return true;
    }
    if (precision != 0 || scale != 0)
        return false;
    *out = sl_type_make(id);
    return true;
}

/* ----------------------------------------------------------------- I/O loops */

int sl_storage_pwrite_all(int fd, const void *data, size_t size, uint64_t offset)
{
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = pwrite(fd, p, size, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += n;
        size -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int sl_storage_pread_all(int fd, void *data, size_t size, uint64_t offset)
{
    uint8_t *p = data;
    while (size > 0) {
        ssize_t n = pread(fd, p, size, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return 0;
        p += n;
        size -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 1;
}
