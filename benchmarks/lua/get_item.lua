-- Authenticated GET of one item, random ids.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)], headers)
end

done = common.done
