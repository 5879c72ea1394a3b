-- 90 % reads of random items, 10 % stock movements (+1/-1 alternating).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers, post_headers
local counter, writes = 0, 0

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  post_headers = common.auth_headers()
  post_headers["Content-Type"] = "application/json"
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  if counter % 10 == 0 then
    writes = writes + 1
    local body = writes % 2 == 1 and '{"delta": 1, "reason": "received"}'
      or '{"delta": -1, "reason": "sold"}'
    return wrk.format("POST", "/api/v1/items/" .. id .. "/movements", post_headers, body)
  end
  return wrk.format("GET", "/api/v1/items/" .. id, headers)
end

done = common.done
