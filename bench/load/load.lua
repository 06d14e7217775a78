-- SPDX-License-Identifier: GPL-2.0
-- wrk script for bench/load/run.sh: each connection walks through the
-- paths of one set in turn (PATHS in the environment: "dashboard" or
-- "api"), and every response's status is counted, so that the summary
-- shows the non-2xx answers by status beside wrk's socket errors.
local sets = {
	-- the page and its static assets
	dashboard = {
		"/",
		"/static/app.js",
		"/static/style.css",
	},
	-- the read API a dashboard or a script polls
	api = {
		"/api/v1/status",
		"/api/v1/topics",
		"/api/v1/queue",
		"/api/v1/next",
		"/api/v1/series",
		"/api/v1/series/1",
	},
	-- one listing, against the git peer
	topics = {
		"/api/v1/topics",
	},
}
local paths = sets[os.getenv("PATHS") or "api"] or sets.api
local threads = {}

setup = function(thread)
	table.insert(threads, thread)
end

init = function(args)
	counts = {}
	i = 0
end

request = function()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end

response = function(status, headers, body)
	counts[status] = (counts[status] or 0) + 1
end

done = function(summary, latency, requests)
	local total, bad = {}, 0
	for _, t in ipairs(threads) do
		for status, n in pairs(t:get("counts")) do
			total[status] = (total[status] or 0) + n
		end
	end
	local line = ""
	for status, n in pairs(total) do
		line = line .. string.format(" %d:%d", status, n)
		if status < 200 or status > 299 then
			bad = bad + n
		end
	end
	local e = summary.errors
	io.write(string.format(
		"RESULT requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d socket_errors=%d statuses=%s\n",
		summary.requests, summary.duration / 1e6,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		latency.max / 1000, bad,
		e.connect + e.read + e.write + e.timeout, line))
end
