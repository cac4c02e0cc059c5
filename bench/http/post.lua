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

-- With WRK_KEYS=1, each request carries an Idempotency-Key of its own (a prefix drawn per run,
-- then a count), as a client that retries safely sends.
-- The prefix names the thread too (setup numbers them), so that threads never send one key.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
if os.getenv("WRK_KEYS") == "1" then
  local prefix
  local count = 0
  request = function()
    if prefix == nil then
      math.randomseed(os.time() + (thread_number or 0))
      prefix = string.format("bench-%d-%d-%d-", os.time(), thread_number or 0, math.random(1, 1000000000))
    end
    count = count + 1
    wrk.headers["Idempotency-Key"] = prefix .. count
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.0f requests=%d p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
