// The link to the bot: Rasa's socket.io channel with session persistence, plus the
// widget channel's history endpoint to show the conversation again after a reload.
import { io } from "socket.io-client";

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
  const pending = [];

  socket.on("connect", () => socket.emit("session_request", { session_id: sessionId }));
  socket.on("session_confirm", (confirmed) => {
    if (typeof confirmed === "string" && confirmed !== sessionId) {
      sessionId = confirmed; // the server chose another id: ours did not look random enough
      onSessionId(confirmed);
      for (const message of pending) message.session_id = confirmed;
    }
    ready = true;
    onReady({ sentWhileOffline: pending.length > 0 });
    while (pending.length) socket.emit("user_uttered", pending.shift());
  });
  socket.on("bot_uttered", (message) => onBotMessage(message || {}));
  socket.on("connect_error", () => {
    ready = false;
    onOffline();
  });
  socket.on("disconnect", () => {
    ready = false;
    onOffline();
  });

  return {
    /** Sends now when connected, else as soon as the session is confirmed again. */
    send(text) {
      const message = { message: text, session_id: sessionId };
      if (ready) socket.emit("user_uttered", message);
      else pending.push(message);
    },
    async history() {
      const url = `${serverUrl}/webhooks/widget/history/${sessionId}`;
      const answer = await fetch(url, { cache: "no-store" });
      if (!answer.ok) throw new Error(`history: ${answer.status}`);
      return (await answer.json()).messages || [];
    },
  };
}
