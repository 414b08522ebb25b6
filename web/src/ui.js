// The widget's DOM, in a shadow root so the host page's styles and ours never mix.
// Reading order is Tab order: header tools, the conversation, the message box and Send, then
// the suggested replies (after the box: focus stays in the box after each answer, and Tab
// goes on to the choices in their own order). Only messages are inside the live log.
import css from "./widget.css";
import { renderMarkdown } from "./markdown.js";
import { transcriptFile } from "./transcript.js";

const OFFLINE = "Can't reach the help service right now. What you send waits here and goes when the connection is back.";
const STATES = { queued: "Waiting for the connection", pending: "Sending…", sent: "Sent", failed: "Not delivered" };
const TYPING_ANNOUNCE_AFTER_MS = 600; // a quicker answer is announced by itself
const TYPING_ANNOUNCE_FOR_MS = 3000; // long enough for a screen reader to read it out
const TYPING_GIVE_UP_MS = 30000;

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

export function buildUi(host, { title, maxChars, onSend, onRetry, onReconnect, onStartOver, onOpenChange }) {
  const shadow = host.attachShadow({ mode: "open" });
  const style = element("style");
  style.textContent = css;
  const root = element("div", { class: "root" });

  const launcher = element("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "rb-panel" }, title);
  const panel = element("section", { id: "rb-panel", class: "panel", "aria-labelledby": "rb-title", hidden: "" });
  const header = element("header");
  const heading = element("h2", { id: "rb-title" }, title);
  const close = element("button", { class: "close", type: "button", "aria-label": "Close the chat" }, "×");
  header.append(heading, close);
  const tools = element("div", { class: "tools" });
  const restart = element("button", { type: "button" }, "Start over");
  const download = element("button", { type: "button" }, "Download conversation");
  tools.append(restart, download);

  const bar = element("div", { class: "bar", hidden: "" });
  const barText = element("p", { role: "alert" });
  const barActions = element("div", { class: "bar-actions" });
  bar.append(barText, barActions);

  const logArea = element("div", { class: "log-area" });
  const log = element("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation", tabindex: "0" });
  const empty = element("p", { class: "empty" }, "Tell me what happened with your sign-in, for example “I got a new phone and can't get my codes”.");
  log.append(empty);
  const more = element("button", { class: "more", type: "button", hidden: "" }, "New messages below ↓");
  logArea.append(log, more);

  const typing = element("p", { class: "typing", "aria-hidden": "true", hidden: "" });
  typing.append(element("span", {}, "The assistant is typing"), element("span", { class: "dots" }));
  const announcer = element("p", { class: "sr-only", role: "status" });

  const form = element("form", { "aria-label": "Send a message" });
  const label = element("label", { for: "rb-input", class: "sr-only" }, "Your message");
  const input = element("textarea", { id: "rb-input", rows: "1", autocomplete: "off", placeholder: "Type your message…", "aria-describedby": "rb-count rb-hint" });
  const send = element("button", { type: "submit" }, "Send");
  form.append(label, input, send);
  const below = element("div", { class: "below" });
  const hint = element("p", { id: "rb-hint", class: "hint" }, "Enter sends · Shift+Enter adds a line");
  const count = element("p", { id: "rb-count", class: "count" });
  below.append(hint, count);
  const replies = element("div", { class: "replies", role: "group", "aria-label": "Suggested replies", hidden: "" });
  const privacy = element("p", { class: "privacy" }, "Never type a password or a code here: we will never ask for one.");
  panel.append(header, tools, bar, logArea, typing, announcer, form, below, replies, privacy);
  root.append(launcher, panel);
  shadow.append(style, root);

  const entries = []; // what is on screen, for the download: { who, time, text }
  const failed = new Set(); // entries whose message may not have arrived
  let offline = false;
  let confirming = false; // "start over?" is being asked
  let answerStart = null; // the first bubble of the bot's current answer
  let typingTimers = [];
  let announceUntil = 0;
  let wasTooLong = false;

  // --- open and close -------------------------------------------------------------------
  function setOpen(open, { focus = true } = {}) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    onOpenChange(open);
    if (!focus) return;
    if (open) input.focus();
    else launcher.focus();
  }

  // --- the status bar: offline, undelivered messages, "start over?" ---------------------
  function showBar(text, actions, { kind = "problem" } = {}) {
    bar.hidden = !text;
    bar.className = `bar ${kind}`;
    barText.textContent = text;
    barActions.replaceChildren(
      ...actions.map(([caption, run]) => {
        const button = element("button", { type: "button" }, caption);
        button.addEventListener("click", run);
        return button;
      }),
    );
  }

  function refreshBar() {
    if (confirming) return;
    if (offline) showBar(OFFLINE, [["Try again now", onReconnect]]);
    else if (failed.size) {
      const what = failed.size === 1 ? "A message was" : `${failed.size} messages were`;
      showBar(`${what} not delivered.`, [["Send again", retryFailed]]);
    } else showBar("", []);
  }

  function retryFailed() {
    const again = [...failed];
    failed.clear();
    refreshBar();
    for (const entry of again) onRetry(entry.text, (state) => setState(entry, state), entry.messageId);
    input.focus();
  }

  // --- scrolling: show the start of an answer, and say when there is more below ----------
  function atBottom() {
    return log.scrollHeight - log.clientHeight - log.scrollTop < 24;
  }

  function followConversation() {
    const bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = answerStart ? Math.min(bottom, answerStart.offsetTop - 8) : bottom;
    more.hidden = atBottom();
  }

  log.addEventListener("scroll", () => {
    if (atBottom()) more.hidden = true;
  });
  more.addEventListener("click", () => {
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    log.scrollTo({ top: log.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    more.hidden = true;
  });

  // --- messages ---------------------------------------------------------------------------
  function addEntry(who, text, time) {
    empty.hidden = true;
    const sender = who === "user" ? "You" : "Assistant";
    const at = time ? new Date(time) : new Date();
    const node = element("div", { class: `entry ${who}` });
    const meta = element("p", { class: "meta" });
    const stamp = element("time", { datetime: at.toISOString() }, clock.format(at));
    meta.append(element("span", { class: "who" }, sender), " ", stamp);
    const bubble = element("div", { class: `msg ${who}` });
    node.append(meta, bubble);
    log.append(node);
    const entry = { who: sender, time: at, text, node, meta };
    entries.push(entry);
    return { entry, bubble };
  }

  function setState(entry, state) {
    entry.state = state;
    let badge = entry.meta.querySelector(".state");
    if (!badge) {
      badge = element("span", { class: "state" });
      entry.meta.append(element("span", { "aria-hidden": "true" }, " · "), badge);
    }
    badge.className = `state ${state}`;
    badge.textContent = STATES[state];
    if (state === "failed") {
      failed.add(entry);
      setTyping(false);
    } else failed.delete(entry);
    refreshBar();
  }

  function addUser(text, time) {
    setReplies([]);
    const { entry, bubble } = addEntry("user", text, time);
    bubble.textContent = text;
    answerStart = null;
    followConversation();
    return entry;
  }

  function addBot(text, buttons = [], time) {
    if (text) {
      const { entry, bubble } = addEntry("bot", text, time);
      bubble.append(renderMarkdown(text));
      if (!answerStart) {
        answerStart = entry.node;
        followConversation();
      } else more.hidden = atBottom();
    }
    setReplies(buttons);
  }

  function setReplies(buttons) {
    replies.hidden = buttons.length === 0;
    replies.replaceChildren(
      ...buttons.map((button) => {
        const choice = element("button", { type: "button" }, button.title);
        choice.addEventListener("click", () => {
          sendFromPerson(button.title, button.payload);
          input.focus();
        });
        return choice;
      }),
    );
    if (buttons.length) announce(`${buttons.length === 1 ? "A suggested reply" : `${buttons.length} suggested replies`} after the message box.`);
  }

  function sendFromPerson(shown, payload) {
    const entry = addUser(shown);
    entry.messageId = onSend(payload, (state) => setState(entry, state)); // a retry sends this id again
  }

  // --- typing, and what a screen reader hears outside the log ----------------------------
  function announce(text) {
    if (Date.now() < announceUntil) return; // the typing line is still being read
    announcer.textContent = text;
  }

  function setTyping(on) {
    typingTimers.forEach(clearTimeout);
    typingTimers = [];
    typing.hidden = !on;
    if (!on) return;
    typingTimers.push(
      setTimeout(() => {
        announcer.textContent = "The assistant is typing…";
        announceUntil = Date.now() + TYPING_ANNOUNCE_FOR_MS;
        setTimeout(() => {
          if (Date.now() >= announceUntil && announcer.textContent.startsWith("The assistant")) announcer.textContent = "";
        }, TYPING_ANNOUNCE_FOR_MS);
      }, TYPING_ANNOUNCE_AFTER_MS),
      setTimeout(() => (typing.hidden = true), TYPING_GIVE_UP_MS),
    );
  }

  // --- the message box: its limit, Enter and Shift+Enter ---------------------------------
  const length = (text) => [...text].length; // characters as the server counts them

  function updateCount() {
    const used = length(input.value);
    const over = used - maxChars;
    count.textContent = over > 0 ? `${used} / ${maxChars}: ${over} too many` : `${used} / ${maxChars}`;
    count.classList.toggle("over", over > 0);
    input.setAttribute("aria-invalid", String(over > 0));
    if (over > 0 && !wasTooLong) announcer.textContent = `Your message is longer than ${maxChars} characters.`;
    wasTooLong = over > 0;
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, 160)}px`;
  }

  function setMaxChars(limit) {
    maxChars = limit;
    updateCount();
  }

  input.addEventListener("input", updateCount);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const over = length(text) - maxChars;
    if (over > 0) {
      count.textContent = `Too long by ${over} characters: shorten it, or send it in two messages.`;
      announcer.textContent = count.textContent;
      input.focus();
      return;
    }
    if (/^\/restart$/i.test(text)) {
      input.value = "";
      updateCount();
      onStartOver();
      return;
    }
    input.value = "";
    updateCount();
    sendFromPerson(text, text);
  });

  // --- start over and download ------------------------------------------------------------
  function clear() {
    for (const node of log.querySelectorAll(".entry")) node.remove();
    entries.length = 0;
    failed.clear();
    answerStart = null;
    setReplies([]);
    setTyping(false);
    more.hidden = true;
    empty.hidden = false;
    confirming = false;
    refreshBar();
  }

  restart.addEventListener("click", () => {
    if (!entries.length) return onStartOver();
    confirming = true;
    const cancel = () => {
      confirming = false;
      refreshBar();
      restart.focus();
    };
    showBar("Clear this conversation from this browser and start a new one?", [["Yes, start over", () => { confirming = false; onStartOver(); }], ["Keep it", cancel]], { kind: "question" });
    barActions.querySelector("button").focus();
  });

  download.addEventListener("click", () => {
    const file = transcriptFile(title, entries);
    const link = element("a", { href: URL.createObjectURL(file.blob), download: file.name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });

  // --- after a reload, or another tab's messages: show, but do not read out again --------
  function replaceTranscript(messages) {
    log.setAttribute("aria-live", "off");
    log.setAttribute("aria-busy", "true");
    for (const node of log.querySelectorAll(".entry")) node.remove();
    entries.length = 0;
    empty.hidden = messages.length > 0;
    messages.forEach((m, index) => {
      if (m.sender === "user") addUser(m.text, m.time && m.time * 1000);
      else addBot(m.text, index === messages.length - 1 ? m.buttons || [] : [], m.time && m.time * 1000);
    });
    answerStart = null;
    followConversation();
    setTimeout(() => {
      log.removeAttribute("aria-busy");
      log.setAttribute("aria-live", "polite");
    }, 250);
  }

  function setOffline(isOffline) {
    offline = isOffline;
    if (isOffline) setTyping(false);
    refreshBar();
  }

  launcher.addEventListener("click", () => setOpen(true));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  updateCount();

  return {
    setOpen,
    addBot,
    setTyping,
    setOffline,
    setMaxChars,
    replaceTranscript,
    startedOver() {
      clear();
      announcer.textContent = "New conversation started.";
      input.focus();
    },
  };
}
