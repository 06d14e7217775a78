-- SPDX-License-Identifier: GPL-2.0
-- wrk script for bench/dashboard.sh: each connection walks through the
-- requests a dashboard makes, in turn.
local paths = {
	"/",
	"/static/app.js",
	"/static/style.css",
	"/api/v1/status",
	"/api/v1/cycle",
	"/api/v1/topics",
	"/api/v1/next",
	"/api/v1/next/builds",
	"/api/v1/queue",
	"/api/v1/outbox",
}
local i = 0

request = function()
	i = i % #paths + 1
	return wrk.format("GET", paths[i])
end
