-- GET one path per thread (clients[tid].path, else `path`); `item_pat` counts items per answer.
function init(args)
  bench_init()
  local me = clients and clients[tid] or {}
  req = wrk.format("GET", me.path or path, me.headers or headers)
end

function request()
  return req
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if item_pat then items = items + count(body, item_pat) end
  else
    note_bad(status, body)
  end
end
