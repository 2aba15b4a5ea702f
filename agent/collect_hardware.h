/* collect_hardware — CPU, memory and DMI identity of the host.
 *
 * Sources, below root (NULL, "" or "/" mean the running system):
 *   /proc/cpuinfo   cpu_model   = first "model name"
 *                   cpu_logical = number of "processor" lines
 *                   cpu_sockets = distinct "physical id" values
 *                   cpu_cores   = sum over sockets of that socket's "cpu cores"
 *                                 (a socket without one counts its processors)
 *                   without any "physical id" (VMs, ARM): sockets = 1 and
 *                   cores = "cpu cores" if given, else cpu_logical
 *   /proc/meminfo   mem_total_kb = MemTotal
 *   /sys/class/dmi/id/{sys_vendor,product_name,product_serial,product_uuid,
 *       board_vendor,board_name,bios_vendor,bios_version,bios_date,chassis_type}
 * A missing or unreadable file leaves its fields empty (0): product_serial and
 * product_uuid are root-only, and ARM boards have no DMI at all; without
 * root the agent gets them from its privsep child (collect_hardware_with).
 *
 * Ownership: on success *out is the caller's; free it with
 * protobuf_c_message_free_unpacked(&(*out)->base, NULL). On error *out is
 * untouched and nothing is leaked.
 * Errors: TZ_ENOMEM; TZ_ELIMIT (err->file, err->line) when a cpuinfo or
 * meminfo line is over 64 KiB, cpuinfo is over 1 Mi lines or has more than
 * 4096 distinct physical ids. */
#ifndef TZ_COLLECT_HARDWARE_H
#define TZ_COLLECT_HARDWARE_H

#include "rootfacts.h"
#include "taizhang.pb-c.h"
#include "tz_error.h"

int collect_hardware(const char *root, Tz__HardwareSection **out,
                     struct tz_error *err);

/* As collect_hardware; a DMI field this process could not read (or read
 * empty) is taken from facts->dmi when facts is not NULL (what the root
 * child read, privsep_facts), with the same cut to TZ_MAX_NAME. */
int collect_hardware_with(const char *root, const struct rootfacts *facts,
                          Tz__HardwareSection **out, struct tz_error *err);

#endif
