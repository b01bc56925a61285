/*
 * render.h — how the shell prints results: table (box drawing), csv, json, line.
 *
 * Renderers read a result through the public API only (sluice.h). csv and json stream
 * chunk by chunk; table mode gathers the rows first to size the columns.
 */
#ifndef SL_CLI_RENDER_H
#define SL_CLI_RENDER_H

#include <stdio.h>

#include "sluice.h"

typedef enum sl_output_mode {
    SL_OUTPUT_TABLE,
    SL_OUTPUT_CSV,
    SL_OUTPUT_JSON,
    SL_OUTPUT_LINE
} sl_output_mode;

/* Parses "table" / "box" / "duckbox", "csv", "json", "line"; false if unknown. */
bool sl_output_mode_parse(const char *name, sl_output_mode *out);

/* Prints every row of result to out in the given mode. Returns SLUICE_OK or the fetch
 * error (the caller reports it through sluice_connection_error). */
sluice_status sl_render_result(sluice_result *result, sl_output_mode mode, FILE *out);

#endif
