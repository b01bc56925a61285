/*
 * file_output.c — buffered output file with atomic commit (see file_output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "formats/file_output.h"

#define SL_FILE_OUTPUT_BUFFER (1u << 20)

sl_status sl_file_output_open(sl_file_output *out, const char *path, sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    out->path = sl_strdup(path);
    out->temp_path = sl_asprintf("%s.tmp.%ld", path, (long)getpid());
    out->buf = sl_malloc(SL_FILE_OUTPUT_BUFFER);
    out->cap = SL_FILE_OUTPUT_BUFFER;
    if (!out->path || !out->temp_path || !out->buf) {
        sl_file_output_abort(out);
        return sl_error_oom(err);
    }
    out->fd = open(out->temp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out->fd < 0) {
        sl_status st = sl_error_set(err, SL_ERR_IO, "cannot create file \"%s\": %s", path, strerror(errno));
        sl_file_output_abort(out);
        return st;
    }
    return SL_OK;
}

sl_status sl_file_output_open_memory(sl_file_output *out, sl_error *err)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    out->cap = 256;
    out->buf = sl_malloc(out->cap);
    return out->buf ? SL_OK : sl_error_oom(err);
}

sl_status sl_file_output_flush(sl_file_output *out, sl_error *err)
{
    if (!out->path) {
        /* in memory: make room instead of writing */
        char *grown = sl_realloc(out->buf, out->cap * 2);
        if (!grown)
            return sl_error_oom(err);
        out->buf = grown;
        out->cap *= 2;
        return SL_OK;
    }
    size_t done = 0;
    while (done < out->size) {
        ssize_t n = write(out->fd, out->buf + done, out->size - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sl_error_set(err, SL_ERR_IO, "cannot write \"%s\": %s", out->path, strerror(errno));
        }
        done += (size_t)n;
    }
    out->bytes_written += (int64_t)out->size;
    out->size = 0;
    return SL_OK;
}

sl_status sl_file_output_write(sl_file_output *out, const void *data, size_t n, sl_error *err)
{
    const char *p = data;
    while (n > 0) {
        if (out->size == out->cap)
            SL_TRY(sl_file_output_flush(out, err));
        size_t k = out->cap - out->size < n ? out->cap - out->size : n;
        memcpy(out->buf + out->size, p, k);
        out->size += k;
        p += k;
        n -= k;
    }
    return SL_OK;
}

sl_status sl_file_output_make_direct(sl_file_output *out, sl_error *err)
{
    if (!out->temp_path)
        return SL_OK;
    if (rename(out->temp_path, out->path) != 0)
        return sl_error_set(err, SL_ERR_IO, "cannot create file \"%s\": %s", out->path, strerror(errno));
    sl_free(out->temp_path);
    out->temp_path = NULL;
    return SL_OK;
}

static void file_output_release(sl_file_output *out)
{
    sl_free(out->path);
    sl_free(out->temp_path);
    sl_free(out->buf);
    out->path = out->temp_path = out->buf = NULL;
}

sl_status sl_file_output_commit(sl_file_output *out, sl_error *err)
{
    sl_status st = sl_file_output_flush(out, err);
    if (st == SL_OK && close(out->fd) != 0)
        st = sl_error_set(err, SL_ERR_IO, "cannot write \"%s\": %s", out->path, strerror(errno));
    out->fd = -1;
    if (st == SL_OK && out->temp_path && rename(out->temp_path, out->path) != 0)
        st = sl_error_set(err, SL_ERR_IO, "cannot move the output into \"%s\": %s", out->path, strerror(errno));
    if (st != SL_OK) {
        sl_file_output_abort(out);
        return st;
    }
    file_output_release(out);
    return SL_OK;
}

void sl_file_output_abort(sl_file_output *out)
{
    if (out->fd >= 0)
        close(out->fd);
    out->fd = -1;
    if (out->temp_path)
        unlink(out->temp_path);
    file_output_release(out);
}
