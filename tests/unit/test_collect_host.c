/* Tests for collect_host, collect_hardware and collect_interfaces: a temp
 * root with every source file written out gives exact values, and the live
 * root agrees with uname(1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect_hardware.h"
#include "collect_host.h"
#include "collect_interfaces.h"
#include "tz_limits.h"
#include "tz_test.h"

static char *root;
static struct tz_error err;

static void setup(void)
{
    root = tz_test_tmpdir("host");
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    tz_test_rm_rf(root);
    free(root);
}

static void write_host_root(void)
{
    tz_test_write(root, "etc/os-release",
                  "# written by a test\n"
                  "NAME=\"Debian \\\"GNU\\\"/Linux\"\n"
                  "ID=debian\n"
                  "VERSION_ID='12'\n"
                  "VERSION_ID=\"13\n"           /* unterminated: ignored */
                  "  PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm) "
                  "\\$HOME \\\\ 'q' \\x\"\n"
                  "VERSION=\"12 (bookworm)\"\n"
                  "\n");
    tz_test_write(root, "etc/hostname", "alpha.example.edu.cn\n");
    tz_test_write(root, "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
    tz_test_write(root, "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    tz_test_write(root, "proc/sys/kernel/version",
                  "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n");
    tz_test_write(root, "var/lib/dpkg/arch", "amd64\ni386\n");
    tz_test_write(root, "proc/uptime", "12345.67 23456.78\n");
}

TestSuite(collect_host, .init = setup, .fini = teardown);

Test(collect_host, root_tree_gives_exact_values)
{
    write_host_root();
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->hostname, "alpha.example.edu.cn");
    cr_expect_str_eq(h->os_id, "debian");
    cr_expect_str_eq(h->os_name, "Debian \"GNU\"/Linux");
    cr_expect_str_eq(h->os_version, "12");
    cr_expect_str_eq(h->os_pretty,
                     "Debian GNU/Linux 12 (bookworm) $HOME \\ 'q' \\x");
    cr_expect_str_eq(h->kernel_release, "6.1.0-18-amd64");
    cr_expect_str_eq(h->kernel_version,
                     "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
    cr_expect_str_eq(h->arch, "amd64");
    cr_expect_str_eq(h->machine_id, "0123456789abcdef0123456789abcdef");
    cr_expect_eq(h->uptime_s, 12345);
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

Test(collect_host, single_quotes_and_bare_words)
{
    tz_test_write(root, "etc/os-release",
                  "NAME='it''s \"x\" \\n'\n"
                  "ID=ubu\\ ntu trailing words ignored\n"
                  "VERSION_ID=22.04\"-x\"'-y'\n");
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->os_name, "its \"x\" \\n");
    cr_expect_str_eq(h->os_id, "ubu ntu");
    cr_expect_str_eq(h->os_version, "22.04-x-y");
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

Test(collect_host, falls_back_to_usr_lib_and_dbus)
{
    tz_test_write(root, "usr/lib/os-release", "ID=alpine\nVERSION_ID=3.19.1\n");
    tz_test_write(root, "var/lib/dbus/machine-id",
                  "fedcba9876543210fedcba9876543210\n");
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->os_id, "alpine");
    cr_expect_str_eq(h->os_version, "3.19.1");
    cr_expect_str_eq(h->machine_id, "fedcba9876543210fedcba9876543210");
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

Test(collect_host, empty_root_gives_empty_fields)
{
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), 0, "%s", err.msg);
    cr_expect_str_eq(h->hostname, "");
    cr_expect_str_eq(h->os_id, "");
    cr_expect_str_eq(h->kernel_release, "");
    cr_expect_str_eq(h->arch, "");
    cr_expect_str_eq(h->machine_id, "");
    cr_expect_eq(h->uptime_s, 0);
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

Test(collect_host, overlong_hostname_is_an_error)
{
    char name[TZ_MAX_NAME + 3];
    memset(name, 'h', TZ_MAX_NAME + 1);
    strcpy(name + TZ_MAX_NAME + 1, "\n");
    tz_test_write(root, "etc/hostname", name);
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), TZ_EPARSE);
    char *want = tz_test_path("%s/etc/hostname", root);
    cr_expect_str_eq(err.file, want);
    free(want);
    cr_expect_null(h);
}

Test(collect_host, overlong_os_release_line_is_elimit)
{
    char *s = malloc(6000);
    memset(s, 'a', 5000);
    strcpy(s + 5000, "\n");
    tz_test_write(root, "etc/os-release", "ID=debian\n");
    char *p = tz_test_path("%s/etc/os-release", root);
    FILE *f = fopen(p, "a");
    fputs(s, f);
    fclose(f);
    free(s);
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(root, &h, &err), TZ_ELIMIT);
    cr_expect_str_eq(err.file, p);
    cr_expect_eq(err.line, 2);
    cr_expect_null(h);
    free(p);
}

Test(collect_host, live_root_matches_uname)
{
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host("/", &h, &err), 0, "%s", err.msg);
    char *out = NULL;
    char *argv[] = {"uname", "-r", NULL};
    cr_assert_eq(tz_test_run(argv, &out), 0);
    out[strcspn(out, "\n")] = '\0';
    cr_expect_str_eq(h->kernel_release, out);
    free(out);
    char *argv_m[] = {"uname", "-m", NULL};
    cr_assert_eq(tz_test_run(argv_m, &out), 0);
    out[strcspn(out, "\n")] = '\0';
    cr_expect_str_eq(h->arch, out);
    free(out);
    cr_expect_neq(h->hostname[0], '\0', "empty hostname");
    cr_expect_gt(h->uptime_s, 0);
    protobuf_c_message_free_unpacked(&h->base, NULL);
}

/* ---- hardware ---- */

TestSuite(collect_hardware, .init = setup, .fini = teardown);

static void write_cpuinfo_2x2x2(void)
{
    /* 2 sockets x 2 cores x 2 threads = 8 logical */
    char buf[8192];
    size_t off = 0;
    for (int i = 0; i < 8; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off,
                                "processor\t: %d\n"
                                "vendor_id\t: GenuineIntel\n"
                                "model name\t: Intel(R) Xeon(R) CPU E5-2620 v4 "
                                "@ 2.10GHz\n"
                                "physical id\t: %d\n"
                                "siblings\t: 4\n"
                                "core id\t\t: %d\n"
                                "cpu cores\t: 2\n"
                                "flags\t\t: fpu vme de pse\n\n",
                                i, i / 4, (i / 2) % 2);
    tz_test_write(root, "proc/cpuinfo", buf);
}

static void write_dmi(const char *file, const char *value)
{
    char *rel = tz_test_path("sys/class/dmi/id/%s", file);
    tz_test_write(root, rel, value);
    free(rel);
}

Test(collect_hardware, root_tree_gives_exact_values)
{
    write_cpuinfo_2x2x2();
    tz_test_write(root, "proc/meminfo",
                  "MemTotal:       16318412 kB\nMemFree:         1234 kB\n");
    write_dmi("sys_vendor", "Dell Inc.\n");
    write_dmi("product_name", "PowerEdge R730\n");
    write_dmi("product_serial", "ABC1234\n");
    write_dmi("product_uuid", "4c4c4544-0042-3510-8052-b4c04f4d3232\n");
    write_dmi("board_vendor", "Dell Inc.\n");
    write_dmi("board_name", "0WCJNT\n");
    write_dmi("bios_vendor", "Dell Inc.\n");
    write_dmi("bios_version", "2.17.0\n");
    write_dmi("bios_date", "03/14/2023\n");
    write_dmi("chassis_type", "23\n");

    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware(root, &hw, &err), 0, "%s", err.msg);
    cr_expect_str_eq(hw->cpu_model, "Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz");
    cr_expect_eq(hw->cpu_logical, 8);
    cr_expect_eq(hw->cpu_sockets, 2);
    cr_expect_eq(hw->cpu_cores, 4);
    cr_expect_eq(hw->mem_total_kb, 16318412);
    cr_expect_str_eq(hw->sys_vendor, "Dell Inc.");
    cr_expect_str_eq(hw->product_name, "PowerEdge R730");
    cr_expect_str_eq(hw->product_serial, "ABC1234");
    cr_expect_str_eq(hw->product_uuid, "4c4c4544-0042-3510-8052-b4c04f4d3232");
    cr_expect_str_eq(hw->board_vendor, "Dell Inc.");
    cr_expect_str_eq(hw->board_name, "0WCJNT");
    cr_expect_str_eq(hw->bios_vendor, "Dell Inc.");
    cr_expect_str_eq(hw->bios_version, "2.17.0");
    cr_expect_str_eq(hw->bios_date, "03/14/2023");
    cr_expect_str_eq(hw->chassis_type, "23");
    protobuf_c_message_free_unpacked(&hw->base, NULL);
}

Test(collect_hardware, no_physical_id_means_one_socket)
{
    tz_test_write(root, "proc/cpuinfo",
                  "processor\t: 0\nmodel name\t: QEMU Virtual CPU\n\n"
                  "processor\t: 1\nmodel name\t: QEMU Virtual CPU\n\n"
                  "processor\t: 2\nmodel name\t: QEMU Virtual CPU\n");
    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware(root, &hw, &err), 0, "%s", err.msg);
    cr_expect_eq(hw->cpu_logical, 3);
    cr_expect_eq(hw->cpu_sockets, 1);
    cr_expect_eq(hw->cpu_cores, 3);
    cr_expect_str_eq(hw->sys_vendor, "");
    cr_expect_eq(hw->mem_total_kb, 0);
    protobuf_c_message_free_unpacked(&hw->base, NULL);
}

Test(collect_hardware, cpu_cores_without_physical_id)
{
    tz_test_write(root, "proc/cpuinfo",
                  "processor : 0\ncpu cores : 2\n\nprocessor : 1\n"
                  "cpu cores : 2\n\nprocessor : 2\n\nprocessor : 3\n");
    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware(root, &hw, &err), 0, "%s", err.msg);
    cr_expect_eq(hw->cpu_logical, 4);
    cr_expect_eq(hw->cpu_sockets, 1);
    cr_expect_eq(hw->cpu_cores, 2);
    cr_expect_str_eq(hw->cpu_model, "");
    protobuf_c_message_free_unpacked(&hw->base, NULL);
}

Test(collect_hardware, live_root_has_cpus_and_memory)
{
    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware("/", &hw, &err), 0, "%s", err.msg);
    char *out = NULL;
    char *argv[] = {"nproc", "--all", NULL};
    cr_assert_eq(tz_test_run(argv, &out), 0);
    cr_expect_eq(hw->cpu_logical, (uint32_t)strtoul(out, NULL, 10));
    free(out);
    cr_expect_geq(hw->cpu_sockets, 1);
    cr_expect_geq(hw->cpu_cores, 1);
    cr_expect_gt(hw->mem_total_kb, 0);
    protobuf_c_message_free_unpacked(&hw->base, NULL);
}

/* ---- interfaces ---- */

TestSuite(collect_interfaces, .init = setup, .fini = teardown);

static void write_if(const char *name, const char *mac, const char *mtu,
                     const char *oper, const char *flags, const char *type)
{
    const char *files[] = {"address", "mtu", "operstate", "flags", "type"};
    const char *vals[] = {mac, mtu, oper, flags, type};
    for (int i = 0; i < 5; i++) {
        char *rel = tz_test_path("sys/class/net/%s/%s", name, files[i]);
        char *val = tz_test_path("%s\n", vals[i]);
        tz_test_write(root, rel, val);
        free(rel);
        free(val);
    }
}

Test(collect_interfaces, root_tree_gives_exact_values)
{
    write_if("wlan0", "a4:c3:f0:11:22:33", "1500", "down", "0x1003", "1");
    write_if("lo", "00:00:00:00:00:00", "65536", "unknown", "0x9", "772");
    write_if("eth0", "52:54:00:12:34:56", "9000", "up", "0x1003", "1");
    tz_test_write(root, "proc/net/if_inet6",
                  "fe80000000000000505400fffe123456 02 40 20 80     eth0\n"
                  "00000000000000000000000000000001 01 80 10 80       lo\n"
                  "20010db8000000000000000000000001 02 40 00 80     eth0\n"
                  "fe800000000000000000000000000099 07 40 20 80     gone0\n");

    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces(root, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s->n_interfaces, 3);
    Tz__Interface *eth0 = s->interfaces[0], *lo = s->interfaces[1],
                  *wlan0 = s->interfaces[2];
    cr_expect_str_eq(eth0->name, "eth0");
    cr_expect_str_eq(lo->name, "lo");
    cr_expect_str_eq(wlan0->name, "wlan0");

    cr_expect_str_eq(eth0->mac, "52:54:00:12:34:56");
    cr_expect_eq(eth0->mtu, 9000);
    cr_expect(eth0->up);
    cr_expect_not(eth0->loopback);
    cr_expect_eq(eth0->n_ipv4, 0);
    cr_assert_eq(eth0->n_ipv6, 2);
    cr_expect_str_eq(eth0->ipv6[0], "fe80::5054:ff:fe12:3456/64");
    cr_expect_str_eq(eth0->ipv6[1], "2001:db8::1/64");

    cr_expect_str_eq(lo->mac, "00:00:00:00:00:00");
    cr_expect_eq(lo->mtu, 65536);
    cr_expect(lo->up, "operstate unknown with IFF_UP is up");
    cr_expect(lo->loopback);
    cr_assert_eq(lo->n_ipv6, 1);
    cr_expect_str_eq(lo->ipv6[0], "::1/128");

    cr_expect_eq(wlan0->mtu, 1500);
    cr_expect_not(wlan0->up, "no carrier is not up");
    cr_expect_not(wlan0->loopback);
    cr_expect_eq(wlan0->n_ipv6, 0);
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

Test(collect_interfaces, malformed_if_inet6_names_the_line)
{
    write_if("eth0", "52:54:00:12:34:56", "1500", "up", "0x1003", "1");
    tz_test_write(root, "proc/net/if_inet6",
                  "fe80000000000000505400fffe123456 02 40 20 80     eth0\n"
                  "fe80zz 02 40 20 80 eth0\n");
    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces(root, &s, &err), TZ_EPARSE);
    cr_expect_eq(err.line, 2);
    cr_expect(strstr(err.file, "/proc/net/if_inet6") != NULL);
    cr_expect_null(s);
}

Test(collect_interfaces, no_sysfs_is_enoent)
{
    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces(root, &s, &err), TZ_ENOENT);
    cr_expect_null(s);
}

Test(collect_interfaces, live_root_has_loopback_with_addresses)
{
    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces("/", &s, &err), 0, "%s", err.msg);
    const Tz__Interface *lo = NULL;
    for (size_t i = 0; i < s->n_interfaces; i++) {
        if (i > 0)
            cr_expect_lt(strcmp(s->interfaces[i - 1]->name,
                                s->interfaces[i]->name), 0);
        if (strcmp(s->interfaces[i]->name, "lo") == 0)
            lo = s->interfaces[i];
    }
    cr_assert_not_null(lo);
    cr_expect(lo->loopback);
    cr_expect(lo->up);
    int found = 0;
    for (size_t i = 0; i < lo->n_ipv4; i++)
        found |= strcmp(lo->ipv4[i], "127.0.0.1/8") == 0;
    cr_expect(found, "lo lacks 127.0.0.1/8");
    protobuf_c_message_free_unpacked(&s->base, NULL);
}

/* ---- the --root fixture hosts (tests/fixtures/hosts/README.md) ---- */

Test(collect_fixture_hosts, gamma_tree_gives_documented_values)
{
    char *r = tz_test_path("%s/hosts/gamma", TZ_FIXTURES);
    struct tz_error e;
    Tz__HostSection *h = NULL;
    cr_assert_eq(collect_host(r, &h, &e), 0, "%s", e.msg);
    cr_expect_str_eq(h->hostname, "gamma.example.edu.cn");
    cr_expect_str_eq(h->os_pretty, "Debian GNU/Linux 12 (bookworm)");
    cr_expect_str_eq(h->os_version, "12");
    cr_expect_str_eq(h->machine_id, "c0ffee00deadbeef0123456789abcdef");
    cr_expect_str_eq(h->kernel_release, "");
    protobuf_c_message_free_unpacked(&h->base, NULL);

    Tz__HardwareSection *hw = NULL;
    cr_assert_eq(collect_hardware(r, &hw, &e), 0, "%s", e.msg);
    cr_expect_eq(hw->cpu_logical, 8);
    cr_expect_eq(hw->cpu_sockets, 1);
    cr_expect_eq(hw->cpu_cores, 8);
    cr_expect_eq(hw->mem_total_kb, 32765940);
    protobuf_c_message_free_unpacked(&hw->base, NULL);

    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces(r, &s, &e), 0, "%s", e.msg);
    cr_assert_eq(s->n_interfaces, 1);
    cr_expect_str_eq(s->interfaces[0]->name, "eth0");
    cr_expect_str_eq(s->interfaces[0]->mac, "52:54:00:c3:00:03");
    cr_expect_eq(s->interfaces[0]->mtu, 1500);
    cr_expect(s->interfaces[0]->up);
    protobuf_c_message_free_unpacked(&s->base, NULL);
    free(r);
}

Test(collect_interfaces, non_hex_if_inet6_address_names_the_line)
{
    write_if("lo", "00:00:00:00:00:00", "65536", "unknown", "0x9", "772");
    tz_test_write(root, "proc/net/if_inet6",
                  "0000000000000000000000000000000g 01 80 10 80       lo\n");
    Tz__InterfacesSection *s = NULL;
    cr_assert_eq(collect_interfaces(root, &s, &err), TZ_EPARSE);
    cr_expect_eq(err.line, 1);
    cr_expect_null(s);
}
