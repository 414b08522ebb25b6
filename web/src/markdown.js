// The bot's text as safe HTML: bold, emphasis, links and lists; every other piece of HTML
// (a <script>, an <img onerror>, a javascript: link) is shown as text or dropped.
import { Marked } from "marked";
import createDOMPurify from "dompurify";

const escapeHtml = (text) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in a message is text, not markup.
    html: ({ text }) => escapeHtml(text),
    // Images are not part of the bot's vocabulary: show their alt text.
    image: ({ text }) => escapeHtml(text),
  },
});

const purify = createDOMPurify(window);
const SAFE_LINK = /^(https?:|mailto:)/i;

purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  const href = node.getAttribute("href") || "";
  if (!SAFE_LINK.test(href)) {
    node.removeAttribute("href");
    return;
  }
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

const ALLOWED = {
  ALLOWED_TAGS: ["p", "strong", "em", "del", "code", "a", "ol", "ul", "li", "br"],
  ALLOWED_ATTR: ["href", "start"],
  RETURN_DOM_FRAGMENT: true,
};

// A ticket number ("RB-7K3P9Q") is read out and typed back: it never breaks across lines.
const TICKET_ID = /(\bRB-[0-9A-Z]{6}\b)/;

function keepTicketIdsWhole(fragment) {
  const walker = document.createTreeWalker(fragment, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) if (TICKET_ID.test(walker.currentNode.data)) found.push(walker.currentNode);
  for (const node of found) {
    const parts = node.data.split(TICKET_ID);
    node.replaceWith(
      ...parts.map((part, i) => {
        if (i % 2 === 0) return part;
        const span = document.createElement("span");
        span.className = "ticket-id";
        span.textContent = part;
        return span;
      }),
    );
  }
  return fragment;
}

/** A DocumentFragment with the message's markdown rendered safely. */
export function renderMarkdown(text) {
  return keepTicketIdsWhole(purify.sanitize(marked.parse(String(text || "")), ALLOWED));
}
