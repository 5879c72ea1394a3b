-- Authenticated GET of a fixed path (BENCH_PATH): item lists, search, sort, health, baseline.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local path = os.getenv("BENCH_PATH") or "/"
local headers

function init(args)
  headers = common.auth_headers()
end

function request()
  return wrk.format("GET", path, headers)
end

done = common.done
