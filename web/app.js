// chatroom's web window: one page, no framework. It speaks the JSON-lines protocol of
// docs/PROTOCOL.md ("Structured mode"), one message per WebSocket text frame, at /chat.
// Text from others only ever goes into the page as text (textContent, text nodes), never as markup.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  const ui = {
    status: $("status"),
    statusText: $("status-text"),
    statusAnnounce: $("status-announce"),
    reconnectNow: $("reconnect-now"),
    signinScreen: $("signin-screen"),
    signin: $("signin"),
    name: $("name"),
    password: $("password"),
    join: $("join"),
    signinError: $("signin-error"),
    chat: $("chat"),
    panelToggle: $("panel-toggle"),
    roomName: $("room-name"),
    topic: $("topic"),
    me: $("me"),
    signout: $("signout"),
    rooms: $("rooms"),
    joinRoom: $("join-room"),
    roomInput: $("room-input"),
    roomDirectory: $("room-directory"),
    otherRooms: $("other-rooms"),
    otherRoomsHeading: $("other-rooms-heading"),
    members: $("members"),
    memberCount: $("member-count"),
    messages: $("messages"),
    jumpDown: $("jump-down"),
    errors: $("errors"),
    compose: $("compose"),
    entry: $("entry"),
    send: $("send"),
    byteCount: $("byte-count"),
  };

  const NAME_KEY = "chatroom.name";
  const MAX_ITEMS_PER_CONVERSATION = 2000;
  const MAX_ERRORS_SHOWN = 4;
  const BACKOFF_FIRST_MS = 500;
  const BACKOFF_MAX_MS = 10000;
  const QUIET_PING_MS = 45000;
  const PONG_WAIT_MS = 20000;

  // Errors that refuse a text the user typed: the text goes back into the entry.
  const TEXT_REFUSALS = new Set([
    "line_too_long", "rate_limited", "muted", "empty_message", "not_stored", "watch_only", "no_such_name",
  ]);
  // Errors to a hello after which trying again by itself cannot help: back to the sign-in screen.
  const FINAL_HELLO_ERRORS = new Set([
    "name_reserved", "password_required", "wrong_password", "no_such_account", "account_required",
    "plaintext_password", "banned", "kicked", "unsupported_protocol", "name_timeout",
  ]);
  // (Other errors to a reconnect's hello, as server_full, are tried again by themselves.)
  // Words for web users where the server's assume a terminal.
  const FRIENDLY_CHAT_WORDS = {
    last_room: "This is your only room, so you cannot leave it: join another room first, or press Leave at the top to leave the chat.",
  };
  // Words for the sign-in screen, plainer than the server's.
  const FRIENDLY_SIGNIN_WORDS = {
    password_required: "This name is registered. Type its password, then press Join.",
    wrong_password: "That password is not right for this name. Try again, or choose another name.",
    account_required: "This server admits registered names only. Ask its operator for an account.",
    no_such_account: "Nobody registered this name, so it needs no password: leave the password empty.",
  };

  // ---- State -------------------------------------------------------------------------------

  const state = {
    socket: null,
    phase: "signin", // signin | hello | chat
    everWelcomed: false,
    name: "", // the name the server gave us
    password: "", // kept in memory only, for reconnecting to a registered name
    token: null,
    maxMessageBytes: 4096,
    conversations: new Map(), // key → conversation (rooms by lower-case name, private ones as "@name")
    order: [], // keys in the order shown
    current: null, // key of the conversation on screen
    lastRoom: null, // key of the last room (not private) on screen: the hello's current room
    privateAfter: 0,
    privateSeen: new Set(),
    directory: [], // the server's rooms, from the last `rooms` answer
    pending: [], // texts sent and not yet echoed: {kind, key, text, sentAt}
    wantJoin: new Set(), // rooms the user asked to join (their `joined` makes them current)
    wantWho: new Set(), // rooms whose `who` answer the user asked to see
    wantTopic: new Set(),
    wantRooms: false,
    reconnectAttempt: 0,
    reconnectTimer: null,
    countdownTimer: null,
    reconnectAt: 0,
    reconnectedAt: 0, // when the socket of the current reconnect opened
    quitting: false,
    lastHeard: 0,
    pingSentAt: 0,
    watchdog: null,
    stayAtBottom: true,
  };

  const encoder = new TextEncoder();
  const byteLength = (text) => encoder.encode(text).length;

  // ---- Small helpers ------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function hueOf(name) {
    // FNV-1a over the lower-cased name: the same name always gets the same colour.
    let hash = 0x811c9dc5;
    const lower = String(name).toLowerCase();
    for (let i = 0; i < lower.length; i++) {
      hash ^= lower.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash % 360;
  }

  function nameSpan(name, className) {
    const span = el("span", className || "name", name);
    span.style.setProperty("--hue", String(hueOf(name)));
    return span;
  }

  function pad2(n) { return n < 10 ? "0" + n : String(n); }

  function timeElement(iso) {
    const t = el("time", "time");
    const date = iso ? new Date(iso) : new Date();
    if (!isNaN(date.getTime())) {
      t.textContent = pad2(date.getHours()) + ":" + pad2(date.getMinutes());
      t.dateTime = date.toISOString();
      t.title = date.toLocaleString(undefined, {
        weekday: "short", year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
      });
    }
    return t;
  }

  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/g;

  // Appends `text` to `parent`, with web addresses made into links (http and https only).
  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      let url = match[0].replace(/[.,;:!?)\]}'"]+$/, "");
      if (match.index > last) parent.append(text.slice(last, match.index));
      let parsed = null;
      try { parsed = new URL(url); } catch (_) { parsed = null; }
      if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
        const a = el("a", null, url);
        a.href = parsed.href;
        a.target = "_blank";
        a.rel = "noopener noreferrer nofollow";
        parent.append(a);
      } else {
        parent.append(url);
      }
      last = match.index + url.length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function roomKey(room) { return String(room).replace(/^#/, "").toLowerCase(); }
  function privateKey(name) { return "@" + String(name).toLowerCase(); }
  function sameName(a, b) { return String(a).toLowerCase() === String(b).toLowerCase(); }

  // ---- Conversations (rooms and private talks) ----------------------------------------------

  function conversation(key, create) {
    let conv = state.conversations.get(key);
    if (!conv && create) {
      conv = {
        key,
        isPrivate: key.startsWith("@"),
        label: create.label,
        room: create.room, // the room's name as the server spells it, or the other person's name
        items: [],
        seen: new Set(),
        lastId: 0,
        unread: 0,
        members: new Set(),
        topic: "",
        historyShown: false, // a history block is open (separator owed at its end)
        lastDay: null, // the local day of the last event shown
        countHistory: false, // catch-up after a reconnect counts as unread
      };
      state.conversations.set(key, conv);
      state.order.push(key);
      renderRooms();
    }
    return conv;
  }

  function roomConversation(room) {
    const name = String(room).replace(/^#/, "");
    const conv = conversation(roomKey(name), { label: "#" + name, room: name });
    return conv;
  }

  function privateConversation(other) {
    return conversation(privateKey(other), { label: "@" + other, room: other });
  }

  function removeConversation(key) {
    state.conversations.delete(key);
    state.order = state.order.filter((k) => k !== key);
    if (state.current === key) {
      const next = [...state.order].reverse().find((k) => !k.startsWith("@")) || state.order[0] || null;
      switchTo(next);
    }
    if (state.lastRoom === key) state.lastRoom = state.order.find((k) => !k.startsWith("@")) || null;
    renderRooms();
  }

  // `historyComing`: the log stays quiet for screen readers until history_end.
  function switchTo(key, historyComing) {
    if (!key || !state.conversations.has(key)) return;
    state.current = key;
    const conv = state.conversations.get(key);
    if (!conv.isPrivate) state.lastRoom = key;
    conv.unread = 0;
    quietLog();
    ui.messages.replaceChildren(...conv.items);
    if (!historyComing) setTimeout(speakLog, 0);
    state.stayAtBottom = true;
    scrollToBottom();
    ui.jumpDown.hidden = true;
    renderHeader();
    renderMembers();
    renderRooms();
    updateTitle();
    closePanel();
  }

  function renderHeader() {
    const conv = state.conversations.get(state.current);
    if (!conv) {
      ui.roomName.textContent = "";
      ui.topic.textContent = "";
      return;
    }
    if (conv.isPrivate) {
      ui.roomName.textContent = "Private with " + conv.room;
      ui.topic.textContent = "Only you and " + conv.room + " see these messages.";
      ui.entry.placeholder = "Message to " + conv.room + " (private)";
    } else {
      ui.roomName.textContent = conv.label;
      ui.topic.textContent = conv.topic;
      ui.topic.title = conv.topic;
      ui.entry.placeholder = "Message to " + conv.label + " — press Enter to send";
    }
  }

  function renderRooms() {
    const items = state.order.map((key) => {
      const conv = state.conversations.get(key);
      const li = el("li");
      li.dataset.room = conv.isPrivate ? "@" + conv.room : conv.room;
      if (key === state.current) li.classList.add("current");
      const button = el("button");
      button.type = "button";
      const label = el("span", "room-label", conv.label);
      button.append(label);
      if (conv.unread > 0) {
        li.classList.add("has-unread");
        const badge = el("span", "unread", conv.unread > 999 ? "999+" : conv.unread);
        badge.setAttribute("aria-label", conv.unread + " unread");
        button.append(badge);
      }
      if (key === state.current) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => switchTo(key));
      li.append(button);
      return li;
    });
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#rooms li");
    const refocus = focused ? focused.dataset.room : null;
    ui.rooms.replaceChildren(...items);
    let elsewhere = 0;
    for (const conv of state.conversations.values()) if (conv.key !== state.current) elsewhere += conv.unread;
    ui.panelToggle.textContent = "Rooms & people" + (elsewhere > 0 ? " (" + elsewhere + " new)" : "");
    renderOtherRooms();
    if (refocus !== null) {
      const again = [...ui.rooms.children].find((li) => li.dataset.room === refocus);
      if (again) again.querySelector("button").focus();
    }
  }

  // Rooms of the server one is not in, from the last `rooms` answer: a click joins.
  function renderOtherRooms() {
    const others = (state.directory || []).filter((r) => !state.conversations.has(roomKey(r.room)));
    ui.otherRooms.replaceChildren(...others.slice(0, 50).map((r) => {
      const li = el("li");
      li.dataset.room = r.room;
      const button = el("button", null, "#" + r.room);
      button.type = "button";
      button.title = "Join #" + r.room + (r.topic ? ": " + r.topic : "");
      button.append(el("span", "quiet", "(" + r.members + ")"));
      button.addEventListener("click", () => {
        if (!connectedForChat()) {
          showError("Not connected right now: join the room once the connection is back.");
          return;
        }
        joinRoom(r.room);
      });
      li.append(button);
      return li;
    }));
    ui.otherRoomsHeading.hidden = others.length === 0;
  }

  function renderMembers() {
    const conv = state.conversations.get(state.current);
    let names = [];
    if (conv && conv.isPrivate) names = [state.name, conv.room];
    else if (conv) names = [...conv.members];
    names.sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }));
    ui.members.replaceChildren(...names.map((name) => {
      const li = el("li", sameName(name, state.name) ? "self" : null, name);
      li.style.setProperty("--hue", String(hueOf(name)));
      return li;
    }));
    ui.memberCount.textContent = conv ? "(" + names.length + ")" : "";
  }

  function updateTitle() {
    let total = 0;
    for (const conv of state.conversations.values()) total += conv.unread;
    const where = state.conversations.get(state.current);
    document.title = (total > 0 ? "(" + total + ") " : "") + (where ? where.label + " — " : "") + "chatroom";
  }

  // ---- The log -----------------------------------------------------------------------------

  // A screen reader hears new lines as they come (aria-live), not a whole log put on screen at
  // once (a room switched to, a history block).
  function quietLog() { ui.messages.setAttribute("aria-live", "off"); }
  function speakLog() { ui.messages.setAttribute("aria-live", "polite"); }

  function isAtBottom() {
    const m = ui.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 40;
  }

  function scrollToBottom() {
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  function addItem(conv, li) {
    conv.items.push(li);
    let dropped = 0;
    while (conv.items.length > MAX_ITEMS_PER_CONVERSATION) {
      const old = conv.items.shift();
      if (old.parentNode === ui.messages) old.remove();
      dropped++;
    }
    if (conv.key === state.current) {
      const atBottom = isAtBottom();
      ui.messages.append(li);
      if (atBottom || state.stayAtBottom) {
        scrollToBottom();
        state.stayAtBottom = true;
      } else {
        ui.jumpDown.hidden = false;
      }
    }
    return dropped;
  }

  // A line of our own (not an event): notes, the history separator.
  function addNote(conv, text, className) {
    if (!conv) conv = state.conversations.get(state.current);
    if (!conv) return;
    const li = el("li", "note" + (className ? " " + className : ""));
    li.append(timeElement(null), " ", text);
    addItem(conv, li);
  }

  function addSeparator(conv, text) {
    const last = conv.items[conv.items.length - 1];
    if (!last || last.classList.contains("separator")) return;
    const li = el("li", "separator", text);
    li.setAttribute("role", "separator");
    addItem(conv, li);
  }

  function dayOf(date) {
    return date.getFullYear() + "-" + (date.getMonth() + 1) + "-" + date.getDate();
  }

  // A line with the date where the days change (and above the first event when it is not today's),
  // since the times shown are hours and minutes only.
  function markDay(conv, iso) {
    const date = new Date(iso);
    if (isNaN(date.getTime())) return;
    const day = dayOf(date);
    if (day === conv.lastDay) return;
    const first = !conv.lastDay;
    conv.lastDay = day;
    if (first && day === dayOf(new Date())) return;
    const words = day === dayOf(new Date()) ? "Today" : date.toLocaleDateString(undefined, {
      weekday: "long", year: "numeric", month: "long", day: "numeric",
    });
    const li = el("li", "separator day", words);
    li.setAttribute("role", "separator");
    addItem(conv, li);
  }

  function eventWords(event) {
    // The words of docs/PROTOCOL.md (EventWords): one shape for every door.
    const parts = [];
    const name = (n) => parts.push(nameSpan(n));
    const words = (w) => parts.push(el("span", "words", w));
    const text = (t) => {
      const span = el("span", "text");
      appendLinkified(span, t || "");
      parts.push(span);
    };
    const target = (n) => parts.push(nameSpan(n || "?", "target"));
    switch (event.kind) {
      case "message":
        name(event.user);
        if (event.recipient !== undefined && event.recipient !== null) {
          words(" to ");
          target(event.recipient);
          words(": ");
        } else {
          words(" ");
        }
        text(event.text);
        break;
      case "action":
        words("* ");
        name(event.user);
        words(" ");
        text(event.text);
        break;
      case "notice":
        words("-");
        name(event.user);
        if (event.recipient !== undefined && event.recipient !== null) {
          words(" to ");
          target(event.recipient);
        }
        words("- ");
        text(event.text);
        break;
      case "mode":
        name(event.user);
        words(" set mode " + event.text + (event.target ? " " : ""));
        if (event.target) target(event.target);
        text("");
        break;
      case "join":
        name(event.user);
        words(" joined the chat");
        text("");
        break;
      case "leave": {
        name(event.user);
        if (event.reason === "part") words(" left the room");
        else if (event.reason && event.reason !== "quit") words(" left the chat (" + event.reason.replace(/_/g, " ") + ")");
        else words(" left the chat");
        text("");
        break;
      }
      case "topic":
        name(event.user);
        if (event.text) {
          words(" set the topic: ");
          text(event.text);
        } else {
          words(" cleared the topic");
          text("");
        }
        break;
      case "rename":
        name(event.user);
        words(" is now known as ");
        {
          const span = nameSpan(event.text, "text");
          parts.push(span);
        }
        break;
      case "kick":
      case "room_kick":
      case "ban":
      case "unban":
      case "mute":
      case "unmute":
        name(event.user);
        if (event.kind === "kick") { words(" put "); target(event.target); words(" out"); }
        else if (event.kind === "room_kick") { words(" put "); target(event.target); words(" out of the room"); }
        else if (event.kind === "ban") { words(" banned "); target(event.target); }
        else if (event.kind === "unban") { words(" lifted the ban on "); target(event.target); }
        else if (event.kind === "mute") { words(" muted "); target(event.target); }
        else { words(" gave "); target(event.target); words(" their voice back"); }
        if (event.text) words(": ");
        text(event.text);
        break;
      default:
        name(event.user || "?");
        words(" ");
        text(event.text);
    }
    return parts;
  }

  function mentionsMe(text) {
    if (!state.name || !text) return false;
    const escaped = state.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp("(^|[^\\p{L}\\p{N}_])" + escaped + "($|[^\\p{L}\\p{N}_])", "iu").test(text);
  }

  function renderEvent(event, history) {
    const li = el("li", "event");
    li.dataset.id = String(event.id);
    li.dataset.kind = String(event.kind);
    li.classList.add("kind-" + String(event.kind).replace(/[^a-z_-]/gi, ""));
    if (!["message", "action", "notice"].includes(event.kind)) li.classList.add("system");
    if (history) li.classList.add("history");
    const mine = sameName(event.user, state.name);
    if (mine) li.classList.add("mine");
    if (!mine && (event.kind === "message" || event.kind === "action") && mentionsMe(event.text)) {
      li.classList.add("mention");
    }
    li.append(timeElement(event.time), " ", ...eventWords(event));
    return li;
  }

  // ---- Events from the server --------------------------------------------------------------

  function onEvent(event, history) {
    if (!event || typeof event.id !== "number") return;
    const isPrivate = event.room === "" || event.room === undefined && event.recipient;
    let conv;
    if (isPrivate) {
      if (state.privateSeen.has(event.id)) return;
      state.privateSeen.add(event.id);
      state.privateAfter = Math.max(state.privateAfter, event.id);
      const other = sameName(event.user, state.name) ? event.recipient : event.user;
      conv = privateConversation(other || "?");
    } else {
      conv = roomConversation(event.room || currentRoomName() || "main");
      if (conv.seen.has(event.id)) return;
      conv.lastId = Math.max(conv.lastId, event.id);
    }
    conv.seen.add(event.id);

    const mine = sameName(event.user, state.name);
    if (mine && (event.kind === "message" || event.kind === "action")) settlePending(event, conv, history);

    if (!history && !conv.isPrivate && applyMembership(conv, event) === "gone") return;
    if (event.kind === "topic" && !conv.isPrivate) {
      conv.topic = event.text || "";
      if (conv.key === state.current) renderHeader();
    }
    if (history) conv.historyShown = true;

    markDay(conv, event.time);
    addItem(conv, renderEvent(event, history));

    const talk = event.kind === "message" || event.kind === "action";
    if (talk && !mine && conv.key !== state.current && (!history || conv.countHistory)) {
      if (conv.isPrivate && conv.unread === 0 && !history) {
        addNote(null, event.user + " sent you a private message: open " + conv.label + " in the list of rooms to read it.");
      }
      conv.unread++;
      renderRooms();
      updateTitle();
    } else if (talk && !mine && document.hidden) {
      updateTitle();
    }
  }

  function applyMembership(conv, event) {
    let changed = false;
    if (event.kind === "join") {
      conv.members.add(event.user);
      changed = true;
      if (sameName(event.user, state.name)) send({ type: "rooms" });
    } else if (event.kind === "leave") {
      for (const m of conv.members) if (sameName(m, event.user)) conv.members.delete(m);
      changed = true;
      if (sameName(event.user, state.name) && event.reason === "part") {
        removeConversation(conv.key);
        send({ type: "rooms" });
        return "gone";
      }
    } else if (event.kind === "room_kick") {
      for (const m of conv.members) if (sameName(m, event.target)) conv.members.delete(m);
      changed = true;
      if (sameName(event.target, state.name)) {
        removeConversation(conv.key);
        send({ type: "rooms" });
        return "gone";
      }
    } else if (event.kind === "rename") {
      for (const m of conv.members) if (sameName(m, event.user)) conv.members.delete(m);
      conv.members.add(event.text);
      changed = true;
      const old = state.conversations.get(privateKey(event.user));
      if (old && !state.conversations.has(privateKey(event.text))) {
        // The private talk follows the person to their new name.
        state.conversations.delete(old.key);
        old.key = privateKey(event.text);
        old.room = event.text;
        old.label = "@" + event.text;
        state.conversations.set(old.key, old);
        state.order = state.order.map((k) => (k === privateKey(event.user) ? old.key : k));
        if (state.current === privateKey(event.user)) state.current = old.key;
        renderRooms();
        renderHeader();
      }
    }
    if (changed && conv.key === state.current) renderMembers();
    return "here";
  }

  function currentRoomName() {
    const conv = state.conversations.get(state.lastRoom);
    return conv ? conv.room : null;
  }

  // ---- Sending ------------------------------------------------------------------------------

  function send(message) {
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function connectedForChat() {
    return state.phase === "chat" && state.socket && state.socket.readyState === WebSocket.OPEN;
  }

  function sendText(kind, conv, text, extra) {
    const message = { type: kind, text };
    if (kind === "msg") message.to = conv.room;
    else message.room = conv.room;
    if (!send(message)) return false;
    if (state.pending.length >= 50) state.pending.shift();
    state.pending.push({ kind, key: conv.key, text, switchTo: extra && extra.switchTo, sentAt: Date.now() });
    return true;
  }

  // Our own message came back: it was taken.
  function settlePending(event, conv, history) {
    const kind = event.kind === "action" ? "me" : conv.isPrivate ? "msg" : "say";
    let index = state.pending.findIndex((p) => p.kind === kind && p.key === conv.key && p.text === event.text);
    // The server may have neutralised the text (a tab became a space): then the oldest of its kind.
    if (index < 0 && !history) index = state.pending.findIndex((p) => p.kind === kind && p.key === conv.key);
    if (index < 0) return;
    const [done] = state.pending.splice(index, 1);
    if (done.switchTo && state.current !== conv.key) setTimeout(() => switchTo(conv.key), 0);
  }

  // A text was refused: give it back to the user.
  function refusePending(code) {
    if (state.pending.length === 0) return null;
    let index = -1;
    if (code === "line_too_long") {
      index = state.pending.findIndex((p) => byteLength(p.text) > state.maxMessageBytes);
    } else if (code === "no_such_name") {
      index = state.pending.findIndex((p) => p.kind === "msg");
    } else if (code === "empty_message") {
      index = state.pending.findIndex((p) => p.text.trim() === "");
    }
    if (index < 0) index = 0;
    const [refused] = state.pending.splice(index, 1);
    return refused;
  }

  function putBack(text, prefix) {
    const full = (prefix || "") + text;
    if (ui.entry.value === "" || ui.entry.value === full) {
      ui.entry.value = full;
      updateByteCount();
      return true;
    }
    return false;
  }

  function showError(message, putBackText) {
    const li = el("li", "error");
    const span = el("span", "error-text", message);
    li.append(span);
    const actions = el("span", "error-actions");
    if (putBackText !== undefined && putBackText !== null) {
      const again = el("button", null, "Put my text back");
      again.type = "button";
      again.addEventListener("click", () => {
        ui.entry.value = putBackText;
        updateByteCount();
        ui.entry.focus();
        li.remove();
      });
      actions.append(again);
    }
    const dismiss = el("button", null, "Dismiss");
    dismiss.type = "button";
    dismiss.setAttribute("aria-label", "Dismiss this message");
    dismiss.addEventListener("click", () => { li.remove(); ui.entry.focus(); });
    actions.append(dismiss);
    li.append(actions);
    ui.errors.append(li);
    while (ui.errors.children.length > MAX_ERRORS_SHOWN) ui.errors.firstElementChild.remove();
  }

  function clearErrors() {
    ui.errors.replaceChildren();
  }

  function prefixFor(pending) {
    if (pending.kind === "me") return "/me ";
    if (pending.kind === "msg") {
      const conv = state.conversations.get(pending.key);
      if (pending.switchTo && conv) return "/msg " + conv.room + " ";
    }
    return "";
  }

  // The server's words as a sentence: a capital first, a full stop last.
  function capitalise(text) {
    let s = String(text || "").trim().replace(/^(\*\*\*\s*)?(error:\s*)?/i, "").replace(/:$/, ".");
    if (s && !/[.!?…)]$/.test(s)) s += ".";
    // "reg put you out": a name keeps its case.
    const first = s.split(/[\s:;,]/, 1)[0];
    if (sameName(first, state.name)) return s;
    for (const conv of state.conversations.values()) {
      if (sameName(first, conv.room)) return s;
      for (const member of conv.members) if (member === first) return s;
    }
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function onEntrySubmit(event) {
    event.preventDefault();
    const raw = ui.entry.value;
    if (raw.trim() === "") {
      // Nothing typed: nothing to send, and no need to bother the server.
      ui.entry.focus();
      return;
    }
    if (!connectedForChat()) {
      showError("Not connected right now, so this was not sent. Your text stays in the box: press Enter again once the connection is back.");
      return;
    }
    const conv = state.conversations.get(state.current);
    if (!conv) return;
    clearErrors();
    const handled = runCommand(raw, conv);
    if (handled) {
      ui.entry.value = "";
      updateByteCount();
    }
    ui.entry.focus();
  }

  // Returns true when the entry may be cleared (the line went out, or was a local command).
  function runCommand(raw, conv) {
    if (!raw.startsWith("/") || raw.startsWith("//")) {
      const text = raw.startsWith("//") ? raw.slice(1) : raw;
      return sendText(conv.isPrivate ? "msg" : "say", conv, text);
    }
    const match = /^\/(\S+)\s?([\s\S]*)$/.exec(raw);
    const command = match[1].toLowerCase();
    const rest = match[2];
    const args = rest.trim().split(/\s+/).filter(Boolean);
    const roomOf = (arg) => (arg ? arg.replace(/^#/, "") : null);
    const needRoom = () => {
      if (conv.isPrivate) {
        const room = state.conversations.get(state.lastRoom);
        return room || null;
      }
      return conv;
    };
    switch (command) {
      case "me": {
        if (conv.isPrivate) {
          showError("/me works in rooms only; in a private conversation just type your message.");
          return false;
        }
        return sendText("me", conv, rest);
      }
      case "join":
      case "j": {
        if (!roomOf(args[0])) { showError("Which room? Type /join followed by its name, for example /join #games."); return false; }
        return joinRoom(roomOf(args[0]));
      }
      case "part":
      case "leave": {
        const room = roomOf(args[0]) || (needRoom() && needRoom().room);
        if (!room) return false;
        return send({ type: "part", room });
      }
      case "msg":
      case "query":
      case "tell": {
        const m = /^(\S+)\s+([\s\S]+)$/.exec(rest.trim() === "" ? "" : rest.replace(/^\s+/, ""));
        if (!m) { showError("Type /msg, a name, then your message: /msg bob hello."); return false; }
        const to = m[1].replace(/^@/, "");
        const target = privateConversation(to);
        return sendText("msg", target, m[2], { switchTo: true });
      }
      case "nick":
      case "name": {
        if (!args[0]) { showError("Type /nick and your new name."); return false; }
        return send({ type: "nick", name: args[0] });
      }
      case "topic": {
        const room = needRoom();
        if (!room) return false;
        if (rest.trim() === "") {
          state.wantTopic.add(room.key);
          return send({ type: "topic", room: room.room });
        }
        return send({ type: "topic", room: room.room, text: rest.trim() });
      }
      case "who":
      case "names": {
        const room = args[0] ? roomOf(args[0]) : needRoom() && needRoom().room;
        if (!room) return false;
        state.wantWho.add(roomKey(room));
        return send({ type: "who", room });
      }
      case "rooms":
      case "list":
        state.wantRooms = true;
        return send({ type: "rooms" });
      case "search":
      case "find": {
        if (!rest.trim()) { showError("Type /search and some words, for example /search deploy notes."); return false; }
        return send({ type: "search", query: rest.trim() });
      }
      case "quit":
      case "exit":
        quit();
        return true;
      case "register": {
        if (!args[0]) { showError("Type /register and a password of at least 8 characters (and an invite, if the server needs one)."); return false; }
        const message = { type: "register", password: args[0] };
        if (args[1]) message.invite = args[1];
        return send(message);
      }
      case "remove": {
        if (!args[0]) { showError("Type /remove, a name and optionally a reason: only this room's operators may."); return false; }
        const room = needRoom();
        if (!room) return false;
        const message = { type: "room_kick", name: args[0], room: room.room };
        const reason = args.slice(1).join(" ");
        if (reason) message.reason = reason;
        return send(message);
      }
      case "kick": {
        if (!args[0]) { showError("Type /kick, a name and optionally a reason."); return false; }
        const message = { type: "kick", name: args[0] };
        const reason = args.slice(1).join(" ");
        if (reason) message.reason = reason;
        return send(message);
      }
      case "ban":
      case "mute": {
        if (!args[0]) { showError("Type /" + command + ", a name, optionally a duration (30m, 2h, 7d) and a reason."); return false; }
        const message = command === "ban" ? { type: "ban", target: args[0] } : { type: "mute", name: args[0] };
        let restArgs = args.slice(1);
        const seconds = restArgs[0] && parseDuration(restArgs[0]);
        if (seconds) { message.seconds = seconds; restArgs = restArgs.slice(1); }
        if (restArgs.length) message.reason = restArgs.join(" ");
        return send(message);
      }
      case "unban":
        if (!args[0]) { showError("Type /unban and a name or address."); return false; }
        return send({ type: "unban", target: args[0] });
      case "unmute":
        if (!args[0]) { showError("Type /unmute and a name."); return false; }
        return send({ type: "unmute", name: args[0] });
      case "help":
      case "?":
        showHelp();
        return true;
      default:
        showError("There is no command /" + command + ". Type /help to see them, or start with // to send a line beginning with /.");
        return false;
    }
  }

  function parseDuration(text) {
    const m = /^(\d+)([smhd])$/i.exec(text);
    if (!m) return null;
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase()];
    return Number(m[1]) * unit;
  }

  function showHelp() {
    const conv = state.conversations.get(state.current);
    [
      "Type a message and press Enter to send it. Commands:",
      "/me waves — an action (* you waves)",
      "/join #room — go to a room (it is made if it does not exist)",
      "/part — leave this room",
      "/msg name text — a private message",
      "/nick newname — change your name",
      "/topic [text] — show or set the room's topic",
      "/who — who is in this room · /rooms — every room",
      "/remove name [reason] — put someone out of this room (its operators only)",
      "/search words — find messages in your rooms and your private messages",
      "/register password — keep your name (if the server allows it)",
      "/quit — leave the chat",
    ].forEach((line) => addNote(conv, line));
  }

  function joinRoom(room) {
    if (!room) return false;
    const key = roomKey(room);
    if (state.conversations.has(key)) {
      switchTo(key);
      return true;
    }
    state.wantJoin.add(key);
    return send({ type: "join", room });
  }

  function quit() {
    state.quitting = true;
    send({ type: "quit" });
    setTimeout(() => {
      if (state.socket) state.socket.close();
    }, 3000);
  }

  function updateByteCount() {
    const bytes = byteLength(ui.entry.value);
    const max = state.maxMessageBytes;
    if (bytes > max * 0.8) {
      ui.byteCount.textContent = bytes + " / " + max + " bytes" + (bytes > max ? " — too long, the server will refuse it" : "");
      ui.byteCount.classList.toggle("over", bytes > max);
    } else {
      ui.byteCount.textContent = "";
      ui.byteCount.classList.remove("over");
    }
  }

  // ---- Server messages ----------------------------------------------------------------------

  function onServerMessage(message) {
    switch (message.type) {
      case "ping":
        send({ type: "pong" });
        break;
      case "pong":
        break;
      case "welcome":
        onWelcome(message);
        break;
      case "event":
        onEvent(message.event, message.history === true);
        break;
      case "history_end":
        onHistoryEnd(message);
        break;
      case "gap":
        onGap(message);
        break;
      case "who": {
        const room = message.room || currentRoomName() || "main";
        const conv = state.conversations.get(roomKey(room));
        if (conv) {
          conv.members = new Set(message.names || []);
          if (conv.key === state.current) renderMembers();
        }
        if (state.wantWho.delete(roomKey(room))) {
          const names = message.names || [];
          addNote(null, "In #" + room + " (" + names.length + "): " + names.join(", "));
        }
        break;
      }
      case "joined": {
        const conv = roomConversation(message.room);
        conv.members = new Set(message.names || []);
        conv.topic = message.topic || "";
        if (state.wantJoin.delete(conv.key)) switchTo(conv.key, true); // its history comes next
        else if (conv.key === state.current) { renderMembers(); renderHeader(); }
        break;
      }
      case "rooms": {
        const rooms = message.rooms || [];
        state.directory = rooms;
        renderOtherRooms();
        ui.roomDirectory.replaceChildren(...rooms.map((r) => {
          const option = el("option");
          option.value = r.room;
          option.label = "#" + r.room + " (" + r.members + ")" + (r.topic ? " — " + r.topic : "");
          return option;
        }));
        if (state.wantRooms) {
          state.wantRooms = false;
          const conv = state.conversations.get(state.current);
          addNote(conv, "Rooms (" + rooms.length + "):");
          for (const r of rooms) {
            addNote(conv, "#" + r.room + " (" + r.members + (r.members === 1 ? " person" : " people") + ")" + (r.topic ? ": " + r.topic : ""));
          }
        }
        break;
      }
      case "topic": {
        const conv = state.conversations.get(roomKey(message.room || ""));
        if (conv) {
          conv.topic = message.text || "";
          if (conv.key === state.current) renderHeader();
          if (state.wantTopic.delete(conv.key)) {
            let words = message.text ? "Topic of " + conv.label + ": " + message.text : conv.label + " has no topic.";
            if (message.text && message.by) words += " (set by " + message.by + ")";
            addNote(conv, words);
          }
        }
        break;
      }
      case "renamed":
        state.name = message.name;
        ui.me.textContent = state.name;
        addNote(null, "You are " + message.name + " now.");
        renderMembers();
        break;
      case "search_results":
        showSearchResults(message);
        break;
      case "registered":
        addNote(null, "The name " + message.name + " is registered to you now. Next time, type its password when you join.");
        break;
      case "notice":
        if (state.phase === "chat") addNote(null, capitalise(message.message), "warning");
        break;
      case "error":
        onError(message);
        break;
      case "shutdown":
        addNote(null, capitalise(message.message || "The server is shutting down."), "warning");
        setStatus("disconnected", (message.message || "The server is shutting down.") + " Reconnecting soon…");
        break;
      default:
        break; // later versions may add types
    }
  }

  // The answer to /search, in the current conversation: a heading, then one line per result,
  // newest first, with its date, place and name; the matched words (between U+0002 and U+0003)
  // are <mark>ed. Everything from the server goes in as text, never as markup.
  function showSearchResults(message) {
    const conv = state.conversations.get(state.current);
    if (!conv) return;
    const results = Array.isArray(message.results) ? message.results : [];
    const query = String(message.query || "");
    addNote(conv, results.length === 0
      ? "No results for “" + query + "”."
      : "Search for “" + query + "”: " + results.length + (results.length === 1 ? " result" : " results") + ", newest first:");
    for (const hit of results) {
      const li = el("li", "note search-result");
      const date = new Date(hit.time);
      const day = el("span", "date", isNaN(date.getTime()) ? ""
        : date.getFullYear() + "-" + pad2(date.getMonth() + 1) + "-" + pad2(date.getDate()));
      const place = hit.recipient ? "(private, to " + hit.recipient + ")" : "#" + String(hit.room || "");
      const snippet = el("span", "snippet");
      String(hit.snippet || "").split(/([\u0002\u0003])/).reduce((inMatch, piece) => {
        if (piece === "\u0002") return true;
        if (piece === "\u0003") return false;
        if (piece) snippet.append(inMatch ? el("mark", null, piece) : piece);
        return inMatch;
      }, false);
      li.append(timeElement(hit.time), " ", day, " ", place, " ", nameSpan(String(hit.user || "")), hit.kind === "action" ? " " : ": ", snippet);
      addItem(conv, li);
    }
  }

  function onWelcome(message) {
    const first = !state.everWelcomed;
    state.phase = "chat";
    state.everWelcomed = true;
    state.reconnectAttempt = 0;
    state.name = message.name;
    if (message.token) state.token = message.token;
    if (typeof message.max_message_bytes === "number") state.maxMessageBytes = message.max_message_bytes;
    try { localStorage.setItem(NAME_KEY, ui.name.value.trim() || message.name); } catch (_) { /* private mode */ }
    ui.me.textContent = state.name;
    ui.password.value = ""; // kept in memory only, for reconnecting
    ui.signinError.textContent = "";
    setJoining(false);
    document.body.classList.remove("signed-out");
    ui.signinScreen.hidden = true;
    ui.chat.hidden = false;
    setStatus("connected", "Connected");
    quietLog(); // until the history (or catch-up) has come: history_end

    const room = message.room || "main";
    const conv = roomConversation(room);
    if (first || !state.current) switchTo(conv.key, true);
    else renderRooms();
    if (first) ui.entry.focus();
    // Who is here, the topic, and the rooms there are (for the join box).
    for (const c of state.conversations.values()) {
      if (!c.isPrivate) send({ type: "who", room: c.room });
    }
    send({ type: "topic", room });
    send({ type: "rooms" });
    updateByteCount();
  }

  function onHistoryEnd(message) {
    speakLog();
    const isPrivate = message.room === "";
    const conv = isPrivate ? null : state.conversations.get(roomKey(message.room || currentRoomName() || "main"));
    const convs = isPrivate ? [...state.conversations.values()].filter((c) => c.isPrivate) : conv ? [conv] : [];
    for (const c of convs) {
      if (c.historyShown) {
        addSeparator(c, c.countHistory ? "Caught up after reconnecting · new messages below"
          : "Earlier messages above · new messages below");
      }
      c.historyShown = false;
      c.countHistory = false;
    }
    // Texts sent just before a drop and never echoed back: give them back.
    if (state.reconnectedAt && Date.now() - state.reconnectedAt < 60000) offerUnsent(isPrivate ? null : conv);
  }

  function offerUnsent(conv) {
    const keep = [];
    for (const p of state.pending) {
      const mine = conv ? p.key === conv.key : p.key.startsWith("@");
      if (mine && p.sentAt < state.reconnectedAt) {
        const prefix = prefixFor(p);
        const back = putBack(p.text, prefix);
        showError("The connection dropped before this was sent: “" + shorten(p.text) + "”." +
          (back ? " It is back in the box: press Enter to send it." : ""), back ? null : prefix + p.text);
      } else {
        keep.push(p);
      }
    }
    state.pending = keep;
  }

  function shorten(text) {
    return text.length > 80 ? text.slice(0, 77) + "…" : text;
  }

  function onGap(message) {
    const conv = state.conversations.get(roomKey(message.room || currentRoomName() || "main"));
    if (!conv) return;
    if (typeof message.resumed_after === "number" && message.resumed_after < (message.after || 0)) {
      // Another record (a new database): ids start again, so what we saw says nothing now.
      conv.seen.clear();
      conv.lastId = 0;
      addNote(conv, "The server's record was started again; the messages below are its latest.", "warning");
    } else {
      addNote(conv, "Some messages could not be loaded here (too many were missed).", "warning");
    }
  }

  function onError(message) {
    const code = message.code || "";
    const words = capitalise(message.message || code || "Something went wrong.");
    if (state.phase !== "chat") {
      onHelloError(code, words);
      return;
    }
    if (code === "kicked" || code === "banned") {
      state.quitting = true;
      backToSignin(words);
      return;
    }
    if (TEXT_REFUSALS.has(code)) {
      const refused = refusePending(code);
      if (refused) {
        const conv = state.conversations.get(refused.key);
        const prefix = prefixFor(refused);
        // A private talk opened by this /msg and refused at once: nothing to keep.
        if (conv && conv.isPrivate && conv.items.length === 0) removeConversation(conv.key);
        const back = putBack(refused.text, prefix);
        showError(words + (back ? " Your text is back in the box." : ""), back ? null : prefix + refused.text);
        return;
      }
    }
    if (code === "not_in_room" || code === "bad_room_name" || code === "room_limit") state.wantJoin.clear();
    showError(FRIENDLY_CHAT_WORDS[code] || words);
  }

  function onHelloError(code, words) {
    const friendly = FRIENDLY_SIGNIN_WORDS[code];
    // The protocol's words speak to programs ("send another hello"): not to people.
    const plain = words.replace(/[;,]?\s*send (another|the) hello[^.]*\.?$/i, ".");
    const text = friendly || (code === "name_reserved" ? plain + " Please choose another name." : plain);
    if (!state.everWelcomed) {
      ui.signinError.textContent = text;
      setJoining(false);
      if (code === "password_required" || code === "wrong_password") {
        ui.password.focus();
        ui.password.select();
      } else {
        ui.name.focus();
      }
      state.phase = "signin";
      dropSocket();
      return;
    }
    if (FINAL_HELLO_ERRORS.has(code)) {
      state.quitting = true;
      backToSignin(text);
    } else {
      // Full server, accounts unreadable, back-off: try again by itself.
      addNote(null, words, "warning");
      dropSocket();
      scheduleReconnect();
    }
  }

  // ---- The connection -----------------------------------------------------------------------

  function socketURL() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + "/chat";
  }

  function helloMessage() {
    const hello = { type: "hello", protocol: 1, name: state.name };
    if (state.password) hello.password = state.password;
    if (state.everWelcomed) {
      const rooms = [];
      const current = state.lastRoom;
      for (const key of state.order) {
        const conv = state.conversations.get(key);
        if (conv.isPrivate || key === current) continue;
        rooms.push(resumeOf(conv));
      }
      const cur = state.conversations.get(current);
      if (cur) rooms.push(resumeOf(cur));
      if (rooms.length) hello.rooms = rooms;
      if (state.token) hello.token = state.token;
      if (state.privateAfter > 0) hello.private_after = state.privateAfter;
    }
    return hello;
  }

  function resumeOf(conv) {
    conv.countHistory = conv.lastId > 0;
    const entry = { room: conv.room };
    if (conv.lastId > 0) entry.resume_after = conv.lastId;
    return entry;
  }

  function connect() {
    clearTimers();
    dropSocket();
    state.quitting = false;
    state.phase = "hello";
    setStatus("connecting", state.everWelcomed ? "Reconnecting…" : "Connecting…");
    let socket;
    try {
      socket = new WebSocket(socketURL());
    } catch (error) {
      onSocketGone(null);
      return;
    }
    state.socket = socket;
    socket.addEventListener("open", () => {
      if (state.socket !== socket) return;
      state.lastHeard = Date.now();
      if (state.everWelcomed) state.reconnectedAt = Date.now();
      send(helloMessage());
      startWatchdog();
    });
    socket.addEventListener("message", (event) => {
      if (state.socket !== socket) return;
      state.lastHeard = Date.now();
      state.pingSentAt = 0;
      if (typeof event.data !== "string") return;
      for (const line of event.data.split("\n")) {
        if (!line.startsWith("{")) continue; // the plain greeting, if any
        let message;
        try { message = JSON.parse(line); } catch (_) { continue; }
        if (message && typeof message.type === "string") {
          try {
            onServerMessage(message);
          } catch (error) {
            console.error("chatroom: could not handle", message, error);
          }
        }
      }
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      refuseTooBig(event.code === 1009);
      onSocketGone(socket);
    });
    socket.addEventListener("error", () => { /* a close follows */ });
  }

  function dropSocket() {
    const socket = state.socket;
    state.socket = null;
    stopWatchdog();
    if (socket && socket.readyState <= WebSocket.OPEN) {
      try { socket.close(); } catch (_) { /* already closing */ }
    }
  }

  // The server closes with 1009 a frame too big to be a line at all (6 times the message limit and
  // 1024 bytes): a text sent was it. The browser often sees no code (the server stops reading and
  // closes while the frame still goes out), so a pending text that big is taken as the reason too.
  // It goes back to the user, with the reason, before the reconnect (which would call it "dropped").
  function refuseTooBig(closedAsTooBig) {
    const frameLimit = 6 * state.maxMessageBytes + 1024;
    let index = state.pending.findIndex((p) => byteLength(JSON.stringify({ type: "say", text: p.text })) > frameLimit);
    if (index < 0 && closedAsTooBig) {
      index = state.pending.reduce((best, p, i, all) => (best < 0 || p.text.length > all[best].text.length ? i : best), -1);
    }
    if (index < 0) return;
    const [refused] = state.pending.splice(index, 1);
    const prefix = prefixFor(refused);
    const back = putBack(refused.text, prefix);
    showError("Your message was far too long to send (" + byteLength(refused.text) + " bytes; the limit is " +
      state.maxMessageBytes + "); it was not sent." + (back ? " Your text is back in the box." : ""),
      back ? null : prefix + refused.text);
  }

  function onSocketGone() {
    state.socket = null;
    stopWatchdog();
    if (state.quitting) {
      if (state.phase === "chat") backToSignin("You left the chat. Join again whenever you like.");
      state.phase = "signin";
      setStatus("disconnected", "Not connected");
      return;
    }
    if (!state.everWelcomed) {
      state.phase = "signin";
      if (!ui.signinError.textContent) {
        ui.signinError.textContent = "Could not reach the chat server. Check your connection and try again.";
      }
      setJoining(false);
      setStatus("disconnected", "Not connected");
      return;
    }
    state.phase = "hello";
    scheduleReconnect();
  }

  function scheduleReconnect() {
    clearTimers();
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, state.reconnectAttempt));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    state.reconnectAttempt++;
    state.reconnectAt = Date.now() + delay;
    const tick = () => {
      const left = Math.max(0, Math.ceil((state.reconnectAt - Date.now()) / 1000));
      setStatus("disconnected", "Disconnected — reconnecting in " + left + " s…", true);
    };
    tick();
    state.countdownTimer = setInterval(tick, 250);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function clearTimers() {
    if (state.reconnectTimer) clearTimeout(state.reconnectTimer);
    if (state.countdownTimer) clearInterval(state.countdownTimer);
    state.reconnectTimer = null;
    state.countdownTimer = null;
  }

  const ANNOUNCEMENTS = {
    connected: "Connected.",
    disconnected: "Disconnected. Reconnecting by itself; what you type is kept.",
    connecting: "",
  };

  function setStatus(kind, text, offerNow) {
    if (ui.status.dataset.state !== kind) {
      ui.status.dataset.state = kind;
      // Screen readers hear the change of state once, not every second of the countdown.
      if (state.phase !== "signin" || kind === "connected") ui.statusAnnounce.textContent = ANNOUNCEMENTS[kind] || "";
    }
    if (ui.statusText.textContent !== text) ui.statusText.textContent = text;
    ui.reconnectNow.hidden = !offerNow;
  }

  // A connection can die without a close (a laptop lid, a lost network): ask now and then.
  function startWatchdog() {
    stopWatchdog();
    state.watchdog = setInterval(() => {
      const now = Date.now();
      if (state.pingSentAt && now - state.pingSentAt > PONG_WAIT_MS) {
        const socket = state.socket;
        if (socket) {
          state.socket = null;
          try { socket.close(); } catch (_) { /* gone */ }
          onSocketGone(socket);
        }
      } else if (!state.pingSentAt && now - state.lastHeard > QUIET_PING_MS && state.phase === "chat") {
        state.pingSentAt = now;
        send({ type: "ping" });
      }
    }, 5000);
  }

  function stopWatchdog() {
    if (state.watchdog) clearInterval(state.watchdog);
    state.watchdog = null;
    state.pingSentAt = 0;
  }

  function backToSignin(message) {
    clearTimers();
    dropSocket();
    state.phase = "signin";
    state.everWelcomed = false;
    state.conversations.clear();
    state.order = [];
    state.current = null;
    state.lastRoom = null;
    state.pending = [];
    state.privateSeen.clear();
    state.privateAfter = 0;
    state.token = null;
    ui.messages.replaceChildren();
    ui.rooms.replaceChildren();
    ui.members.replaceChildren();
    state.directory = [];
    renderOtherRooms();
    clearErrors();
    ui.chat.hidden = true;
    ui.signinScreen.hidden = false;
    document.body.classList.add("signed-out");
    setStatus("disconnected", "Not connected");
    ui.signinError.textContent = message || "";
    setJoining(false);
    document.title = "chatroom";
    ui.name.focus();
  }

  // ---- Page wiring --------------------------------------------------------------------------

  function onSignin(event) {
    event.preventDefault();
    const name = ui.name.value.trim();
    if (!name) {
      ui.signinError.textContent = "Please type a name first.";
      ui.name.focus();
      return;
    }
    ui.signinError.textContent = "";
    state.name = name;
    state.password = ui.password.value;
    state.everWelcomed = false;
    setJoining(true);
    connect();
  }

  function setJoining(busy) {
    ui.join.disabled = busy;
    ui.join.textContent = busy ? "Joining…" : "Join the chat";
  }

  function closePanel() {
    ui.chat.classList.remove("panel-open");
    ui.panelToggle.setAttribute("aria-expanded", "false");
  }

  function init() {
    try {
      const remembered = localStorage.getItem(NAME_KEY);
      if (remembered) ui.name.value = remembered;
    } catch (_) { /* storage off */ }
    ui.name.focus();

    ui.signin.addEventListener("submit", onSignin);
    ui.compose.addEventListener("submit", onEntrySubmit);
    ui.entry.addEventListener("input", updateByteCount);
    ui.joinRoom.addEventListener("submit", (event) => {
      event.preventDefault();
      const room = ui.roomInput.value.trim().replace(/^#/, "");
      if (!room) { ui.roomInput.focus(); return; }
      if (!connectedForChat()) {
        showError("Not connected right now: join the room once the connection is back.");
        return;
      }
      if (joinRoom(room)) ui.roomInput.value = "";
      ui.entry.focus();
    });
    ui.reconnectNow.addEventListener("click", () => {
      if (state.reconnectTimer) connect();
    });
    ui.signout.addEventListener("click", () => {
      if (connectedForChat()) quit();
      else { state.quitting = true; backToSignin("You left the chat."); }
    });
    ui.panelToggle.addEventListener("click", () => {
      const open = ui.chat.classList.toggle("panel-open");
      ui.panelToggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    ui.messages.addEventListener("scroll", () => {
      state.stayAtBottom = isAtBottom();
      if (state.stayAtBottom) ui.jumpDown.hidden = true;
    });
    // The log shrinks when a topic or an error line appears above or below it: stay at the end.
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => { if (state.stayAtBottom) scrollToBottom(); }).observe(ui.messages);
    }
    ui.jumpDown.addEventListener("click", () => {
      scrollToBottom();
      state.stayAtBottom = true;
      ui.jumpDown.hidden = true;
      ui.entry.focus();
    });
    window.addEventListener("online", () => {
      if (state.reconnectTimer) connect();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) updateTitle();
    });
    window.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closePanel();
    });
  }

  init();
})();
