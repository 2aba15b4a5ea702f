/* portal_html_parts — the pieces of portal_html.c that other page files
 * (portal_html_screen.c) build their pages with: the page's frame (header,
 * navigation, language links), a form's CSRF field, a time, a link that
 * keeps the chosen language, a table heading. Internal to the portal's
 * HTML; the pages' contract is portal_html.h. */
#ifndef TZ_PORTAL_HTML_PARTS_H
#define TZ_PORTAL_HTML_PARTS_H

#include "portal_html.h"

void html_page_begin(struct html_buf *b, const struct portal_req *q,
                     const char *title);
void html_page_end(struct html_buf *b);
/* <input type="hidden" name="csrf" value="..."> of q's session. */
void html_csrf_field(struct html_buf *b, const struct portal_req *q);
/* Local "YYYY-MM-DD HH:MM" of a unix time; "-" for 0. */
void html_when(struct html_buf *b, double secs);
/* <a href="path"> (the ?lang= of the page kept); the caller closes it. */
void html_href(struct html_buf *b, const struct portal_req *q, const char *path);
void html_th(struct html_buf *b, const char *text);

/* The pre-launch section of a system page (portal_html_screen.c). */
void html_prelaunch(struct html_buf *b, const struct portal_req *q,
                    const struct html_prelaunch *p);

#endif
