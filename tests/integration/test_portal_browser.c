/* test_portal_browser — tz-portal in a real browser: Debian's headless
 * Chromium (through chromedriver) with real cookies and real form posts
 * against a collector and a portal in a temp dir. Two departments with a
 * system each; a viewer and an editor of 计算机学院. The viewer logs in by
 * typing the token, reads its ledger in Chinese, never sees 财务处's system,
 * not even by its ID, and gets no form; the editor changes 负责人 and tzctl
 * shows the change with the editor as its actor; ?lang=en turns the page
 * English. Without Chromium a test skips, except under CI
 * (tests/ci-required.txt lists portal_browser). */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz_guard.h"
#include "tz_http.h"
#include "tz_test.h"
#include "tz_webdriver.h"

#define CS "计算机学院"       /* department A: the people's own */
#define CS_SYS "实验平台"
#define FIN "财务处"          /* department B */
#define FIN_SYS "财务系统"
#define FIN_OWNER "赵六"
#define VIEWER "viewer_a"
#define EDITOR "editor_a"
#define WAIT_MS 10000         /* for a page, an element, a redirect */

static char *tmp, *data;
static pid_t collector = -1, portal = -1;
static unsigned port;
static char *viewer_token, *editor_token;
static unsigned long long cs_sys, fin_sys;
static struct tz_wd *browser;    /* closed by teardown, whatever happened */
static struct tz_guard *guard;   /* for a test killed by its timeout */

/* tzctl system add NAME --dept D --owner O; the new system's id. */
static unsigned long long system_add(const char *name, const char *dept,
                                     const char *owner)
{
    char *out = tz_test_tzctl(data, 0, "system", "add", name, "--dept", dept,
                              "--owner", owner, NULL);
    unsigned long long id = 0;
    const char *at = strstr(out, "added system ");
    cr_assert(at && sscanf(at, "added system %llu:", &id) == 1, "%s", out);
    free(out);
    return id;
}

/* tzctl user add NAME --dept CS --role ROLE; the login token it prints. */
static char *user_add(const char *name, const char *role)
{
    char *out = tz_test_tzctl(data, 0, "user", "add", name, "--dept", CS, "--role",
                              role, NULL);
    char *tok = strstr(out, "tzu_");
    cr_assert_not_null(tok, "no login token in: %s", out);
    tok[strcspn(tok, " \r\n")] = '\0';
    char *t = strdup(tok);
    free(out);
    return t;
}

static void setup(void)
{
    tmp = tz_test_tmpdir("browser");
    data = tz_test_path("%s/data", tmp);
    char *url = tz_test_path("ipc://%s/collector.sock", tmp);
    char *clog = tz_test_path("%s/collector.log", tmp);
    char *plog = tz_test_path("%s/portal.log", tmp);
    collector = tz_test_collector_start(data, url, clog, NULL);
    free(tz_test_tzctl(data, 0, "dept", "add", CS, NULL));
    free(tz_test_tzctl(data, 0, "dept", "add", FIN, NULL));
    cs_sys = system_add(CS_SYS, CS, "张三");
    fin_sys = system_add(FIN_SYS, FIN, FIN_OWNER);
    viewer_token = user_add(VIEWER, "viewer");
    editor_token = user_add(EDITOR, "editor");
    portal = tz_test_portal_start(data, plog, &port);
    guard = tz_guard_start((pid_t[]){collector, portal}, 2, tmp);
    free(url);
    free(clog);
    free(plog);
}

static void teardown(void)
{
    tz_guard_end(guard);
    guard = NULL;
    tz_wd_close(browser);
    browser = NULL;
    if (portal > 0)
        tz_test_stop(portal, SIGKILL);
    if (collector > 0)
        tz_test_stop(collector, SIGKILL);
    portal = collector = -1;
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(viewer_token);
    free(editor_token);
    viewer_token = editor_token = NULL;
}

TestSuite(portal_browser, .init = setup, .fini = teardown, .timeout = 120);

/* The portal's address for path. */
static char *at(const char *path)
{
    return tz_test_path("http://127.0.0.1:%u%s", port, path);
}

static void go(struct tz_wd *wd, const char *path)
{
    char *url = at(path);
    tz_wd_go(wd, url);
    free(url);
}

/* What a person does with the token the network center gave them: open
 * the portal in a browser of their own (a fresh profile: no cookie of
 * anyone else's), type the token, click 登录; the portal answers with
 * their ledger. One person a test. */
static struct tz_wd *log_in(const char *who, const char *token)
{
    const char *missing = tz_wd_missing();
    if (missing)
        cr_skip_test("%s", missing);
    char *dir = tz_test_path("%s/browser-%s", tmp, who);
    struct tz_wd *wd = browser = tz_wd_open(dir, "zh-CN,zh");
    free(dir);
    go(wd, "/");
    char *field = tz_wd_find(wd, "input[name=token]", WAIT_MS);
    tz_wd_type(wd, field, token);
    char *button = tz_wd_find(wd, "form[action='/login'] button", WAIT_MS);
    char *label = tz_wd_text(wd, button);
    cr_assert_str_eq(label, "登录");
    tz_wd_click(wd, button);
    tz_wd_wait_url(wd, "/ledger", WAIT_MS);
    free(field);
    free(button);
    free(label);
    return wd;
}

/* The selectors of a system page's edit form and its 负责人 field. */
static char *form_of(unsigned long long id)
{
    return tz_test_path("form[action='/systems/%llu']", id);
}
#define OWNER_FIELD "input[name=owner]"

/* Fail if the browser's page holds anything of 财务处. */
static void assert_nothing_of_fin(struct tz_wd *wd)
{
    char *src = tz_wd_source(wd);
    cr_assert_null(strstr(src, FIN_SYS), "财务处's system on the page:\n%s", src);
    cr_assert_null(strstr(src, FIN_OWNER), "财务处's owner on the page:\n%s", src);
    cr_assert_null(strstr(src, FIN), "财务处 on the page:\n%s", src);
    free(src);
}

Test(portal_browser, viewer_logs_in_with_token_and_reads_own_ledger_in_chinese)
{
    struct tz_wd *wd = log_in(VIEWER, viewer_token);
    char *h1 = tz_wd_wait_text(wd, "h1", "台账", WAIT_MS);
    cr_assert_str_eq(h1, "台账 · " CS);
    char *css = tz_test_path("a[href='/systems/%llu']", cs_sys);
    char *link = tz_wd_find(wd, css, WAIT_MS);
    char *name = tz_wd_text(wd, link);
    cr_assert_str_eq(name, CS_SYS);
    cr_assert_eq(tz_wd_count(wd, "table tr td a[href^='/systems/']"), 1,
                 "the ledger of 计算机学院 lists one system");
    assert_nothing_of_fin(wd);
    free(h1);
    free(css);
    free(link);
    free(name);
}

Test(portal_browser, viewer_gets_not_found_for_other_departments_system_id)
{
    struct tz_wd *wd = log_in(VIEWER, viewer_token);
    char *path = tz_test_path("/systems/%llu", fin_sys);
    go(wd, path);
    char *h1 = tz_wd_wait_text(wd, "h1", "未找到", WAIT_MS);
    cr_assert_str_eq(h1, "404 未找到");
    assert_nothing_of_fin(wd);
    char *main = tz_wd_find(wd, "main", WAIT_MS);
    char *fin_text = tz_wd_text(wd, main);
    /* The same page as for an ID no system has: nothing says it exists. */
    go(wd, "/systems/999999");
    free(main);
    main = tz_wd_find(wd, "main", WAIT_MS);
    char *none_text = tz_wd_text(wd, main);
    cr_assert_str_eq(fin_text, none_text);
    free(path);
    free(h1);
    free(main);
    free(fin_text);
    free(none_text);
}

Test(portal_browser, viewer_opens_own_system_and_gets_no_edit_form)
{
    struct tz_wd *wd = log_in(VIEWER, viewer_token);
    char *css = tz_test_path("a[href='/systems/%llu']", cs_sys);
    char *link = tz_wd_find(wd, css, WAIT_MS);
    tz_wd_click(wd, link);
    char *h1 = tz_wd_wait_text(wd, "h1", CS_SYS, WAIT_MS);
    cr_assert_str_eq(h1, CS_SYS);
    char *form = form_of(cs_sys);
    cr_assert_eq(tz_wd_count(wd, form), 0, "a viewer got the edit form");
    cr_assert_eq(tz_wd_count(wd, OWNER_FIELD), 0, "a viewer got a 负责人 field");
    /* ... and reads the fields as text instead */
    char *dl = tz_wd_find(wd, "main dl", WAIT_MS);
    char *fields = tz_wd_text(wd, dl);
    cr_assert(strstr(fields, "负责人\n张三"), "负责人 is not shown as 张三:\n%s", fields);
    free(css);
    free(link);
    free(h1);
    free(dl);
    free(fields);
    free(form);
}

/* The changes of the history entry "<actor> (portal) updated" in tzctl
 * system show's output, one "    label (key): old -> new\n" line each;
 * malloc'd, NULL when there is no such entry. */
static char *portal_update_by(const char *show, const char *actor)
{
    char *head = tz_test_path(" %s (portal) updated\n", actor);
    const char *p = strstr(show, head);
    char *changes = NULL;
    if (p) {
        const char *start = p + strlen(head), *end = start;
        while (strncmp(end, "    ", 4) == 0 && strchr(end, '\n'))
            end = strchr(end, '\n') + 1;
        changes = strndup(start, (size_t)(end - start));
    }
    free(head);
    return changes;
}

Test(portal_browser, editor_changes_owner_and_tzctl_shows_editor_as_actor)
{
    struct tz_wd *wd = log_in(EDITOR, editor_token);
    char *css = tz_test_path("a[href='/systems/%llu']", cs_sys);
    char *link = tz_wd_find(wd, css, WAIT_MS);
    tz_wd_click(wd, link);
    char *owner = tz_wd_find(wd, OWNER_FIELD, WAIT_MS);
    char *before = tz_wd_property(wd, owner, "value");
    cr_assert_str_eq(before, "张三");
    tz_wd_clear(wd, owner);
    tz_wd_type(wd, owner, "王五");
    char *form = form_of(cs_sys);
    char *save_css = tz_test_path("%s button", form);
    char *save = tz_wd_find(wd, save_css, WAIT_MS);
    char *label = tz_wd_text(wd, save);
    cr_assert_str_eq(label, "保存");
    tz_wd_click(wd, save);

    char *notice = tz_wd_wait_text(wd, "p.notice", "已保存。", WAIT_MS);
    cr_assert_str_eq(notice, "已保存。");
    tz_wd_wait_url(wd, "?saved=1", WAIT_MS);
    free(owner);
    owner = tz_wd_find(wd, OWNER_FIELD, WAIT_MS);
    char *after = tz_wd_property(wd, owner, "value");
    cr_assert_str_eq(after, "王五");

    char *id = tz_test_path("%llu", cs_sys);
    char *show = tz_test_tzctl(data, 0, "system", "show", id, NULL);
    cr_assert(strstr(show, "\n负责人 (owner): 王五\n"), "%s", show);
    char *changes = portal_update_by(show, EDITOR);
    cr_assert_not_null(changes, "no change by " EDITOR " (portal) in:\n%s", show);
    /* Only the field the editor typed in: the rest of the form went back
     * as it came. */
    cr_assert_str_eq(changes, "    负责人 (owner): 张三 -> 王五\n");
    free(css);
    free(link);
    free(owner);
    free(before);
    free(form);
    free(save_css);
    free(save);
    free(label);
    free(notice);
    free(after);
    free(id);
    free(show);
    free(changes);
}

Test(portal_browser, ledger_reads_in_english_with_lang_en)
{
    struct tz_wd *wd = log_in(VIEWER, viewer_token);
    go(wd, "/ledger?lang=en");
    char *h1 = tz_wd_wait_text(wd, "h1", "Ledger", WAIT_MS);
    cr_assert_str_eq(h1, "Ledger · " CS);
    free(h1);
}
