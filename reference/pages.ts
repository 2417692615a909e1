// The frontend of the reference staging: plain HTML with inline JS, no build step. The server injects the
// page's config (hosts, frontend flags, the fault's page flags) as a JSON script, so the same HTML serves
// every fault and setting. The scripts are plain ES2017 strings; they must not use backticks or "${".
import type { AnswerIn, SendOver } from './events';
import type { PageFlags } from './faults';

export interface PageConfig {
  apiUrl: string;
  authUrl: string;
  wsUrl: string;
  sendOver: SendOver;
  answerIn: AnswerIn;
  page: PageFlags;
  /** Another origin the page also calls (an image, a fetch, a socket), as pages call an analytics host. */
  elsewhere?: string;
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can end it early. */
function configScript(cfg: PageConfig): string {
  const json = JSON.stringify(cfg).replace(/</g, '\\u003c');
  return `<script id="reference-config" type="application/json">${json}</script>`;
}

const STYLE = `<style>
  body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; color: #222; }
  [hidden] { display: none !important; }
  .message { padding: .5rem .75rem; margin: .4rem 0; border-radius: .5rem; white-space: pre-wrap; }
  .message.user { background: #e8f0fe; margin-left: 4rem; }
  .message.assistant { background: #f1f3f4; margin-right: 4rem; }
  .message.error { background: #fde8e8; }
  .error { color: #b00020; }
  .report-card { border: 1px solid #ccc; border-radius: .5rem; padding: .5rem .75rem; margin: .4rem 4rem .4rem 0; }
  .drafts { visibility: hidden; }
  .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
  .collapsed { height: 0; overflow: hidden; }
  textarea { width: 100%; min-height: 4rem; }
  .threads ul { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .25rem; }
  .thread-item { background: #f6f6f6; border: 1px solid #ddd; border-radius: .3rem; padding: .2rem .5rem; cursor: pointer; }
  .thread-item[aria-current=true] { font-weight: bold; border-color: #888; }
</style>`;

/** A page of a frontend: its config script, its style (the reference frontend's by default), body and script. */
export function layout(title: string, cfg: PageConfig, body: string, script: string, style = STYLE): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>${style}${configScript(cfg)}</head>
<body>${body}
<script>
${script}
</script>
</body></html>`;
}

export function loginPage(cfg: PageConfig): string {
  return layout(
    'Sign in - Reference Staging',
    cfg,
    `<h1>Sign in</h1>
<form id="login-form">
  <p><label>Email <input name="username" type="email" autocomplete="username" data-testid="login-username" required></label></p>
  <p><label>Password <input name="password" type="password" autocomplete="current-password" data-testid="login-password" required></label></p>
  <p><button type="submit" data-testid="login-submit">Sign in</button></p>
  <p class="error" data-testid="login-error" hidden></p>
</form>
<p><button type="button" data-testid="oauth-button">Continue with Google</button></p>`,
    LOGIN_SCRIPT,
  );
}

const LOGIN_SCRIPT = `
var cfg = JSON.parse(document.getElementById('reference-config').textContent);
var form = document.getElementById('login-form');
var errorBox = document.querySelector('[data-testid=login-error]');
function showError(text) { errorBox.textContent = text; errorBox.hidden = false; }
form.addEventListener('submit', function (ev) {
  ev.preventDefault();
  errorBox.hidden = true;
  var body = JSON.stringify({ username: form.username.value, password: form.password.value });
  fetch(cfg.authUrl + '/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body })
    .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); })
    .then(function (res) {
      if (!res.ok || !res.body.access_token) { showError(res.body.error || ('Sign-in failed (HTTP ' + res.status + ')')); return; }
      localStorage.setItem('jwt_token', res.body.access_token);
      if (res.body.refresh_token) localStorage.setItem('refresh_token', res.body.refresh_token);
      location.href = '/chat';
    })
    .catch(function (e) { showError('Sign-in failed: ' + e.message); });
});
var refused = new URLSearchParams(location.search).get('error');
if (refused) showError(refused);
document.querySelector('[data-testid=oauth-button]').addEventListener('click', function () {
  location.href = cfg.authUrl + '/auth/oauth/google?redirect_uri=' + encodeURIComponent(location.origin + '/auth/callback');
});
`;

export function callbackPage(cfg: PageConfig): string {
  // location.replace: the URL with the token must not stay in the history.
  return layout(
    'Signing in - Reference Staging',
    cfg,
    '<p>Signing in...</p>',
    `var token = new URLSearchParams(location.search).get('access_token');
if (token) { localStorage.setItem('jwt_token', token); location.replace('/chat'); }
else { location.replace('/login'); }`,
  );
}

export function chatPage(cfg: PageConfig): string {
  return layout(
    'Chat - Reference Staging',
    cfg,
    `<header><h1>Reference Chat</h1>
  <button type="button" data-testid="new-chat-button">New chat</button>
  <span data-testid="connection-status">connecting</span>
  <span data-testid="notification-count" hidden>0</span></header>
<nav class="threads" data-testid="thread-list" aria-label="Conversations"><strong>Conversations</strong><ul id="threads"></ul></nav>
<main id="messages"></main>
<div data-testid="thinking-indicator" hidden>Thinking...</div>
<footer>
  <textarea data-testid="message-textarea" placeholder="Ask something"></textarea>
  <button type="button" data-testid="send-button" disabled>Send</button>
</footer>`,
    CHAT_SCRIPT,
  );
}

const CHAT_SCRIPT = `
(function () {
  var cfg = JSON.parse(document.getElementById('reference-config').textContent);
  // The token from localStorage, else from a jwt_token cookie of this origin (kept in localStorage from then on).
  function cookieToken() {
    var parts = document.cookie ? document.cookie.split(';') : [];
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i].trim(), eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq) === 'jwt_token' && eq + 1 < part.length) {
        try { return decodeURIComponent(part.slice(eq + 1)); } catch (e) { return part.slice(eq + 1); }
      }
    }
    return null;
  }
  var signedOut = false;
  // A refused token: forget it everywhere (host-only and domain cookie alike) and go to the login page.
  function signOut() {
    if (signedOut) return;
    signedOut = true;
    localStorage.removeItem('jwt_token');
    document.cookie = 'jwt_token=; Max-Age=0; path=/';
    document.cookie = 'jwt_token=; Max-Age=0; path=/; domain=' + location.hostname;
    location.replace('/login');
  }
  var token = localStorage.getItem('jwt_token');
  if (!token) {
    token = cookieToken();
    if (token) localStorage.setItem('jwt_token', token);
  }
  if (!token) { location.replace('/login'); return; }
  var q = function (id) { return document.querySelector('[data-testid=' + id + ']'); };
  var list = document.getElementById('messages');
  var textarea = q('message-textarea'), sendButton = q('send-button'), thinking = q('thinking-indicator'), status = q('connection-status');
  var ERROR_TYPES = ['agent_error', 'agent_failed', 'agent_fallback', 'agent_death', 'error'];
  var MAX_TRIES = 3;
  var threadId = null, started = false, ws = null, tries = 0, connectedOnce = false, outbox = [], restAnswers = 0;
  // The thread's first answer (from its history, or the first shown live), and whether this run's frames refreshed the list.
  var firstAnswer = null, listed = false;
  // The agent whose agent_started opened the current run: its agent_completed ends the run (sub-agents' do not).
  var rootAgent = null;
  // This frontend version's event names: wire name -> canonical name.
  var canonical = {};
  Object.keys(cfg.page.dialect || {}).forEach(function (name) { canonical[cfg.page.dialect[name]] = name; });
  var decoder = new TextDecoder('utf-8');
  // Text frames come as strings, binary ones (binaryType arraybuffer) as UTF-8 bytes.
  function textOf(data) { return typeof data === 'string' ? data : decoder.decode(data); }

  function setStatus(text) { status.textContent = text; }
  function setThinking(on) { thinking.hidden = !on; }
  function refreshSend() { sendButton.disabled = !(threadId && connectedOnce); }
  // A message in the list; 'into' is the element to append to (default the message list). Returns the inner element.
  function bubble(kind, text, testId, into) {
    var div = document.createElement('div');
    div.className = 'message ' + kind;
    var inner = div;
    if (testId) { inner = document.createElement('div'); inner.setAttribute('data-testid', testId); div.appendChild(inner); }
    inner.textContent = text;
    (into || list).appendChild(div);
    return inner;
  }
  // Just enough markdown for an answer: paragraphs, "- " lists, **bold**, inline code and [links](url).
  // Scanned by hand: this script sits in a template string, where backslashes and backticks do not survive.
  var TICK = String.fromCharCode(96), NL = String.fromCharCode(10);
  function inline(into, text) {
    var plain = '';
    function flushPlain() { if (plain) into.appendChild(document.createTextNode(plain)); plain = ''; }
    function add(tag, content, href) {
      flushPlain();
      var el = document.createElement(tag);
      el.textContent = content;
      if (href) el.setAttribute('href', href);
      into.appendChild(el);
    }
    var i = 0;
    while (i < text.length) {
      var close;
      if (text.slice(i, i + 2) === '**' && (close = text.indexOf('**', i + 2)) > i + 2) { add('strong', text.slice(i + 2, close)); i = close + 2; continue; }
      if (text[i] === TICK && (close = text.indexOf(TICK, i + 1)) > i + 1) { add('code', text.slice(i + 1, close)); i = close + 1; continue; }
      if (text[i] === '[') {
        var mid = text.indexOf('](', i), end = mid > i ? text.indexOf(')', mid) : -1;
        if (mid > i && end > mid) { add('a', text.slice(i + 1, mid), text.slice(mid + 2, end)); i = end + 1; continue; }
      }
      plain += text[i];
      i++;
    }
    flushPlain();
  }
  function renderMarkdown(into, text) {
    into.textContent = '';
    into.style.whiteSpace = 'normal';
    text.split(NL + NL).forEach(function (block) {
      var lines = block.split(NL).filter(function (l) { return l.trim() !== ''; });
      var isList = lines.length > 0 && lines.every(function (l) { return l.indexOf('- ') === 0; });
      var el = document.createElement(isList ? 'ul' : 'p');
      if (isList) lines.forEach(function (l) { var li = document.createElement('li'); inline(li, l.slice(2)); el.appendChild(li); });
      else inline(el, lines.join(' '));
      into.appendChild(el);
    });
  }

  function api(path, body, method) {
    return fetch(cfg.apiUrl + path, {
      method: method || 'POST',
      headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body || {})
    }).then(function (r) {
      if (r.status === 401) { signOut(); throw new Error('signed out'); }
      if (!r.ok) { var e = new Error(path + ' answered HTTP ' + r.status); e.status = r.status; throw e; }
      return r.json();
    });
  }

  // Where this frontend version keeps the conversation: ?thread=<id> ('query'), /chat/<id> ('path'), or nowhere
  // ('none': a reload opens a new chat, and the user returns through the list). Either form is read on load.
  var THREAD_URL = cfg.page.threadUrl || 'query';
  function threadInUrl() {
    if (THREAD_URL === 'none') return null;
    var fromQuery = new URLSearchParams(location.search).get('thread');
    if (fromQuery) return fromQuery;
    var path = location.pathname;
    if (path.indexOf('/chat/') !== 0 || path.length <= 6 || path.indexOf('/', 6) >= 0) return null;
    try { return decodeURIComponent(path.slice(6)); } catch (e) { return null; }
  }
  // The current thread, marked in the list and (unless 'none') put in the URL, in place of the page's entry.
  function showThread(id) {
    markCurrent();
    if (THREAD_URL === 'none') return;
    var url = THREAD_URL === 'path' ? '/chat/' + encodeURIComponent(id) : '/chat?thread=' + encodeURIComponent(id);
    if (location.pathname + location.search !== url) history.replaceState(null, '', url);
  }

  // The conversation list: the user's threads that hold a message, newest first, as the API lists them (an
  // array, the platform's shape, or {threads}); each item opens its thread.
  var threadsBox = document.getElementById('threads'), listing = 0, loading = 0;
  function markCurrent() {
    var items = threadsBox.querySelectorAll('[data-thread-id]');
    for (var i = 0; i < items.length; i++) {
      if (items[i].getAttribute('data-thread-id') === threadId) items[i].setAttribute('aria-current', 'true');
      else items[i].removeAttribute('aria-current');
    }
  }
  function refreshList() {
    var seq = ++listing;
    return api('/api/threads?limit=100', null, 'GET').then(function (b) {
      if (seq !== listing) return;
      var threads = Array.isArray(b) ? b : (b && b.threads) || [];
      threadsBox.textContent = '';
      threads.forEach(function (t) {
        if (!t || typeof t.id !== 'string' || !t.message_count) return;
        var li = document.createElement('li'), item = document.createElement('button');
        item.type = 'button';
        item.className = 'thread-item';
        item.setAttribute('data-testid', 'thread-item-' + t.id);
        item.setAttribute('data-thread-id', t.id);
        item.textContent = t.title || 'Untitled conversation';
        item.addEventListener('click', function () { openThread(t.id); });
        li.appendChild(item);
        threadsBox.appendChild(li);
      });
      markCurrent();
    }).catch(function () { /* the next refresh brings the list back */ });
  }

  function newThread() {
    loading++;
    threadId = null; started = false; restAnswers = 0; firstAnswer = null; refreshSend();
    return api('/api/threads').then(function (b) { threadId = b.thread_id; showThread(threadId); refreshSend(); });
  }
  // A thread's history, rendered as live messages are (user bubbles, answers in the answer's markup); then the
  // page goes on in that thread: its next message is a user_message (or a REST execute) with that thread id.
  function loadThread(id) {
    var seq = ++loading;
    return api('/api/threads/' + encodeURIComponent(id) + '/messages?limit=100', null, 'GET').then(function (b) {
      if (seq !== loading) return;
      var messages = (b && b.messages) || [];
      var answers = messages.filter(function (m) { return m.role === 'assistant'; });
      list.textContent = '';
      setThinking(false);
      threadId = id; started = messages.length > 0; rootAgent = null; streamBox = null;
      restAnswers = answers.length;
      firstAnswer = answers.length ? String(answers[0].content == null ? '' : answers[0].content) : null;
      // A frontend version that shows nothing of a thread it loads.
      if (cfg.page.renderHistory !== false) {
        messages.forEach(function (m) {
          var text = m.content == null ? '' : String(m.content);
          if (m.role === 'user') bubble('user', text);
          else if (m.role === 'assistant') answerMarkup(text, list);
        });
      }
      showThread(id);
      refreshSend();
    });
  }
  function openThread(id) {
    loadThread(id).catch(function (e) { if (!signedOut) bubble('error', 'Could not open the conversation: ' + e.message); });
  }
  function flush() { while (ws && ws.readyState === 1 && outbox.length) ws.send(outbox.shift()); }

  function connect() {
    api('/api/websocket/ticket').then(function (b) {
      var sock = new WebSocket(cfg.wsUrl + '/ws?ticket=' + encodeURIComponent(b.ticket));
      var opened = false;
      sock.binaryType = 'arraybuffer';
      ws = sock;
      sock.onopen = function () { opened = true; connectedOnce = true; setStatus('open'); refreshSend(); flush(); };
      sock.onmessage = function (ev) { onFrame(sock, textOf(ev.data)); };
      sock.onclose = function (ev) {
        if (ws !== sock) return;
        ws = null;
        if (ev.code === 1000) { setStatus('closed'); return; }
        // A socket that never opened (refused upgrade) is not retried: the failure stays visible.
        if (!opened) { setStatus('disconnected'); bubble('error', 'Could not connect (code ' + ev.code + ')'); return; }
        retry('closed with code ' + ev.code);
      };
    }).catch(function (e) { if (!signedOut) retry(e.message); });
  }
  // The notification socket of this frontend version: its own ticket, its own chatter, counted in a badge.
  function openNotifications() {
    var badge = q('notification-count'), count = 0;
    api('/api/websocket/ticket').then(function (b) {
      var sock = new WebSocket(cfg.wsUrl + '/ws/notifications?ticket=' + encodeURIComponent(b.ticket));
      sock.binaryType = 'arraybuffer';
      sock.onmessage = function (ev) {
        var m;
        try { m = JSON.parse(textOf(ev.data)); } catch (e) { return; }
        if (m && m.type === 'notification') { count++; badge.textContent = String(count); badge.hidden = false; }
      };
    }).catch(function () { /* notifications are optional */ });
  }
  // The page's other sockets: presence (no ticket; once open, this frontend lets the user type and send) and
  // a dev server's hot reload on the app's own host. Neither carries agent events; their frames are ignored.
  function openPresence() {
    var sock = new WebSocket(cfg.wsUrl + '/ws/presence');
    sock.onopen = function () { connectedOnce = true; refreshSend(); };
  }
  // Another origin, as a page calls an analytics host: an image, a fetch and a socket, none of them awaited.
  function callElsewhere(origin) {
    new Image().src = origin + '/pixel.gif';
    fetch(origin + '/collect', { method: 'POST', mode: 'no-cors', body: 'page=chat' }).catch(function () {});
    try { new WebSocket(origin.replace(/^http/, 'ws') + '/live'); } catch (e) { /* not ours to judge */ }
  }
  function openHotReload() {
    new WebSocket(location.origin.replace(/^http/, 'ws') + '/_next/webpack-hmr');
  }
  // Any close of an open socket but a normal one: new ticket, new socket, short backoff, at most MAX_TRIES in a row.
  function retry(why) {
    if (tries >= MAX_TRIES) {
      setStatus('disconnected');
      if (!thinking.hidden) { setThinking(false); bubble('error', 'Connection lost: ' + why); }
      return;
    }
    tries++;
    setStatus('reconnecting');
    setTimeout(connect, 250 * Math.pow(2, tries - 1));
  }

  function onFrame(sock, raw) {
    var m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (!m || typeof m !== 'object') return;
    if (m.type === 'ping') { sock.send(JSON.stringify({ type: 'pong', timestamp: Date.now() })); return; }
    if (m.type === 'connection_established') { tries = 0; connectedOnce = true; setStatus('connected'); refreshSend(); flush(); return; }
    // The platform also wraps events: {type:'system_message', event, payload}.
    var type = m.type, body = m;
    if (m.type === 'system_message' && m.payload) { type = m.event; body = m.payload; }
    if (canonical[type]) type = canonical[type];
    if (body.thread_id && body.thread_id !== threadId) return; // not this conversation
    // A run's first frame here: the server has stored the message by then, so the list can show the thread.
    if (body.run_id && !listed) { listed = true; refreshList(); }
    if (ERROR_TYPES.indexOf(type) >= 0) { setThinking(false); return; }
    var agent = typeof body.agent_name === 'string' ? body.agent_name.toLowerCase() : null;
    if (type === 'agent_started' && rootAgent === null) rootAgent = agent || '';
    var p = body.payload || body.data || {};
    if (type === 'agent_completed' && (!agent || agent === rootAgent)) {
      setThinking(false);
      // A frontend version that shows the completion's own answer field.
      if (cfg.page.answerFromCompletion && typeof (body.data || body).final_response === 'string') renderAnswer((body.data || body).final_response);
      if (cfg.page.showStatusLine && typeof (body.data || body).message === 'string') bubble('assistant', (body.data || body).message);
      return;
    }
    if (type === 'stream_chunk' || type === 'partial_result') { onChunk(p); return; }
    if (type === cfg.answerIn && cfg.page.answerFrom !== 'rest') {
      renderAnswer(type === 'final_report' ? p.executive_summary : p.content);
    }
  }
  // Chunks of a streamed answer: each piece in an element of its own, in one assistant message; a chunk
  // marked complete holds a whole message by itself, as the platform's frontend shows it.
  var streamBox = null, chunksShown = 0;
  function onChunk(p) {
    var text = p.content == null ? (p.chunk == null ? '' : String(p.chunk)) : String(p.content);
    if (p.is_complete || p.done) { if (text) bubble('assistant', text); streamBox = null; return; }
    if (typeof cfg.page.streamRenderLimit === 'number' && chunksShown >= cfg.page.streamRenderLimit) return;
    if (!streamBox) streamBox = bubble('assistant', '', 'response-card');
    var piece = document.createElement('span');
    piece.textContent = text;
    streamBox.appendChild(piece);
    chunksShown++;
  }
  var answersShown = 0;
  function renderAnswer(text) {
    if (cfg.page.renderAnswer === false) return;
    // This frontend version fails on every answer after the first of a run: the first stays on screen.
    if (cfg.page.onlyFirstAnswer && answersShown > 0) { console.error('render failed: cannot read properties of undefined'); return; }
    answersShown++;
    var shown = typeof cfg.page.answerText === 'string' ? cfg.page.answerText : (text == null ? '' : String(text));
    // This frontend version shows a thread's first answer again for every later turn.
    if (cfg.page.staleFollowUps && firstAnswer !== null) shown = firstAnswer;
    if (firstAnswer === null) firstAnswer = shown;
    var into = list;
    if (cfg.page.answerHidden) { into = document.createElement('div'); into.className = 'drafts'; list.appendChild(into); }
    if (cfg.page.answerPlacement === 'sr-only') { into = document.createElement('div'); into.className = 'sr-only'; into.setAttribute('aria-live', 'polite'); list.appendChild(into); }
    if (cfg.page.answerPlacement === 'clipped') { into = document.createElement('div'); into.className = 'collapsed'; list.appendChild(into); }
    answerMarkup(shown, into);
  }
  // An answer's markup, live or from the history.
  function answerMarkup(text, into) {
    var el;
    if (cfg.page.answerLayout === 'message-list') {
      // The platform's frontend: the summary as a plain assistant message, then a report card without it.
      el = bubble('assistant', text, null, into);
      var card = bubble('assistant report-card', 'Report ready: 0 recommendations, data from usage_lookup.', 'response-card', into);
      card.parentNode.className = 'report-card';
    } else {
      el = bubble('assistant', text, 'response-card', into);
    }
    if (cfg.page.markdown) renderMarkdown(el, text);
  }

  // answerFrom 'rest': poll the thread's history until a new assistant message is there (at most ~30 s).
  function pollAnswer(thread, left) {
    api('/api/threads/' + encodeURIComponent(thread) + '/messages', null, 'GET').then(function (b) {
      if (thread !== threadId) return;
      var answers = (b.messages || []).filter(function (m) { return m.role === 'assistant'; });
      if (answers.length > restAnswers) {
        answers.slice(restAnswers).forEach(function (m) { renderAnswer(m.content); });
        restAnswers = answers.length;
        setThinking(false);
        refreshList();
      } else if (left > 0) {
        setTimeout(function () { pollAnswer(thread, left - 1); }, 200);
      }
    }).catch(function (e) { bubble('error', 'Could not load the answer: ' + e.message); });
  }

  function send() {
    var text = textarea.value.trim();
    if (!text || !threadId) return;
    textarea.value = '';
    bubble('user', text);
    rootAgent = null; listed = false;
    answersShown = 0; streamBox = null; chunksShown = 0;
    setThinking(true);
    // A page whose main thread gets stuck for good shortly after the send.
    if (cfg.page.freezeAfterSend) setTimeout(function () { for (;;) { /* stuck */ } }, 0);
    // A frontend version that loses the thread after its first exchange: a follow-up opens a new thread (the URL keeps the first).
    if (started && cfg.page.followUpNewThread) {
      api('/api/threads').then(function (b) { threadId = b.thread_id; started = false; restAnswers = 0; dispatch(text); })
        .catch(function (e) { setThinking(false); bubble('error', 'Send failed: ' + e.message); });
      return;
    }
    dispatch(text);
  }
  // The message to the server: REST or the socket (start_agent for a thread's first message, user_message after).
  function dispatch(text) {
    if (cfg.page.answerFrom === 'rest') pollAnswer(threadId, 150);
    if (cfg.sendOver === 'rest') {
      var requestId = 'req-' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      started = true;
      api('/api/agent/v2/execute', { request_id: requestId, message: text, thread_id: threadId })
        .then(function () { refreshList(); })
        .catch(function (e) { setThinking(false); bubble('error', 'Send failed: ' + e.message); });
      return;
    }
    var frame = started
      ? { type: 'user_message', payload: { content: text, thread_id: threadId } }
      : { type: 'start_agent', payload: { user_request: text, thread_id: threadId } };
    started = true;
    outbox.push(JSON.stringify(frame));
    flush();
  }

  // A frontend version whose send control is wired to nothing: the button works as a button, and nothing is sent.
  if (!cfg.page.deadSendButton) {
    sendButton.addEventListener('click', send);
    textarea.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); if (!sendButton.disabled) send(); }
    });
  }
  q('new-chat-button').addEventListener('click', function () {
    list.textContent = '';
    setThinking(false);
    newThread().catch(function (e) { bubble('error', e.message); });
  });

  // On load: the thread in the URL (its history), else a new thread. A 401 to that first request signs out at
  // once, before anything else; a thread that is not the user's (404) gives way to a new one.
  if (cfg.page.hotReload) openHotReload();
  if (cfg.elsewhere) callElsewhere(cfg.elsewhere);
  var fromUrl = threadInUrl();
  var opened = fromUrl
    ? loadThread(fromUrl).catch(function (e) {
        if (signedOut || e.status !== 404) throw e;
        return newThread().then(function () { bubble('error', 'Conversation not found'); });
      })
    : newThread().then(function () {
        if (typeof cfg.page.history === 'string') {
          bubble('user', 'How is my usage this month?');
          bubble('assistant', cfg.page.history, 'response-card');
        }
      });
  opened.then(function () {
    refreshList();
    connect();
    if (cfg.page.notifications) openNotifications();
    if (cfg.page.presence) openPresence();
  }).catch(function (e) { if (!signedOut) bubble('error', e.message); });
})();
`;
