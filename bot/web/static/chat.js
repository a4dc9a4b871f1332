// Web chat client: sends text, button payloads and QR photos to /api/chat; renders replies
// with textContent only (never innerHTML), so nothing a reply holds can run as markup.
"use strict";
(function () {
  const T = JSON.parse(document.getElementById("texts").textContent);
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const photo = document.getElementById("photo");
  const status = document.getElementById("status");
  const SESSION_KEY = "motcua.session";
  const PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;
  const URL_RE = /(https?:\/\/[^\s<>"')\]]+)/g;

  function newSession() {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
  }

  function session() {
    try {
      let id = localStorage.getItem(SESSION_KEY);
      if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
        id = newSession();
        localStorage.setItem(SESSION_KEY, id);
      }
      return id;
    } catch (e) {  // storage disabled: one session per page load
      window.__motcuaSession = window.__motcuaSession || newSession();
      return window.__motcuaSession;
    }
  }

  function appendText(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      parent.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.append(a);
      last = match.index + match[0].length;
    }
    parent.append(text.slice(last));
  }

  function bubble(who, text) {
    const p = document.createElement("div");
    p.className = "msg " + who;
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = (who === "user" ? T.you : T.bot) + ": ";
    p.append(label);
    appendText(p, text);
    log.append(p);
    return p;
  }

  function renderButtons(container, buttons) {
    if (!buttons || !buttons.length) return;
    const group = document.createElement("div");
    group.className = "buttons";
    for (const b of buttons) {
      let el;
      if (b.url) {
        el = document.createElement("a");
        el.href = b.url;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      } else {
        el = document.createElement("button");
        el.type = "button";
        el.addEventListener("click", () => ask({ payload: b.payload }, b.label));
      }
      el.textContent = b.label;
      group.append(el);
    }
    container.append(group);
  }

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function busy(on) {
    sendButton.disabled = on;
    status.textContent = on ? T.sending : "";
  }

  async function post(url, init) {
    let first = null;
    busy(true);
    try {
      const response = await fetch(url, init);
      const data = await response.json();
      if (data.replies) {
        for (const reply of data.replies) {
          const shown = bubble("bot", reply.text);
          renderButtons(shown, reply.buttons);
          first = first || shown;
        }
      } else {
        first = bubble("bot", data.error || T.offline);
      }
    } catch (e) {
      first = bubble("bot", T.offline);
    } finally {
      busy(false);
      // Long answers are read from their start; short ones end up at the bottom anyway.
      if (first) log.scrollTop = first.offsetTop - log.offsetTop - 8;
    }
  }

  function ask(body, shown) {
    if (shown) bubble("user", shown);
    scrollDown();
    body.session = session();
    return post("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || sendButton.disabled) return;
    input.value = "";
    ask({ text: text }, text).then(() => input.focus());
  });

  photo.addEventListener("change", () => {
    const file = photo.files && photo.files[0];
    if (!file) return;
    bubble("user", T.photo_sent);
    const data = new FormData();
    data.append("session", session());
    data.append("image", file);
    photo.value = "";
    post("/api/chat/image", { method: "POST", body: data });
  });

  // A printed QR code can open a procedure (?p=1.001193) or a dossier (?d=<token>).
  const params = new URLSearchParams(window.location.search);
  let payload = null;
  if (params.get("p")) payload = T.open_procedure + params.get("p").trim().replace(/\./g, "-");
  else if (params.get("d")) payload = T.open_dossier + params.get("d").trim();
  if (payload && PAYLOAD.test(payload)) {
    history.replaceState(null, "", window.location.pathname);
    ask({ payload: payload }).then(checkInbox);
  } else {
    ask({ text: "/start" }).then(checkInbox);
  }

  // Messages pushed to this conversation (an officer answering "Hỏi cán bộ"): fetched when
  // the page opens, then every 20 s while it is visible; the last id shown is remembered.
  const INBOX_KEY = "motcua.inbox";
  let seenHere = 0;
  function lastSeen() {
    try {
      const [owner, id] = (localStorage.getItem(INBOX_KEY) || "").split(":");
      return owner === session() ? Number(id) || 0 : 0;
    } catch (e) {
      return seenHere;
    }
  }
  function remember(id) {
    seenHere = id;
    try { localStorage.setItem(INBOX_KEY, session() + ":" + id); } catch (e) { /* kept in memory */ }
  }
  async function checkInbox() {
    if (document.hidden) return;
    try {
      const response = await fetch("/api/chat/inbox", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session: session(), after: lastSeen() }),
      });
      if (!response.ok) return;
      const data = await response.json();
      for (const message of data.messages || []) {
        for (const reply of message.replies) {
          const shown = bubble("bot", reply.text);
          shown.classList.add("pushed");
          renderButtons(shown, reply.buttons);
        }
        remember(message.id);
        scrollDown();
      }
    } catch (e) { /* offline: the next check tries again */ }
  }
  setInterval(checkInbox, 20000);
  document.addEventListener("visibilitychange", checkInbox);
})();
