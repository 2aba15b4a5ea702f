/* fuzz_screening — a stored screening (Tz__Screening) decoded from hostile
 * bytes and shown in every format and language (screen_render): whatever
 * protobuf-c decodes — absent submessages, unknown outcomes, invalid UTF-8,
 * times and dates at the ends of their ranges, an item's evidence in one
 * language only or in none (screenings stored before evidence_zh have only
 * the English; the seed failed-fresh-scanned-evidence-zh has both kinds) —
 * renders without a crash, a leak or undefined behaviour. Checked besides:
 * the text reaches a terminal without a control character but its line
 * breaks, the JSON is valid UTF-8 (cJSON would print broken bytes as they
 * are) and every item in it carries both evidences as strings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "screen_render.h"
#include "utf8.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    devnull = fopen("/dev/null", "w");
    if (devnull == NULL)
        abort();
    return 0;
}

static void check_text(const Tz__Screening *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL)
        abort();
    int rc = screen_render(s, SCREEN_TEXT, m, NULL);
    fclose(m);
    if (rc == 0) {
        if (strlen(buf) != len || !tz_utf8_valid(buf))
            abort();
        for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
            if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
                abort();   /* a record's string reached the terminal raw */
    } else if (rc != TZ_ENOMEM) {
        abort();
    }
    free(buf);
}

static void check_json(const Tz__Screening *s)
{
    cJSON *o = screen_json(s);
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    if (text && !tz_utf8_valid(text))
        abort();
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "items")) {
        if (!cJSON_IsString(cJSON_GetObjectItem(it, "evidence")) ||
            !cJSON_IsString(cJSON_GetObjectItem(it, "evidence_zh")))
            abort();   /* a front end would find a member missing */
    }
    free(text);
    cJSON_Delete(o);
    if (s->system && s->system->last_screening) {
        o = screen_summary_json(s->system->last_screening);
        text = o ? cJSON_PrintUnformatted(o) : NULL;
        if (text && !tz_utf8_valid(text))
            abort();
        free(text);
        cJSON_Delete(o);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Tz__Screening *s = tz__screening__unpack(NULL, size, data);
    if (s == NULL)
        return 0;
    static const char *const langs[] = {"zh", "en"};
    for (int f = SCREEN_TEXT; f <= SCREEN_HTML; f++)
        for (int l = 0; l < 2; l++) {
            int rc = screen_render_lang(s, (enum screen_format)f, langs[l],
                                        devnull, NULL);
            if (rc != 0 && rc != TZ_ENOMEM)
                abort();   /* /dev/null takes every write */
        }
    check_text(s);
    check_json(s);
    tz__screening__free_unpacked(s, NULL);
    return 0;
}
