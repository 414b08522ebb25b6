// The recovery bot's chat widget. Embed with one tag:
//   <script src="https://BOT/webhooks/widget/widget.js" data-server-url="https://BOT" defer></script>
// data-server-url defaults to where the script came from; data-title names the launcher;
// data-storage="local" keeps the conversation across tabs (default: this tab, until it closes).
import { buildUi } from "./ui.js";
import { connect } from "./connection.js";
import { pickStorage, rememberSessionId, sessionId } from "./session.js";

function start(script) {
  const serverUrl = (script.dataset.serverUrl || new URL(script.src).origin).replace(/\/+$/, "");
  const storage = pickStorage(script.dataset.storage);
  const id = sessionId(storage);
  const host = document.createElement("div");
  host.id = "recovery-bot-widget";
  document.body.append(host);

  let liveMessages = 0; // messages since the last history load: a newer transcript is on screen
  let connection = null;
  const ui = buildUi(host, {
    title: script.dataset.title || "Help with sign-in",
    onSend(text) {
      liveMessages += 1;
      ui.setTyping(true);
      connection.send(text);
    },
    onOpenChange(open) {
      if (storage) storage.setItem("recovery-bot-open", open ? "1" : "0");
    },
  });

  connection = connect({
    serverUrl,
    sessionId: id,
    onSessionId: (confirmed) => rememberSessionId(storage, confirmed),
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
      ui.setTyping(false);
      const buttons = message.quick_replies || message.buttons || [];
      ui.addBot(message.text || "", buttons);
    },
    onOffline() {
      ui.setOffline(true);
    },
  });

  if (storage && storage.getItem("recovery-bot-open") === "1") ui.setOpen(true, { focus: false });
}

const script = document.currentScript;
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => start(script));
else start(script);
