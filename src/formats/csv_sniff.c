/*
 * csv_sniff.c — detects a CSV file's dialect, header, column names and types.
 *
 * Reads the first block of the file (up to 8 MiB), then:
 *  1. dialect: tries every delimiter (, | ; \t) x quote (" ') not given by the user on
 *     the first rows; each row votes for its column count. A dialect is consistent when
 *     at least 80% of the rows agree (a few malformed rows do not rule it out, like
 *     DuckDB); consistent dialects win, then more columns, then more agreeing rows (ties
 *     go to the earlier candidate: ',' and '"'). The quote ' is only considered when it
 *     actually quotes a field of the sample;
 *  2. types: for each column over up to sample_size rows, the narrowest of BOOLEAN,
 *     BIGINT, DOUBLE, DATE, TIMESTAMP that every non-empty value converts to, else
 *     VARCHAR (like DuckDB's read_csv; integers beyond BIGINT become DOUBLE);
 *  3. header: the first row is a header when some value of it does not convert to its
 *     column's sniffed type (or, when every column is VARCHAR, when it has no empty field);
 *  4. names: the header's values (empty -> columnN, duplicates get _N), else column0..N-1.
 * User options (delim, quote, header, columns, names, types, all_varchar) override each step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "formats/csv.h"
#include "formats/text_parse.h"

#define SNIFF_BLOCK (8u << 20)
#define SNIFF_MAX_FIELDS 4096u
#define SNIFF_DIALECT_ROWS 256

typedef struct sniff_buffer {
    char *data;   /* size + 1 bytes (sentinel) */
    size_t size;
    bool eof;     /* the whole file is in data */
} sniff_buffer;

static sl_status sniff_read(const char *path, sniff_buffer *b, sl_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sl_error_set(err, SL_ERR_IO, "cannot open file \"%s\": %s", path, strerror(errno));
    b->data = sl_malloc(SNIFF_BLOCK + 1);
    if (!b->data) {
        close(fd);
        return sl_error_oom(err);
    }
    b->size = 0;
    b->eof = false;
    while (b->size < SNIFF_BLOCK) {
        ssize_t n = read(fd, b->data + b->size, SNIFF_BLOCK - b->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return sl_error_set(err, SL_ERR_IO, "cannot read \"%s\": %s", path, strerror(errno));
        }
        if (n == 0) {
            b->eof = true;
            break;
        }
        b->size += (size_t)n;
    }
    close(fd);
    if (!b->eof) {
        /* cut at the last line break so that the sample ends with a whole row */
        char *nl = memrchr(b->data, '\n', b->size);
        if (nl)
            b->size = (size_t)(nl + 1 - b->data);
    }
    b->data[b->size] = '\n';
    return SL_OK;
}

/* Offset of the first row after the BOM and `skip` lines. */
static size_t sniff_start(const sniff_buffer *b, int64_t skip)
{
    size_t pos = (b->size >= 3 && memcmp(b->data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
    for (int64_t i = 0; i < skip && pos < b->size; i++) {
        const char *nl = memchr(b->data + pos, '\n', b->size - pos);
        pos = nl ? (size_t)(nl + 1 - b->data) : b->size;
    }
    return pos;
}

typedef struct sniff_fields {
    uint32_t fstart[SNIFF_MAX_FIELDS];
    uint32_t flen[SNIFF_MAX_FIELDS];
    uint8_t fflags[SNIFF_MAX_FIELDS];
} sniff_fields;

/* Scores a dialect on the first rows. Rows vote for their column count: *columns = the
 * most common count (ties: the one seen first, so the header row decides), *agree = rows
 * with that count, *rows = rows scored, *quoted = fields opened with the quote character,
 * *ok = no quoting error on the first row. Blank lines are ignored. Counts are tracked for
 * up to SNIFF_VOTE_SLOTS distinct values; rarer counts only add to *rows. */
#define SNIFF_VOTE_SLOTS 16
static void score_dialect(const sniff_buffer *b, size_t pos, const sl_csv_dialect *d, sniff_fields *f,
                          uint32_t *columns, uint32_t *agree, uint32_t *rows, uint32_t *quoted, bool *ok)
{
    bool special[256];
    sl_csv_special_init(d, special);
    uint32_t vote_count[SNIFF_VOTE_SLOTS], vote_rows[SNIFF_VOTE_SLOTS], votes = 0;
    *columns = 0, *agree = 0, *rows = 0, *quoted = 0, *ok = true;
    for (int i = 0; i < SNIFF_DIALECT_ROWS && pos < b->size; i++) {
        sl_csv_row row;
        sl_csv_row_status st = sl_csv_split_row(d, special, b->data, pos, b->size, true, SNIFF_MAX_FIELDS, f->fstart,
                                                f->flen, f->fflags, &row);
        if (st != SL_CSV_ROW_OK) {
            /* a quoting error after good rows is the data's problem (the reader reports it);
             * one on the first row rules the dialect out */
            *ok = *rows > 0;
            if (st == SL_CSV_ROW_UNTERMINATED || st == SL_CSV_ROW_BAD_QUOTE)
                (*quoted)++;
            break;
        }
        pos = row.next;
        if (row.field_count == 1 && f->flen[0] == 0 && !(f->fflags[0] & SL_CSV_FIELD_QUOTED))
            continue;
        uint32_t stored = row.field_count < SNIFF_MAX_FIELDS ? row.field_count : SNIFF_MAX_FIELDS;
        for (uint32_t k = 0; k < stored; k++)
            *quoted += f->fflags[k] & SL_CSV_FIELD_QUOTED;
        (*rows)++;
        uint32_t v = 0;
        while (v < votes && vote_count[v] != row.field_count)
            v++;
        if (v == votes && votes < SNIFF_VOTE_SLOTS) {
            vote_count[votes] = row.field_count;
            vote_rows[votes++] = 0;
        }
        if (v < votes)
            vote_rows[v]++;
    }
    for (uint32_t v = 0; v < votes; v++) {
        if (vote_rows[v] > *agree) {
            *agree = vote_rows[v];
            *columns = vote_count[v];
        }
    }
}

/* A dialect is consistent when a large majority of the sampled rows (at least 80%) share
 * its column count; the rest are malformed rows
 * that the reader reports or, with ignore_errors, skips (like DuckDB's sniffer). */
static bool sniff_consistent(uint32_t agree, uint32_t rows)
{
    return (uint64_t)(rows - agree) * 5 <= rows;
}

/* Candidate types in widening order. */
enum { CAN_BOOL = 1, CAN_BIGINT = 2, CAN_DOUBLE = 4, CAN_DATE = 8, CAN_TIMESTAMP = 16, CAN_ALL = 31 };

static unsigned value_fits(const char *s, size_t n, unsigned can)
{
    unsigned fits = 0;
    bool b;
    int64_t i;
    double d;
    int32_t days;
    /* sniffed booleans: true/false/t/f/yes/no (not 0/1, which are integers, nor y/n) */
    if ((can & CAN_BOOL) && (n > 1 || s[0] == 't' || s[0] == 'f' || s[0] == 'T' || s[0] == 'F') &&
        sl_text_parse_boolean(s, n, &b))
        fits |= CAN_BOOL;
    if ((can & CAN_BIGINT) && sl_text_parse_int64(s, n, &i))
        fits |= CAN_BIGINT;
    if ((can & CAN_DOUBLE) && sl_text_parse_double(s, n, &d))
        fits |= CAN_DOUBLE;
    if ((can & CAN_DATE) && sl_text_parse_date(s, n, &days))
        fits |= CAN_DATE;
    if ((can & CAN_TIMESTAMP) && sl_text_parse_timestamp(s, n, &i))
        fits |= CAN_TIMESTAMP;
    return fits;
}

static sl_type type_of(unsigned can, bool seen)
{
    if (!seen)
        return sl_type_make(SL_TYPE_VARCHAR);
    if (can & CAN_BOOL)
        return sl_type_make(SL_TYPE_BOOLEAN);
    if (can & CAN_BIGINT)
        return sl_type_make(SL_TYPE_BIGINT);
    if (can & CAN_DOUBLE)
        return sl_type_make(SL_TYPE_DOUBLE);
    if (can & CAN_DATE)
        return sl_type_make(SL_TYPE_DATE);
    if (can & CAN_TIMESTAMP)
        return sl_type_make(SL_TYPE_TIMESTAMP);
    return sl_type_make(SL_TYPE_VARCHAR);
}

/* Field text, unescaped into scratch when needed. */
static const char *field_text(const sl_csv_dialect *d, const char *buf, const sniff_fields *f, uint32_t i,
                              char *scratch, size_t *n)
{
    const char *s = buf + f->fstart[i];
    *n = f->flen[i];
    if ((f->fflags[i] & SL_CSV_FIELD_ESCAPED) && *n < 1024) {
        *n = sl_csv_unescape(d, s, (uint32_t)*n, scratch);
        return scratch;
    }
    return s;
}

static bool is_null_text(const sl_csv_dialect *d, const char *s, size_t n)
{
    if (n == 0)
        return true;
    return d->null_string && strlen(d->null_string) == n && memcmp(d->null_string, s, n) == 0;
}

sl_status sl_csv_sniff(sl_arena *arena, const char *path, const sl_copy_options *opts, sl_csv_sniff_result *out,
                       sl_error *err)
{
    memset(out, 0, sizeof *out);
    sl_csv_dialect *d = &out->dialect;
    d->delimiter = opts->delimiter;
    d->quote = opts->quote;
    d->escape = opts->escape_set ? opts->escape : opts->quote;
    if (!d->escape)
        d->escape = d->quote;
    d->null_string = opts->null_string;
    d->skip = opts->skip;
    d->header = opts->header > 0;

    if (!opts->auto_detect) {
        if (opts->column_count == 0)
            return sl_error_set(err, SL_ERR_INVALID_ARG,
                                "read_csv with auto_detect = false needs the columns option");
        out->column_count = opts->column_count;
        out->types = opts->column_types;
        out->names = opts->column_names;
        return SL_OK;
    }

    sniff_buffer b = { 0 };
    sniff_fields *f = NULL;
    sl_status st = sniff_read(path, &b, err);
    if (st != SL_OK)
        goto done;
    f = sl_malloc(sizeof *f);
    if (!f) {
        st = sl_error_oom(err);
        goto done;
    }
    size_t start = sniff_start(&b, opts->skip);

    /* 1. dialect */
    static const char delimiters[] = { ',', '|', ';', '\t' };
    static const char quotes[] = { '"', '\'' };
    uint32_t best_columns = 0, best_agree = 0, best_rows = 0;
    bool found = false;
    for (size_t qi = 0; qi < (opts->quote_set ? 1 : sizeof quotes); qi++) {
        for (size_t di = 0; di < (opts->delimiter_set ? 1 : sizeof delimiters); di++) {
            sl_csv_dialect cand = *d;
            cand.delimiter = opts->delimiter_set ? opts->delimiter : delimiters[di];
            cand.quote = opts->quote_set ? opts->quote : quotes[qi];
            cand.escape = opts->escape_set && opts->escape ? opts->escape : cand.quote;
            if (cand.quote && cand.quote == cand.delimiter)
                continue;
            uint32_t columns, agree, rows, quoted;
            bool ok;
            score_dialect(&b, start, &cand, f, &columns, &agree, &rows, &quoted, &ok);
            if (!ok)
                continue;
            /* a quote character other than the first candidate ('"') must earn its place by
             * quoting a field of the sample; else it only hides real '"' quoting (and its
             * errors, such as an unterminated quote) */
            if (!opts->quote_set && qi > 0 && quoted == 0)
                continue;
            /* consistent (a large majority of rows agree) beats more columns; then more
             * columns; then more agreeing rows */
            bool consistent = sniff_consistent(agree, rows);
            bool best_consistent = sniff_consistent(best_agree, best_rows);
            /* with a given schema, a dialect producing its column count wins first */
            uint32_t want = opts->column_count;
            bool fits = want && (columns == want || columns == want + 1);
            bool best_fits = want && (best_columns == want || best_columns == want + 1);
            bool better = !found || (fits && !best_fits) ||
                          (fits == best_fits &&
                           ((consistent && !best_consistent) ||
                            (consistent == best_consistent &&
                             (columns > best_columns || (columns == best_columns && agree > best_agree)))));
            if (better) {
                found = true;
                best_columns = columns, best_agree = agree, best_rows = rows;
                d->delimiter = cand.delimiter;
                d->quote = cand.quote;
                d->escape = cand.escape;
            }
        }
    }
    if (!found) {
        /* every candidate had a quoting error: fall back to the defaults, the reader reports it */
        best_columns = 1;
    }
    if (best_columns == 0)
        best_columns = opts->column_count ? opts->column_count : 1;
    if (best_columns > SNIFF_MAX_FIELDS) {
        st = sl_error_set(err, SL_ERR_INVALID_INPUT, "\"%s\" has more than %u columns", path, SNIFF_MAX_FIELDS);
        goto done;
    }
    uint32_t ncols = opts->column_count ? opts->column_count : best_columns;

    /* 2. types over the sample (first row kept aside for the header decision) */
    unsigned *can = sl_arena_alloc(arena, ncols * sizeof *can);
    bool *seen = sl_arena_calloc(arena, ncols * sizeof *seen);
    char **first = sl_arena_calloc(arena, ncols * sizeof *first);
    bool *first_null = sl_arena_calloc(arena, ncols * sizeof *first_null);
    out->types = sl_arena_alloc(arena, ncols * sizeof *out->types);
    out->names = sl_arena_alloc(arena, ncols * sizeof *out->names);
    if (!can || !seen || !first || !first_null || !out->types || !out->names) {
        st = sl_error_oom(err);
        goto done;
    }
    for (uint32_t c = 0; c < ncols; c++)
        can[c] = CAN_ALL;
    bool special[256];
    sl_csv_special_init(d, special);
    char scratch[1024];
    size_t pos = start;
    int64_t sampled = 0;
    int64_t limit = opts->sample_size < 0 ? INT64_MAX : opts->sample_size;
    bool have_first = false;
    uint32_t first_fields = 0;
    while (pos < b.size && sampled <= limit) {
        sl_csv_row row;
        sl_csv_row_status rs = sl_csv_split_row(d, special, b.data, pos, b.size, true, SNIFF_MAX_FIELDS, f->fstart,
                                                f->flen, f->fflags, &row);
        if (rs != SL_CSV_ROW_OK)
            break;
        pos = row.next;
        if (row.field_count == 1 && f->flen[0] == 0 && !(f->fflags[0] & SL_CSV_FIELD_QUOTED) && ncols > 1)
            continue;
        if (!have_first) {
            have_first = true;
            first_fields = row.field_count;
            for (uint32_t c = 0; c < ncols && c < row.field_count; c++) {
                size_t n;
                const char *s = field_text(d, b.data, f, c, scratch, &n);
                first[c] = sl_arena_strndup(arena, s, n);
                if (!first[c]) {
                    st = sl_error_oom(err);
                    goto done;
                }
                first_null[c] = is_null_text(d, s, n);
            }
            continue;
        }
        sampled++;
        if (row.field_count != ncols)
            continue; /* the reader reports (or skips) malformed rows */
        for (uint32_t c = 0; c < ncols; c++) {
            if (!can[c])
                continue;
            size_t n;
            const char *s = field_text(d, b.data, f, c, scratch, &n);
            if (is_null_text(d, s, n))
                continue;
            seen[c] = true;
            can[c] = value_fits(s, n, can[c]);
        }
    }

    /* 3. header */
    bool all_varchar = true;
    for (uint32_t c = 0; c < ncols; c++)
        if (seen[c] && can[c])
            all_varchar = false;
    bool header;
    if (opts->header >= 0) {
        header = opts->header > 0;
    } else if (!have_first) {
        header = false;
    } else if (sampled == 0) {
        /* a single row: a header if nothing in it looks like data */
        header = true;
        for (uint32_t c = 0; c < ncols && c < first_fields; c++)
            if (first_null[c] || value_fits(first[c], strlen(first[c]), CAN_ALL))
                header = false;
    } else if (all_varchar || opts->all_varchar) {
        header = first_fields == ncols;
        for (uint32_t c = 0; c < ncols && c < first_fields; c++)
            if (first_null[c])
                header = false;
    } else {
        header = false;
        for (uint32_t c = 0; c < ncols && c < first_fields; c++) {
            if (!first_null[c] && seen[c] && can[c] && !(value_fits(first[c], strlen(first[c]), can[c]) & can[c]))
                header = true;
        }
    }
    if (opts->header < 0 && opts->column_count && have_first && first_fields >= ncols) {
        /* the schema is given (COPY FROM a table, columns = {...}): the first row is a header
         * when one of its values does not convert to its column's type */
        bool typed = false, mismatch = false;
        for (uint32_t c = 0; c < ncols; c++) {
            if (opts->column_types[c].id == SL_TYPE_VARCHAR || first_null[c])
                continue;
            typed = true;
            sl_vector *probe = sl_vector_new(opts->column_types[c], 1);
            if (!probe) {
                st = sl_error_oom(err);
                goto done;
            }
            if (!sl_text_parse_slot(probe, 0, first[c], strlen(first[c])))
                mismatch = true;
            sl_vector_unref(probe);
        }
        if (typed)
            header = mismatch;
    }
    d->header = header;
    if (!header && have_first && first_fields == ncols) {
        for (uint32_t c = 0; c < ncols; c++) {
            if (first_null[c])
                continue;
            can[c] = value_fits(first[c], strlen(first[c]), can[c]);
            seen[c] = true;
        }
    }

    /* 4. names and types, then user overrides */
    for (uint32_t c = 0; c < ncols; c++) {
        out->types[c] = opts->all_varchar ? sl_type_make(SL_TYPE_VARCHAR) : type_of(can[c], seen[c]);
        const char *name = NULL;
        if (header && c < first_fields && first[c] && first[c][0])
            name = first[c];
        char generated[32];
        if (!name) {
            snprintf(generated, sizeof generated, "column%u", c);
            name = generated;
        }
        /* make unique */
        char *unique = sl_arena_strdup(arena, name);
        for (int k = 1; unique; k++) {
            bool dup = false;
            for (uint32_t j = 0; j < c && !dup; j++)
                dup = strcmp(out->names[j], unique) == 0;
            if (!dup)
                break;
            unique = sl_arena_alloc(arena, strlen(name) + 16);
            if (unique)
                sprintf(unique, "%s_%d", name, k);
        }
        if (!unique) {
            st = sl_error_oom(err);
            goto done;
        }
        out->names[c] = unique;
    }
    if (opts->column_count) {
        for (uint32_t c = 0; c < ncols; c++) {
            out->names[c] = opts->column_names[c];
            out->types[c] = opts->column_types[c];
        }
    }
    for (uint32_t c = 0; c < opts->name_count && c < ncols; c++)
        out->names[c] = opts->names[c];
    for (uint32_t c = 0; c < opts->type_count && c < ncols; c++)
        out->types[c] = opts->types[c];
    out->column_count = ncols;
    st = SL_OK;
done:
    sl_free(b.data);
    sl_free(f);
    return st;
}
