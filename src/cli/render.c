/*
 * render.c — result printing for the shell in its four output modes.
 *
 *   csv    header row, then rows; NULL is an empty field; fields holding the delimiter,
 *          a quote or a line break are quoted with "" doubling (the CSV output contract)
 *   json   one JSON array of objects; numbers and booleans bare, NULL as null
 *   line   "column = value" lines, a blank line between rows
 *   table  box-drawn table with a name row and a type row, numbers right-aligned
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/render.h"

#define SL_RENDER_TRY(expr)                  \
    do {                                     \
        sluice_status st_ = (expr);          \
        if (st_ != SLUICE_OK)                \
            return st_;                      \
    } while (0)

bool sl_output_mode_parse(const char *name, sl_output_mode *out)
{
    if (!strcasecmp(name, "table") || !strcasecmp(name, "box") || !strcasecmp(name, "duckbox"))
        *out = SL_OUTPUT_TABLE;
    else if (!strcasecmp(name, "csv"))
        *out = SL_OUTPUT_CSV;
    else if (!strcasecmp(name, "json"))
        *out = SL_OUTPUT_JSON;
    else if (!strcasecmp(name, "line"))
        *out = SL_OUTPUT_LINE;
    else
        return false;
    return true;
}

/* Text of one value in a growable buffer; returns NULL for SQL NULL. */
typedef struct text_buffer {
    char *data;
    size_t capacity;
} text_buffer;

static const char *value_text(const sluice_chunk *chunk, uint32_t column, uint64_t row, text_buffer *buf)
{
    if (sluice_chunk_is_null(chunk, column, row))
        return NULL;
    if (!buf->data) {
        buf->capacity = 256;
        buf->data = malloc(buf->capacity);
        if (!buf->data)
            return "";
    }
    size_t len = sluice_chunk_value_text(chunk, column, row, buf->data, buf->capacity);
    if (len >= buf->capacity) {
        char *grown = realloc(buf->data, len + 1);
        if (!grown)
            return buf->data;
        buf->data = grown;
        buf->capacity = len + 1;
        sluice_chunk_value_text(chunk, column, row, buf->data, buf->capacity);
    }
    return buf->data;
}

static bool is_numeric(sluice_type t)
{
    return t == SLUICE_TYPE_TINYINT || t == SLUICE_TYPE_SMALLINT || t == SLUICE_TYPE_INTEGER ||
           t == SLUICE_TYPE_BIGINT || t == SLUICE_TYPE_REAL || t == SLUICE_TYPE_DOUBLE || t == SLUICE_TYPE_DECIMAL;
}

static void csv_field(FILE *out, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static bool json_bare(sluice_type t, const char *text)
{
    if (t == SLUICE_TYPE_BOOLEAN)
        return true;
    if (!is_numeric(t))
        return false;
    /* inf / nan are not JSON numbers */
    return strcmp(text, "inf") != 0 && strcmp(text, "-inf") != 0 && strcmp(text, "nan") != 0;
}

static sluice_status render_streaming(sluice_result *result, sl_output_mode mode, FILE *out)
{
    uint32_t ncols = sluice_result_column_count(result);
    text_buffer buf = { 0 };
    bool first_row = true;
    if (mode == SL_OUTPUT_CSV) {
        for (uint32_t c = 0; c < ncols; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, sluice_result_column_name(result, c));
        }
        fputc('\n', out);
    } else if (mode == SL_OUTPUT_JSON) {
        fputc('[', out);
    }
    sluice_status st = SLUICE_OK;
    for (;;) {
        sluice_chunk *chunk = NULL;
        st = sluice_result_fetch(result, &chunk);
        if (st != SLUICE_OK || !chunk)
            break;
        uint64_t rows = sluice_chunk_row_count(chunk);
        for (uint64_t r = 0; r < rows; r++) {
            if (mode == SL_OUTPUT_JSON)
                fputs(first_row ? "{" : ",\n{", out);
            else if (mode == SL_OUTPUT_LINE && !first_row)
                fputc('\n', out);
            for (uint32_t c = 0; c < ncols; c++) {
                const char *text = value_text(chunk, c, r, &buf);
                const char *name = sluice_result_column_name(result, c);
                switch (mode) {
                case SL_OUTPUT_CSV:
                    if (c)
                        fputc(',', out);
                    if (text)
                        csv_field(out, text);
                    break;
                case SL_OUTPUT_JSON:
                    if (c)
                        fputc(',', out);
                    json_string(out, name);
                    fputc(':', out);
                    if (!text)
                        fputs("null", out);
                    else if (json_bare(sluice_result_column_type(result, c), text))
                        fputs(text, out);
                    else
                        json_string(out, text);
                    break;
                default:
                    fprintf(out, "%s = %s\n", name, text ? text : "NULL");
                    break;
                }
            }
            if (mode == SL_OUTPUT_CSV)
                fputc('\n', out);
            else if (mode == SL_OUTPUT_JSON)
                fputc('}', out);
            first_row = false;
        }
        sluice_chunk_free(chunk);
        fflush(out);
    }
    if (mode == SL_OUTPUT_JSON)
        fputs("]\n", out);
    free(buf.data);
    return st;
}

/* Display width of UTF-8 text (code points; wide characters counted as 1). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

static void repeat(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputs(s, out);
}

static void border(FILE *out, const size_t *widths, uint32_t ncols, const char *left, const char *mid,
                   const char *right)
{
    fputs(left, out);
    for (uint32_t c = 0; c < ncols; c++) {
        repeat(out, "─", widths[c] + 2);
        fputs(c + 1 < ncols ? mid : right, out);
    }
    fputc('\n', out);
}

static void cell(FILE *out, const char *text, size_t width, bool right_align)
{
    size_t w = display_width(text);
    fputs("│ ", out);
    if (right_align)
        repeat(out, " ", width - w);
    fputs(text, out);
    if (!right_align)
        repeat(out, " ", width - w);
    fputc(' ', out);
}

#define TABLE_MAX_CELL 80

/* A cell's text (malloc'd): NULL shown as NULL, line breaks and tabs as spaces, cut at a
 * code point to at most max_width columns with a trailing … marking the cut. */
static char *cell_text(const char *text, size_t max_width)
{
    char *copy = strdup(text ? text : "NULL");
    for (char *p = copy; *p; p++)
        if (*p == '\n' || *p == '\t' || *p == '\r')
            *p = ' ';
    if (display_width(copy) <= max_width)
        return copy;
    size_t seen = 0;
    char *p = copy;
    for (; *p; p++)
        if ((*(unsigned char *)p & 0xC0) != 0x80 && ++seen > max_width - 1)
            break;
    *p = 0;
    char *longer = malloc(strlen(copy) + 4);
    sprintf(longer, "%s…", copy);
    free(copy);
    return longer;
}

/* The top border, the names and types rows and the separator. */
static void table_header(sluice_result *result, FILE *out, const size_t *widths, uint32_t ncols)
{
    border(out, widths, ncols, "┌", "┬", "┐");
    for (uint32_t c = 0; c < ncols; c++)
        cell(out, sluice_result_column_name(result, c), widths[c], false);
    fputs("│\n", out);
    for (uint32_t c = 0; c < ncols; c++)
        cell(out, sluice_result_column_type_name(result, c), widths[c], false);
    fputs("│\n", out);
    border(out, widths, ncols, "├", "┼", "┤");
}

/* The whole result as one table; `first`, when not NULL, is a chunk already fetched from it
 * (taken over). */
static sluice_status render_table(sluice_result *result, FILE *out, sluice_chunk *first)
{
    uint32_t ncols = sluice_result_column_count(result);
    if (ncols == 0)
        return SLUICE_OK;
    size_t *widths = calloc(ncols, sizeof *widths);
    char **cells = NULL;
    size_t nrows = 0, cap = 0;
    text_buffer buf = { 0 };
    for (uint32_t c = 0; c < ncols; c++) {
        size_t a = display_width(sluice_result_column_name(result, c));
        size_t b = display_width(sluice_result_column_type_name(result, c));
        widths[c] = a > b ? a : b;
    }
    sluice_status st = SLUICE_OK;
    for (;;) {
        sluice_chunk *chunk = first;
        first = NULL;
        if (!chunk)
            st = sluice_result_fetch(result, &chunk);
        if (st != SLUICE_OK || !chunk)
            break;
        uint64_t rows = sluice_chunk_row_count(chunk);
        for (uint64_t r = 0; r < rows; r++) {
            if (nrows + 1 > cap) {
                cap = cap ? cap * 2 : 64;
                cells = realloc(cells, cap * ncols * sizeof *cells);
            }
            for (uint32_t c = 0; c < ncols; c++) {
                char *copy = cell_text(value_text(chunk, c, r, &buf), TABLE_MAX_CELL);
                size_t w = display_width(copy);
                if (w > widths[c])
                    widths[c] = w;
                cells[nrows * ncols + c] = copy;
            }
            nrows++;
        }
        sluice_chunk_free(chunk);
    }
    bool *right = calloc(ncols, sizeof *right);
    for (uint32_t c = 0; c < ncols; c++)
        right[c] = is_numeric(sluice_result_column_type(result, c));

    table_header(result, out, widths, ncols);
    for (size_t r = 0; r < nrows; r++) {
        for (uint32_t c = 0; c < ncols; c++)
            cell(out, cells[r * ncols + c], widths[c], right[c]);
        fputs("│\n", out);
    }
    if (nrows == 0) {
        size_t total = 0;
        for (uint32_t c = 0; c < ncols; c++)
            total += widths[c] + 3;
        fputs("│ ", out);
        const char *empty = "0 rows";
        fputs(empty, out);
        repeat(out, " ", total - 3 - strlen(empty) + 1);
        fputs("│\n", out);
    }
    border(out, widths, ncols, "└", "┴", "┘");
    if (nrows > 0)
        fprintf(out, "%zu row%s\n", nrows, nrows == 1 ? "" : "s");
    for (size_t i = 0; i < nrows * ncols; i++)
        free(cells[i]);
    free(cells);
    free(widths);
    free(right);
    free(buf.data);
    return st;
}

/* Column width for a continuous result's table, fixed before the first row arrives. */
static size_t live_width(sluice_result *result, uint32_t c)
{
    size_t w = 10;
    switch (sluice_result_column_type(result, c)) {
    case SLUICE_TYPE_TIMESTAMP: w = 26; break;
    case SLUICE_TYPE_VARCHAR: w = 16; break;
    case SLUICE_TYPE_DATE: w = 10; break;
    case SLUICE_TYPE_INTERVAL: w = 16; break;
    default: break;
    }
    size_t a = display_width(sluice_result_column_name(result, c));
    size_t b = display_width(sluice_result_column_type_name(result, c));
    if (a > w)
        w = a;
    return b > w ? b : w;
}

/* A continuous query in table mode: the header at once, then rows as they are emitted
 * (cells wider than their column are cut), the closing border when it ends or is
 * cancelled. */
static sluice_status render_live_table(sluice_result *result, FILE *out)
{
    uint32_t ncols = sluice_result_column_count(result);
    if (ncols == 0)
        return SLUICE_OK;
    size_t *widths = calloc(ncols, sizeof *widths);
    bool *right = calloc(ncols, sizeof *right);
    for (uint32_t c = 0; c < ncols; c++) {
        widths[c] = live_width(result, c);
        right[c] = is_numeric(sluice_result_column_type(result, c));
    }
    table_header(result, out, widths, ncols);
    fflush(out);
    text_buffer buf = { 0 };
    size_t nrows = 0;
    sluice_status st = SLUICE_OK;
    for (;;) {
        sluice_chunk *chunk = NULL;
        st = sluice_result_fetch(result, &chunk);
        if (st != SLUICE_OK || !chunk)
            break;
        uint64_t rows = sluice_chunk_row_count(chunk);
        for (uint64_t r = 0; r < rows; r++, nrows++) {
            for (uint32_t c = 0; c < ncols; c++) {
                char *copy = cell_text(value_text(chunk, c, r, &buf), widths[c]);
                cell(out, copy, widths[c], right[c]);
                free(copy);
            }
            fputs("│\n", out);
        }
        sluice_chunk_free(chunk);
        fflush(out);
    }
    border(out, widths, ncols, "└", "┴", "┘");
    fprintf(out, "%zu row%s\n", nrows, nrows == 1 ? "" : "s");
    free(widths);
    free(right);
    free(buf.data);
    return st;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void format_bytes(uint64_t bytes, char *buf, size_t cap)
{
    if (bytes >= (1u << 30))
        snprintf(buf, cap, "%.1f GiB", (double)bytes / (1u << 30));
    else if (bytes >= (1u << 20))
        snprintf(buf, cap, "%.1f MiB", (double)bytes / (1u << 20));
    else
        snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024.0);
}

/* The status line under a live table: input rate, watermark, state. */
static void status_line(sluice_result *result, FILE *out, double elapsed, uint64_t *last_rows, double *last_time)
{
    sluice_progress p;
    sluice_result_progress(result, &p);
    double now = wall_seconds();
    double rate = now > *last_time ? (double)(p.source_rows - *last_rows) / (now - *last_time) : 0;
    *last_rows = p.source_rows;
    *last_time = now;
    char watermark[40] = "none";
    if (p.has_watermark) {
        time_t secs = (time_t)(p.watermark_micros / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        strftime(watermark, sizeof watermark, "%Y-%m-%d %H:%M:%S", &tm);
    }
    char state[32];
    format_bytes(p.state_bytes, state, sizeof state);
    fprintf(out, "%.0f rows/s · watermark %s · state %llu rows, %s · %.0f s · Ctrl-C stops\n", rate, watermark,
            (unsigned long long)p.state_rows, state, elapsed);
}

/* An updating continuous result on a terminal: redraws the table as it stands twice a
 * second with a status line, until the query ends (then the final table) or is
 * cancelled (the last table stays on screen). */
static sluice_status render_live_updating(sluice_result *result, FILE *out, sluice_chunk **final_first)
{
    *final_first = NULL;
    int drawn_lines = 0;
    double start = wall_seconds(), last_draw = 0, last_time = start;
    uint64_t last_rows = 0;
    sluice_status st = SLUICE_OK;
    while (!sluice_result_is_finished(result)) {
        sluice_chunk *chunk = NULL;
        st = sluice_result_poll(result, 100, &chunk);
        if (st != SLUICE_OK)
            break;
        if (chunk) {   /* the inputs ended: the final table begins; drawn below */
            *final_first = chunk;
            break;
        }
        if (wall_seconds() - last_draw < 0.5)
            continue;
        last_draw = wall_seconds();
        sluice_result *snap = NULL;
        if (sluice_result_snapshot(result, &snap) != SLUICE_OK)
            continue;
        char *text = NULL;
        size_t length = 0;
        FILE *mem = open_memstream(&text, &length);
        if (mem) {
            render_table(snap, mem, NULL);
            status_line(result, mem, last_draw - start, &last_rows, &last_time);
            fclose(mem);
            if (drawn_lines > 0)
                fprintf(out, "\x1b[%dA\x1b[J", drawn_lines);   /* back over the last drawing */
            fputs(text, out);
            fflush(out);
            drawn_lines = 0;
            for (size_t i = 0; i < length; i++)
                drawn_lines += text[i] == '\n';
        }
        free(text);
        sluice_result_free(snap);
    }
    if (st != SLUICE_OK)
        return st;
    /* the final table (the query ended): replaces the live one */
    if (drawn_lines > 0)
        fprintf(out, "\x1b[%dA\x1b[J", drawn_lines);
    return SLUICE_OK;
}

sluice_status sl_render_result(sluice_result *result, sl_output_mode mode, FILE *out)
{
    if (mode == SL_OUTPUT_TABLE && sluice_result_is_continuous(result) && sluice_result_is_updating(result) &&
        isatty(fileno(out))) {
        sluice_chunk *first = NULL;
        SL_RENDER_TRY(render_live_updating(result, out, &first));
        return render_table(result, out, first);   /* the final table, when the inputs ended */
    }
    if (mode == SL_OUTPUT_TABLE && sluice_result_is_continuous(result) && !sluice_result_is_updating(result))
        return render_live_table(result, out);
    if (mode == SL_OUTPUT_TABLE)
        return render_table(result, out, NULL);
    return render_streaming(result, mode, out);
}
