-- Kinto's push: POST /v1/batch creating `batch` records per request in one collection
-- (the client's own `records_path` when it has one, else `records_path`).
function init(args)
  bench_init()
  me = clients[tid]
  path = me.records_path or records_path
  seq = 0
end

function request()
  local parts = {}
  for i = 1, batch do
    seq = seq + 1
    local rid = string.format("%s-%04x-4000-8000-%012x", run_prefix, tid, seq)
    parts[i] = '{"body":{"data":' .. string.gsub(record_tpl, "%%ID%%", rid) .. '}}'
  end
  local body = '{"defaults":{"method":"POST","path":"' .. path .. '"},"requests":[' ..
               table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/v1/batch", me.headers, body)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    items = items + count(body, '"status"%s*:%s*201')
    rejected = rejected + batch - count(body, '"status"%s*:%s*201')
  else
    note_bad(status, body)
  end
end
