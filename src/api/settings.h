/*
 * settings.h — database-wide settings changed with SET and read with SHOW.
 */
#ifndef SL_API_SETTINGS_H
#define SL_API_SETTINGS_H

#include "api/api_internal.h"

/* SET name = value. value is the text of the constant (quotes removed). */
sl_status sl_setting_set(sluice_database *db, const char *name, const char *value, sl_error *err);
/* RESET name: back to the default. */
sl_status sl_setting_reset(sluice_database *db, const char *name, sl_error *err);
/* SHOW name: the current value as text (sl_malloc'd, caller frees). */
sl_status sl_setting_get(sluice_database *db, const char *name, char **out, sl_error *err);

#endif
