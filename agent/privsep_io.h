/* privsep_io — privsep_msg frames over a socket, on both sides of it.
 *
 * The agent, the root supervisor and its worker all talk in frames of
 * privsep_msg.h: a 4-byte big-endian length, then the body. These read and
 * write them whole, with a deadline where one side waits on the other.
 * Ownership: psio_read_frame's *body (malloc'd) is the caller's.
 * Errors: TZ_EIO (the socket failed or closed), TZ_ETIMEOUT (deadline
 * passed), TZ_ELIMIT (a frame over max: the stream cannot be resynchronised),
 * TZ_EPROTO (closed in the middle of a frame), TZ_ENOMEM. */
#ifndef TZ_PRIVSEP_IO_H
#define TZ_PRIVSEP_IO_H

#include <stddef.h>
#include <stdint.h>

#include "tz_error.h"

/* All of p, MSG_NOSIGNAL (a closed peer is TZ_EIO, not SIGPIPE). */
int psio_write_all(int fd, const uint8_t *p, size_t n);

/* The length prefix, then body. */
int psio_write_frame(int fd, const uint8_t *body, size_t len);

/* One frame's body of at most max bytes; deadline (tz_now_ms() clock) 0
 * waits forever. Returns 1, with nothing read, on a clean end of stream
 * before the first byte (the peer closed between frames). */
int psio_read_frame(int fd, size_t max, unsigned long long deadline,
                    uint8_t **body, size_t *len);

#endif
