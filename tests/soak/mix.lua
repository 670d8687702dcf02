-- tests/soak/mix.lua - wrk script: rotates through a request list and prints
-- one machine-readable summary line.
--
--   wrk ... -s tests/soak/mix.lua URL -- LIST_FILE [DELAY_MS]
--
-- LIST_FILE has one request a line: METHOD<TAB>PATH[<TAB>BODY].  "{n}" in
-- PATH or BODY becomes a number unique to the request (thread and counter),
-- so such requests miss any cache.  Every request asks for gzip, as browsers
-- do.  wrk counts a status of 400 or more as an error ("status" below);
-- connect/read/write/timeout are socket errors and requests over --timeout.
-- DELAY_MS, when given, paces each connection: a background load that
-- leaves the CPU to what is being tested.

local threads = {}
local next_id = 1

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

local list = {}
local count = 0
local id = 0
local pause = 0

function init(args)
    id = tonumber(wrk.thread:get("id")) or 0
    local file = assert(io.open(args[1], "r"), "cannot open the request list " .. tostring(args[1]))
    for line in file:lines() do
        local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
        if method then
            local headers = {["Accept-Encoding"] = "gzip"}
            if body == "" then
                body = nil
            else
                headers["Content-Type"] = "application/json"
            end
            local dynamic = path:find("{n}", 1, true) or (body and body:find("{n}", 1, true))
            local entry = {method = method, path = path, body = body, headers = headers}
            if not dynamic then
                entry.formatted = wrk.format(method, path, headers, body)
            end
            table.insert(list, entry)
        end
    end
    file:close()
    assert(#list > 0, "empty request list " .. args[1])
    pause = tonumber(args[2]) or 0
    -- Threads start at different places in the list.
    count = (id * 7919) % #list
end

local serial = 0

function request()
    count = count % #list + 1
    local e = list[count]
    if e.formatted then
        return e.formatted
    end
    serial = serial + 1
    local n = tostring(id) .. "." .. tostring(serial)
    local path = e.path:gsub("{n}", n)
    local body = e.body and e.body:gsub("{n}", n) or nil
    return wrk.format(e.method, path, e.headers, body)
end

function delay()
    return pause
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "SOAK requests=%d duration_us=%d connect=%d read=%d write=%d timeout=%d status=%d " ..
        "p50_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
        latency:percentile(50), latency:percentile(99), latency.max))
end
