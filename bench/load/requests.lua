-- wrk script: cycles through the requests given after `--`, each one
-- "METHOD PATH [BODY]", and prints a one-line JSON summary for bench/run.
--   wrk -t1 -c64 -d10s -s requests.lua http://127.0.0.1:8001 -- "POST /call/ {...}"

local requests = {}
local next_request = 1

function init(args)
  for _, spec in ipairs(args) do
    local method, path, body = spec:match("^(%S+) (%S+) ?(.*)$")
    assert(method, "a request is \"METHOD PATH [BODY]\", got: " .. spec)
    local headers = {}
    if body ~= "" then
      headers["Content-Type"] = "application/json"
    else
      body = nil
    end
    requests[#requests + 1] = wrk.format(method, path, headers, body)
  end
  assert(#requests > 0, "no request given after --")
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"mean_us":%.1f,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
