-- Shared by every scenario: bearer token and item ids from the environment, and a done()
-- that prints one JSON line the runner parses (latencies in microseconds).
local M = {}

function M.read_lines(path)
  local lines = {}
  if path == nil or path == "" then return lines end
  local file = assert(io.open(path, "r"))
  for line in file:lines() do
    if #line > 0 then lines[#lines + 1] = line end
  end
  file:close()
  return lines
end

function M.auth_headers()
  local headers = {}
  local token = os.getenv("BENCH_TOKEN")
  if token ~= nil and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return headers
end

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout + errors.status
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "errors": %d, "non_2xx": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max, failed, errors.status))
end

return M
