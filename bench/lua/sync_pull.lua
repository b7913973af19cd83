-- Our full pull: from cursor null, pages of `limit`, following the cursor while
-- has_more; then from null again. items = changes received, cycles = full pulls done.
function init(args)
  bench_init()
  me = clients[tid]
  cursor = nil
end

function request()
  local c = cursor and ('"' .. cursor .. '"') or "null"
  local body = '{"client_id":"' .. me.client_id .. '","protocol":1,"cursor":' .. c .. ',"limit":' .. limit .. '}'
  return wrk.format("POST", path, me.headers, body)
end

function response(status, headers, body)
  if status ~= 200 then
    note_bad(status, body)
    cursor = nil
    return
  end
  ok = ok + 1
  items = items + count(body, '"op"%s*:%s*"')
  if string.find(body, '"has_more"%s*:%s*true') then
    cursor = string.match(body, '"cursor"%s*:%s*"([^"]*)"')
  else
    cursor = nil
    cycles = cycles + 1
  end
end
