// The link to the bot: Rasa's socket.io channel with session persistence, plus the widget
// channel's history and config endpoints. Every message the person sends goes through these
// states, reported to its `onState`:
//   queued   offline: it goes as soon as the connection is back
//   pending  sent, not yet confirmed (the server acknowledges once it has handled it)
//   sent     the server acknowledged it, or the bot answered it
//   failed   no acknowledgement in time, or the connection dropped first: it may not have
//            arrived, and only the person decides to send it again (retry)
// Each message carries an id (`metadata.message_id`), the same when it is sent again: a message
// the server had handled before the connection dropped is answered with its first replies, not
// handled twice (docs/channels.md, "Messages sent again").
import { io } from "socket.io-client";

const ACK_TIMEOUT_MS = 30_000; // the server acknowledges after the bot's whole answer

export function connect({ serverUrl, sessionId, onSessionId, onReady, onBotMessage, onOffline }) {
  const socket = io(serverUrl, {
    path: "/socket.io",
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000,
    timeout: 10000,
  });
  let ready = false;
  const queued = []; // waiting for the connection
  const inFlight = []; // sent, waiting for the acknowledgement

  function settle(item, state) {
    const at = inFlight.indexOf(item);
    if (at < 0) return;
    inFlight.splice(at, 1);
    item.onState(state);
  }

  function emit(item) {
    inFlight.push(item);
    item.onState("pending");
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(
        "user_uttered",
        { message: item.text, session_id: sessionId, metadata: { message_id: item.messageId } },
        (error) => settle(item, error ? "failed" : "sent"),
      );
  }

  function goOffline() {
    ready = false;
    for (const item of [...inFlight]) settle(item, "failed");
    onOffline();
  }

  socket.on("connect", () => socket.emit("session_request", { session_id: sessionId }));
  socket.on("session_confirm", (confirmed) => {
    if (typeof confirmed === "string" && confirmed !== sessionId) {
      sessionId = confirmed;
      onSessionId(confirmed);
    }
    const wasOffline = !ready;
    ready = true;
    if (wasOffline) onReady({ sentWhileOffline: queued.length > 0 });
    while (queued.length) emit(queued.shift());
  });
  socket.on("bot_uttered", (message) => {
    if (inFlight.length) settle(inFlight[0], "sent"); // answered: it arrived
    onBotMessage(message || {});
  });
  socket.on("connect_error", goOffline);
  socket.on("disconnect", goOffline);

  return {
    /** Sends `text` now, or queues it until the connection is back; `onState` follows it.
     *  `messageId` (randomId()) names the message: pass the same one to send it again. */
    send(text, onState, messageId) {
      const item = { text, onState, messageId };
      if (ready) emit(item);
      else {
        queued.push(item);
        onState("queued");
      }
    },
    /** Tries to reach the server now instead of waiting for the next automatic attempt. */
    reconnectNow() {
      socket.disconnect();
      socket.connect();
    },
    /** Continues in another conversation (start over, here or in another tab). */
    switchSession(id) {
      sessionId = id;
      queued.length = 0;
      if (ready) socket.emit("session_request", { session_id: id });
    },
    async history() {
      const answer = await fetch(`${serverUrl}/webhooks/widget/history/${sessionId}`, { cache: "no-store" });
      if (!answer.ok) throw new Error(`history: ${answer.status}`);
      return (await answer.json()).messages || [];
    },
  };
}

/** The server's limits (the longest message it reads); `fallback` when it cannot be asked. */
export async function serverConfig(serverUrl, fallback) {
  try {
    const answer = await fetch(`${serverUrl}/webhooks/widget/config`, { cache: "no-store" });
    if (answer.ok) return { ...fallback, ...(await answer.json()) };
  } catch (unreachable) {
    // offline at start: the default limit, the same as the server's default
  }
  return fallback;
}
