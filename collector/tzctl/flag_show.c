/* flag_show — `tzctl flag show FLAG`: one kind of flag as the catalog
 * defines it (labels, severity, the article and the regulation it cites,
 * 整改建议) and how many are open, so the remedy the 120-column table leaves
 * out is one command away. FLAG: the id (WEAK_PASSWORD) or a label (弱口令). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "flag_catalog.h"
#include "tzctl.h"

static int by_label(const char *want)
{
    for (int i = 0; i < FLAG__COUNT; i++)
        if (strcmp(flag_def(i)->label_zh, want) == 0 ||
            strcasecmp(flag_def(i)->label_en, want) == 0)
            return i;
    return -1;
}

struct open_count {
    const char *id;
    size_t n;
};

static int count_open(const Tz__FlagRecord *f, void *arg)
{
    struct open_count *o = arg;
    o->n += strcmp(f->id, o->id) == 0;
    return 0;
}

/* "  label:    " padded to 11 columns by display width (CJK = 2). */
static void label(const char *s)
{
    printf("  %s", s);
    for (size_t w = out_width(s); w < 11; w++)
        putchar(' ');
}

int tzctl_flag(const struct tzctl *c, int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "show") != 0)
        return tzctl_usage("flag: expected \"flag show FLAG\" (an id or label)");
    int k = flag_lookup(argv[2]);
    if (k < 0 && (k = by_label(argv[2])) < 0)
        return tzctl_fail("no flag \"%s\" (tzctl flags lists them; FLAG is an id "
                          "such as WEAK_PASSWORD or a label such as 弱口令)", argv[2]);
    const struct flag_def *d = flag_def(k);
    struct tz_register *reg;
    int rc = tzctl_open(c, REGISTER_RDONLY, &reg);
    if (rc != 0)
        return rc;
    struct open_count o = {d->id, 0};
    struct tz_error err = {0};
    if (register_each_flag(reg, 0, count_open, &o, &err) != 0)
        rc = tzctl_fail_err(&err);
    register_close(reg);
    if (rc != 0)
        return rc;
    int zh = c->zh;
    printf("%s\n", d->id);
    label(zh ? "问题:" : "issue:");
    printf("%s / %s\n", d->label_zh, d->label_en);
    label(zh ? "级别:" : "severity:");
    printf("%s\n", severity_name(d->severity));
    label("依据:");
    printf("%s, %s\n", d->cites, FLAG_REGULATION);
    label(zh ? "未关闭:" : "open:");
    printf("%zu\n", o.n);
    printf("\n%s\n  %s\n", zh ? "整改建议:" : "Remedy (整改建议):",
           zh ? d->remedy_zh : d->remedy_en);
    printf("  %s\n", zh ? d->remedy_en : d->remedy_zh);
    return TZCTL_OK;
}
