-- POST distinct, complete public requests (no two alike, so none is a duplicate).
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

local n = 0
local run = "0"
local out
function init(args)
  run = args[1] or "0"  -- a run id, so that no two runs send the same text
  -- Every accepted submission's reference, to check afterwards that each one was stored.
  out = io.open(string.format("%s/refs-%d.txt", args[2], tid), "w")
end

response = function(status, headers, body)
  if status == 201 then
    out:write(body:match('"reference":"([^"]+)"'), "\n")
    out:flush()
  end
end

request = function()
  n = n + 1
  local body = string.format(
    '{"action_requested":"global_ban","summary":"Load test request %s-%d-%d",' ..
    '"community_evidence":["https://en.wikipedia.org/wiki/WP:AN"],' ..
    '"supporting_information":"Diffs on the noticeboard.","email":"bench%d@example.org"}',
    run, tid, n, n % 500)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
