/* fuzz_config — the INI loaders of tz-agent, tz-collector and tz-portal,
 * the screening checklist (schemas/screening.ini) and the agent's state
 * file, on hostile text.
 *
 * The first input byte picks the loader; the rest is the file. Configs come
 * from the administrator, but a state file survives crashes and disk
 * trouble, and none of them may take the process down. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"
#include "agent_state.h"
#include "collector_config.h"
#include "fuzz_common.h"
#include "portal.h"
#include "screen_config.h"

static char *dir, *ini_path, *state_path;
static int dirfd_;
static struct tz_keypair kp;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    dir = fz_tmpdir("config");
    ini_path = malloc(4200);
    state_path = malloc(4200);
    snprintf(ini_path, 4200, "%s/fuzz.ini", dir);
    snprintf(state_path, 4200, "%s/state", dir);
    /* The state file is read through a descriptor of its directory, as the
     * unprivileged agent does; the key is not the state file's business. */
    dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_ < 0)
        abort();
    memset(&kp, 0, sizeof(kp));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int which = data[0] % 5;
    struct tz_error err = {0};
    if (which == 2) {
        fz_write(state_path, data + 1, size - 1);
        struct agent_state st;
        if (agent_state_load(dirfd_, dir, &kp, &st, &err) == 0 &&
            memchr(st.dept, '\0', sizeof(st.dept)) == NULL)
            abort();
        tz_keypair_wipe(&st.kp);
        return 0;
    }
    fz_write(ini_path, data + 1, size - 1);
    if (which == 0) {
        struct agent_config c;
        agent_config_defaults(&c);
        if (agent_config_load(&c, ini_path, &err) == 0) {
            if (c.n_collectors < 0 || c.n_collectors > AGENT_MAX_COLLECTORS ||
                c.timeout_s < 1 || c.timeout_s > 3600)
                abort();
            for (int i = 0; i < c.n_collectors; i++)
                if (memchr(c.collectors[i], '\0', sizeof(c.collectors[i])) == NULL)
                    abort();
        }
    } else if (which == 4) {
        struct screen_config c;
        screen_config_defaults(&c);
        char digest[SCREEN_DIGEST_LEN];
        if (screen_config_load(&c, ini_path, &err) == 0) {
            if (c.n_high_risk < 0 || c.n_high_risk > RULES_MAX_PORTS ||
                c.n_required < 0 || c.n_required > LF_COUNT ||
                c.n_required_public < 0 || c.n_required_public > LF_COUNT)
                abort();
            for (int i = 0; i < SCREEN__COUNT; i++)
                if (memchr(c.item[i].label_zh, '\0', SCREEN_TEXT_MAX) == NULL ||
                    memchr(c.item[i].remedy_en, '\0', SCREEN_TEXT_MAX) == NULL)
                    abort();
            screen_config_digest(&c, digest);
            if (strlen(digest) != SCREEN_DIGEST_LEN - 1)
                abort();
        }
    } else if (which == 3) {
        struct portal_config c;
        portal_config_defaults(&c);
        if (portal_config_load(&c, ini_path, &err) == 0 &&
            (c.max_connections < 1 || c.max_connections > 65536 || c.per_ip < 1 ||
             c.per_ip > 65536 || c.timeout < 1 || c.timeout > 3600 ||
             c.secure_cookies < -1 || c.secure_cookies > 1 ||
             memchr(c.data, '\0', sizeof(c.data)) == NULL ||
             memchr(c.listen, '\0', sizeof(c.listen)) == NULL ||
             memchr(c.control, '\0', sizeof(c.control)) == NULL))
            abort();
    } else {
        struct collector_config c;
        collector_config_defaults(&c);
        if (collector_config_load(&c, ini_path, &err) == 0 &&
            (c.max_batch < 1 || c.max_batch > 65536 || c.max_message < 1024))
            abort();
    }
    return 0;
}
