-- Our push: each thread is one client pushing batches of `batch` mutations with ids
-- rising by one; every record id is a fresh UUID (run_prefix + thread + sequence).
-- next_id advances only when a push is answered 200: wrk calls request() once more
-- than it sends (to check the script), and a failed push must not open a gap.
function init(args)
  bench_init()
  me = clients[tid]
  next_id = me.start_id or 1
  seq = 0
end

function request()
  local now = os.date("!%Y-%m-%dT%H:%M:%S+00:00")
  local parts = {}
  for i = 1, batch do
    seq = seq + 1
    local mid = next_id + i - 1
    local rid = string.format("%s-%04x-4000-8000-%012x", run_prefix, tid, seq)
    local args = string.gsub(args_tpl, "%%ID%%", rid)
    parts[i] = '{"id":' .. mid .. ',"name":"' .. mut_name .. '","at":"' .. now .. '","args":' .. args .. '}'
  end
  local body = '{"client_id":"' .. me.client_id .. '","protocol":1,"sent_at":"' .. now ..
               '","mutations":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", path, me.headers, body)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    next_id = next_id + batch
    items = items + count(body, '"status"%s*:%s*"applied"')
    rejected = rejected + count(body, '"status"%s*:%s*"rejected"')
    if rejected > 0 and first_bad == "" then first_bad = "rejected: " .. string.sub(body, 1, 400) end
  else
    note_bad(status, body)
  end
end
