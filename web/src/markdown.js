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

/** A DocumentFragment with the message's markdown rendered safely. */
export function renderMarkdown(text) {
  return purify.sanitize(marked.parse(String(text || "")), ALLOWED);
}
