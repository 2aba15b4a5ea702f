/* portal_i18n — the portal's words in Chinese and English.
 *
 * Keys are the English text itself: a missing translation shows English,
 * never a blank. Ledger fields have their Chinese label in ledger_fields.h
 * and their English one here; flags carry both in flag_catalog.h. */
#ifndef TZ_PORTAL_I18N_H
#define TZ_PORTAL_I18N_H

#include "http_lang.h"
#include "dept_fields.h"
#include "ledger_fields.h"

/* The text for en in lang (en itself for English or when untranslated). */
const char *tr(enum http_lang lang, const char *en);

/* A ledger field's label: 负责人 / Owner. */
const char *tr_field(enum http_lang lang, const struct ledger_field *f);

/* A department record's field: 联络人 / Liaison. */
const char *tr_dept_field(enum http_lang lang, const struct dept_field *f);

/* Values shown as words in the page's language (value_words.h: "live" ->
 * 运行中, "PW_WEAK" -> 弱口令 or weak). Unknown values come back unchanged. */
const char *tr_value(enum http_lang lang, const char *value);

#endif
