// The recovery bot's chat widget. Embed with one tag:
//   <script src="https://BOT/webhooks/widget/widget.js" data-server-url="https://BOT" defer></script>
// Options (docs/widget.md): data-server-url (default: where the script came from),
// data-title (the launcher's and panel's name), data-storage="session" (keep the conversation
// to this tab; default: shared by the site's tabs), data-keep-minutes (how long after the last
// message a reload or another tab continues it; default 30).
import { buildUi } from "./ui.js";
import { connect, serverConfig } from "./connection.js";
import { openSession, randomId } from "./session.js";

const DEFAULTS = { message_max_chars: 2000 }; // the server's defaults (bot/settings.py)

function start(script) {
  const serverUrl = (script.dataset.serverUrl || new URL(script.src).origin).replace(/\/+$/, "");
  const session = openSession({
    kind: script.dataset.storage,
    keepMinutes: Number(script.dataset.keepMinutes) || 30,
    onSwitched(id) {
      ui.startedOver();
      connection.switchSession(id);
    },
  });
  const host = document.createElement("div");
  host.id = "recovery-bot-widget";
  document.body.append(host);

  let liveMessages = 0; // messages since the last history load: a newer transcript is on screen
  let connection = null;

  /** Sends a message (a new one, or again with its first `messageId`); returns its id. */
  function send(text, onState, messageId = randomId()) {
    liveMessages += 1;
    session.touch();
    connection.send(
      text,
      (state) => {
        if (state === "pending") ui.setTyping(true);
        onState(state);
      },
      messageId,
    );
    return messageId;
  }

  const ui = buildUi(host, {
    title: script.dataset.title || "Help with sign-in",
    maxChars: DEFAULTS.message_max_chars,
    onSend: send,
    onRetry: send,
    onReconnect: () => connection.reconnectNow(),
    onStartOver() {
      connection.switchSession(session.startOver());
      liveMessages = 0;
      ui.startedOver();
    },
    onOpenChange: (open) => session.setOpen(open),
  });

  connection = connect({
    serverUrl,
    sessionId: session.id,
    onSessionId: (confirmed) => session.adopt(confirmed),
    async onReady({ sentWhileOffline }) {
      ui.setOffline(false);
      if (sentWhileOffline) return; // the screen already shows more than the server has stored
      const seen = liveMessages;
      try {
        const messages = await connection.history();
        if (seen === liveMessages && messages.length) ui.replaceTranscript(messages);
        liveMessages = 0;
      } catch (unreachable) {
        // the live conversation goes on; the earlier messages just are not shown again
      }
    },
    onBotMessage(message) {
      liveMessages += 1;
      session.touch();
      ui.setTyping(false);
      ui.addBot(message.text || "", message.quick_replies || message.buttons || []);
    },
    onOffline: () => ui.setOffline(true),
  });

  serverConfig(serverUrl, DEFAULTS).then((config) => ui.setMaxChars(config.message_max_chars));
  if (session.open) ui.setOpen(true, { focus: false });
}

const script = document.currentScript;
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => start(script));
else start(script);
