-- wrk script: GET the paths listed in the file MEMO_PATHS (one a line) in
-- turn, with the API key in MEMO_KEY: reads of real ids and queries.
local key = os.getenv("MEMO_KEY")
if key then wrk.headers["Authorization"] = "Bearer " .. key end
local paths = {}
for line in io.lines(os.getenv("MEMO_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
