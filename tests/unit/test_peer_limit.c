/* test_peer_limit — a source that keeps sending rejected requests is slowed
 * down for the rest of its minute; other sources, and the same source in
 * its next minute, are not. */
#include <criterion/criterion.h>

#include "peer_limit.h"

Test(peer_limit, a_source_is_slowed_after_its_limit_and_others_are_not)
{
    struct peer_limit *pl = peer_limit_new(3);
    cr_assert_not_null(pl);
    uint64_t t = 1000;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(peer_limit_admit(pl, 7, t), PEER_ADMIT, "request %d", i);
        peer_limit_done(pl, 7, 1);
    }
    cr_assert_eq(peer_limit_admit(pl, 7, t + 1), PEER_SLOWED_NEW, "said once");
    cr_assert_eq(peer_limit_admit(pl, 7, t + 2), PEER_SLOWED);
    /* Another connection is not touched by it. */
    cr_assert_eq(peer_limit_admit(pl, 8, t + 2), PEER_ADMIT);
    peer_limit_done(pl, 8, 0);
    uint64_t dropped, slowed;
    peer_limit_take_counts(pl, &dropped, &slowed);
    cr_assert_eq(dropped, 2);
    cr_assert_eq(slowed, 1);
    peer_limit_take_counts(pl, &dropped, &slowed);
    cr_assert_eq(dropped, 0, "taken counts start again from 0");
    /* Its next minute begins afresh. */
    cr_assert_eq(peer_limit_admit(pl, 7, t + PEER_LIMIT_WINDOW_MS - 1), PEER_SLOWED);
    cr_assert_eq(peer_limit_admit(pl, 7, t + PEER_LIMIT_WINDOW_MS), PEER_ADMIT);
    peer_limit_free(pl);
}

Test(peer_limit, accepted_requests_do_not_count_and_in_flight_ones_do)
{
    struct peer_limit *pl = peer_limit_new(2);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(peer_limit_admit(pl, 1, 5000), PEER_ADMIT);
        peer_limit_done(pl, 1, 0);
    }
    /* A batch admits two before any is answered; the third waits its turn
     * like a rejected one would: a batch cannot carry a source past it. */
    cr_assert_eq(peer_limit_admit(pl, 2, 5000), PEER_ADMIT);
    cr_assert_eq(peer_limit_admit(pl, 2, 5000), PEER_ADMIT);
    cr_assert_eq(peer_limit_admit(pl, 2, 5000), PEER_SLOWED_NEW);
    peer_limit_done(pl, 2, 0);
    peer_limit_done(pl, 2, 0);
    peer_limit_free(pl);
}

Test(peer_limit, zero_is_no_limit_and_the_table_stays_bounded)
{
    struct peer_limit *off = peer_limit_new(0);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(peer_limit_admit(off, 1, 1), PEER_ADMIT);
        peer_limit_done(off, 1, 1);
    }
    peer_limit_free(off);
    /* Far more sources than slots: every new one is admitted, a full set
     * of ways replaces its oldest, and a slowed one stays slowed while it
     * keeps its slot. */
    struct peer_limit *pl = peer_limit_new(1);
    cr_assert_eq(peer_limit_admit(pl, 42, 10), PEER_ADMIT);
    peer_limit_done(pl, 42, 1);
    for (uint32_t k = 1000; k < 1000 + 4 * PEER_LIMIT_SLOTS; k++) {
        cr_assert_eq(peer_limit_admit(pl, k, 20), PEER_ADMIT);
        peer_limit_done(pl, k, 1);
    }
    cr_assert_eq(peer_limit_admit(pl, 7, 30), PEER_ADMIT);
    peer_limit_done(pl, 7, 1);
    cr_assert_neq(peer_limit_admit(pl, 7, 31), PEER_ADMIT);
    peer_limit_free(pl);
}
