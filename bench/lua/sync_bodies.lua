-- Pushes pre-made bodies (bench/mix.py): line k of `bodies_file` (with `per_thread`, of
-- this thread's own file) is "<client index> <body>", sent in order on this thread's one connection with that client's headers. The next
-- line is taken only when a push is answered 200 (wrk calls request() once more than it
-- sends, and a failed push must be sent again, never skipped: no gap). When the lines
-- run out the thread pushes empty batches and says so in first_bad (the phase is not clean).
function init(args)
  bench_init()
  lines = {}
  -- per_thread: thread k reads "<bodies_file>.<k>", the lines of its own clients (a
  -- client's pushes stay in order on one connection).
  local file = bodies_file
  if per_thread then file = bodies_file .. "." .. tid end
  for line in io.lines(file) do
    local sp = string.find(line, " ", 1, true)
    lines[#lines + 1] = {tonumber(string.sub(line, 1, sp - 1)), string.sub(line, sp + 1)}
  end
  pos = 1
end

function request()
  local entry = lines[pos]
  if entry == nil then
    if first_bad == "" then first_bad = "bodies exhausted after " .. (pos - 1) .. " pushes" end
    bad = bad + 1
    entry = lines[#lines]
  end
  return wrk.format("POST", path, clients[entry[1]].headers, entry[2])
end

function response(status, headers, body)
  if status == 200 and lines[pos] ~= nil then
    ok = ok + 1
    pos = pos + 1
    items = items + count(body, '"status"%s*:%s*"applied"')
    local r = count(body, '"status"%s*:%s*"rejected"')
    rejected = rejected + r
    if r > 0 and first_bad == "" then first_bad = "rejected: " .. string.sub(body, 1, 400) end
  elseif status ~= 200 then
    note_bad(status, body)
  end
end
