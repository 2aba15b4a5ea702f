# bench/ledger_fixture.sh — the ledger register the benchmarks query, sourced
# by bench/run.sh (tzctl queries) and bench/portal.sh (tz-portal), so both
# measure the same shape: SYSTEMS systems, HOSTS/SYSTEMS hosts each, bound by
# address (BIND_MATCH: loadgen agent i reports 10.(16+i/65536).(i/256%256).(i%256)).
#
# ledger_csv SYSTEMS HOSTS DEPT...: the sheet `tzctl system import` reads.
# The systems are split into contiguous blocks, one per department, in the
# order given; host i (1-based) belongs to system (i-1)/(HOSTS/SYSTEMS).
ledger_csv() {
    _n=$1 _h=$2
    shift 2
    awk -v n="$_n" -v per=$((_h / _n)) -v depts="$*" 'BEGIN {
        nd = split(depts, dept, " ")
        print "系统名称,所属单位,负责人,管理员,联系方式,IP地址,等保等级,状态"
        for (s = 0; s < n; s++) {
            ips = ""
            for (j = 0; j < per; j++) {
                i = 1 + s * per + j
                ip = sprintf("10.%d.%d.%d", 16 + int(i / 65536) % 128, int(i / 256) % 256, i % 256)
                ips = ips (j ? ";" : "") ip
            }
            d = dept[1 + int(s * nd / n)]
            printf "系统%05d,%s,张伟,李强,010-6275%04d,%s,%d,live\n", s, d, s % 10000, ips, 1 + s % 3
        }
    }'
}

# ledger_dept_range SYSTEMS HOSTS NDEPTS K: "FIRST COUNT", the loadgen agents
# (hosts) of the K-th department (0-based) of ledger_csv's split.
ledger_dept_range() {
    awk -v n="$1" -v per=$(($2 / $1)) -v nd="$3" -v k="$4" 'BEGIN {
        # system s is in department int(s * nd / n): the first s with k <= s*nd/n
        first = -1; count = 0
        for (s = 0; s < n; s++)
            if (int(s * nd / n) == k) { if (first < 0) first = s; count++ }
        printf "%d %d\n", 1 + first * per, count * per
    }'
}
