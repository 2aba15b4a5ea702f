/* tz_webdriver — headless Chromium through chromedriver, for the tests. */
#include "tz_webdriver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "tz_guard.h"
#include "tz_http.h"
#include "tz_test.h"

/* The W3C name of the key that holds an element's id. */
#define ELEMENT_KEY "element-6066-11e4-a52e-4f735466cecf"
#define CALL_MS 30000        /* one WebDriver command, page loads included */
#define POLL_US (50 * 1000)

struct tz_wd {
    pid_t driver;            /* chromedriver, leader of its process group */
    struct tz_guard *guard;  /* kills that group if the test process dies */
    unsigned port;
    char *session;           /* NULL: none */
    char *log;
};

const char *tz_wd_missing(void)
{
    if (access(TZ_WD_CHROMIUM, X_OK) != 0)
        return "no " TZ_WD_CHROMIUM " (Debian package chromium; "
               "deploy/install-deps.sh installs it)";
    if (access(TZ_WD_DRIVER, X_OK) != 0)
        return "no " TZ_WD_DRIVER " (Debian package chromium-driver; "
               "deploy/install-deps.sh installs it)";
    return NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the protocol ---- */

/* method path [body] → the reply's JSON (NULL: no JSON came back) and
 * *status (0: no answer). */
static cJSON *call(const struct tz_wd *wd, const char *method, const char *path,
                   const cJSON *body, int timeout_ms, int *status)
{
    char *json = body ? cJSON_PrintUnformatted(body) : NULL;
    struct tz_http_resp r;
    tz_http(wd->port, method, path,
            json ? "Content-Type: application/json; charset=utf-8\r\n" : NULL,
            json, json ? strlen(json) : 0, timeout_ms, &r);
    free(json);
    *status = r.status;
    cJSON *reply = cJSON_Parse(r.body);
    tz_http_free(&r);
    return reply;
}

/* The "value" of what came back: the caller frees *root. */
static cJSON *value_of(cJSON *root)
{
    return cJSON_GetObjectItemCaseSensitive(root, "value");
}

/* The W3C error code of a reply ("no such element"), or "". */
static const char *error_of(cJSON *root)
{
    const char *e = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(value_of(root), "error"));
    return e ? e : "";
}

/* call() of /session/ID<tail> that fails the test unless the command
 * succeeded; what to free. */
static cJSON *call_ok(const struct tz_wd *wd, const char *method, const char *what,
                      const cJSON *body, const char *tail)
{
    char *path = tz_test_path("/session/%s%s", wd->session, tail);
    int status;
    cJSON *root = call(wd, method, path, body, CALL_MS, &status);
    if (status != 200) {
        const char *msg = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(value_of(root), "message"));
        cr_assert_fail("WebDriver %s (%s %s): HTTP %d, %s: %s (chromedriver log: %s)",
                       what, method, path, status, error_of(root),
                       msg ? msg : "no answer", wd->log);
    }
    free(path);
    return root;
}

static char *string_value(cJSON *root, const char *what)
{
    const char *s = cJSON_GetStringValue(value_of(root));
    cr_assert_not_null(s, "WebDriver %s: no string in the answer", what);
    char *copy = strdup(s);
    cJSON_Delete(root);
    return copy;
}

/* ---- the browser's life ---- */

/* chromedriver --port=0 in a process group of its own, its files (and
 * Chromium's, which inherits the environment) under dir. */
static pid_t spawn_driver(const char *dir, const char *log)
{
    char *home = tz_test_path("%s/home", dir), *tmp = tz_test_path("%s/tmp", dir);
    mkdir(home, 0700);
    mkdir(tmp, 0700);
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* until the guard is up */
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int dn = open("/dev/null", O_RDONLY);
        if (fd < 0 || dn < 0)
            _exit(126);
        dup2(dn, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        /* Chromium keeps crash reports and caches under HOME: not root's. */
        setenv("HOME", home, 1);
        setenv("TMPDIR", tmp, 1);
        unsetenv("XDG_CONFIG_HOME");
        unsetenv("XDG_CACHE_HOME");
        execl(TZ_WD_DRIVER, TZ_WD_DRIVER, "--port=0", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);   /* also here: no race with the child's own call */
    free(home);
    free(tmp);
    return pid;
}

static unsigned driver_port(struct tz_wd *wd)
{
    unsigned port = 0;
    for (long long end = now_ms() + 10000; port == 0 && now_ms() < end;) {
        char *s = tz_test_slurp(wd->log);
        const char *at = s ? strstr(s, "started successfully on port ") : NULL;
        if (at == NULL || sscanf(at, "started successfully on port %u", &port) != 1)
            usleep(POLL_US);
        free(s);
    }
    return port;
}

static cJSON *capabilities(const char *dir, const char *accept_lang)
{
    char *profile = tz_test_path("--user-data-dir=%s/profile", dir);
    /* --no-sandbox: the tests run as root in CI, where Chromium's sandbox
     * refuses to start; --disable-gpu: no GPU on a build machine. */
    const char *args[] = {"--headless", "--no-sandbox", "--disable-gpu", profile};
    cJSON *caps = cJSON_CreateObject();
    cJSON *always = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(caps, "capabilities"), "alwaysMatch");
    cJSON_AddStringToObject(always, "browserName", "chrome");
    cJSON *t = cJSON_AddObjectToObject(always, "timeouts");
    cJSON_AddNumberToObject(t, "pageLoad", 20000);
    cJSON_AddNumberToObject(t, "implicit", 0);
    cJSON *opt = cJSON_AddObjectToObject(always, "goog:chromeOptions");
    cJSON_AddStringToObject(opt, "binary", TZ_WD_CHROMIUM);
    cJSON_AddItemToObject(opt, "args", cJSON_CreateStringArray(args, 4));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(opt, "prefs"),
                            "intl.accept_languages", accept_lang);
    free(profile);
    return caps;
}

struct tz_wd *tz_wd_open(const char *dir, const char *accept_lang)
{
    mkdir(dir, 0700);
    struct tz_wd *wd = calloc(1, sizeof(*wd));
    cr_assert_not_null(wd);
    wd->log = tz_test_path("%s/chromedriver.log", dir);
    wd->driver = spawn_driver(dir, wd->log);
    wd->guard = tz_guard_start((pid_t[]){-wd->driver}, 1, NULL);
    wd->port = driver_port(wd);
    if (wd->port == 0) {
        tz_wd_close(wd);
        cr_assert_fail("chromedriver did not start in 10 s (see its log in %s)", dir);
    }
    cJSON *caps = capabilities(dir, accept_lang);
    int status;
    cJSON *root = call(wd, "POST", "/session", caps, CALL_MS, &status);
    cJSON_Delete(caps);
    const char *id = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(value_of(root), "sessionId"));
    if (status == 200 && id)
        wd->session = strdup(id);
    cJSON_Delete(root);
    if (wd->session == NULL) {
        char *log = tz_test_slurp(wd->log);
        tz_wd_close(wd);
        cr_assert_fail("Chromium did not start (HTTP %d); chromedriver said:\n%s",
                       status, log ? log : "");
    }
    return wd;
}

void tz_wd_close(struct tz_wd *wd)
{
    if (wd == NULL)
        return;
    if (wd->session) {
        /* Chromium quits and removes its helpers (crashpad) itself. */
        char *path = tz_test_path("/session/%s", wd->session);
        int status;
        cJSON_Delete(call(wd, "DELETE", path, NULL, 10000, &status));
        free(path);
        free(wd->session);
    }
    tz_guard_end(wd->guard);
    if (wd->driver > 0) {
        /* The whole group, before reaping its leader: while the leader is
         * unreaped its id cannot name another group. */
        kill(-wd->driver, SIGKILL);
        while (waitpid(wd->driver, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    free(wd->log);
    free(wd);
}

/* ---- pages ---- */

void tz_wd_go(struct tz_wd *wd, const char *url)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "url", url);
    cJSON_Delete(call_ok(wd, "POST", "go to a page", body, "/url"));
    cJSON_Delete(body);
}

char *tz_wd_url(struct tz_wd *wd)
{
    return string_value(call_ok(wd, "GET", "current url", NULL, "/url"),
                        "current url");
}

char *tz_wd_source(struct tz_wd *wd)
{
    return string_value(call_ok(wd, "GET", "page source", NULL, "/source"),
                        "page source");
}

/* The page as a failure message shows it: address and the start of the
 * HTML after <main>, where the portal's content begins. */
static char *page_summary(struct tz_wd *wd)
{
    char *url = tz_wd_url(wd), *src = tz_wd_source(wd);
    const char *main = strstr(src, "<main>");
    char *s = tz_test_path("%s: %.1500s", url, main ? main : src);
    free(url);
    free(src);
    return s;
}

void tz_wd_wait_url(struct tz_wd *wd, const char *suffix, int timeout_ms)
{
    size_t n = strlen(suffix);
    for (long long end = now_ms() + timeout_ms;; usleep(POLL_US)) {
        char *url = tz_wd_url(wd);
        size_t len = strlen(url);
        int there = len >= n && strcmp(url + len - n, suffix) == 0;
        free(url);
        if (there)
            return;
        if (now_ms() >= end)
            break;
    }
    char *page = page_summary(wd);
    cr_assert_fail("the browser did not reach ...%s in %d ms; it shows %s", suffix,
                   timeout_ms, page);
}

/* ---- elements ---- */

static cJSON *by_css(const char *css)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "using", "css selector");
    cJSON_AddStringToObject(body, "value", css);
    return body;
}

/* The first element matching css now, or NULL. */
static char *find_now(struct tz_wd *wd, const char *css)
{
    char *path = tz_test_path("/session/%s/element", wd->session);
    cJSON *body = by_css(css);
    int status;
    cJSON *root = call(wd, "POST", path, body, CALL_MS, &status);
    cJSON_Delete(body);
    free(path);
    const char *id = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(value_of(root), ELEMENT_KEY));
    char *el = status == 200 && id ? strdup(id) : NULL;
    cr_assert(el || strcmp(error_of(root), "no such element") == 0,
              "WebDriver find %s: HTTP %d %s (chromedriver log: %s)", css, status,
              error_of(root), wd->log);
    cJSON_Delete(root);
    return el;
}

char *tz_wd_find(struct tz_wd *wd, const char *css, int timeout_ms)
{
    for (long long end = now_ms() + timeout_ms;; usleep(POLL_US)) {
        char *el = find_now(wd, css);
        if (el)
            return el;
        if (now_ms() >= end)
            break;
    }
    char *page = page_summary(wd);
    cr_assert_fail("no element %s after %d ms on %s", css, timeout_ms, page);
    return NULL;
}

int tz_wd_count(struct tz_wd *wd, const char *css)
{
    cJSON *body = by_css(css);
    cJSON *root = call_ok(wd, "POST", "find elements", body, "/elements");
    cJSON_Delete(body);
    cJSON *list = value_of(root);
    cr_assert(cJSON_IsArray(list), "WebDriver find elements %s: no list", css);
    int n = cJSON_GetArraySize(list);
    cJSON_Delete(root);
    return n;
}

/* GET or POST /session/S/element/EL/<what>: what to free. */
static cJSON *element_call(struct tz_wd *wd, const char *method, const char *el,
                           const char *what, const cJSON *body)
{
    char *tail = tz_test_path("/element/%s/%s", el, what);
    cJSON *root = call_ok(wd, method, what, body, tail);
    free(tail);
    return root;
}

char *tz_wd_text(struct tz_wd *wd, const char *el)
{
    return string_value(element_call(wd, "GET", el, "text", NULL), "element text");
}

char *tz_wd_property(struct tz_wd *wd, const char *el, const char *name)
{
    char *what = tz_test_path("property/%s", name);
    char *v = string_value(element_call(wd, "GET", el, what, NULL), what);
    free(what);
    return v;
}

/* The text of the first element matching css, or NULL when there is none
 * or it went away meanwhile (the page changed under us: poll again). */
static char *text_now(struct tz_wd *wd, const char *css)
{
    char *el = find_now(wd, css);
    if (el == NULL)
        return NULL;
    char *path = tz_test_path("/session/%s/element/%s/text", wd->session, el);
    int status;
    cJSON *root = call(wd, "GET", path, NULL, CALL_MS, &status);
    const char *s = cJSON_GetStringValue(value_of(root));
    char *text = status == 200 && s ? strdup(s) : NULL;
    cJSON_Delete(root);
    free(path);
    free(el);
    return text;
}

char *tz_wd_wait_text(struct tz_wd *wd, const char *css, const char *needle,
                      int timeout_ms)
{
    char *text = NULL;
    for (long long end = now_ms() + timeout_ms;; usleep(POLL_US)) {
        free(text);
        text = text_now(wd, css);
        if (text && strstr(text, needle))
            return text;
        if (now_ms() >= end)
            break;
    }
    char *page = page_summary(wd);
    cr_assert_fail("%s never showed \"%s\" in %d ms (last: \"%s\"); the page: %s", css,
                   needle, timeout_ms, text ? text : "(no such element)", page);
    return NULL;
}

void tz_wd_clear(struct tz_wd *wd, const char *el)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_Delete(element_call(wd, "POST", el, "clear", body));
    cJSON_Delete(body);
}

void tz_wd_type(struct tz_wd *wd, const char *el, const char *text)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "text", text);
    cJSON_Delete(element_call(wd, "POST", el, "value", body));
    cJSON_Delete(body);
}

void tz_wd_click(struct tz_wd *wd, const char *el)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_Delete(element_call(wd, "POST", el, "click", body));
    cJSON_Delete(body);
}
