-- wrk script: POST the 3-line reference package to the path given by WRK_PATH (or, with
-- WRK_METHOD=GET, GET that path).
wrk.method = os.getenv("WRK_METHOD") or "POST"
if wrk.method == "POST" then
  local f = assert(io.open(os.getenv("WRK_BODY") or "bench/http/request.json", "r"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end
wrk.path = os.getenv("WRK_PATH") or "/v1/evaluate"

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.0f requests=%d p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
