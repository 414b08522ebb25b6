// The widget's DOM, in a shadow root so the host page's styles and ours never mix.
import css from "./widget.css";
import { renderMarkdown } from "./markdown.js";

const OFFLINE = "Can't reach the help service right now. Retrying…";

function element(tag, attributes = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function buildUi(host, { title, onSend, onOpenChange }) {
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
  const status = element("p", { class: "status", role: "alert", hidden: "" });
  const log = element("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0" });
  const empty = element("p", { class: "empty" }, "Tell me what happened with your sign-in, for example “I got a new phone and can't get my codes”.");
  log.append(empty);
  const typing = element("p", { class: "typing", role: "status", hidden: "" });
  typing.append(element("span", {}, "The assistant is typing"), element("span", { class: "dots", "aria-hidden": "true" }));
  const form = element("form", { "aria-label": "Send a message" });
  const label = element("label", { for: "rb-input", class: "sr-only" }, "Your message");
  const input = element("input", { id: "rb-input", type: "text", autocomplete: "off", maxlength: "1000", placeholder: "Type your message…" });
  const send = element("button", { type: "submit" }, "Send");
  form.append(label, input, send);
  const privacy = element("p", { class: "privacy" }, "Never type a password or a code here: we will never ask for one.");
  panel.append(header, status, log, typing, form, privacy);
  root.append(launcher, panel);
  shadow.append(style, root);

  let typingTimer = 0;
  let answerStart = null; // the first bubble of the bot's current answer

  function setOpen(open, { focus = true } = {}) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    onOpenChange(open);
    if (!focus) return;
    if (open) input.focus();
    else launcher.focus();
  }

  // Follow the conversation, but never scroll the start of a long answer (numbered steps)
  // out of sight: the person reads it from its first line.
  function scrollDown() {
    const bottom = log.scrollHeight - log.clientHeight;
    log.scrollTop = answerStart ? Math.min(bottom, answerStart.offsetTop - 8) : bottom;
  }

  function removeReplies() {
    for (const group of log.querySelectorAll(".replies")) group.remove();
  }

  function addUser(text) {
    empty.hidden = true;
    removeReplies();
    const bubble = element("div", { class: "msg user" }, text);
    log.append(bubble);
    answerStart = null;
    scrollDown();
    return bubble;
  }

  function addBot(text, buttons = []) {
    empty.hidden = true;
    removeReplies();
    if (text) {
      const bubble = element("div", { class: "msg bot" });
      bubble.append(renderMarkdown(text));
      log.append(bubble);
      answerStart = answerStart || bubble;
    }
    if (buttons.length) {
      const group = element("div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
      for (const button of buttons) {
        const choice = element("button", { type: "button" }, button.title);
        choice.addEventListener("click", () => {
          addUser(button.title);
          onSend(button.payload);
          input.focus();
        });
        group.append(choice);
      }
      log.append(group);
    }
    scrollDown();
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) typingTimer = setTimeout(() => (typing.hidden = true), 30000);
  }

  function setOffline(offline) {
    status.hidden = !offline;
    status.textContent = offline ? OFFLINE : "";
    if (offline) setTyping(false);
  }

  function replaceTranscript(messages) {
    for (const node of log.querySelectorAll(".msg, .replies")) node.remove();
    empty.hidden = messages.length > 0;
    messages.forEach((m, index) => {
      if (m.sender === "user") addUser(m.text);
      else addBot(m.text, index === messages.length - 1 ? m.buttons || [] : []);
    });
  }

  launcher.addEventListener("click", () => setOpen(true));
  close.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") setOpen(false);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    addUser(text);
    onSend(text);
  });

  return { setOpen, addUser, addBot, setTyping, setOffline, replaceTranscript };
}
