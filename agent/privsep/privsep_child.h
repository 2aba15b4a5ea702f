/* privsep_child — the agent's root side. Everything in agent/privsep/ runs
 * here, as root; the rest of agent/ runs as the unprivileged user.
 *
 * THE TRUST BOUNDARY. What crosses it is the socket at PRIVSEP_CHILD_FD and
 * nothing else: stdio is /dev/null, every other descriptor is closed, and
 * the child dies with the agent (PR_SET_PDEATHSIG). Over the socket, in the
 * bounded frames of privsep_msg.h:
 *   into the child: ONE fix request (root, dictionary path, limits; sent
 *     before the agent drops root), then only audit requests (no field at
 *     all) and root-facts requests (socket inodes, no path);
 *   out of it: verdicts (per account: state, reason word, day counts, cut
 *     flag, the NOPASSWD rules that apply), warnings, DMI strings and the
 *     pid and comm owning each inode asked about, or an error and why.
 * Hashes, shadow lines and the files read never cross.
 *
 * Inside, a supervisor and a worker. The supervisor takes the fix once: it
 * reads the dictionary then, and confines itself (confine.h: it opens no file
 * again; its seccomp filter allows what starting and talking to a worker
 * takes). Before the fix it answers nothing but the fix; after it, a second
 * fix, and any request that is not an audit or root facts, is refused with
 * an error answer, and the supervisor serves on. It hands each request to a
 * worker it forks (root too; confined further: its file allow-list and its
 * own seccomp filter), checks the worker's answer with the decoders the
 * agent uses and relays it. A worker that dies (a crash, a call its filter
 * kills), hangs past max_total_ms + PRIVSEP_SLACK_MS or answers garbage is
 * killed and reaped; that one ask gets an error naming what happened
 * ("killed by signal 31 (Bad system call)"), and the next ask gets a fresh
 * worker with the same fixed inputs. The agent can make the supervisor do
 * nothing else, and cannot give it new inputs. */
#ifndef TZ_PRIVSEP_CHILD_H
#define TZ_PRIVSEP_CHILD_H

#include <sys/types.h>

/* The child's end of its socket; the worker's too. */
#define PRIVSEP_CHILD_FD 3

/* Run the child on sock (moved to PRIVSEP_CHILD_FD) until the agent closes
 * its end. parent is the agent's pid (the child exits if it is gone
 * already). Never returns. */
void privsep_child_main(int sock, pid_t parent) __attribute__((noreturn));

/* Tests only: when set (before privsep_start), each worker calls it with the
 * request kind (PSMSG_AUDIT, PSMSG_FACTS) before serving a request, after
 * its confinement: a test makes a worker fail one ask this way (e.g. by
 * calling socket(2), which its filter kills). NULL in the agent. */
extern void (*privsep_worker_test_hook)(int kind);

#endif
