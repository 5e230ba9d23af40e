-- GET /api/check with a wiki's token and a different account and address on every request
-- (random, so nearly all miss, as on a wiki). Usage: wrk ... -s bench/ban_check.lua URL -- TOKEN
local token
function init(args)
  token = args[1]
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local path = string.format("/api/check?user=Visitor_%x&ip=%d.%d.%d.%d",
    math.random(1, 2^30), math.random(1, 223), math.random(0, 255), math.random(0, 255),
    math.random(1, 254))
  return wrk.format("GET", path, { ["Authorization"] = "Token " .. token })
end
