-- Kinto's full pull: GET records?_limit=N, following Next-Page; then from the start again.
function init(args)
  bench_init()
  me = clients[tid]
  next_path = nil
end

function request()
  return wrk.format("GET", next_path or first_path, me.headers)
end

function response(status, headers, body)
  if status ~= 200 then
    note_bad(status, body)
    next_path = nil
    return
  end
  ok = ok + 1
  items = items + count(body, '"last_modified"%s*:')
  local np = headers["Next-Page"] or headers["next-page"]
  if np then
    next_path = string.match(np, "^https?://[^/]+(/.*)$") or np
  else
    next_path = nil
    cycles = cycles + 1
  end
end
