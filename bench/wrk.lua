-- One benchmark scenario for wrk. Configured by environment variables:
--   BENCH_PATHS   "|"-separated request paths, used round-robin
--   BENCH_METHOD  GET (default) or POST
--   BENCH_COOKIE  Cookie header (session and/or csrftoken)
--   BENCH_BODY    form body for POST; "{n}" becomes a per-request unique number
--   BENCH_CONTENT_TYPE  the body's type (default application/x-www-form-urlencoded)
--   BENCH_EXPECT  when set, responses with another status count as "unexpected"
-- done() prints one JSON line: requests/s and latency percentiles in microseconds.

local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "/", "[^|]+") do
  paths[#paths + 1] = p
end
local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE")
local body = os.getenv("BENCH_BODY")
local content_type = os.getenv("BENCH_CONTENT_TYPE") or "application/x-www-form-urlencoded"
local expect = tonumber(os.getenv("BENCH_EXPECT") or "")
local counter = 0
unexpected = 0

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local headers = {}
  if cookie then headers["Cookie"] = cookie end
  local payload = nil
  if body then
    payload = string.gsub(body, "{n}", tostring(tid or 0) .. "x" .. tostring(counter))
    headers["Content-Type"] = content_type
  end
  return wrk.format(method, path, headers, payload)
end

if expect then
  function response(status, headers, resp_body)
    if status ~= expect then unexpected = unexpected + 1 end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("unexpected") or 0) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "rps": %.2f, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "unexpected": %d}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, bad))
end
