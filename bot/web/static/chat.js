/* Tekkie web chat: plain JavaScript, no dependencies, no build step.
   Server text is only ever inserted as text nodes / textContent, never as HTML. */
(() => {
  'use strict';

  const API = '/api/webchat/messages';
  const ID_KEY = 'tekkie.sender_id';
  const HISTORY_KEY = 'tekkie.history';
  const MAX_ITEMS = 100;      // rendered items kept for restoring after a reload
  const TIMEOUT_MS = 30000;   // a request hanging longer counts as "not reachable"
  const COUNT_FROM = 900;     // show the character counter from this length on
  const POLL_MS = 15000;      // how often to fetch messages sent outside a reply (reminders)
  const OFFLINE = 'Tekkie is even niet bereikbaar. Probeer het zo nog eens. / ' +
    "Tekkie can't be reached right now. Please try again in a moment.";
  const GENERIC = 'Er ging iets mis. Probeer het zo nog eens. / Something went wrong. Please try again in a moment.';

  const $ = (id) => document.getElementById(id);
  const log = $('chat-log');
  const form = $('chat-form');
  const input = $('chat-input');
  const sendBtn = $('chat-send');
  const typing = $('chat-typing');
  const counter = $('chat-count');
  const locale = navigator.language || 'nl';

  // Storage may be unavailable (private mode, blocked storage): fall back to memory.
  const memory = {};
  function save(key, value) {
    memory[key] = value;
    try { localStorage.setItem(key, value); } catch (e) { /* memory only */ }
  }
  function load(key) {
    if (key in memory) return memory[key];
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  // randomUUID only exists in secure contexts (https / localhost), hence the fallback.
  function newId() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  let senderId = load(ID_KEY);
  let history = [];
  let busy = false;
  let seq = 0; // request counter: only the most recent request may end "busy"

  // History is stored together with its sender_id, so it never leaks into another conversation.
  function readHistory() {
    try {
      const h = JSON.parse(load(HISTORY_KEY));
      if (h && h.sid === senderId && Array.isArray(h.items)) return h.items.slice(-MAX_ITEMS);
    } catch (e) { /* corrupt entry: start empty */ }
    return [];
  }
  function writeHistory() {
    save(HISTORY_KEY, JSON.stringify({ sid: senderId, items: history }));
  }
  function remember(item) {
    history.push(item);
    history = history.slice(-MAX_ITEMS);
    writeHistory();
  }

  // Append text to `parent`: newlines become <br>, http(s) URLs become safe links.
  const URL_RE = /https?:\/\/[^\s<>"]+/gi;
  function appendRichText(parent, text) {
    text.split(/\r?\n/).forEach((line, i) => {
      if (i) parent.appendChild(document.createElement('br'));
      let last = 0;
      for (const m of line.matchAll(URL_RE)) {
        // keep trailing punctuation ("see https://example.nl.") outside the link
        const url = m[0].replace(/[.,;:!?'")\]]+$/, '');
        parent.appendChild(document.createTextNode(line.slice(last, m.index)));
        const a = document.createElement('a');
        a.href = url;
        a.textContent = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        parent.appendChild(a);
        last = m.index + url.length;
      }
      parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  // item: {type: 'bot' | 'user' | 'notice', text: string, buttons?: [{title, payload}]}
  function render(item) {
    const el = document.createElement('div');
    el.className = 'msg msg-' + item.type;
    if (item.text) {
      const p = document.createElement('p');
      p.className = 'bubble';
      appendRichText(p, item.text);
      el.appendChild(p);
    }
    if (item.buttons && item.buttons.length) {
      const group = document.createElement('div');
      group.className = 'msg-buttons';
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', 'Keuzes / Choices');
      for (const b of item.buttons) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'chat-button';
        btn.textContent = b.title;
        btn.dataset.payload = b.payload;
        group.appendChild(btn);
      }
      el.appendChild(group);
    }
    log.appendChild(el);
    scrollDown();
    return el;
  }

  const notice = (text) => render({ type: 'notice', text });
  const scrollDown = () => { log.scrollTop = log.scrollHeight; };

  // Older button groups stay clickable but look secondary.
  function fadeButtons(els) {
    els.forEach((el) => el.querySelectorAll('.msg-buttons').forEach((g) => g.classList.add('is-old')));
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    typing.hidden = !on;
    if (on) scrollDown();
  }

  // Put text back into an (empty) input so nothing the user typed gets lost.
  function giveBack(text) {
    if (text && !input.value) {
      input.value = text;
      updateInput();
    }
  }

  // body: {text} or {payload}; shown: text for the user's bubble (none for the hidden greeting);
  // typed: the raw input, restored into the textarea if sending fails.
  async function send(body, shown, typed) {
    const sid = senderId;
    const mine = ++seq;
    const userEl = shown ? render({ type: 'user', text: shown }) : null;
    setBusy(true);
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(API, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(Object.assign({ sender_id: sid }, body, { locale })),
        signal: ctrl.signal,
      });
      const data = await res.json().catch(() => null);
      if (sid !== senderId) return; // a new conversation was started meanwhile
      if (!res.ok || !data) {
        const detail = data && typeof data.detail === 'string' && data.detail.trim();
        if (userEl) userEl.classList.add('is-unsent');
        notice(detail || GENERIC);
        giveBack(typed);
        return;
      }
      if (shown) remember({ type: 'user', text: shown });
      fadeButtons(Array.from(log.children));
      showBotMessages(data.messages);
      setTimeout(poll, 3000); // a confirmation usually follows a booking within seconds
    } catch (e) {
      // fetch threw (offline, DNS, CORS, timeout): the server could not be reached
      if (sid !== senderId) return;
      if (userEl) userEl.classList.add('is-unsent');
      notice(OFFLINE);
      giveBack(typed);
    } finally {
      clearTimeout(timer);
      if (mine === seq) setBusy(false);
    }
  }

  // Show bot messages from the server (a reply, or the inbox of confirmations and reminders).
  function showBotMessages(messages) {
    for (const m of Array.isArray(messages) ? messages : []) {
      const item = {
        type: 'bot',
        text: m && typeof m.text === 'string' ? m.text : '',
        buttons: (m && Array.isArray(m.buttons) ? m.buttons : [])
          .filter((b) => b && typeof b.payload === 'string')
          .map((b) => ({ title: String(b.title || b.payload), payload: b.payload })),
      };
      if (!item.text && !item.buttons.length) continue;
      render(item);
      remember(item);
    }
  }

  // Messages Tekkie sends later (a booking confirmation, reminders) wait in an inbox.
  async function poll() {
    const sid = senderId;
    try {
      const res = await fetch(API + '?sender_id=' + encodeURIComponent(sid));
      const data = res.ok ? await res.json() : null;
      if (data && sid === senderId && Array.isArray(data.messages) && data.messages.length) {
        fadeButtons(Array.from(log.children));
        showBotMessages(data.messages);
      }
    } catch (e) { /* offline: try again at the next poll */ }
  }

  // Hidden first message so Tekkie speaks first.
  function greet() {
    send({ text: locale.toLowerCase().startsWith('nl') ? 'hoi' : 'hello' });
  }

  function startConversation() {
    senderId = newId();
    save(ID_KEY, senderId);
    history = [];
    writeHistory();
    log.textContent = '';
    greet();
  }

  // Grow the textarea with its content (CSS caps it at ~5 lines) and update the counter.
  function updateInput() {
    input.style.height = 'auto';
    input.style.height = input.scrollHeight + (input.offsetHeight - input.clientHeight) + 'px';
    const n = input.value.length;
    counter.hidden = n < COUNT_FROM;
    counter.textContent = n + ' / ' + (input.maxLength > 0 ? input.maxLength : 1000);
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = input.value;
    const text = raw.trim();
    if (!text || busy) return;
    input.value = '';
    updateInput();
    send({ text }, text, raw);
  });

  input.addEventListener('keydown', (e) => {
    // Enter sends, Shift+Enter is a newline; never send while an IME is composing text.
    if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    if (typeof form.requestSubmit === 'function') form.requestSubmit();
    else form.dispatchEvent(new Event('submit', { cancelable: true }));
  });
  input.addEventListener('input', updateInput);

  // One listener for all quick-reply buttons, old and new.
  log.addEventListener('click', (e) => {
    const btn = e.target.closest('.chat-button');
    if (!btn || busy) return;
    send({ payload: btn.dataset.payload }, btn.textContent);
  });

  $('chat-new').addEventListener('click', startConversation);

  // Start: new conversation, or restore the visible history of the existing one.
  if (!senderId) {
    startConversation();
  } else {
    history = readHistory();
    history.forEach(render);
    // only the last run of bot messages (the latest reply) keeps prominent buttons
    const els = Array.from(log.children);
    let i = els.length;
    while (i > 0 && els[i - 1].classList.contains('msg-bot')) i--;
    fadeButtons(els.slice(0, i));
    if (!history.length) greet(); // nothing to show (e.g. the greeting failed): greet again
  }
  updateInput();
  setInterval(poll, POLL_MS);
})();
