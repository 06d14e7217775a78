/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cthulhu dashboard: a read-only view over the JSON API, kept live by
 * the Server-Sent Events of /api/v1/events/stream.
 *
 * Everything shown comes from mail or git and is untrusted: the DOM is
 * built with createElement() and text nodes only, never from markup, so
 * a subject such as "<img src=x onerror=...>" stays text.  Links are made
 * here from ids passed through encodeURIComponent(), never taken from
 * data.
 *
 * An API that answers 404 (a part of the daemon not built yet) shows as
 * "not available yet"; the section fills in once the daemon has it.
 *
 * For the browser tests the body carries data-live (connecting, open,
 * reconnecting), data-loads (views rendered), data-sse (stream messages
 * received) and data-view.
 */
'use strict';

(function () {

/* --- small DOM helpers ------------------------------------------------ */

/*
 * h('td', {class: 'x', title: t}, child...): an element; children are
 * nodes, or strings/numbers made into text nodes; null is skipped.
 */
function h(tag, attrs) {
	var el = document.createElement(tag), i, k, c;

	if (attrs) {
		for (k in attrs) {
			if (attrs[k] === null || attrs[k] === undefined ||
			    attrs[k] === false)
				continue;
			if (k === 'text')
				el.textContent = String(attrs[k]);
			else
				el.setAttribute(k, String(attrs[k]));
		}
	}
	for (i = 2; i < arguments.length; i++) {
		c = arguments[i];
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			c.forEach(function (x) { append(el, x); });
		else
			append(el, c);
	}
	return el;
}

function append(el, c) {
	if (c === null || c === undefined || c === false)
		return;
	if (Array.isArray(c))
		c.forEach(function (x) { append(el, x); });
	else if (typeof c === 'object' && c.nodeType)
		el.appendChild(c);
	else
		el.appendChild(document.createTextNode(String(c)));
}

function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

function $(id) {
	return document.getElementById(id);
}

/* The first of obj's fields that is set, or undefined. */
function pick(obj) {
	var i, v;

	if (!obj || typeof obj !== 'object')
		return undefined;
	for (i = 1; i < arguments.length; i++) {
		v = obj[arguments[i]];
		if (v !== undefined && v !== null && v !== '')
			return v;
	}
	return undefined;
}

function short(sha) {
	return typeof sha === 'string' ? sha.slice(0, 12) : '';
}

/* --- time ------------------------------------------------------------- */

function toDate(v) {
	if (v === undefined || v === null || v === '')
		return null;
	if (typeof v === 'number')
		return new Date(v > 1e12 ? v : v * 1000);
	if (/^\d+$/.test(v))
		return toDate(Number(v));
	var d = new Date(v);
	return isNaN(d.getTime()) ? null : d;
}

function span(seconds) {
	var s = Math.abs(Math.round(seconds));

	if (s < 60)
		return s + ' s';
	if (s < 3600)
		return Math.round(s / 60) + ' min';
	if (s < 86400 * 2)
		return Math.round(s / 3600) + ' h';
	return Math.round(s / 86400) + ' days';
}

function ago(v) {
	var d = toDate(v), s;

	if (!d)
		return '';
	s = (Date.now() - d.getTime()) / 1000;
	if (s < 5)
		return 'just now';
	return s >= 0 ? span(s) + ' ago' : 'in ' + span(s);
}

/* A <time> with the relative text and the exact time on hover. */
function when(v) {
	var d = toDate(v);

	if (!d)
		return h('span', { class: 'muted' }, '—');
	return h('time', { datetime: d.toISOString(),
			   title: d.toISOString().replace('T', ' ')
				  .replace(/\.\d+Z$/, ' UTC') }, ago(v));
}

function duration(ms) {
	if (typeof ms !== 'number')
		return '';
	if (ms < 1000)
		return ms + ' ms';
	return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
}

/* --- the API ---------------------------------------------------------- */

var state = {
	data: {},		/* key -> {status, body, at} */
	view: 'queue',
	arg: null,
	lane: '',
	search: '',
	sse: 0,
	loads: 0
};

/* What each key of state.data is fetched from. */
var sources = {
	status: '/api/v1/status',
	cycle: '/api/v1/cycle',
	topics: '/api/v1/topics',
	next: '/api/v1/next',
	builds: '/api/v1/next/builds',
	queue: queueURL,
	outbox: '/api/v1/outbox',
	cooking: '/api/v1/cooking'
};

function fetchJSON(url) {
	return fetch(url, { headers: { Accept: 'application/json' },
			    cache: 'no-store' })
		.then(function (r) {
			return r.text().then(function (t) {
				var body = null;
				try {
					body = t ? JSON.parse(t) : null;
				} catch (e) {
					body = null;
				}
				return { status: r.status, body: body };
			});
		}, function (e) {
			return { status: 0, body: null, error: String(e) };
		});
}

function load(key, url) {
	url = url || (typeof sources[key] === 'function' ? sources[key]() :
		      sources[key]);
	return fetchJSON(url).then(function (res) {
		res.url = url;
		state.data[key] = res;
		return res;
	});
}

/*
 * What a section shows instead of its data: "not available yet" for an
 * API this daemon does not have (404), the API's own message otherwise.
 * Returns null when res holds data.
 */
function unavailable(res, what) {
	if (!res)
		return h('p', { class: 'placeholder' }, 'Loading ' + what + '…');
	if (res.status === 404 && !(res.body && res.body.error &&
				    res.body.error.code !== 'not_found'))
		return h('p', { class: 'placeholder unavailable' },
			 what.charAt(0).toUpperCase() + what.slice(1) +
			 ': not available yet.');
	if (res.status === 0)
		return h('p', { class: 'placeholder error' },
			 'Cannot reach the daemon.');
	if (res.status >= 300 || !res.body)
		return h('p', { class: 'placeholder error' },
			 (res.body && res.body.error &&
			  res.body.error.message) ||
			 ('HTTP ' + res.status));
	return null;
}

/* An array out of an API answer: body itself or body[name]. */
function list(body) {
	var i;

	if (Array.isArray(body))
		return body;
	if (!body || typeof body !== 'object')
		return [];
	for (i = 1; i < arguments.length; i++)
		if (Array.isArray(body[arguments[i]]))
			return body[arguments[i]];
	return [];
}

/* --- rendering pieces -------------------------------------------------- */

function person(v) {
	if (!v)
		return '';
	if (typeof v === 'string')
		return v;
	var name = pick(v, 'name'), email = pick(v, 'email');
	if (name && email && name !== email)
		return name + ' <' + email + '>';
	return name || email || '';
}

function authorOf(s) {
	var a = pick(s, 'author', 'from', 'submitter');
	if (a && typeof a === 'object')
		return person(a);
	if (a)
		return a;
	return person({ name: pick(s, 'author_name'),
			email: pick(s, 'author_email') });
}

function seriesLink(s, text) {
	var id = pick(s, 'id', 'series_id', 'series');
	if (id === undefined || typeof id === 'object')
		return h('span', null, text);
	return h('a', { href: '#/series/' + encodeURIComponent(String(id)),
			class: 'series-link' }, text);
}

function laneOf(s) {
	var lane = pick(s, 'lane', 'lane_name');
	if (lane && typeof lane === 'object')
		return pick(lane, 'name', 'id', 'number');
	return lane;
}

function laneReason(s) {
	var r = pick(s, 'lane_reason', 'reason', 'why');
	var lane = s && s.lane;
	if (!r && lane && typeof lane === 'object')
		r = pick(lane, 'reason', 'why');
	return r;
}

var laneNames = { 1: 'current fixes', 2: 'fixes', 3: 'other trees',
		  4: 'features' };

function laneLabel(lane) {
	if (lane === undefined || lane === null)
		return '';
	if (typeof lane === 'number' || /^\d+$/.test(lane))
		return lane + (laneNames[lane] ? ' · ' + laneNames[lane] : '');
	return String(lane);
}

/* Counts out of a lint summary in whatever form the API gives it. */
/* --- checks ------------------------------------------------------------- */

/* The mark of a check state, and the word a screen reader says for it. */
var CHECK_MARKS = {
	success: { mark: '\u2713', word: 'passed' },
	fail: { mark: '\u2717', word: 'failed' },
	warning: { mark: '!', word: 'warned' },
	pending: { mark: '\u2026', word: 'pending' }
};

function checkMark(state) {
	return CHECK_MARKS[state] || CHECK_MARKS.pending;
}

/* "checks: failed (ci-boot failed); 1 of 3 passed" for a queue entry. */
function checksLabel(c) {
	var parts = [];

	['fail', 'warning', 'pending'].forEach(function (k) {
		var l = Array.isArray(c[k]) ? c[k] : [];
		if (l.length)
			parts.push(l.join(', ') + ' ' + checkMark(k).word);
	});
	return 'checks: ' + checkMark(c.state).word +
		(parts.length ? ' (' + parts.join('; ') + ')' : '') + '; ' +
		(c.success || 0) + ' of ' + c.total + ' passed';
}

/* The checks of a series (GET .../checks, or the series') as a list. */
function checkList(checks) {
	if (!checks.length)
		return h('p', { class: 'placeholder' }, 'No checks.');
	return h('ul', { class: 'check-list' }, checks.map(function (c) {
		var m = checkMark(c.state), url = c.target_url;
		var safe = typeof url === 'string' && /^https?:\/\//i.test(url);
		return h('li', { class: 'check check-' +
				 String(c.state).replace(/\W/g, ''),
				 'data-context': c.context },
			 h('span', { class: 'check-mark', 'aria-hidden': 'true' },
			   m.mark),
			 ' ', h('code', { class: 'check-context' }, c.context),
			 ' ', h('span', { class: 'check-state' }, c.state),
			 c.description ? h('span', { class: 'check-desc' },
					   ' \u2014 ', c.description) : null,
			 safe ? h('span', null, ' ', h('a', { href: url,
				  class: 'check-url', rel: 'noopener noreferrer',
				  target: '_blank' }, 'details')) : null);
	}));
}

/*
 * Why a series' target topic is its target, as the CLI says it:
 * {topic, source, detail} of the queue entry.
 */
function targetWhy(t) {
	if (t.source === 'maintainer')
		return 'chosen with cthulhu target';
	if (t.source === 'prefix')
		return "its subjects start with '" + t.detail + "'";
	if (t.source === 'paths')
		return "it touches '" + t.detail + "'";
	return '[tree] default-topic';
}

/* The queue's Target cell: the topic, with why as its title. */
function targetCell(s) {
	var t = pick(s, 'target');
	if (!t || typeof t !== 'object' || !t.topic)
		return h('span', { class: 'muted' }, '\u2013');
	return h('span', { title: targetWhy(t) }, t.topic);
}

/*
 * The queue's CHECKS cell: a coloured mark of the combined state whose
 * label says what passed and failed; opening it fetches and lists each
 * check with its description and link.  Which are open is kept across
 * the table's live redraws.
 */
var checksOpen = {}, checksSeen = {};

function checksCell(s) {
	var c = pick(s, 'checks'), d, box, loaded = false, label, m;

	if (!c || typeof c !== 'object' || !c.total)
		return h('span', { class: 'checks-none muted',
				   'aria-label': 'no checks' }, '\u2013');
	m = checkMark(c.state);
	label = checksLabel(c);
	box = h('div', { class: 'check-details' },
		 checksSeen[s.id] ? checkList(checksSeen[s.id]) :
		 h('p', { class: 'muted' }, 'Loading the checks\u2026'));
	d = h('details', { class: 'checks checks-' +
			   String(c.state).replace(/\W/g, '') },
	      h('summary', { 'aria-label': label, title: label },
		h('span', { class: 'check-mark', 'aria-hidden': 'true' },
		  m.mark),
		h('span', { class: 'check-count', 'aria-hidden': 'true' },
		  ' ' + (c.success || 0) + '/' + c.total)),
	      box);
	d.addEventListener('toggle', function () {
		checksOpen[s.id] = d.open;
		if (!d.open || loaded)
			return;
		loaded = true;
		fetchJSON('/api/v1/series/' + encodeURIComponent(String(s.id)) +
			  '/checks').then(function (res) {
			clear(box);
			if (res.status !== 200 || !res.body) {
				loaded = false;
				box.appendChild(h('p', { class: 'error' },
					'The checks cannot be read: ' +
					((res.body && res.body.error &&
					  res.body.error.message) ||
					 'no answer')));
				return;
			}
			checksSeen[s.id] = list(res.body, 'checks');
			box.appendChild(checkList(checksSeen[s.id]));
		});
	});
	if (checksOpen[s.id])
		d.open = true;
	return d;
}

function lintSummary(s) {
	var l = pick(s, 'lint', 'lint_summary'), e = 0, w = 0, n = 0;

	if (l === undefined)
		return null;
	if (typeof l === 'string')
		return h('span', { class: 'lint' }, l);
	if (Array.isArray(l)) {
		l.forEach(function (f) {
			var sev = f && (f.severity || f.level);
			if (sev === 'error')
				e++;
			else if (sev === 'warning' || sev === 'warn')
				w++;
			else
				n++;
		});
	} else if (typeof l === 'object') {
		e = Number(pick(l, 'errors', 'error') || 0);
		w = Number(pick(l, 'warnings', 'warning', 'warn') || 0);
		n = Number(pick(l, 'notes', 'infos', 'info') || 0);
	}
	if (!e && !w && !n)
		return h('span', { class: 'lint clean' }, 'clean');
	return h('span', { class: 'lint' },
		 e ? h('span', { class: 'sev-error' }, e + ' error' +
		       (e > 1 ? 's' : '')) : null,
		 e && w ? ' ' : null,
		 w ? h('span', { class: 'sev-warning' }, w + ' warning' +
		       (w > 1 ? 's' : '')) : null,
		 (e || w) && n ? ' ' : null,
		 n ? h('span', { class: 'sev-note' }, n + ' note' +
		       (n > 1 ? 's' : '')) : null);
}

function waitText(s) {
	var w = pick(s, 'expected_wait', 'wait', 'eta');
	if (w === undefined)
		return '';
	if (typeof w === 'number')
		return '~' + span(w) + ' (estimate)';
	if (typeof w === 'object') {
		var txt = pick(w, 'text', 'label', 'human');
		if (txt)
			return String(txt);
		var secs = pick(w, 'seconds');
		var days = pick(w, 'days');
		if ('days' in w && w.days === null)
			return 'no estimate yet';
		if (secs !== undefined)
			return '~' + span(Number(secs)) + ' (estimate)';
		if (days !== undefined)
			return (Number(days) < 1 ? 'under a day' :
				'~' + days + ' day' + (days == 1 ? '' : 's')) +
				(w.estimate === false ? '' : ' (estimate)');
		return '';
	}
	return String(w);
}

function ageOf(s) {
	var t = pick(s, 'arrival', 'first_seen', 'arrived_at', 'submitted_at',
		     'received_at', 'created_at', 'date');
	if (t !== undefined)
		return when(t);
	var age = pick(s, 'age');
	if (typeof age === 'number')
		return h('span', null, span(age));
	return h('span', { class: 'muted' }, age || '—');
}

/* A table; columns [{label, cell(row) -> node|string, class}]. */
function table(cols, rows, opts) {
	opts = opts || {};
	return h('div', { class: 'table-wrap' },
		h('table', { id: opts.id || null, class: opts.class || null },
			h('thead', null, h('tr', null, cols.map(function (c) {
				return h('th', { class: c.class || null,
						 scope: 'col' }, c.label);
			}))),
			h('tbody', null, rows.map(function (r, i) {
				var tr = h('tr', opts.rowAttrs ?
					   opts.rowAttrs(r, i) : null);
				cols.forEach(function (c) {
					tr.appendChild(h('td', {
						class: c.class || null,
						'data-label': c.mlabel ||
							c.label },
						c.cell(r, i)));
				});
				return tr;
			}))));
}

function section(title, id) {
	var body = Array.prototype.slice.call(arguments, 2);
	return h('section', { id: id || null, class: 'card' },
		 h('h2', null, title), body);
}

/* Other scalar fields of obj, as a definition list. */
function details(obj, skip) {
	var dl = h('dl', { class: 'details' }), any = false;

	Object.keys(obj || {}).forEach(function (k) {
		var v = obj[k];
		if (skip.indexOf(k) >= 0 || v === null || v === undefined ||
		    typeof v === 'object')
			return;
		any = true;
		dl.appendChild(h('dt', null, k.replace(/_/g, ' ')));
		dl.appendChild(h('dd', null, /(_at|^at|date)$/.test(k) ?
				 when(v) : String(v)));
	});
	return any ? dl : null;
}

/* --- header: tree, release cycle, next ---------------------------------- */

function renderHeader() {
	var st = state.data.status, cy = state.data.cycle, nx = state.data.next;
	var body, el;

	if (st && st.body && st.status === 200) {
		$('tree-name').textContent = pick(st.body, 'tree') || '';
		document.title = 'cthulhu · ' + (pick(st.body, 'tree') || '');
	}

	el = clear($('cycle'));
	body = cy && cy.status === 200 && cy.body;
	if (!body && st && st.body && st.body.cycle)
		body = st.body.cycle;
	if (body) {
		el.appendChild(cycleSummary(body));
	} else if (cy && cy.status === 404) {
		el.appendChild(h('span', { class: 'muted' },
				 'Release cycle: not available yet'));
	}

	el = clear($('next-summary'));
	body = nx && nx.status === 200 && nx.body;
	if (body && body.gate && body.gate.enabled && body.gate.candidate &&
	    body.gate.candidate.state !== 'passed') {
		var gc = body.gate.candidate;
		el.appendChild(h('a', { href: '#/next', id: 'gate-badge',
				 class: /^(gating|bisecting)$/.test(gc.state) ?
				 'badge' : 'badge warn' },
				 'next: candidate ' + gc.state));
	} else if (body && 'build' in body && !body.build) {
		el.appendChild(h('a', { href: '#/next', class: 'badge' },
				 'next: not built yet'));
	} else if (body) {
		var b = latestBuild(body);
		var topics = list(b, 'topics', 'results');
		var bad = topics.filter(function (t) {
			return /conflict|skip/.test(outcomeOf(t));
		});
		el.appendChild(h('a', { href: '#/next',
				 class: bad.length ? 'badge warn' : 'badge ok' },
				 'next: ' + (bad.length ?
					     bad.length + ' conflict' +
					     (bad.length > 1 ? 's' : '') :
					     (topics.length ? 'clean' :
					      (pick(b, 'state', 'status') ||
					       'built')))));
	}
}

/* The build out of GET /api/v1/next: {ref, commit, build}. */
function latestBuild(body) {
	if (body && 'build' in body)
		return body.build;
	return body && (body.latest || body);
}

function cycleSummary(c) {
	var phase = pick(c, 'phase', 'name', 'stage');
	var tag = pick(c, 'tag', 'release', 'version');
	var parts = [h('strong', { class: 'phase' }, String(phase || '?'))];

	if (tag && tag !== phase)
		parts.push(' (' + tag + ')');
	[['features', 'features_close', 'features_closed'],
	 ['fixes', 'fixes_close', 'fixes_closed']].forEach(function (k) {
		var t = closeText(k[0], c[k[1]], c[k[2]]);
		if (t)
			parts.push(h('span', { class: 'close' }, ' · ' + t));
	});
	return h('span', { id: 'cycle-summary',
			   title: pick(c, 'summary') || null }, parts);
}

/*
 * "features close in 5 days" for a soft close given as {days_left, date,
 * tag, estimate}, a day count or a date; closed says it has passed.
 */
function closeText(label, v, closed) {
	var n, d, tag = '';

	if (closed === true)
		return label + ' closed';
	if (v === undefined || v === null)
		return null;
	if (typeof v === 'object') {
		n = pick(v, 'days_left', 'days', 'in_days');
		d = pick(v, 'date', 'at');
		if (pick(v, 'tag'))
			tag = ' (' + v.tag + (v.estimate ? ', estimated' : '') +
				')';
	} else if (typeof v === 'number' && v < 10000) {
		n = v;
	} else {
		d = v;
	}
	if (n === undefined && d !== undefined && toDate(d))
		n = Math.ceil((toDate(d).getTime() - Date.now()) / 86400000);
	if (n === undefined)
		return null;
	n = Number(n);
	if (n < 0)
		return label + ' closed';
	if (n === 0)
		return label + ' close today' + tag;
	return label + ' close in ' + n + ' day' + (n === 1 ? '' : 's') + tag;
}

/* --- queue view ---------------------------------------------------------- */

/*
 * The queue as the page needs it: the first rows of the lane picked,
 * and the whole queue only while a search needs it, so that a live
 * refresh of a queue of 10,000 series stays small.
 */
function queueURL() {
	var q = '/api/v1/queue';

	if (state.search.trim())
		return q;
	q += '?limit=' + QUEUE_SHOWN;
	if (state.lane && /^\d+$/.test(state.lane))
		q += '&lane=' + state.lane;
	return q;
}

var queueTimer = null;

/* Fetch the queue again when the search or lane asks for other rows. */
function queueReload() {
	clearTimeout(queueTimer);
	queueTimer = setTimeout(function () {
		var res = state.data.queue;
		if (res && res.url === queueURL())
			return;
		load('queue').then(function () {
			if (state.view === 'queue')
				updateQueue();
		});
	}, 200);
}

/* How many series the queue holds (in the lane picked). */
function queueTotal(items) {
	var body = state.data.queue && state.data.queue.body, n;

	if (body && state.lane && Array.isArray(body.lanes)) {
		body.lanes.forEach(function (l) {
			if (String(l.lane) === state.lane)
				n = l.count;
		});
		if (typeof n === 'number')
			return n;
	}
	if (body && typeof body.total === 'number' && !state.lane)
		return body.total;
	return items.length;
}

function queueItems() {
	var res = state.data.queue;
	return res && res.status === 200 ? list(res.body, 'series', 'queue',
						'items') : [];
}

function messageIds(s) {
	var ids = [], m = pick(s, 'message_id', 'msgid', 'message_ids');
	if (Array.isArray(m))
		ids = ids.concat(m);
	else if (m)
		ids.push(m);
	list(s, 'patches').forEach(function (p) {
		var x = pick(p, 'message_id', 'msgid');
		if (x)
			ids.push(x);
	});
	var cover = s && (s.cover_letter || s.cover);
	if (cover && typeof cover === 'object')
		ids.push(pick(cover, 'message_id', 'msgid'));
	return ids.filter(Boolean).map(function (x) {
		return String(x).replace(/^<|>$/g, '').toLowerCase();
	});
}

function matches(s, q) {
	var needle = q.trim().replace(/^<|>$/g, '').toLowerCase();
	var hay;

	if (!needle)
		return true;
	hay = [pick(s, 'subject', 'title'), authorOf(s),
	       pick(s, 'author_email')].concat(messageIds(s))
		.filter(Boolean).join('\n').toLowerCase();
	return hay.indexOf(needle) >= 0;
}

function looksLikeMessageId(q) {
	return /^<?[^\s<>@]+@[^\s<>@]+>?$/.test(q.trim());
}

var QUEUE_SHOWN = 300;

function mountQueue(root) {
	var lanes = h('select', { id: 'lane-filter', 'aria-label': 'Lane' },
		      h('option', { value: '' }, 'All lanes'));
	var search = h('input', { id: 'queue-search', type: 'search',
				  placeholder: 'Where is my series? Author, ' +
				  'subject or Message-ID',
				  'aria-label': 'Search the queue',
				  autocomplete: 'off' });

	search.value = state.search;
	search.addEventListener('input', function () {
		state.search = search.value;
		updateQueue();
		queueReload();
	});
	lanes.addEventListener('change', function () {
		state.lane = lanes.value;
		updateQueue();
		queueReload();
	});
	root.appendChild(section('Review queue', 'queue',
		h('div', { class: 'controls' }, search, lanes),
		h('div', { id: 'queue-answer', 'aria-live': 'polite' }),
		h('div', { id: 'queue-body' })));
}

function updateLaneOptions(items) {
	var sel = $('lane-filter'), seen = {}, lanesSorted = [];
	var body = state.data.queue && state.data.queue.body;

	if (!sel)
		return;
	if (body && Array.isArray(body.lanes))
		items = body.lanes.filter(function (l) {
			return l.count > 0 || String(l.lane) === state.lane;
		});
	items.forEach(function (s) {
		var l = laneOf(s);
		if (l !== undefined && !seen[l]) {
			seen[l] = true;
			lanesSorted.push(l);
		}
	});
	lanesSorted.sort(function (a, b) {
		return String(a).localeCompare(String(b), undefined,
					       { numeric: true });
	});
	var want = [''].concat(lanesSorted.map(String));
	var have = Array.prototype.map.call(sel.options, function (o) {
		return o.value;
	});
	if (want.join('\n') === have.join('\n'))
		return;
	while (sel.options.length > 1)
		sel.remove(1);
	lanesSorted.forEach(function (l) {
		sel.appendChild(h('option', { value: String(l) },
				  'Lane ' + laneLabel(l)));
	});
	sel.value = seen[state.lane] ? state.lane : '';
}

function updateQueue() {
	var res = state.data.queue, body = $('queue-body'), answer;
	var items, shown, total, n;

	if (!body)
		return;
	clear(body);
	answer = clear($('queue-answer'));
	n = unavailable(res, 'the queue');
	if (n) {
		body.appendChild(n);
		if (res && looksLikeMessageId(state.search)) {
			n = h('div', { class: 'answer none' }, 'Looking up “',
			      state.search.trim(), '”…');
			answer.appendChild(n);
			lookupSeries(state.search.trim(), n, false);
		}
		return;
	}
	items = queueItems();
	total = queueTotal(items);
	updateLaneOptions(items);
	shown = items.filter(function (s) {
		return (!state.lane || String(laneOf(s)) === state.lane) &&
			matches(s, state.search);
	});
	if (state.search.trim())
		answer.appendChild(searchAnswer(shown, total));
	if (!total) {
		body.appendChild(h('p', { class: 'placeholder' },
				   'The queue is empty.'));
		return;
	}
	body.appendChild(h('p', { class: 'muted count' },
			   shown.length === total ? total + ' series' :
			   (state.search.trim() ? shown.length + ' of ' :
			    'the first ' + Math.min(shown.length,
						    QUEUE_SHOWN) + ' of ') +
			   total + ' series'));
	body.appendChild(table([
		{ label: '#', mlabel: 'Position', class: 'num pos',
		  cell: function (s, i) {
			var p = pick(s, 'position');
			return String(p !== undefined ? p : i + 1);
		} },
		{ label: 'Lane', class: 'lane', cell: function (s) {
			var l = laneOf(s), r = laneReason(s);
			return h('span', { class: 'lane-tag lane-' +
					   String(l).replace(/\W/g, ''),
					   title: r || null }, laneLabel(l),
				 r ? h('small', { class: 'why' }, r) : null);
		} },
		{ label: 'Subject', class: 'subject', cell: function (s) {
			var held = pick(s, 'supersede_held');
			return h('span', null,
				 seriesLink(s, pick(s, 'subject', 'title') ||
					    '(no subject)'),
				 held ? h('small', { class: 'why held' },
					  ' not superseding #' + held +
					  ': other sender') : null);
		} },
		{ label: 'Author', class: 'author', cell: function (s) {
			var name = pick(s, 'author_name');
			var email = pick(s, 'author_email');
			if (name && email && name !== email)
				return h('span', { title: email }, name);
			return authorOf(s);
		} },
		{ label: 'Age', class: 'age', cell: ageOf },
		{ label: 'Patches', class: 'num', cell: function (s) {
			var p = pick(s, 'nr_patches', 'patch_count', 'total',
				     'patches');
			return Array.isArray(p) ? String(p.length) :
				String(p === undefined ? '' : p);
		} },
		{ label: 'Ver', class: 'num', cell: function (s) {
			var v = pick(s, 'version');
			return v === undefined ? '' : 'v' + v;
		} },
		{ label: 'Target', class: 'target', cell: targetCell },
		{ label: 'Lint', class: 'lint-col', cell: lintSummary },
		{ label: 'Checks', class: 'checks-col', cell: checksCell },
		{ label: 'Expected wait', class: 'wait', cell: waitText }
	], shown.slice(0, QUEUE_SHOWN), {
		id: 'queue-table',
		class: 'queue',
		rowAttrs: function (s) {
			return { 'data-series-id': pick(s, 'id'),
				 'data-position': pick(s, 'position') };
		}
	}));
	if (Math.max(shown.length, total) > QUEUE_SHOWN &&
	    !state.search.trim())
		body.appendChild(h('p', { class: 'muted' },
				   (total - Math.min(shown.length,
						     QUEUE_SHOWN)) +
				   ' more: search to find a series.'));
	else if (shown.length > QUEUE_SHOWN)
		body.appendChild(h('p', { class: 'muted' },
				   (shown.length - QUEUE_SHOWN) +
				   ' more: narrow the search or pick a lane.'));
}

/* The answer to "where is my series?" above the table. */
function searchAnswer(found, total) {
	var q = state.search.trim();

	if (!found.length) {
		var box = h('div', { class: 'answer none' },
			    'No queued series matches “', q, '”.');
		if (looksLikeMessageId(q))
			lookupSeries(q, box, true);
		return box;
	}
	return h('div', { class: 'answer', id: 'search-answer' },
		 found.slice(0, 5).map(function (s) {
			return queuedAnswer(s, total);
		 }), found.length > 5 ? h('p', { class: 'muted' },
					  (found.length - 5) +
					  ' more in the table below.') : null);
}

/* "SUBJECT is position 3 of 40, lane 2 — expected wait ..." */
function queuedAnswer(s, total) {
	var pos = pick(s, 'position'), w = waitText(s);

	return h('p', null,
		 seriesLink(s, pick(s, 'subject') || '(no subject)'),
		 ' is ', h('strong', null, 'position ' + pos), ' of ' + total,
		 laneOf(s) !== undefined ? ', lane ' + laneLabel(laneOf(s)) :
		 '', w ? ' — expected wait ' + w : '', '.');
}

/*
 * Ask the daemon about a Message-ID that is not in the queue (or when
 * there is no queue to look in: queued false).
 */
function lookupSeries(q, box, queued) {
	var id = q.replace(/^<|>$/g, '');

	/* A Message-ID stays in its series: answer again at once. */
	if (lookups[id.toLowerCase()]) {
		fillLookup(box, q, lookups[id.toLowerCase()], queued);
		return;
	}
	fetchJSON('/api/v1/series?msgid=' + encodeURIComponent(id))
		.then(function (res) {
			var s = res.status === 200 && res.body;
			if (s && Array.isArray(s.series))
				s = s.series[0];
			if (s)
				lookups[id.toLowerCase()] = s;
			if (state.search.trim() === q)
				fillLookup(box, q, s, queued);
		});
}

var lookups = {};	/* Message-ID -> the series that holds it */

function fillLookup(box, q, s, queued) {
	var items = queueItems(), i;

	clear(box);
	if (!s) {
		box.appendChild(h('p', null, 'No series holds the message “',
				  q, '”.'));
		return;
	}
	box.className = 'answer';
	box.id = 'search-answer';
	for (i = 0; queued && i < items.length; i++) {
		if (items[i].id === s.id) {
			box.appendChild(queuedAnswer(items[i],
						     queueTotal(items)));
			return;
		}
	}
	box.appendChild(h('p', null, seriesLink(s, pick(s, 'subject') ||
						'(series)'),
		queued ? ' is not in the queue: ' : ': ',
		h('strong', null, pick(s, 'state', 'status') || 'closed'),
		pick(s, 'position') ? ', position ' + s.position : '', '.'));
}

/* --- series view --------------------------------------------------------- */

function renderSeries(root) {
	var res = state.data.series, s, n;

	n = unavailable(res, 'series ' + state.arg);
	if (n) {
		if (res && res.status === 404 && res.body && res.body.error &&
		    res.body.error.code === 'not_found')
			n = h('p', { class: 'placeholder error' },
			      res.body.error.message);
		root.appendChild(section('Series', 'series', n));
		return;
	}
	s = res.body.series && !Array.isArray(res.body.series) ?
		res.body.series : res.body;
	if (s.queue && typeof s.queue === 'object')
		['lane', 'reason', 'wait', 'position'].forEach(function (k) {
			if (s[k] === undefined || s[k] === null)
				s[k] = s.queue[k];
		});

	var pos = pick(s, 'position') || undefined;
	var w = pos ? waitText(s) : '';
	var lane = pos ? laneOf(s) : undefined;
	root.appendChild(section(pick(s, 'subject', 'title') || 'Series',
		'series',
		h('p', { class: 'byline' }, authorOf(s),
		  pick(s, 'version') ? ' · v' + s.version : '',
		  ' · ', h('span', { class: 'state' },
			   pick(s, 'state', 'status') || 'queued'),
		  pos !== undefined ? h('span', { id: 'series-position' },
			' · position ' + pos) : null,
		  lane !== undefined ? ' · lane ' + laneLabel(lane) : '',
		  s.queue && s.queue.target && s.queue.target.topic ?
		  h('span', { id: 'series-target',
			      title: targetWhy(s.queue.target) },
		    ' · for ' + s.queue.target.topic) : null,
		  w ? ' · expected wait ' + w : ''),
		pick(s, 'supersede_held') ? h('p', { class: 'why held' },
			'Has the name of series #' + s.supersede_held +
			' but comes from another address: not superseding ' +
			'it (cthulhu supersede decides).') : null,
		pos && laneReason(s) ? h('p', { class: 'why' }, 'Why this lane: ',
				  laneReason(s)) : null,
		Array.isArray(s.checks) && s.checks.length ?
		h('div', { id: 'series-checks' }, h('p', { class: 'muted' },
			'Checks: ', h('span', { class: 'check-state checks-' +
				String(s.check).replace(/\W/g, '') },
				checkMark(s.check).mark, ' ', s.check)),
		  checkList(s.checks)) : null,
		Array.isArray(s.lint) && s.lint.length ?
		h('div', { id: 'series-lint' }, h('p', { class: 'muted' },
			'Lint of the whole series:'), findings(s.lint)) : null,
		details(s, ['id', 'name', 'subject', 'title', 'author', 'author_name',
			    'author_email', 'version', 'state', 'status',
			    'position', 'lane', 'lane_reason', 'reason', 'why',
			    'cover', 'patches', 'tags', 'rfc', 'resend',
			    'supersedes', 'superseded_by', 'supersede_held',
			    'nr_new_trailers', 'check'])));

	var patches = list(s, 'patches');
	var total = pick(s, 'total');
	var cover = list(s, 'series_trailers');
	var late = pick(s, 'nr_new_trailers');
	root.appendChild(section('Patches', 'patches',
		late ? h('p', { class: 'why new-trailers' }, late +
			 (late === 1 ? ' new trailer' : ' new trailers') +
			 ' since applied (cthulhu apply --update-trailers ' +
			 'TOPIC).') : null,
		cover.length ? h('div', { class: 'cover-trailers' },
			h('p', { class: 'muted' }, 'Trailers given to the ' +
			  'whole series:'),
			h('ul', { class: 'trailers' }, cover.map(function (t) {
				return h('li', null, typeof t === 'string' ?
					 t : (pick(t, 'key') + ': ' +
					      pick(t, 'value')));
			}))) : null,
		patches.length ? patches.map(function (p, i) {
			var a = appliedRows(s).filter(function (r) {
				return r.number === p.number &&
					r.state !== 'dropped';
			})[0];
			if (a && !pick(p, 'commit'))
				p = Object.assign({}, p, { commit: a.commit,
							   topic: a.topic });
			return renderPatch(p, i, total);
		}) : h('p', { class: 'placeholder' }, 'No patches.')));

	var rd = rangeDiffSection(s);
	if (rd)
		root.appendChild(rd);

	var hist = list(s, 'history', 'events', 'log');
	if (!hist.length)
		hist = seriesHistory(s);
	var versions = list(s, 'versions');
	if (versions.length)
		root.appendChild(section('Versions', 'versions', table([
			{ label: 'Version', cell: function (v) {
				return 'v' + pick(v, 'version'); } },
			{ label: 'Subject', cell: function (v) {
				return seriesLink(v, pick(v, 'subject') ||
						  ''); } },
			{ label: 'Arrived', cell: function (v) {
				return when(pick(v, 'received_at',
						 'submitted_at', 'at',
						 'date')); } },
			{ label: 'State', cell: function (v) {
				return pick(v, 'state', 'status') || ''; } }
		], versions)));
	root.appendChild(section('History', 'history', hist.length ?
		h('ol', { class: 'history' }, hist.map(function (e) {
			return h('li', null, when(pick(e, 'at', 'when', 'date',
						       'time')), ' ',
				 h('strong', null, pick(e, 'kind', 'event',
							'what', 'action',
							'type') || ''),
				 historyDetail(e));
		})) : h('p', { class: 'placeholder' }, 'Nothing yet.')));
}

/*
 * What changed between the series and its other version, as git
 * range-diff says it (GET /api/v1/series/ID/range-diff): fetched once
 * per series shown, since both versions are applied to compute it.
 */
var rangeDiffFor = null;

function rangeDiffSection(s) {
	var res = state.data.rangediff, id = String(s.id), n, b, line;

	if (!pick(s, 'supersedes') && !pick(s, 'superseded_by'))
		return null;
	if (rangeDiffFor !== id) {
		rangeDiffFor = id;
		delete state.data.rangediff;
		load('rangediff', '/api/v1/series/' + encodeURIComponent(id) +
		     '/range-diff').then(function (r) {
			if (rangeDiffFor === id)
				render();
			return r;
		});
	}
	n = res ? unavailable(res, 'range-diff') :
		h('p', { class: 'placeholder' }, 'Applying both versions…');
	if (n)
		return section('Changes between versions', 'range-diff', n);
	b = res.body;
	line = function (p) {
		return h('li', { class: 'range-pair', 'data-status': p.status },
			 h('code', null, (p.old ? p.old.number : '-') + ' ' +
			   p.status + ' ' + (p.new ? p.new.number : '-')),
			 ' ', (p.new || p.old || {}).subject || '');
	};
	return section('Changes since v' + pick(b.old, 'version'), 'range-diff',
		h('p', { class: 'muted' }, 'v' + pick(b.old, 'version') +
		  ' (series #' + pick(b.old, 'series') + ') against v' +
		  pick(b.new, 'version') + ', both applied onto ' +
		  (pick(b.new, 'base_from') || 'their base') +
		  ', as git range-diff shows them: = unchanged, ! changed, ' +
		  '< dropped, > new.'),
		h('ul', { class: 'range-pairs' }, list(b, 'pairs').map(line)),
		h('pre', { class: 'range-diff' }, pick(b, 'text') || ''));
}

/* The applied commits of the series on screen (GET /api/v1/applied). */
function appliedRows(s) {
	var res = state.data.applied, rows;

	rows = res && res.status === 200 ? list(res.body, 'applied') : [];
	rows = rows.filter(function (r) {
		return String(pick(r, 'series_id', 'series')) === String(s.id);
	});
	return rows.length ? rows : list(s, 'applied', 'commits');
}

/* A history out of what the series answer holds, oldest first. */
function seriesHistory(s) {
	var hist = [];

	hist.push({ at: pick(s, 'date', 'created_at'), kind: 'submitted',
		    message: 'v' + (pick(s, 'version') || 1) + ', ' +
		    (pick(s, 'total') || list(s, 'patches').length) +
		    ' patch(es)' });
	if (pick(s, 'supersedes'))
		hist.push({ at: pick(s, 'created_at', 'date'),
			    kind: 'supersedes', series: s.supersedes });
	list(s, 'replies').forEach(function (r) {
		hist.push({ at: pick(r, 'date'), kind: 'reply',
			    message: person({ name: pick(r, 'from_name'),
					      email: pick(r, 'from_email') }) +
			    ': ' + (pick(r, 'subject') || '') });
	});
	appliedRows(s).forEach(function (c) {
		var n = pick(c, 'number');
		var what = n !== undefined ? '[' + n + '/' +
			(pick(c, 'total') || '?') + '] ' : '';
		hist.push({ at: pick(c, 'applied_at', 'at'), kind: 'applied',
			    topic: pick(c, 'topic'),
			    commit: pick(c, 'commit', 'sha1'),
			    message: what + (pick(c, 'subject') || '') });
		if (c.state === 'dropped')
			hist.push({ at: pick(c, 'changed_at'), kind: 'dropped',
				    topic: pick(c, 'topic'),
				    commit: pick(c, 'commit'),
				    reason: pick(c, 'reason') });
		else if (c.state === 'gone')
			hist.push({ at: pick(c, 'changed_at'), kind: 'gone',
				    topic: pick(c, 'topic'),
				    commit: pick(c, 'commit') });
	});
	if (pick(s, 'superseded_by'))
		hist.push({ at: pick(s, 'updated_at'), kind: 'superseded',
			    series: s.superseded_by });
	return hist.map(function (e, i) {
		var d = toDate(e.at);
		return { e: e, i: i, t: d ? d.getTime() : Infinity };
	}).sort(function (a, b) {
		return a.t - b.t || a.i - b.i;
	}).map(function (x) { return x.e; });
}

function historyDetail(e) {
	var parts = [], topic = pick(e, 'topic', 'branch');
	var sha = pick(e, 'commit', 'sha1', 'new');
	var commits = list(e, 'commits');

	if (topic)
		parts.push(' to ', h('code', null, topic));
	if (sha && typeof sha === 'string')
		parts.push(' ', h('code', { class: 'sha' }, short(sha)));
	if (pick(e, 'old') && pick(e, 'new'))
		parts.push(' (was ', h('code', { class: 'sha' },
					  short(e.old)), ')');
	commits.forEach(function (c) {
		parts.push(' ', h('code', { class: 'sha' },
				  short(typeof c === 'string' ? c :
					pick(c, 'commit', 'sha1', 'new'))));
	});
	if (pick(e, 'series') && typeof e.series !== 'object')
		parts.push(' ', h('a', { href: '#/series/' +
			encodeURIComponent(String(e.series)) },
			'series ' + e.series));
	if (pick(e, 'reason'))
		parts.push(': ', e.reason);
	if (pick(e, 'message', 'detail', 'text'))
		parts.push(' — ', pick(e, 'message', 'detail', 'text'));
	return parts;
}

function renderPatch(p, i, seriesTotal) {
	var trailers = list(p, 'trailers'), lint = list(p, 'lint', 'findings');
	var n = pick(p, 'n', 'number', 'index', 'seq');
	var total = pick(p, 'total', 'of') || seriesTotal;
	var commit = pick(p, 'commit', 'sha1', 'applied_commit');

	return h('article', { class: 'patch' },
		h('h3', null, h('span', { class: 'patch-n' },
			       '[' + (n !== undefined ? n : i + 1) +
			       (total ? '/' + total : '') + '] '),
		  pick(p, 'subject', 'title') || '(no subject)'),
		h('p', { class: 'byline' }, authorOf(p),
		  commit ? h('span', null, ' · applied as ',
			     h('code', { class: 'sha' }, short(commit)),
			     pick(p, 'topic') ? ' on ' + p.topic : '') : null),
		trailers.length ? h('ul', { class: 'trailers' },
			trailers.map(function (t) {
				if (typeof t === 'string')
					return h('li', null, t);
				return h('li', null,
					 h('span', { class: 'trailer-key' },
					   (pick(t, 'key', 'name', 'tag') ||
					    '') + ': '),
					 pick(t, 'value', 'who', 'text') || '');
			})) : null,
		list(p, 'new_trailers').length ? h('ul', { class: 'trailers new' },
			list(p, 'new_trailers').map(function (t) {
				return h('li', null, t, ' ',
					 h('span', { class: 'muted' },
					   '(new since applied)'));
			})) : null,
		lint.length ? findings(lint) :
		h('p', { class: 'lint clean' }, 'Lint: clean'));
}

/* Lint findings {rule, severity, message} as a list. */
function findings(lint) {
	return h('ul', { class: 'findings' }, lint.map(function (f) {
		var sev = String(pick(f, 'severity', 'level') || 'note');
		return h('li', { class: 'sev-' + sev.replace(/\W/g, '') },
			 h('span', { class: 'sev' }, sev), ' ',
			 h('code', null, pick(f, 'rule') || ''), ' ',
			 pick(f, 'message') || '');
	}));
}

/* --- topics view ---------------------------------------------------------- */

function outcomeOf(t) {
	var o = pick(t, 'outcome', 'result', 'state', 'status');
	return typeof o === 'string' ? o : '';
}

/* The latest build's entry for topic name, or undefined. */
function buildEntry(name) {
	var nx = state.data.next, b, found;

	if (!nx || nx.status !== 200 || !nx.body)
		return undefined;
	b = latestBuild(nx.body);
	list(b, 'topics', 'results').forEach(function (t) {
		if (pick(t, 'topic', 'name') === name)
			found = t;
	});
	return found;
}

function outcomeTag(o) {
	if (!o)
		return h('span', { class: 'muted' }, '—');
	return h('span', { class: 'outcome outcome-' +
			   o.replace(/[^a-z]/gi, '-') }, o);
}

/* Commits of topic t over the base, when the API tells. */
function overBase(t) {
	var e = buildEntry(t.name);
	var c = pick(t, 'commits', 'ahead', 'commits_over_base');

	if (c === undefined && e)
		c = pick(e, 'commits', 'ahead', 'commits_over_base');
	return c;
}

function renderTopics(root) {
	var res = state.data.topics, n = unavailable(res, 'topics');
	var topics;

	if (n) {
		root.appendChild(section('Topics', 'topics', n));
		return;
	}
	topics = list(res.body, 'topics');
	root.appendChild(section('Topics', 'topics', !topics.length ?
		h('p', { class: 'placeholder' }, 'No topics configured.') :
		table([
			{ label: 'Topic', class: 'topic', cell: function (t) {
				return h('span', null,
					 h('strong', null, t.name),
					 t.branch && t.branch !==
					 'refs/heads/' + t.name ?
					 h('small', { class: 'muted branch' },
					   ' ' + t.branch.replace(
						   /^refs\/heads\//, '')) :
					 null);
			} },
			{ label: 'Tip', class: 'tip', cell: function (t) {
				return t.tip ? h('code', { class: 'sha',
					title: t.tip }, short(t.tip)) :
					h('span', { class: 'muted' },
					  'no branch');
			} },
			{ label: 'Over base', class: 'num', over: true,
			  cell: function (t) {
				var c = overBase(t);
				return c === undefined ? '' : String(c);
			} },
			{ label: 'Last move', class: 'moved', cell: function (t) {
				return when(t.moved_at);
			} },
			{ label: 'Order', class: 'into', cell: function (t) {
				return t.into_next === false ? 'not in next' :
					String(t.order !== undefined ?
					       t.order : '');
			} },
			{ label: 'Last next build', class: 'outcome-col',
			  cell: function (t) {
				var e = buildEntry(t.name);
				return e ? outcomeTag(outcomeOf(e)) :
					h('span', { class: 'muted' },
					  t.into_next === false ? 'not merged' :
					  '—');
			} }
		].filter(function (c) {
			/* Only when the API says how many commits. */
			return !c.over || topics.some(function (t) {
				return overBase(t) !== undefined;
			});
		}), topics, {
			id: 'topics-table',
			rowAttrs: function (t) {
				return { 'data-topic': t.name,
					 'data-tip': t.tip || '' };
			}
		})));
	root.appendChild(section('Recent activity', 'activity-feed',
		activity.length ? h('ol', { class: 'feed' },
			activity.slice(0, 30).map(function (a) {
				return h('li', null, when(a.at), ' ', a.text);
			})) : h('p', { class: 'placeholder' },
				'Moves, builds and applies show here as they ' +
				'happen.')));
}

/* --- next view -------------------------------------------------------------- */

function conflictPaths(t) {
	var c = pick(t, 'conflicts', 'paths', 'conflict_paths');
	if (typeof c === 'string')
		return [c];
	return Array.isArray(c) ? c.map(function (x) {
		return typeof x === 'string' ? x : pick(x, 'path') || '';
	}) : [];
}

function buildRows(b) {
	return list(b, 'topics', 'results');
}

/*
 * The gate of next (GET /api/v1/next's "gate"): the published next beside
 * the candidate, its state and progress line, its runs and the topics
 * ejected.  While a candidate is being gated the page looks again every
 * two seconds, for the run's last log line.  A flaky candidate (a run
 * passed on a retry, or a re-probe did not repeat the failure) says why,
 * and so does each flaky run.
 */
var gateTimer = null;

function renderGate(root, gate) {
	var c = gate.candidate, busy;

	busy = c && /^(gating|bisecting)$/.test(c.state);
	if (busy && !gateTimer)
		gateTimer = setTimeout(function () {
			gateTimer = null;
			refreshSoon();
		}, 2000);
	root.appendChild(section('Gate', 'gate',
		h('p', { class: 'byline' },
		  'published next ', h('code', { class: 'sha', id: 'gate-published' },
			short(pick(gate.published || {}, 'commit')) || 'none'),
		  ' · command ', h('code', null, gate.command || ''),
		  ' · ' + gate.jobs + ' at once · publish ' + gate.publish +
		  (gate.retries ? ' · ' + gate.retries + (gate.retries === 1 ?
			' retry' : ' retries') : '') +
		  (gate.reprobe ? ' · re-probe before ejecting' : '')),
		c ? h('p', { class: 'byline', id: 'gate-candidate' },
		      'candidate ', h('strong', null, '#' + c.id), ' (build #' +
		      c.build + ') ', h('code', { class: 'sha' }, short(c.commit)),
		      ' ', outcomeTag(c.state),
		      c.flaky ? ' ' : null, c.flaky ? outcomeTag('flaky') : null) :
		h('p', { class: 'placeholder' }, 'No candidate yet.'),
		c ? h('p', { class: 'progress', id: 'gate-progress' },
		      c.progress || '') : null,
		c && c.says ? h('p', { class: 'byline gate-says',
				       id: 'gate-says' }, c.says,
			c.suggest ? h('span', { class: 'gate-suggest' },
				' · record a merge-fix: ',
				h('code', null, c.suggest)) : null) : null,
		c && c.reason ? h('p', { class: busy ? 'byline' :
			c.state === 'passed' ? 'byline' : 'placeholder error',
			id: 'gate-reason' }, c.reason) : null,
		c && c.flaky ? h('p', { class: 'byline', id: 'gate-flaky' },
			'flaky: ' + c.flaky) : null,
		c && (c.runs || []).length ? table([
			{ label: 'Run', cell: function (r) {
				return h('a', { href: '/api/v1/next/gate/logs/' +
						r.id }, '#' + r.id); } },
			{ label: 'Round', class: 'num', cell: function (r) {
				return String(r.round); } },
			{ label: 'Next up to', cell: function (r) {
				return r.topic ? h('strong', null, r.topic) :
					(r.probe === 0 ? 'the base' : 'every topic');
			} },
			{ label: 'Commit', cell: function (r) {
				return h('code', { class: 'sha' }, short(r.commit));
			} },
			{ label: 'State', cell: function (r) {
				return r.flaky ? h('span', null, outcomeTag(r.state),
					' ', outcomeTag('flaky')) : outcomeTag(r.state);
			} },
			{ label: 'Attempt', class: 'num', cell: function (r) {
				return String(r.attempt || 1) +
					(r.recheck ? ' (' + r.recheck + ')' : '');
			} },
			{ label: 'Took', class: 'num', cell: function (r) {
				return r.duration_ms === null ? '' :
					duration(r.duration_ms); } }
		], c.runs, { id: 'gate-runs' }) : null,
		(gate.ejections || []).length ? h('div', null,
			h('h3', null, 'Ejected topics'),
			table([
				{ label: 'Topic', cell: function (e) {
					return h('strong', null, e.topic); } },
				{ label: 'State', cell: function (e) {
					return outcomeTag(e.state); } },
				{ label: 'Broken tip', cell: function (e) {
					return h('code', { class: 'sha' },
						 short(e.bad_tip)); } },
				{ label: 'Last good tip', cell: function (e) {
					return e.good_tip ? h('code',
						{ class: 'sha' }, short(e.good_tip)) :
						h('span', { class: 'muted' }, 'none');
				} },
				{ label: 'With', cell: function (e) {
					return e.with ? h('strong', null, e.with) :
						h('span', { class: 'muted' }, '—');
				} },
				{ label: 'Why', cell: function (e) {
					return h('span', null, ejectionWord(e),
						 h('a', { href: '/api/v1/next/gate/logs/' +
							  e.fail_run }, e.reason));
				} }
			], gate.ejections, { id: 'gate-ejections' })) : null));
}

/*
 * What the gate says of an ejection before its reason: the pair and the
 * merge-fix to record ("x86/b builds alone and fails together with
 * x86/a"), or the merge-fix that lifted it.
 */
function ejectionWord(e) {
	if (e.merge_fix && /^(lifted|cleared)$/.test(e.state))
		return h('p', { class: 'gate-lifted' }, 'lifted by merge-fix ',
			 h('code', { class: 'sha' }, short(e.merge_fix)),
			 e.state === 'cleared' ? ': the gate passes with it' :
			 ': tried again with it');
	if (!e.says)
		return null;
	return h('p', { class: 'gate-says' }, e.says,
		 e.suggest ? h('span', { class: 'gate-suggest' },
			' · record a merge-fix: ', h('code', null, e.suggest)) :
		 null);
}

/*
 * The gate's word on a topic of a build: ejected, fallback (merged at
 * its last good tip) or lifted (merged at its tip again, a merge-fix
 * recorded), the topic it fails together with and the merge-fix to
 * record; its reason as the title.
 */
function gateWord(t) {
	if (!pick(t, 'gate'))
		return '';
	return h('span', { class: 'gate-word', title: t.gate_reason || null },
		 outcomeTag(t.gate),
		 t.gate_says ? h('span', { class: 'gate-says' },
				 ' ' + t.gate_says) : null,
		 t.gate_suggest && t.gate !== 'lifted' ?
		 h('span', { class: 'gate-suggest' }, ' · record a merge-fix: ',
		   h('code', null, t.gate_suggest)) : null);
}

/* The merge-fixes of a topic's merge, or the one that did not apply. */
function mergeFixMark(t) {
	var failed = pick(t, 'merge_fix_failed');
	var fixes = list(t, 'merge_fixes');

	if (failed)
		return h('span', { class: 'merge-fix merge-fix-failed' },
			 'merge-fix ', h('code', { class: 'sha' }, short(failed)),
			 ' does not apply');
	if (!fixes.length)
		return null;
	return h('span', { class: 'merge-fix' }, 'with merge-fix ',
		 fixes.map(function (f) {
			return h('code', { class: 'sha' }, short(f));
		 }));
}

function renderNext(root) {
	var res = state.data.next, n = unavailable(res, 'next builds'), b;

	if (!n && res.body && res.body.gate && res.body.gate.enabled)
		renderGate(root, res.body.gate);

	if (!n && !latestBuild(res.body))
		n = h('p', { class: 'placeholder', id: 'next-none' },
		      'No build of next yet.');
	if (n) {
		root.appendChild(section('Latest next build', 'next', n));
	} else {
		b = latestBuild(res.body);
		var reused = pick(b, 'merges_reused', 'reused');
		/* a gated build is a candidate until the gate passes it */
		var cand = b && b.gate && b.gate !== 'passed';
		root.appendChild(section(cand ? 'Latest build: a candidate, gate ' +
					 b.gate : 'Latest next build', 'next',
			h('p', { class: 'byline' },
			  'Build ', h('strong', null, '#' +
				      (pick(b, 'id', 'build') || '?')),
			  ' · ', when(pick(b, 'finished_at', 'started_at',
					   'at', 'created_at')),
			  pick(b, 'trigger') ? ' · trigger ' + b.trigger : '',
			  pick(b, 'duration_ms') !== undefined ?
			  ' · took ' + duration(b.duration_ms) : '',
			  reused !== undefined ? ' · ' + reused +
			  ' merge' + (reused === 1 ? '' : 's') + ' reused' :
			  '',
			  pick(b, 'state') ? ' · ' + b.state : ''),
			pick(b, 'error') ? h('p', { class: 'placeholder error' },
					     b.error) : null,
			h('p', { class: 'byline' },
			  pick(b, 'base') ? h('span', null, 'base ',
				h('code', { class: 'sha' }, short(b.base))) :
			  null,
			  pick(b, 'commit', 'result', 'next') ?
			  h('span', null, cand ? ' → candidate ' : ' → next ', h('code',
				{ class: 'sha' }, short(pick(b, 'commit',
						'result', 'next')))) : null),
			table([
				{ label: 'Topic', cell: function (t) {
					return h('strong', null,
						 pick(t, 'topic', 'name'));
				} },
				{ label: 'Tip', cell: function (t) {
					return h('code', { class: 'sha' },
						 short(pick(t, 'tip')));
				} },
				{ label: 'Outcome', cell: function (t) {
					return outcomeTag(outcomeOf(t));
				} },
				{ label: 'Merge', cell: function (t) {
					/* A skipped topic made no merge. */
					if (/conflict|missing|nothing/.test(
						outcomeOf(t)))
						return '';
					return h('span', null,
						 h('code', { class: 'sha' },
						   short(pick(t, 'merge_commit'))),
						 pick(t, 'method') ?
						 h('small', { class: 'muted' },
						   ' ' + t.method) : null);
				} },
				{ label: 'Details', class: 'paths',
				  cell: function (t) {
					var p = conflictPaths(t);
					var r = pick(t, 'resolution',
						     'resolution_id') || undefined;
					return h('span', null,
						 p.length ? h('ul',
						   { class: 'paths' },
						   p.map(function (x) {
							return h('li', null,
							  h('code', null, x));
						   })) : null,
						 r !== undefined ?
						 'resolved by record ' +
						 (typeof r === 'object' ?
						  pick(r, 'id') : r) : null,
						 mergeFixMark(t));
				} },
				{ label: 'Gate', class: 'gate-col',
				  cell: gateWord }
			], buildRows(b), { id: 'next-table' })));
	}

	res = state.data.builds;
	n = unavailable(res, 'the build history');
	if (n) {
		root.appendChild(section('Build history', 'builds', n));
		return;
	}
	var builds = list(res.body, 'builds');
	root.appendChild(section('Build history', 'builds', table([
		{ label: 'Build', cell: function (x) {
			return '#' + pick(x, 'id'); } },
		{ label: 'When', cell: function (x) {
			return when(pick(x, 'finished_at', 'started_at', 'at',
					 'created_at')); } },
		{ label: 'Trigger', cell: function (x) {
			return pick(x, 'trigger') || ''; } },
		{ label: 'Result', cell: function (x) {
			var c = pick(x, 'conflicts');
			var o = pick(x, 'outcome', 'state', 'status');
			if (typeof c === 'number' && c > 0)
				return h('span', null, outcomeTag(o || ''), ' ',
					 outcomeTag(c + ' conflict' +
						    (c > 1 ? 's' : '')));
			return outcomeTag(typeof o === 'string' ? o : 'ok');
		} },
		{ label: 'Reused', class: 'num', cell: function (x) {
			var r = pick(x, 'merges_reused', 'reused');
			return r === undefined ? '' : String(r); } },
		{ label: 'Took', class: 'num', cell: function (x) {
			return duration(pick(x, 'duration_ms')); } },
		{ label: 'next', cell: function (x) {
			return h('code', { class: 'sha' },
				 short(pick(x, 'commit', 'result', 'next')));
		} }
	], builds.slice(0, 50), { id: 'builds-table' })));
}

/* --- notifications view ----------------------------------------------------- */

function renderNotifications(root) {
	var res = state.data.outbox, n = unavailable(res, 'notifications');
	var items;

	if (n) {
		root.appendChild(section('Notifications sent', 'outbox', n));
		return;
	}
	items = list(res.body, 'notifications', 'messages', 'outbox',
		     'mails');
	root.appendChild(section('Notifications sent', 'outbox',
		!items.length ? h('p', { class: 'placeholder' },
				  'No notifications yet.') :
		table([
			{ label: 'When', cell: function (m) {
				return when(pick(m, 'sent_at', 'created_at',
						 'at', 'date'));
			} },
			{ label: 'Kind', cell: function (m) {
				return pick(m, 'kind', 'type') || '';
			} },
			{ label: 'Subject', class: 'subject', cell: function (m) {
				return pick(m, 'subject') || '';
			} },
			{ label: 'To', cell: function (m) {
				var to = pick(m, 'to', 'recipients');
				return Array.isArray(to) ?
					to.map(person).join(', ') : person(to);
			} },
			{ label: 'State', cell: function (m) {
				var s = pick(m, 'state', 'status');
				if (s === undefined && 'sent' in m)
					s = m.sent ? 'sent' : 'pending';
				return s === undefined ? '' : String(s);
			} }
		], items.slice(0, 200), { id: 'outbox-table' })));
}

/* --- what's cooking view ----------------------------------------------------- */

var cookingGroups = [
	{ title: 'In next', states: ['in-next'] },
	{ title: 'Conflicting', states: ['conflict'] },
	{ title: 'Ejected by the gate', states: ['ejected'] },
	{ title: 'Held back', states: ['held'] },
	{ title: 'Waiting', states: ['pending', 'missing'] }
];

function cookingSummary(r) {
	var s = r.summary || {}, b = r.build;

	return (b ? 'next from build #' + b.id +
		(b.gate ? ' (gate: ' + b.gate + ')' : '') :
		'next not built yet') + ' · ' +
		(s.topics || 0) + ' topics: ' + (s.in_next || 0) + ' in next, ' +
		(s.conflict || 0) + ' conflicting, ' + (s.ejected || 0) +
		' ejected, ' + (s.held || 0) + ' held back, ' +
		((s.pending || 0) + (s.missing || 0)) + ' waiting';
}

/* One topic's block, as the report's text has it. */
function cookingTopic(t) {
	var since = toDate(t.cooking_since);

	return h('article', { class: 'cooking-topic', 'data-topic': t.name,
			      'data-state': t.state },
		h('h3', null, h('span', { class: 'topic-name' }, t.name), ' ',
		  since ? h('span', { class: 'since', title: when(since) },
			    '(' + since.toISOString().slice(0, 10) + ', ' +
			    t.cooking_days + ' days)') : null, ' ',
		  h('span', { class: 'ncommits' }, t.commits +
		    (t.commits === 1 ? ' commit' : ' commits')), ' ',
		  outcomeTag(t.state),
		  t.gate ? h('span', { class: 'gate' }, ' gate: ' + t.gate) :
			   null),
		t.description ? h('p', { class: 'description' },
				  t.description) : null,
		h('ul', { class: 'shortlog' }, list(t, 'shortlog').map(
			function (c) {
				return h('li', { class: c.in_next ? 'in-next' :
							      'not-in-next',
						 title: c.commit },
					 h('code', null, c.in_next ? '+' : '-'),
					 ' ', c.subject);
			})),
		t.commits > list(t, 'shortlog').length ?
			h('p', { class: 'muted' }, 'and ' + (t.commits -
			  list(t, 'shortlog').length) + ' more') : null,
		h('p', { class: 'why' }, t.why),
		t.conflicts && t.conflicts.length ?
			h('ul', { class: 'paths' }, t.conflicts.map(
				function (p) { return h('li', null, p); })) :
			null);
}

function renderCooking(root) {
	var res = state.data.cooking, n = unavailable(res, 'the report');
	var r, topics, q;

	if (n) {
		root.appendChild(section('What\u2019s cooking', 'cooking', n));
		return;
	}
	r = res.body;
	topics = list(r, 'topics');
	q = r.queue || {};
	root.appendChild(section('What\u2019s cooking in ' + (r.tree || ''),
		'cooking',
		h('p', { class: 'byline', id: 'cooking-summary' },
		  cookingSummary(r)),
		h('p', { class: 'byline' }, 'Commits marked + are in next. ',
		  h('a', { href: '/api/v1/cooking.atom' }, 'Atom feed'),
		  r.mail && r.mail.last ? ' · last mailed ' : null,
		  r.mail && r.mail.last ? when(r.mail.last.at) : null),
		table([
			{ label: 'Lane', cell: function (l) {
				return laneLabel(l.lane);
			} },
			{ label: 'Queued', class: 'num', cell: function (l) {
				return String(l.count);
			} },
			{ label: 'Closed per week', class: 'num',
			  cell: function (l) { return String(l.per_week); } }
		], list(q, 'lanes'), { id: 'cooking-lanes' }),
		h('div', { id: 'cooking-topics' },
		  !topics.length ? h('p', { class: 'placeholder' },
				     'No topics.') :
		  cookingGroups.map(function (g) {
			var ts = topics.filter(function (t) {
				return g.states.indexOf(t.state) >= 0;
			});
			return ts.length ? h('div', { class: 'cooking-group' },
				h('h3', { class: 'group' }, g.title),
				ts.map(cookingTopic)) : null;
		  }))));
}

/* --- views and refresh ------------------------------------------------------- */

var views = {
	queue: { keys: ['queue'], mount: mountQueue, update: updateQueue },
	topics: { keys: ['topics', 'next'], render: renderTopics },
	next: { keys: ['next', 'builds'], render: renderNext },
	notifications: { keys: ['outbox'], render: renderNotifications },
	cooking: { keys: ['cooking'], render: renderCooking },
	series: { keys: [], render: renderSeries }
};

/* Keys fetched for the header on every refresh. */
var headerKeys = ['status', 'cycle', 'next'];

function route() {
	var m = /^#\/([a-z]+)(?:\/(.*))?$/.exec(location.hash || '');
	var view = m && views[m[1]] ? m[1] : 'queue';

	state.view = view;
	state.arg = m && m[2] ? decodeURIComponent(m[2]) : null;
	document.body.setAttribute('data-view', view);
	Array.prototype.forEach.call($('nav').querySelectorAll('a'),
		function (a) {
			if (a.getAttribute('data-view') === view)
				a.setAttribute('aria-current', 'page');
			else
				a.removeAttribute('aria-current');
		});
	clear($('view'));
	if (views[view].mount)
		views[view].mount($('view'));
	if (view === 'series') {
		delete state.data.series;
		rangeDiffFor = null;
	}
	render();
	refresh();
}

function render() {
	var v = views[state.view], root = $('view');

	renderHeader();
	if (v.update) {
		v.update();
	} else {
		clear(root);
		v.render(root);
	}
}

var refreshing = false, again = false, timer = null;

/* Fetch what the header and the view show, then render; one at a time. */
function refresh() {
	var keys, jobs;

	if (refreshing) {
		again = true;
		return;
	}
	refreshing = true;
	keys = headerKeys.concat(views[state.view].keys);
	jobs = keys.filter(function (k, i) {
		return keys.indexOf(k) === i;
	}).map(function (k) { return load(k); });
	if (state.view === 'series') {
		jobs.push(load('series', '/api/v1/series/' +
			       encodeURIComponent(state.arg || '')));
		if (/^\d+$/.test(state.arg || ''))
			jobs.push(load('applied', '/api/v1/applied?series=' +
				       state.arg));
	}
	Promise.all(jobs).then(function () {
		render();
		state.loads++;
		document.body.setAttribute('data-loads', state.loads);
		refreshing = false;
		if (again) {
			again = false;
			refresh();
		}
	});
}

/* Coalesce the stream's bursts (a push is a move, a job, a build). */
function refreshSoon() {
	if (timer)
		return;
	timer = setTimeout(function () {
		timer = null;
		refresh();
	}, 150);
}

/* --- the live stream -------------------------------------------------------- */

var activity = [];

function describe(kind, d) {
	switch (kind) {
	case 'topic':
		return 'topic ' + d.topic + ': ' + (d.kind || 'moved') +
			(d.new ? ' to ' + short(d.new) : '');
	case 'job':
		return (d.type || 'job') + ' ' + (d.state || 'ended') +
			(d.error ? ': ' + d.error : '');
	default:
		return null;
	}
}

function onMessage(kind, ev) {
	var d = {}, text;

	try {
		d = JSON.parse(ev.data || '{}') || {};
	} catch (e) {
		d = {};
	}
	state.sse++;
	document.body.setAttribute('data-sse', state.sse);
	if (kind === 'hello')
		return;
	text = describe(kind, d);
	if (text) {
		activity.unshift({ at: Date.now(), text: text });
		activity.length = Math.min(activity.length, 100);
		$('activity').textContent = 'Last: ' + text;
	}
	refreshSoon();
}

var source = null;

function connect() {
	var es, kinds = ['hello', 'topic', 'job', 'change', 'resync', 'next',
			 'queue', 'series', 'apply', 'drop', 'notify',
			 'cycle', 'build', 'gate', 'merge-fix'];

	if (!window.EventSource) {
		setLive('off', 'no live updates');
		return;
	}
	if (source)
		return;
	es = source = new EventSource('/api/v1/events/stream');
	es.onopen = function () {
		setLive('open', 'live');
		/* What happened while the stream was down. */
		refreshSoon();
	};
	es.onerror = function () {
		setLive('reconnecting', 'reconnecting');
	};
	kinds.forEach(function (k) {
		es.addEventListener(k, function (ev) { onMessage(k, ev); });
	});
	es.onmessage = function (ev) { onMessage('message', ev); };
}

function setLive(st, text) {
	document.body.setAttribute('data-live', st);
	$('live-text').textContent = text;
}

/* Keep "3 min ago" true without a refresh. */
function tick() {
	Array.prototype.forEach.call(document.querySelectorAll('time'),
		function (t) {
			var d = t.getAttribute('datetime');
			if (d)
				t.textContent = ago(d);
		});
}

/*
 * A browser keeps six connections to a host, and each open stream holds
 * one: a tab in the background lets go of its stream, and catches up
 * when it comes back.
 */
function onVisibility() {
	if (document.hidden) {
		if (source) {
			source.close();
			source = null;
		}
		setLive('paused', 'paused');
	} else {
		connect();
	}
}

window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', onVisibility);
document.addEventListener('DOMContentLoaded', function () {
	route();
	connect();
	setInterval(tick, 30000);
	/*
	 * What commits nothing to the database (a new mainline tag moves
	 * the release phase) sends no event: look again once a minute.
	 */
	setInterval(function () {
		if (!document.hidden)
			refreshSoon();
	}, 60000);
});

})();
