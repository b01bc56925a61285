/*
 * text.c — see text.h.
 */
#include "common/text.h"

#include <string.h>

static int fold(char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

size_t sl_edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > limit || lb > 255)
        return limit + 1;
    size_t row[256];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = diag + (fold(a[i - 1]) != fold(b[j - 1]));
            if (up + 1 < cost)
                cost = up + 1;
            if (row[j - 1] + 1 < cost)
                cost = row[j - 1] + 1;
            row[j] = cost;
            diag = up;
            if (cost < best)
                best = cost;
        }
        if (best > limit)
            return limit + 1;
    }
    return row[lb];
}

size_t sl_suggestion_limit(const char *name)
{
    size_t limit = (strlen(name) + 1) / 2;
    return limit < 1 ? 1 : limit > 3 ? 3 : limit;
}
