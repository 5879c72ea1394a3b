-- Continuous logins (OAuth2 password form) with a real password: bcrypt at full cost.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local body

function init(args)
  body = "username=" .. os.getenv("BENCH_USERNAME") .. "&password=" .. os.getenv("BENCH_PASSWORD")
end

function request()
  return wrk.format("POST", "/api/v1/auth/token",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

done = common.done
