// Swayam web chat: sign in, then chat over /ws/chat.
//
// Every piece of data is put on the page with textContent or as an attribute
// value, never parsed as HTML: messages, payee names and merchants are text.
// Tokens live in sessionStorage (gone when the tab closes), never in a URL.
"use strict";

(() => {
  const STORE = "swayam.session";
  const CONVERSATION = "swayam.conversation";
  const PING_MS = 25000;
  const MAX_BACKOFF_MS = 30000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    loginView: $("login-view"), loginForm: $("login-form"), username: $("username"),
    password: $("password"), loginError: $("login-error"), loginButton: $("login-button"),
    chatView: $("chat-view"), log: $("log"), typing: $("typing"), composer: $("composer"),
    message: $("message"), send: $("send"), status: $("status"), logout: $("logout"),
    linkTelegram: $("link-telegram"),
  };

  let session = load(STORE);            // {access, refresh, expiresAt}
  let conversationId = sessionStorage.getItem(CONVERSATION);
  let ws = null;
  let ready = false;
  let attempts = 0;
  let reconnectTimer = null;
  let refreshTimer = null;
  let pingTimer = null;
  const labels = new Map();             // button payload -> label, to show history

  function load(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch { return null; }
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(text) { ui.status.textContent = text; }

  function setReady(value) {
    ready = value;
    ui.send.disabled = !value;
  }

  // -- sign-in and tokens -------------------------------------------------------

  async function api(method, path, body, token) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = "Bearer " + token;
    const resp = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store",
    });
    const data = resp.status === 204 ? null : await resp.json().catch(() => null);
    if (!resp.ok) {
      const err = new Error((data && data.error && data.error.message) || resp.statusText);
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  function keep(pair) {
    session = {
      access: pair.access_token,
      refresh: pair.refresh_token,
      expiresAt: Date.now() + pair.expires_in * 1000,
    };
    sessionStorage.setItem(STORE, JSON.stringify(session));
    scheduleRefresh();
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    if (!session) return;
    // Refresh at 80% of the access token's life, so it never expires mid-turn.
    const left = session.expiresAt - Date.now();
    refreshTimer = setTimeout(refresh, Math.max(1000, left * 0.8));
  }

  async function refresh() {
    if (!session) return false;
    try {
      keep(await api("POST", "/api/v1/auth/refresh", { refresh_token: session.refresh }));
    } catch (err) {
      if (err.status === 401 || err.status === 422) {
        signedOut(err.message);
      } else {
        refreshTimer = setTimeout(refresh, 5000);  // offline: try again soon
      }
      return false;
    }
    if (ws && ready) send({ type: "auth", token: session.access });
    return true;
  }

  ui.loginForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.loginError.textContent = "";
    ui.loginButton.disabled = true;
    try {
      keep(await api("POST", "/api/v1/auth/login", {
        username: ui.username.value.trim(), password: ui.password.value,
      }));
      ui.password.value = "";
      showChat();
    } catch (err) {
      ui.loginError.textContent = err.message || "Could not sign in.";
      ui.password.focus();
    } finally {
      ui.loginButton.disabled = false;
    }
  });

  ui.logout.addEventListener("click", async () => {
    const token = session && session.access;
    signedOut("You have signed out.");
    if (token) {
      try { await api("POST", "/api/v1/auth/logout", undefined, token); } catch { /* gone */ }
    }
  });

  // A one-time code to send to the bot as "/start CODE" (or a deep link).
  ui.linkTelegram.addEventListener("click", async () => {
    try {
      const issued = await api("POST", "/api/v1/telegram/link-code", undefined, session.access);
      const box = el("div", "msg bot");
      const until = new Date(issued.expires_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      box.append(el("p", "", `To link Telegram, send ${issued.start_command} to the Swayam bot before ${until}. The code works once.`));
      if (typeof issued.deep_link === "string" && issued.deep_link.startsWith("https://t.me/")) {
        const open = el("a", "", "Open in Telegram");
        open.href = issued.deep_link;
        open.target = "_blank";
        open.rel = "noopener noreferrer";
        box.append(open);
      }
      append(box);
    } catch (err) {
      system("Could not get a link code: " + err.message, true);
    }
  });

  function signedOut(reason) {
    session = null;
    conversationId = null;
    sessionStorage.removeItem(STORE);
    sessionStorage.removeItem(CONVERSATION);
    clearTimeout(refreshTimer);
    clearTimeout(reconnectTimer);
    disconnect();
    ui.log.replaceChildren();
    labels.clear();
    ui.chatView.hidden = true;
    ui.logout.hidden = true;
    ui.linkTelegram.hidden = true;
    ui.loginView.hidden = false;
    ui.loginError.textContent = reason || "";
    setStatus("");
    ui.username.focus();
  }

  function showChat() {
    ui.loginView.hidden = true;
    ui.chatView.hidden = false;
    ui.logout.hidden = false;
    ui.linkTelegram.hidden = false;
    setReady(false);
    connect();
    ui.message.focus();
  }

  // -- the WebSocket ----------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    if (!session) return;
    setStatus(attempts ? "Reconnecting…" : "Connecting…");
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(scheme + "//" + location.host + "/ws/chat");
    ws = socket;
    socket.addEventListener("open", () => send({ type: "auth", token: session.access }));
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (ws !== socket) return;  // an older socket we already replaced
      ws = null;
      setReady(false);
      showTyping(false);
      clearInterval(pingTimer);
      onClose(event.code);
    });
  }

  function disconnect() {
    clearInterval(pingTimer);
    const socket = ws;
    ws = null;
    setReady(false);
    if (socket) socket.close(1000, "bye");
  }

  async function onClose(code) {
    if (!session) return;
    if (code === 4401) {
      // The access token expired or was refused: refresh once, then try again.
      if (await refresh()) { attempts += 1; connect(); }
      return;
    }
    if (code === 4403) {
      system("This page may not chat with Swayam (" + code + ").", true);
      setStatus("Disconnected");
      return;
    }
    // Dropped: back off 0.5 s, 1 s, 2 s, … up to 30 s, with jitter.
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
    attempts += 1;
    setStatus("Offline, reconnecting…");
    reconnectTimer = setTimeout(connect, code === 4429 ? Math.max(delay, 10000) : delay);
  }

  function send(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "ready":
        attempts = 0;
        // Counted so tests (and curious people) can see a reconnect happened.
        document.body.dataset.connections = String(Number(document.body.dataset.connections || 0) + 1);
        setReady(true);
        setStatus("Online");
        clearInterval(pingTimer);
        pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
        if (!ui.log.childElementCount) {
          if (conversationId) loadHistory();
          else system("Hi " + frame.customer.first_name + "! Ask me about your money.");
        }
        break;
      case "typing":
        showTyping(Boolean(frame.state));
        break;
      case "reply":
        conversationId = frame.conversation_id;
        sessionStorage.setItem(CONVERSATION, conversationId);
        showTyping(false);
        frame.replies.forEach((r) => addReply(r, "bot"));
        break;
      case "push":
        frame.replies.forEach((r) => addReply(r, "bot push"));
        break;
      case "error":
        if (frame.code === "conversation_not_found") {
          conversationId = null;
          sessionStorage.removeItem(CONVERSATION);
        }
        system(frame.message, true);
        break;
      default:
        break;  // pong, or something newer than this page
    }
  }

  // -- rendering ------------------------------------------------------------------

  function append(node) {
    const item = el("li");
    item.append(node);
    ui.log.append(item);
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function system(text, isError) {
    append(el("div", "msg system" + (isError ? " error" : ""), text));
  }

  function addMine(text) {
    append(el("div", "msg me", text));
  }

  // Charts are the customer's own data: fetched with the access token (an <img>
  // cannot send one) and shown from a blob URL.
  async function showChart(img, url) {
    if (!url.startsWith("/charts/")) return;
    try {
      const resp = await fetch(url, {
        headers: { "Authorization": "Bearer " + (session ? session.access : "") },
        credentials: "omit",
      });
      if (!resp.ok) throw new Error(resp.statusText);
      img.src = URL.createObjectURL(await resp.blob());
    } catch (err) {
      img.replaceWith(el("p", "note", "The chart could not be loaded."));
    }
  }

  function addReply(reply, className) {
    const box = el("div", "msg " + className);
    box.append(el("p", "", reply.text));
    for (const card of reply.cards || []) {
      const list = el("dl");
      list.append(el("div", "title", card.title));
      for (const row of card.rows || []) {
        list.append(el("dt", "", row.label), el("dd", "", row.value));
      }
      box.append(list);
    }
    if (reply.image_url) {
      const img = el("img");
      img.alt = "Chart: " + reply.text;
      box.append(img);
      showChart(img, reply.image_url);
    }
    if (reply.buttons && reply.buttons.length) {
      const row = el("div", "actions");
      for (const b of reply.buttons) {
        labels.set(b.payload, b.label);
        const button = el("button", "", b.label);
        button.type = "button";
        button.addEventListener("click", () => {
          if (!ready) return;
          row.querySelectorAll("button").forEach((x) => { x.disabled = true; });
          addMine(b.label);
          turn({ type: "button", payload: b.payload });
        });
        row.append(button);
      }
      box.append(row);
    }
    if (reply.quick_replies && reply.quick_replies.length) {
      const row = el("div", "actions quick");
      for (const text of reply.quick_replies) {
        const button = el("button", "", text);
        button.type = "button";
        button.addEventListener("click", () => say(text));
        row.append(button);
      }
      box.append(row);
    }
    append(box);
  }

  function showTyping(on) { ui.typing.hidden = !on; }

  async function loadHistory() {
    try {
      const conv = await api(
        "GET", "/api/v1/chat/conversations/" + encodeURIComponent(conversationId),
        undefined, session.access,
      );
      for (const m of conv.messages.slice(-50)) {
        if (m.role === "user") {
          const shown = m.text || labels.get(m.payload);
          if (shown) addMine(shown);
        } else {
          (m.replies || []).forEach((r) => addReply(r, "bot"));
        }
      }
    } catch {
      conversationId = null;
      sessionStorage.removeItem(CONVERSATION);
    }
  }

  // -- sending ----------------------------------------------------------------------

  function turn(frame) {
    if (conversationId) frame.conversation_id = conversationId;
    if (!send(frame)) system("Not connected; your message was not sent.", true);
  }

  function say(text) {
    if (!ready || !text) return;
    addMine(text);
    turn({ type: "message", text });
  }

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.message.value.trim();
    if (!text || !ready) return;
    ui.message.value = "";
    say(text);
    ui.message.focus();
  });

  if (session && session.access) {
    scheduleRefresh();
    showChat();
  } else {
    ui.username.focus();
  }
})();
