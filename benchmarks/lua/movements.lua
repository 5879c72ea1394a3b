-- Stock movements: alternating +1/-1 per connection, always starting with +1, so stock never
-- underflows however the requests interleave (every item starts with plenty of stock anyway).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers
local counter = 0

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  counter = counter + 1
  local body
  if counter % 2 == 1 then
    body = '{"delta": 1, "reason": "received"}'
  else
    body = '{"delta": -1, "reason": "sold"}'
  end
  return wrk.format("POST", "/api/v1/items/" .. ids[math.random(#ids)] .. "/movements", headers, body)
end

done = common.done
