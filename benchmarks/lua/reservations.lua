-- Reservations (issue 15): 1-unit holds on random items (a new reference each), each fulfilled
-- by the next request of the thread that made it (a queue: a thread's connections interleave),
-- so about half the requests create and half fulfil, and the held total stays small.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers
local counter = 0
local made = {}
local prefix

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  headers["Content-Type"] = "application/json"
  local seed = tonumber(tostring({}):match("0x(%x+)") or "0", 16)
  prefix = string.format("B%x-%x-%x", os.time(), seed % 1000000007, math.random(1, 2^30))
  math.randomseed(os.time() + seed % 100000)
end

function request()
  local id = table.remove(made, 1)
  if id ~= nil then
    return wrk.format("POST", "/api/v1/reservations/" .. id .. "/fulfil", headers, "{}")
  end
  counter = counter + 1
  local body = string.format(
    '{"item_id": "%s", "quantity": 1, "reference": "%s-%d"}',
    ids[math.random(#ids)], prefix, counter)
  return wrk.format("POST", "/api/v1/reservations", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    made[#made + 1] = body:match('"reservation":{"id":"([%x-]+)"')
  end
end

done = common.done
