/* tz_smtp_sink — an SMTP server a test starts on 127.0.0.1 (an ephemeral
 * port, a thread of the test): 220, EHLO/HELO 250 (no STARTTLS, no AUTH
 * offered), MAIL/RCPT 250, DATA 354 ... "." 250, QUIT 221; it keeps the
 * envelope and the data of each mail (up to SINK_MAX). And the reading of
 * a mail back: a header, the RFC 2047 subject, the base64 body.
 * The helpers fail the test (Criterion) when something does not parse. */
#ifndef TZ_SMTP_SINK_H
#define TZ_SMTP_SINK_H

#include <pthread.h>

#define SINK_MAX 8

struct mail {
    char from[256], rcpt[256];   /* as given: "<a@b>" */
    char *data;                  /* headers and body, CRLF, dots unstuffed */
};

struct sink {
    int fd;
    int port;
    volatile int stop;
    pthread_t th;
    pthread_mutex_t mu;          /* n and mails, written by the sink thread */
    struct mail mails[SINK_MAX];
    int n;
};

void sink_start(struct sink *s);
void sink_stop(struct sink *s);
/* The number of mails received so far. */
int sink_count(struct sink *s);
/* A port nothing listens on (bound, then closed). */
int dead_port(void);

/* The value of header name (unfolded), malloc'd; NULL when absent. */
char *header(const char *data, const char *name);
/* The subject's encoded words decoded, malloc'd; each word must be at
 * most 75 characters. */
char *subject_of(const char *data);
/* The base64 body decoded, malloc'd. */
char *body_of(const char *data);

#endif
