-- A different account and address on every request (random, so nearly all miss, as on a
-- wiki), with a wiki's token. The baseline run uses the same script against /healthz, so the
-- load generator does the same work in both runs.
-- Usage: wrk ... -s bench/ban_check.lua URL -- PATH TOKEN
local path, token
function init(args)
  path, token = args[1], args[2]
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function request()
  local query = string.format("?user=Visitor_%x&ip=%d.%d.%d.%d",
    math.random(1, 2^30), math.random(1, 223), math.random(0, 255), math.random(0, 255),
    math.random(1, 254))
  return wrk.format("GET", path .. query, { ["Authorization"] = "Token " .. token })
end
