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
  count_answer(status, body)
end
