-- An item's stock at a past instant: one item (BENCH_ITEM), instants picked at random from a
-- comma-separated list (BENCH_AS_OF) spread over its history.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local item, instants, headers

function init(args)
  item = os.getenv("BENCH_ITEM")
  instants = {}
  for instant in string.gmatch(os.getenv("BENCH_AS_OF") or "", "[^,]+") do
    instants[#instants + 1] = instant
  end
  headers = common.auth_headers()
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  local at = instants[math.random(#instants)]
  return wrk.format("GET", "/api/v1/items/" .. item .. "/stock?as_of=" .. at, headers)
end

done = common.done
