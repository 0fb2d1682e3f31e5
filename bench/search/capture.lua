-- wrk script for the capture throughput of bench/search: POST /memory with a
-- memory of realistic length that is new on every request (MEMO_RUN, the wrk
-- thread and a counter make it unique), so each run inserts rows and
-- maintains every index, rather than updating the rows of an earlier run.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("MEMO_KEY")
local run = os.getenv("MEMO_RUN") or "0"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local id = string.format("%s-%d-%d", run, thread_id, counter)
  local body = string.format(
    '{"content":"Human: Autovacuum on our Postgres 16 cluster falls behind after the nightly import %s; '
      .. 'the orders table bloats and queries on created_at slow down. Should I lower autovacuum_vacuum_scale_factor '
      .. 'for that table or run VACUUM ANALYZE after the import?\\nAssistant: Set a per-table scale factor of 0.01 '
      .. 'and a cost limit of 2000, and run ANALYZE at the end of the import job so the planner sees the new rows.",'
      .. '"source":"chatgpt-extension-v2","metadata":{"platform":"ChatGPT","url":"https://chatgpt.com/c/%s",'
      .. '"conversation_id":"c%s","captureMethod":"manual","messageCount":2}}',
    id, id, id)
  return wrk.format(nil, "/memory", nil, body)
end
