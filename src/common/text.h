/*
 * text.h — small text utilities shared by subsystems: edit distance for "did you mean"
 * suggestions in error messages.
 */
#ifndef SL_COMMON_TEXT_H
#define SL_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Case-insensitive (ASCII) Levenshtein distance between a and b, or limit + 1 as soon as
 * it is known to exceed limit (also for names longer than 255 bytes). */
size_t sl_edit_distance(const char *a, const char *b, size_t limit);

/* The largest distance at which a candidate still counts as a likely misspelling of a
 * name of this length: about half the name, at least 1, at most 3. */
size_t sl_suggestion_limit(const char *name);

#endif
