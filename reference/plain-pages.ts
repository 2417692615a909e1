// The reference staging's second frontend (`frontend: 'plain'`): a chat app that is not shaped like the
// platform's, for probing "any chat app" (docs/generic.md). Its own paths (PLAIN_PATHS), other markup and
// field names, no test ids, no send button: Enter in a contenteditable message box sends. Behind it the same
// API, auth and WebSocket protocol as the reference frontend: only the page differs. It keeps its token under
// its own localStorage key, and does not reconnect a dropped socket. It keeps the conversation in its URL
// (`/app/conversations?c=<thread id>`): a reload shows the thread's history and goes on in it. It has no
// conversation list. Of the faults' page flags it honours renderAnswer, answerText, deadSendButton and
// renderHistory; the others shape the reference frontend only. The scripts are plain ES2017 strings; they must not use backticks or "${".
import { layout, type PageConfig } from './pages';

export const PLAIN_PATHS = { signin: '/signin', chat: '/app/conversations' } as const;
/** Where this frontend keeps its access token (localStorage). */
export const PLAIN_TOKEN_KEY = 'auth_token';

const STYLE = `<style>
  body { font-family: Georgia, serif; margin: 0; display: flex; min-height: 100vh; color: #1d1d1f; }
  [hidden] { display: none !important; }
  aside { width: 14rem; padding: 1rem; background: #f5f5f0; }
  main { flex: 1; display: flex; flex-direction: column; padding: 1rem 2rem; }
  .thread { flex: 1; }
  .turn { margin: .6rem 0; line-height: 1.4; }
  .turn-user { text-align: right; color: #345; }
  .composer { border: 1px solid #999; border-radius: .4rem; padding: .5rem; min-height: 2.5rem; }
  .signin { margin: 4rem auto; width: 20rem; }
  .notice { color: #a00; }
</style>`;

/** What the scripts below know of this frontend, given them as variables: they cannot interpolate. */
const CONSTANTS = `var PATHS = ${JSON.stringify(PLAIN_PATHS)}, TOKEN_KEY = ${JSON.stringify(PLAIN_TOKEN_KEY)};`;

function page(title: string, cfg: PageConfig, body: string, script: string): string {
  return layout(title, cfg, body, `${CONSTANTS}\n${script}`, STYLE);
}

export function plainSigninPage(cfg: PageConfig): string {
  return page(
    'Welcome back - Assistant',
    cfg,
    `<form class="signin" id="signin">
  <h1>Welcome back</h1>
  <p><label for="email">Work email</label><br><input id="email" name="email" type="email" autocomplete="username"></p>
  <p><label for="passphrase">Passphrase</label><br><input id="passphrase" name="passphrase" type="password" autocomplete="current-password"></p>
  <p><button type="submit">Continue</button></p>
  <p class="notice" role="alert" hidden></p>
</form>`,
    SIGNIN_SCRIPT,
  );
}

const SIGNIN_SCRIPT = `
var cfg = JSON.parse(document.getElementById('reference-config').textContent);
var form = document.getElementById('signin');
var notice = document.querySelector('.notice');
form.addEventListener('submit', function (ev) {
  ev.preventDefault();
  notice.hidden = true;
  var body = JSON.stringify({ username: form.email.value, password: form.passphrase.value });
  fetch(cfg.authUrl + '/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body })
    .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, body: b }; }); })
    .then(function (res) {
      if (!res.ok || !res.body.access_token) { notice.textContent = 'That email and passphrase do not match.'; notice.hidden = false; return; }
      localStorage.setItem(TOKEN_KEY, res.body.access_token);
      location.href = PATHS.chat;
    })
    .catch(function (e) { notice.textContent = 'Could not sign in: ' + e.message; notice.hidden = false; });
});
`;

export function plainChatPage(cfg: PageConfig): string {
  return page(
    'Conversations - Assistant',
    cfg,
    `<aside>
  <button type="button" id="new-conversation">New conversation</button>
  <p><input type="text" id="filter" placeholder="Filter conversations" aria-label="Filter conversations"></p>
</aside>
<main>
  <section class="thread" id="thread" aria-live="polite"></section>
  <p id="working" hidden>Assistant is working...</p>
  <div class="composer" id="composer" contenteditable="true" role="textbox" aria-multiline="true" aria-label="Message the assistant"></div>
  <p><button type="button" aria-label="Attach a file">+</button> <small>Enter to send, Shift+Enter for a new line</small></p>
</main>`,
    CHAT_SCRIPT,
  );
}

const CHAT_SCRIPT = `
(function () {
  var cfg = JSON.parse(document.getElementById('reference-config').textContent);
  var token = localStorage.getItem(TOKEN_KEY);
  if (!token) { location.replace(PATHS.signin); return; }
  var thread = document.getElementById('thread'), working = document.getElementById('working'), composer = document.getElementById('composer');
  var ERROR_TYPES = ['agent_error', 'agent_failed', 'agent_fallback', 'agent_death', 'error'];
  var threadId = null, started = false, ws = null, open = false, rootAgent = null;
  var decoder = new TextDecoder('utf-8');

  function turn(kind, text) {
    var el = document.createElement('article');
    el.className = 'turn turn-' + kind;
    el.textContent = text;
    thread.appendChild(el);
  }
  function api(path, body, method) {
    return fetch(cfg.apiUrl + path, {
      method: method || 'POST',
      headers: { 'Authorization': 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify(body || {})
    }).then(function (r) {
      if (r.status === 401) { localStorage.removeItem(TOKEN_KEY); location.replace(PATHS.signin); throw new Error('signed out'); }
      if (!r.ok) { var e = new Error(path + ' answered HTTP ' + r.status); e.status = r.status; throw e; }
      return r.json();
    });
  }
  // The conversation lives in the URL (?c=<thread id>); a reload reads it back.
  function showThread(id) {
    var url = PATHS.chat + '?c=' + encodeURIComponent(id);
    if (location.pathname + location.search !== url) history.replaceState(null, '', url);
  }
  function startThread() {
    return api('/api/threads').then(function (b) { threadId = b.thread_id; started = false; showThread(threadId); });
  }
  function openThread(id) {
    return api('/api/threads/' + encodeURIComponent(id) + '/messages?limit=100', null, 'GET').then(function (b) {
      var messages = (b && b.messages) || [];
      threadId = id;
      started = messages.length > 0;
      if (cfg.page.renderHistory !== false) {
        messages.forEach(function (m) {
          if (m.role === 'user' || m.role === 'assistant') turn(m.role, String(m.content == null ? '' : m.content));
        });
      }
      showThread(id);
    });
  }
  function connect() {
    return api('/api/websocket/ticket').then(function (b) {
      ws = new WebSocket(cfg.wsUrl + '/ws?ticket=' + encodeURIComponent(b.ticket));
      ws.binaryType = 'arraybuffer';
      ws.onopen = function () { open = true; };
      ws.onmessage = function (ev) { onFrame(typeof ev.data === 'string' ? ev.data : decoder.decode(ev.data)); };
      ws.onclose = function () { open = false; working.hidden = true; };
    });
  }
  function onFrame(raw) {
    var m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (!m || typeof m !== 'object') return;
    if (m.type === 'ping') { ws.send(JSON.stringify({ type: 'pong', timestamp: Date.now() })); return; }
    var type = m.type, body = m;
    if (m.type === 'system_message' && m.payload) { type = m.event; body = m.payload; }
    if (body.thread_id && body.thread_id !== threadId) return;
    if (ERROR_TYPES.indexOf(type) >= 0) { working.hidden = true; return; }
    var agent = typeof body.agent_name === 'string' ? body.agent_name.toLowerCase() : null;
    if (type === 'agent_started' && rootAgent === null) rootAgent = agent || '';
    if (type === 'agent_completed' && (!agent || agent === rootAgent)) { working.hidden = true; return; }
    var p = body.payload || body.data || {};
    if (type === cfg.answerIn && cfg.page.renderAnswer !== false) {
      var text = type === 'final_report' ? p.executive_summary : p.content;
      turn('assistant', typeof cfg.page.answerText === 'string' ? cfg.page.answerText : String(text == null ? '' : text));
    }
  }
  function send() {
    var text = composer.innerText.trim();
    if (!text || !threadId || !open) return;
    composer.textContent = '';
    turn('user', text);
    rootAgent = null;
    working.hidden = false;
    if (cfg.sendOver === 'rest') {
      api('/api/agent/v2/execute', { request_id: 'req-' + Date.now().toString(36), message: text, thread_id: threadId })
        .catch(function (e) { working.hidden = true; turn('error', 'Not sent: ' + e.message); });
      return;
    }
    var frame = started
      ? { type: 'user_message', payload: { content: text, thread_id: threadId } }
      : { type: 'start_agent', payload: { user_request: text, thread_id: threadId } };
    started = true;
    ws.send(JSON.stringify(frame));
  }
  composer.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter' || ev.shiftKey) return;
    ev.preventDefault();
    if (!cfg.page.deadSendButton) send();
  });
  document.getElementById('new-conversation').addEventListener('click', function () {
    thread.textContent = '';
    startThread().catch(function (e) { if (e.message !== 'signed out') turn('error', e.message); });
  });
  var fromUrl = new URLSearchParams(location.search).get('c');
  (fromUrl ? openThread(fromUrl).catch(function (e) { if (e.status !== 404) throw e; return startThread(); }) : startThread())
    .then(function () { return connect(); })
    .catch(function (e) { if (e.message !== 'signed out') turn('error', e.message); });
})();
`;
