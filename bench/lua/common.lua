-- Shared by every workload: per-thread counters, gathered and printed as one JSON
-- line ("BENCHJSON {...}") by done(). Each wrk thread owns one connection (-t N -c N)
-- and, where the workload has clients, plays clients[tid].
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function bench_init()
  ok, bad, items, cycles, rejected = 0, 0, 0, 0, 0
  first_bad = ""
end

function count(body, pat)
  local n = 0
  for _ in string.gmatch(body or "", pat) do n = n + 1 end
  return n
end

function note_bad(status, body)
  bad = bad + 1
  if first_bad == "" then first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 400) end
end

-- A 200 counts as ok with its items (`item_pat`, when set); anything else as bad.
function count_answer(status, body)
  if status == 200 then
    ok = ok + 1
    if item_pat then items = items + count(body, item_pat) end
  else
    note_bad(status, body)
  end
end

local function json_str(s)
  s = string.gsub(s or "", '[%c"\\]', function(c)
    if c == '"' then return '\\"' elseif c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local t = {ok = 0, bad = 0, items = 0, cycles = 0, rejected = 0}
  local fb = ""
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (th:get(k) or 0) end
    local f = th:get("first_bad")
    if fb == "" and f ~= nil and f ~= "" then fb = f end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"duration_us":%d,"requests":%d,"ok":%d,"bad":%d,"items":%d,"cycles":%d,"rejected":%d,' ..
    '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d,' ..
    '"lat_p50_us":%d,"lat_p95_us":%d,"lat_p99_us":%d,"lat_mean_us":%.1f,"lat_max_us":%d,"first_bad":%s}\n',
    summary.duration, summary.requests, t.ok, t.bad, t.items, t.cycles, t.rejected,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
    json_str(fb)))
end
