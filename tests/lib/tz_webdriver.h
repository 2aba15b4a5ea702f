/* tz_webdriver — a real browser for the portal's tests: Debian's headless
 * Chromium, driven by its own chromedriver over W3C WebDriver (JSON over
 * HTTP, sent with tz_http). One struct tz_wd is one person's browser.
 *
 * Every call that goes wrong fails the test and says what the page showed;
 * the waits poll (every 50 ms, up to a deadline) instead of sleeping.
 * Cleanup: chromedriver leads a process group that holds every Chromium
 * process it starts; tz_wd_close ends the session and kills that group,
 * from any state, and a tz_guard kills it if the test process dies first
 * (Criterion's timeout runs no .fini). */
#ifndef TZ_WEBDRIVER_H
#define TZ_WEBDRIVER_H

#define TZ_WD_CHROMIUM "/usr/bin/chromium"
#define TZ_WD_DRIVER "/usr/bin/chromedriver"

struct tz_wd;

/* NULL when Chromium and chromedriver are installed, else what is missing
 * (a sentence for cr_skip_test). */
const char *tz_wd_missing(void);

/* A new headless Chromium whose profile, HOME and temporary files are all
 * under dir (created), asking for pages in accept_lang (an Accept-Language
 * value); chromedriver's log is dir/chromedriver.log. Fails the test when
 * there is no session after 30 s. */
struct tz_wd *tz_wd_open(const char *dir, const char *accept_lang);
/* End the session, then kill chromedriver and every Chromium process it
 * started, and free wd. NULL is fine; never asserts (for a .fini). */
void tz_wd_close(struct tz_wd *wd);

/* Load url and wait for the page (pageLoad timeout: 20 s). */
void tz_wd_go(struct tz_wd *wd, const char *url);
/* The address the browser shows now; malloc'd. */
char *tz_wd_url(struct tz_wd *wd);
/* Wait until the address ends with suffix (the end of a redirect). */
void tz_wd_wait_url(struct tz_wd *wd, const char *suffix, int timeout_ms);
/* The page's HTML as the browser holds it now; malloc'd. */
char *tz_wd_source(struct tz_wd *wd);

/* The first element that matches the CSS selector css, waiting up to
 * timeout_ms for one to appear; its WebDriver id, malloc'd. */
char *tz_wd_find(struct tz_wd *wd, const char *css, int timeout_ms);
/* How many elements match css now (no wait: ask after waiting for
 * something else on the same page). */
int tz_wd_count(struct tz_wd *wd, const char *css);
/* The text the element shows (innerText, as a person reads it); malloc'd. */
char *tz_wd_text(struct tz_wd *wd, const char *el);
/* Wait until the first element matching css shows text containing needle;
 * returns that text, malloc'd. */
char *tz_wd_wait_text(struct tz_wd *wd, const char *css, const char *needle,
                      int timeout_ms);
/* The element's DOM property name (e.g. "value" of an input); malloc'd. */
char *tz_wd_property(struct tz_wd *wd, const char *el, const char *name);

/* What a person does: empty a field, type into it, click. */
void tz_wd_clear(struct tz_wd *wd, const char *el);
void tz_wd_type(struct tz_wd *wd, const char *el, const char *text);
void tz_wd_click(struct tz_wd *wd, const char *el);

#endif
