// emitron console: plain JavaScript over the public HTTP protocol, paths relative to this page.
(function () {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const MAX_ROWS = 500;
  let source = null;
  let count = 0;
  const listening = new Set();

  function topicPath(topic) {
    return topic.split('/').map(encodeURIComponent).join('/');
  }

  function url(path, params) {
    const u = new URL(path, document.baseURI);
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== '' && v !== null && v !== undefined) u.searchParams.set(k, v);
    }
    return u.toString();
  }

  function authHeaders() {
    const token = $('token').value.trim();
    return token ? { Authorization: 'Bearer ' + token } : {};
  }

  function setStatus(text, cls) {
    const el = $('status');
    el.textContent = text;
    el.className = 'status ' + cls;
  }

  function addRow(id, name, data, cls) {
    const row = document.createElement('tr');
    row.className = 'event' + (cls ? ' ' + cls : '');
    row.dataset.id = id;
    row.dataset.event = name;
    const cells = [new Date().toLocaleTimeString(), id || '–', name, data];
    ['time', 'id', 'name', 'data'].forEach((c, i) => {
      const td = document.createElement('td');
      td.className = c;
      td.textContent = cells[i];
      row.appendChild(td);
    });
    const body = $('events');
    body.insertBefore(row, body.firstChild);
    while (body.children.length > MAX_ROWS) body.removeChild(body.lastChild);
    count++;
    $('count').textContent = String(count);
  }

  function onEvent(e) {
    $('last-id').textContent = e.lastEventId || '–';
    addRow(e.lastEventId, e.type, e.data, e.type === 'emitron.gap' ? 'gap' : '');
  }

  function listen(name) {
    if (source && name && !listening.has(name)) {
      listening.add(name);
      source.addEventListener(name, onEvent);
    }
  }

  function connect() {
    disconnect();
    const topic = $('topic').value.trim();
    if (!topic) return;
    const params = { replay: $('replay').value.trim(), access_token: $('token').value.trim() };
    // The browser reconnects by itself after a dropped connection, sending Last-Event-ID.
    source = new EventSource(url('sub/' + topicPath(topic), params));
    listening.clear();
    setStatus('connecting', 'connecting');
    source.onopen = () => setStatus('open: ' + topic, 'open');
    source.onmessage = onEvent;
    source.addEventListener('emitron.gap', onEvent);
    $('names').value.split(',').map((n) => n.trim()).forEach(listen);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setStatus('closed (the server refused the stream)', 'closed');
        $('connect').disabled = false;
        $('disconnect').disabled = true;
      } else {
        setStatus('reconnecting…', 'reconnecting');
      }
    };
    $('connect').disabled = false;
    $('disconnect').disabled = false;
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
      setStatus('not connected', 'idle');
    }
    $('disconnect').disabled = true;
  }

  function showResult(text, ok) {
    const el = $('publish-result');
    el.textContent = text;
    el.className = 'result ' + (ok ? 'ok' : 'error');
  }

  async function publish() {
    const topic = $('topic').value.trim();
    let data;
    try {
      data = JSON.parse($('publish-data').value);
    } catch (err) {
      showResult('data is not valid JSON: ' + err.message, false);
      return;
    }
    const body = { data };
    const name = $('publish-event').value.trim();
    if (name) {
      body.event = name;
      listen(name);
    }
    try {
      const response = await fetch(url('pub/' + topicPath(topic)), {
        method: 'POST',
        headers: Object.assign({ 'Content-Type': 'application/json' }, authHeaders()),
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      showResult(response.ok ? 'published ' + answer.id + ' to ' + answer.queue
        : response.status + ' ' + answer.error + ': ' + answer.message, response.ok);
    } catch (err) {
      showResult('publish failed: ' + err.message, false);
    }
  }

  async function clearBuffer() {
    const topic = $('topic').value.trim();
    try {
      const response = await fetch(url('buffer/' + topicPath(topic)), { method: 'DELETE', headers: authHeaders() });
      const answer = await response.json();
      showResult(response.ok ? answer.message : response.status + ' ' + answer.error + ': ' + answer.message, response.ok);
    } catch (err) {
      showResult('clear failed: ' + err.message, false);
    }
  }

  async function health() {
    const badge = $('health');
    try {
      const response = await fetch(url('health'), { cache: 'no-store' });
      const answer = await response.json();
      badge.textContent = (answer.ok ? 'up' : 'down') + ' · ' + answer.transport
        + (answer.redis ? ' · redis ' + answer.redis : '');
      badge.className = 'badge ' + (answer.ok ? 'up' : 'down');
      $('streams').textContent = answer.streams === undefined ? '–' : String(answer.streams);
    } catch (err) {
      badge.textContent = 'unreachable';
      badge.className = 'badge down';
      $('streams').textContent = '–';
    }
  }

  $('subscribe-form').addEventListener('submit', (e) => { e.preventDefault(); connect(); });
  $('disconnect').addEventListener('click', disconnect);
  $('publish-form').addEventListener('submit', (e) => { e.preventDefault(); publish(); });
  $('clear-buffer').addEventListener('click', clearBuffer);
  $('clear-list').addEventListener('click', () => { $('events').textContent = ''; count = 0; $('count').textContent = '0'; });

  const query = new URLSearchParams(location.search);
  if (query.get('topic')) {
    $('topic').value = query.get('topic');
    connect();
  }
  health();
  setInterval(health, 2000);
})();
