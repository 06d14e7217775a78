#!/usr/bin/env node
// SPDX-License-Identifier: GPL-2.0
//
// A headless Chromium driven through the DevTools protocol, for the
// dashboard tests (t06xx).  Node's standard library only: the protocol's
// websocket is spoken here by hand, so nothing is downloaded.
//
// Usage: node browser.js [CHROMIUM]    (default: $CHROMIUM or "chromium")
// $BROWSER_ARGS, a JSON array, adds switches to Chromium's command line.
// Reads one command per line on stdin, answers one line per command on
// stdout: "ok VALUE" (VALUE as JSON) or "error MESSAGE".
//
//   size W H            emulate a W x H viewport (mobile when W < 700)
//   goto URL            navigate and wait for the load event
//   eval EXPR           evaluate EXPR in the page (promises awaited)
//   wait MS EXPR        evaluate EXPR every 50 ms until it is truthy;
//                       "ok {value, ms}" or "error timeout ..." after MS
//   shot FILE           save a PNG of the whole page
//   navigations         how many times the main frame navigated
//   dialogs             the JavaScript dialogs (alert...) the page opened
//   quit                close the browser and exit
//
// Every page's dialogs are dismissed at once and counted, so a test can
// tell that markup from mail never ran as script.
'use strict';

const { spawn } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const readline = require('readline');

const chromium = process.argv[2] || process.env.CHROMIUM || 'chromium';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cthulhu-chromium-'));

function fail(msg) {
	process.stderr.write('browser.js: ' + msg + '\n');
	cleanup();
	process.exit(1);
}

let child = null;
function cleanup() {
	if (child && child.exitCode === null)
		child.kill('SIGKILL');
	if (process.env.BROWSER_PIDFILE)
		fs.rmSync(process.env.BROWSER_PIDFILE, { force: true });
	try {
		fs.rmSync(profile, { recursive: true, force: true });
	} catch (e) {
		/* a profile left in /tmp is no reason to fail */
	}
}

// --- websocket (RFC 6455), client side ----------------------------------

class WebSocket {
	constructor(url, onmessage, onclose) {
		this.onmessage = onmessage;
		this.onclose = onclose;
		this.buf = Buffer.alloc(0);
		this.parts = [];
		this.url = new URL(url);
	}

	open() {
		const key = crypto.randomBytes(16).toString('base64');
		return new Promise((resolve, reject) => {
			const req = http.request({
				host: this.url.hostname,
				port: this.url.port,
				path: this.url.pathname,
				headers: {
					Connection: 'Upgrade',
					Upgrade: 'websocket',
					'Sec-WebSocket-Key': key,
					'Sec-WebSocket-Version': '13',
				},
			});
			req.on('upgrade', (res, socket, head) => {
				this.socket = socket;
				socket.setNoDelay(true);
				socket.on('data', (d) => this.data(d));
				socket.on('close', () => this.onclose());
				socket.on('error', () => {});
				if (head && head.length)
					this.data(head);
				resolve();
			});
			req.on('response', (res) =>
				reject(new Error('no upgrade: HTTP ' +
						 res.statusCode)));
			req.on('error', reject);
			req.end();
		});
	}

	send(text) {
		const payload = Buffer.from(text, 'utf8');
		const mask = crypto.randomBytes(4);
		let header;

		if (payload.length < 126) {
			header = Buffer.alloc(2);
			header[1] = 0x80 | payload.length;
		} else if (payload.length < 65536) {
			header = Buffer.alloc(4);
			header[1] = 0x80 | 126;
			header.writeUInt16BE(payload.length, 2);
		} else {
			header = Buffer.alloc(10);
			header[1] = 0x80 | 127;
			header.writeBigUInt64BE(BigInt(payload.length), 2);
		}
		header[0] = 0x81;	/* FIN, text */
		for (let i = 0; i < payload.length; i++)
			payload[i] ^= mask[i & 3];
		this.socket.write(Buffer.concat([header, mask, payload]));
	}

	data(chunk) {
		this.buf = Buffer.concat([this.buf, chunk]);
		for (;;) {
			if (this.buf.length < 2)
				return;
			const fin = this.buf[0] & 0x80, op = this.buf[0] & 0x0f;
			let len = this.buf[1] & 0x7f, off = 2;
			if (this.buf[1] & 0x80)
				fail('server sent a masked frame');
			if (len === 126) {
				if (this.buf.length < 4)
					return;
				len = this.buf.readUInt16BE(2);
				off = 4;
			} else if (len === 127) {
				if (this.buf.length < 10)
					return;
				len = Number(this.buf.readBigUInt64BE(2));
				off = 10;
			}
			if (this.buf.length < off + len)
				return;
			const payload = this.buf.subarray(off, off + len);
			this.buf = this.buf.subarray(off + len);
			if (op === 0x8) {
				this.socket.end();
				return;
			}
			if (op === 0x9 || op === 0xa)
				continue;	/* ping, pong */
			this.parts.push(Buffer.from(payload));
			if (fin) {
				const msg = Buffer.concat(this.parts);
				this.parts = [];
				this.onmessage(msg.toString('utf8'));
			}
		}
	}
}

// --- the DevTools protocol -----------------------------------------------

let ws, nextId = 1, navigations = 0, mainFrame = null;
const pending = new Map(), waiters = [], dialogs = [];

function send(method, params) {
	const id = nextId++;
	ws.send(JSON.stringify({ id, method, params: params || {} }));
	return new Promise((resolve, reject) =>
		pending.set(id, { resolve, reject, method }));
}

function onEvent(msg) {
	if (msg.method === 'Page.javascriptDialogOpening') {
		dialogs.push(msg.params.message);
		send('Page.handleJavaScriptDialog', { accept: false });
	} else if (msg.method === 'Page.frameNavigated') {
		if (!msg.params.frame.parentId) {
			mainFrame = msg.params.frame.id;
			navigations++;
		}
	}
	waiters.filter((w) => w.method === msg.method)
		.forEach((w) => w.resolve(msg.params));
}

function onMessage(text) {
	const msg = JSON.parse(text);
	if (msg.id && pending.has(msg.id)) {
		const p = pending.get(msg.id);
		pending.delete(msg.id);
		if (msg.error)
			p.reject(new Error(p.method + ': ' + msg.error.message));
		else
			p.resolve(msg.result);
	} else if (msg.method) {
		onEvent(msg);
	}
}

/* The next of the given events; rejects after ms. */
function eventOnce(methods, ms) {
	return new Promise((resolve, reject) => {
		const ws_ = methods.map((method) => ({ method, resolve: done }));
		const timer = setTimeout(() => {
			drop();
			reject(new Error('timeout waiting for ' +
					 methods.join(' or ')));
		}, ms);
		function drop() {
			ws_.forEach((w) => {
				const i = waiters.indexOf(w);
				if (i >= 0)
					waiters.splice(i, 1);
			});
		}
		function done(params) {
			clearTimeout(timer);
			drop();
			resolve(params);
		}
		ws_.forEach((w) => waiters.push(w));
	});
}

async function evaluate(expr) {
	const r = await send('Runtime.evaluate', {
		expression: expr, returnByValue: true, awaitPromise: true,
	});
	if (r.exceptionDetails)
		throw new Error('exception: ' +
			(r.exceptionDetails.exception &&
			 r.exceptionDetails.exception.description ||
			 r.exceptionDetails.text));
	return r.result.value === undefined ? null : r.result.value;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const commands = {
	async size(w, hgt) {
		w = Number(w);
		hgt = Number(hgt);
		await send('Emulation.setDeviceMetricsOverride', {
			width: w, height: hgt, deviceScaleFactor: 1,
			mobile: w < 700,
		});
		return { width: w, height: hgt };
	},
	async goto(url) {
		/* A change of the #fragment only is no load. */
		const loaded = eventOnce(['Page.loadEventFired',
					  'Page.navigatedWithinDocument'], 30000);
		const r = await send('Page.navigate', { url });
		if (r.errorText)
			throw new Error('navigate: ' + r.errorText);
		await loaded;
		return url;
	},
	async eval(...expr) {
		return evaluate(expr.join(' '));
	},
	async wait(ms, ...expr) {
		const start = Date.now(), text = expr.join(' ');
		let v = null;
		for (;;) {
			v = await evaluate(text);
			if (v)
				return { value: v, ms: Date.now() - start };
			if (Date.now() - start > Number(ms))
				throw new Error('timeout after ' + ms +
						' ms: ' + text + ' is ' +
						JSON.stringify(v));
			await sleep(50);
		}
	},
	async shot(file) {
		const m = await send('Page.getLayoutMetrics');
		const size = m.cssContentSize || m.contentSize;
		const r = await send('Page.captureScreenshot', {
			format: 'png', captureBeyondViewport: true,
			clip: { x: 0, y: 0, width: Math.ceil(size.width),
				height: Math.min(Math.ceil(size.height), 8000),
				scale: 1 },
		});
		fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
		return file;
	},
	async navigations() {
		return navigations;
	},
	async dialogs() {
		return dialogs;
	},
	async quit() {
		try {
			await Promise.race([send('Browser.close'), sleep(2000)]);
		} catch (e) {
			/* closing anyway */
		}
		cleanup();
		process.stdout.write('ok null\n');
		process.exit(0);
	},
};

// --- start-up ------------------------------------------------------------

function launch() {
	const args = [
		'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
		'--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync',
		'--disable-dev-shm-usage', '--hide-scrollbars', '--mute-audio',
		'--user-data-dir=' + profile, '--remote-debugging-port=0',
		'--window-size=1280,900',
		// More switches for one test, as a JSON array of strings.
		...JSON.parse(process.env.BROWSER_ARGS || '[]'), 'about:blank',
	];
	child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'pipe'] });
	/* For the caller to reap, should this process die unclean. */
	if (process.env.BROWSER_PIDFILE)
		fs.writeFileSync(process.env.BROWSER_PIDFILE, child.pid + '\n');
	child.on('error', (e) => fail('cannot run ' + chromium + ': ' + e.message));
	return new Promise((resolve) => {
		let err = '';
		const timer = setTimeout(() =>
			fail('chromium did not start:\n' + err), 30000);
		child.stderr.on('data', (d) => {
			err += d.toString();
			const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
			if (m) {
				clearTimeout(timer);
				resolve(new URL(m[1]).port);
			}
		});
		child.on('exit', (code) => {
			if (!ws)
				fail('chromium exited (' + code + '):\n' + err);
		});
	});
}

function getJSON(port, p) {
	return new Promise((resolve, reject) => {
		http.get({ host: '127.0.0.1', port, path: p }, (res) => {
			let body = '';
			res.on('data', (d) => { body += d; });
			res.on('end', () => resolve(JSON.parse(body)));
		}).on('error', reject);
	});
}

async function main() {
	const port = await launch();
	let page = null;

	for (let i = 0; i < 100 && !page; i++) {
		const list = await getJSON(port, '/json/list');
		page = list.find((t) => t.type === 'page');
		if (!page)
			await sleep(100);
	}
	if (!page)
		fail('no page target');
	ws = new WebSocket(page.webSocketDebuggerUrl, onMessage, () => {
		process.stderr.write('browser.js: DevTools connection closed\n');
		cleanup();
		process.exit(1);
	});
	await ws.open();
	await send('Page.enable');
	await send('Runtime.enable');
	process.stdout.write('ok "ready"\n');

	const rl = readline.createInterface({ input: process.stdin });
	let chain = Promise.resolve();
	rl.on('line', (line) => {
		chain = chain.then(async () => {
			const words = line.trim().split(/\s+/);
			const cmd = commands[words[0]];
			if (!words[0])
				return;
			try {
				if (!cmd)
					throw new Error('unknown command ' +
							words[0]);
				const v = await cmd(...words.slice(1));
				process.stdout.write('ok ' +
					JSON.stringify(v) + '\n');
			} catch (e) {
				process.stdout.write('error ' +
					String(e.message).replace(/\n/g, ' ') +
					'\n');
			}
		});
	});
	rl.on('close', () => chain.then(() => commands.quit()));
}

process.on('SIGTERM', () => { cleanup(); process.exit(1); });
main().catch((e) => fail(e.stack || String(e)));
