/* datadir_lock — one owner of a collector data dir at a time.
 *
 * The owner (tz-collector, or tzctl restore while it swaps the register)
 * holds an exclusive POSIX record lock (fcntl F_SETLK) on DIR/collector.lock
 * and writes "PID WHO\n" into it for people who look. The kernel drops the
 * lock when the owner exits, however it exits, so a lock is never stale;
 * F_GETLK tells the holder's pid from the kernel, not from the file.
 * POSIX record locks belong to a process: the owner must not open and close
 * collector.lock anywhere else (that would drop the lock), and two acquires
 * in one process do not exclude each other.
 * Bounds: WHO is at most DATADIR_WHO_MAX bytes (longer is cut). */
#ifndef TZ_DATADIR_LOCK_H
#define TZ_DATADIR_LOCK_H

#include <sys/types.h>

#include "tz_error.h"

#define DATADIR_LOCK_FILE "collector.lock"
#define DATADIR_WHO_MAX 31

/* Who holds a data dir: pid 0 when nobody does, -1 when a process the
 * kernel will not name (another pid namespace) does. who is what the holder
 * wrote ("tz-collector", "tzctl restore"), "" when the file does not say. */
struct datadir_holder {
    pid_t pid;
    char who[DATADIR_WHO_MAX + 1];
};

/* Take the lock on dir/collector.lock (created 0644 and given to dir's
 * owner if missing, so a file root made still opens for the collector's
 * user; dir must exist) without waiting, and write "<our pid> who" into it. On success *fd
 * holds the lock until datadir_lock_release or exit. TZ_EEXIST when another
 * process holds it: *holder says which (err too, naming the pid); TZ_EIO
 * when the file cannot be opened or locked. */
int datadir_lock_acquire(const char *dir, const char *who, int *fd,
                         struct datadir_holder *holder, struct tz_error *err);

/* Close fd (which drops the lock); the file stays, its contents are stale
 * by design (only the kernel's lock counts). -1 is ignored. */
void datadir_lock_release(int fd);

/* Is dir held, and by whom? holder->pid 0 when not (also when the lock file
 * does not exist: no collector has started there). TZ_EIO when the file
 * exists but cannot be read. Only for processes that do not hold the lock:
 * the holder would be told "not held" (POSIX locks do not conflict within
 * one process), and the close at the end would drop its lock. */
int datadir_lock_holder(const char *dir, struct datadir_holder *holder,
                        struct tz_error *err);

#endif
