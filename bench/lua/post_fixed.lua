-- POST the same body again and again, one per thread (clients[tid].body); counts items.
function init(args)
  bench_init()
  local me = clients[tid]
  req = wrk.format("POST", path, me.headers, me.body)
end

function request()
  return req
end

function response(status, headers, body)
  count_answer(status, body)
end
