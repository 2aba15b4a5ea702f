-- bench/portal_wrk.lua — wrk's summary as one line bench/portal.sh parses:
-- requests, requests/s, median, p99 and max latency (ms), bytes per
-- response, and every kind of error wrk counts (status: 4xx/5xx answers).
done = function(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    local n = summary.requests
    io.write(string.format(
        "WRK requests=%d seconds=%.2f rps=%.2f p50_ms=%.3f p99_ms=%.3f " ..
        "max_ms=%.3f bytes_per_req=%d connect=%d read=%d write=%d " ..
        "timeout=%d status=%d\n",
        n, secs, n / secs, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000,
        n > 0 and math.floor(summary.bytes / n) or 0,
        e.connect, e.read, e.write, e.timeout, e.status))
end
