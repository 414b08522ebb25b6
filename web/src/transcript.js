// The conversation as a plain-text file the person keeps: who said what, and when.
const stamp = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const pad = (n) => String(n).padStart(2, "0");

/** The bot's markdown as text: links keep their address, emphasis marks go. */
function plainText(markdown) {
  return markdown
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, "$1 ($2)")
    .replace(/\*\*([^*]+)\*\*/g, "$1")
    .replace(/(^|\s)[*_]([^*_\n]+)[*_]/g, "$1$2");
}

export function transcriptFile(title, entries, now = new Date()) {
  const lines = [`${title}: conversation saved ${stamp.format(now)}`, ""];
  for (const entry of entries) {
    lines.push(`${entry.who}, ${stamp.format(entry.time)}:`, plainText(entry.text), "");
  }
  lines.push("We will never ask for your password or a verification code.");
  const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}`;
  return {
    name: `sign-in-help-conversation-${day}-${time}.txt`,
    blob: new Blob([lines.join("\n")], { type: "text/plain;charset=utf-8" }),
  };
}
