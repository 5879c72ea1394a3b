-- Stock movements as movements.lua, each with an Idempotency-Key of its own: what a client that
-- retries safely sends. Keys are unique per run, thread and request, so none is a replay.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers, prefix
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  headers["Content-Type"] = "application/json"
  local seed = os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000
  math.randomseed(seed)
  prefix = string.format("bench-%d-%d-%d-", os.time(), math.random(1, 2147483647), thread_number)
end

function request()
  counter = counter + 1
  local body
  if counter % 2 == 1 then
    body = '{"delta": 1, "reason": "received"}'
  else
    body = '{"delta": -1, "reason": "sold"}'
  end
  headers["Idempotency-Key"] = prefix .. counter
  return wrk.format("POST", "/api/v1/items/" .. ids[math.random(#ids)] .. "/movements", headers, body)
end

done = common.done
