-- Transfers of one unit of a random item between the default location (FROM) and a second one
-- (TO), alternating the direction. Every item holds plenty at both (the harness stocks TO
-- first), so no transfer runs short however the requests interleave.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local ids, headers, from, to
local counter = 0

function init(args)
  ids = common.read_lines(os.getenv("BENCH_IDS"))
  headers = common.auth_headers()
  headers["Content-Type"] = "application/json"
  from, to = os.getenv("BENCH_FROM"), os.getenv("BENCH_TO")
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

function request()
  counter = counter + 1
  local source, target = from, to
  if counter % 2 == 0 then source, target = to, from end
  local item = ids[math.random(#ids)]
  local body = string.format(
    '{"item_id": "%s", "from_location_id": "%s", "to_location_id": "%s", "quantity": 1}',
    item, source, target)
  return wrk.format("POST", "/api/v1/transfers", headers, body)
end

done = common.done
