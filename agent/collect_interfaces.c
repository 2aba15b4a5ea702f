/* collect_interfaces — the interfaces section from sysfs plus addresses.
 *
 * sysfs names the interfaces (it sees down ones getifaddrs may skip, and it
 * works under --root); addresses then come from the kernel when live, or from
 * the only address file a root tree has, /proc/net/if_inet6. */
#include "collect_interfaces.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "keys.h"
#include "rootfs.h"
#include "tz_limits.h"

#define ARPHRD_LOOPBACK_TYPE 772
#define INET6_MAX_LINE       512

struct ifvec {
    Tz__Interface **v;
    size_t n, cap;
};

static void ifvec_free(struct ifvec *iv)
{
    for (size_t i = 0; i < iv->n; i++)
        protobuf_c_message_free_unpacked(&iv->v[i]->base, NULL);
    free(iv->v);
    iv->v = NULL;
    iv->n = iv->cap = 0;
}

/* Digits of s in base 10 or 16, clamped to UINT32_MAX; 0 when none. */
static uint32_t parse_u32(const char *s, int base)
{
    uint64_t v = 0;
    if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (;; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > UINT32_MAX)
            return UINT32_MAX;
    }
    return (uint32_t)v;
}

/* First line of /sys/class/net/<name>/<file> below root into buf
 * (TZ_MAX_STR + 1); 0 or TZ_ENOENT. */
static int sysfs_line(const char *root, const char *name, const char *file,
                      char *buf)
{
    char rel[4096];
    int n = snprintf(rel, sizeof(rel), "/sys/class/net/%s/%s", name, file);
    if (n < 0 || (size_t)n >= sizeof(rel))
        return TZ_ENOENT;
    return tz_read_line1_in(root, rel, buf, TZ_MAX_STR + 1);
}

static int read_one(const char *root, const char *name, Tz__Interface *ifc,
                    char *buf)
{
    if ((ifc->name = strdup(name)) == NULL) {
        ifc->name = (char *)protobuf_c_empty_string;
        return TZ_ENOMEM;
    }
    if (sysfs_line(root, name, "address", buf) == 0 && buf[0] &&
        (ifc->mac = strdup(buf)) == NULL) {
        ifc->mac = (char *)protobuf_c_empty_string;
        return TZ_ENOMEM;
    }
    if (sysfs_line(root, name, "mtu", buf) == 0)
        ifc->mtu = parse_u32(buf, 10);
    if (sysfs_line(root, name, "type", buf) == 0)
        ifc->loopback = buf[0] && parse_u32(buf, 10) == ARPHRD_LOOPBACK_TYPE;
    if (sysfs_line(root, name, "operstate", buf) == 0) {
        if (strcmp(buf, "up") == 0)
            ifc->up = 1;
        else if (strcmp(buf, "unknown") == 0 &&
                 sysfs_line(root, name, "flags", buf) == 0)
            ifc->up = (parse_u32(buf, 16) & IFF_UP) != 0;
    }
    return 0;
}

static int list_sysfs(const char *root, struct ifvec *iv, struct tz_error *err)
{
    char dir[4096];
    if (tz_path(root, "/sys/class/net", dir, sizeof(dir)) != 0)
        return tz_err(err, TZ_ELIMIT, NULL, 0, "root path too long");
    DIR *d = tz_root_opendir(root, "/sys/class/net");
    if (d == NULL)
        return tz_err(err, errno == ENOENT ? TZ_ENOENT : TZ_EIO, dir, 0,
                      "cannot list interfaces: %s", strerror(errno));
    char *buf = malloc(TZ_MAX_STR + 1);
    if (buf == NULL) {
        closedir(d);
        return tz_err(err, TZ_ENOMEM, dir, 0, "out of memory");
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (iv->n >= TZ_MAX_INTERFACES) {
            rc = tz_err(err, TZ_ELIMIT, dir, 0, "more than %d interfaces",
                        TZ_MAX_INTERFACES);
            break;
        }
        if (iv->n == iv->cap) {
            size_t ncap = iv->cap ? iv->cap * 2 : 16;
            Tz__Interface **nv = realloc(iv->v, ncap * sizeof(*nv));
            if (nv == NULL) {
                rc = tz_err(err, TZ_ENOMEM, dir, 0, "out of memory");
                break;
            }
            iv->v = nv;
            iv->cap = ncap;
        }
        Tz__Interface *ifc = malloc(sizeof(*ifc));
        if (ifc == NULL) {
            rc = tz_err(err, TZ_ENOMEM, dir, 0, "out of memory");
            break;
        }
        tz__interface__init(ifc);
        iv->v[iv->n++] = ifc;   /* owned by iv from here, even half-filled */
        if (read_one(root, de->d_name, ifc, buf) != 0) {
            rc = tz_err(err, TZ_ENOMEM, dir, 0, "out of memory");
            break;
        }
    }
    free(buf);
    closedir(d);
    return rc;
}

static int if_cmp(const void *a, const void *b)
{
    return strcmp((*(Tz__Interface *const *)a)->name,
                  (*(Tz__Interface *const *)b)->name);
}

static Tz__Interface *find_if(const struct ifvec *iv, const char *name)
{
    Tz__Interface key, *kp = &key;
    key.name = (char *)name;
    Tz__Interface **hit = bsearch(&kp, iv->v, iv->n, sizeof(*iv->v), if_cmp);
    return hit ? *hit : NULL;
}

static int add_addr(Tz__Interface *ifc, int v6, const char *addr,
                    unsigned prefix, const char *where, struct tz_error *err)
{
    char ***arr = v6 ? &ifc->ipv6 : &ifc->ipv4;
    size_t *n = v6 ? &ifc->n_ipv6 : &ifc->n_ipv4;
    if (*n >= TZ_MAX_ADDRS)
        return tz_err(err, TZ_ELIMIT, where, 0,
                      "%s has more than %d IPv%d addresses", ifc->name,
                      TZ_MAX_ADDRS, v6 ? 6 : 4);
    char s[INET6_ADDRSTRLEN + 8];
    snprintf(s, sizeof(s), "%s/%u", addr, prefix);
    char **na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (na == NULL)
        return tz_err(err, TZ_ENOMEM, where, 0, "out of memory");
    *arr = na;
    if ((na[*n] = strdup(s)) == NULL)
        return tz_err(err, TZ_ENOMEM, where, 0, "out of memory");
    (*n)++;
    return 0;
}

static unsigned mask_bits(const unsigned char *m, size_t len)
{
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++)
        for (unsigned char b = m[i]; b; b <<= 1)
            bits += (b & 0x80) != 0;
    return bits;
}

static int live_addrs(struct ifvec *iv, struct tz_error *err)
{
    struct ifaddrs *ifa0;
    if (getifaddrs(&ifa0) != 0)
        return tz_err(err, TZ_EIO, "getifaddrs", 0, "%s", strerror(errno));
    int rc = 0;
    for (struct ifaddrs *ifa = ifa0; ifa && rc == 0; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == NULL || ifa->ifa_name == NULL)
            continue;
        int fam = ifa->ifa_addr->sa_family;
        if (fam != AF_INET && fam != AF_INET6)
            continue;
        char name[IF_NAMESIZE + 1];
        snprintf(name, sizeof(name), "%s", ifa->ifa_name);
        name[strcspn(name, ":")] = '\0';    /* "eth0:1" is eth0's alias */
        Tz__Interface *ifc = find_if(iv, name);
        if (ifc == NULL)
            continue;
        char a[INET6_ADDRSTRLEN];
        unsigned prefix;
        if (fam == AF_INET) {
            const struct sockaddr_in *sa = (const void *)ifa->ifa_addr;
            const struct sockaddr_in *nm = (const void *)ifa->ifa_netmask;
            inet_ntop(AF_INET, &sa->sin_addr, a, sizeof(a));
            prefix = nm ? mask_bits((const void *)&nm->sin_addr, 4) : 32;
        } else {
            const struct sockaddr_in6 *sa = (const void *)ifa->ifa_addr;
            const struct sockaddr_in6 *nm = (const void *)ifa->ifa_netmask;
            inet_ntop(AF_INET6, &sa->sin6_addr, a, sizeof(a));
            prefix = nm ? mask_bits((const void *)&nm->sin6_addr, 16) : 128;
        }
        rc = add_addr(ifc, fam == AF_INET6, a, prefix, "getifaddrs", err);
    }
    freeifaddrs(ifa0);
    return rc;
}

/* "fe800000000000000000000000000001 02 40 20 80 eth0": address, index,
 * prefix length (hex), scope, flags, name. */
static int inet6_line(struct ifvec *iv, char *line, const struct tz_lines *lr,
                      struct tz_error *err)
{
    char *tok[6], *save = NULL;
    int n = 0;
    for (char *t = strtok_r(line, " \t", &save); t && n < 6;
         t = strtok_r(NULL, " \t", &save))
        tok[n++] = t;
    if (n == 0)
        return 0;
    unsigned char a16[16];
    int ok = n == 6 && strlen(tok[0]) == 32 && strlen(tok[2]) <= 2;
    for (int i = 0; ok && i < 16; i++) {
        int hi = tz_hexval(tok[0][2 * i]), lo = tz_hexval(tok[0][2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok)
            a16[i] = (unsigned char)(hi << 4 | lo);
    }
    unsigned prefix = 0;
    for (const char *p = tok[2]; ok && *p; p++) {
        ok = tz_hexval(*p) >= 0;
        prefix = prefix * 16 + (unsigned)tz_hexval(*p);
    }
    if (!ok || prefix > 128)
        return tz_err(err, TZ_EPARSE, lr->path, lr->lineno,
                      "expected \"<32 hex digits> <index> <prefix> <scope> "
                      "<flags> <name>\"");
    Tz__Interface *ifc = find_if(iv, tok[5]);
    if (ifc == NULL)
        return 0;
    char a[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a16, a, sizeof(a));
    return add_addr(ifc, 1, a, prefix, lr->path, err);
}

static int root_addrs(const char *root, struct ifvec *iv, struct tz_error *err)
{
    char path[4096];
    struct tz_lines lr;
    if (tz_path(root, "/proc/net/if_inet6", path, sizeof(path)) != 0)
        return 0;
    if (tz_lines_open_in(&lr, root, "/proc/net/if_inet6", INET6_MAX_LINE,
                         NULL) != 0) {
        tz_lines_close(&lr);
        return 0;       /* no IPv6 (or no /proc) in this root */
    }
    char *line;
    size_t len;
    int rc;
    while ((rc = tz_lines_next(&lr, &line, &len, err)) > 0)
        if ((rc = inet6_line(iv, line, &lr, err)) != 0)
            break;
    tz_lines_close(&lr);
    return rc;
}

int collect_interfaces(const char *root, Tz__InterfacesSection **out,
                       struct tz_error *err)
{
    struct ifvec iv = {NULL, 0, 0};
    int rc = list_sysfs(root, &iv, err);
    if (rc == 0) {
        if (iv.n > 1)
            qsort(iv.v, iv.n, sizeof(*iv.v), if_cmp);
        rc = tz_root_is_live(root) ? live_addrs(&iv, err)
                                   : root_addrs(root, &iv, err);
    }
    Tz__InterfacesSection *sec = NULL;
    if (rc == 0 && (sec = malloc(sizeof(*sec))) == NULL)
        rc = tz_err(err, TZ_ENOMEM, NULL, 0, "out of memory");
    if (rc != 0) {
        ifvec_free(&iv);
        return rc;
    }
    tz__interfaces_section__init(sec);
    if (iv.n > 0) {
        sec->interfaces = iv.v;
        sec->n_interfaces = iv.n;
    } else {
        free(iv.v);
    }
    *out = sec;
    return 0;
}
