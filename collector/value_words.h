/* value_words — the words people read for the ledger's enumerated values:
 * a system's status, a review's result, yes/no, severities, roles, binding
 * sources, password states, the report's states, the history's actions and
 * the token states.
 *
 * The register, CSV and JSON keep the value itself ("live", "PW_WEAK"):
 * files are read back and scripted against. Tables, pages and reports meant
 * for people print value_word() in the reader's language, so a Chinese
 * header never stands over an English value. One table here, so tzctl, the
 * portal and the report say the same word for the same value.
 *
 * Ownership: the words are static. */
#ifndef TZ_VALUE_WORDS_H
#define TZ_VALUE_WORDS_H

/* The word for value in Chinese (zh) or English; value itself when it is
 * not an enumerated value this table knows (a name, a number), and "" for
 * NULL. Every Chinese word also reads back where the value is parsed
 * (ledger_fields.h: 运行中, 通过, 是 ...). */
const char *value_word(const char *value, int zh);

#endif
