-- wrk script for benchmarks/run.py: dereference (target P2).
--
--   wrk -t T -c C -d S --latency -s benchmarks/deref.lua URL -- PATHS_FILE
--
-- Each connection GETs the server-relative paths of PATHS_FILE (one per line) round-robin, each
-- thread starting at its own offset. A line "ACCEPT<TAB>PATH" sends that Accept header
-- (benchmarks/readwrite.py). Every answer that is not 200 counts as an error, by status;
-- done() prints one line "EFREG_RESULT {json}" that run.py reads (latencies in microseconds).

local paths = {}
local next_index = 1
local thread_count = 0
local threads = {}
bad = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("offset", thread_count * 97)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      local accept, path = line:match("^([^\t]*)\t(.*)$")
      if path then
        paths[#paths + 1] = {path, {["Accept"] = accept}}
      else
        paths[#paths + 1] = {line, nil}
      end
    end
  end
  next_index = (offset or 0) % #paths + 1
end

function request()
  local item = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", item[1], item[2])
end

function response(status, headers, body)
  if status ~= 200 then
    local key = tostring(status)
    bad[key] = (bad[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("bad")
    for status, n in pairs(counts or {}) do
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  local e = summary.errors
  local parts = {}
  for status, n in pairs(statuses) do
    parts[#parts + 1] = string.format('"%s": %d', status, n)
  end
  for _, name in ipairs({"connect", "read", "write", "timeout"}) do
    if e[name] > 0 then
      parts[#parts + 1] = string.format('"socket %s": %d', name, e[name])
    end
  end
  io.write(string.format(
    'EFREG_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"error_statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
