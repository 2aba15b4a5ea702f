/* tzctl key show against the collector.pub of a collector the test started:
 * the key agents pin, its fingerprint, each format, -q for scripts, and a
 * data dir that has no key yet. */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "tz_test.h"

static char *tmp, *data, *pub, *fpr;

static void setup(void)
{
    tmp = tz_test_tmpdir("key");
    data = tz_test_path("%s/data", tmp);
    char *url = tz_test_path("ipc://%s/c.sock", tmp);
    char *log = tz_test_path("%s/collector.log", tmp);
    pid_t c = tz_test_collector_start(data, url, log, NULL);
    cr_assert_eq(tz_test_stop(c, SIGTERM), 0);
    pub = tz_test_collector_pub(data);
    cr_assert_eq(strlen(pub), 64, "%s", pub);
    /* The collector logs the key it serves with: the same one. */
    char *text = tz_test_slurp(log);
    cr_assert(strstr(text, pub) != NULL, "%s", text);
    uint8_t pk[TZ_KEY_LEN];
    cr_assert_eq(tz_hex_decode(pub, pk, sizeof(pk)), 0);
    fpr = malloc(TZ_KEY_FPR_LEN);
    tz_key_fingerprint(pk, fpr);
    free(text);
    free(log);
    free(url);
}

static void teardown(void)
{
    tz_test_rm_rf(tmp);
    free(tmp);
    free(data);
    free(pub);
    free(fpr);
}

TestSuite(key_show, .init = setup, .fini = teardown, .timeout = 60);

Test(key_show, table_labels_key_and_fingerprint)
{
    char *out = tz_test_tzctl(data, 0, "key", "show", NULL);
    char *want = tz_test_path("public key:   %s\nfingerprint:  %s\n", pub, fpr);
    cr_assert_str_eq(out, want);
    cr_assert_eq(strncmp(fpr, "SHA256:", 7), 0);
    free(want);
    free(out);
}

Test(key_show, quiet_prints_the_hex_an_agent_pins)
{
    char *out = tz_test_tzctl(data, 0, "key", "show", "-q", NULL);
    char *want = tz_test_path("%s\n", pub);
    cr_assert_str_eq(out, want);
    free(out);
    out = tz_test_tzctl(data, 0, "--format", "json", "key", "show", "--quiet", NULL);
    cr_assert_str_eq(out, want, "--quiet wins over --format");
    free(want);
    free(out);
}

Test(key_show, json_and_csv)
{
    char *out = tz_test_tzctl(data, 0, "key", "show", "--format", "json", NULL);
    cJSON *j = cJSON_Parse(out);
    cr_assert(cJSON_IsObject(j), "%s", out);
    cr_assert_eq(cJSON_GetArraySize(j), 2, "%s", out);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "public_key")->valuestring, pub);
    cr_assert_str_eq(cJSON_GetObjectItem(j, "fingerprint")->valuestring, fpr);
    cJSON_Delete(j);
    free(out);

    out = tz_test_tzctl(data, 0, "--format", "csv", "key", "show", NULL);
    char *want = tz_test_path("public_key,fingerprint\r\n%s,%s\r\n", pub, fpr);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
}

Test(key_show, no_key_yet_says_the_collector_makes_it)
{
    char *empty = tz_test_path("%s/empty", tmp);
    char *out = tz_test_tzctl(empty, 1, "key", "show", NULL);
    char *want = tz_test_path("tzctl: no collector key in %s (%s/collector.pub does not "
                              "exist): tz-collector makes it on its first start there\n",
                              empty, empty);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    free(empty);
}

Test(key_show, a_damaged_pub_file_is_not_shown_as_a_key)
{
    tz_test_write(data, "collector.pub", "not a key\n");
    char *out = tz_test_tzctl(data, 1, "key", "show", NULL);
    char *want = tz_test_path("tzctl: %s/collector.pub: not a public key (expected 64 "
                              "hex digits)\n", data);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
}

Test(key_show, usage_errors_exit_2)
{
    free(tz_test_tzctl(data, 2, "key", NULL));
    free(tz_test_tzctl(data, 2, "key", "list", NULL));
    free(tz_test_tzctl(data, 2, "key", "show", "--bogus", NULL));
}
